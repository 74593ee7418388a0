"""Serve a folder over HTTP on 127.0.0.1: a built simple index, a Pyodide distribution, a static page.

Built on aiohttp's server (TCP_NODELAY on, listen backlog 128), so benchmarks measure the client, not the
server (a plain ``http.server`` stalls keep-alive clients and queues connections). What it adds over a static
file server:

* PEP 691 content negotiation: a directory URL serves ``index.json`` or ``index.html`` by ``Accept``
  (``?format=`` overrides), and relative file URLs in JSON pages are resolved against the request URL;
* CORS headers (browsers and Pyodide's ``pyfetch`` need them), MIME types for ``.mjs``/``.wasm``/wheels;
* HTTP Range requests (single ranges, RFC 9110), for reading a remote wheel's RECORD without the wheel;
* gzip for text (project pages, ``.metadata`` files) when the client accepts it, as static hosts and CDNs
  send them (a page is ~half its size on the wire); wheels and byte ranges are sent as they are;
* for tests and benchmarks: injected latency and faults (status codes, connection resets, stalled bodies,
  substitute bodies), and a request log to assert what a client fetched.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fnmatch
import gzip
import hashlib
import io
import json
import logging
import mimetypes
import re
import ssl
import stat
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from urllib.parse import quote, urljoin

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"

MIME_TYPES = {
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".wasm": "application/wasm",
    ".whl": "application/octet-stream",
    ".metadata": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".zip": "application/zip",
    ".tar": "application/x-tar",
    ".gz": "application/gzip",
    ".toml": "application/toml",
    ".map": "application/json",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Expose-Headers": "Content-Length, Content-Range, Content-Type, Accept-Ranges",
}

# One fault action is consumed by one matching request. See IndexServer.inject.
FaultAction = int | str | tuple[Any, ...]


@dataclass
class RequestRecord:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    status: int = 0
    content_type: str | None = None
    bytes_sent: int = 0
    fault: str | None = None
    started: float = field(default_factory=time.monotonic)


def mime_type(path: Path) -> str:
    for suffix, mime in MIME_TYPES.items():
        if path.name.endswith(suffix):
            return mime
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def negotiate(accept: str | None, fmt: str | None, have_json: bool, have_html: bool) -> str | None:
    """Pick ``"json"`` or ``"html"`` for a project page (PEP 691 "Version + Format Selection").

    ``?format=`` wins; otherwise the highest q-value among the types we have; JSON wins ties, and an
    absent or wildcard-only Accept gets HTML, the format every client reads.
    """
    if fmt:
        want = {JSON_V1: "json", HTML_V1: "html", "text/html": "html"}.get(fmt)
        return want if (want == "json" and have_json) or (want == "html" and have_html) else None
    best: tuple[float, int, str] | None = None
    for part in (accept or "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        kind = {JSON_V1: "json", "application/json": "json", HTML_V1: "html", "text/html": "html"}.get(media.lower())
        if kind is None or q <= 0 or (kind == "json" and not have_json) or (kind == "html" and not have_html):
            continue
        rank = (q, 1 if kind == "json" else 0, kind)
        if best is None or rank > best:
            best = rank
    if best is not None:
        return best[2]
    return "html" if have_html else ("json" if have_json else None)


def _absolute_json(data: bytes, page_url: str) -> bytes:
    """A PEP 691 page with its file URLs resolved against ``page_url``; anything else is returned unchanged."""
    try:
        page = json.loads(data)
    except (ValueError, RecursionError):
        return data
    files = page.get("files") if isinstance(page, dict) else None
    if not isinstance(files, list):
        return data
    for entry in files:
        if isinstance(entry, dict) and isinstance(entry.get("url"), str):
            entry["url"] = urljoin(page_url, entry["url"])
    return json.dumps(page, indent=1).encode()


#: one single byte range; anything else in a Range header is ignored (the whole body is sent, RFC 9110 14.2)
_RANGE = re.compile(r"^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.ASCII)
#: digits beyond this are a position past any file (int() of thousands of digits is refused by CPython)
_MAX_DIGITS = 18


class RangeNotSatisfiable(Exception):
    """A well-formed single byte range that starts past the end of the body (answered with 416)."""


def _position(digits: str) -> int:
    return int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``(start, end_inclusive)`` of a single byte range (RFC 9110 section 14).

    None when the header is not one byte range (malformed, another unit, several ranges): the server then
    ignores it and sends the whole body, as RFC 9110 allows. Raises :class:`RangeNotSatisfiable` for a range
    that starts past the end.
    """
    match = _RANGE.match(header)
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # suffix range: the last N bytes
        length = _position(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(0, size - length), size - 1
    start = _position(first)
    end = min(_position(last), size - 1) if last else size - 1
    if last and _position(last) < start:
        return None  # "bytes=5-2" is invalid syntax, not an unsatisfiable range
    if start >= size:
        raise RangeNotSatisfiable(header)
    return start, end


class BadRequest(ValueError):
    """A request no file can answer (a path with control characters or ``..`` above the root, a bad Host): 400."""


def path_segments(path: str) -> tuple[str, ...]:
    """The decoded URL path as segments, with empty and ``.`` segments dropped and ``..`` applied.

    Like a static host (nginx merges slashes and removes dot segments), so ``//host/x`` is the local ``/host/x``
    and never a protocol-relative URL in a redirect; ``..`` above the root is refused.
    """
    if any(ord(c) < 0x20 or c == "\x7f" for c in path):
        raise BadRequest("control character in path")
    stack: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not stack:
                raise BadRequest("path goes above the root")
            stack.pop()
        else:
            stack.append(segment)
    return tuple(stack)


def url_path(segments: tuple[str, ...], directory: bool = False) -> str:
    """An absolute path for a Location header: always one leading slash, every segment percent-encoded."""
    joined = "/" + "/".join(quote(s, safe="") for s in segments)
    return joined + "/" if directory and segments else joined


#: bytes read from a file per write; a Range response holds at most this much in memory
CHUNK_SIZE = 256 * 1024
#: bodies up to this size are read (and gzipped) on the event loop, larger ones in a worker thread
SMALL_READ = 64 * 1024
#: a JSON project page up to this size gets its relative URLs made absolute; a larger one is sent as it is
PAGE_REWRITE_LIMIT = 16 * 1024 * 1024
#: bodies of these types, no larger than this, are gzipped for a client that accepts it: project pages,
#: .metadata files, lockfiles (not scripts or wasm: the Pyodide runtime is served as it is, never re-encoded)
COMPRESSIBLE = ("application/vnd.pypi.simple.", "text/html", "text/plain", "application/json")
COMPRESS_LIMIT = 16 * 1024 * 1024
#: smaller bodies gain nothing from gzip's 18-byte frame
COMPRESS_MIN = 64
#: request records kept for tests and benchmarks; the oldest half is dropped beyond this (long-running CLI)
LOG_LIMIT = 100_000
ALLOWED_METHODS = "GET, HEAD, OPTIONS"

_log = logging.getLogger("indexer.serve")


class _OneLineLog(logging.LoggerAdapter):
    """aiohttp's server logger, with each exception as one line: a malformed request is the client's problem
    (logged at debug level), anything else one error line; never a traceback on the deployer's terminal."""

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        exc_info = kwargs.pop("exc_info", None)
        exc = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1] if exc_info else None
        if exc is not None:
            if isinstance(exc, HttpProcessingError):
                level = logging.DEBUG
            text = " ".join(str(exc).split())[:300]  # one line, whatever the exception holds
            msg = f"{msg}: {type(exc).__name__}: {text!r}"
        super().log(level, msg, *args, **kwargs)


SERVER_LOG = _OneLineLog(logging.getLogger("aiohttp.server"), {})


@dataclass
class _Body:
    """What a response sends: bytes in memory, or a file streamed in chunks."""

    content_type: str
    data: bytes | None = None
    file: Path | None = None
    size: int = 0

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data or b"") if self.file is None else self.file.open("rb")

    encoding: str | None = None  # "gzip" when ``data`` is the gzipped representation

    def etag(self) -> str:
        """Bytes in memory: a hash of them; a file: its size and modification time (never read just for this)."""
        if self.file is None:
            return '"' + hashlib.sha256(self.data or b"").hexdigest()[:32] + '"'
        st = self.file.stat()
        return f'"{st.st_size:x}-{st.st_mtime_ns:x}"'

    def gzipped(self) -> _Body:
        """This body gzipped in memory (read whole: only bodies up to COMPRESS_LIMIT are gzipped)."""
        with self.open() as fh:
            data = gzip.compress(fh.read(COMPRESS_LIMIT + 1), compresslevel=6, mtime=0)
        return _Body(self.content_type, data=data, size=len(data), encoding="gzip")


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether ``Accept-Encoding`` lists gzip (or ``*``) with a non-zero q-value (RFC 9110 §12.5.3)."""
    for part in (accept_encoding or "").split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        if coding.lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = next((p.partition("=")[2].strip() for p in params if p.lower().startswith("q=")), "1")
        try:
            return float(q) > 0
        except ValueError:
            return False
    return False


def _compressible(request: web.Request, body: _Body) -> bool:
    return (
        body.encoding is None
        and "Range" not in request.headers
        and COMPRESS_MIN <= body.size <= COMPRESS_LIMIT
        and body.content_type.startswith(COMPRESSIBLE)
        and accepts_gzip(request.headers.get("Accept-Encoding"))
    )


class IndexServer:
    """A running server; create with :func:`serve_in_thread` (tests) or ``indexer serve-index`` (CLI)."""

    def __init__(self, root: Path, *, mounts: Mapping[str, Path] | None = None, latency: float = 0.0) -> None:
        self.root = Path(root).resolve()
        self.mounts = {tuple(s for s in k.split("/") if s): Path(v).resolve() for k, v in (mounts or {}).items()}
        self.latency = latency
        self.log: list[RequestRecord] = []
        self.url = ""
        self._faults: list[tuple[str, deque[FaultAction]]] = []
        self._lock = threading.Lock()

    @property
    def index_url(self) -> str:
        return self.url + "simple/"

    # -- test controls -------------------------------------------------------------------------------

    def inject(self, path_glob: str, *actions: FaultAction) -> None:
        """Queue faults for requests whose path matches ``path_glob`` (fnmatch), one action per request.

        Actions: an int status (``500``); ``"reset"`` (abort the connection); ``("slow", seconds)`` (send
        headers and part of the body, then stall); ``("delay", seconds)`` (wait, then answer normally);
        ``("body", bytes, content_type)`` (answer 200 with these bytes instead).
        """
        with self._lock:
            self._faults.append((path_glob, deque(actions)))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def clear_log(self) -> None:
        self.log.clear()

    def requests_for(self, path_glob: str) -> list[RequestRecord]:
        return [r for r in self.log if fnmatch.fnmatch(r.path, path_glob)]

    def _take_fault(self, path: str) -> FaultAction | None:
        with self._lock:
            for glob, actions in self._faults:
                if actions and fnmatch.fnmatch(path, glob):
                    return actions.popleft()
        return None

    # -- request handling -----------------------------------------------------------------------------

    def _locate(self, segments: tuple[str, ...]) -> Path | None:
        """Map normalised path segments to a path under the root or a mount; never outside them."""
        base, rest = self.root, segments
        for prefix, directory in self.mounts.items():
            if segments[: len(prefix)] == prefix:
                base, rest = directory, segments[len(prefix) :]
                break
        try:
            candidate = base.joinpath(*rest).resolve()
        except (OSError, RuntimeError, ValueError):  # a symlink loop, a name too long
            return None
        if candidate != base and base not in candidate.parents:
            return None
        return candidate

    async def handle(self, request: web.Request) -> web.StreamResponse:
        record = RequestRecord(request.method, request.path, request.query_string, dict(request.headers))
        self.log.append(record)
        if len(self.log) > LOG_LIMIT:
            del self.log[: LOG_LIMIT // 2]
        try:
            response = await self._respond(request, record)
        except web.HTTPException as exc:
            record.status = exc.status
            exc.headers.update(CORS_HEADERS)
            raise
        except BadRequest as exc:
            response = self._plain(record, 400, f"bad request: {exc}\n")
        except (ConnectionError, asyncio.CancelledError):
            raise  # the client went away (or an injected reset): nothing to answer
        except Exception as exc:  # a bug, not the client's input: one line in the log, no traceback to anyone
            _log.error("%s %r: %s: %s", request.method, request.path, type(exc).__name__, exc)
            response = self._plain(record, 500, "internal error\n")
        record.status = response.status
        record.content_type = response.headers.get("Content-Type")
        return response

    async def _respond(self, request: web.Request, record: RequestRecord) -> web.StreamResponse:
        if request.method == "OPTIONS":
            return web.Response(status=204, headers=CORS_HEADERS)
        if request.method not in ("GET", "HEAD"):
            response = self._plain(record, 405, "method not allowed: this server only reads\n")
            response.headers["Allow"] = ALLOWED_METHODS
            return response
        if self.latency:
            await asyncio.sleep(self.latency)
        slow: float | None = None
        fault = self._take_fault(request.path)
        if fault is not None:
            record.fault = repr(fault)
            answer = await self._fault_response(request, record, fault)
            if isinstance(answer, web.StreamResponse):
                return answer
            slow = answer
        segments = path_segments(request.path)
        path = self._locate(segments)
        if path is None:
            return self._plain(record, 404, "not found\n")
        try:
            mode = path.stat().st_mode
        except PermissionError:
            return self._plain(record, 403, "forbidden\n")
        except OSError:
            return self._plain(record, 404, "not found\n")
        if stat.S_ISDIR(mode):
            if not request.path.endswith("/"):
                raise web.HTTPMovedPermanently(url_path(segments, directory=True))
            body = self._directory_page(request, path, segments)
            if isinstance(body, int):
                return self._plain(record, body, "not found\n" if body == 404 else "not acceptable\n")
        elif stat.S_ISREG(mode):
            body = _Body(mime_type(path), file=path, size=path.stat().st_size)
        else:
            return self._plain(record, 404, "not found\n")
        return await self._send(request, record, body, slow)

    async def _fault_response(
        self, request: web.Request, record: RequestRecord, fault: FaultAction
    ) -> web.StreamResponse | float | None:
        """Answer an injected fault; a float is a stall (``slow``) for the normal answer, None answers normally."""
        if isinstance(fault, int):
            return self._plain(record, fault, f"injected {fault}\n")
        if fault == "reset":
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("injected reset")
        if isinstance(fault, tuple) and fault[0] == "delay":
            await asyncio.sleep(float(fault[1]))
            return None
        if isinstance(fault, tuple) and fault[0] == "slow":
            return float(fault[1])
        if isinstance(fault, tuple) and fault[0] == "body":
            data = fault[1] if isinstance(fault[1], bytes) else str(fault[1]).encode()
            record.bytes_sent = len(data)
            return web.Response(body=data, headers={**CORS_HEADERS, "Content-Type": fault[2]})
        raise ValueError(f"unknown fault action {fault!r}")

    def _directory_page(self, request: web.Request, path: Path, segments: tuple[str, ...]) -> _Body | int:
        """The project page of a directory in the negotiated format, or the status to answer (404, 406)."""
        json_file, html_file = path / "index.json", path / "index.html"
        choice = negotiate(request.headers.get("Accept"), request.query.get("format"),
                           json_file.is_file(), html_file.is_file())
        if choice is None:
            return 404 if not (json_file.exists() or html_file.exists()) else 406
        if choice == "json":
            size = json_file.stat().st_size
            if size > PAGE_REWRITE_LIMIT:
                return _Body(JSON_V1, file=json_file, size=size)
            try:
                page_url = str(request.url.origin()) + url_path(segments, directory=True)
            except ValueError as exc:  # a Host header that is no host
                raise BadRequest(f"bad Host header ({exc})") from exc
            data = _absolute_json(json_file.read_bytes(), page_url)
            return _Body(JSON_V1, data=data, size=len(data))
        with html_file.open("rb") as fh:
            head = fh.read(400).decode("utf-8", "replace")
        content_type = HTML_V1 if "pypi:repository-version" in head else "text/html; charset=utf-8"
        return _Body(content_type, file=html_file, size=html_file.stat().st_size)

    def _plain(self, record: RequestRecord, status: int, text: str) -> web.Response:
        record.bytes_sent = len(text.encode())
        return web.Response(status=status, text=text, headers=CORS_HEADERS)

    async def _send(
        self, request: web.Request, record: RequestRecord, body: _Body, slow: float | None
    ) -> web.StreamResponse:
        """Send ``body`` (or the requested range of it) in chunks: memory stays bounded whatever the file size."""
        headers = {**CORS_HEADERS, "Content-Type": body.content_type, "Accept-Ranges": "bytes",
                   "Cache-Control": "no-cache"}
        if body.content_type.startswith(COMPRESSIBLE):
            headers["Vary"] = "Accept-Encoding"
        gzip_it = _compressible(request, body)
        status, start, length = 200, 0, body.size
        range_header = request.headers.get("Range")
        if not range_header:
            # A validator, so clients revalidate pages instead of re-downloading them (RFC 9110 §8.8.3, §13.1.2).
            headers["ETag"] = body.etag()
            if gzip_it:
                headers["ETag"] = headers["ETag"][:-1] + '-gzip"'  # each representation has its own
                headers["Content-Encoding"] = "gzip"
            if headers["ETag"] in request.headers.get("If-None-Match", "") and slow is None:
                return web.Response(status=304, headers=headers)
        if gzip_it:
            try:
                body = body.gzipped() if body.size <= SMALL_READ else await asyncio.to_thread(body.gzipped)
            except PermissionError:
                return self._plain(record, 403, "forbidden\n")
            except OSError:
                return self._plain(record, 404, "not found\n")
            length = body.size
        if range_header:
            try:
                span = parse_range(range_header, body.size)
            except RangeNotSatisfiable:
                headers["Content-Range"] = f"bytes */{body.size}"
                return web.Response(status=416, headers=headers)
            if span is not None:
                start, end = span
                headers["Content-Range"] = f"bytes {start}-{end}/{body.size}"
                status, length = 206, end - start + 1
        if request.method == "HEAD":
            headers["Content-Length"] = str(length)
            return web.Response(status=status, headers=headers)
        try:  # opened before any header is sent, so an unreadable file is still an honest status
            fh = body.open()
        except PermissionError:
            return self._plain(record, 403, "forbidden\n")
        except OSError:
            return self._plain(record, 404, "not found\n")
        response = web.StreamResponse(status=status, headers=headers)
        response.content_length = length
        # Recorded before the body goes out: a client that has every byte may look at the log at once.
        record.status, record.content_type = status, body.content_type
        with fh:
            try:
                await response.prepare(request)
                await _copy(fh, start, length, response, record, slow)
                await response.write_eof()
            except ConnectionError:  # the client went away mid-body: nothing more to send, nothing to report
                pass
        return response

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_route("*", r"/{tail:[\s\S]*}", self.handle)  # any path, newlines too: handle() judges it
        return app


async def _copy(
    fh: BinaryIO, start: int, length: int, response: web.StreamResponse, record: RequestRecord, slow: float | None
) -> None:
    """Copy ``length`` bytes from ``start``; file reads run in a thread so other clients are served meanwhile,
    except small ones (pages, a wheel's tail): a worker-thread hop costs more than the read.

    With ``slow`` (an injected stall), the first quarter of the body is sent, then nothing for ``slow`` seconds.
    """
    small = length <= SMALL_READ

    async def call(fn: Callable[..., Any], *args: Any) -> Any:
        return fn(*args) if small else await asyncio.to_thread(fn, *args)

    await call(fh.seek, start)
    remaining = length
    first = max(1, length // 4) if slow is not None else CHUNK_SIZE
    while remaining > 0:
        chunk = await call(fh.read, min(first, CHUNK_SIZE, remaining))
        if not chunk:  # the file shrank while being sent: the client sees a short body and a closed connection
            break
        record.bytes_sent += len(chunk)
        await response.write(chunk)
        remaining -= len(chunk)
        if slow is not None:
            await asyncio.sleep(slow)
            slow, first = None, CHUNK_SIZE


S = TypeVar("S", bound=IndexServer)


@contextlib.contextmanager
def run_in_thread(server: S, *, port: int = 0, ssl_context: ssl.SSLContext | None = None) -> Iterator[S]:
    """Serve ``server`` on 127.0.0.1 from a background thread (own event loop) for the duration of the block.

    Sets ``server.url``; ``port=0`` picks a free port. Any server built on :class:`IndexServer` runs this way.
    With ``ssl_context`` (a server-side context holding a certificate) it serves HTTPS.
    """
    loop = asyncio.new_event_loop()
    started = threading.Event()
    failure: list[BaseException] = []
    runner = web.AppRunner(server.make_app(), access_log=None, handle_signals=False, logger=SERVER_LOG)

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024, reuse_address=True, ssl_context=ssl_context)
        await site.start()
        scheme = "https" if ssl_context is not None else "http"
        server.url = f"{scheme}://127.0.0.1:{runner.addresses[0][1]}/"

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:  # surfaced in the caller's thread
            failure.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=main, name=f"{type(server).__name__}-thread", daemon=True)
    thread.start()
    started.wait(30)
    if failure:
        raise failure[0]
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@contextlib.contextmanager
def serve_in_thread(
    root: Path,
    *,
    port: int = 0,
    latency: float = 0.0,
    mounts: Mapping[str, Path] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Iterator[IndexServer]:
    """Run an :class:`IndexServer` for ``root`` on 127.0.0.1 in a background thread (tests, benchmarks)."""
    server = IndexServer(root, mounts=mounts, latency=latency)
    with run_in_thread(server, port=port, ssl_context=ssl_context) as server:
        yield server


def _parse_fault(spec: str) -> tuple[str, list[FaultAction]]:
    """``GLOB=ACTION[,ACTION...]`` where ACTION is a status, ``reset``, ``slow:SECONDS`` or ``delay:SECONDS``."""
    glob, sep, actions = spec.partition("=")
    if not sep or not glob:
        raise ValueError(f"--fault {spec!r}: expected GLOB=ACTION[,ACTION...]")
    parsed: list[FaultAction] = []
    for action in actions.split(","):
        kind, _, arg = action.partition(":")
        if kind.isdigit():
            parsed.append(int(kind))
        elif kind == "reset":
            parsed.append("reset")
        elif kind in ("slow", "delay") and arg:
            parsed.append((kind, float(arg)))
        else:
            raise ValueError(f"--fault {spec!r}: unknown action {action!r}")
    return glob, parsed


def listen(app: web.Application, host: str, port: int, banner: str) -> None:
    """Serve ``app`` until interrupted, printing ``banner`` once it listens; an address that cannot be bound is
    one line (UsageError), not a traceback."""
    from indexer.args import UsageError

    def announce(_aiohttp_banner: str) -> None:
        print(banner, flush=True)

    try:
        web.run_app(app, host=host, port=port, access_log=None, print=announce, backlog=1024, logger=SERVER_LOG)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from indexer import args as checked

    parser.add_argument("directory", type=Path, help="folder to serve (e.g. the OUT_DIR of build-index)")
    parser.add_argument("--port", type=checked.port, default=8000)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument(
        "--latency-ms", type=checked.milliseconds, default=0.0, help="delay every response (benchmarks)"
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="GLOB=ACTION,...",
        help="inject faults: e.g. '/simple/six/*=500,500' or '/files/*.whl=reset' or '*=slow:5'",
    )
    parser.add_argument("--mount", action="append", default=[], metavar="PREFIX=DIR", help="serve DIR under /PREFIX/")


def run(args: argparse.Namespace) -> int:
    from indexer.args import UsageError

    if not args.directory.is_dir():
        raise UsageError(f"{args.directory}: not a directory")
    mounts: dict[str, Path] = {}
    for spec in args.mount:
        prefix, sep, directory = spec.partition("=")
        if not sep or not Path(directory).is_dir():
            raise UsageError(f"--mount {spec!r}: expected PREFIX=DIR with an existing DIR")
        mounts[prefix] = Path(directory)
    server = IndexServer(args.directory, mounts=mounts, latency=args.latency_ms / 1000)
    for spec in args.fault:
        try:
            glob, actions = _parse_fault(spec)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        server.inject(glob, *actions)
    server.url = f"http://{args.host}:{args.port}/"
    banner = f"serving {args.directory} at {server.url} (simple index: {server.index_url}); Ctrl-C stops"
    listen(server.make_app(), args.host, args.port, banner)
    return 0
