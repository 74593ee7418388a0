"""Inspect inside real Pyodide (Node) after real micropip, pip-style, unpackArchive and loadPackage installs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.index.build import build_index
from indexer.index.server import serve_in_thread
from tests.inspect.binaries import wasm_module
from tests.support.pyodide_installs import load_checkout, micropip_install, pip_style_install
from tests.support.pyodide_node import PyodideNode
from tests.support.wheels import build_wheel

PYODIDE_TAG = "cp314-cp314-pyemscripten_2026_0_wasm32"

SNAPSHOT = """
import hashlib, os, site
root = site.getsitepackages()[0]
snap = {}
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        snap[p] = (os.stat(p).st_mtime_ns, hashlib.sha256(open(p, 'rb').read()).hexdigest())
len(snap), hashlib.sha256(repr(sorted(snap.items())).encode()).hexdigest()
"""


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pyodide-wheels")
    build_wheel(
        out,
        "wasmy",
        "2.0",
        {
            "wasmy/__init__.py": "",
            "wasmy/_fast.cpython-314-wasm32-emscripten.so": wasm_module(["PyInit__fast"]),
            "wasmy/libhelper.so": wasm_module(["helper"]),
        },
        tag=PYODIDE_TAG,
        metadata={"Requires-Dist": ["jaraco.functools", "hostdep; sys_platform != 'emscripten'"]},
    )
    build_wheel(out, "jaraco.functools", "4.0", {"jaraco/functools/__init__.py": ""})
    build_wheel(out, "by-url", "1.0", {"by_url.py": ""})
    build_wheel(out, "pipstyle", "3.0", {"pipstyle/__init__.py": "", "pipstyle/py.typed": ""})
    # Pyodide's unpacker leaves *.data/ in site-packages instead of moving it (see the wheel spec's install step).
    build_wheel(
        out,
        "unpacked",
        "0.1",
        {"unpacked.py": "", "unpacked-0.1.data/purelib/hidden.py": "", "unpacked-0.1.data/data/share/u.txt": "x"},
    )
    return out


@pytest.fixture(scope="module")
def index(wheels: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("pyodide-index")
    build_index(wheels, root)
    with serve_in_thread(root) as server:
        yield server


@pytest.fixture(scope="module")
def report(pyodide: PyodideNode, wheels: Path, index: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Install one dist each way, then run micropip_ext.inspect inside Pyodide; return its JSON."""
    load_checkout(pyodide, tmp_path_factory.mktemp("src"))
    pyodide.require("packaging", "micropip")  # loadPackage from the distribution's lockfile
    micropip_install(pyodide, ["wasmy"], index_urls=[index.index_url])  # by name, pulls jaraco.functools
    micropip_install(pyodide, [index.url + "files/" + next(wheels.glob("by_url-*.whl")).name])
    pip_style_install(pyodide, ["pipstyle"], index_url=index.index_url)
    pyodide.unpack_archive(next(wheels.glob("unpacked-*.whl")))
    before = pyodide.run(SNAPSHOT)
    data: dict[str, Any] = pyodide.run(
        "import micropip_ext\nfrom micropip_ext import inspect_json\n"
        "assert micropip_ext.inspect().target == 'host'  # micropip_ext.inspect() is the function\n"
        "inspect_json(with_files=True)"
    )
    data["detected_target"] = pyodide.run(
        "from indexer.installed.target import detect_target\ndetect_target(micropip_ext.inspect().distributions)"
    )
    assert pyodide.run(SNAPSHOT) == before, "inspect wrote into Pyodide's site-packages"
    return data


def _dist(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in report["distributions"] if d["canonical_name"] == name)


def test_micropip_by_name_from_an_index(report: dict[str, Any], wheels: Path, index: Any) -> None:
    wasmy = _dist(report, "wasmy")
    wheel = next(wheels.glob("wasmy-*.whl"))
    assert wasmy["installer"] == "micropip"
    assert wasmy["source"]["kind"] == "index"
    assert wasmy["source"]["url"] == index.url + "files/" + wheel.name
    assert wasmy["source"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert wasmy["imports"] == ["wasmy"]
    kinds = {f["path"]: (f["kind"], f["module"]) for f in wasmy["file_list"]}
    assert kinds["wasmy/_fast.cpython-314-wasm32-emscripten.so"] == ("extension", "wasmy._fast")
    assert kinds["wasmy/libhelper.so"] == ("shared_library", None)
    assert wasmy["wheel_tags"] == [PYODIDE_TAG]


def test_markers_are_pyodides_inside_pyodide(report: dict[str, Any]) -> None:
    requires = {r["name"]: r for r in _dist(report, "wasmy")["requires"]}
    assert requires["hostdep"]["marker_result"] is False
    assert requires["jaraco-functools"] == {**requires["jaraco-functools"], "satisfied": True,
                                             "installed_version": "4.0"}  # fmt: skip


def test_namespace_package_installed_by_micropip(report: dict[str, Any]) -> None:
    jaraco = _dist(report, "jaraco-functools")
    assert (jaraco["imports"], jaraco["namespaces"]) == (["jaraco.functools"], ["jaraco"])


def test_micropip_by_url(report: dict[str, Any]) -> None:
    by_url = _dist(report, "by-url")
    assert (by_url["installer"], by_url["source"]["kind"]) == ("micropip", "url")


def test_pip_style_install(report: dict[str, Any]) -> None:
    pipstyle = _dist(report, "pipstyle")
    assert (pipstyle["installer"], pipstyle["source"]["kind"], pipstyle["requested"]) == ("pip", "index", True)
    assert pipstyle["imports"] == ["pipstyle"]


def test_unpack_archive(report: dict[str, Any]) -> None:
    unpacked = _dist(report, "unpacked")
    assert unpacked["site_dir"] == "/home/pyodide"  # unpackArchive's default: the working directory
    assert (unpacked["installer"], unpacked["source"]["kind"]) == (None, "unknown")
    assert unpacked["imports"] == ["unpacked"]  # not "hidden": *.data/purelib left in place is not importable
    kinds = {f["path"]: f["kind"] for f in unpacked["file_list"]}
    assert kinds["unpacked-0.1.data/purelib/hidden.py"] == "data"


def test_load_package_from_the_distribution(report: dict[str, Any]) -> None:
    packaging = _dist(report, "packaging")
    assert packaging["installer"] == "pyodide.loadPackage"
    assert packaging["source"]["kind"] == "distribution"
    assert packaging["imports"] == ["packaging"]


def test_site_dir_is_pyodides(report: dict[str, Any]) -> None:
    assert "/lib/python3.14/site-packages" in report["site_dirs"]
    assert report["target"] == "host"


def test_the_running_interpreter_says_pyodide(report: dict[str, Any]) -> None:
    assert report["detected_target"] == "pyodide"
