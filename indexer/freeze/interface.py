"""What the freeze command line needs (its choices, URL check and error), importable without the steps.

The parser needs these before any step runs, and a replayed run (:mod:`indexer.freeze.replay`) never imports
the steps at all, so ``indexer freeze`` starts light. The owners' tuples (``indexer.resolve.model.VERIFY_MODES``,
``indexer.resolve.transport.TRANSPORTS``, ``indexer.installed.model.TargetName``) stay the definitions;
tests/freeze/test_replay.py fails when these copies drift from them.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from indexer.urls import redact

Format = Literal["pyodide-lock", "pylock"]
FORMATS: tuple[Format, ...] = ("pyodide-lock", "pylock")
TARGET_CHOICES = ("host", "pyodide")
VERIFY_CHOICES = ("auto", "metadata", "record")
TRANSPORT_CHOICES = ("aiohttp", "httpx")
DEFAULT_TRANSPORT_CHOICE = "aiohttp"


class FreezeError(Exception):
    """Freeze could not start (bad option, unreadable base lock); one line for the user."""


def check_http_url(url: str, *, what: str) -> str:
    """``url`` if it is an http(s) URL with a host and a valid port; else :class:`FreezeError` in one line."""
    shown = redact(url)
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise FreezeError(f"{what} is not a valid URL: {shown} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FreezeError(f"{what} must be http(s): {shown}")
    if not parts.hostname:
        raise FreezeError(f"{what} has no host: {shown}")
    if port == 0:
        raise FreezeError(f"{what} has port 0: {shown}")
    return url
