"""The dependency graph: its data from a real site directory, its DOT, and Viz.js drawing it in Chromium
(a screenshot is kept in build/test-artifacts/)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from indexer.index.server import serve_in_thread
from indexer.installed import inspect
from indexer.resolve.model import FileResolution
from micropip_ext._graph import dependency_graph, graph_html, to_dot
from tests.support.wheels import build_wheel

ROOT = Path(__file__).resolve().parents[2]
VIZ = ROOT / "build" / "vendor" / "viz"
ARTIFACTS = ROOT / "build" / "test-artifacts"


def viz_dir() -> Path:
    if not (VIZ / "viz.js").is_file():
        pytest.fail(f"{VIZ / 'viz.js'} missing: run `scripts/vendor_viz.sh` (step_vendor_viz of `make setup`)")
    return VIZ


@pytest.fixture
def site(tmp_path: Path) -> Path:
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    specs: dict[str, list[str]] = {
        "gr-app": ["gr-lib>=1", "gr-extra; extra == 'x'", "gr-win; sys_platform == 'win32'", "gr-missing"],
        "gr-lib": ["gr-core"],
        "gr-core": [],
        "gr-win": [],
        'gr-"quote': [],
    }
    for name, requires in specs.items():
        files = {f"{name.replace('-', '_').replace(chr(34), '')}/__init__.py": ""}
        wheel = build_wheel(wheels, name.replace('"', ""), "1.0", files, metadata={"Requires-Dist": requires})
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(site)
    return site


def test_graph_nodes_and_the_edges_whose_markers_hold(site: Path) -> None:
    graph = dependency_graph(inspect([site], target="pyodide"))
    assert {n["id"] for n in graph["nodes"]} == {"gr-app", "gr-lib", "gr-core", "gr-win", "gr-quote"}
    assert {(e["source"], e["target"]) for e in graph["edges"]} == {("gr-app", "gr-lib"), ("gr-lib", "gr-core")}
    assert all(n["lockable"] is None and n["source"] == "unknown" for n in graph["nodes"])


def test_lockability_from_a_freeze_result_colours_the_dot(site: Path) -> None:
    locked = FileResolution("gr-app", "gr-app", "1.0", method="index")
    bad = FileResolution("gr-lib", "gr-lib", "1.0").unlockable("no-hash", 'says "no" \\ here')
    graph = dependency_graph(inspect([site], target="pyodide"), SimpleNamespace(resolutions=[locked, bad]))
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes["gr-app"]["lockable"] is True and nodes["gr-lib"]["lockable"] is False
    assert nodes["gr-lib"]["reason"] == 'says "no" \\ here'
    dot = to_dot(graph)
    assert re.search(r'"gr-app" \[label="gr-app\\n1\.0", fillcolor="#e9ecef", color="#198754"', dot)
    assert 'tooltip="gr-lib 1.0: unknown; not locked: says \\"no\\" \\\\ here"' in dot
    assert '"gr-app" -> "gr-lib";' in dot


def test_viz_draws_the_graph_in_chromium(site: Path, chromium_page: Any, tmp_path: Path) -> None:
    graph = dependency_graph(inspect([site], target="pyodide"))
    page_dir = tmp_path / "page"
    page_dir.mkdir()
    with serve_in_thread(page_dir, mounts={"viz": viz_dir()}) as server:
        html = graph_html(graph, f"{server.url}viz/viz.js")
        (page_dir / "graph.html").write_text(f"<!doctype html><html><body>{html}</body></html>")
        chromium_page.goto(f"{server.url}graph.html")
        chromium_page.wait_for_selector("#micropip-ext-graph svg g.node", timeout=30_000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        chromium_page.locator("#micropip-ext-graph").screenshot(path=str(ARTIFACTS / "dependency-graph.png"))
        titles = chromium_page.eval_on_selector_all(
            "#micropip-ext-graph svg g.node title", "e => e.map(t => t.textContent)"
        )
        edges = chromium_page.eval_on_selector_all("#micropip-ext-graph svg g.edge", "e => e.length")
    assert sorted(titles) == sorted(n["id"] for n in graph["nodes"])
    assert edges == len(graph["edges"]) == 2
    assert (ARTIFACTS / "dependency-graph.png").stat().st_size > 1000
