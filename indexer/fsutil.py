"""File-system helpers every step shares: one atomic writer (and its streaming twin for copying a file).

A reader (another process, a browser fetching the lock, a crashed run's next start) must see the old file
or the whole new one, never a torn one, so every file this project writes goes through :func:`atomic_write`:
a temporary file in the same directory, flushed, then ``os.replace`` (atomic on POSIX and Windows).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: Path | str, data: bytes | str, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) atomically.

    ``mode`` sets the file's permission bits (e.g. ``0o600`` for a private cache entry) before it appears.
    The temporary file never survives a failure. Raises ``OSError`` like ``open`` would. A target that is not a
    regular file (``-o /dev/null``, a FIFO, a terminal) is written in place: replacing it would destroy a device.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if is_special_file(target):
        with open(target, "wb") as f:
            f.write(payload)
        return
    _replace(target, lambda f: f.write(payload), (lambda tmp: os.chmod(tmp, mode)) if mode is not None else None)


def is_special_file(path: Path) -> bool:
    """``path`` exists and is a device, FIFO or socket (followed through symlinks): never to be replaced."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def atomic_copy(source: Path | str, path: Path | str) -> None:
    """Replace ``path`` with a copy of the file ``source``, atomically, streaming (a wheel can be large).

    Like :func:`atomic_write`, a symlink at ``path`` is replaced, never written through.
    """

    def copy(out: BinaryIO) -> None:
        with open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)

    _replace(Path(path), copy, lambda tmp: shutil.copystat(source, tmp))


def _replace(target: Path, write: Callable[[BinaryIO], object], finish: Callable[[str], object] | None) -> None:
    """Write a temporary file beside ``target`` with ``write``, ``finish`` it (once closed), then move it over."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        if finish is not None:
            finish(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cache_root() -> Path:
    """Where every cache of this project lives: ``$MICROPIP_EXT_CACHE``, else ``$XDG_CACHE_HOME/micropip-ext``,
    else ``~/.cache/micropip-ext``. Callers add their own folder (``http``, ``symbols``)."""
    explicit = os.environ.get("MICROPIP_EXT_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "micropip-ext"


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by this user only (0700); tighten it if it exists.

    Caches may hold pages of private indexes: other users of the machine must not read them.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)
    return path
