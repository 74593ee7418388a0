"""Freeze against a real local index: identity proved by the PEP 658 metadata hash, and every fault path."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.freeze.core import FreezeResult, freeze
from indexer.freeze.options import FreezeOptions
from indexer.index.server import IndexServer
from tests.freeze.conftest import IndexEnv, copy_site, unpack, uv_install
from tests.support.wheels import build_wheel

#: the CPython transport every test in this module runs with (both are run: see the autouse fixture)
TRANSPORT = {"kind": "httpx"}


@pytest.fixture(autouse=True, params=["aiohttp", "httpx"])
def transport_kind(request: pytest.FixtureRequest) -> Iterator[str]:
    TRANSPORT["kind"] = request.param
    yield request.param
    TRANSPORT["kind"] = "httpx"


async def run_freeze(site: Path, index_url: str, **kw: Any) -> FreezeResult:
    kw.setdefault("transport", TRANSPORT["kind"])
    kw.setdefault("retries", 2)
    kw.setdefault("timeout", 5.0)
    return await freeze([site], FreezeOptions(index_urls=(index_url,), target="host", **kw))


def by_name(result: FreezeResult) -> dict[str, Any]:
    return {r.canonical_name: r for r in result.resolutions}


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_name_installs_are_locked_to_the_exact_index_file(
    index_env: IndexEnv, name_site: Path, server: IndexServer
) -> None:
    result = await run_freeze(name_site, server.index_url)
    res = by_name(result)
    assert res["alpha"].locked and res["beta"].locked
    # beta 2.0 has two wheels of the installed version; the installed WHEEL tags choose the right one.
    assert res["beta"].filename == "beta-2.0-py3-none-any.whl"
    assert res["beta"].sha256 == sha256_file(index_env.wheels / "beta-2.0-py3-none-any.whl")
    assert res["alpha"].proof == "core-metadata sha256 from the index page"
    lock = json.loads(result.lock)
    alpha = lock["packages"]["alpha"]
    assert alpha["file_name"] == f"{server.url}files/alpha-1.0-py3-none-any.whl"
    assert alpha["depends"] == ["beta"] and alpha["imports"] == ["alpha"]
    # Proof by default: one project page and one Range read of the wheel's RECORD per distribution.
    assert res["alpha"].record_verified is True and res["beta"].record_verified is True
    paths = sorted(r.path for r in server.log)
    assert paths == [
        "/files/alpha-1.0-py3-none-any.whl", "/files/beta-2.0-py3-none-any.whl", "/simple/alpha/", "/simple/beta/"
    ]  # fmt: skip
    assert all(r.status == 206 for r in server.log if r.path.startswith("/files/"))
    assert result.report["requests"]["requests"] == 4
    # Bytes are counted as the wire carried them: pages gzipped by the server count compressed.
    assert all(r.headers.get("Accept-Encoding") for r in server.log)
    assert result.report["requests"]["bytes"] == sum(r.bytes_sent for r in server.log)
    # per distribution, in the report
    wheel = f"{server.url}files/alpha-1.0-py3-none-any.whl"
    assert res["alpha"].requests == [f"GET {server.index_url}alpha/ -> 200", f"GET {wheel} (range) -> 206"]


async def test_verify_metadata_is_one_page_per_distribution(name_site: Path, server: IndexServer) -> None:
    result = await run_freeze(name_site, server.index_url, verify="metadata")
    res = by_name(result)
    assert res["alpha"].locked and res["beta"].locked and res["alpha"].record_verified is None
    # The fast path the user opted into: no wheel and no .metadata download.
    assert sorted(r.path for r in server.log) == ["/simple/alpha/", "/simple/beta/"]
    assert result.report["options"]["verify"] == "metadata"


async def test_404_project_is_not_on_index(tmp_path: Path, index_env: IndexEnv, server: IndexServer) -> None:
    site = tmp_path / "site"
    wheel = build_wheel(tmp_path / "w", "omega", "1.0", {"omega/__init__.py": ""})
    unpack(wheel, site)
    result = await run_freeze(site, server.index_url)
    res = by_name(result)["omega"]
    assert not res.locked and res.reason_code == "not-on-index"
    assert "omega is not on" in (res.reason or "")
    assert "omega" not in json.loads(result.lock)["packages"]


async def test_500_then_success_is_retried(name_site: Path, server: IndexServer) -> None:
    server.inject("/simple/alpha/*", 500, 503)
    result = await run_freeze(name_site, server.index_url)
    assert by_name(result)["alpha"].locked
    assert [r.status for r in server.requests_for("/simple/alpha/*")] == [500, 503, 200]
    assert [r.rsplit(" ", 1)[-1] for r in by_name(result)["alpha"].requests] == ["500", "503", "200", "206"]
    assert result.report["requests"]["retries"] == 2


async def test_500_beyond_retries_is_index_unreachable(name_site: Path, server: IndexServer) -> None:
    server.inject("/simple/alpha/*", 500, 500, 500)
    result = await run_freeze(name_site, server.index_url, retries=2)
    res = by_name(result)["alpha"]
    assert res.reason_code == "index-unreachable" and "HTTP 500" in (res.reason or "")
    assert by_name(result)["beta"].locked  # one failing dist never stops the others


async def test_connection_reset_is_retried(name_site: Path, server: IndexServer) -> None:
    server.inject("/simple/beta/*", "reset")
    result = await run_freeze(name_site, server.index_url)
    assert by_name(result)["beta"].locked
    assert len(server.requests_for("/simple/beta/*")) == 2


async def test_slow_body_past_timeout(name_site: Path, server: IndexServer) -> None:
    server.inject("/simple/alpha/*", ("slow", 3.0))
    result = await run_freeze(name_site, server.index_url, timeout=0.5, retries=0)
    res = by_name(result)["alpha"]
    assert res.reason_code == "index-unreachable" and "0.5 s" in (res.reason or "")
    server.inject("/simple/alpha/*", ("slow", 3.0))
    retried = await run_freeze(name_site, server.index_url, timeout=0.5, retries=1)
    assert by_name(retried)["alpha"].locked


def _page(server: IndexServer, project: str) -> dict[str, Any]:
    import httpx

    resp = httpx.get(f"{server.index_url}{project}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    server.clear_log()
    return dict(resp.json())


async def test_wrong_metadata_hash_is_never_locked(name_site: Path, server: IndexServer) -> None:
    page = _page(server, "alpha")
    for f in page["files"]:
        f["core-metadata"] = {"sha256": "0" * 64}
    server.inject("/simple/alpha/*", ("body", json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"))
    result = await run_freeze(name_site, server.index_url)
    res = by_name(result)["alpha"]
    assert not res.locked and res.reason_code == "local-build"


async def test_metadata_file_not_matching_advertised_hash_is_rejected(name_site: Path, server: IndexServer) -> None:
    # The page gives no hash, only "there is a metadata file": the client must fetch it, verify, compare.
    page = _page(server, "alpha")
    for f in page["files"]:
        f["core-metadata"] = True
        f.pop("dist-info-metadata", None)
    server.inject("/simple/alpha/*", ("body", json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"))
    ok = await run_freeze(name_site, server.index_url)
    assert by_name(ok)["alpha"].proof == "sha256 of the PEP 658 metadata file"
    assert any(r.path.endswith("alpha-1.0-py3-none-any.whl.metadata") for r in server.log)

    server.inject("/simple/alpha/*", ("body", json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"))
    server.inject(
        "*/alpha-1.0-py3-none-any.whl.metadata", ("body", b"Metadata-Version: 2.1\nName: evil\n", "text/plain")
    )
    bad = await run_freeze(name_site, server.index_url)
    res = by_name(bad)["alpha"]
    assert not res.locked
    assert any("names 'evil'" in n for n in res.notes)


async def test_html_where_json_was_asked(index_env: IndexEnv, name_site: Path, server: IndexServer) -> None:
    html = (index_env.index_dir / "simple" / "alpha" / "index.html").read_bytes()
    server.inject("/simple/alpha/*", ("body", html, "text/html; charset=utf-8"))
    result = await run_freeze(name_site, server.index_url)
    res = by_name(result)["alpha"]
    assert res.locked and res.evidence == ["index page (html)"]
    assert res.url is not None and res.url.startswith("http://127.0.0.1:")


async def test_relative_urls_resolve_against_the_page(
    index_env: IndexEnv, name_site: Path, server: IndexServer
) -> None:
    page = _page(server, "alpha")
    for f in page["files"]:
        f["url"] = "../../files/" + f["filename"]
    server.inject("/simple/alpha/*", ("body", json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"))
    result = await run_freeze(name_site, server.index_url)
    entry = json.loads(result.lock)["packages"]["alpha"]
    assert entry["file_name"] == f"{server.url}files/alpha-1.0-py3-none-any.whl"


async def test_unsupported_api_major_version_fails(name_site: Path, server: IndexServer) -> None:
    page = _page(server, "alpha")
    page["meta"]["api-version"] = "2.0"
    server.inject("/simple/alpha/*", ("body", json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"))
    result = await run_freeze(name_site, server.index_url)
    res = by_name(result)["alpha"]
    assert res.reason_code == "index-unreachable" and "unsupported simple API version 2.0" in (res.reason or "")


async def test_credentials_never_reach_any_output(name_site: Path, server: IndexServer) -> None:
    secret_url = server.index_url.replace("http://", "http://alice:s3cret@")
    result = await run_freeze(name_site, secret_url)
    assert by_name(result)["alpha"].locked
    # The credentials were really used on the wire ...
    assert any(r.headers.get("Authorization", "").startswith("Basic ") for r in server.log)
    # ... and appear in no output.
    for text in (result.lock, json.dumps(result.report), result.pylock):
        assert "s3cret" not in text and "alice" not in text


async def test_local_build_with_same_name_and_version_is_unlockable(
    tmp_path: Path, index_env: IndexEnv, server: IndexServer
) -> None:
    # delta 1.0 is on the index; this one was built here from other sources (its METADATA differs too).
    local = build_wheel(
        tmp_path / "local", "delta", "1.0", {"delta/__init__.py": "D = 'local'\n"}, metadata={"Summary": "built here"}
    )
    site = tmp_path / "site"
    unpack(local, site)
    result = await run_freeze(site, server.index_url)
    res = by_name(result)["delta"]
    assert not res.locked and res.reason_code == "local-build"
    assert "1.0 is on" in (res.reason or "")
    assert "delta" not in json.loads(result.lock)["packages"]


async def test_local_wheel_installed_from_a_path_is_not_locked_to_the_index(
    tmp_path: Path, index_env: IndexEnv, server: IndexServer
) -> None:
    # Same name, version AND METADATA as the index's delta 1.0, different code: the recorded path still
    # holds the bytes, and they are not the index's bytes.
    local = build_wheel(
        tmp_path / "local", "delta", "1.0", {"delta/__init__.py": "D = 'patched'\n"}, metadata={"Summary": "released"}
    )
    site = tmp_path / "site"
    uv_install(site, str(local))
    result = await run_freeze(site, server.index_url)
    res = by_name(result)["delta"]
    assert not res.locked and res.reason_code == "local-build"
    mapped = await run_freeze(site, server.index_url, base_urls=[f"{tmp_path}/local/=https://example.invalid/w/"])
    entry = json.loads(mapped.lock)["packages"]["delta"]
    assert entry["file_name"] == "https://example.invalid/w/delta-1.0-py3-none-any.whl"
    assert entry["sha256"] == sha256_file(local)


async def test_default_proof_catches_same_metadata_different_files(
    tmp_path: Path, index_env: IndexEnv, server: IndexServer
) -> None:
    local = build_wheel(
        tmp_path / "local", "delta", "1.0", {"delta/__init__.py": "D = 'patched'\n"}, metadata={"Summary": "released"}
    )
    site = tmp_path / "site"
    unpack(local, site)  # nothing recorded: only the files can tell
    fast = await run_freeze(site, server.index_url, verify="metadata")
    assert by_name(fast)["delta"].locked  # METADATA is identical: the metadata proof cannot see the code
    server.clear_log()
    verified = await run_freeze(site, server.index_url)  # the default: auto
    res = by_name(verified)["delta"]
    assert not res.locked and res.reason_code == "local-build" and "differ: delta/__init__.py" in (res.reason or "")
    assert res.record_verified is False and "delta" not in json.loads(verified.lock)["packages"]
    wheel_size = (index_env.wheels / "delta-1.0-py3-none-any.whl").stat().st_size
    fetched = sum(r.bytes_sent for r in server.log if r.path.endswith(".whl"))
    assert all(r.status == 206 for r in server.log if r.path.endswith(".whl"))
    assert fetched <= wheel_size  # ranges, never more than the wheel


async def test_verify_record_passes_for_the_real_file(name_site: Path, server: IndexServer) -> None:
    result = await run_freeze(name_site, server.index_url, verify="record")
    for name in ("alpha", "beta"):
        res = by_name(result)[name]
        assert res.locked and res.record_verified is True


async def test_modified_metadata_is_reported(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    site = copy_site(name_site, tmp_path / "site")
    meta = site / "alpha-1.0.dist-info" / "METADATA"
    meta.write_text(meta.read_text() + "Summary: edited\n")
    result = await run_freeze(site, server.index_url)
    assert by_name(result)["alpha"].reason_code == "modified"


async def test_installer_records_lock_without_network(tmp_path: Path, index_env: IndexEnv, server: IndexServer) -> None:
    wheel = index_env.wheels / "beta-2.0-py3-none-any.whl"
    site = tmp_path / "site"
    unpack(wheel, site)
    di = site / "beta-2.0.dist-info"
    (di / "INSTALLER").write_text("micropip\n")
    (di / "PYODIDE_URL").write_text(f"{server.url}files/{wheel.name}")
    (di / "PYODIDE_SHA256").write_text(sha256_file(wheel))
    result = await run_freeze(site, server.index_url)
    res = by_name(result)["beta"]
    assert res.locked and res.method == "pyodide-url"
    # The record proves the file; the one request only names its index for pylock.toml (PEP 751 `index`).
    assert [r.path for r in server.log] == ["/simple/beta/"] and res.index == server.index_url


async def test_directory_install_is_local_path(tmp_path: Path, index_env: IndexEnv, server: IndexServer) -> None:
    wheel = index_env.wheels / "beta-2.0-py3-none-any.whl"
    site = tmp_path / "site"
    unpack(wheel, site)
    (site / "beta-2.0.dist-info" / "direct_url.json").write_text(
        json.dumps({"url": "file:///home/me/src/beta", "dir_info": {"editable": True}})
    )
    result = await run_freeze(site, server.index_url)
    res = by_name(result)["beta"]
    assert res.reason_code == "editable" and "file:///home/me/src/beta" in (res.reason or "")
    (site / "beta-2.0.dist-info" / "direct_url.json").write_text(
        json.dumps({"url": "file:///home/me/src/beta", "dir_info": {}})
    )
    assert by_name(await run_freeze(site, server.index_url))["beta"].reason_code == "local-path"


async def test_offline_refreeze_from_cache(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    cache = tmp_path / "cache"
    online = await run_freeze(name_site, server.index_url, cache_dir=cache)
    server.clear_log()
    offline = await run_freeze(name_site, server.index_url, cache_dir=cache, offline=True)
    assert offline.lock == online.lock
    assert server.log == [] and offline.report["requests"]["requests"] == 0
    assert offline.report["requests"]["cache_hits"] == 4  # two pages, two RECORD ranges
    # Without a cache entry, --offline says so rather than guessing.
    empty = await run_freeze(name_site, server.index_url, cache_dir=tmp_path / "empty", offline=True)
    assert {r.reason_code for r in empty.resolutions} == {"index-unreachable"}


async def test_only_installed_and_base_lock(name_site: Path, server: IndexServer) -> None:
    base = {
        "info": {"abi_version": "2026_0", "arch": "wasm32", "platform": "emscripten_5_0_3", "python": "3.14.2"},
        "packages": {
            "six": {
                "name": "six",
                "version": "1.17.0",
                "file_name": "six-1.17.0-py2.py3-none-any.whl",
                "install_dir": "site",
                "sha256": "ab" * 32,
                "package_type": "package",
                "imports": ["six"],
                "depends": ["not-there"],
            },
        },
    }
    kept = json.loads((await run_freeze(name_site, server.index_url, base_lock=base)).lock)
    assert set(kept["packages"]) == {"alpha", "beta", "six"}
    assert kept["packages"]["six"]["depends"] == []  # no dangling depends
    only = json.loads((await run_freeze(name_site, server.index_url, base_lock=base, only_installed=True)).lock)
    assert set(only["packages"]) == {"alpha", "beta"}
    assert only["info"] == base["info"]


@pytest.mark.parametrize("concurrency", [1, 8])
async def test_requests_are_deduplicated(name_site: Path, server: IndexServer, concurrency: int) -> None:
    from indexer.resolve.client import Client

    async with Client(concurrency=concurrency, transport_kind=TRANSPORT["kind"]) as client:
        import asyncio

        url = f"{server.index_url}alpha/"
        responses = await asyncio.gather(*(client.get(url) for _ in range(10)))
        assert (
            type(client.transport).__name__
            == {"aiohttp": "AiohttpTransport", "httpx": "HttpxTransport"}[TRANSPORT["kind"]]
        )
    assert {r.status for r in responses} == {200}
    assert len(server.requests_for("/simple/alpha/*")) == 1


async def test_unreachable_index_costs_one_request_and_the_next_index_is_asked(
    name_site: Path, server: IndexServer
) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/simple/"
    options = FreezeOptions(index_urls=(dead, server.index_url), target="host", retries=1, transport=TRANSPORT["kind"])
    result = await freeze([name_site], options)
    res = by_name(result)
    assert res["alpha"].locked and res["beta"].locked
    assert res["alpha"].index == server.index_url
    assert any("skipped unreadable index" in n and "cannot connect" in n for n in res["alpha"].notes)
    # The dead index was tried once (plus its one retry), not once per distribution.
    # Each dist: its page and its RECORD range.
    assert result.report["requests"]["failures"] == 1 and result.report["requests"]["requests"] == 6


async def test_response_size_cap_is_not_retried(server: IndexServer) -> None:
    from indexer.resolve.client import Client
    from indexer.resolve.transport import TransportError

    async with Client(max_bytes=100, transport_kind=TRANSPORT["kind"]) as client:
        with pytest.raises(TransportError) as caught:
            await client.get(f"{server.index_url}alpha/")
    assert caught.value.kind == "too-large"
    assert len(server.log) == 1


async def test_yanked_file_is_locked_with_a_note(name_site: Path, server: IndexServer) -> None:
    page = _page(server, "alpha")
    for f in page["files"]:
        f["yanked"] = "broken metadata"
    server.inject("/simple/alpha/*", ("body", json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"))
    res = by_name(await run_freeze(name_site, server.index_url))["alpha"]
    assert res.locked and any("yanked" in n and "broken metadata" in n for n in res.notes)


async def test_micropip_style_placeholder_index_url_with_html(name_site: Path, server: IndexServer) -> None:
    # micropip's "{package_name}" form; ?format= (PEP 691) makes the server answer HTML.
    placeholder = server.index_url + "{package_name}/?format=text/html"
    result = await run_freeze(name_site, placeholder)
    res = by_name(result)["alpha"]
    assert res.locked and res.evidence == ["index page (html)"]
    assert res.url == f"{server.url}files/alpha-1.0-py3-none-any.whl"


async def test_no_metadata_file_reads_metadata_from_the_wheel_by_ranges(
    index_env: IndexEnv, name_site: Path, server: IndexServer
) -> None:
    page = _page(server, "alpha")
    for f in page["files"]:
        f["core-metadata"] = False
        f.pop("dist-info-metadata", None)
    server.inject("/simple/alpha/*", ("body", json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"))
    res = by_name(await run_freeze(name_site, server.index_url))["alpha"]
    assert res.locked and res.proof == "sha256 of METADATA read from the wheel by range requests"
    wheel_requests = [r for r in server.log if r.path.endswith("alpha-1.0-py3-none-any.whl")]
    # One tail range holds METADATA and RECORD: the proof (--verify auto) reads no more (no disk cache here).
    assert res.record_verified is True
    assert [r.status for r in wheel_requests] == [206]


async def test_pylock_names_the_index_of_installer_recorded_files(
    tmp_path: Path, index_env: IndexEnv, server: IndexServer
) -> None:
    import tomllib

    wheel = index_env.wheels / "beta-2.0-py3-none-any.whl"
    site = tmp_path / "site"
    unpack(wheel, site)
    di = site / "beta-2.0.dist-info"
    (di / "PYODIDE_URL").write_text(f"{server.url}files/{wheel.name}")
    (di / "PYODIDE_SHA256").write_text(sha256_file(wheel))
    lock = tomllib.loads((await run_freeze(site, server.index_url)).pylock)
    assert lock["packages"][0]["index"] == server.index_url
    assert lock["packages"][0]["wheels"][0]["hashes"] == {"sha256": sha256_file(wheel)}


async def test_local_wheel_rebuilt_after_install_is_not_trusted(
    tmp_path: Path, index_env: IndexEnv, server: IndexServer
) -> None:
    # Installed from a path; the file at that path was then rebuilt with other metadata.
    local_dir = tmp_path / "local"
    wheel = build_wheel(local_dir, "beta", "2.0", {"beta/__init__.py": "B = 2\n"}, metadata={"Summary": "index beta"})
    site = tmp_path / "site"
    uv_install(site, str(wheel))
    build_wheel(local_dir, "beta", "2.0", {"beta/__init__.py": "B = 3\n"}, metadata={"Summary": "rebuilt"})
    res = by_name(await run_freeze(site, server.index_url))["beta"]
    # The installed files are the index's beta 2.0 (same bytes as built the first time): proved by METADATA.
    assert res.locked and res.method == "index" and res.proof == "core-metadata sha256 from the index page"
    assert any("changed since it was installed" in n for n in res.notes)


async def test_index_without_file_hashes_is_hashed_by_download(
    index_env: IndexEnv, name_site: Path, server: IndexServer
) -> None:
    html = (index_env.index_dir / "simple" / "alpha" / "index.html").read_text()
    stripped = re.sub(r"#sha256=[0-9a-f]+", "", html)
    assert stripped != html
    server.inject("/simple/alpha/*", ("body", stripped.encode(), "text/html"))
    res = by_name(await run_freeze(name_site, server.index_url))["alpha"]
    assert res.locked and res.sha256 == sha256_file(index_env.wheels / "alpha-1.0-py3-none-any.whl")
    assert any("hashed a download" in n for n in res.notes)


async def test_direct_url_without_hash_is_hashed_by_download(
    tmp_path: Path, index_env: IndexEnv, server: IndexServer
) -> None:
    wheel = index_env.wheels / "beta-2.0-py3-none-any.whl"
    site = tmp_path / "site"
    unpack(wheel, site)
    url = f"{server.url}files/{wheel.name}"
    (site / "beta-2.0.dist-info" / "direct_url.json").write_text(json.dumps({"url": url, "archive_info": {}}))
    res = by_name(await run_freeze(site, server.index_url))["beta"]
    assert res.locked and res.method == "direct-url" and res.url == url
    assert res.sha256 == sha256_file(wheel)
    # A URL whose file is not the installed one is not locked.
    other = f"{server.url}files/delta-1.0-py3-none-any.whl"
    (site / "beta-2.0.dist-info" / "direct_url.json").write_text(json.dumps({"url": other, "archive_info": {}}))
    bad = by_name(await run_freeze(site, server.index_url))["beta"]
    assert bad.reason_code == "no-hash" and "not the installed one" in (bad.reason or "")


def _inject_page(server: IndexServer, project: str, page: dict[str, Any]) -> None:
    server.inject(f"/simple/{project}/*", ("body", json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"))


def _version_entry(page: dict[str, Any], version: str) -> dict[str, Any]:
    return next(f for f in page["files"] if f"-{version}-" in f["filename"])


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("hashes", {"sha256": "not-a-hash"}, "malformed sha256 'not-a-hash'"),
        ("hashes", {"sha256": "ab" * 31}, "malformed sha256"),  # hex, but 62 digits
        ("core-metadata", {"sha256": "zz" * 32}, "core-metadata: malformed sha256"),
        ("url", "javascript:alert(1)//alpha-1.0-py3-none-any.whl", "URL scheme javascript: is not http(s)"),
        ("url", "data:application/zip;base64,UEsFBg==", "URL scheme data: is not http(s)"),
        ("url", "file:///etc/alpha-1.0-py3-none-any.whl", "URL scheme file: is not http(s)"),
    ],
)
async def test_invalid_index_entries_are_not_believed(
    name_site: Path, server: IndexServer, field: str, value: Any, said: str
) -> None:
    page = _page(server, "alpha")
    _version_entry(page, "1.0")[field] = value
    _inject_page(server, "alpha", page)
    result = await run_freeze(name_site, server.index_url)
    res = by_name(result)["alpha"]
    assert not res.locked and res.reason_code == "index-data"
    assert f"alpha-1.0-py3-none-any.whl: {said}" in (res.reason or "")
    assert "alpha" not in json.loads(result.lock)["packages"]
    assert by_name(result)["beta"].locked  # the bad entry costs only itself


async def test_unknown_hash_algorithms_are_ignored(name_site: Path, server: IndexServer) -> None:
    page = _page(server, "alpha")
    _version_entry(page, "1.0")["hashes"]["blake9"] = "whatever, not checked"
    _inject_page(server, "alpha", page)
    assert by_name(await run_freeze(name_site, server.index_url))["alpha"].locked


async def test_another_projects_wheel_on_the_page_is_rejected(
    index_env: IndexEnv, name_site: Path, server: IndexServer
) -> None:
    page = _page(server, "alpha")
    delta = _page(server, "delta")["files"][0]
    alpha = _version_entry(page, "1.0")
    # delta's wheel listed under alpha, even claiming alpha's METADATA hash: never alpha's file.
    page["files"] = [dict(delta, **{"core-metadata": alpha["core-metadata"]})]
    _inject_page(server, "alpha", page)
    res = by_name(await run_freeze(name_site, server.index_url))["alpha"]
    assert not res.locked and res.reason_code == "index-data"
    assert "delta-1.0-py3-none-any.whl: a wheel of delta, not of alpha" in (res.reason or "")
    # The right file name, but a URL naming delta's file.
    page["files"] = [dict(alpha, url=delta["url"])]
    _inject_page(server, "alpha", page)
    res = by_name(await run_freeze(name_site, server.index_url))["alpha"]
    assert res.reason_code == "index-data" and "its URL names another file (delta-1.0-py3-none-any.whl)" in (
        res.reason or ""
    )


async def test_page_of_another_project_is_refused(name_site: Path, server: IndexServer) -> None:
    page = _page(server, "alpha")
    page["name"] = "delta"
    _inject_page(server, "alpha", page)
    res = by_name(await run_freeze(name_site, server.index_url))["alpha"]
    assert res.reason_code == "index-unreachable" and "the page of 'delta', not of 'alpha'" in (res.reason or "")


@pytest.mark.parametrize("size", [-5, 1.5, "12", True])
async def test_invalid_size_is_dropped_from_pylock(name_site: Path, server: IndexServer, size: Any) -> None:
    import tomllib

    page = _page(server, "alpha")
    _version_entry(page, "1.0")["size"] = size
    _inject_page(server, "alpha", page)
    result = await run_freeze(name_site, server.index_url)
    assert by_name(result)["alpha"].locked and by_name(result)["alpha"].size is None
    wheel = next(p for p in tomllib.loads(result.pylock)["packages"] if p["name"] == "alpha")["wheels"][0]
    assert "size" not in wheel


async def test_thousands_of_listed_files_cost_no_request_each(name_site: Path, server: IndexServer) -> None:
    page = _page(server, "alpha")
    real = _version_entry(page, "1.0")
    # 3,000 files of other versions and platforms, none with a metadata hash, all pointing nowhere.
    filler = [
        {"filename": f"alpha-0.{i}-cp3{i % 10}-none-any.whl", "url": f"{server.url}nowhere/{i}.whl", "hashes": {}}
        for i in range(3000)
    ]
    page["files"] = [*filler, real]
    _inject_page(server, "alpha", page)
    result = await run_freeze(name_site, server.index_url)
    assert by_name(result)["alpha"].locked
    assert [r.path for r in server.requests_for("*alpha*")] == ["/simple/alpha/", "/files/alpha-1.0-py3-none-any.whl"]


async def test_candidates_without_page_hashes_are_fetched_concurrently(
    tmp_path: Path, index_env: IndexEnv, server: IndexServer
) -> None:
    # Twelve builds of delta 1.0 with the same tags (build numbers 1..12); the page gives no metadata hashes,
    # so each candidate's .metadata must be read: concurrently, not one after the other.
    page = _page(server, "delta")
    entry = page["files"][0]
    builds = []
    for n in range(1, 13):
        name = f"delta-1.0-{n}-py3-none-any.whl"
        builds.append(dict(entry, filename=name, url=entry["url"].replace("delta-1.0-py3", f"delta-1.0-{n}-py3")))
        other = b"Metadata-Version: 2.1\nName: delta\nVersion: 1.0\n"
        server.inject(f"*/{name}.metadata", ("body", other, "text/plain"))
    page["files"] = [dict(b, **{"core-metadata": True}) for b in builds] + [dict(entry, **{"core-metadata": True})]
    _inject_page(server, "delta", page)
    site = tmp_path / "site"
    unpack(index_env.wheels / "delta-1.0-py3-none-any.whl", site)
    server.latency = 0.3
    res = by_name(await run_freeze(site, server.index_url))["delta"]
    assert res.locked and res.filename == "delta-1.0-py3-none-any.whl"
    fetched = sorted(r.started for r in server.log if r.path.endswith(".metadata"))
    assert len(fetched) == 13
    # Sequential fetches would start >= 0.3 s apart (the server's latency); bounded concurrency starts 8 at once.
    assert fetched[7] - fetched[0] < 0.3


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ({"PYODIDE_URL": "{wheel_url}", "PYODIDE_SHA256": "xyz"}, "PYODIDE_SHA256 is 'xyz', not a sha256 hex digest"),
        ({"PYODIDE_URL": "javascript:alert(1)", "PYODIDE_SHA256": "{sha}"}, "recorded a javascript: URL"),
        (
            {"direct_url.json": '{"url": "{wheel_url}", "archive_info": {"hash": "sha256=-5"}}'},
            "gives '-5', not a sha256",
        ),
        ({"direct_url.json": '{"url": "data:,x.whl", "archive_info": {"hashes": {"sha256": "{sha}"}}}'}, "data: URL"),
    ],
)
async def test_malformed_installer_records_are_not_believed(
    tmp_path: Path, index_env: IndexEnv, server: IndexServer, files: dict[str, str], said: str
) -> None:
    wheel = index_env.wheels / "beta-2.0-py3-none-any.whl"
    site = tmp_path / "site"
    unpack(wheel, site)
    values = {"{wheel_url}": f"{server.url}files/{wheel.name}", "{sha}": sha256_file(wheel)}
    for name, text in files.items():
        for key, value in values.items():
            text = text.replace(key, value)
        (site / "beta-2.0.dist-info" / name).write_text(text)
    result = await run_freeze(site, server.index_url)
    res = by_name(result)["beta"]
    assert (res.locked, res.reason_code) == (False, "bad-record") and said in (res.reason or "")
    assert "beta" not in json.loads(result.lock)["packages"]


@pytest.mark.parametrize("local", ["emfs:/tmp/wheels/{name}", "file:///tmp/wheels/{name}"])
async def test_micropip_install_of_a_local_file_is_locked_to_the_index_only_for_the_same_bytes(
    tmp_path: Path, index_env: IndexEnv, server: IndexServer, local: str
) -> None:
    wheel = index_env.wheels / "beta-2.0-py3-none-any.whl"
    site = tmp_path / "site"
    unpack(wheel, site)
    di = site / "beta-2.0.dist-info"
    (di / "INSTALLER").write_text("micropip\n")
    (di / "PYODIDE_URL").write_text(local.format(name=wheel.name))
    (di / "PYODIDE_SHA256").write_text(sha256_file(wheel))
    same = by_name(await run_freeze(site, server.index_url))["beta"]
    assert (same.locked, same.method, same.url) == (True, "index", f"{server.url}files/{wheel.name}")
    # The same record with another wheel's hash: a local build of beta 2.0, never the index's file.
    (di / "PYODIDE_SHA256").write_text("cd" * 32)
    other = by_name(await run_freeze(site, server.index_url))["beta"]
    assert (other.locked, other.reason_code) == (False, "local-build")
