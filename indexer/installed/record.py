"""RECORD (PEP 376, PEP 627): parse and validate rows; paths are untrusted and never followed outside.

A RECORD row is ``path,hash,size``. Paths are relative to the directory that holds the ``.dist-info``
and may legitimately climb out of it (``../../bin/tool``) or be absolute; inspect records such rows but
gives them no location, so nothing is ever read from outside the site directory.
"""

from __future__ import annotations

import base64
import binascii
import csv
import functools
import hashlib
import io
import itertools
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from indexer.installed.model import Problem

_URLSAFE_B64 = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass
class RecordRow:
    path: str  # as written
    normalized: str | None  # POSIX path relative to the site dir; None if it escapes or is unsafe
    hash: str | None
    size: int | None


@dataclass
class Record:
    rows: list[RecordRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def hash_of(self, normalized: str) -> str | None:
        for row in self.rows:
            if row.normalized == normalized:
                return row.hash
        return None


def normalize_path(path: str) -> tuple[str | None, str | None]:
    """(normalized relative POSIX path, None) or (None, problem code) for a path we must not follow."""
    if not path:
        return None, "record-path-empty"
    if "\x00" in path:
        return None, "record-path-unsafe"
    p = path.replace("\\", "/")
    # PEP 376 allows absolute paths; a Windows drive path is absolute too.
    if p.startswith("/") or (len(p) > 1 and p[1] == ":"):
        return None, "record-path-absolute"
    norm = posixpath.normpath(p)
    if norm == ".." or norm.startswith("../"):
        return None, "record-path-escapes"
    if norm == ".":
        return None, "record-path-empty"
    return norm, None


def prefix_depth(site_dir: Path) -> int:
    """How many levels above ``site_dir`` its installation prefix is (0 when the layout is not a scheme's).

    Installers put a wheel's scripts, headers and data in the scheme's other directories (``bin/``,
    ``include/``, ``share/`` ... under the prefix; sysconfig install schemes, binary distribution format
    "the .data directory"), and RECORD reaches them with ``../`` paths. ``<prefix>/lib/pythonX.Y/site-packages``
    (also ``lib64``, Debian's ``dist-packages``) is 3 levels below its prefix, Windows' ``<prefix>/Lib/site-packages``
    2; a ``--target`` directory or any other layout owns nothing above itself.
    """
    parts = [p.lower() for p in site_dir.parts]
    if len(parts) >= 3 and parts[-1] in ("site-packages", "dist-packages"):
        if len(parts) >= 4 and parts[-2].startswith("python") and parts[-3] in ("lib", "lib64"):
            return 3
        if parts[-2] == "lib":
            return 2
    return 0


def _stays_in_prefix(path: str, code: str, depth: int) -> bool:
    """An escaping path that climbs no higher than the prefix: an installer's script, header or data file."""
    if code != "record-path-escapes" or depth == 0:
        return False
    parts = posixpath.normpath(path.replace("\\", "/")).split("/")
    ups = len(parts) - len(list(itertools.dropwhile(lambda part: part == "..", parts)))
    return 0 < ups <= depth and len(parts) > ups


def hex_digest(record_hash: str | None, algorithm: str = "sha256") -> str | None:
    """Hex digest from a RECORD hash value (``sha256=<urlsafe b64 without padding>``), if it is one."""
    if not record_hash:
        return None
    algo, _, value = record_hash.partition("=")
    if algo != algorithm or not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw.hex()


def _check_hash(value: str) -> str | None:
    """None if ``value`` is a well-formed RECORD hash, else why not."""
    algo, sep, digest = value.partition("=")
    if not sep or not digest:
        return f"hash {value[:100]!r} is not <algorithm>=<digest>"
    if algo not in hashlib.algorithms_guaranteed or algo in ("md5", "sha1"):
        # PEP 376 / the wheel spec: a hash from hashlib.algorithms_guaranteed, and not md5 or sha1.
        return f"hash algorithm {algo[:40]!r} is not allowed"
    if not _URLSAFE_B64.match(digest):
        return f"hash digest {digest[:100]!r} is not urlsafe base64 without padding"
    if "\n" in digest or len(digest) % 4 == 1:  # ("$" matches before a final newline) what decoding refuses
        try:
            raw_size = len(base64.urlsafe_b64decode(digest + "=" * (-len(digest) % 4)))
        except (binascii.Error, ValueError):
            return f"hash digest {digest!r} is not urlsafe base64"
    else:
        raw_size = len(digest) * 3 // 4  # what decoding gives, without decoding: one check per installed file
    if algo.startswith("shake_"):
        return None
    expected = _digest_size(algo)
    if raw_size != expected:
        return f"{algo} digest has {raw_size} bytes, expected {expected}"
    return None


@functools.lru_cache(maxsize=32)
def _digest_size(algo: str) -> int:
    return hashlib.new(algo).digest_size


#: Caps on one RECORD (the byte cap is the reader's): rows, and characters in one field. A real RECORD has a
#: few tens of thousands of rows; a path is at most a few hundred characters (PATH_MAX is 4096).
MAX_ROWS = 250_000
MAX_FIELD = 8192
_MAX_ROW_PROBLEMS = 100  # malformed rows reported one by one up to here, then the parse stops


def _rows(text: str, dist_label: str, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` of each CSV row; a malformed row costs only itself, within the caps."""
    reader = csv.reader(io.StringIO(text, newline=""))
    bad = 0
    for index in itertools.count(1):
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            bad += 1
            problems.append(Problem("record-bad-csv", f"{dist_label}: RECORD line {reader.line_num}: {exc}"))
            if bad >= _MAX_ROW_PROBLEMS:
                problems.append(
                    Problem("record-bad-csv", f"{dist_label}: RECORD has too many bad lines; rest not read")
                )
                return
            continue
        if index > MAX_ROWS:
            problems.append(Problem("record-too-large", f"{dist_label}: RECORD has more than {MAX_ROWS} rows"))
            return
        yield reader.line_num, row


def parse_record(text: str, dist_label: str, prefix_levels: int = 0) -> Record:
    """Parse RECORD text, collecting problems instead of raising. ``dist_label`` names the dist in messages;
    ``prefix_levels`` (see :func:`prefix_depth`) is how far ``../`` paths may climb before they are a problem."""
    record = Record()
    seen: set[str] = set()
    for lineno, row in _rows(text, dist_label, record.problems):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if any(len(value) > MAX_FIELD for value in row):
            record.problems.append(
                Problem("record-bad-row", f"{dist_label}: RECORD line {lineno} has a field over {MAX_FIELD} characters")
            )
            continue
        if len(row) != 3:
            record.problems.append(
                Problem("record-bad-row", f"{dist_label}: RECORD line {lineno} has {len(row)} fields, not 3")
            )
            if not row[0]:
                continue
            row = [row[0], "", ""]  # only the path is trustworthy in a malformed row
        path, hash_value, size_value = row
        normalized, code = normalize_path(path)
        if code is not None and not _stays_in_prefix(path, code, prefix_levels):
            record.problems.append(Problem(code, f"{dist_label}: RECORD line {lineno}: {path[:200]!r} not followed"))
        hash_or_none: str | None = hash_value or None
        if hash_or_none is not None:
            why = _check_hash(hash_or_none)
            if why is not None:
                record.problems.append(Problem("record-bad-hash", f"{dist_label}: RECORD line {lineno}: {why}"))
                hash_or_none = None
        size: int | None = None
        if size_value:
            try:
                size = int(size_value)
                if size < 0:
                    raise ValueError
            except ValueError:
                record.problems.append(
                    Problem("record-bad-size", f"{dist_label}: RECORD line {lineno}: size {size_value[:40]!r}")
                )
                size = None
        key = normalized if normalized is not None else path
        if key in seen:
            record.problems.append(
                Problem("record-duplicate", f"{dist_label}: RECORD lists {path[:200]!r} more than once")
            )
            continue
        seen.add(key)
        record.rows.append(RecordRow(path, normalized, hash_or_none, size))
    return record


def location(site_dir: Path, row: RecordRow) -> Path | None:
    return None if row.normalized is None else site_dir / row.normalized
