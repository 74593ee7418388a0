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


def request_headers(headers: Mapping[str, str], range: tuple[int, int | None] | None) -> dict[str, str]:
    """The caller's headers plus ``Range`` when a byte range is asked for (every transport sends these)."""
    out = dict(headers)
    if range is not None:
        out["Range"] = range_header(range)
    return out


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
        all_headers = request_headers(headers, range)
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


def split_credentials(url: str) -> tuple[str, str | None]:
    """``(url without user:password, Basic Authorization value or None)``.

    The fetch API refuses URLs that carry credentials, so they travel as a header (RFC 7617) instead.
    """
    import base64
    from urllib.parse import unquote, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.netloc.rpartition("@")[2]
    userinfo = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    token = base64.b64encode(userinfo.encode()).decode()
    return urlunsplit(parts._replace(netloc=host)), f"Basic {token}"


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

        all_headers = request_headers(headers, range)
        url, auth = split_credentials(url)
        if auth is not None:
            all_headers["Authorization"] = auth
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


TRANSPORTS = ("httpx", "asyncio")


def default_transport(max_connections: int = 16, kind: str = "httpx") -> Transport:
    """pyfetch inside Pyodide; on CPython httpx, or the lean asyncio client when asked for."""
    if in_pyodide():
        return PyfetchTransport()
    if kind == "asyncio":
        return AsyncioTransport()
    if kind != "httpx":
        raise ValueError(f"unknown transport {kind!r} (choose from {', '.join(TRANSPORTS)})")
    return HttpxTransport(max_connections=max_connections)


class AsyncioTransport:
    """A lean HTTP/1.1 client on asyncio streams (CPython): keep-alive pool, Content-Length or chunked bodies.

    httpx's connection pool spends ~2 ms CPU per request and slows down past ~16 connections; freeze
    makes hundreds of small GETs, so this transport does only what they need. Opt-in (``--transport
    asyncio``); httpx stays the default on CPython.
    """

    def __init__(self, max_redirects: int = 5) -> None:
        self._idle: dict[tuple[str, str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}
        self._max_redirects = max_redirects

    async def get(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_bytes: int,
        range: tuple[int, int | None] | None = None,
    ) -> Response:
        all_headers = request_headers(headers, range)
        try:
            async with asyncio.timeout(timeout):
                redirects = 0
                while True:
                    response = await self._request(url, all_headers, max_bytes)
                    location = response.headers.get("location")
                    if response.status not in (301, 302, 303, 307, 308) or not location:
                        return response
                    redirects += 1
                    if redirects > self._max_redirects:
                        raise TransportError("other", f"more than {self._max_redirects} redirects")
                    from urllib.parse import urljoin

                    url = urljoin(url, location)
        except TimeoutError as exc:
            raise TransportError("timeout", f"no complete response within {timeout:g} s") from exc
        except ConnectionRefusedError as exc:
            raise TransportError("connect", f"cannot connect: {exc.strerror or exc}") from exc
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            raise TransportError("reset", f"connection closed: {exc or type(exc).__name__}") from exc
        except OSError as exc:
            raise TransportError("connect", f"cannot connect: {exc.strerror or exc}") from exc

    async def _request(self, url: str, headers: Mapping[str, str], max_bytes: int) -> Response:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TransportError("other", f"unsupported URL scheme {parts.scheme!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname, port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        lines = [f"GET {target} HTTP/1.1", f"Host: {host}", "Accept-Encoding: identity", "User-Agent: micropip-ext"]
        _, auth = split_credentials(url)
        if auth is not None:
            # Credentials in the index URL become Basic auth, as pip and httpx do (RFC 7617).
            lines.append(f"Authorization: {auth}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        while True:
            reused = bool(self._idle.get(key))
            reader, writer = self._idle[key].pop() if reused else await self._open(parts.scheme, parts.hostname, port)
            try:
                writer.write(request)
                await writer.drain()
                status_line = await reader.readline()
                if not status_line:
                    raise ConnectionResetError("server closed the connection")
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                if reused:
                    continue  # a stale keep-alive connection: try a fresh one
                raise
            break
        try:
            response, keep = await self._read_response(status_line, reader, url, max_bytes)
        except BaseException:
            writer.close()
            raise
        if keep:
            self._idle.setdefault(key, []).append((reader, writer))
        else:
            writer.close()
        return response

    async def _open(self, scheme: str, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        import socket

        ssl: Any = None
        if scheme == "https":
            import ssl as ssl_module

            ssl = ssl_module.create_default_context()
        reader, writer = await asyncio.open_connection(host, port, ssl=ssl, limit=1 << 20)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reader, writer

    async def _read_response(
        self, status_line: bytes, reader: asyncio.StreamReader, url: str, max_bytes: int
    ) -> tuple[Response, bool]:
        version, _, rest = status_line.decode("latin-1").strip().partition(" ")
        status = int(rest.split(" ", 1)[0])
        headers: dict[str, str] = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        if status in (204, 304) or 100 <= status < 200:
            body = b""  # no body, whatever the headers say (RFC 9112 §6.3)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk_size = int((await reader.readline()).split(b";", 1)[0].strip() or b"0", 16)
                if chunk_size == 0:
                    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                size += chunk_size
                if size > max_bytes:
                    raise TransportError("too-large", f"body is over the {max_bytes}-byte cap")
                chunks.append(await reader.readexactly(chunk_size))
                await reader.readexactly(2)
            body = b"".join(chunks)
        elif "content-length" in headers:
            length = int(headers["content-length"])
            if length > max_bytes:
                raise TransportError("too-large", f"{length} bytes is over the {max_bytes}-byte cap")
            body = await reader.readexactly(length)
        else:
            body = await reader.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise TransportError("too-large", f"body is over the {max_bytes}-byte cap")
            keep = False
        return Response(status=status, url=url, headers=headers, content=body), keep

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for _, writer in connections:
                writer.close()
        self._idle.clear()
