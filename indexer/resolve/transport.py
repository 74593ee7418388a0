"""The one place that touches the network: a tiny async GET protocol with two implementations.

Resolution logic never imports an HTTP library; it talks to a :class:`Transport`. On CPython that
is ``httpx.AsyncClient`` (imported lazily, so the core still imports inside Pyodide); inside
Pyodide it is ``pyodide.http.pyfetch``. This mirrors httpx's own split of client and transport.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

FailureKind = Literal["timeout", "reset", "connect", "too-large", "other"]


class TransportError(Exception):
    """A request that produced no usable HTTP response (the kind says whether a retry may help)."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind: FailureKind = kind


@dataclass(frozen=True)
class Response:
    status: int
    url: str  # final URL (after redirects): relative links resolve against it
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    content: bytes = b""

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-cased (``text/html; charset=utf-8`` -> ``text/html``)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class Transport(Protocol):
    async def get(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_bytes: int,
        range: tuple[int, int | None] | None = None,
    ) -> Response:
        """GET ``url``; raise :class:`TransportError` when no complete response arrives.

        ``range`` is ``(start, end_inclusive)`` or ``(-n, None)`` for the last ``n`` bytes (RFC 9110 §14.1.2).
        """
        ...

    async def aclose(self) -> None: ...


def range_header(range: tuple[int, int | None]) -> str:
    start, end = range
    if start < 0:
        return f"bytes={start}"
    return f"bytes={start}-" if end is None else f"bytes={start}-{end}"


class HttpxTransport:
    """CPython transport on one pooled ``httpx.AsyncClient``; the body is streamed so the size cap holds."""

    def __init__(self, max_connections: int = 16) -> None:
        import httpx  # CPython only: never imported inside Pyodide

        self._httpx = httpx
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client = httpx.AsyncClient(limits=limits, follow_redirects=True, trust_env=False)

    async def get(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_bytes: int,
        range: tuple[int, int | None] | None = None,
    ) -> Response:
        httpx = self._httpx
        all_headers = dict(headers)
        if range is not None:
            all_headers["Range"] = range_header(range)
        try:
            async with asyncio.timeout(timeout):
                async with self._client.stream("GET", url, headers=all_headers, timeout=timeout) as resp:
                    declared = resp.headers.get("content-length")
                    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                        raise TransportError("too-large", f"{declared} bytes is over the {max_bytes}-byte cap")
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in resp.aiter_raw():
                        size += len(chunk)
                        if size > max_bytes:
                            raise TransportError("too-large", f"body is over the {max_bytes}-byte cap")
                        chunks.append(chunk)
                    body = b"".join(chunks)
                    if resp.headers.get("content-encoding", "identity") not in ("identity", ""):
                        body = _decode(resp.headers["content-encoding"], body)
                    return Response(
                        status=resp.status_code,
                        url=str(resp.url),
                        headers={k.lower(): v for k, v in resp.headers.items()},
                        content=body,
                    )
        except TimeoutError as exc:
            raise TransportError("timeout", f"no complete response within {timeout:g} s") from exc
        except httpx.TimeoutException as exc:
            raise TransportError("timeout", f"no complete response within {timeout:g} s") from exc
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise TransportError("reset", f"connection closed: {exc or type(exc).__name__}") from exc
        except httpx.ConnectError as exc:
            raise TransportError("connect", f"cannot connect: {exc or type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise TransportError("other", f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        await self._client.aclose()


def _decode(encoding: str, body: bytes) -> bytes:
    import gzip
    import zlib

    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


class PyfetchTransport:
    """Pyodide transport: the browser's (or Node's) fetch via ``pyodide.http.pyfetch``.

    The fetch API follows redirects and decodes content itself; the size cap is checked on the
    declared length and on the body received.
    """

    async def get(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_bytes: int,
        range: tuple[int, int | None] | None = None,
    ) -> Response:
        from pyodide.http import pyfetch

        all_headers = dict(headers)
        if range is not None:
            all_headers["Range"] = range_header(range)
        try:
            async with asyncio.timeout(timeout):
                resp: Any = await pyfetch(url, method="GET", headers=all_headers)
                resp_headers = {str(k).lower(): str(v) for k, v in dict(resp.headers).items()}
                declared = resp_headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise TransportError("too-large", f"{declared} bytes is over the {max_bytes}-byte cap")
                body = await resp.bytes()
        except TimeoutError as exc:
            raise TransportError("timeout", f"no complete response within {timeout:g} s") from exc
        except TransportError:
            raise
        except Exception as exc:  # fetch reports every network failure as one JS TypeError
            raise TransportError("reset", f"fetch failed: {exc}") from exc
        if len(body) > max_bytes:
            raise TransportError("too-large", f"body is over the {max_bytes}-byte cap")
        return Response(status=int(resp.status), url=str(resp.url or url), headers=resp_headers, content=body)

    async def aclose(self) -> None:
        return None


def in_pyodide() -> bool:
    return sys.platform == "emscripten"


def default_transport(max_connections: int = 16) -> Transport:
    """pyfetch inside Pyodide, httpx on CPython."""
    if in_pyodide():
        return PyfetchTransport()
    return HttpxTransport(max_connections=max_connections)
