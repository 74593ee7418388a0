"""Proof by default inside real Pyodide (Node): what Pyodide's own installers record, read as their record.

- ``pyodide.loadPackage(url)`` writes PYODIDE_SOURCE = that URL: the file is that URL's, never the base lock's
  entry of the same name and version (here a different file);
- ``pyodide.loadPackage`` of a lock package writes PYODIDE_SOURCE = "pyodide": the base lock's entry;
- ``pyodide.unpackArchive`` of a wheel rebuilt here (same name, version and METADATA as the index's, one
  module changed) writes nothing: only the wheel's RECORD can tell, and it is unlockable as a local build;
- the index's own wheel unpacked the same way is locked, proved by its RECORD.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexer.index.build import build_index
from indexer.index.server import IndexServer, serve_in_thread
from tests.support.pyodide_installs import load_checkout
from tests.support.pyodide_node import PyodideNode
from tests.support.wheels import build_wheel

RELEASED = {"Summary": "released"}


@pytest.fixture(scope="module")
def pv_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IndexServer, Path, Path]]:
    root = tmp_path_factory.mktemp("pv")
    wheels, index_dir = root / "wheels", root / "index"
    for name in ("pv-same", "pv-rebuilt"):
        mod = name.replace("-", "_")
        build_wheel(wheels, name, "1.0", {f"{mod}/__init__.py": "X = 1\n", f"{mod}/core.py": "O = 'index'\n"},
                    metadata=RELEASED)  # fmt: skip
    build_index(wheels, index_dir)
    # Served at a plain URL, on no index: what pyodide.loadPackage(url) installs.
    build_wheel(index_dir / "extra", "pv-url", "1.0", {"pv_url/__init__.py": "X = 'from a url'\n"})
    changed = {"pv_rebuilt/__init__.py": "X = 1\n", "pv_rebuilt/core.py": "O = 'here'\n"}
    rebuilt = build_wheel(root / "local", "pv-rebuilt", "1.0", changed, metadata=RELEASED)
    with serve_in_thread(index_dir) as server:
        yield server, wheels, rebuilt


def test_pyodide_installers_records_and_proof(
    pv_index: tuple[IndexServer, Path, Path], fresh_pyodide: Callable[..., PyodideNode], tmp_path: Path
) -> None:
    server, wheels, rebuilt = pv_index
    py = fresh_pyodide()
    py.require("micropip", "packaging")
    load_checkout(py, tmp_path)
    url = f"{server.url}extra/pv_url-1.0-py3-none-any.whl"
    loaded = py.load_package([url], check_integrity=False)
    assert not loaded["errors"], loaded
    py.unpack_archive((wheels / "pv_same-1.0-py3-none-any.whl").read_bytes(), extract_dir=py.site_packages())
    py.unpack_archive(rebuilt.read_bytes(), extract_dir=py.site_packages())
    source = py.run("import importlib.metadata as md\nmd.distribution('pv-url').read_text('PYODIDE_SOURCE')")
    assert source.strip() == url  # what Pyodide itself recorded

    out = py.run_async(
        "import json, micropip_ext as f\n"
        "from indexer.freeze.running import running_pyodide\n"
        "lock = running_pyodide().lock\n"
        # The base lock also has a pv-url 1.0: another file, which loadPackage(url) did not install.
        "lock['packages']['pv-url'] = {'name': 'pv-url', 'version': '1.0', 'install_dir': 'site',"
        " 'file_name': 'pv_url-1.0-py3-none-any.whl', 'sha256': 'ab' * 32, 'package_type': 'package',"
        " 'imports': ['pv_url'], 'depends': []}\n"
        f"r = await f.freeze(index_urls=[{server.index_url!r}], base_lock=lock)\n"
        "json.dumps({'lock': r.lock, 'report': r.report})"
    )
    result = json.loads(out)
    by = {d["name"]: d for d in result["report"]["distributions"]}
    served = hashlib.sha256((server.root / "extra" / "pv_url-1.0-py3-none-any.whl").read_bytes()).hexdigest()
    assert (by["pv-url"]["locked"], by["pv-url"]["method"], by["pv-url"]["sha256"]) == (True, "pyodide-source", served)
    assert by["pv-url"]["record_verified"] is True
    assert json.loads(result["lock"])["packages"]["pv-url"]["file_name"] == url
    assert (by["packaging"]["locked"], by["packaging"]["method"]) == (True, "base-lock")
    assert (by["pv-same"]["locked"], by["pv-same"]["method"], by["pv-same"]["record_verified"]) == (True, "index", True)
    assert (by["pv-rebuilt"]["locked"], by["pv-rebuilt"]["reason_code"]) == (False, "local-build")
    assert "pv_rebuilt/core.py" in by["pv-rebuilt"]["reason"]
