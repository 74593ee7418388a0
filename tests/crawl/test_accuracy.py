"""Accuracy of the crawl: Pyodide 314's pure-Python packages, crawled from a local index by Range reads, against
the lockfile's curated ``imports``. The disagreements allowed are exactly inspect's (one implementation)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from indexer.crawl.command import crawl
from indexer.index.build import build_index
from indexer.index.server import serve_in_thread
from tests.crawl.conftest import shards_by_filename
from tests.inspect.test_accuracy import ALLOWED, CACHE, LOCK, PINS

pytestmark = pytest.mark.accuracy


def test_crawled_imports_match_the_curated_lockfile(cluster: Any, tmp_path: Path) -> None:
    pins: dict[str, dict[str, Any]] = json.loads(PINS.read_text())
    wheels = {str(p["file"]): str(p["sha256"]) for p in pins.values() if p["file"]}
    missing = [name for name in wheels if not (CACHE / name).is_file()]
    assert not missing, f"{len(missing)} accuracy wheels missing: run `make setup` (scripts/fetch_accuracy_wheels.py)"
    folder = tmp_path / "wheels"
    folder.mkdir()
    for name, sha256 in wheels.items():
        data = (CACHE / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha256, f"{name} is not the pinned file"
        (folder / name).write_bytes(data)
    build_index(folder, tmp_path / "index")
    with serve_in_thread(tmp_path / "index") as server:
        summary = crawl(server.index_url, tmp_path / "out", scheduler=cluster.scheduler_address)
    assert summary.counts["downloads"] == 0 and summary.counts["failed"] == 0

    lock = {canonicalize_name(p["name"]): p for p in json.loads(LOCK.read_text())["packages"].values()}
    shards = shards_by_filename(tmp_path / "out")
    assert set(shards) == set(wheels)
    disagreements = {}
    for shard in shards.values():
        ours, theirs = sorted(shard["imports"]), sorted(lock[shard["project"]]["imports"])
        if ours != theirs:
            disagreements[shard["project"]] = (ours, theirs)
    assert disagreements == {name: (ours, theirs) for name, (ours, theirs, _why) in ALLOWED.items()}
