"""Command-line values checked where they are parsed: one line and exit status 2, before any work starts.

Each function is an ``argparse`` ``type=``: it returns the parsed value or raises ``ArgumentTypeError`` with
a message that names what is wrong.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path


class UsageError(Exception):
    """A problem with what the user asked for, found after parsing: printed as one line, exit status 2."""


def http_url(text: str) -> str:
    """An http(s) URL with a host and a port in range (index URLs, base locks)."""
    from indexer.freeze.interface import FreezeError, check_http_url  # light: no step imported

    try:
        return check_http_url(text, what="URL")
    except FreezeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _whole(text: str, noun: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a {noun}: {text!r}") from None


def _finite(text: str, unit: str, *, zero_allowed: bool) -> float:
    """A finite number of ``unit`` > 0 (or >= 0): ``nan``, ``inf`` and negatives are refused."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of {unit}: {text!r}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_allowed):
        bound = ">= 0" if zero_allowed else "> 0"
        raise argparse.ArgumentTypeError(f"must be a finite number of {unit} {bound}, not {text!r}")
    return value


def positive_int(text: str) -> int:
    """A count of at least 1 (requests in flight, workers)."""
    value = _whole(text, "whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def non_negative_int(text: str) -> int:
    """A count that may be 0 (retries)."""
    value = _whole(text, "whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, not {value}")
    return value


def port(text: str) -> int:
    """A TCP port to listen on (0: any free port)."""
    value = _whole(text, "port number")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, not {value}")
    return value


def finite_seconds(text: str) -> float:
    """A duration in seconds: finite and > 0 (``nan``, ``inf``, ``0`` and negatives are refused)."""
    return _finite(text, "seconds", zero_allowed=False)


def milliseconds(text: str) -> float:
    """A delay in milliseconds: finite and >= 0 (an injected latency; 0 is none)."""
    return _finite(text, "milliseconds", zero_allowed=True)


def output_file(text: str) -> Path:
    """A file to (re)place: its folder exists and is writable, and it is not itself a folder."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a file name")
    parent = path.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"folder {parent} is not writable")
    return path


def output_dir(text: str) -> Path:
    """A folder to write into: it exists as a folder or can be created (its nearest existing parent is one)."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} exists and is not a directory")
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(f"{existing} is not a directory")
    return path
