"""The round trip in real Pyodide (Node): install a mix, freeze, boot a fresh Pyodide from the lock, compare.

Installed the ways users do: micropip by name from the local index (with a dependency), micropip_ext.install,
host pip --target placed into site-packages, micropip by direct wheel URL, pyodide.unpackArchive of the
index's wheel, and unpackArchive of a LOCAL build with the same name and version as an index wheel.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from indexer.index.build import build_index
from indexer.index.server import IndexServer, serve_in_thread
from tests.support.pyodide_installs import load_checkout, micropip_install, pip_style_install
from tests.support.pyodide_node import PyodideNode
from tests.support.wheels import build_wheel

# name -> how it gets installed; every one but rt-local must come back from the lock.
LOCKABLE = ["rt-byname", "rt-dep", "rt-ext", "rt-pip", "rt-url", "rt-unpacked"]


def _wheels(out: Path) -> None:
    def pkg(name: str, body: str = "", **kw: Any) -> Path:
        mod = name.replace("-", "_")
        return build_wheel(out, name, "1.0", {f"{mod}/__init__.py": f"NAME = {name!r}\n{body}"}, **kw)

    pkg("rt-byname", metadata={"Requires-Dist": ["rt-dep>=1", "rt-never; sys_platform == 'win32'"]})
    pkg("rt-dep")
    pkg("rt-ext")
    pkg("rt-pip")
    pkg("rt-unpacked")
    pkg("rt-local", "ORIGIN = 'index'\n", metadata={"Summary": "released"})


@pytest.fixture(scope="module")
def rt_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IndexServer, Path, Path]]:
    root = tmp_path_factory.mktemp("rt")
    wheels = root / "wheels"
    _wheels(wheels)
    index_dir = root / "index"
    build_index(wheels, index_dir)
    # A wheel served at a plain URL and listed on no index: micropip's "install by URL".
    build_wheel(index_dir / "extra", "rt-url", "1.0", {"rt_url/__init__.py": "NAME = 'rt-url'\n"})
    local = build_wheel(
        root / "local",
        "rt-local",
        "1.0",
        {"rt_local/__init__.py": "NAME = 'rt-local'\nORIGIN = 'built here'\n"},
        metadata={"Summary": "built here"},
    )
    with serve_in_thread(index_dir) as server:
        yield server, wheels, local


INSTALLER_FILES = {"INSTALLER", "REQUESTED", "direct_url.json"}


def _hashed(record: str) -> dict[str, str]:
    rows = (line.split(",") for line in record.splitlines() if line)
    return {row[0]: row[1] for row in rows if len(row) >= 2 and row[1]}


RECORDS = """
import importlib.metadata as md, json
{d.metadata["Name"]: {"version": d.version, "record": d.read_text("RECORD")}
 for d in md.distributions() if d.metadata["Name"].startswith("rt-")}
"""


def test_freeze_round_trip_in_pyodide(
    rt_index: tuple[IndexServer, Path, Path],
    fresh_pyodide: Callable[..., PyodideNode],
    pyodide_dist_dir: Path,
    tmp_path: Path,
) -> None:
    server, wheels, local = rt_index
    index = server.index_url.rstrip("/")
    py = fresh_pyodide()
    py.require("micropip", "packaging")
    load_checkout(py, tmp_path)

    micropip_install(py, ["rt-byname"], index_urls=[index])  # pulls rt-dep too
    recorded = py.run_async(
        "import micropip_ext as i\n"
        f"r = await i.install('rt-ext', index_urls=[{index!r}])\n"
        "[x.to_json() for x in r]"
    )
    pip_style_install(py, ["rt-pip"], index_url=server.index_url)
    micropip_install(py, [f"{server.url}extra/rt_url-1.0-py3-none-any.whl"], index_urls=[index])
    py.unpack_archive(
        (wheels / "rt_unpacked-1.0-py3-none-any.whl").read_bytes(), fmt="wheel", extract_dir=py.site_packages()
    )
    py.unpack_archive(local.read_bytes(), fmt="wheel", extract_dir=py.site_packages())
    assert [r["written"] for r in recorded] == [True], recorded
    before = py.run(RECORDS)
    assert set(before) == {*LOCKABLE, "rt-local"}
    ext_info = py.run(
        "import importlib.metadata as md\nd = md.distribution('rt-ext')\n"
        "[d.read_text('INDEX'), d.read_text('provenance_url.json'), d.read_text('INSTALLER')]"
    )
    assert ext_info[0].strip() == index + "/"
    assert json.loads(ext_info[1])["url"].endswith("rt_ext-1.0-py3-none-any.whl")

    server.clear_log()
    out = py.run_async(
        "import json, micropip, micropip_ext as f\n"
        f"r = await f.freeze(index_urls=[{index!r}])\n"
        "json.dumps({'lock': r.lock, 'report': r.report, 'micropip': micropip.freeze()})"
    )
    result = json.loads(out)
    report = {d["name"]: d for d in result["report"]["distributions"]}
    lock = json.loads(result["lock"])

    # The local build is reported, not locked to the index's wheel of the same name and version.
    assert report["rt-local"]["locked"] is False and report["rt-local"]["reason_code"] == "local-build"
    assert "rt-local" not in lock["packages"]
    for name in LOCKABLE:
        assert report[name]["locked"], report[name]
    assert report["rt-pip"]["method"] == report["rt-unpacked"]["method"] == "index"
    assert report["rt-ext"]["index"] == index + "/"
    assert lock["packages"]["rt-byname"]["depends"] == ["rt-dep"]
    assert lock["info"]["abi_version"] == "2026_0"
    # What micropip.freeze() would have dropped: everything not installed by micropip.
    dropped = set(LOCKABLE) - set(json.loads(result["micropip"])["packages"])
    assert dropped == {"rt-pip", "rt-unpacked"}
    assert set(result["report"]["micropip_freeze_drops"]) == dropped | {"rt-local"}
    # Proving identity cost one project page per dist with no index record (a page proves the index-resolved
    # ones and names the index, pylock.toml's `index`, of micropip-recorded files; rt-ext's INDEX record names
    # its index already) and, for the two the index proved by METADATA, one Range read of the wheel's RECORD
    # (no installer recorded a hash for those).
    assert sorted(r.path for r in server.log) == [
        "/files/rt_pip-1.0-py3-none-any.whl", "/files/rt_unpacked-1.0-py3-none-any.whl",
        *(f"/simple/{name}/" for name in sorted({*LOCKABLE, "rt-local"} - {"rt-ext"})),
    ]  # fmt: skip
    assert report["rt-pip"]["record_verified"] is True and report["rt-unpacked"]["record_verified"] is True

    # Node prefixes packageBaseUrl to every file_name, even absolute URLs (see notes): fetch each locked URL,
    # check it against the lock's sha256, and serve the same bytes from a local directory.
    packages_dir = tmp_path / "packages"
    packages_dir.mkdir()
    for name in LOCKABLE:
        entry = lock["packages"][name]
        data = httpx.get(entry["file_name"]).content
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        filename = entry["file_name"].rsplit("/", 1)[-1]
        (packages_dir / filename).write_bytes(data)
        entry["file_name"] = filename
    fresh = fresh_pyodide(lock_file_contents=lock, package_base_url=str(packages_dir) + "/")
    loaded = fresh.load_package(LOCKABLE)
    assert not loaded["errors"], loaded
    after = fresh.run(RECORDS)
    assert set(after) == set(LOCKABLE)
    for name in LOCKABLE:
        assert after[name]["version"] == before[name]["version"]
        # Same file hashes. pip rewrites RECORD (adds INSTALLER, REQUESTED, .pyc rows), so compare the hashed
        # rows: every row of the relocked wheel's RECORD is in the original, and no original file is missing.
        old, new = _hashed(before[name]["record"]), _hashed(after[name]["record"])
        assert new.items() <= old.items(), name
        assert {p for p in old if p.rsplit("/", 1)[-1] not in INSTALLER_FILES} <= set(new), name
    assert fresh.run("import rt_byname, rt_dep; rt_byname.NAME") == "rt-byname"


def test_faults_through_pyfetch(
    rt_index: tuple[IndexServer, Path, Path], fresh_pyodide: Callable[..., PyodideNode], tmp_path: Path
) -> None:
    """The resolution code is the same inside Pyodide: retries on 500 and resets, timeouts, credentials."""
    server, wheels, _ = rt_index
    py = fresh_pyodide()
    py.require("micropip", "packaging")
    load_checkout(py, tmp_path)
    for name in ("rt-pip", "rt-unpacked", "rt-dep"):
        wheel = next(wheels.glob(f"{name.replace('-', '_')}-1.0-*.whl"))
        py.unpack_archive(wheel.read_bytes(), fmt="wheel", extract_dir=py.site_packages())
    server.clear_log()
    server.inject("/simple/rt-pip/*", 500)
    server.inject("/simple/rt-unpacked/*", "reset")
    server.inject("/simple/rt-dep/*", ("slow", 5.0))
    secret = server.index_url.replace("http://", "http://alice:s3cret@")
    out = py.run_async(
        "import json, micropip_ext as f\n"
        f"r = await f.freeze(index_urls=[{server.index_url!r}], timeout=1.0)\n"
        f"s = await f.freeze(index_urls=[{secret!r}], timeout=1.0)\n"
        "json.dumps([r.report, s.lock + json.dumps(s.report), s.report['summary']['unlockable']])"
    )
    report, secret_outputs, secret_unlockable = json.loads(out)
    by = {d["name"]: d for d in report["distributions"]}
    assert by["rt-pip"]["locked"] and by["rt-unpacked"]["locked"]  # retried after 500 / reset
    # retried page, then the RECORD range (pyfetch sends Range too)
    assert [r.rsplit(" ", 1)[-1] for r in by["rt-pip"]["requests"]] == ["500", "200", "206"]
    assert by["rt-dep"]["locked"]  # the stalled body timed out after 1 s, the retry succeeded
    assert any(r.endswith("timeout") for r in by["rt-dep"]["requests"])
    # fetch() refuses URLs with credentials: they travel as a Basic Authorization header instead.
    assert secret_unlockable == 0  # nothing unlockable
    assert any(r.headers.get("Authorization", "").startswith("Basic ") for r in server.log)
    assert "s3cret" not in secret_outputs and "alice" not in secret_outputs
