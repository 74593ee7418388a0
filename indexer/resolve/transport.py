"""The one place that touches the network: a tiny async GET protocol with its implementations.

Resolution logic never imports an HTTP library; it talks to a :class:`Transport`. On CPython the
default is aiohttp's client (imported lazily, so the core still imports inside Pyodide; chosen by the
figures in bench/freeze_bench.py); httpx is the alternative.
Inside Pyodide it is ``pyodide.http.pyfetch``.

Every transport keeps the same bounds (issue 9): the body cap holds on the DECODED bytes (a small gzip
body that inflates past the cap stops at the cap), responses carry at most :data:`MAX_HEADERS` headers of
at most :data:`MAX_HEADER_LINE` bytes each, redirects stop after :data:`MAX_REDIRECTS`, and the whole
request (connect, headers, body) fits in one timeout. TLS is verified against the trust pip would use
(:func:`indexer.freeze.pip_config.trust`), unless the caller passes its own ``ssl.SSLContext``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import ssl

FailureKind = Literal["timeout", "reset", "connect", "too-large", "other"]

MAX_HEADERS = 128  # aiohttp's default; real indexes send ~20
MAX_HEADER_LINE = 8190  # bytes per header line (aiohttp's and nginx's default)
MAX_REDIRECTS = 5
#: What every transport can decode itself, with a bound: advertised in ``Accept-Encoding``.
ACCEPT_ENCODING = "gzip, deflate"


class TransportError(Exception):
    """A request that produced no usable HTTP response.

    ``kind`` says what failed; ``retry`` says whether another try may help (a refused certificate or a
    body over the cap will not change by asking again).
    """

    def __init__(self, kind: FailureKind, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.kind: FailureKind = kind
        self.retry = retry and kind != "too-large"


@dataclass(frozen=True)
class Response:
    status: int
    url: str  # final URL (after redirects): relative links resolve against it
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    content: bytes = b""
    #: body bytes as they crossed the wire (before Content-Encoding was decoded); None when the transport
    #: cannot tell (fetch decodes by itself), and then ``len(content)`` is what it cost
    transferred: int | None = None

    @property
    def wire_bytes(self) -> int:
        return len(self.content) if self.transferred is None else self.transferred

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


class BoundedBody:
    """Collects a body as it arrives and decodes ``Content-Encoding`` incrementally, never past ``max_bytes``.

    The cap holds on the wire bytes AND on the decoded bytes: a 1 MB gzip page that inflates to 1 GiB
    stops after ``max_bytes`` of output, with the same memory as an honest page of that size.
    """

    def __init__(self, encoding: str | None, max_bytes: int) -> None:
        import zlib

        self.max_bytes = max_bytes
        self.wire = 0
        self._chunks: list[bytes] = []
        self._size = 0
        codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise TransportError("other", f"unsupported content-encoding {encoding!r}", retry=False)
        self._zlib: Any = None
        self._deflate = bool(codings) and codings[0] == "deflate"
        self._gzip = bool(codings) and not self._deflate
        if codings:
            # wbits 47 = 32 + 15: zlib or gzip header, detected; raw deflate is tried if "deflate" has none.
            self._zlib = zlib.decompressobj(47)

    def feed(self, data: bytes) -> None:
        self.wire += len(data)
        if self.wire > self.max_bytes:
            raise TransportError("too-large", f"body is over the {self.max_bytes}-byte cap")
        if self._zlib is None:
            self._add(data)
            return
        import zlib

        try:
            if self._deflate and self.wire == len(data) and len(data) >= 2:  # the first bytes of a deflate body
                self._deflate = False
                if (data[0] & 0x0F) != 8 or (data[0] * 256 + data[1]) % 31:  # no zlib header: raw deflate
                    self._zlib = zlib.decompressobj(-15)
            while data:
                # Never more output than the room left under the cap (+1 to notice going over).
                self._add(self._zlib.decompress(data, self.max_bytes - self._size + 1))
                data = self._zlib.unconsumed_tail
                if not data and self._zlib.eof and self._zlib.unused_data and self._gzip:
                    data = self._zlib.unused_data  # the next member of a multi-member gzip body (RFC 1952)
                    self._zlib = zlib.decompressobj(47)
        except zlib.error as exc:
            raise TransportError("other", f"body does not decode: {exc}", retry=False) from exc

    def _add(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self.max_bytes:
            raise TransportError("too-large", f"decoded body is over the {self.max_bytes}-byte cap")
        if data:
            self._chunks.append(data)

    def finish(self) -> bytes:
        if self._zlib is not None:
            self._add(self._zlib.flush())
        return b"".join(self._chunks)


def check_headers(headers: Mapping[str, str] | list[tuple[str, str]], count: int | None = None) -> None:
    """Refuse a response whose header section is over the caps (for clients that parse it themselves)."""
    items = list(headers.items()) if isinstance(headers, Mapping) else headers
    if (count if count is not None else len(items)) > MAX_HEADERS:
        raise TransportError("other", f"response has more than {MAX_HEADERS} headers", retry=False)
    for name, value in items:
        if len(name) + len(value) + 2 > MAX_HEADER_LINE:
            raise TransportError("other", f"a response header is over {MAX_HEADER_LINE} bytes", retry=False)


def check_declared_length(headers: Mapping[str, str], max_bytes: int) -> None:
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TransportError("too-large", f"{declared} bytes is over the {max_bytes}-byte cap")


def tls_failure(exc: BaseException, url: str, trust_source: str) -> TransportError | None:
    """A one-line, not-retried error when ``exc`` (or what caused it) is a refused TLS certificate."""
    import ssl
    from urllib.parse import urlsplit

    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        inner = getattr(cur, "certificate_error", None)  # aiohttp wraps the ssl module's error
        if isinstance(inner, BaseException):
            cur = inner
        if isinstance(cur, ssl.SSLCertVerificationError):
            why = getattr(cur, "verify_message", None) or getattr(cur, "reason", None) or str(cur)
            host = urlsplit(url).hostname or url
            return TransportError(
                "connect", f"TLS certificate of {host} not trusted ({why}); trusting {trust_source}", retry=False
            )
        if isinstance(cur, ssl.SSLError):
            host = urlsplit(url).hostname or url
            return TransportError("connect", f"TLS handshake with {host} failed: {cur.reason or cur}", retry=False)
        cur = (
            getattr(cur, "certificate_error", None)
            or getattr(cur, "os_error", None)
            or cur.__cause__
            or (cur.__context__)
        )
    return None


def default_trust() -> tuple[ssl.SSLContext, str]:
    """The trust pip would use here (config ``cert``, CA variables, system store), as a context + its source."""
    from indexer.freeze.pip_config import trust

    try:
        chosen = trust()
    except ValueError as exc:
        raise TransportError("connect", str(exc), retry=False) from exc
    return chosen.context, chosen.source


def default_proxy() -> str | None:
    """pip's ``proxy`` setting, if any; otherwise the clients read ``HTTP(S)_PROXY``/``NO_PROXY`` themselves."""
    from indexer.freeze.pip_config import pip_proxy

    return pip_proxy()


class AiohttpTransport:
    """CPython default: aiohttp's client (C-accelerated HTTP/1.1 parser, pooled keep-alive connections).

    Measured in bench/freeze_bench.py against httpx (and, until it was removed, a hand-written asyncio
    client: aiohttp came within ~20% of its CPU time at the same wall time). Content is decoded here, not
    by aiohttp, so the size cap holds after decoding.
    """

    def __init__(self, max_connections: int = 64, ssl_context: ssl.SSLContext | None = None) -> None:
        self._max_connections = max_connections
        self._ssl = ssl_context
        self._trust_source = "the given SSL context" if ssl_context is not None else ""
        self._session: Any = None
        self._proxy: str | None = None
        self._routes: dict[tuple[str, str], dict[str, Any]] = {}
        self._netrc: Any = None

    def _open_session(self) -> Any:
        import aiohttp
        from aiohttp.helpers import netrc_from_env

        connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300)
        self._proxy = default_proxy()
        self._netrc = netrc_from_env()
        return aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            trust_env=False,  # the environment is read once per origin in _route, not in a thread per request
            max_line_size=MAX_HEADER_LINE,
            max_field_size=MAX_HEADER_LINE,
            max_headers=MAX_HEADERS,
            headers={"User-Agent": "micropip-ext", "Accept-Encoding": ACCEPT_ENCODING},
        )

    def _route(self, url: str) -> dict[str, Any]:
        """Proxy and ~/.netrc credentials for ``url``'s origin, as ``trust_env`` would give them (pip honours
        HTTP(S)_PROXY / NO_PROXY and ~/.netrc too): looked up once per origin, where aiohttp's ``trust_env``
        asks in a worker thread twice per request."""
        from urllib.parse import urlsplit

        import yarl
        from aiohttp.helpers import basicauth_from_netrc, get_env_proxy_for_url

        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc.rpartition("@")[2])
        route = self._routes.get(key)
        if route is None:
            route = {"proxy": self._proxy}
            if self._proxy is None:
                with contextlib.suppress(LookupError, ValueError):  # no proxy for it
                    route["proxy"], route["proxy_auth"] = get_env_proxy_for_url(yarl.URL(url))
            with contextlib.suppress(LookupError, ValueError):  # no credentials for it
                route["netrc"] = basicauth_from_netrc(self._netrc, parts.hostname or "").encode()
            self._routes[key] = route
        return route

    def _ssl_for(self, url: str) -> ssl.SSLContext | bool:
        """The trust for an https URL, built on first use (reading a CA bundle costs ~30 ms: a plain-http run
        never pays it). A plain-http URL that redirects to https gets aiohttp's default verification."""
        if not url.startswith("https:"):
            return True
        if self._ssl is None:
            self._ssl, self._trust_source = default_trust()
        return self._ssl

    async def get(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_bytes: int,
        range: tuple[int, int | None] | None = None,
    ) -> Response:
        import aiohttp

        if self._session is None:
            self._session = self._open_session()
        all_headers = request_headers(headers, range)
        route = self._route(url)
        has_userinfo = "@" in url.partition("//")[2].split("/", 1)[0]
        if "netrc" in route and not has_userinfo and not any(k.lower() == "authorization" for k in all_headers):
            all_headers["Authorization"] = route["netrc"]  # the URL's or the caller's credentials win
        try:
            async with asyncio.timeout(timeout):
                # aiohttp counts the redirect that is refused: +1 follows MAX_REDIRECTS, like the other clients.
                request = self._session.get(
                    _exact_url(url),
                    headers=all_headers,
                    max_redirects=MAX_REDIRECTS + 1,
                    ssl=self._ssl_for(url),
                    proxy=route.get("proxy"),
                    proxy_auth=route.get("proxy_auth"),
                )
                async with request as resp:
                    resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                    check_declared_length(resp_headers, max_bytes)
                    body = BoundedBody(resp_headers.get("content-encoding"), max_bytes)
                    async for chunk in resp.content.iter_any():
                        body.feed(chunk)
                    content = body.finish()
                    return Response(resp.status, str(resp.url), resp_headers, content, transferred=body.wire)
        except TransportError:
            raise
        except TimeoutError as exc:
            raise TransportError("timeout", f"no complete response within {timeout:g} s") from exc
        except aiohttp.TooManyRedirects as exc:
            raise TransportError("other", f"more than {MAX_REDIRECTS} redirects", retry=False) from exc
        except (aiohttp.ClientConnectorError, aiohttp.ClientSSLError) as exc:
            tls = tls_failure(exc, url, self._trust_source)
            if tls is not None:
                raise tls from exc
            raise TransportError("connect", f"cannot connect: {exc.os_error.strerror or exc}") from exc
        except aiohttp.ClientResponseError as exc:  # malformed or over-long status line / headers
            raise TransportError("other", _bad_response(exc), retry=False) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientOSError) as exc:
            raise TransportError("reset", f"connection closed: {exc or type(exc).__name__}") from exc
        except aiohttp.InvalidURL as exc:
            raise TransportError("other", f"invalid URL: {exc}", retry=False) from exc
        except aiohttp.ClientError as exc:
            raise TransportError("other", f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _exact_url(url: str) -> Any:
    """The URL as the index wrote it: yarl would otherwise re-quote it (``%2B`` in a local version's file name
    becomes ``+``, which breaks signed URLs). Only URLs that are already plain ASCII are taken as encoded."""
    import yarl

    return yarl.URL(url, encoded=True) if url.isascii() and " " not in url else url


def _bad_response(exc: BaseException) -> str:
    """One line for aiohttp's parser errors, without echoing the server's bytes."""
    from aiohttp.http_exceptions import LineTooLong

    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, LineTooLong) or "8190 bytes" in str(exc):
        return f"a response header is over {MAX_HEADER_LINE} bytes"
    if "headers" in str(exc).lower():
        return f"response has more than {MAX_HEADERS} headers"
    return f"bad response ({type(cause or exc).__name__})"


class HttpxTransport:
    """CPython transport on one pooled ``httpx.AsyncClient`` (optionally HTTP/2 when ``h2`` is installed).

    The body is streamed raw and decoded here, so the size cap holds after decoding; h11 bounds the
    header section at 100 KiB and the count is checked on arrival.
    """

    def __init__(
        self, max_connections: int = 16, ssl_context: ssl.SSLContext | None = None, *, http2: bool = False
    ) -> None:
        import httpx  # CPython only: never imported inside Pyodide

        if ssl_context is None:
            ssl_context, self._trust_source = default_trust()
        else:
            self._trust_source = "the given SSL context"
        self._httpx = httpx
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client = httpx.AsyncClient(
            limits=limits,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            trust_env=True,  # HTTP(S)_PROXY / NO_PROXY as pip honours them; ~/.netrc only in the aiohttp transport
            proxy=default_proxy(),
            verify=ssl_context,
            http2=http2,
            headers={"User-Agent": "micropip-ext", "Accept-Encoding": ACCEPT_ENCODING},
        )

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
                    raw = resp.headers.multi_items()
                    check_headers(raw)
                    resp_headers = {k.lower(): v for k, v in raw}
                    check_declared_length(resp_headers, max_bytes)
                    body = BoundedBody(resp_headers.get("content-encoding"), max_bytes)
                    async for chunk in resp.aiter_raw():
                        body.feed(chunk)
                    content = body.finish()
                    return Response(resp.status_code, str(resp.url), resp_headers, content, transferred=body.wire)
        except TransportError:
            raise
        except TimeoutError as exc:
            raise TransportError("timeout", f"no complete response within {timeout:g} s") from exc
        except httpx.TimeoutException as exc:
            raise TransportError("timeout", f"no complete response within {timeout:g} s") from exc
        except httpx.TooManyRedirects as exc:
            raise TransportError("other", f"more than {MAX_REDIRECTS} redirects", retry=False) from exc
        except httpx.RemoteProtocolError as exc:
            raise TransportError("reset", f"connection closed or bad response: {exc or type(exc).__name__}") from exc
        except (httpx.ReadError, httpx.WriteError) as exc:
            raise TransportError("reset", f"connection closed: {exc or type(exc).__name__}") from exc
        except httpx.ConnectError as exc:
            tls = tls_failure(exc, url, self._trust_source)
            if tls is not None:
                raise tls from exc
            raise TransportError("connect", f"cannot connect: {exc or type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise TransportError("other", f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        await self._client.aclose()


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

    The fetch API follows redirects, verifies TLS against the browser's store and decodes content itself;
    the body is read chunk by chunk from its stream so the cap holds on the decoded bytes.
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
                check_declared_length(resp_headers, max_bytes)
                body = await _read_stream(resp, max_bytes)
        except TimeoutError as exc:
            raise TransportError("timeout", f"no complete response within {timeout:g} s") from exc
        except TransportError:
            raise
        except Exception as exc:  # fetch reports every network failure as one JS TypeError
            raise TransportError("reset", f"fetch failed: {exc}") from exc
        return Response(status=int(resp.status), url=str(resp.url or url), headers=resp_headers, content=body)

    async def aclose(self) -> None:
        return None


async def _read_stream(resp: Any, max_bytes: int) -> bytes:
    """The (already decoded) body from the fetch Response's stream, stopping at the cap."""
    stream = getattr(getattr(resp, "js_response", None), "body", None)
    if stream is None:  # no streams API (or an empty body): read it whole, then check
        data: bytes = await resp.bytes()
        if len(data) > max_bytes:
            raise TransportError("too-large", f"decoded body is over the {max_bytes}-byte cap")
        return data
    body = BoundedBody(None, max_bytes)
    reader = stream.getReader()
    try:
        while True:
            chunk = await reader.read()
            if chunk.done:
                break
            body.feed(chunk.value.to_bytes())
    finally:
        if body.wire > max_bytes:
            await reader.cancel()
    return body.finish()


def in_pyodide() -> bool:
    return sys.platform == "emscripten"


#: CPython clients, the default first (bench/freeze_bench.py has the figures behind the choice).
TRANSPORTS = ("aiohttp", "httpx")
DEFAULT_TRANSPORT = "aiohttp"


def default_transport(
    max_connections: int = 64, kind: str = DEFAULT_TRANSPORT, ssl_context: ssl.SSLContext | None = None
) -> Transport:
    """pyfetch inside Pyodide; on CPython the client named by ``kind`` (aiohttp unless told otherwise)."""
    if in_pyodide():
        return PyfetchTransport()
    if kind == "aiohttp":
        return AiohttpTransport(max_connections=max_connections, ssl_context=ssl_context)
    if kind == "httpx":
        return HttpxTransport(max_connections=max_connections, ssl_context=ssl_context)
    raise ValueError(f"unknown transport {kind!r} (choose from {', '.join(TRANSPORTS)})")
