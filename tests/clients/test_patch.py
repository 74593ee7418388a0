"""``micropip_ext.patch()`` in real Pyodide (Node): ``micropip.freeze()`` returns our lock, agreeing with micropip
0.11.1's own freeze tests on what both lock (micropip-installed packages and the running lockfile's entries)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.index.build import build_index
from indexer.index.server import IndexServer, serve_in_thread
from tests.support.pyodide_installs import load_checkout, micropip_install, pip_style_install
from tests.support.pyodide_node import PyodideNode
from tests.support.wheels import build_wheel

#: As micropip's test_freeze: a package with two dependencies, each with its own top-level import names.
TOP_LEVEL = {"pt-dummy": ["pt_abc", "pt_def", "pt_geh"], "pt-dep1": ["pt_c", "pt_h"], "pt-dep2": ["pt_a12"]}
FIELDS = ("name", "version", "file_name", "sha256", "install_dir")  # what micropip writes for its installs


@pytest.fixture(scope="module")
def patch_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    root = tmp_path_factory.mktemp("patch-index")
    for name, imports in TOP_LEVEL.items():
        files = {f"{mod}/__init__.py": f"NAME = {mod!r}\n" for mod in imports}
        files[f"{name.replace('-', '_')}-1.0.dist-info/top_level.txt"] = "".join(f"{m}\n" for m in imports)
        requires = ["pt-dep1", "pt-dep2"] if name == "pt-dummy" else []
        build_wheel(root / "wheels", name, "1.0", files, metadata={"Requires-Dist": requires})
    build_wheel(root / "wheels", "pt-pip", "1.0", {"pt_pip/__init__.py": ""})
    build_index(root / "wheels", root / "index")
    with serve_in_thread(root / "index") as server:
        yield server


@pytest.fixture(scope="module")
def patched_runtime(
    patch_index: IndexServer, pyodide_dist_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PyodideNode]:
    with PyodideNode.boot(pyodide_dist_dir) as py:
        py.require("micropip", "packaging")
        load_checkout(py, tmp_path_factory.mktemp("src"))
        index = patch_index.index_url.rstrip("/")
        micropip_install(py, ["pt-dummy"], index_urls=[index])  # deps come along, as in micropip's test_freeze
        pip_style_install(py, ["pt-pip"], index_url=patch_index.index_url)  # what micropip.freeze() misses
        yield py


def _freezes(py: PyodideNode) -> dict[str, Any]:
    return py.run(
        "import json, warnings, micropip, micropip_ext\n"
        "original = micropip.freeze\n"
        "own = micropip.freeze()\n"
        "micropip_ext.patch()\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    ours = micropip.freeze()\n"
        "patched_is_ours = micropip.freeze is not original\n"
        "micropip_ext.unpatch()\n"
        "{'own': json.loads(own), 'ours': json.loads(ours), 'type': type(ours).__name__,"
        " 'patched': patched_is_ours, 'restored': micropip.freeze is original, 'again': micropip.freeze() == own,"
        " 'warnings': [str(w.message) for w in caught]}"
    )


def test_patched_freeze_agrees_with_micropips_own_on_micropip_installs(patched_runtime: PyodideNode) -> None:
    out = _freezes(patched_runtime)
    assert out["type"] == "str" and out["patched"]
    own, ours = out["own"]["packages"], out["ours"]["packages"]
    for name, imports in TOP_LEVEL.items():  # micropip's test_freeze / test_freeze_lockfile_compat expectations
        assert all(ours[name][field] == own[name][field] for field in FIELDS), (ours[name], own[name])
        assert ours[name]["file_name"].endswith(f"{name.replace('-', '_')}-1.0-py3-none-any.whl")
        assert ours[name]["file_name"].startswith("http://127.0.0.1:")
        assert ours[name]["install_dir"] == "site" and ours[name]["unvendored_tests"] is False
        assert ours[name]["imports"] == own[name]["imports"] == imports
    assert ours["pt-dummy"]["depends"] == own["pt-dummy"]["depends"] == ["pt-dep1", "pt-dep2"]
    assert ours["pt-dep1"]["depends"] == ours["pt-dep2"]["depends"] == []
    assert out["ours"]["info"] == out["own"]["info"]


def test_patched_freeze_keeps_the_running_lockfile_with_absolute_urls(patched_runtime: PyodideNode) -> None:
    # micropip's test_url_after_freeze_pyodide: every entry of the running lockfile, its file made absolute.
    out = _freezes(patched_runtime)
    running = patched_runtime.run("from pyodide_js._api import lockfile_packages; lockfile_packages.to_py()")
    base = patched_runtime.run("import pyodide_js; pyodide_js.lockfileBaseUrl")
    ours = out["ours"]["packages"]
    for name, entry in running.items():
        new = ours[name]
        for field in ("name", "version", "sha256", "imports", "depends", "install_dir", "unvendored_tests"):
            assert new[field] == entry[field], (name, field)
        assert new["file_name"] == base + entry["file_name"]


def test_unpatch_restores_micropips_freeze(patched_runtime: PyodideNode) -> None:
    out = _freezes(patched_runtime)
    assert out["restored"] and out["again"]
    assert "pt-pip" not in out["own"]["packages"]


def test_without_jspi_the_patched_freeze_warns_and_leaves_out_what_needs_the_network(
    patched_runtime: PyodideNode,
) -> None:
    # Node 20 without --experimental-wasm-stack-switching: no run_sync, so pip's install (no recorded file,
    # only provable from the index) is left out, and the warning says how to get it.
    assert patched_runtime.run("from pyodide.ffi import can_run_sync; can_run_sync()") is False
    out = _freezes(patched_runtime)
    assert "pt-pip" not in out["ours"]["packages"]
    assert len(out["warnings"]) <= 1
