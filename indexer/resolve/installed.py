"""The installer-written files freeze reads from a dist-info: a view of what inspect already read.

Nothing here opens a dist-info file: inspect read each one once, within its size caps, and reported
what was wrong (``Distribution.installer_files``, ``Distribution.files``). Read-only: freeze never
writes into a dist-info (only ``micropip_ext.install`` does).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.installed.attribution import archive_sha256
from indexer.installed.model import Distribution
from indexer.installed.record import hex_digest
from indexer.installed.record import parse_record as _parse_record


@dataclass(frozen=True)
class Records:
    """Provenance files found next to METADATA (each ``None`` when absent or unreadable)."""

    pyodide_url: str | None
    pyodide_sha256: str | None
    pyodide_source: str | None
    direct_url: dict[str, Any] | None
    index: str | None  # our INDEX file: the simple-API base URL
    provenance: dict[str, Any] | None  # provenance_url.json (PEP 710 draft)
    local_build: str | None  # file that says the wheel was built here (uv_build.json)
    metadata_actual_sha256: str | None  # hex sha256 of METADATA as it is on disk now
    record_rows: dict[str, str]  # RECORD path -> "sha256=<b64>" (rows with a valid hash only)


def b64_to_hex(record_hash: str) -> str | None:
    """``sha256=<urlsafe b64 no padding>`` (RECORD, PEP 376/627) -> lower-case hex; None for other algorithms."""
    return hex_digest(record_hash)


def file_sha256(path: Path) -> str | None:
    """sha256 of an installed file, streamed (any size, constant memory); None if it cannot be read."""
    try:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def parse_record(text: str) -> dict[str, str]:
    """RECORD text (a remote wheel's) -> {path as written: hash}, by the one RECORD parser; bad rows dropped."""
    return {row.path: row.hash for row in _parse_record(text, "RECORD").rows if row.hash}


def read_records(dist: Distribution) -> Records:
    """The installer records of ``dist`` as inspect read them (no file is opened here)."""
    files = dist.installer_files
    return Records(
        pyodide_url=files.pyodide_url,
        pyodide_sha256=files.pyodide_sha256,
        pyodide_source=files.pyodide_source,
        direct_url=files.direct_url,
        index=files.index,
        provenance=files.provenance_url,
        local_build="uv_build.json" if files.uv_build else None,
        metadata_actual_sha256=files.metadata_actual_sha256,
        record_rows={f.path: f.hash for f in dist.files if f.hash},
    )


__all__ = ["Records", "archive_sha256", "b64_to_hex", "file_sha256", "parse_record", "read_records"]
