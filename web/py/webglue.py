"""Python side of the web page (web/app.mjs): one module, loaded into Pyodide, that the page calls.

Every function takes and returns JSON strings so the JavaScript side never holds Python objects (no proxies to
leak or destroy). The page owns presentation; this module owns which micropip_ext / micropip call answers each
button, and falls back (with a note the page shows) when a micropip_ext entry point is not in this build.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from packaging.utils import canonicalize_name

#: keyword names a freeze() may use for its progress callback, most specific first
_PROGRESS_KEYWORDS = ("on_progress", "progress")

#: results of the last freeze, so the environment table can show "lockable or not and why"
_last_report: dict[str, Any] | None = None
#: the last symbol index (built on the first search; dropped when an install changes the environment)
_index_cache: dict[str, Any] | None = None


def _ext() -> Any:
    return importlib.import_module("micropip_ext")


def _entry(name: str) -> Callable[..., Any] | None:
    """``micropip_ext.<name>`` if this build has it, else None (the page then says what is missing)."""
    try:
        found = getattr(_ext(), name, None)
    except ImportError:
        return None
    return found if callable(found) else None


def _jsonable(value: Any) -> Any:
    """Model objects (``to_json()``), dataclass-like records and plain data, as JSON-ready data."""
    if hasattr(value, "to_json") and callable(value.to_json):
        return _jsonable(value.to_json())
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    return str(value)


def _installed_versions() -> dict[str, str]:
    return {
        canonicalize_name(d.metadata["Name"] or ""): d.version
        for d in importlib.metadata.distributions()
        if d.metadata["Name"]
    }


async def _call(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    result = func(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def _accepts(func: Callable[..., Any], keyword: str) -> bool:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return keyword in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def capabilities() -> str:
    """Which micropip_ext entry points this build has, and the versions the page reports in its footer."""
    versions = _installed_versions()
    return json.dumps(
        {
            "entry_points": {n: _entry(n) is not None for n in ("install", "inspect", "freeze", "symbol_index")},
            "micropip_ext": versions.get("micropip-ext"),
            "micropip": versions.get("micropip"),
            "index_urls": index_urls(),
        }
    )


def index_urls() -> list[str]:
    """micropip's configured index URLs: the installer's own configuration is the default (never ours)."""
    import micropip

    package_manager = getattr(micropip, "_package_manager_singleton", None)
    urls = getattr(package_manager, "index_urls", None)
    return [str(u) for u in urls] if urls else []


def set_index_urls(urls_json: str) -> str:
    """Point micropip (and so install and freeze) at these indexes; an empty list keeps micropip's default."""
    import micropip

    # micropip appends "/<name>/" to a URL without a {package_name} placeholder: drop the trailing slash
    # so ".../simple/" asks for ".../simple/<name>/", not ".../simple//<name>/".
    urls = [u.strip() if "{package_name}" in u else u.strip().rstrip("/") for u in json.loads(urls_json)]
    urls = [u for u in urls if u]
    if urls:
        micropip.set_index_urls(urls)
    return json.dumps(index_urls())


async def install_project(wheel_url: str) -> None:
    """Install micropip-ext itself from a wheel URL (the page's ``wheel`` setting), with micropip."""
    import micropip

    await micropip.install(wheel_url)


async def install(requirements_json: str) -> str:
    """Install requirements (names, specifiers or wheel URLs) and report what changed.

    Goes through ``micropip_ext.install`` (which records provenance in each new dist-info) when this build
    has it; otherwise plain ``micropip.install``, and the page shows the note that provenance was not recorded.
    """
    requirements = [r for r in json.loads(requirements_json) if r.strip()]
    if not requirements:
        raise ValueError("type at least one package name, requirement or wheel URL")
    before = _installed_versions()
    ext_install = _entry("install")
    note = None
    recorded: Any = []
    if ext_install is not None:
        recorded = _jsonable(await _call(ext_install, requirements))
        via = "micropip_ext.install"
    else:
        import micropip

        await micropip.install(requirements)
        via = "micropip.install"
        note = (
            "micropip_ext.install is not available in this build: installed with micropip.install, "
            "so no provenance (INDEX, provenance_url.json) was recorded."
        )
    global _index_cache
    _index_cache = None  # the symbol index no longer describes what is installed
    after = _installed_versions()
    changed = [
        {"name": name, "version": version, "previous": before.get(name)}
        for name, version in sorted(after.items())
        if before.get(name) != version
    ]
    by_name: dict[str, Any] = {}
    for entry in recorded if isinstance(recorded, list) else []:
        stem = str(entry.get("dist_info", "")).rsplit("/", 1)[-1].removesuffix(".dist-info")
        by_name[canonicalize_name(stem.rsplit("-", 1)[0])] = entry
    for item in changed:
        item["provenance"] = by_name.get(str(item["name"]))
    return json.dumps({"via": via, "note": note, "installed": changed})


def _lock_status(report: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """canonical name -> {"lockable": bool, "reason": str} from a freeze report, whatever its exact layout."""
    if not report:
        return {}
    entries: Any = report.get("distributions") or report.get("packages") or []
    if isinstance(entries, Mapping):
        entries = [{"name": k, **(v if isinstance(v, Mapping) else {})} for k, v in entries.items()]
    status: dict[str, dict[str, Any]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping) or not entry.get("name"):
            continue
        lockable = entry.get("lockable", entry.get("locked"))
        if lockable is None and "status" in entry:
            lockable = str(entry["status"]).lower() in ("locked", "lockable", "ok", "base", "kept")
        reason = entry.get("reason") or entry.get("method") or entry.get("status") or ""
        if lockable and entry.get("proof"):
            reason = f"{reason} ({entry['proof']})"
        if isinstance(reason, Mapping):
            reason = reason.get("message") or json.dumps(reason)
        status[canonicalize_name(str(entry["name"]))] = {"lockable": lockable, "reason": str(reason)}
    return status


def environment() -> str:
    """The table rows: name, version, installer, source, import names, and lockability from the last freeze."""
    ext_inspect = _entry("inspect")
    if ext_inspect is None:
        raise RuntimeError("micropip_ext.inspect is not available in this build of micropip-ext")
    env = _jsonable(ext_inspect())
    dists = env.get("distributions", []) if isinstance(env, Mapping) else env
    status = _lock_status(_last_report)
    rows = []
    for dist in dists:
        source = dist.get("source") or {}
        name = dist.get("canonical_name") or canonicalize_name(dist.get("name", ""))
        rows.append(
            {
                "name": dist.get("name"),
                "version": dist.get("version"),
                "installer": dist.get("installer"),
                "source_kind": source.get("kind"),
                "source": source.get("index") or source.get("url") or "",
                "imports": dist.get("imports", []),
                "problems": [p.get("message", "") for p in dist.get("problems", [])],
                "lock": status.get(name),
            }
        )
    problems = [p.get("message", "") for p in env.get("problems", [])] if isinstance(env, Mapping) else []
    return json.dumps({"rows": rows, "problems": problems, "frozen": _last_report is not None})


async def freeze(on_progress: Callable[[int, int], None] | None = None) -> str:
    """Freeze the environment once: pyodide-lock.json, pylock.toml and the report, from one run.

    Progress reaches the page as ``on_progress(done, total)`` in distributions resolved.
    """
    global _last_report
    import micropip_ext

    result = await micropip_ext.freeze(on_progress=on_progress)
    report = result.report
    _last_report = report
    return json.dumps(
        {
            "requests": report["requests"]["requests"],
            "bytes": report["requests"]["bytes"],
            "locked": report["summary"]["locked"],
            "unlockable": report["summary"]["unlockable"],
            "pyodide_lock": result.lock,
            "pylock": result.pylock,
            "report": json.dumps(report, indent=2),
            "unit": "distributions",
        }
    )


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
    ext_symbols = _entry("symbol_index")
    if ext_symbols is None:
        raise RuntimeError("micropip_ext.symbol_index is not available in this build of micropip-ext")
    wanted = query.strip().lower()
    if not wanted:
        raise ValueError("type a symbol, module or dotted name to search for")
    if _index_cache is None or refresh:
        _index_cache = _jsonable(await _call(ext_symbols))
    assert _index_cache is not None
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
