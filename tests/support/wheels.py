"""Build real, valid wheels in tests (PEP 427 / 491 layout, RECORD with sha256 of every file).

Tests need wheels with exact contents (hostile metadata, a local rebuild with the same name and version
but different bytes, PEP 794 fields) that no registry has. These are real wheel files: pip, uv,
micropip and our index accept them.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

# A fixed timestamp makes the same inputs give byte-identical wheels (reproducible hashes in tests).
_EPOCH = (2020, 1, 1, 0, 0, 0)


def record_hash(data: bytes) -> str:
    """``sha256=<urlsafe b64, no padding>`` as RECORD writes it (PEP 376 / 627)."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def dist_info_name(name: str, version: str) -> str:
    """``{name}-{version}.dist-info`` with the name escaped as the binary distribution format requires."""
    return f"{canonicalize_name(name).replace('-', '_')}-{version}.dist-info"


def wheel_filename(name: str, version: str, tag: str = "py3-none-any") -> str:
    return f"{canonicalize_name(name).replace('-', '_')}-{version}-{tag}.whl"


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def render_metadata(
    name: str,
    version: str,
    metadata: Mapping[str, str | Sequence[str]] | None = None,
    metadata_version: str = "2.1",
) -> str:
    """Core metadata text. Multi-valued fields are given as sequences; ``Description`` becomes the body."""
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}"]
    body = None
    for field, value in (metadata or {}).items():
        if field == "Description":
            body = str(value)
            continue
        values = [value] if isinstance(value, str) else list(value)
        lines.extend(f"{field}: {v}" if v != "" else f"{field}:" for v in values)
    text = "\n".join(lines) + "\n"
    if body is not None:
        text += "\n" + body
    return text


def build_wheel(
    out_dir: Path,
    name: str,
    version: str,
    files: Mapping[str, bytes | str],
    *,
    metadata: Mapping[str, str | Sequence[str]] | None = None,
    tag: str = "py3-none-any",
    dist_info_files: Mapping[str, bytes | str] | None = None,
    metadata_version: str = "2.1",
    raw_metadata: bytes | str | None = None,
) -> Path:
    """Write ``out_dir/<name>-<version>-<tag>.whl`` and return its path.

    ``files`` maps archive paths (``pkg/__init__.py``, ``pkg-1.0.data/scripts/x``) to contents.
    ``dist_info_files`` adds files inside the ``.dist-info`` (``top_level.txt``, ``entry_points.txt``);
    an entry can override ``WHEEL``. ``raw_metadata`` replaces the generated METADATA verbatim
    (for malformed-metadata tests). ``tag`` may be a compressed tag set (``py2.py3-none-any``).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    di = dist_info_name(name, version)
    members: dict[str, bytes] = {path: _as_bytes(data) for path, data in files.items()}
    meta = raw_metadata if raw_metadata is not None else render_metadata(name, version, metadata, metadata_version)
    members[f"{di}/METADATA"] = _as_bytes(meta)
    wheel_lines = ["Wheel-Version: 1.0", "Generator: micropip-ext-tests", "Root-Is-Purelib: true"]
    py, abi, plats = tag.split("-")
    wheel_lines += [f"Tag: {p}-{a}-{pl}" for p in py.split(".") for a in abi.split(".") for pl in plats.split(".")]
    members[f"{di}/WHEEL"] = ("\n".join(wheel_lines) + "\n").encode()
    for path, data in (dist_info_files or {}).items():
        members[f"{di}/{path}"] = _as_bytes(data)

    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path, data in members.items():
        writer.writerow([path, record_hash(data), len(data)])
    writer.writerow([f"{di}/RECORD", "", ""])
    members[f"{di}/RECORD"] = record.getvalue().encode()

    target = out_dir / wheel_filename(name, version, tag)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, data in members.items():
            info = zipfile.ZipInfo(path, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return target
