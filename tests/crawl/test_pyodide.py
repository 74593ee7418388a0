"""The consumers inside real Pyodide (Node): providers(), install_imports() and the notebook helper, reading the
map a real crawl wrote and ``build-index --imports`` published beside the index micropip is configured with."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from indexer.crawl.command import crawl
from indexer.crawl.providers import publish_map
from indexer.index.build import build_index
from indexer.index.server import serve_in_thread
from tests.support.pyodide_installs import load_checkout
from tests.support.pyodide_node import PyodideNode
from tests.support.wheels import build_wheel

pytestmark = pytest.mark.pyodide


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    wheels = tmp_path_factory.mktemp("wheels")
    build_wheel(wheels, "soupy-four", "1.0", {"bs4/__init__.py": "NAME = 'soup'\n"})
    build_wheel(wheels, "lonely", "2.0", {"lonely_mod.py": "X = 1\n"})
    root, out = tmp_path_factory.mktemp("index"), tmp_path_factory.mktemp("crawl")
    crawl(str(wheels), out, workers=1)
    build_index(wheels, root)
    publish_map(out, root)
    with serve_in_thread(root) as server:
        yield server


@pytest.fixture(scope="module")
def py(pyodide: PyodideNode, index: Any, tmp_path_factory: pytest.TempPathFactory) -> PyodideNode:
    load_checkout(pyodide, tmp_path_factory.mktemp("src"))
    pyodide.require("packaging", "micropip")
    pyodide.run(f"import micropip; micropip.set_index_urls([{index.index_url!r}]); None")
    return pyodide


def test_providers_reads_the_map_the_configured_index_publishes(py: PyodideNode) -> None:
    found = py.run_async("import micropip_ext; await micropip_ext.providers('bs4.element')")
    assert found == [{"project": "soupy-four", "versions": ["1.0"]}]
    assert py.run_async("import micropip_ext; await micropip_ext.providers('not_anywhere')") == []


def test_install_imports_installs_what_is_missing_and_names_the_unknown(py: PyodideNode) -> None:
    code = "%matplotlib inline\nimport json\nimport bs4\nfrom nothing_here import x\n"
    result = py.run_async(f"import micropip_ext; await micropip_ext.install_imports({code!r})")
    assert result["installed"] == ["soupy-four"] and result["present"] == ["json"]
    assert result["unknown"] == ["nothing_here"] and result["ambiguous"] == {}
    assert [r["written"] for r in result["records"]] == [True]  # through the provenance-recording install
    assert py.run("import bs4; bs4.NAME") == "soup"


def test_a_module_not_found_in_a_notebook_cell_gets_a_one_line_suggestion(py: PyodideNode) -> None:
    py.require("ipython")
    py.run_async(
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "import asyncio, micropip_ext._suggest as s\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_line_magic('load_ext', 'micropip_ext')\n"  # as a notebook user does: %load_ext micropip_ext
        "for _ in range(100):\n"
        "    if s._State.mapping is not None: break\n"
        "    await asyncio.sleep(0.05)\n",
        namespace="nb",
    )
    py.run("shell.run_cell('import lonely_mod.sub'); None", namespace="nb")
    lines = [line for line in py.stdout.splitlines() if line.startswith("micropip_ext:")]
    assert lines == ['micropip_ext: `import lonely_mod` is provided by lonely: await micropip_ext.install("lonely")']
    py.run("shell.run_cell('import nowhere_at_all'); None", namespace="nb")
    lines = [line for line in py.stdout.splitlines() if line.startswith("micropip_ext:")]
    assert lines == ["micropip_ext: no known distribution provides `import nowhere_at_all`"]
