"""Freeze's view of installer records is what inspect read, once and bounded (issue 10): nothing re-read later."""

from __future__ import annotations

import hashlib
from pathlib import Path

from indexer.installed import inspect
from indexer.installed.safe_io import JSON_LIMIT
from indexer.resolve.installed import read_records
from tests.inspect.installs import pip_install
from tests.support.wheels import build_wheel


def test_read_records_is_a_view_of_what_inspect_read(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "w", "demo", "1.0", {"demo.py": ""})
    site = tmp_path / "site"
    pip_install(site, "--no-index", str(wheel))
    dist_info = next(site.glob("demo-*.dist-info"))
    (dist_info / "PYODIDE_SOURCE").write_text("https://example.invalid/demo-1.0-py3-none-any.whl\n")
    (dist_info / "PYODIDE_SHA256").write_text("AB" * 32 + "\n")
    (dist_info / "INDEX").write_text("http://user:secret@127.0.0.1:1/simple/\nignored\n")
    dist = inspect([site]).distributions[0]
    metadata_sha = hashlib.sha256((dist_info / "METADATA").read_bytes()).hexdigest()

    for name in ("direct_url.json", "PYODIDE_SOURCE", "PYODIDE_SHA256", "INDEX", "METADATA", "RECORD"):
        (dist_info / name).unlink()  # if freeze re-read the disk, it would now find nothing
    rec = read_records(dist)
    assert rec.direct_url is not None and rec.direct_url["url"] == wheel.resolve().as_uri()
    assert rec.pyodide_source == "https://example.invalid/demo-1.0-py3-none-any.whl"
    assert rec.pyodide_sha256 == "ab" * 32
    assert rec.index == "http://127.0.0.1:1/simple/"  # first line, credentials redacted
    assert rec.metadata_actual_sha256 == metadata_sha == dist.metadata_sha256
    assert rec.record_rows["demo.py"] == "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
    assert rec.local_build is None


def test_oversized_direct_url_json_is_a_problem_and_absent_for_freeze(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "w", "demo", "1.0", {"demo.py": ""})
    site = tmp_path / "site"
    pip_install(site, "--no-index", str(wheel))
    dist_info = next(site.glob("demo-*.dist-info"))
    (dist_info / "direct_url.json").write_bytes(b" " * (JSON_LIMIT + 1))
    dist = inspect([site]).distributions[0]
    assert [p.code for p in dist.problems] == ["file-too-large"]
    assert read_records(dist).direct_url is None
