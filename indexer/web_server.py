"""Serve the web page, a Pyodide distribution and a simple index from one origin on 127.0.0.1.

Layout: ``/`` the page (``web/``), ``/pyodide/`` the Pyodide distribution, ``/vendor/`` the page's vendored
libraries (``build/vendor``: Viz.js draws the dependency graph), ``/index/`` the output of ``indexer build-index``
(so the index URL is ``/index/simple/``). One origin means no CORS questions in the
browser; the lead's :class:`~indexer.index.server.IndexServer` supplies MIME types, PEP 691 negotiation and Range.

``/config.json`` tells the page where things are (see ``web/config.mjs``): a ``config.json`` in the page's
folder is read and the served mounts override its URLs. The page itself works from any static host without it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiohttp import web

from indexer.index.server import CORS_HEADERS, IndexServer, listen, run_in_thread

#: the page's sources, next to this package in a checkout
DEFAULT_WEB_DIR = Path(__file__).resolve().parent.parent / "web"
#: what `make setup` builds (scripts/make_pyodide_dist.py), relative to the checkout
DEFAULT_DIST_DIR = Path(__file__).resolve().parent.parent / "build" / "pyodide-dist"
#: what set-up vendors for the page (scripts/vendor_viz.sh -> viz/viz.js), relative to the checkout
DEFAULT_VENDOR_DIR = Path(__file__).resolve().parent.parent / "build" / "vendor"


class WebServer(IndexServer):
    """An IndexServer rooted at the page, with the distribution and the index mounted, and a served config."""

    def __init__(
        self,
        web_dir: Path,
        dist_dir: Path,
        index_dir: Path | None = None,
        *,
        vendor_dir: Path = DEFAULT_VENDOR_DIR,
        extra: dict[str, Path] | None = None,
    ) -> None:
        mounts = {
            "pyodide": dist_dir,
            "vendor": vendor_dir,
            **({"index": index_dir} if index_dir is not None else {}),
            **(extra or {}),
        }
        super().__init__(web_dir, mounts=mounts)
        self.has_index = index_dir is not None

    def page_config(self) -> bytes:
        """``web/config.json`` (if any) with the URLs of what this server mounts; all relative to the page.

        A ``config.json`` that is not a JSON object is served as it is, so the page reports it (it says which
        file and why) instead of silently running with other settings.
        """
        config: dict[str, Any] = {}
        static = self.root / "config.json"
        if static.is_file():
            raw = static.read_bytes()
            try:
                config = json.loads(raw)
            except ValueError:
                return raw
            if not isinstance(config, dict):
                return raw
        config["pyodideBaseURL"] = "./pyodide/"
        if self.has_index:
            config["indexURLs"] = ["./index/simple/"]
        return json.dumps(config, indent=1).encode()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/config.json" and request.method in ("GET", "HEAD"):
            body = self.page_config()
            return web.Response(
                body=body if request.method == "GET" else None,
                headers={**CORS_HEADERS, "Content-Type": "application/json", "Cache-Control": "no-cache"},
            )
        return await super().handle(request)


def _check_dirs(web_dir: Path, dist_dir: Path, index_dir: Path | None) -> None:
    from indexer.args import UsageError

    if not (web_dir / "index.html").is_file():
        raise UsageError(f"{web_dir}: no index.html (pass --web DIR, the page's folder)")
    if not (dist_dir / "pyodide.mjs").is_file():
        raise UsageError(f"{dist_dir}: not a Pyodide distribution (no pyodide.mjs; run `make setup` or pass --dist)")
    if index_dir is not None and not (index_dir / "simple").is_dir():
        raise UsageError(f"{index_dir}: not a built index (no simple/; see `indexer build-index`)")


@contextlib.contextmanager
def serve_web_in_thread(
    dist_dir: Path,
    index_dir: Path | None = None,
    *,
    web_dir: Path = DEFAULT_WEB_DIR,
    vendor_dir: Path = DEFAULT_VENDOR_DIR,
    extra: dict[str, Path] | None = None,
    port: int = 0,
) -> Iterator[WebServer]:
    """Run a :class:`WebServer` on 127.0.0.1 in a background thread for the duration of the block (tests)."""
    server = WebServer(web_dir, dist_dir, index_dir, vendor_dir=vendor_dir, extra=extra)
    with run_in_thread(server, port=port) as server:
        yield server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from indexer import args as checked

    parser.add_argument("--port", type=checked.port, default=8000)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--index", type=Path, metavar="DIR", help="a built simple index (indexer build-index OUT)")
    parser.add_argument(
        "--dist", type=Path, metavar="DIR", default=DEFAULT_DIST_DIR,
        help="Pyodide distribution to serve under /pyodide/ (default: build/pyodide-dist)",
    )
    parser.add_argument("--web", type=Path, metavar="DIR", default=DEFAULT_WEB_DIR, help="the page (default: web/)")
    parser.add_argument(
        "--vendor", type=Path, metavar="DIR", default=DEFAULT_VENDOR_DIR,
        help="the page's vendored libraries, served under /vendor/ (default: build/vendor)",
    )


def run(args: argparse.Namespace) -> int:
    _check_dirs(args.web, args.dist, args.index)
    if not (args.vendor / "viz" / "viz.js").is_file():
        from indexer.console import say

        # The rest of the page works without it; the graph button says the same.
        say(f"indexer serve: warning: {args.vendor / 'viz' / 'viz.js'} is missing, so the page cannot draw the "
            "dependency graph (run scripts/vendor_viz.sh)")
    server = WebServer(args.web, args.dist, args.index, vendor_dir=args.vendor)
    server.url = f"http://{args.host}:{args.port}/"
    where = f"; index: {server.url}index/simple/" if args.index else ""
    banner = f"page: {server.url} (Pyodide from {args.dist}{where}); Ctrl-C stops"
    listen(server.make_app(), args.host, args.port, banner)
    return 0
