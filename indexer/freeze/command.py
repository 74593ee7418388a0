"""Lock every installed distribution: pyodide-lock.json or PEP 751 pylock.toml, plus a JSON report.

Index URLs default to pip's configuration (PIP_INDEX_URL / PIP_EXTRA_INDEX_URL and pip.conf files).
Distributions that cannot be proved to come from a fetchable file are listed with the reason;
--strict makes that an error (and then no output file is replaced).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.args import finite_seconds, http_url, output_file, positive_int
from indexer.console import say, terminal_progress
from indexer.freeze.interface import (
    DEFAULT_TRANSPORT_CHOICE,
    FORMATS,
    TARGET_CHOICES,
    TRANSPORT_CHOICES,
    VERIFY_CHOICES,
)

if TYPE_CHECKING:  # the steps are imported by a full run only: a replayed one never needs them
    from indexer.freeze.core import FreezeResult
    from indexer.freeze.options import FreezeOptions
    from indexer.freeze.replay import Transcript


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="site directories (default: sys.path)")
    parser.add_argument(
        "--index-url",
        action="append",
        default=None,
        type=http_url,
        metavar="URL",
        help="simple-API index to ask, in order (repeatable; default: pip's configured index URLs)",
    )
    parser.add_argument("--base-lock", metavar="FILE|URL", help="pyodide-lock.json whose entries are kept")
    parser.add_argument("--format", choices=FORMATS, default="pyodide-lock")
    parser.add_argument(
        "-o", "--output", type=output_file, metavar="FILE", help="write the lock here (default: stdout)"
    )
    parser.add_argument("--report", type=output_file, metavar="FILE", help="write the JSON report here")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1, writing nothing, if any distribution is unlockable"
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="no network: answer from the cache of a previous run (a re-run with nothing changed is replayed)",
    )
    parser.add_argument("--only-installed", action="store_true", help="drop base-lock entries not installed")
    parser.add_argument(
        "--verify",
        choices=VERIFY_CHOICES,
        default="auto",
        help="proof a lock needs: auto (an installer record of the file, else the index's METADATA hash and the remote"
        " wheel's RECORD matching the installed files), metadata (METADATA hash only: faster, blind to rebuilt wheels),"
        " record (check the remote RECORD for every distribution)",
    )
    parser.add_argument(
        "--base-url",
        action="append",
        default=[],
        metavar="[PREFIX=]URL",
        help="where local files (file:, emfs:) are published: PREFIX=URL replaces a prefix, URL serves by name",
    )
    parser.add_argument(
        "--target",
        choices=TARGET_CHOICES,
        default=None,
        help="marker environment (default: what the installed wheels show)",
    )
    parser.add_argument(
        "--concurrency", type=positive_int, default=None, help="requests in flight (default: the transport's)"
    )
    parser.add_argument(
        "--transport",
        choices=TRANSPORT_CHOICES,
        default=DEFAULT_TRANSPORT_CHOICE,
        help=f"CPython HTTP client (default {DEFAULT_TRANSPORT_CHOICE}; the figures are in bench/freeze_bench.py)",
    )
    parser.add_argument("--timeout", type=finite_seconds, default=15.0, help="seconds per request")
    parser.add_argument("--cache-dir", type=Path, default=None, help="HTTP cache (default: ~/.cache/micropip-ext)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the HTTP cache")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """A replay of the last identical offline run when every input is unchanged (see indexer/freeze/replay.py),
    else the full run (recorded, when offline, for the next one)."""
    from indexer.freeze import replay

    started = time.perf_counter()
    key = replay_key(args)
    cache_dir = _cache_dir(args)
    if key is not None:
        transcript = replay.load(cache_dir, key)
        summary = _replayed_summary(transcript, started) if transcript is not None else None
        if transcript is not None and summary is not None:
            return _replay(args, transcript, summary)
    transcript = replay.Transcript()
    recorder = replay.start() if key is not None else None
    try:
        code = _run_full(args, transcript)
    finally:
        replay.stop()
    if key is not None and recorder is not None and code == 0:
        replay.save(cache_dir, key, recorder, transcript)
    return code


def _run_full(args: argparse.Namespace, transcript: Transcript) -> int:
    import asyncio

    from indexer.args import UsageError
    from indexer.freeze.interface import FreezeError

    try:
        return asyncio.run(_run(args, transcript))
    except FreezeError as exc:
        raise UsageError(str(exc)) from exc


def replay_key(args: argparse.Namespace) -> str | None:
    """The run-record key of this command line, or None when its run cannot be replayed: online (the indexes'
    answers are inputs no stat sees), no cache, ``--verify record`` (it reads file contents), inside Pyodide."""
    from indexer.freeze.replay import run_key

    if not args.offline or args.no_cache or args.verify == "record" or sys.platform == "emscripten":
        return None
    settings = {name: _plain(value) for name, value in sorted(vars(args).items()) if not name.startswith("_")}
    return run_key(settings)


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return os.path.abspath(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _cache_dir(args: argparse.Namespace) -> Path:
    """``--cache-dir``, else the HTTP cache's default (:func:`indexer.resolve.client.default_cache_dir`, which
    imports the resolve step: the same folder, tested in tests/freeze/test_replay.py)."""
    from indexer.fsutil import cache_root

    return Path(args.cache_dir) if args.cache_dir else cache_root() / "http"


def _replayed_summary(transcript: Transcript, started: float) -> str | None:
    """The summary line with this run's time (and ``replayed`` set in the report), or None if the recorded
    report lacks what the line needs (a hand-edited record: then the full run)."""
    report = transcript.report
    if report is None:
        return None
    try:
        report["summary"]["elapsed_seconds"] = round(time.perf_counter() - started, 3)
        report["summary"]["replayed"] = True
        return f"indexer freeze: {summary_line(report)}"
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _replay(args: argparse.Namespace, transcript: Transcript, summary: str) -> int:
    """Write and print what the recorded run did, with this run's time and ``replayed`` in the report."""
    from indexer.emit.report import dumps
    from indexer.fsutil import atomic_write

    for at, line in enumerate(transcript.lines):
        say(summary if at == transcript.summary_at else line)
    if args.output:
        atomic_write(args.output, transcript.lock or "")
    else:
        sys.stdout.write(transcript.lock or "")
    if args.report and transcript.report is not None:
        atomic_write(args.report, dumps(transcript.report))
    return 0


def _say(transcript: Transcript | None, line: str, *, summary: bool = False) -> None:
    if transcript is None:
        say(line)
    else:
        transcript.say(line, summary=summary)


def index_urls_from(args: argparse.Namespace, transcript: Transcript | None = None) -> list[str]:
    """``--index-url`` as given, else the indexes pip would use here (its configuration, else its own default).

    Says which indexes are asked and where they came from, or why there is none; local ``file:`` indexes are
    skipped (a lock must be fetchable). Checks the TLS trust up front: a bad CA bundle is one line, not one
    failure per distribution.
    """
    from indexer.freeze.options import FreezeError
    from indexer.urls import redact

    if args.index_url:
        urls, where = list(args.index_url), "--index-url"
    else:
        from indexer.freeze.pip_config import default_index_urls  # configparser (and pip): only when needed

        urls = []
        configured, where = default_index_urls()
        for url in configured:
            if url.startswith(("http://", "https://")):
                urls.append(url)
            else:
                _say(transcript, f"indexer freeze: warning: skipping pip's local index {redact(url)}")
        if urls:
            _say(transcript, f"indexer freeze: asking {', '.join(map(redact, urls))} ({where})")
    if not urls:
        _say(
            transcript,
            f"indexer freeze: warning: no index to ask ({where}): only installer-recorded files can be locked",
        )
    if not args.offline and any(url.startswith("https://") for url in urls):
        from indexer.freeze.pip_config import trust

        try:
            trust()
        except ValueError as exc:
            raise FreezeError(str(exc)) from exc
    return urls


async def options_from(args: argparse.Namespace, transcript: Transcript | None = None) -> FreezeOptions:
    """The one options object for this run, from the command line (validated before any network work)."""
    from indexer.freeze.core import load_base_lock
    from indexer.freeze.options import FreezeError, FreezeOptions
    from indexer.freeze.running import running_pyodide
    from indexer.resolve.client import default_cache_dir

    if args.offline and args.no_cache:
        raise FreezeError("--offline reads the cache: drop --no-cache")
    base_lock = await load_base_lock(args.base_lock, timeout=args.timeout) if args.base_lock else None
    base_lock_url = args.base_lock if args.base_lock and "://" in args.base_lock else None
    running = running_pyodide()  # inside Pyodide (a pyodide venv): its lockfile is the base, its info the lock's
    if running is not None and base_lock is None:
        base_lock, base_lock_url = running.lock, running.base_url
    return FreezeOptions(
        index_urls=tuple(index_urls_from(args, transcript)),
        base_lock=base_lock,
        base_lock_url=base_lock_url,
        info=running.info if running is not None else None,
        only_installed=args.only_installed,
        offline=args.offline,
        cache_dir=None if args.no_cache else (args.cache_dir or default_cache_dir()),
        verify=args.verify,
        base_urls=tuple(args.base_url),
        target=args.target,
        concurrency=args.concurrency,
        timeout=args.timeout,
        transport=args.transport,
    )


async def _run(args: argparse.Namespace, transcript: Transcript | None = None) -> int:
    from indexer.freeze.core import freeze

    options = await options_from(args, transcript)
    progress = terminal_progress("freeze", enabled=not args.no_progress)
    result = await freeze(args.paths or None, options, progress=progress)
    return _finish(args, result, transcript)


def _finish(args: argparse.Namespace, result: FreezeResult, transcript: Transcript | None = None) -> int:
    from indexer.emit.report import dumps
    from indexer.fsutil import atomic_write

    report = result.report
    for res in sorted(result.unlockable, key=lambda r: r.canonical_name):
        _say(transcript, f"indexer freeze: unlockable: {res.name} {res.version}: {res.reason}")
    for problem in result.problems(args.format):
        _say(transcript, f"indexer freeze: warning: {problem}")
    _say(transcript, f"indexer freeze: {summary_line(report)}", summary=True)
    unreachable = nothing_reached(result)
    if unreachable:
        say(f"indexer freeze: error: {unreachable}")
        return 1
    if args.strict and result.unlockable:
        say(f"indexer freeze: error: {len(result.unlockable)} distribution(s) cannot be locked; nothing written")
        return 1
    text = result.text(args.format)
    if args.output:
        atomic_write(args.output, text)
    else:
        sys.stdout.write(text)
    if args.report:
        atomic_write(args.report, dumps(report))
    if transcript is not None:
        transcript.lock, transcript.report = text, report
    return 0


def summary_line(report: Mapping[str, Any]) -> str:
    """locked / unlockable by reason / requests / bytes / time, on one line."""
    summary, requests = report["summary"], report["requests"]
    reasons = ", ".join(f"{n} {code}" for code, n in summary["by_reason"].items())
    return (
        f"locked {summary['locked']} of {summary['distributions']} distributions"
        + (f"; unlockable: {reasons}" if reasons else "")
        + f" ({requests['requests']} requests, {_size(requests['bytes'])}, {requests['cache_hits']} from cache,"
        f" {summary['elapsed_seconds']:.1f} s)"
    )


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def nothing_reached(result: FreezeResult) -> str | None:
    """A one-line reason when every index was unreachable (no HTTP answer at all), else None.

    Such a run locks only installer-recorded files and would look like success; the cause (TLS trust, a proxy,
    a typo in the URL) is in the resolutions' reasons.
    """
    report = result.report
    if not report["indexes"] or report["requests"]["by_status"] or report["requests"]["cache_hits"]:
        return None
    down = [r for r in result.resolutions if r.reason_code == "index-unreachable"]
    if not down:
        return None
    return f"no index could be reached: {down[0].reason}"
