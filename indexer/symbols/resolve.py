"""Follow aliases to where an object is defined, across modules and distributions.

Resolution follows each (module, name) alias chain in a loop, marking every key in progress, so alias
cycles and self-references (``X = X.T``) end at once with an explicit "unresolved" answer instead of a
RecursionError (griffe's weak spot) or a path that grows step by step. Results are memoized per
(module, name): the work over an environment is linear in its bindings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from indexer.symbols import stdlib
from indexer.symbols.extract import DEFINITION_KINDS, Binding, ModuleInfo

OPAQUE = "defined in an extension module without stubs"
GLOBALS = "bound at run time through globals()"
_STUB_OVER_VALUE = frozenset({"class", "function"})  # what a stub may say of a name the source computes
MAX_DEPTH = 60  # nested look-ups (`mod:X.y` targets, star imports, forwards) before giving up; cycles end at once


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a name leads. ``kind`` is a definition kind, "module", "attribute", "external" (stdlib)
    or "unresolved" (then ``reason`` says why)."""

    kind: str
    path: str  # canonical dotted path of the definition (or the last target tried)
    module: str | None  # module that defines it (None if unknown)
    reason: str | None = None

    @property
    def resolved(self) -> bool:
        return self.kind != "unresolved"


class Resolver:
    def __init__(self, modules: Mapping[str, ModuleInfo]) -> None:
        self.modules = modules
        self.namespaces: set[str] = set()
        for name in modules:
            parts = name.split(".")
            for i in range(1, len(parts)):
                prefix = ".".join(parts[:i])
                if prefix not in modules:
                    self.namespaces.add(prefix)  # implicit namespace package (PEP 420)
        self._memo: dict[tuple[str, str], Resolution] = {}
        self._exports: dict[str, dict[str, bool]] = {}
        self._in_progress: set[str] = set()
        self._active: set[tuple[str, str]] = set()
        self._nesting = 0
        self._hidden: dict[str, bool] = {}

    def is_module(self, name: str) -> bool:
        return name in self.modules or name in self.namespaces

    def resolve_target(self, target: str) -> Resolution:
        """A binding target (``"mod"`` or ``"mod:a.b"``)."""
        module, _, attrs = target.partition(":")
        return self.resolve(module, attrs.split(".") if attrs else [])

    def resolve(self, module: str, attrs: Sequence[str]) -> Resolution:
        """Where ``module.attrs[0].attrs[1]...`` leads."""
        if not attrs:
            return self._module(module)
        return self._resolve_path(module, attrs)

    def _resolve_path(self, module: str, attrs: Sequence[str]) -> Resolution:
        """Name by name: each (module, name) is resolved once (memoized); past a non-module, the rest is
        an attribute of what was found (``X = Foo.bar``)."""
        res = self._resolve_name(module, attrs[0])
        for i in range(1, len(attrs)):
            if res.kind != "module":
                return _member(res, attrs[i:])
            res = self._resolve_name(res.path, attrs[i])
        return res

    def _resolve_name(self, module: str, name: str) -> Resolution:
        """Follow the alias chain of one (module, name), iteratively.

        Every key on the chain is marked in progress, so a cycle (``a.X -> b.Y -> a.X``) or a self-reference
        is caught the moment it closes, and all keys get the one answer (linear in the bindings visited).
        A target with an attribute path (``mod:X.y``) resolves ``mod:X`` first, and a name found through a
        star import or a forwarding ``__getattr__`` asks those modules: that nests, and nesting is bounded by
        MAX_DEPTH (an explicit "unresolved" answer, never a RecursionError).
        """
        key = (module, name)
        memo = self._memo.get(key)
        if memo is not None:
            return memo
        if self._nesting >= MAX_DEPTH:
            return Resolution("unresolved", _dotted(module, [name]), None, "alias chain too deep")
        self._nesting += 1
        try:
            return self._follow(key)
        finally:
            self._nesting -= 1

    def _follow(self, key: tuple[str, str]) -> Resolution:
        chain: list[tuple[str, str]] = []
        result: Resolution
        while True:
            memo = self._memo.get(key)
            if memo is not None:
                result = memo
                break
            if key in self._active:
                result = Resolution("unresolved", _dotted(key[0], [key[1]]), None, "alias cycle")
                break
            self._active.add(key)
            chain.append(key)
            step = self._step(*key)
            if isinstance(step, Resolution):
                result = step
                break
            target_module, attrs = step
            if not attrs:
                result = self._module(target_module)
                break
            if len(attrs) == 1:
                key = (target_module, attrs[0])
                continue
            result = self._resolve_path(target_module, attrs)
            break
        if result.kind in ("unresolved", "variable"):
            self._prefer_stub(chain, result)
        else:
            for done in chain:
                self._memo[done] = result
        for done in chain:
            self._active.discard(done)
        return self._memo.get(chain[0], result) if chain else result

    def _prefer_stub(self, chain: list[tuple[str, str]], result: Resolution) -> None:
        """The chain ends where the source cannot see (a compiled module, a ``__getattr__``) or at a value
        computed at run time (``generic = allTypes['generic']``): the last module on it whose stub defines
        the name (for a value: as a class or function) is the answer for it and the keys before it
        (numpy.ndarray, numpy.generic: ``numpy/__init__.pyi``); the keys after it keep ``result``. A stub's
        re-export (``from numpy import ndarray`` listed in ``__all__``) is followed to its definition."""
        kinds = DEFINITION_KINDS if result.kind == "unresolved" else _STUB_OVER_VALUE
        cut = 0
        found = result
        for i in range(len(chain) - 1, -1, -1):
            declared = self._stub_definition(*chain[i], kinds)
            if declared is not None:
                cut, found = i + 1, declared
                break
        for i, done in enumerate(chain):
            self._memo[done] = found if i < cut else result
        if cut == len(chain):
            return
        for i in range(len(chain) - 1, cut - 1, -1):
            # a stub re-export that led back into this chain (numpy/_core/multiarray.pyi: `from numpy import
            # ndarray`) is answered now that the keys before the cut are
            late = self._stub_definition(*chain[i], kinds)
            if late is not None:
                for done in chain[cut : i + 1]:
                    self._memo[done] = late
                return

    def _stub_definition(self, mod: str, name: str, kinds: frozenset[str]) -> Resolution | None:
        info = self.modules.get(mod)
        declared = self._stub_binding(info, name) if info is not None else None
        if declared is None or declared.type_only:
            return None
        if declared.kind in kinds:
            return Resolution(declared.kind, _dotted(mod, [name]), mod)
        if declared.kind == "alias" and declared.target and ":" in declared.target:
            found = self.resolve_target(declared.target)
            return found if found.kind in kinds else None
        return None

    def _module(self, name: str) -> Resolution:
        if self.is_module(name):
            return Resolution("module", name, name)
        if stdlib.is_stdlib(name):
            return Resolution("external", name, name)
        return Resolution("unresolved", name, None, f"module {name} is not installed")

    def _step(self, mod: str, name: str) -> Resolution | tuple[str, list[str]]:
        """One lookup of ``name`` in module ``mod``: a final answer or the next (module, attrs) to visit."""
        info = self.modules.get(mod)
        sub = f"{mod}.{name}"
        if info is None:
            if self.is_module(sub):
                return sub, []
            if mod in self.namespaces:
                return Resolution("unresolved", sub, None, f"{name} is not in namespace package {mod}")
            if stdlib.is_stdlib(mod):
                return Resolution("external", sub, mod)
            return Resolution("unresolved", sub, None, f"module {mod} is not installed")
        binding = info.bindings.get(name)
        if binding is not None and binding.target == f"{mod}:{name}":
            binding = None  # `from . import sub` inside the package itself: the submodule
        if binding is None:
            return self._not_bound(info, mod, name, sub)
        if binding.kind in DEFINITION_KINDS:
            return Resolution(binding.kind, sub, mod)
        if binding.target is None:
            return Resolution("unresolved", sub, mod, "lazy name without a known target")
        if binding.target == sub and sub in info.star_imports and name in self.exports(sub):
            # `from .memmap import *` in a package binds the submodule, then the class it exports (numpy)
            return sub, [name]
        target_module, _, attrs = binding.target.partition(":")
        return target_module, attrs.split(".") if attrs else []

    def _not_bound(self, info: ModuleInfo, mod: str, name: str, sub: str) -> Resolution | tuple[str, list[str]]:
        """``name`` has no binding in ``mod``. In order of certainty: a submodule, a star import, a forwarding
        ``__getattr__``, a lazy table, a TYPE_CHECKING star import beside ``__getattr__``, the stub, a star
        import of a module that hides names, a stub's import, a stdlib star import; else say why it cannot be
        known."""
        if self.is_module(sub):
            return sub, []
        found = self._seen_elsewhere(info, name)
        if found is not None:
            return found, [name]
        declared = self._stub_binding(info, name)
        if declared is not None and declared.kind in DEFINITION_KINDS:
            return Resolution(declared.kind, sub, mod)
        for star in info.star_imports:
            if star in self.modules and self.hidden_names(star):
                return star, [name]  # most likely from the star-imported module we cannot see into
        runtime_unknown = info.opaque or info.dynamic or info.writes_globals
        if declared is not None and declared.target and not runtime_unknown:
            # (a stub's `from pkg import x` in a module that binds x at run time often points back here)
            target_module, _, attrs = declared.target.partition(":")
            return target_module, attrs.split(".") if attrs else []
        for star in info.star_imports:
            if star not in self.modules and stdlib.is_stdlib(star):
                return star, [name]
        return _unknown(info, mod, name, sub)

    def _seen_elsewhere(self, info: ModuleInfo, name: str) -> str | None:
        """The module whose names ``name`` is among: a star import, a forwarding ``__getattr__``'s target, a
        lazy table, or (beside a module ``__getattr__``, as pydantic) a TYPE_CHECKING star import."""
        for star in info.star_imports:
            if name in self.exports(star):
                return star
        if info.forward is not None:
            forward = self.resolve_target(info.forward)
            if forward.kind == "module":
                return forward.path
        home = self._table_home(info, name)
        if home is not None:
            return home
        if info.dynamic:
            for star in info.type_star:
                if name in self.exports(star):
                    return star
        return None

    @staticmethod
    def _stub_binding(info: ModuleInfo, name: str) -> Binding | None:
        """What the module's stub says of ``name`` (PEP 484: a stub's plain import is not a re-export)."""
        stub = info.stub
        declared = stub.bindings.get(name) if stub is not None else None
        if declared is not None and declared.hidden and name not in (stub.all_names or ()):  # type: ignore[union-attr]
            return None
        return declared

    def exports(self, mod: str) -> dict[str, bool]:
        """Public names of ``mod`` -> True if listed in ``__all__`` (explicit), False if merely public."""
        cached = self._exports.get(mod)
        if cached is not None:
            return cached
        info = self.modules.get(mod)
        if info is None or mod in self._in_progress or len(self._in_progress) >= MAX_DEPTH:
            return {}  # a star-import cycle (or a chain too deep): the names gathered so far are all there is
        self._in_progress.add(mod)
        try:
            names = self._own_exports(info)
            if info.stub is not None and self.hidden_names(mod) and not self._only_getattr_hides(info):
                # what the runtime module hides (star import of a compiled module, globals() writes) its
                # stub declares; a literal __all__ next to a module __getattr__ is the module's own word
                stub = info.stub
                if stub.all_names is not None:
                    for name in stub.all_names:
                        names.setdefault(name, info.all_names is not None)
                else:
                    for name, binding in stub.bindings.items():
                        if not name.startswith("_") and not binding.hidden:
                            names.setdefault(name, False)
        finally:
            self._in_progress.discard(mod)
        self._exports[mod] = names
        return names

    def _own_exports(self, info: ModuleInfo) -> dict[str, bool]:
        """``__all__`` (with what it copies from elsewhere), a forward's exports, or the public bindings."""
        names: dict[str, bool] = {}
        if info.all_names is not None:
            names = dict.fromkeys(info.all_names, True)
            for target in info.all_from:
                names.update(dict.fromkeys(self._all_from(target), True))
        elif info.forward is not None:
            forward = self.resolve_target(info.forward)
            if forward.kind == "module":
                names = dict(self.exports(forward.path))
        else:
            for name, binding in info.bindings.items():
                if not name.startswith("_") and not binding.type_only and not binding.hidden:
                    names[name] = False
            for star in info.star_imports:
                for name in self.exports(star):
                    names.setdefault(name, False)
        return names

    def _table_home(self, info: ModuleInfo, name: str) -> str | None:
        """``__all__ = [...] + list(LEXERS)`` where LEXERS maps each name to its module (pygments.lexers):
        the table says where the lazily loaded name lives."""
        for target in info.all_from:
            found = self.resolve_target(target)
            if found.kind != "variable" or found.module is None:
                continue
            owner = self.modules.get(found.module)
            table = owner.tables.get(found.path.rpartition(".")[2]) if owner is not None else None
            if table is not None and name in table:
                return table[name]
        return None

    def _all_from(self, target: str) -> list[str]:
        """Names a term of ``__all__`` adds: another module's exports (``core.__all__``) or a literal
        collection bound in another module (``+ list(LEXERS)``)."""
        found = self.resolve_target(target)
        if found.kind == "module":
            return list(self.exports(found.path))
        if found.kind == "variable" and found.module is not None:
            info = self.modules.get(found.module)
            if info is not None:
                return info.collections.get(found.path.rpartition(".")[2], [])
        return []

    def _only_getattr_hides(self, info: ModuleInfo) -> bool:
        return (
            info.all_names is not None
            and not info.all_dynamic
            and not info.writes_globals
            and not any(self.hidden_names(star) for star in info.star_imports)
        )

    def hidden_names(self, mod: str, depth: int = 0) -> bool:
        """Whether ``mod`` may have names its source does not show (itself or through star imports)."""
        known = self._hidden.get(mod)
        if known is not None:
            return known
        if depth >= MAX_DEPTH:
            return True  # a star-import chain too deep to follow: assume the worst
        self._hidden[mod] = False  # a star-import cycle adds nothing hidden
        info = self.modules.get(mod)
        if info is None:
            result = not stdlib.is_stdlib(mod) and not self.is_module(mod)
        else:
            result = (
                info.opaque
                or info.all_dynamic
                or info.writes_globals
                or (info.dynamic and info.forward is None)
                or any(self.hidden_names(star, depth + 1) for star in info.star_imports)
            )
        self._hidden[mod] = result
        return result


def _unknown(info: ModuleInfo, mod: str, name: str, sub: str) -> Resolution:
    if info.opaque:
        return Resolution("unresolved", sub, mod, OPAQUE)
    if info.dynamic:
        return Resolution("unresolved", sub, mod, "provided at run time by module __getattr__")
    if info.writes_globals:
        return Resolution("unresolved", sub, mod, GLOBALS)
    return Resolution("unresolved", sub, None, f"{mod} does not define {name}")


def _dotted(mod: str, path: Sequence[str]) -> str:
    return ".".join([mod, *path])


def _member(owner: Resolution, rest: Sequence[str]) -> Resolution:
    """``X = Foo.bar``: an attribute of something already found."""
    path = _dotted(owner.path, rest)
    if owner.kind in ("unresolved", "external"):
        return Resolution(owner.kind, path, owner.module, owner.reason)
    return Resolution("attribute", path, owner.module)
