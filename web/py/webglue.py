"""Python side of the web page (web/app.mjs): one module, loaded into Pyodide, that the page calls.

Every function takes and returns JSON strings so the JavaScript side never holds Python objects (no proxies to
leak or destroy). The page owns presentation; this module owns which micropip_ext call answers each button:
``install``, ``inspect``, ``freeze`` (once per click: both lockfiles and the report come from one run),
``symbol_index``, ``dependency_graph`` (its DOT is drawn by the page with the vendored Viz.js) and ``providers``.
The page loads this module before micropip-ext is installed (it installs micropip-ext through
``install_project``), so micropip_ext is imported where it is used.
"""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import micropip
from packaging.utils import canonicalize_name

#: the last freeze's report: the environment table shows, per distribution, whether it locked and why not
_last_report: dict[str, Any] | None = None
#: the last freeze's result: the dependency graph colours each node by whether it locked
_last_result: Any = None
#: the last symbol index (built on the first search; dropped when an install changes the environment)
_index_cache: dict[str, Any] | None = None


def _installed_versions() -> dict[str, str]:
    return {
        canonicalize_name(d.metadata["Name"] or ""): d.version
        for d in importlib.metadata.distributions()
        if d.metadata["Name"]
    }


def about() -> str:
    """The versions the page shows in its settings, and the index URLs micropip uses now."""
    versions = _installed_versions()
    return json.dumps(
        {"micropip_ext": versions.get("micropip-ext"), "micropip": versions.get("micropip"), "index_urls": index_urls()}
    )


def index_urls() -> list[str]:
    """The index URLs micropip (and so install and freeze) uses: its configuration, or its own default."""
    from micropip_ext._freeze import micropip_index_urls

    return micropip_index_urls()


def current_index_urls() -> str:
    """:func:`index_urls` as JSON, for the settings form."""
    return json.dumps(index_urls())


def set_index_urls(urls_json: str) -> None:
    """Point micropip (and so install and freeze) at these indexes; an empty list keeps micropip's setting.

    Called while the page boots, before micropip-ext is installed: micropip only.
    """
    # micropip appends "/<name>/" to a URL without a {package_name} placeholder: drop the trailing slash
    # so ".../simple/" asks for ".../simple/<name>/", not ".../simple//<name>/".
    urls = [u.strip() if "{package_name}" in u else u.strip().rstrip("/") for u in json.loads(urls_json)]
    urls = [u for u in urls if u]
    if urls:
        micropip.set_index_urls(urls)


async def install_project(wheel_url: str) -> None:
    """Install micropip-ext itself from a wheel URL (the page's ``wheel`` setting), with micropip."""
    await micropip.install(wheel_url)


def _dist_name(dist_info: str) -> str:
    """``.../six-1.17.0.dist-info`` -> ``six`` (canonical)."""
    stem = dist_info.rstrip("/").rsplit("/", 1)[-1].removesuffix(".dist-info")
    return canonicalize_name(stem.rsplit("-", 1)[0])


async def install(requirements_json: str) -> str:
    """Install requirements (names, specifiers or wheel URLs) with ``micropip_ext.install`` (which records
    where each new distribution came from) and report what changed, with that record."""
    global _index_cache
    import micropip_ext

    requirements = [r for r in json.loads(requirements_json) if r.strip()]
    if not requirements:
        raise ValueError("type at least one package name, requirement or wheel URL")
    before = _installed_versions()
    recorded = {_dist_name(r.dist_info): r.to_json() for r in await micropip_ext.install(requirements)}
    _index_cache = None  # the symbol index no longer describes what is installed
    changed = [
        {"name": name, "version": version, "previous": before.get(name), "provenance": recorded.get(name)}
        for name, version in sorted(_installed_versions().items())
        if before.get(name) != version
    ]
    return json.dumps({"installed": changed})


def _lock_status(report: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """canonical name -> {"lockable", "reason"} from the last freeze report's ``distributions``."""
    status: dict[str, dict[str, Any]] = {}
    for entry in (report or {}).get("distributions", []):
        reason = entry["reason"] or entry["method"] or ""
        if entry["locked"] and entry.get("proof"):
            reason = f"{reason} ({entry['proof']})"
        status[canonicalize_name(entry["name"])] = {"lockable": bool(entry["locked"]), "reason": str(reason)}
    return status


def environment() -> str:
    """The table rows: name, version, installer, source, import names, and lockability from the last freeze."""
    import micropip_ext

    env = micropip_ext.inspect()
    status = _lock_status(_last_report)
    rows = [
        {
            "name": dist.name,
            "version": dist.version,
            "installer": dist.installer,
            "source_kind": dist.source.kind,
            "source": dist.source.index or dist.source.url or "",
            "imports": list(dist.imports),
            "problems": [p.message for p in dist.problems],
            "lock": status.get(dist.canonical_name),
        }
        for dist in env.distributions
    ]
    problems = [p.message for p in env.problems]
    return json.dumps({"rows": rows, "problems": problems, "frozen": _last_report is not None})


async def freeze(on_progress: Callable[[int, int], None] | None = None) -> str:
    """Freeze the environment once: pyodide-lock.json, pylock.toml and the report, from one run.

    ``on_progress(done, total)`` counts distributions resolved (``micropip_ext.freeze`` calls it).
    """
    global _last_report, _last_result
    import micropip_ext

    result = await micropip_ext.freeze(on_progress=on_progress)
    report: dict[str, Any] = result.report
    _last_report, _last_result = report, result
    return json.dumps(
        {
            "requests": report["requests"]["requests"],
            "bytes": report["requests"]["bytes"],
            "locked": report["summary"]["locked"],
            "unlockable": report["summary"]["unlockable"],
            "pyodide_lock": result.lock,
            "pylock": result.pylock,
            "report": json.dumps(report, indent=2),
        }
    )


def dependency_graph() -> str:
    """The installed distributions' dependency graph: nodes, edges, its Graphviz DOT and the colours' legend.

    ``micropip_ext.dependency_graph`` and ``to_dot`` make it (the notebook's graph is the same); the page draws
    the DOT with Viz.js and builds its legend and text alternative from the rest. Lockability comes from the
    last freeze (None on every node before one).
    """
    import micropip_ext
    from micropip_ext._graph import LOCK_STYLES, SOURCE_COLOURS, to_dot

    graph = micropip_ext.dependency_graph(micropip_ext.inspect(), _last_result)
    lock_names = {True: "locked", False: "not lockable", None: "not frozen yet"}
    legend = {
        "sources": [{"kind": kind, "fill": fill} for kind, fill in SOURCE_COLOURS.items()],
        "lock": [
            {"lockable": key, "label": lock_names[key], "colour": colour, "style": style}
            for key, (colour, style) in LOCK_STYLES.items()
        ],
    }
    return json.dumps({**graph, "dot": to_dot(graph), "legend": legend})


async def provider_search(name: str) -> str:
    """Which distributions provide ``import name``, from the import map the configured index publishes
    (``build-index --imports``): ``micropip_ext.providers`` answers; an unreadable map is a one-line error.
    Each provider says which version of it is installed here, if any (the page offers to install the others)."""
    import micropip_ext
    from indexer.crawl.providers import MapError, map_url_for_index
    from indexer.urls import redact

    wanted = name.strip()
    if not wanted:
        raise ValueError("type an import name (bs4, sklearn, google.protobuf)")
    configured = index_urls()
    if configured and not any(map_url_for_index(url) for url in configured):
        raise ValueError(
            "no import map to search: the configured index URLs are {package_name} templates, with no simple/ "
            "root beside which `indexer build-index --imports` publishes imports.json"
        )
    try:
        found = await micropip_ext.providers(wanted)
    except MapError as exc:
        looked = [u for u in map(map_url_for_index, configured) if u]
        if exc.missing and looked:  # the CLI's remedy (pass --map) means nothing here: say what the index lacks
            raise ValueError(
                f"no import map to search: none is published at {', '.join(map(redact, looked))} "
                "(an index publishes one with `indexer build-index --imports`)"
            ) from None
        raise ValueError(f"no import map to search: {exc}") from None
    installed = _installed_versions()
    rows = [{**entry, "installed": installed.get(canonicalize_name(str(entry.get("project"))))} for entry in found]
    return json.dumps({"name": wanted, "providers": rows})


def _module_of(path: str, modules: Mapping[str, Any]) -> str | None:
    """The longest module prefix of a dotted path (``a.b.C.meth`` -> ``a.b``)."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        candidate = ".".join(parts[:cut])
        if candidate in modules:
            return candidate
    return None


def _iter_entries(index: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One entry per module and per defined object (not per re-export: those are its public paths)."""
    for dist_name, dist in (index.get("distributions") or {}).items():
        version = dist.get("version")
        modules = dist.get("modules") or {}
        for module_name, module in modules.items():
            yield {"path": module_name, "kind": "module", "public": [module_name], "file": module.get("file"),
                   "dist": dist_name, "version": version}
        for path, obj in (dist.get("objects") or {}).items():
            module_name = _module_of(path, modules)
            file = (modules.get(module_name) or {}).get("file") if module_name else None
            yield {"path": path, "kind": obj.get("kind", ""), "public": list(obj.get("public_paths") or []),
                   "file": file, "dist": dist_name, "version": version}


async def symbol_search(query: str, refresh: bool = False, limit: int = 200) -> str:
    """Modules and defined objects matching ``query``: exact (dotted) names first, then substrings; case-insensitive.

    A name matches by its definition path, its last component or any public import path, so searching for
    ``chunked`` or ``more_itertools.chunked`` both find ``more_itertools.more.chunked``.
    """
    global _index_cache
    import micropip_ext

    wanted = query.strip().lower()
    if not wanted:
        raise ValueError("type a symbol, module or dotted name to search for")
    if _index_cache is None or refresh:
        _index_cache = await micropip_ext.symbol_index()
    hits = []
    for entry in _iter_entries(_index_cache):
        names = [entry["path"], *entry["public"]]
        lowered = [n.lower() for n in names]
        last = entry["path"].rsplit(".", 1)[-1].lower()
        if wanted in lowered or wanted == last:
            rank = 0
        elif any(wanted in n for n in lowered):
            rank = 1
        else:
            continue
        shown = min(entry["public"], key=lambda p: (p.count("."), len(p), p)) if entry["public"] else entry["path"]
        hits.append((rank, shown.count("."), len(shown), {
            "symbol": shown,
            "kind": entry["kind"],
            "defined_in": entry["path"] + (f" ({entry['file']})" if entry["file"] else ""),
            "distribution": entry["dist"],
            "version": entry["version"],
            "public": entry["public"],
        }))
    hits.sort(key=lambda h: (h[0], h[1], h[2], h[3]["symbol"]))
    return json.dumps({"results": [h[3] for h in hits[:limit]], "total": len(hits)})
