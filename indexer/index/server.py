"""Serve a folder over HTTP on 127.0.0.1: a built simple index, a Pyodide distribution, a static page.

Built on aiohttp's server (TCP_NODELAY on, listen backlog 128), so benchmarks measure the client, not the
server (a plain ``http.server`` stalls keep-alive clients and queues connections). What it adds over a static
file server:

* PEP 691 content negotiation: a directory URL serves ``index.json`` or ``index.html`` by ``Accept``
  (``?format=`` overrides), and relative file URLs in JSON pages are resolved against the request URL;
* CORS headers (browsers and Pyodide's ``pyfetch`` need them), MIME types for ``.mjs``/``.wasm``/wheels;
* HTTP Range requests (single ranges, RFC 9110), for reading a remote wheel's RECORD without the wheel;
* for tests and benchmarks: injected latency and faults (status codes, connection resets, stalled bodies,
  substitute bodies), and a request log to assert what a client fetched.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fnmatch
import json
import mimetypes
import re
import ssl
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin

from aiohttp import web

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
    page = json.loads(data)
    for entry in page.get("files", []):
        if isinstance(entry, dict) and isinstance(entry.get("url"), str):
            entry["url"] = urljoin(page_url, entry["url"])
    return json.dumps(page, indent=1).encode()


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Return ``(start, end_inclusive)`` for a satisfiable single range, else None (RFC 9110 section 14)."""
    match = _RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # suffix range: the last N bytes
        length = int(last)
        return (max(0, size - length), size - 1) if length > 0 and size > 0 else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end and start < size else None


class IndexServer:
    """A running server; create with :func:`serve_in_thread` (tests) or ``indexer serve-index`` (CLI)."""

    def __init__(self, root: Path, *, mounts: Mapping[str, Path] | None = None, latency: float = 0.0) -> None:
        self.root = Path(root).resolve()
        self.mounts = {("/" + k.strip("/") + "/"): Path(v).resolve() for k, v in (mounts or {}).items()}
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

    def _locate(self, url_path: str) -> Path | None:
        """Map a URL path to a file under the root or a mount; never outside them."""
        base, rel = self.root, url_path
        for prefix, directory in self.mounts.items():
            if url_path.startswith(prefix) or url_path + "/" == prefix:
                base, rel = directory, url_path[len(prefix) :]
                break
        candidate = (base / rel.lstrip("/")).resolve()
        if candidate != base and base not in candidate.parents:
            return None
        return candidate

    async def handle(self, request: web.Request) -> web.StreamResponse:
        record = RequestRecord(request.method, request.path, request.query_string, dict(request.headers))
        self.log.append(record)
        try:
            response = await self._respond(request, record)
        except web.HTTPException as exc:
            record.status = exc.status
            exc.headers.update(CORS_HEADERS)
            raise
        record.status = response.status
        record.content_type = response.headers.get("Content-Type")
        return response

    async def _respond(self, request: web.Request, record: RequestRecord) -> web.StreamResponse:
        if request.method == "OPTIONS":
            return web.Response(status=204, headers=CORS_HEADERS)
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = self._take_fault(request.path)
        slow: float | None = None
        if fault is not None:
            record.fault = repr(fault)
            if isinstance(fault, int):
                body = f"injected {fault}\n".encode()
                record.bytes_sent = len(body)
                return web.Response(status=fault, body=body, headers=CORS_HEADERS, content_type="text/plain")
            if fault == "reset":
                if request.transport is not None:
                    request.transport.abort()
                raise ConnectionResetError("injected reset")
            if isinstance(fault, tuple) and fault[0] == "delay":
                await asyncio.sleep(float(fault[1]))
            elif isinstance(fault, tuple) and fault[0] == "slow":
                slow = float(fault[1])
            elif isinstance(fault, tuple) and fault[0] == "body":
                data = fault[1] if isinstance(fault[1], bytes) else str(fault[1]).encode()
                record.bytes_sent = len(data)
                headers = {**CORS_HEADERS, "Content-Type": fault[2]}
                return web.Response(body=data, headers=headers)
            else:
                raise ValueError(f"unknown fault action {fault!r}")

        path = self._locate(request.path)
        if path is None:
            return self._not_found(record)
        content_type: str
        if path.is_dir():
            if not request.path.endswith("/"):
                raise web.HTTPMovedPermanently(request.path + "/")
            choice = negotiate(
                request.headers.get("Accept"),
                request.query.get("format"),
                (path / "index.json").is_file(),
                (path / "index.html").is_file(),
            )
            if choice is None:
                return self._not_found(record) if not any(path.glob("index.*")) else self._not_acceptable(record)
            if choice == "json":
                data = (path / "index.json").read_bytes()
                page_url = str(request.url.with_query(None))
                body = _absolute_json(data, page_url) if "files" in data.decode("utf-8", "replace") else data
                content_type = JSON_V1
            else:
                body = (path / "index.html").read_bytes()
                content_type = HTML_V1 if "pypi:repository-version" in body[:400].decode("utf-8", "replace") else (
                    "text/html; charset=utf-8"
                )
        elif path.is_file():
            body = path.read_bytes()
            content_type = mime_type(path)
        else:
            return self._not_found(record)
        return await self._send(request, record, body, content_type, slow)

    def _not_found(self, record: RequestRecord) -> web.Response:
        record.bytes_sent = len(b"not found\n")
        return web.Response(status=404, text="not found\n", headers=CORS_HEADERS)

    def _not_acceptable(self, record: RequestRecord) -> web.Response:
        record.bytes_sent = len(b"not acceptable\n")
        return web.Response(status=406, text="not acceptable\n", headers=CORS_HEADERS)

    async def _send(
        self, request: web.Request, record: RequestRecord, body: bytes, content_type: str, slow: float | None
    ) -> web.StreamResponse:
        headers = {**CORS_HEADERS, "Content-Type": content_type, "Accept-Ranges": "bytes", "Cache-Control": "no-cache"}
        status = 200
        range_header = request.headers.get("Range")
        if range_header:
            span = parse_range(range_header, len(body))
            if span is None:
                headers["Content-Range"] = f"bytes */{len(body)}"
                return web.Response(status=416, headers=headers)
            start, end = span
            headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
            body = body[start : end + 1]
            status = 206
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(body))
            return web.Response(status=status, headers=headers)
        if slow is None:
            record.bytes_sent = len(body)
            return web.Response(status=status, body=body, headers=headers)
        # A stalled body: headers and the first bytes arrive, the rest only after `slow` seconds.
        response = web.StreamResponse(status=status, headers=headers)
        response.content_length = len(body)
        await response.prepare(request)
        head = body[: max(1, len(body) // 4)]
        await response.write(head)
        await asyncio.sleep(slow)
        await response.write(body[len(head) :])
        record.bytes_sent = len(body)
        await response.write_eof()
        return response

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app


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
    runner = web.AppRunner(server.make_app(), access_log=None, handle_signals=False)

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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, help="folder to serve (e.g. the OUT_DIR of build-index)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay every response (benchmarks)")
    parser.add_argument(
        "--fault", action="append", default=[], metavar="GLOB=ACTION,...",
        help="inject faults: e.g. '/simple/six/*=500,500' or '/files/*.whl=reset' or '*=slow:5'",
    )
    parser.add_argument("--mount", action="append", default=[], metavar="PREFIX=DIR", help="serve DIR under /PREFIX/")


def run(args: argparse.Namespace) -> int:
    from indexer.cli import UsageError

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
    print(f"serving {args.directory} at {server.url} (simple index: {server.index_url}); Ctrl-C stops", flush=True)
    web.run_app(server.make_app(), host=args.host, port=args.port, access_log=None, print=None, backlog=1024)
    return 0
