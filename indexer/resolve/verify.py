"""Prove that what is installed is a given wheel: the wheel's RECORD against the installed RECORD (and disk).

An index's METADATA hash and WHEEL tags say "same name, version, metadata and platform"; a wheel rebuilt
here from changed sources says that too. The wheel's own RECORD lists the sha256 of every file in it,
and installers (pip, uv, Pyodide's unpacker) record the sha256 of every file they wrote, so comparing
the two RECORDs proves the installed files came from that wheel without hashing the disk. With
``--verify record`` the files on disk are hashed too (catches edits made after install).

What installers add or rewrite is excepted (PEP 376/627 and the installers' documented behaviour):
``.pyc``/``__pycache__``, INSTALLER, REQUESTED, direct_url.json, RECORD, console scripts generated
outside the site dir (or in ``bin/`` of a ``--target`` dir), ``*.data/scripts`` (shebangs rewritten),
micropip's ``PYODIDE_*`` files and our provenance record. ``*.data/`` files may be moved by the
installer: they are matched by hash.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

#: Files an installer writes into a dist-info that are not in the wheel (or rewrites: RECORD).
INSTALLER_FILES = frozenset(
    {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD", "INDEX", "provenance_url.json", "uv_cache.json",
     "uv_build.json"}
)  # fmt: skip
_SHOWN = 5


@dataclass
class RecordComparison:
    """Paths where the installed files are not the wheel's (each list empty when they are)."""

    differ: list[str] = field(default_factory=list)  # in both, with other bytes
    missing: list[str] = field(default_factory=list)  # in the wheel, not installed
    added: list[str] = field(default_factory=list)  # installed, not in the wheel (installer additions excepted)
    compared: int = 0

    @property
    def same(self) -> bool:
        return not (self.differ or self.missing or self.added)

    def describe(self) -> str:
        parts = []
        for label, paths in (("differ", self.differ), ("missing", self.missing), ("not in the wheel", self.added)):
            if paths:
                shown = ", ".join(sorted(paths)[:_SHOWN]) + (
                    f" and {len(paths) - _SHOWN} more" if len(paths) > _SHOWN else ""
                )
                parts.append(f"{label}: {shown}")
        return "; ".join(parts)


def split_hash(value: str) -> tuple[str, bytes] | None:
    """``algo=<urlsafe b64, no padding>`` (RECORD) -> (algo, digest); None when unreadable."""
    algo, sep, b64 = value.partition("=")
    if not sep or not b64 or algo.lower() not in hashlib.algorithms_guaranteed:
        return None
    try:
        return algo.lower(), base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
    except ValueError:
        return None


def is_installer_addition(path: str) -> bool:
    """True for files installers add next to a wheel's files (never evidence of another wheel)."""
    parts = path.split("/")
    if "__pycache__" in parts or path.endswith(".pyc"):
        return True
    if parts[0] == "..":
        return True  # console scripts and moved data files outside the site dir (../../bin/x)
    if len(parts) == 2 and parts[0] in ("bin", "Scripts"):
        return True  # the same scripts when installed with --target (pip, uv): <target>/bin/x
    if len(parts) == 2 and parts[0].endswith(".dist-info"):
        return parts[1] in INSTALLER_FILES or parts[1].startswith("PYODIDE_")
    return False


def _file_digest(path: Path, algo: str) -> bytes | None:
    try:
        digest = hashlib.new(algo)
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.digest()
    except (OSError, ValueError):
        return None


def _installed_path(remote_path: str) -> tuple[str, bool]:
    """Where an installer puts a wheel path (relative to the site dir), and whether it is a moved ``.data`` file.

    ``{name}.data/purelib|platlib/x`` goes to ``x`` (pip, uv); Pyodide's unpacker leaves it in place.
    """
    top, _, rest = remote_path.partition("/")
    if not top.endswith(".data") or "/" not in rest:
        return remote_path, False
    scheme, _, inner = rest.partition("/")
    return (inner if scheme in ("purelib", "platlib") else remote_path), True


def _same_bytes(remote: tuple[str, bytes], installed: str | None, disk: Callable[[], Path | None]) -> bool:
    """Remote digest vs the installed RECORD's; hashes the disk file (``disk()``) when the algorithms differ."""
    mine = split_hash(installed) if installed else None
    if mine is not None and mine[0] == remote[0]:
        return mine[1] == remote[1]
    location = disk()
    return location is not None and _file_digest(location, remote[0]) == remote[1]


def compare_records(remote: Mapping[str, str], installed: Mapping[str, str | None], site_dir: Path) -> RecordComparison:
    """Compare a wheel's RECORD (path -> hash) with the installed RECORD (path -> hash or None, as inspect
    validated it).

    Rows whose hash is written the same way on both sides are the same bytes without decoding anything (the
    common case: installers copy the wheel's rows); other rows are decoded and compared, by hashing the
    file on disk when the algorithms differ.
    """
    out = RecordComparison()
    installed_digests: set[tuple[str, bytes]] | None = None  # only needed for a moved *.data file
    data_digests: set[tuple[str, bytes]] = set()
    expected: set[str] = set()
    for path, value in remote.items():
        if is_installer_addition(path):
            continue
        target, is_data = _installed_path(path)
        here = target if target in installed else path if path in installed else None
        if not is_data and here is not None and installed[here] == value:
            out.compared += 1  # the same hash, written the same way (inspect validated it): the same bytes
            expected.add(here)
            continue
        digest = split_hash(value)
        if digest is None:
            continue
        if is_data:
            data_digests.add(digest)
            if path.split("/", 2)[1] == "scripts":
                continue  # installers rewrite the shebang of *.data/scripts files
        out.compared += 1
        if here is None:
            if installed_digests is None:
                installed_digests = {d for h in installed.values() if h and (d := split_hash(h)) is not None}
            if not (is_data and digest in installed_digests):
                out.missing.append(path)
            continue
        expected.add(here)
        if not _same_bytes(digest, installed[here], functools.partial(_inside, site_dir, here)):
            out.differ.append(path)
    for path, row_hash in installed.items():
        if path in expected or path in remote or is_installer_addition(path):
            continue
        moved = split_hash(row_hash) if row_hash else None
        if moved is not None and moved in data_digests:
            continue  # a *.data file the installer moved
        out.added.append(path)
    return out


def changed_on_disk(installed: Mapping[str, str | None], site_dir: Path, skip: Iterable[str] = ()) -> list[str]:
    """Installed RECORD rows whose file on disk no longer has the recorded hash (``--verify record``)."""
    skipped = set(skip)
    changed = []
    for path, value in installed.items():
        digest = split_hash(value) if value else None
        if digest is None or path in skipped:
            continue
        location = _inside(site_dir, path)
        if location is None:
            continue
        if _file_digest(location, digest[0]) != digest[1]:
            changed.append(path)
    return changed


def _inside(site_dir: Path, rel: str) -> Path | None:
    """The file a RECORD path names inside the site dir; None for paths that climb out or are absolute."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or "\0" in rel:
        return None
    return site_dir.joinpath(*pure.parts)
