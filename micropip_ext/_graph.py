"""The dependency graph of installed distributions, coloured by source kind and lockability.

``dependency_graph()`` is the data (nodes and edges, JSON-ready) for any renderer: the web page, a notebook.
``to_dot()`` turns it into Graphviz DOT; it is drawn by Viz.js (Graphviz compiled to WebAssembly, vendored by
set-up into ``build/vendor/viz/``, pinned in ``scripts/vendor_viz.sh``), either to an SVG string inside Pyodide
(``await render_svg(graph, viz_module_url)``: inline SVG for a notebook) or by the browser from
``graph_html(graph, viz_module_url)``.

Nodes: one per installed distribution (the first of a name on the path, the one imports see). Edges: each
Requires-Dist whose marker holds in the target environment and whose project is installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import Any

#: Fill colour per source kind (how the distribution got there).
SOURCE_COLOURS: dict[str, str] = {
    "index": "#cfe2ff",
    "distribution": "#e2d9f3",
    "url": "#fff3cd",
    "directory": "#ffe5d0",
    "vcs": "#f8d7da",
    "unknown": "#e9ecef",
}
#: Border (colour, style) per lockability: locked, not lockable, not asked (no freeze result given).
LOCK_STYLES: dict[bool | None, tuple[str, str]] = {
    True: ("#198754", "solid"),
    False: ("#dc3545", "dashed"),
    None: ("#6c757d", "dotted"),
}


def dependency_graph(env: Any = None, result: Any = None) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...]}`` of ``env`` (default: ``micropip_ext.inspect()``).

    With a freeze ``result`` each node says whether it is locked (``lockable``) and why not (``reason``);
    without one ``lockable`` is None.
    """
    if env is None:
        from micropip_ext._inspect import inspect

        env = inspect()
    resolutions = {r.canonical_name: r for r in (result.resolutions if result is not None else ())}
    nodes: list[dict[str, Any]] = []
    dists: dict[str, Any] = {}
    for dist in env.distributions:
        if dist.canonical_name in dists:
            continue  # shadowed by an earlier one of the same name
        dists[dist.canonical_name] = dist
        res = resolutions.get(dist.canonical_name)
        nodes.append(
            {
                "id": dist.canonical_name,
                "name": dist.name,
                "version": dist.version,
                "source": dist.source.kind,
                "installer": dist.installer,
                "lockable": None if res is None else bool(res.locked),
                "reason": None if res is None else res.reason,
            }
        )
    edges = [
        {"source": name, "target": req.name, "requirement": req.requirement, "extra": req.extra}
        for name, dist in dists.items()
        for req in _unique(dist.requires)
        if req.applies and req.name in dists and req.name != name
    ]
    return {"nodes": nodes, "edges": edges}


def _unique(requires: Iterable[Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for req in requires:
        if req.name not in seen:
            seen.add(req.name)
            out.append(req)
    return out


def _quote(text: str) -> str:
    """A DOT double-quoted string (names and reasons come from the analysed environment)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def to_dot(graph: dict[str, Any]) -> str:
    """Graphviz DOT of :func:`dependency_graph`'s data: fill = source kind, border = lockability."""
    lines = [
        "digraph dependencies {",
        '  graph [rankdir=LR, fontname="sans-serif"];',
        '  node [shape=box, style="rounded,filled", fontname="sans-serif", fontsize=11, penwidth=2];',
        '  edge [color="#6c757d", arrowsize=0.6];',
    ]
    for node in graph["nodes"]:
        colour, style = LOCK_STYLES[node["lockable"]]
        tooltip = f"{node['name']} {node['version']}: {node['source']}" + (
            f"; not locked: {node['reason']}" if node["lockable"] is False else ""
        )
        attrs = {
            "label": f"{node['name']}\\n{node['version']}",
            "fillcolor": SOURCE_COLOURS.get(node["source"], SOURCE_COLOURS["unknown"]),
            "color": colour,
            "style": f"rounded,filled,{style}",
            "tooltip": tooltip,
        }
        rendered = ", ".join(
            f"{key}={_quote(value) if key != 'label' else _label(value)}" for key, value in attrs.items()
        )
        lines.append(f"  {_quote(node['id'])} [{rendered}];")
    for edge in graph["edges"]:
        lines.append(f"  {_quote(edge['source'])} -> {_quote(edge['target'])};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _label(text: str) -> str:
    # The label keeps its ``\n`` line break (a DOT escape), everything else is quoted.
    first, _, second = text.partition("\\n")
    return _quote(first)[:-1] + "\\n" + _quote(second)[1:]


async def render_svg(graph: dict[str, Any], viz_module_url: str) -> str:
    """Inside Pyodide: the graph drawn by Viz.js as an SVG string (display it inline in a notebook).

    ``viz_module_url`` is where the vendored ``viz.js`` ES module is served (or a ``file:`` URL under Node).
    """
    from pyodide.code import run_js

    render = run_js(
        "(async (url, dot) => {"
        " const viz = await (await import(url)).instance();"
        ' return viz.renderString(dot, { format: "svg" }); })'
    )
    svg: str = await render(viz_module_url, to_dot(graph))
    return svg


def graph_html(graph: dict[str, Any], viz_module_url: str, element_id: str = "micropip-ext-graph") -> str:
    """HTML that draws the graph in a browser (a page, a notebook that runs output scripts)."""
    dot = json.dumps(to_dot(graph)).replace("</", "<\\/")
    url = json.dumps(viz_module_url)
    return (
        f'<div id="{escape(element_id)}" class="micropip-ext-graph" data-nodes="{len(graph["nodes"])}"></div>\n'
        f'<script type="module">\nconst {{ instance }} = await import({url});\n'
        f"const viz = await instance();\n"
        f"document.getElementById({json.dumps(element_id)}).appendChild(viz.renderSVGElement({dot}));\n"
        "</script>\n"
    )
