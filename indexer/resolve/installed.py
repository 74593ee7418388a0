"""The installer-written files freeze reads from a dist-info, beyond what inspect already models.

Read-only: freeze never writes into a dist-info (only ``micropip_ext.install`` does).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.installed.model import Distribution


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
    record_rows: dict[str, str]  # RECORD path -> "sha256=<b64>" (rows with a hash only)


def _text(path: Path) -> str | None:
    try:
        return path.read_text("utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _json(path: Path) -> dict[str, Any] | None:
    text = _text(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def b64_to_hex(record_hash: str) -> str | None:
    """``sha256=<urlsafe b64 no padding>`` (RECORD, PEP 376/627) -> lower-case hex; None for other algorithms."""
    algo, _, value = record_hash.partition("=")
    if algo != "sha256" or not value:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()
    except ValueError:
        return None


def file_sha256(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def parse_record(text: str) -> dict[str, str]:
    rows: dict[str, str] = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2 and row[0] and row[1]:
            rows[row[0]] = row[1]
    return rows


def read_records(dist: Distribution) -> Records:
    path = Path(dist.path)
    is_dir = path.is_dir()
    record_text = _text(path / "RECORD") if is_dir else None
    metadata_file = path / "METADATA" if dist.format == "dist-info" else path / "PKG-INFO"
    local_build = "uv_build.json" if is_dir and (path / "uv_build.json").exists() else None
    return Records(
        pyodide_url=_text(path / "PYODIDE_URL") if is_dir else None,
        pyodide_sha256=(_text(path / "PYODIDE_SHA256") or "").lower() or None if is_dir else None,
        pyodide_source=_text(path / "PYODIDE_SOURCE") if is_dir else None,
        direct_url=_json(path / "direct_url.json") if is_dir else None,
        index=_text(path / "INDEX") if is_dir else None,
        provenance=_json(path / "provenance_url.json") if is_dir else None,
        local_build=local_build,
        metadata_actual_sha256=file_sha256(metadata_file) if is_dir else None,
        record_rows=parse_record(record_text) if record_text else {},
    )


def archive_sha256(info: dict[str, Any] | None) -> str | None:
    """sha256 hex from a PEP 610/710 ``archive_info`` (``hashes`` dict, or the legacy ``hash`` string)."""
    if not isinstance(info, dict):
        return None
    hashes = info.get("hashes")
    if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
        return str(hashes["sha256"]).lower()
    legacy = info.get("hash")
    if isinstance(legacy, str) and legacy.startswith("sha256="):
        return legacy.partition("=")[2].lower()
    return None
