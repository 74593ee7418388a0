"""What a user sees on a terminal: one progress reporter for every long step, and safe one-line messages.

A step is told a :class:`Progress` and calls ``start(total)``, ``advance()`` per item and ``close()``; it never
knows whether a tqdm bar, a page's callback or nothing is listening. Names, versions, URLs and error texts come
from untrusted places (METADATA, index pages, servers), so every message goes through :func:`printable`: a
terminal escape sequence in a project name must be shown, not obeyed.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any, Protocol, TextIO


class Progress(Protocol):
    def start(self, total: int | None) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


class CallbackProgress:
    """Calls ``on_progress(done, total)`` at the start and after every item (the web page, notebooks)."""

    def __init__(self, on_progress: Callable[[int, int], Any]) -> None:
        self._on_progress = on_progress
        self.done = 0
        self.total = 0

    def start(self, total: int | None) -> None:
        self.done, self.total = 0, total or 0
        self._on_progress(0, self.total)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._on_progress(self.done, self.total)

    def close(self) -> None:
        return None


class _Silent:
    def start(self, total: int | None) -> None:
        return None

    def advance(self, n: int = 1) -> None:
        return None

    def close(self) -> None:
        return None


class _Bar:
    """A tqdm bar, created on ``start`` so a step that never starts prints nothing."""

    def __init__(self, desc: str, unit: str, stream: TextIO) -> None:
        self._args = {"desc": desc, "unit": unit, "file": stream, "leave": False}
        self._bar: Any = None

    def start(self, total: int | None) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, **self._args)

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def terminal_progress(desc: str, *, unit: str = "dist", enabled: bool = True, stream: TextIO | None = None) -> Progress:
    """A bar on ``stream`` (stderr) when it is a terminal and tqdm is installed (CPython); else silence."""
    out = stream or sys.stderr
    if not enabled or not out.isatty():
        return _Silent()
    try:
        import tqdm  # noqa: F401  (CPython-only nicety; absent in Pyodide)
    except ImportError:
        return _Silent()
    return _Bar(desc, unit, out)



# C0 and C1 control characters and DEL, except tab; a newline inside one message would fake a second line.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` escapes (one line, no terminal sequences)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def say(message: str, *, stream: TextIO | None = None) -> None:
    """Print one line to stderr (default), control characters escaped and credentials scrubbed."""
    from indexer.urls import scrub

    print(printable(scrub(message)), file=stream or sys.stderr)
