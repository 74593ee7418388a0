"""The map's consumers on CPython: ``build-index --imports`` publishes it, ``providers`` answers from a file or
URL (by default the map of pip's configured index), bad input is one line; and the per-host bound holds."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from indexer.crawl.command import crawl
from indexer.crawl.providers import lookup
from indexer.index.build import build_index
from indexer.index.server import IndexServer, run_in_thread
from micropip_ext._providers import MapError, import_map
from tests.crawl.conftest import Index, make_wheels, shards_by_filename
from tests.support.wheels import build_wheel


def indexer(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_build_index_publishes_the_map_and_providers_reads_it(tmp_path: Path) -> None:
    wheels, crawled, site = tmp_path / "wheels", tmp_path / "crawl", tmp_path / "site"
    make_wheels(wheels)
    crawl(str(wheels), crawled, workers=1)
    built = indexer("build-index", str(wheels), str(site), "--imports", str(crawled))
    assert built.returncode == 0, built.stderr
    assert (site / "imports.json").read_bytes() == (crawled / "imports.json").read_bytes()

    found = indexer("providers", "alpha", "--map", str(site / "imports.json"))
    assert (found.returncode, found.stdout) == (0, "alpha: alpha (1.0, 2.0)\n")
    with run_in_thread(IndexServer(site)) as server:
        by_url = indexer("providers", "nsroot.sub.deeper", "--map", server.url + "imports.json", "--json")
        assert json.loads(by_url.stdout) == [{"project": "nsdist", "versions": ["1.0"]}]
        env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": server.index_url}
        default = indexer("providers", "zope.x", env=env)  # no --map: the map beside pip's index
        assert (default.returncode, default.stdout) == (0, "zope.x: zope-x (1.0)\n")
    namespace = indexer("providers", "zope", "--map", str(site / "imports.json"))  # who provides names below it
    assert (namespace.returncode, namespace.stdout) == (0, "zope: zope-x (1.0)\n")
    unknown = indexer("providers", "zope_not", "--map", str(site / "imports.json"))
    assert (unknown.returncode, unknown.stdout) == (1, "zope_not: no known distribution provides it\n")


def test_bad_maps_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "other.json").write_text('{"projects": []}')
    cases = {
        ("providers", "x", "--map", str(tmp_path / "bad.json")): "not JSON",
        ("providers", "x", "--map", str(tmp_path / "other.json")): "not an import map",
        ("providers", "x", "--map", str(tmp_path / "missing.json")): "No such file",
        ("providers", "x", "--map", "http://127.0.0.1:9/imports.json"): "127.0.0.1:9",
        ("build-index", str(tmp_path), str(tmp_path / "site"), "--imports", str(tmp_path / "nothing")): "crawl",
    }
    for args, says in cases.items():
        proc = indexer(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"indexer {args[0]}: error: ") and says in lines[0], lines


def test_map_entries_that_name_no_distribution_are_dropped() -> None:
    """The map is the index server's word: a ``project`` that is a URL or a requirement would be installed as given
    by install_imports or the page's Install button, so only distribution names come out of a lookup."""
    hostile = [
        {"project": "http://127.0.0.1:9/evil-1.0-py3-none-any.whl", "versions": ["1.0"]},
        {"project": "evil; os_name == 'posix'", "versions": ["1.0"]},
        {"project": "no-versions"},
        "not an entry",
    ]
    mapping = {
        "imports": {"mod": [*hostile, {"project": "good.one", "versions": [1, "2.0"]}], "ns.sub": hostile},
    }
    assert lookup(mapping, "mod.deeper") == [{"project": "good.one", "versions": ["1", "2.0"]}]
    assert lookup(mapping, "ns.sub") == [] and lookup(mapping, "ns") == []


def test_without_map_the_configured_indexes_are_asked_and_none_published_is_one_line(tmp_path: Path) -> None:
    wheels, crawled, site, bare = tmp_path / "wheels", tmp_path / "crawl", tmp_path / "site", tmp_path / "bare"
    make_wheels(wheels)
    crawl(str(wheels), crawled, workers=1)
    build_index(wheels, site)
    build_index(wheels, bare)  # an index that publishes no map
    (site / "imports.json").write_bytes((crawled / "imports.json").read_bytes())
    with run_in_thread(IndexServer(bare)) as server:
        env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": server.index_url}
        none = indexer("providers", "alpha", env=env)
        assert none.returncode == 2 and none.stdout == ""
        assert none.stderr == (
            f"indexer providers: error: no import map is published beside the configured index ({server.url}"
            "imports.json); make one with `indexer crawl SOURCE -o DIR` and pass --map DIR/imports.json\n"
        )
        # pip's configuration may name a local index by a file: URL; its map is found beside it too
        env["PIP_EXTRA_INDEX_URL"] = (site / "simple").as_uri()
        local = indexer("providers", "alpha", env=env)
        assert (local.returncode, local.stdout) == (0, "alpha: alpha (1.0, 2.0)\n"), local.stderr


def test_hostile_member_paths_never_become_import_names(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    members = {
        "good/__init__.py": "",
        "../escape.py": "",
        "/abs/mod.py": "",
        "not-ident/mod.py": "",
        "bin/tool": "",
        "good-stubs/__init__.pyi": "",
        "other.pth": "import good\n",
        "evil-1.0.data/headers/h.py": "",
    }
    build_wheel(wheels, "evil", "1.0", members)
    crawl(str(wheels), tmp_path / "out", workers=1)
    shard = shards_by_filename(tmp_path / "out")["evil-1.0-py3-none-any.whl"]
    assert (shard["imports"], shard["namespaces"]) == (["good"], [])


class CountingServer(IndexServer):
    """Records the most requests it ever had in flight at once."""

    in_flight = 0
    most = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        type(self).in_flight += 1
        type(self).most = max(type(self).most, type(self).in_flight)
        try:
            return await super().handle(request)
        finally:
            type(self).in_flight -= 1


def test_requests_in_flight_per_host_stay_within_the_bound(index: Index, cluster: Any, tmp_path: Path) -> None:
    with run_in_thread(CountingServer(index.index_dir, latency=0.05)) as server:
        crawl(server.index_url, tmp_path / "out", scheduler=cluster.scheduler_address, per_host=4)
    assert 2 <= CountingServer.most <= 4  # one task at a time (4 requests per task at most), its wheels at once


def test_url_template_indexes_say_why_there_is_no_map() -> None:
    """micropip's ``{package_name}`` index templates name no folder a map could sit beside: the error says so,
    rather than claiming no index is configured."""
    template = "http://127.0.0.1:9/pypi/{package_name}/json"
    with pytest.raises(MapError, match=r"URL-template indexes \(http://127\.0\.0\.1:9/pypi/\{package_name\}/json\)"):
        asyncio.run(import_map(index_urls=[template]))
    with pytest.raises(MapError, match="no index is configured"):
        asyncio.run(import_map(index_urls=[]))


def test_a_large_project_uses_the_host_bound_nobody_else_needs(cluster: Any, tmp_path: Path) -> None:
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    for minor in range(40):
        build_wheel(wheels, "many", f"1.{minor}", {"many/__init__.py": ""})
    build_index(wheels, site)

    class Counting(CountingServer):
        in_flight = 0
        most = 0

    with run_in_thread(Counting(site, latency=0.05)) as server:
        summary = crawl(server.index_url, tmp_path / "out", scheduler=cluster.scheduler_address, per_host=12)
    assert summary.shards_written == 40 and summary.counts["failed"] == 0
    # one task, 3 leases of 4 requests: more than one lease's 4, never more than --per-host
    assert 4 < Counting.most <= 12
