"""indexer.jsonable: models serialise from their fields, so a new field reaches every output."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.freeze.options import FreezeOptions
from indexer.installed.model import FileKind, InstalledFile, Source
from indexer.resolve.model import FileResolution


def test_every_field_is_in_the_json_and_the_overrides_apply() -> None:
    source = Source(kind="index", url="https://example.invalid/x.whl", evidence=["INSTALLER"])
    assert source.to_json() == {
        "kind": "index", "url": "https://example.invalid/x.whl", "index": None, "sha256": None,
        "evidence": ["INSTALLER"], "vcs": None, "commit_id": None, "editable": False, "subdirectory": None,
    }  # fmt: skip
    kind = next(iter(FileKind))
    row = InstalledFile("pkg/__init__.py", Path("/site/pkg/__init__.py"), kind, size=3, module="pkg")
    assert row.to_json() == {
        "path": "pkg/__init__.py", "location": "/site/pkg/__init__.py", "kind": kind.value, "hash": None,
        "size": 3, "module": "pkg",
    }  # fmt: skip

    res = FileResolution("Pkg", "pkg", "1.0", url="https://alice:s3cret@example.invalid/simple/pkg.whl")
    data = res.to_json()
    assert "canonical_name" not in data and "base_entry" not in data
    assert data["url"] == "https://example.invalid/simple/pkg.whl" and data["locked"] is False
    json.dumps(data)  # JSON-ready as it is


def test_options_report_never_holds_credentials() -> None:
    options = FreezeOptions(index_urls=("https://bob:pw@example.invalid/simple/",), base_lock={"packages": {}})
    data = options.to_json()
    assert data["index_urls"] == ["https://example.invalid/simple/"] and data["base_lock"] == "(given)"
    assert "pw" not in json.dumps(data)
