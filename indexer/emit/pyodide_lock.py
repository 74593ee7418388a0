"""Write pyodide-lock.json in the shape Pyodide 314 itself writes and ``loadPyodide`` loads.

Entries of the base lock (the running Pyodide's) are kept by default, as ``micropip.freeze()`` does,
or dropped with ``only_installed``. Every installed distribution that resolution locked gets an
entry with an absolute URL, the file's sha256, ``imports`` from inspect and ``depends`` from its
evaluated requirements. ``depends`` never names a package missing from the lock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from packaging.utils import canonicalize_name

from indexer.installed.model import Distribution
from indexer.installed.target import PYODIDE_INFO
from indexer.resolve.model import FileResolution, is_sha256
from indexer.urls import redact

#: ``info`` when neither a running Pyodide nor a base lock provides one (the one copy: installed/target.py).
DEFAULT_INFO = PYODIDE_INFO


@dataclass
class LockResult:
    data: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    def dumps(self) -> str:
        return json.dumps(self.data, indent=2, sort_keys=False) + "\n"


def depends_of(dist: Distribution) -> list[str]:
    """Canonical names a distribution needs here: requirements whose marker is true in the target
    environment, with the extras someone asked of it (evaluated by inspect)."""
    names: list[str] = []
    for req in dist.requires:
        if req.applies and req.name and req.name not in names and req.name != dist.canonical_name:
            names.append(req.name)
    return names


#: Query parameters that only pin a file's hash (JupyterLite's piplite serves ``x.whl?sha256=<hex>``).
_HASH_PARAMS = {"sha256", "sha384", "sha512", "md5"}


def loadable_url(url: str) -> str:
    """``url`` without a hash-only query or fragment: Pyodide names the download after the URL's last segment,
    so ``x.whl?sha256=...`` is an unknown archive format to its loader (the entry's sha256 keeps the pin)."""
    from urllib.parse import parse_qsl, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if parts.query and all(name.lower() in _HASH_PARAMS for name, _ in query):
        parts = parts._replace(query="")
    fragment = parse_qsl(parts.fragment, keep_blank_values=True)
    if parts.fragment and all(name.lower() in _HASH_PARAMS for name, _ in fragment):
        parts = parts._replace(fragment="")
    return urlunsplit(parts)


def _entry(res: FileResolution, dist: Distribution) -> dict[str, Any]:
    return {
        "name": dist.name,
        "version": dist.version,
        "file_name": loadable_url(redact(res.url or "")),
        "install_dir": "site",
        "sha256": res.sha256,
        "package_type": "package",
        "imports": list(dist.imports),
        "depends": depends_of(dist),
        "unvendored_tests": False,
        "tool": {},
    }


def build_pyodide_lock(
    resolutions: Sequence[FileResolution],
    dists: Sequence[Distribution],
    *,
    info: Mapping[str, Any] | None = None,
    base_packages: Mapping[str, Mapping[str, Any]] | None = None,
    base_url: str | None = None,
    only_installed: bool = False,
) -> LockResult:
    """Assemble the lock. ``base_url`` makes the base lock's relative ``file_name``s absolute."""
    problems: list[str] = []
    by_name = {d.canonical_name: d for d in dists}
    packages: dict[str, dict[str, Any]] = {}
    if not only_installed:
        for key, entry in (base_packages or {}).items():
            packages[canonicalize_name(key)] = _absolute(dict(entry), base_url)
    for res in resolutions:
        dist = by_name.get(res.canonical_name)
        if dist is None:
            continue
        key = res.canonical_name
        if not res.locked:
            base = packages.get(key)
            if base is not None and str(base.get("version")) != dist.version:
                problems.append(
                    f"{dist.name}: installed {dist.version} is unlockable; the lock keeps the base entry "
                    f"{base.get('version')}, which is not what is installed"
                )
            continue
        if res.method != "base-lock" and not is_sha256(res.sha256):
            problems.append(f"{dist.name} {dist.version}: left out, no sha256 hex digest to lock its file by")
            continue
        if res.method == "base-lock" and res.base_entry is not None:
            entry = _absolute(dict(res.base_entry), base_url)
            if dist.imports and not entry.get("imports"):
                entry["imports"] = list(dist.imports)
            packages[key] = entry
        else:
            packages[key] = _entry(res, dist)
    problems.extend(_drop_dangling(packages))
    data = {
        "info": dict(info or DEFAULT_INFO),
        "packages": dict(sorted(packages.items())),
        "tool": {},
    }
    return LockResult(data, problems)


def _absolute(entry: dict[str, Any], base_url: str | None) -> dict[str, Any]:
    if base_url and isinstance(entry.get("file_name"), str):
        entry["file_name"] = redact(urljoin(base_url, entry["file_name"]))
    return entry


def _drop_dangling(packages: dict[str, dict[str, Any]]) -> list[str]:
    """Remove ``depends`` that name no entry (Pyodide would fail to load them); say which."""
    present = set(packages)
    problems: list[str] = []
    for key, entry in packages.items():
        depends = entry.get("depends") or []
        kept = [d for d in depends if canonicalize_name(str(d)) in present]
        missing = [d for d in depends if canonicalize_name(str(d)) not in present]
        if missing:
            entry["depends"] = kept
            problems.append(f"{entry.get('name', key)}: dropped depends not in the lock: {', '.join(missing)}")
    return problems
