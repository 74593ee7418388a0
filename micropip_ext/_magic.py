"""``%load_ext micropip_ext``: the ``%freeze`` magic and rich views of results in IPython / JupyterLite.

    %freeze [-o FILE] [--format pyodide-lock|pylock|requirements] [--strict]

writes the lock (default file name per format, relative to the working directory: in JupyterLite that is the
browser-backed drive, so the file shows up in the file browser) and prints a summary naming every distribution
that could not be locked and why. ``--strict`` writes nothing when any cannot be locked.

Freezing waits for the network. Inside Pyodide the magic blocks with ``pyodide.ffi.run_sync`` where the
runtime can (JSPI); otherwise it runs as a task and prints its summary when done (``_magic.pending`` is that
task). On CPython it runs on its own event loop (in a worker thread when the shell's loop is running).
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
from pathlib import Path
from typing import Any

FORMATS = ("pyodide-lock", "pylock", "requirements")
DEFAULT_FILES = {"pyodide-lock": "pyodide-lock.json", "pylock": "pylock.toml", "requirements": "requirements.txt"}

#: The task of a ``%freeze`` still running in the background (Pyodide without JSPI), else None.
pending: asyncio.Task[int] | None = None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # a usage error is one line, never a traceback
        raise UsageError(f"%freeze: {message}")


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="%freeze", add_help=False)
    parser.add_argument("-o", "--output", metavar="FILE", help="where to write (default: per format)")
    parser.add_argument("--format", choices=FORMATS, default="pyodide-lock")
    parser.add_argument("--strict", action="store_true", help="write nothing if any distribution is unlockable")
    parser.add_argument("--index-url", action="append", default=None, metavar="URL", help="index to ask (repeatable)")
    return parser


def freeze_magic(line: str) -> int | None:
    """The ``%freeze`` line magic: 0 written, 1 not written (strict), None still running in the background."""
    global pending
    try:
        args = _parser().parse_args(shlex.split(line))
    except (UsageError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    coro = freeze_to_file(args)
    if sys.platform != "emscripten":
        return _run_on_cpython(coro)
    from pyodide.ffi import can_run_sync, run_sync

    if can_run_sync():
        result: int = run_sync(coro)
        return result
    print("%freeze: running in the background (no JSPI here); the summary follows when it is done")
    pending = asyncio.ensure_future(coro)
    return None


def _run_on_cpython(coro: Any) -> int:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        result: int = asyncio.run(coro)
        return result
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # the shell's loop is running (ipykernel): use a loop of our own
        result = pool.submit(asyncio.run, coro).result()
        return result


async def freeze_to_file(args: argparse.Namespace) -> int:
    """Freeze, write the file unless ``--strict`` refuses, print the summary; the exit status."""
    from indexer.emit.html import requirements
    from indexer.freeze.options import FreezeError
    from indexer.fsutil import atomic_write
    from micropip_ext._freeze import freeze

    try:
        result = await freeze(index_urls=args.index_url)
    except (FreezeError, OSError) as exc:
        print(f"%freeze: error: {exc}", file=sys.stderr)
        return 1
    out = Path(args.output or DEFAULT_FILES[args.format])
    unlockable = sorted(result.unlockable, key=lambda r: r.canonical_name)
    total = len(result.resolutions)
    for res in unlockable:
        print(f"  unlockable: {res.name} {res.version}: {res.reason}")
    for problem in result.problems("pylock" if args.format == "pylock" else "pyodide-lock"):
        print(f"  warning: {problem}")
    if args.strict and unlockable:
        print(f"%freeze: {len(unlockable)} of {total} distribution(s) cannot be locked; {out} not written")
        return 1
    text = requirements(result) if args.format == "requirements" else result.text(args.format)
    try:
        atomic_write(out, text)
    except OSError as exc:
        print(f"%freeze: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"%freeze: wrote {out} ({args.format}): locked {total - len(unlockable)} of {total} distribution(s)")
    return 0


def load_ipython_extension(ip: Any) -> None:
    """``%load_ext micropip_ext``: the ``%freeze`` magic, HTML views, and the notebook import-error hint."""
    from indexer.emit import html as _html

    ip.register_magic_function(freeze_magic, magic_kind="line", magic_name="freeze")
    _html.register(ip)
    try:
        from micropip_ext import _suggest  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # added by another change; optional here
        return
    _suggest.register(ip)
