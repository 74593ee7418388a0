"""Reading files named by untrusted metadata: bounded in size, never outside the site directory."""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path

from indexer.installed.model import Problem

#: Caps on what inspect reads from one file. A dist-info file larger than this is reported, not read:
#: a hostile (or corrupt) dist must not exhaust memory in a browser tab.
SMALL_FILE_LIMIT = 64 * 1024  # INSTALLER, PYODIDE_*, INDEX, REQUESTED
JSON_LIMIT = 1024 * 1024  # direct_url.json, provenance_url.json, uv_*.json
METADATA_LIMIT = 16 * 1024 * 1024  # METADATA / PKG-INFO (long descriptions exist)
RECORD_LIMIT = 64 * 1024 * 1024
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer


class TooLarge(Exception):
    """The file exceeds the cap given for it."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        super().__init__(f"{path.name} is {size} bytes, more than the {limit} bytes inspect reads")
        self.size = size
        self.limit = limit


def read_limited(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path``, or None if it does not exist (or is not a regular file: a FIFO is never opened
    for a blocking read, a directory never read).

    Raises TooLarge instead of reading more than ``limit`` bytes, OSError for other failures (a symlink
    loop, no permission).
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:  # Windows and some platforms refuse to open a directory
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        if st.st_size > limit:
            raise TooLarge(path, st.st_size, limit)
        data = f.read(limit + 1)
    if len(data) > limit:  # grew while we looked
        raise TooLarge(path, len(data), limit)
    return data


def read_reported(path: Path, limit: int, label: str, problems: list[Problem]) -> bytes | None:
    """:func:`read_limited`, with a too-large or unreadable file reported in ``problems`` (then None).

    ``label`` names the distribution in the message; a missing file is None without a problem, since
    whether it should exist is the caller's to say.
    """
    try:
        return read_limited(path, limit)
    except TooLarge as exc:
        problems.append(Problem("file-too-large", f"{label}: {exc}"))
    except OSError as exc:
        problems.append(Problem("file-unreadable", f"{label}: {path.name}: {exc.strerror or exc}"))
    return None


def is_within(path: Path, root: Path) -> bool:
    """True if ``path``, with symlinks resolved, is inside ``root`` (also resolved)."""
    try:
        real = os.path.realpath(path)
        real_root = _realpath(str(root))
    except (OSError, ValueError):
        return False
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


@functools.lru_cache(maxsize=64)
def _realpath(path: str) -> str:
    return os.path.realpath(path)
