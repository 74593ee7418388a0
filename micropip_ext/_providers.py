"""``await micropip_ext.providers("bs4")`` and ``await micropip_ext.install_imports(code)``.

Both read an import map written by ``indexer crawl`` (``imports.json``). It defaults to the map the configured
index publishes beside its ``simple/`` (``build-index --imports``); ``map_url=`` names another. Imports are
found statically (``ast``; nothing in the code is run); missing ones are installed through
:func:`micropip_ext.install`, so each new distribution gets its provenance record.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from indexer.crawl.providers import MapError, load_map, lookup, map_url_for_index, no_map

_maps: dict[str, dict[str, Any]] = {}  # map URL -> map, for this runtime's life


def _index_urls(index_urls: Sequence[str] | str | None) -> list[str]:
    if isinstance(index_urls, str):
        return [index_urls]
    if index_urls is not None:
        return list(index_urls)
    from micropip_ext._freeze import micropip_index_urls

    return list(micropip_index_urls())


async def import_map(map_url: str | None = None, index_urls: Sequence[str] | str | None = None) -> dict[str, Any]:
    """The import map: ``map_url``, else the first configured index that publishes one."""
    indexes = [] if map_url else _index_urls(index_urls)
    candidates = [map_url] if map_url else [u for u in map(map_url_for_index, indexes) if u]
    errors = []
    for url in candidates:
        if url in _maps:
            return _maps[url]
        try:
            _maps[url] = await load_map(url)
            return _maps[url]
        except MapError as exc:
            errors.append(exc)
    if map_url:
        raise errors[0]
    if not candidates and indexes:  # only {package_name} URL templates: no folder beside them for a map
        raise MapError(f"no import map beside URL-template indexes ({', '.join(indexes)}): pass map_url=")
    if not candidates:
        raise MapError("no index is configured, so no import map: pass map_url=")
    raise no_map(errors, candidates, option="map_url=")


async def providers(
    name: str, *, map_url: str | None = None, index_urls: Sequence[str] | str | None = None
) -> list[dict[str, Any]]:
    """Which distributions provide ``import name``: ``[{"project": ..., "versions": [...]}]`` (empty: none known)."""
    return lookup(await import_map(map_url, index_urls), name)


def find_imports(code: str) -> list[str]:
    """Absolute imports in a code string or notebook cell (IPython ``%``/``!`` lines skipped), in order."""
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return list(dict.fromkeys(found))


def is_available(name: str) -> bool:
    """Importable here, judged without importing anything (a namespace package's children are looked up)."""
    top, _, rest = name.partition(".")
    if top in sys.stdlib_module_names or top in sys.builtin_module_names:
        return True
    spec = importlib.util.find_spec(top)
    if spec is None:
        return False
    if spec.origin is not None or not rest or spec.submodule_search_locations is None:
        return True
    child = rest.split(".", 1)[0]
    return any(
        (Path(d) / child).exists() or (Path(d) / f"{child}.py").exists() for d in spec.submodule_search_locations
    )


def choose(name: str, found: list[dict[str, Any]]) -> str | None:
    """The one project to install for ``name``: the only provider, or the one named like the import."""
    projects = [str(e.get("project")) for e in found]
    if len(projects) == 1:
        return projects[0]
    top = canonicalize_name(name.split(".", 1)[0])
    named = [p for p in projects if canonicalize_name(p) == top]
    return named[0] if len(named) == 1 else None


async def install_imports(
    code: str,
    *,
    map_url: str | None = None,
    index_urls: Sequence[str] | str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Install what ``code`` imports and this runtime lacks; say what nothing known provides.

    Returns ``{"installed": [projects], "present": [names], "unknown": [names], "ambiguous": {name: [projects]},
    "records": [...]}``; ``unknown`` names no distribution in the map provides.
    """
    from micropip_ext._install import install

    result: dict[str, Any] = {"installed": [], "present": [], "unknown": [], "ambiguous": {}, "records": []}
    wanted: list[str] = []
    for name in find_imports(code):
        if is_available(name):
            result["present"].append(name)
            continue
        found = await providers(name, map_url=map_url, index_urls=index_urls)
        project = choose(name, found)
        if not found:
            result["unknown"].append(name)
        elif project is None:
            result["ambiguous"][name] = [str(e.get("project")) for e in found]
        elif project not in wanted:
            wanted.append(project)
    if wanted and not dry_run:
        kwargs = {} if index_urls is None else {"index_urls": _index_urls(index_urls)}
        records = await install(wanted, **kwargs)
        result["records"] = [r.to_json() for r in records]
    result["installed"] = wanted
    return result
