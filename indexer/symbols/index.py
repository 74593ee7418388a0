"""The symbol index of an environment: every distribution's shard, resolved together, emitted per distribution.

Data flows one way: :mod:`.shards` makes the catalog (one :class:`ShardRef` per distribution, the shard read
lazily), :mod:`.resolve` follows aliases over the whole environment, and this module describes each public
name (:meth:`SymbolIndex.describe`, the one code path ``symbols`` and ``which`` share) and emits, per
distribution, its modules' public names and one node per defined object (however many top-levels or other
distributions re-export it). Emission is per distribution (:meth:`SymbolIndex.iter_distributions`), so a
writer holds one distribution's JSON at a time.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from indexer.symbols.cache import ShardCache
from indexer.symbols.extract import ModuleInfo
from indexer.symbols.members import UNKNOWN_BASE, ClassInfo, linearize
from indexer.symbols.resolve import GLOBALS, OPAQUE, Resolution, Resolver
from indexer.symbols.shards import Shard, ShardRef, extract_distribution, iter_catalog, iter_shards, load_shards
from indexer.symbols.target import Target

__all__ = ["FORMAT", "Shard", "ShardRef", "SymbolIndex", "extract_distribution", "iter_catalog", "iter_shards",
           "load_shards"]  # fmt: skip

FORMAT = "micropip-ext-symbols/1"
_DEFINED = frozenset({"class", "function", "variable", "type_alias", "attribute"})
_BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_"))


def _public_module(module: str) -> bool:
    return not module.startswith("_") and "._" not in module


class _Modules(Mapping[str, ModuleInfo]):
    """Module name -> ModuleInfo over the catalog: a shard is read the first time one of its modules is."""

    def __init__(self, owner: Mapping[str, ShardRef]) -> None:
        self.owner = owner

    def __getitem__(self, name: str) -> ModuleInfo:
        return self.owner[name].load().modules[name]

    def get(self, name: str, default: Any = None) -> Any:  # hot: the resolver asks for every step
        ref = self.owner.get(name)
        if ref is None:
            return default
        shard = ref.shard if ref.shard is not None else ref.load()
        return shard.modules.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self.owner

    def __iter__(self) -> Iterator[str]:
        return iter(self.owner)

    def __len__(self) -> int:
        return len(self.owner)


class SymbolIndex:
    """All distributions of one environment, resolved together."""

    def __init__(self, shards: Sequence[Shard | ShardRef], target: Target, *, cache: ShardCache | None = None) -> None:
        self.refs = [s if isinstance(s, ShardRef) else ShardRef.of(s) for s in shards]
        self.target = target
        self.cache = cache  # where the shards live; writers also keep the resolved index there
        self.owner: dict[str, ShardRef] = {}
        self.problems: list[str] = []
        for ref in self.refs:
            for name in ref.modules:
                first = self.owner.setdefault(name, ref)
                if first is not ref:
                    self.problems.append(
                        f"module {name} is installed by both {first.name} and {ref.name}; "
                        f"{first.name} comes first on the path"
                    )
        self._attach_stub_packages()
        self.modules = _Modules(self.owner)
        self.resolver = Resolver(self.modules)
        self._owner_memo: dict[str, ShardRef | None] = {}
        self._bases: dict[str, tuple[list[str], list[str]] | None] = {}

    def _attach_stub_packages(self) -> None:
        """PEP 561 stub-only packages (``foo-stubs``, first on the path wins) become the stubs of the modules
        they describe, in whichever distribution installs those (read when that shard is)."""
        stubs: dict[str, ShardRef] = {}
        for ref in self.refs:
            for module in ref.stub_modules:
                stubs.setdefault(module, ref)
        for module, source in stubs.items():
            owner = self.owner.get(module)
            if owner is not None:
                owner.stub_sources[module] = source
        for ref in self.refs:
            if ref.stub_sources and ref.shard is not None:
                ref.load()  # already in memory: attach now (a released shard attaches when read back)

    @property
    def shards(self) -> list[Shard]:
        """Every shard, read now if it was not yet."""
        return [ref.load() for ref in self.refs]

    def distribution_of(self, module: str | None) -> ShardRef | None:
        """The distribution owning ``module`` (or the nearest installed parent, for namespace children)."""
        if module is None:
            return None
        found = self.owner.get(module)
        if found is not None:
            return found
        if module in self._owner_memo:
            return self._owner_memo[module]
        parent = module
        result = None
        while "." in parent and result is None:
            parent = parent.rpartition(".")[0]
            result = self.owner.get(parent)
        self._owner_memo[module] = result
        return result

    # -- one name ------------------------------------------------------------------------------------

    def resolve_export(self, module: str, name: str) -> Resolution:
        """Where ``module.name`` leads; when the primary binding leads nowhere, its first fallback that does."""
        res = self.resolver.resolve(module, (name,))
        if res.kind == "unresolved":
            binding = self.modules[module].bindings.get(name) if module in self.modules else None
            if binding is not None and binding.alternatives:
                res = self._alternative(module, name, binding.alternatives) or res
        return res

    def describe(self, module: str, name: str, *, explicit: bool = False) -> tuple[dict[str, Any], Resolution]:
        """The JSON entry of public name ``module.name`` (what ``symbols`` writes and ``which`` prints)."""
        res = self.resolve_export(module, name)
        entry = self.entry(self.owner.get(module), res)
        binding = self.modules[module].bindings.get(name) if module in self.modules else None
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
        return entry, res

    def entry(self, ref: ShardRef | None, res: Resolution) -> dict[str, Any]:
        """Kind, definition and distribution of a resolution, as seen from distribution ``ref``."""
        entry: dict[str, Any] = {"kind": res.kind, "defined_in": res.path}
        if res.kind == "external":
            entry["distribution"] = None
            entry["origin"] = "stdlib"
            return entry
        if res.kind == "unresolved":
            # bound inside a module we cannot read (compiled, or filled through globals()): the module, and so
            # its distribution, is known even though the definition is not
            owner = self.distribution_of(res.module) if res.reason in (OPAQUE, GLOBALS) else None
            entry["distribution"] = owner.name if owner else None
            if owner is not None and owner is not ref:
                entry["version"] = owner.version
            entry["reason"] = res.reason
            return entry
        owner = self.distribution_of(res.module)
        entry["distribution"] = owner.name if owner else None
        if owner is not None and owner is not ref:
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

    def names(self, module: str, *, include_private: bool = False) -> dict[str, bool]:
        """Public names of ``module`` -> whether ``__all__`` lists them (with private bindings on request)."""
        names = dict(self.resolver.exports(module))
        if include_private:
            for name in self.modules[module].bindings:
                names.setdefault(name, False)
        return names

    # -- classes -------------------------------------------------------------------------------------------

    def class_info(self, path: str) -> tuple[str, ClassInfo] | None:
        """(module, body) of the class at canonical ``path`` (from the module, else its stub)."""
        module = path
        while "." in module:
            module = module.rpartition(".")[0]
            info = self.modules.get(module)
            if info is None:
                continue
            qualname = path[len(module) + 1 :]
            found = info.classes.get(qualname)
            if found is None and info.stub is not None:
                found = info.stub.classes.get(qualname)
            return (module, found) if found is not None else None
        return None

    def bases(self, path: str) -> tuple[list[str], list[str]] | None:
        """Resolved base classes of ``path`` and the bases that are not classes this index has read."""
        if path in self._bases:
            return self._bases[path]
        found = self.class_info(path)
        result = None
        if found is not None:
            resolved: list[str] = []
            unknown: list[str] = []
            for base in found[1].bases:
                res = self._base(found[0], base) if base != UNKNOWN_BASE else None
                if res is not None and res.kind == "class":
                    resolved.append(res.path)
                elif res is None or res.path != "builtins.object":
                    unknown.append(res.path if res is not None else UNKNOWN_BASE)
            result = (resolved, unknown)
        self._bases[path] = result
        return result

    def _base(self, module: str, base: str) -> Resolution:
        """A base class target, as the module names it; a class read from the module's stub names its bases
        in the stub's namespace (``from typing import Generic`` there, ``float`` a builtin)."""
        res = self.resolver.resolve_target(base)
        if res.kind == "class":
            return res
        owner, _, attrs = base.partition(":")
        head, _, rest = attrs.partition(".")
        info = self.modules.get(owner)
        if owner != module or info is None:
            return res
        binding = info.bindings.get(head)
        if binding is not None:
            # `try: import httpx2 as httpx / except ImportError: import httpx` then `class C(httpx.Client)`
            for alternative in binding.alternatives if res.kind == "unresolved" else ():
                if "@" not in alternative or ":" in alternative:
                    found = self.resolver.resolve_target(_join(alternative, rest))
                    if found.kind == "class":
                        return found
            return res
        stub = info.stub.bindings.get(head) if info.stub is not None else None
        if stub is not None and stub.kind == "alias" and stub.target:
            return self.resolver.resolve_target(_join(stub.target, rest))
        if stub is None and head in _BUILTIN_NAMES:
            return Resolution("external", f"builtins.{attrs}", "builtins")
        return res

    def class_json(self, path: str, ref: ShardRef | None) -> dict[str, Any]:
        """Bases, public members (own and inherited through the C3 order) and the bases not followed."""
        mro, unknown = linearize(path, self.bases)
        members: dict[str, dict[str, Any]] = {}
        for cls in mro:
            found = self.class_info(cls)
            if found is None:
                continue
            owner = self.distribution_of(found[0])
            for name, kind in found[1].members.items():
                if name.startswith("_") or name in members:
                    continue
                entry: dict[str, Any] = {"kind": kind, "defined_in": f"{cls}.{name}"}
                if owner is not ref:
                    entry["distribution"] = owner.name if owner is not None else None
                members[name] = entry
        own = self.bases(path)
        data: dict[str, Any] = {"bases": (own[0] + own[1]) if own else [], "members": members}
        if unknown:
            data["unknown_bases"] = unknown
        return data

    # -- emission, one distribution at a time ------------------------------------------------------------

    def _owned_modules(self, ref: ShardRef) -> Iterator[str]:
        for module in ref.modules:
            if self.owner.get(module) is ref:  # else shadowed by an earlier distribution
                yield module

    def _cross_exports(self, include_private: bool) -> dict[str, dict[str, dict[str, Any]]]:
        """Objects re-exported by a distribution other than their own: owner name -> path -> node."""
        cross: dict[str, dict[str, dict[str, Any]]] = {}
        for ref in self.refs:
            for module in self._owned_modules(ref):
                for name in self.names(module, include_private=include_private):
                    res = self.resolve_export(module, name)
                    if res.kind not in _DEFINED:
                        continue
                    owner = self.distribution_of(res.module)
                    if owner is None or owner is ref:
                        continue
                    node = cross.setdefault(owner.name, {}).setdefault(res.path, {"kind": res.kind, "by": set()})
                    node["by"].add(f"{ref.name}:{module}")
        return cross

    def distribution_json(
        self, ref: ShardRef, *, include_private: bool = False, cross: Mapping[str, dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """One distribution's part of the index: its modules' public names, its objects, its references."""
        shard = ref.load()
        dist_json: dict[str, Any] = {"version": ref.version, "modules": {}, "objects": {}}
        references: dict[str, str] = {}
        unresolved: list[dict[str, Any]] = []
        nodes: dict[str, dict[str, Any]] = {}  # canonical path -> {kind, by (re-exporters), paths (ranked)}
        for path, node in (cross or {}).items():
            nodes[path] = {"kind": node["kind"], "by": set(node["by"]), "paths": set()}
        for module in self._owned_modules(ref):
            info = shard.modules[module]
            symbols: dict[str, Any] = {}
            for name, explicit in self.names(module, include_private=include_private).items():
                entry, res = self.describe(module, name, explicit=explicit)
                symbols[name] = entry
                if res.kind == "unresolved":
                    unresolved.append({"symbol": f"{module}.{name}", "target": res.path, "reason": res.reason})
                    continue
                owner = self.distribution_of(res.module) if res.kind != "external" else None
                if owner is not None and owner is not ref:
                    references[owner.name] = owner.version
                if res.kind in _DEFINED and (owner is ref or owner is None):
                    node = nodes.setdefault(res.path, {"kind": res.kind, "by": set(), "paths": set()})
                    if res.path != f"{module}.{name}" and owner is ref:
                        node["by"].add(module)
                    if owner is ref and _public_module(module) and (explicit or not name.startswith("_")):
                        public = f"{module}.{name}"
                        node["paths"].add((0 if explicit else 1, public.count("."), len(public), public))
            dist_json["modules"][module] = _module_json(info, symbols)
            if not _public_module(module):
                dist_json["modules"][module]["private"] = True  # google._upb._message: not an import path to offer
        for path, node in nodes.items():
            if self.distribution_of(path.rpartition(".")[0]) is not ref:
                continue
            obj: dict[str, Any] = {"kind": node["kind"], "public_paths": [r[3] for r in sorted(node["paths"])]}
            if node["by"]:
                obj["re_exported_by"] = sorted(node["by"])
            if node["kind"] == "class":
                obj.update(self.class_json(path, ref))
            dist_json["objects"][path] = obj
        dist_json["references"] = dict(sorted(references.items()))
        dist_json["unresolved"] = unresolved
        dist_json["problems"] = shard.problems
        return dist_json

    def iter_distributions(self, *, include_private: bool = False) -> Iterator[tuple[ShardRef, dict[str, Any]]]:
        """(distribution, its JSON) in path order; the caller writes each and lets it go."""
        cross = self._cross_exports(include_private)
        for ref in self.refs:
            yield ref, self.distribution_json(ref, include_private=include_private, cross=cross.get(ref.name))

    def header(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "target": {"python": ".".join(map(str, self.target.version)), "platform": self.target.platform},
            "problems": self.problems,
            "stats": {
                "distributions": len(self.refs),
                "from_cache": sum(1 for ref in self.refs if ref.cached),
                "modules": len(self.owner),
            },
        }

    def to_json(self, *, include_private: bool = False) -> dict[str, Any]:
        """The whole index as one object (small environments; large ones stream :meth:`iter_distributions`)."""
        data = self.header()
        data["distributions"] = {
            ref.name: dist for ref, dist in self.iter_distributions(include_private=include_private)
        }
        return data


def _join(target: str, rest: str) -> str:
    """An alias target followed by more attributes: ``("httpx", "Client")`` -> ``"httpx:Client"``."""
    if not rest:
        return target
    return f"{target}.{rest}" if ":" in target else f"{target}:{rest}"


def _module_json(info: ModuleInfo, symbols: dict[str, Any]) -> dict[str, Any]:
    module_json: dict[str, Any] = {"file": info.file, "source": info.source, "symbols": symbols}
    if info.is_package:
        module_json["package"] = True
    if info.all_names is not None:
        module_json["exports"] = "dynamic" if info.all_dynamic else "explicit"
    if info.dynamic:
        module_json["dynamic"] = True
    if info.opaque:
        module_json["opaque"] = True
    return module_json
