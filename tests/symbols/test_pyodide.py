"""``await micropip_ext.symbol_index()`` inside real Pyodide (Node), after a real micropip install.

The target is Pyodide itself (3.14, emscripten): platform and version branches follow it; the shard cache
lives in Pyodide's file system and a second call reads every shard from it; nothing is written into
site-packages.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.index.build import build_index
from indexer.index.server import serve_in_thread
from tests.support.pyodide_installs import load_checkout, micropip_install
from tests.support.pyodide_node import PyodideNode
from tests.support.wheels import build_wheel

pytestmark = pytest.mark.pyodide

ROOT = Path(__file__).resolve().parents[2]

SNAPSHOT = """
import hashlib, os, site
root = site.getsitepackages()[0]
snap = sorted((os.path.join(d, f), os.stat(os.path.join(d, f)).st_mtime_ns)
              for d, _, files in os.walk(root) for f in files)
hashlib.sha256(repr(snap).encode()).hexdigest()
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    wheels = tmp_path_factory.mktemp("symbols-wheels")
    build_wheel(wheels, "webby", "1.2", {
        "webby/__init__.py": (
            "import sys\n"
            "if sys.platform == 'emscripten':\n    from ._browser import fetch\nelse:\n    from ._native import fetch\n"
            "if sys.version_info >= (3, 14):\n    def new_api(): pass\n"
            "from tomli_w import dumps\n__all__ = ['fetch', 'dumps', 'new_api', 'ReadOnly', 'NoSuchThing']\n"
            # decided by reading typing.py inside Pyodide's stdlib zip; unittest.__main__ would run if imported
            "try:\n    from typing import ReadOnly\nexcept ImportError:\n    class ReadOnly: pass\n"
            "try:\n    from typing import NoSuchThing\nexcept ImportError:\n    class NoSuchThing: pass\n"
            "try:\n    import unittest.__main__\nexcept ImportError:\n    pass\n"
        ),
        "webby/_browser.py": "def fetch(): pass\n",
        "webby/_native.py": "def fetch(): pass\n",
    }, metadata={"Requires-Dist": "tomli-w"})
    shutil.copy(next((ROOT / ".cache" / "wheels" / "pyodide-dist").glob("tomli_w-*.whl")), wheels)
    root = tmp_path_factory.mktemp("symbols-index")
    build_index(wheels, root)
    with serve_in_thread(root) as server:
        yield server


@pytest.fixture(scope="module")
def results(pyodide: PyodideNode, index: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Any]:
    load_checkout(pyodide, tmp_path_factory.mktemp("src"))
    pyodide.require("packaging", "micropip")
    micropip_install(pyodide, ["webby"], index_urls=[index.index_url])
    before = pyodide.run(SNAPSHOT)
    code = (
        "from micropip_ext import symbol_index, which\n"
        "seen = []\n"
        "cold = await symbol_index(progress=seen.append)\n"
        "warm = await symbol_index()\n"
        "answer = await which('webby.fetch')\n"
        "import sys\n"
        "{'cold': cold, 'warm_stats': warm['stats'], 'same': warm['distributions'] == cold['distributions'],"
        " 'seen': seen, 'which': answer,"
        " 'loaded': sorted(m for m in sys.modules if m.partition('.')[0] in ('unittest', 'venv', 'webby'))}"
    )
    data = pyodide.run_async(code, timeout=300)
    after = pyodide.run(SNAPSHOT)
    return data, before, after


def test_branches_follow_pyodide(results: tuple[Any, Any, Any]) -> None:
    data = results[0]
    cold = data["cold"]
    assert cold["target"]["platform"] == "emscripten" and cold["target"]["python"].startswith("3.14.")
    webby = cold["distributions"]["webby"]["modules"]["webby"]["symbols"]
    assert webby["fetch"]["defined_in"] == "webby._browser.fetch"
    assert webby["new_api"]["kind"] == "function"
    assert webby["dumps"]["distribution"] == "tomli_w" and webby["dumps"]["version"] == "1.2.0"
    assert cold["distributions"]["webby"]["references"] == {"tomli_w": "1.2.0"}
    assert "webby" in data["seen"] and "micropip" in cold["distributions"]


def test_stdlib_is_read_from_pyodides_zip_not_imported(results: tuple[Any, Any, Any]) -> None:
    data = results[0]
    webby = data["cold"]["distributions"]["webby"]["modules"]["webby"]["symbols"]
    assert webby["ReadOnly"]["kind"] == "external" and webby["ReadOnly"]["defined_in"] == "typing.ReadOnly"
    assert webby["NoSuchThing"]["kind"] == "class"  # typing.py (read) has no such name: the fallback runs
    assert data["loaded"] == []


def test_second_call_reads_shards_from_pyodides_file_system(results: tuple[Any, Any, Any]) -> None:
    data = results[0]
    assert data["cold"]["stats"]["from_cache"] == 0
    assert data["warm_stats"]["from_cache"] == data["warm_stats"]["distributions"] > 0
    assert data["same"] is True


def test_which_inside_pyodide(results: tuple[Any, Any, Any]) -> None:
    (answer,) = results[0]["which"]
    assert answer["defined_in"] == "webby._browser.fetch" and answer["distribution"] == "webby"


def test_nothing_written_into_site_packages(results: tuple[Any, Any, Any]) -> None:
    _, before, after = results
    assert before == after
