"""Lock every installed distribution: pyodide-lock.json or PEP 751 pylock.toml, plus a JSON report.

Index URLs default to pip's configuration (PIP_INDEX_URL / PIP_EXTRA_INDEX_URL and pip.conf files).
Distributions that cannot be proved to come from a fetchable file are listed with the reason;
--strict makes that an error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from indexer.freeze.core import FORMATS, FreezeError, FreezeResult, freeze, load_base_lock
from indexer.freeze.pip_config import pip_index_urls
from indexer.fsutil import atomic_write
from indexer.resolve.client import default_cache_dir
from indexer.resolve.model import Resolution
from indexer.resolve.transport import TRANSPORTS
from indexer.urls import redact


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="site directories (default: sys.path)")
    parser.add_argument(
        "--index-url",
        action="append",
        default=None,
        metavar="URL",
        help="simple-API index to ask, in order (repeatable; default: pip's configured index URLs)",
    )
    parser.add_argument("--base-lock", metavar="FILE|URL", help="pyodide-lock.json whose entries are kept")
    parser.add_argument("--format", choices=FORMATS, default="pyodide-lock")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the lock here (default: stdout)")
    parser.add_argument("--report", metavar="FILE", help="write the JSON report here")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any distribution cannot be locked")
    parser.add_argument("--offline", action="store_true", help="no network: answer from the cache of a previous run")
    parser.add_argument("--only-installed", action="store_true", help="drop base-lock entries not installed")
    parser.add_argument(
        "--verify",
        choices=["auto", "metadata", "record"],
        default="auto",
        help="auto (default): a file no installer recorded with its hash is locked only if its RECORD (read by "
        "HTTP Range requests) lists the installed files; metadata: the index's METADATA hash and WHEEL tags "
        "suffice (faster, trusts that nothing was rebuilt); record: also hash every installed file",
    )
    parser.add_argument(
        "--base-url",
        action="append",
        default=[],
        metavar="[PREFIX=]URL",
        help="where local files (file:, emfs:) are published: PREFIX=URL replaces a prefix, URL serves by name",
    )
    parser.add_argument("--target", choices=["pyodide", "host"], default="pyodide", help="marker environment")
    parser.add_argument(
        "--concurrency", type=int, default=None, help="requests in flight (default: 16 with httpx, 64 with asyncio)"
    )
    parser.add_argument(
        "--transport",
        choices=TRANSPORTS,
        default="httpx",
        help="CPython HTTP client: httpx, or a lean asyncio HTTP/1.1 client (faster with many requests in flight)",
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request")
    parser.add_argument("--cache-dir", type=Path, default=None, help="HTTP cache (default: ~/.cache/micropip-ext)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the HTTP cache")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from indexer.cli import UsageError

    try:
        return asyncio.run(_run(args))
    except FreezeError as exc:
        raise UsageError(str(exc)) from exc


async def _run(args: argparse.Namespace) -> int:
    if args.index_url:
        index_urls = list(args.index_url)
        for url in index_urls:
            if not url.startswith(("http://", "https://")):
                raise FreezeError(f"index URL must be http(s): {redact(url)}")
    else:
        index_urls = []
        for url in pip_index_urls():
            if url.startswith(("http://", "https://")):
                index_urls.append(url)
            else:
                # A lock must be fetchable from Pyodide: a local (file:) index cannot be named in it.
                print(f"indexer freeze: warning: skipping pip's local index {redact(url)}", file=sys.stderr)
    if not index_urls:
        print(
            "indexer freeze: warning: no index configured (pip has none and no --index-url):"
            " only installer-recorded files can be locked",
            file=sys.stderr,
        )
    base_lock = await load_base_lock(args.base_lock, timeout=args.timeout) if args.base_lock else None
    base_lock_url = args.base_lock if args.base_lock and "://" in args.base_lock else None
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    if args.offline and cache_dir is None:
        raise FreezeError("--offline reads the cache: drop --no-cache")

    bar: Any = None
    show_progress = not args.no_progress and sys.stderr.isatty()

    def on_start(total: int) -> None:
        nonlocal bar
        if show_progress:
            from tqdm import tqdm  # CPython-only nicety, imported only when shown

            bar = tqdm(total=total, unit="dist", desc="freeze", file=sys.stderr, leave=False)

    def on_resolved(res: Resolution) -> None:
        if bar is not None:
            bar.update(1)

    try:
        result = await freeze(
            args.paths or None,
            index_urls=index_urls,
            base_lock=base_lock,
            base_lock_url=base_lock_url,
            format=args.format,
            only_installed=args.only_installed,
            offline=args.offline,
            cache_dir=cache_dir,
            verify=args.verify,
            base_urls=args.base_url,
            target=args.target,
            concurrency=args.concurrency,
            timeout=args.timeout,
            transport_kind=args.transport,
            on_start=on_start,
            on_resolved=on_resolved,
        )
    finally:
        if bar is not None:
            bar.close()
    return _finish(args, result)


def _finish(args: argparse.Namespace, result: FreezeResult) -> int:
    from indexer.emit.report import dumps, scrub

    if args.output:
        atomic_write(Path(args.output), result.text)
    else:
        sys.stdout.write(result.text)
    if args.report:
        atomic_write(Path(args.report), dumps(result.report))
    summary = result.report["summary"]
    requests = result.report["requests"]
    print(
        f"indexer freeze: locked {summary['locked']} of {summary['distributions']} distributions"
        f" ({requests['requests']} requests, {requests['bytes']} bytes, {requests['cache_hits']} from cache)",
        file=sys.stderr,
    )
    for res in sorted(result.unlockable, key=lambda r: r.canonical_name):
        print(scrub(f"indexer freeze: unlockable: {res.name} {res.version}: {res.reason}"), file=sys.stderr)
    for problem in result.problems:
        print(scrub(f"indexer freeze: warning: {problem}"), file=sys.stderr)
    if args.strict and result.unlockable:
        print(f"indexer freeze: error: {len(result.unlockable)} distribution(s) cannot be locked", file=sys.stderr)
        return 1
    return 0
