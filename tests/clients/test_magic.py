"""``%load_ext micropip_ext`` in real IPython inside real Pyodide (Node): the ``%freeze`` magic, HTML views of
inspect() and freeze() results, and the requirements-style listing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.index.build import build_index
from indexer.index.server import IndexServer, serve_in_thread
from tests.support.pyodide_installs import load_checkout, micropip_install
from tests.support.pyodide_node import PyodideNode
from tests.support.wheels import build_wheel


@pytest.fixture(scope="module")
def magic_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[IndexServer, Path]]:
    root = tmp_path_factory.mktemp("magic-index")
    build_wheel(root / "wheels", "mg-one", "1.0", {"mg_one/__init__.py": ""}, metadata={"Requires-Dist": ["mg-two"]})
    build_wheel(root / "wheels", "mg-two", "2.0", {"mg_two/__init__.py": ""})
    build_index(root / "wheels", root / "index")
    # On no index: unpacked by hand, so nothing can prove it (an unlockable row with a reason).
    local = build_wheel(root / "local", "mg-local", "0.1", {"mg_local/__init__.py": ""})
    with serve_in_thread(root / "index") as server:
        yield server, local


@pytest.fixture(scope="module")
def shell(magic_index: tuple[IndexServer, Path], pyodide_dist_dir: Path, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[PyodideNode]:  # fmt: skip
    server, local = magic_index
    with PyodideNode.boot(pyodide_dist_dir) as py:
        py.require("micropip", "packaging", "tomli-w", "ipython")
        load_checkout(py, tmp_path_factory.mktemp("src"))
        micropip_install(py, ["mg-one"], index_urls=[server.index_url.rstrip("/")])
        py.unpack_archive(local.read_bytes(), fmt="wheel", extract_dir=py.site_packages())
        py.run(
            "from IPython.core.interactiveshell import InteractiveShell\n"
            "ip = InteractiveShell.instance()\n"
            "ip.run_line_magic('load_ext', 'micropip_ext')",
            namespace="shell",
        )
        yield py


def magic(py: PyodideNode, line: str) -> tuple[Any, str]:
    """Run ``%freeze LINE`` the way a cell does; wait for it when it went to the background (no JSPI here)."""
    status = py.run_async(
        "import micropip_ext._magic as m\n"
        f"status = ip.run_line_magic('freeze', {line!r})\n"
        "status if m.pending is None else await m.pending",
        namespace="shell",
    )
    return status, py.stdout


def test_freeze_magic_writes_the_lock_and_names_what_it_could_not_lock(
    shell: PyodideNode, magic_index: tuple[IndexServer, Path]
) -> None:
    server, _ = magic_index
    status, out = magic(shell, f"-o /tmp/lock.json --index-url {server.index_url}")
    assert status == 0
    lock = json.loads(shell.run("open('/tmp/lock.json').read()"))
    assert lock["packages"]["mg-one"]["file_name"] == f"{server.url}files/mg_one-1.0-py3-none-any.whl"
    assert lock["packages"]["mg-one"]["depends"] == ["mg-two"]
    assert "mg-local" not in lock["packages"]
    assert "wrote /tmp/lock.json (pyodide-lock): locked" in out
    assert "unlockable: mg-local 0.1:" in out


def test_freeze_magic_default_file_requirements_and_pylock(
    shell: PyodideNode, magic_index: tuple[IndexServer, Path]
) -> None:
    server, _ = magic_index
    assert magic(shell, f"--format requirements --index-url {server.index_url}")[0] == 0
    text = shell.run("import os; open(os.path.join(os.getcwd(), 'requirements.txt')).read()")
    lines = text.splitlines()
    assert "mg-one==1.0" in lines and "mg-two==2.0" in lines
    at = lines.index("mg-local==0.1")
    assert lines[at - 1].startswith("# mg-local 0.1: not locked: ")
    assert magic(shell, f"--format pylock -o /tmp/pylock.toml --index-url {server.index_url}")[0] == 0
    assert 'name = "mg-one"' in shell.run("open('/tmp/pylock.toml').read()")


def test_strict_freeze_magic_writes_nothing_and_bad_arguments_are_one_line(
    shell: PyodideNode, magic_index: tuple[IndexServer, Path]
) -> None:
    server, _ = magic_index
    status, out = magic(shell, f"--strict -o /tmp/strict.json --index-url {server.index_url}")
    assert status == 1 and "not written" in out
    assert shell.run("import os; os.path.exists('/tmp/strict.json')") is False
    status = shell.run("ip.run_line_magic('freeze', '--format nope')", namespace="shell")
    assert status == 1
    assert shell.stderr.strip().count("\n") == 0 and "invalid choice: 'nope'" in shell.stderr


def test_inspect_and_freeze_results_render_as_html_tables(
    shell: PyodideNode, magic_index: tuple[IndexServer, Path]
) -> None:
    server, _ = magic_index
    html = shell.run_async(
        "import micropip_ext\n"
        "env_html = ip.display_formatter.format(micropip_ext.inspect())[0]['text/html']\n"
        f"result = await micropip_ext.freeze(index_urls=[{server.index_url!r}])\n"
        "[env_html, ip.display_formatter.format(result)[0]['text/html']]",
        namespace="shell",
    )
    env_html, freeze_html = html
    assert "<table" in env_html and "<td>mg-one</td>" in env_html and "mg_one" in env_html
    assert "<td>mg-local</td>" in env_html
    assert "<table" in freeze_html
    row = next(r for r in freeze_html.split("<tr") if "<td>mg-local</td>" in r)
    assert 'class="mpx-unlockable"' in row and 'class="mpx-reason"' in row and "not on" in row
    one = next(r for r in freeze_html.split("<tr") if "<td>mg-one</td>" in r)
    assert "mpx-unlockable" not in one and "mg_one-1.0-py3-none-any.whl" in one


def test_the_dependency_graph_renders_to_inline_svg_inside_pyodide(shell: PyodideNode) -> None:
    viz = Path(__file__).resolve().parents[2] / "build" / "vendor" / "viz" / "viz.js"
    if not viz.is_file():
        pytest.fail(f"{viz} missing: run `scripts/vendor_viz.sh` (step_vendor_viz of `make setup`)", pytrace=False)
    graph, svg = shell.run_async(
        "import micropip_ext\nfrom micropip_ext._graph import render_svg\n"
        "graph = micropip_ext.dependency_graph()\n"
        f"[graph, await render_svg(graph, {viz.as_uri()!r})]"
    )
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert {"mg-one", "mg-two", "mg-local", "micropip"} <= set(nodes)
    assert [e["target"] for e in graph["edges"] if e["source"] == "mg-one"] == ["mg-two"]
    assert svg.startswith("<?xml") or svg.lstrip().startswith("<svg")
    assert svg.count('class="node"') == len(nodes)
    assert "<title>mg&#45;one</title>" in svg or "<title>mg-one</title>" in svg
