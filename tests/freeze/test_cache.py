"""The HTTP cache: private, free of secrets, revalidating pages, never fetching an immutable file twice."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.resolve.client import Client, DiskCache, OfflineMiss
from tests.support.scripted_server import Scripted, ScriptedServer, scripted_server

JSON_TYPE = ("Content-Type", "application/vnd.pypi.simple.v1+json")
SECRET = "s3cr3t-pa55word"
TOKEN = "tok-0123456789abcdef"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ScriptedServer]:
    root = tmp_path / "root"
    root.mkdir()
    with scripted_server(root) as server:
        yield server


def _page(url: str) -> bytes:
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "alpha", "files": [{"url": url}]}).encode()


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


async def test_cache_holds_no_credentials_and_replays_them(server: ScriptedServer, tmp_path: Path) -> None:
    # A private index whose page links carry the same token the index URL does (as some hosted indexes do).
    link = f"{server.url}files/alpha-1.0-py3-none-any.whl?token={TOKEN}"
    server.scripts["/simple/alpha/"] = Scripted(_page(link), headers=[JSON_TYPE])
    url = f"http://user:{SECRET}@{server.url.removeprefix('http://')}simple/alpha/?token={TOKEN}"
    cache = DiskCache(tmp_path / "cache")
    async with Client(cache=cache, transport_kind="aiohttp") as client:
        fresh = await client.get(url)
    assert fresh.status == 200 and TOKEN in fresh.content.decode()
    assert server.log[-1].headers["Authorization"].startswith("Basic ")  # the credentials were used...
    stored = _all_bytes(tmp_path / "cache")
    assert stored and SECRET.encode() not in stored and TOKEN.encode() not in stored  # ...and never written
    assert b"user:" not in stored
    async with Client(cache=cache, offline=True) as offline:
        replay = await offline.get(url)
    assert replay.content == fresh.content  # the request's own token is put back for this run
    assert SECRET not in replay.url and TOKEN not in replay.url


async def test_cache_is_private_to_the_user(server: ScriptedServer, tmp_path: Path) -> None:
    server.scripts["/simple/alpha/"] = Scripted(_page("x.whl"), headers=[JSON_TYPE])
    root = tmp_path / "cache"
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)  # an existing, too open folder is tightened
    old = os.umask(0o022)
    try:
        async with Client(cache=DiskCache(root)) as client:
            await client.get(server.url + "simple/alpha/")
    finally:
        os.umask(old)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert any(path.is_file() for path in root.rglob("*"))
    for path in root.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


async def test_pages_are_revalidated_with_etag_and_304_costs_no_body(server: ScriptedServer, tmp_path: Path) -> None:
    body = _page("alpha-1.0-py3-none-any.whl")
    server.scripts["/simple/alpha/"] = Scripted(body, headers=[JSON_TYPE, ("Cache-Control", "max-age=0")], etag='"v1"')
    cache = DiskCache(tmp_path / "cache")
    async with Client(cache=cache) as client:
        first = await client.get(server.url + "simple/alpha/")
    async with Client(cache=cache) as client:
        second = await client.get(server.url + "simple/alpha/")
        assert (client.stats.requests, client.stats.revalidated, client.stats.bytes) == (1, 1, 0)
    assert second.content == first.content == body and second.status == 200
    assert [r.status for r in server.log] == [200, 304]
    assert server.log[-1].headers.get("If-None-Match") == '"v1"'
    # A changed page (new ETag) is fetched whole and replaces the cached one.
    server.scripts["/simple/alpha/"] = Scripted(_page("alpha-2.0-py3-none-any.whl"), headers=[JSON_TYPE], etag='"v2"')
    async with Client(cache=cache) as client:
        third = await client.get(server.url + "simple/alpha/")
    assert b"alpha-2.0" in third.content and server.log[-1].status == 200
    async with Client(cache=cache, offline=True) as offline:
        assert (await offline.get(server.url + "simple/alpha/")).content == third.content


async def test_fresh_pages_are_reused_while_max_age_allows(server: ScriptedServer, tmp_path: Path) -> None:
    server.scripts["/simple/alpha/"] = Scripted(_page("a.whl"), headers=[JSON_TYPE, ("Cache-Control", "max-age=600")])
    server.scripts["/simple/beta/"] = Scripted(_page("b.whl"), headers=[JSON_TYPE, ("Cache-Control", "no-cache")])
    cache = DiskCache(tmp_path / "cache")
    for _ in range(2):
        async with Client(cache=cache) as client:
            await client.get(server.url + "simple/alpha/")
            await client.get(server.url + "simple/beta/")
    assert len(server.requests_for("/simple/alpha/")) == 1  # fresh for 600 s: not asked again
    assert len(server.requests_for("/simple/beta/")) == 2  # no-cache: asked every run


async def test_immutable_files_are_never_fetched_twice(server: ScriptedServer, tmp_path: Path) -> None:
    server.scripts["/files/a.whl.metadata"] = Scripted(b"Metadata-Version: 2.1\nName: a\n")
    server.scripts["/mirror/a.whl.metadata"] = Scripted(b"Metadata-Version: 2.1\nName: a\n")
    cache = DiskCache(tmp_path / "cache")
    sha = "sha256:" + "ab" * 32
    for url in ("files/a.whl.metadata", "files/a.whl.metadata", "mirror/a.whl.metadata"):
        async with Client(cache=cache) as client:
            response = await client.get(server.url + url, immutable=True, content_id=sha)
        assert response.content.startswith(b"Metadata-Version")
    assert len(server.log) == 1  # the mirror's copy of the same file (same hash) is the cached one
    async with Client(cache=cache, offline=True) as offline:
        with pytest.raises(
            OfflineMiss, match=re.escape(f"not in the offline cache: {server.url}files/other.whl.metadata")
        ):
            await offline.get(server.url + "files/other.whl.metadata", immutable=True)
