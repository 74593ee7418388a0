"""Build the symbol index: distributions -> shards (extracted or cached) -> one resolved graph -> JSON.

Data flows one way: :mod:`indexer.installed` finds distributions and their files, :mod:`extract` reads each
module, :mod:`resolve` follows aliases over the whole environment, and this module emits, per
distribution, its modules' public names and one node per defined object (however many top-levels or
other distributions re-export it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.installed.model import Distribution, FileKind, InstalledFile
from indexer.symbols.cache import ShardCache, shard_key
from indexer.symbols.extract import ModuleInfo, extract_module, opaque_module
from indexer.symbols.resolve import GLOBALS, OPAQUE, Resolution, Resolver
from indexer.symbols.target import Target

FORMAT = "micropip-ext-symbols/1"
_DEFINED = frozenset({"class", "function", "variable", "type_alias", "attribute"})


@dataclass
class Shard:
    """Everything extracted from one distribution; what the cache stores."""

    name: str
    canonical_name: str
    version: str
    modules: dict[str, ModuleInfo] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    cached: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "canonical_name": self.canonical_name,
            "version": self.version,
            "modules": {name: info.to_json() for name, info in self.modules.items()},
            "problems": self.problems,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Shard:
        return cls(
            name=data["name"],
            canonical_name=data["canonical_name"],
            version=data["version"],
            modules={n: ModuleInfo.from_json(n, m) for n, m in data["modules"].items()},
            problems=list(data.get("problems", [])),
            cached=True,
        )


def _is_package(f: InstalledFile) -> bool:
    stem = f.path.rsplit("/", 1)[-1].split(".", 1)[0]
    return stem == "__init__"


def extract_distribution(dist: Distribution, target: Target) -> Shard:
    """Read every module of ``dist``: source first, a stub for an extension module, else opaque."""
    # inspect's own findings (metadata, RECORD) are reported by `indexer inspect`; these are about code
    shard = Shard(dist.name, dist.canonical_name, dist.version)
    by_module: dict[str, dict[FileKind, InstalledFile]] = {}
    for f in dist.files:
        if f.module and f.kind in (FileKind.SOURCE, FileKind.STUB, FileKind.EXTENSION, FileKind.BYTECODE):
            by_module.setdefault(f.module, {}).setdefault(f.kind, f)
    for module in sorted(by_module):
        files = by_module[module]
        chosen = files.get(FileKind.SOURCE) or files.get(FileKind.STUB)
        if chosen is None:
            opaque = files.get(FileKind.EXTENSION) or files[FileKind.BYTECODE]
            shard.modules[module] = opaque_module(module, opaque.path, is_package=_is_package(opaque))
            continue
        if chosen.location is None:
            shard.problems.append(f"{dist.name}: {chosen.path}: path not followed (outside the site directory)")
            continue
        try:
            source = chosen.location.read_bytes()
        except OSError as exc:
            shard.problems.append(f"{dist.name}: cannot read {chosen.path}: {exc.strerror or exc}")
            continue
        info = extract_module(
            module,
            chosen.path,
            source,
            target,
            is_package=_is_package(chosen),
            stub=chosen.kind is FileKind.STUB,
            location=chosen.location,
        )
        shard.problems.extend(f"{dist.name}: {module}: {p}" for p in info.problems)
        stub = files.get(FileKind.STUB)
        if stub is not None and chosen is not stub and info.partly_hidden and stub.location is not None:
            info.stub = _read_stub(module, stub, target)
        shard.modules[module] = info
    return shard


def _read_stub(module: str, stub: InstalledFile, target: Target) -> ModuleInfo | None:
    """The .pyi beside a module whose runtime names are partly hidden (PEP 484/561 stubs describe them)."""
    assert stub.location is not None
    try:
        source = stub.location.read_bytes()
    except OSError:
        return None
    info = extract_module(module, stub.path, source, target, is_package=_is_package(stub), stub=True)
    return None if info.problems else info


# -- discovery: inspect's scanner, with shards looked up before reading a distribution at all ---------


def _dist_dirs(paths: Sequence[Path] | None) -> list[tuple[Path, Path]]:
    from indexer.installed import scan

    sites = list(paths) if paths else scan.default_site_dirs()
    found: list[tuple[Path, Path]] = []
    for site in sites:
        try:
            found.extend((site, d) for d in scan.find_dist_dirs(site))
        except OSError:
            continue
    return found


def iter_shards(
    paths: Sequence[Path] | None,
    target: Target,
    cache: ShardCache | None = None,
    *,
    only: Iterable[str] | None = None,
) -> Iterator[Shard]:
    """One shard per distribution found in ``paths`` (sys.path order), from the cache when RECORD matches.

    A generator, so a caller inside Pyodide can yield to the event loop between distributions.
    """
    from packaging.utils import canonicalize_name

    from indexer.installed import scan

    wanted = {canonicalize_name(n) for n in only} if only is not None else None
    for site, dist_dir in _dist_dirs(paths):
        if wanted is not None:
            dir_name = dist_dir.name.rsplit(".", 1)[0].partition("-")[0]
            if canonicalize_name(dir_name) not in wanted:
                continue
        key = None
        if cache is not None:
            try:
                key = shard_key((dist_dir / "RECORD").read_bytes(), target)
            except OSError:
                key = None  # no RECORD (egg-info): nothing proves it unchanged, always re-read
        data = cache.load(key) if cache is not None and key is not None else None
        if data is not None:
            shard = Shard.from_json(data)
        else:
            dist = scan.read_distribution(dist_dir, site)
            shard = extract_distribution(dist, target)
            if cache is not None and key is not None:
                cache.store(key, shard.to_json())
        yield shard


def load_shards(
    paths: Sequence[Path] | None,
    target: Target,
    cache: ShardCache | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    only: Iterable[str] | None = None,
) -> list[Shard]:
    """All shards of :func:`iter_shards`; ``progress(name)`` after each distribution."""
    shards: list[Shard] = []
    for shard in iter_shards(paths, target, cache, only=only):
        shards.append(shard)
        if progress is not None:
            progress(shard.name)
    return shards


# -- the merged graph ------------------------------------------------------------------------------


def _public_module(module: str) -> bool:
    return not module.startswith("_") and "._" not in module


class SymbolIndex:
    """All shards of one environment, resolved together."""

    def __init__(self, shards: Sequence[Shard], target: Target) -> None:
        self.shards = list(shards)
        self.target = target
        self.owner: dict[str, Shard] = {}
        self.problems: list[str] = []
        modules: dict[str, ModuleInfo] = {}
        for shard in self.shards:
            for name, info in shard.modules.items():
                if name in modules:
                    first = self.owner[name]
                    if first is not shard:
                        self.problems.append(
                            f"module {name} is installed by both {first.name} and {shard.name}; "
                            f"{first.name} comes first on the path"
                        )
                    continue
                modules[name] = info
                self.owner[name] = shard
        self.modules = modules
        self.resolver = Resolver(modules)
        self._owner_memo: dict[str, Shard | None] = {}

    def distribution_of(self, module: str | None) -> Shard | None:
        """The shard owning ``module`` (or the nearest installed parent, for namespace children)."""
        if module is None:
            return None
        shard = self.owner.get(module)
        if shard is not None:
            return shard
        if module in self._owner_memo:
            return self._owner_memo[module]
        parent = module.rpartition(".")[0]
        result = self.distribution_of(parent) if parent else None
        self._owner_memo[module] = result
        return result

    def _symbol(self, shard: Shard, res: Resolution) -> dict[str, Any]:
        entry: dict[str, Any] = {"kind": res.kind, "defined_in": res.path}
        if res.kind == "external":
            entry["distribution"] = None
            entry["origin"] = "stdlib"
        elif res.kind == "unresolved":
            # bound inside a module we cannot read (compiled, or filled through globals()): the module, and so
            # its distribution, is known even though the definition is not
            owner = self.distribution_of(res.module) if res.reason in (OPAQUE, GLOBALS) else None
            entry["distribution"] = owner.name if owner else None
            if owner is not None and owner is not shard:
                entry["version"] = owner.version
            entry["reason"] = res.reason
        else:
            owner = self.distribution_of(res.module)
            entry["distribution"] = owner.name if owner else None
            if owner is not None and owner is not shard:
                entry["version"] = owner.version
        return entry

    def _alternative(self, module: str, name: str, alternatives: Sequence[str]) -> Resolution | None:
        """The primary binding leads nowhere (e.g. an optional dependency): the first fallback that resolves."""
        for alternative in alternatives:
            if "@" in alternative and ":" not in alternative:  # "<kind>@<line>": defined right here
                kind = alternative.partition("@")[0]
                if kind in _DEFINED:
                    return Resolution(kind, f"{module}.{name}", module)
                continue
            res = self.resolver.resolve_target(alternative)
            if res.resolved:
                return res
        return None

    def to_json(self, *, include_private: bool = False) -> dict[str, Any]:
        distributions: dict[str, Any] = {}
        # canonical path -> node; public paths and re-exporters are gathered over every distribution
        nodes: dict[str, dict[str, Any]] = {}
        paths: dict[str, list[tuple[int, int, int, str]]] = {}
        for shard in self.shards:
            dist_json: dict[str, Any] = {"version": shard.version, "modules": {}, "objects": {}}
            references: dict[str, str] = {}
            unresolved: list[dict[str, Any]] = []
            for module, info in shard.modules.items():
                if self.owner.get(module) is not shard:
                    continue  # shadowed by an earlier distribution
                exports = self.resolver.exports(module)
                names: dict[str, bool] = dict(exports)
                if include_private:
                    for name in info.bindings:
                        names.setdefault(name, False)
                symbols: dict[str, Any] = {}
                for name, explicit in names.items():
                    res = self.resolver.resolve(module, (name,))
                    binding = info.bindings.get(name)
                    if res.kind == "unresolved" and binding is not None and binding.alternatives:
                        res = self._alternative(module, name, binding.alternatives) or res
                    entry = self._symbol(shard, res)
                    if binding is not None:
                        if binding.type_only:
                            entry["type_only"] = True
                        if binding.kind == "lazy":
                            entry["lazy"] = True
                        if binding.alternatives:
                            entry["alternatives"] = binding.alternatives
                        if binding.conditional:
                            entry["conditional"] = True
                    if explicit:
                        entry["explicit"] = True
                    symbols[name] = entry
                    if res.kind == "unresolved":
                        unresolved.append({"symbol": f"{module}.{name}", "target": res.path, "reason": res.reason})
                    elif res.kind != "external":
                        owner = self.distribution_of(res.module)
                        if owner is not None and owner is not shard:
                            references[owner.name] = owner.version
                    if res.kind in _DEFINED:
                        owner = self.distribution_of(res.module)
                        if res.path != f"{module}.{name}" and owner is not None:
                            node = nodes.setdefault(res.path, {"kind": res.kind, "re_exported_by": []})
                            node["re_exported_by"].append(module if owner is shard else f"{shard.name}:{module}")
                        else:
                            nodes.setdefault(res.path, {"kind": res.kind, "re_exported_by": []})
                        if owner is shard and _public_module(module) and (explicit or not name.startswith("_")):
                            public = f"{module}.{name}"
                            rank = (0 if explicit else 1, public.count("."), len(public), public)
                            paths.setdefault(res.path, []).append(rank)
                module_json: dict[str, Any] = {"file": info.file, "source": info.source, "symbols": symbols}
                if info.is_package:
                    module_json["package"] = True
                if info.all_names is not None:
                    module_json["exports"] = "dynamic" if info.all_dynamic else "explicit"
                if info.dynamic:
                    module_json["dynamic"] = True
                if info.opaque:
                    module_json["opaque"] = True
                dist_json["modules"][module] = module_json
            dist_json["references"] = dict(sorted(references.items()))
            dist_json["unresolved"] = unresolved
            dist_json["problems"] = shard.problems
            distributions[shard.name] = dist_json
        for path, node in nodes.items():
            owner = self.distribution_of(path.rpartition(".")[0])
            if owner is None:
                continue
            ranked = sorted(set(paths.get(path, ())))
            obj = {"kind": node["kind"], "public_paths": [r[3] for r in ranked]}
            if node["re_exported_by"]:
                obj["re_exported_by"] = sorted(set(node["re_exported_by"]))
            distributions[owner.name]["objects"][path] = obj
        return {
            "format": FORMAT,
            "target": {"python": ".".join(map(str, self.target.version)), "platform": self.target.platform},
            "distributions": distributions,
            "problems": self.problems,
            "stats": {
                "distributions": len(self.shards),
                "from_cache": sum(1 for s in self.shards if s.cached),
                "modules": len(self.modules),
            },
        }
