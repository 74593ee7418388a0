"""One module's source -> what its namespace binds, without running it.

Only module-level statements are read (function and class bodies are skipped): definitions, imports
(aliases into other modules), ``__all__`` in its usual forms, lazy-loading hooks (PEP 562 module
``__getattr__``, ``lazy_loader.attach``/``attach_stub``), ``if TYPE_CHECKING`` (type-only),
``sys.version_info``/``sys.platform`` branches evaluated for the target, and ``try/except ImportError``
fallbacks (recorded as alternatives). Targets are strings: ``"mod"`` names a module, ``"mod:a.b"`` the
attribute path ``a.b`` looked up in module ``mod``; resolving them is :mod:`indexer.symbols.resolve`'s job.
"""

from __future__ import annotations

import ast
import builtins
from collections import ChainMap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.symbols import stdlib
from indexer.symbols.conditions import NOT_TYPE_CHECKING, TYPE_CHECKING, UNKNOWN, Conditions, Sentinel
from indexer.symbols.dunder_all import AllNames
from indexer.symbols.lazy import LazyLoaders, module_table, string_table
from indexer.symbols.members import ClassInfo, read_class
from indexer.symbols.names import name_chain
from indexer.symbols.patched import member_kind, patches_classes, run_patcher, setattr_call, string_of
from indexer.symbols.skeleton import skeleton
from indexer.symbols.target import Target

#: Binding kinds. "alias" points at ``target``; "lazy" is an alias that only exists on first access.
DEFINITION_KINDS = frozenset({"class", "function", "variable", "type_alias"})

_BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_"))
_MAX_COLLECTION = 5000  # names kept per module-level collection that another module's __all__ may copy
_MAX_LOOP = 1000  # iterations of a module-level loop over a literal that are followed
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "AttributeError", "Exception", "BaseException"})


@dataclass(slots=True)
class Binding:
    """A name bound in a module's namespace."""

    kind: str  # class | function | variable | type_alias | alias | lazy
    target: str | None = None  # for alias/lazy: "mod" or "mod:attr.path"
    line: int = 0
    type_only: bool = False  # only under `if TYPE_CHECKING:`
    conditional: bool = False  # bound in a branch we could not decide
    hidden: bool = False  # a stub's `from x import y` without `as y` (PEP 484: not re-exported)
    alternatives: list[str] = field(default_factory=list)  # fallbacks: targets or "<kind>@line"

    def to_json(self) -> list[Any]:
        flags = (1 if self.type_only else 0) | (2 if self.conditional else 0) | (4 if self.hidden else 0)
        return [self.kind, self.target, self.line, flags, self.alternatives]

    @classmethod
    def from_json(cls, row: list[Any]) -> Binding:
        kind, target, line, flags, alternatives = row
        return cls(kind, target, line, bool(flags & 1), bool(flags & 2), bool(flags & 4), alternatives)


@dataclass(slots=True)
class ModuleInfo:
    """What one module binds; ``source`` says where that knowledge came from."""

    name: str
    file: str  # path as in RECORD
    source: str  # "python" | "stub" | "extension" (opaque: no stub, not executed)
    is_package: bool = False
    bindings: dict[str, Binding] = field(default_factory=dict)
    all_names: list[str] | None = None  # literal names in __all__ (None: no __all__)
    all_from: list[str] = field(default_factory=list)  # targets whose __all__ is added (`sub.__all__`)
    all_dynamic: bool = False  # __all__ built in a way we cannot read
    star_imports: list[str] = field(default_factory=list)  # modules of `from m import *`
    type_star: list[str] = field(default_factory=list)  # `if TYPE_CHECKING: from m import *` (what __getattr__ loads)
    dynamic: bool = False  # module __getattr__ (PEP 562): more names may exist than are bound
    writes_globals: bool = False  # `globals()[name] = ...` / `globals().update(...)` we could not follow
    forward: str | None = None  # __getattr__ returns getattr(<this target>, name): a deprecation shim
    stub: ModuleInfo | None = None  # the adjacent .pyi, read when the runtime module's names are not all visible
    collections: dict[str, list[str]] = field(default_factory=dict)  # `LEXERS = {"a": ...}`: for another's __all__
    tables: dict[str, dict[str, str]] = field(default_factory=dict)  # `{"Name": ("home.module", ...)}`: where
    classes: dict[str, ClassInfo] = field(default_factory=dict)  # "Outer" / "Outer.Inner" -> bases and members
    problems: list[str] = field(default_factory=list)

    @property
    def opaque(self) -> bool:
        return self.source == "extension"

    @property
    def partly_hidden(self) -> bool:
        """Names may exist that the source does not show (star imports, dynamic __all__, __getattr__)."""
        return (
            bool(self.star_imports)
            or self.all_dynamic
            or self.writes_globals
            or (self.dynamic and self.forward is None)
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": self.file,
            "source": self.source,
            "bindings": {n: b.to_json() for n, b in self.bindings.items()},
        }
        if self.is_package:
            data["package"] = True
        if self.all_names is not None:
            data["all"] = self.all_names
        if self.all_from:
            data["all_from"] = self.all_from
        if self.all_dynamic:
            data["all_dynamic"] = True
        if self.star_imports:
            data["star"] = self.star_imports
        if self.type_star:
            data["type_star"] = self.type_star
        if self.dynamic:
            data["dynamic"] = True
        if self.forward:
            data["forward"] = self.forward
        if self.writes_globals:
            data["writes_globals"] = True
        if self.stub is not None:
            data["stub"] = self.stub.to_json()
        if self.collections:
            data["collections"] = self.collections
        if self.tables:
            data["tables"] = self.tables
        if self.classes:
            data["classes"] = {name: c.to_json() for name, c in self.classes.items()}
        if self.problems:
            data["problems"] = self.problems
        return data

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> ModuleInfo:
        return cls(
            name=name,
            file=data["file"],
            source=data["source"],
            is_package=data.get("package", False),
            bindings={n: Binding.from_json(b) for n, b in data["bindings"].items()},
            all_names=data.get("all"),
            all_from=data.get("all_from", []),
            all_dynamic=data.get("all_dynamic", False),
            star_imports=data.get("star", []),
            type_star=data.get("type_star", []),
            dynamic=data.get("dynamic", False),
            forward=data.get("forward"),
            writes_globals=data.get("writes_globals", False),
            stub=ModuleInfo.from_json(name, data["stub"]) if "stub" in data else None,
            collections=data.get("collections", {}),
            tables=data.get("tables", {}),
            classes={name: ClassInfo.from_json(row) for name, row in data.get("classes", {}).items()},
            problems=data.get("problems", []),
        )


def opaque_module(name: str, file: str, *, is_package: bool = False) -> ModuleInfo:
    """An extension module without a stub: nothing is known until someone runs it (on request only)."""
    return ModuleInfo(name=name, file=file, source="extension", is_package=is_package)


def extract_module(
    name: str,
    file: str,
    source: bytes,
    target: Target,
    *,
    is_package: bool = False,
    stub: bool = False,
    location: Path | None = None,
    use_skeleton: bool = True,
) -> ModuleInfo:
    """Parse one module and return its bindings. A syntax error becomes a problem, never an exception.

    ``use_skeleton=False`` parses the whole file (the skeleton is only a speed-up; tests compare the two).
    """
    info = ModuleInfo(name=name, file=file, source="stub" if stub else "python", is_package=is_package)
    tree = None
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        text = None  # a PEP 263 coding cookie: let the full parser decode it
    reduced = skeleton(text) if text is not None and use_skeleton else None
    if reduced is not None:
        try:
            tree = ast.parse(reduced, filename=file)
        except (SyntaxError, ValueError):
            tree = None  # the skeleton was wrong about this file: parse it whole
        except (RecursionError, MemoryError):
            tree = None  # nesting too deep for the parser: the full parse reports it below
    if tree is None:
        try:
            tree = ast.parse(source, filename=file)
        except (SyntaxError, ValueError) as exc:  # ValueError: null bytes
            info.problems.append(f"cannot parse {file}: {exc.__class__.__name__}: {exc}")
            return info
        except (RecursionError, MemoryError):
            # CPython's parser gives up on deeply nested expressions (100k `.attr`, `+`, calls, lambdas)
            info.problems.append(f"cannot parse {file}: expressions nested too deeply")
            return info
    try:
        _Extractor(info, target, stub=stub, location=location).run(tree)
    except RecursionError:
        # what parsed may still be nested deeper than the extractor follows: the module only is lost
        info.bindings.clear()
        info.problems.append(f"cannot read {file}: expressions nested too deeply")
    return info


class _Extractor(Conditions, AllNames, LazyLoaders):
    """Module-level statements -> bindings, one ``on_<Statement>`` handler per statement type (as griffe's
    visitors); the parts live beside it: :mod:`.conditions` (``if`` tests), :mod:`.dunder_all`
    (``__all__``), :mod:`.lazy` (lazy loaders). Precedence of the four flags, applied in :meth:`bind`:
    ``type_only`` (under ``if TYPE_CHECKING``) never replaces a runtime binding; ``alternative`` (an
    ``except ImportError`` or undecided ``else``) and an existing ``conditional`` binding keep the first
    binding primary and add a fallback; ``guarded`` (a ``try:`` body) replaces and keeps the old as fallback.
    """

    def __init__(self, info: ModuleInfo, target: Target, *, stub: bool, location: Path | None) -> None:
        self.info = info
        self.module_name = info.name
        self.target = target
        self.stub = stub
        self.location = location
        self.version = (*target.version, "final", 0)
        self.constants: dict[str, Any] = {}  # module-level names bound to values we could evaluate
        self.str_lists: dict[str, list[str]] = {}  # `_names = ["a", "b"]`, for `__all__ = _names + ...`
        self.str_maps: dict[str, dict[str, list[str]]] = {}  # dict literals: lazy-import tables
        self.key_lists: dict[str, list[str]] = {}  # dict literals with string keys: `list(LEXERS)` in __all__
        self.getattr_names: set[str] = set()  # names read inside module __getattr__
        self.all_extenders: set[str] = set()  # `def extend_all(module): __all__.extend(module.__all__)`
        self.all_aliases: dict[str, str] = {}  # `from m import __all__ as x`: x -> m
        self.patchers: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}  # functions that setattr a class
        self.type_only = False
        self.conditional = False
        self.alternative = False
        self.guarded = False  # inside a `try:` body: what it replaces stays as a fallback

    # -- helpers -------------------------------------------------------------------------------

    def absolute(self, module: str | None, level: int) -> str | None:
        """Absolute module name of a (possibly relative) import (PEP 328)."""
        if level == 0:
            return module
        parts = self.info.name.split(".")
        if not self.info.is_package:
            parts = parts[:-1]
        if level - 1 >= len(parts):
            return None  # above the top-level package
        base = parts[: len(parts) - (level - 1)]
        if module:
            base = [*base, module]
        return ".".join(base) if base else None

    def bind(self, name: str, kind: str, target: str | None, line: int, *, hidden: bool = False) -> None:
        bindings = self.info.bindings
        existing = bindings.get(name)
        if self.type_only:
            if existing is None or existing.type_only:
                bindings[name] = Binding(kind, target, line, type_only=True, hidden=hidden)
            return
        if existing is not None and not existing.type_only and (self.alternative or (
                existing.conditional and (self.conditional or self.guarded))):  # fmt: skip
            # a fallback (except ImportError / undecided else-branch): the first binding stays primary; a
            # statement that always runs after it replaces it (`except ImportError: import Image` and then
            # `class Image:` at module level: the class is what the module has)
            existing.alternatives.append(target if target else f"{kind}@{line}")
            return
        binding = Binding(kind, target, line, conditional=self.conditional or self.alternative, hidden=hidden)
        if self.guarded and existing is not None and not existing.type_only:
            # `def f(): ...` then `try: from fast import f`: if `fast` is missing, the def is what runs
            binding.alternatives = [existing.target or f"{existing.kind}@{existing.line}", *existing.alternatives]
        bindings[name] = binding

    def qualify(self, node: ast.expr) -> str | None:
        """Dotted name of a Name/Attribute chain, with the first name expanded through imports."""
        parts = name_chain(node)
        if parts is None:
            return None
        binding = self.info.bindings.get(parts[0])
        if binding is not None and binding.kind == "alias" and binding.target:
            parts[0] = binding.target.replace(":", ".")
        return ".".join(parts)

    def local_target(self, node: ast.expr) -> str | None:
        """``X = a.b.c`` -> ``"thismodule:a.b.c"``: an alias resolved later through this module's names."""
        parts = name_chain(node)
        return None if parts is None else f"{self.info.name}:" + ".".join(parts)

    # -- evaluation of branch conditions -------------------------------------------------------

    # -- statements -----------------------------------------------------------------------------

    def run(self, tree: ast.Module) -> None:
        self.walk(tree.body)
        self.finish()

    def walk(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            handler = getattr(self, "on_" + stmt.__class__.__name__, None)
            if handler is not None:
                handler(stmt)

    def with_flags(
        self, body: list[ast.stmt], *, type_only: bool = False, conditional: bool = False, alternative: bool = False
    ) -> None:
        saved = (self.type_only, self.conditional, self.alternative)
        self.type_only = self.type_only or type_only
        self.conditional = self.conditional or conditional
        self.alternative = self.alternative or alternative
        try:
            self.walk(body)
        finally:
            self.type_only, self.conditional, self.alternative = saved

    def on_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.bind(node.name, "function", None, node.lineno)
        if _extends_all(node):
            self.all_extenders.add(node.name)
        if patches_classes(node):
            self.patchers[node.name] = node
        else:
            self.patchers.pop(node.name, None)
        if node.name == "__getattr__" and not self.type_only and not self.stub:
            self.info.dynamic = True
            self.getattr_names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
            self.info.forward = self.forwarded(node)

    on_AsyncFunctionDef = on_FunctionDef

    def on_ClassDef(self, node: ast.ClassDef) -> None:
        if not self.type_only:  # bases first: `class Foo(Foo)` names the imported Foo, not itself
            read_class(node, node.name, self.local_target, self.info.classes)
        self.bind(node.name, "class", None, node.lineno)

    def on_TypeAlias(self, node: Any) -> None:  # `type X = ...` (PEP 695)
        if isinstance(node.name, ast.Name):
            self.bind(node.name.id, "type_alias", None, node.lineno)

    def on_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.bind(
                    alias.asname,
                    "alias",
                    alias.name,
                    node.lineno,
                    hidden=self.stub and alias.asname != alias.name.rpartition(".")[2],
                )
            else:
                # `import a.b.c` binds `a` (and loads a.b.c)
                head = alias.name.partition(".")[0]
                self.bind(head, "alias", head, node.lineno, hidden=self.stub)

    def on_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = self.absolute(node.module, node.level)
        if module is None:
            self.info.problems.append(f"line {node.lineno}: relative import beyond the top-level package")
            return
        for alias in node.names:
            if alias.name == "*":
                stars = self.info.type_star if self.type_only else self.info.star_imports
                if module not in stars:
                    stars.append(module)
                continue
            if alias.name == "__all__" and not self.type_only:
                if alias.asname and alias.asname != "__all__":
                    self.all_aliases[alias.asname] = module
                else:  # `from .cli import __all__`: this module exports what that one does
                    self.info.all_names = []
                    self.info.all_from = [module]
                    self.info.all_dynamic = False
                continue
            hidden = self.stub and alias.asname != alias.name
            self.bind(alias.asname or alias.name, "alias", f"{module}:{alias.name}", node.lineno, hidden=hidden)
        prefix = self.info.name + "."
        if self.info.is_package and module.startswith(prefix) and not self.type_only:
            # importing pkg.sub.x from pkg/__init__ sets `sub` on the package (import system semantics):
            # `pkg.sub` is then an attribute everyone sees (click.core, jinja2.filters); a stub hides it
            child = module[len(prefix) :].partition(".")[0]
            if child not in self.info.bindings:
                self.bind(child, "alias", prefix + child, node.lineno, hidden=self.stub)

    def on_Assign(self, node: ast.Assign) -> None:
        value = node.value
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assign(target.id, value, node.lineno)
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                self.add_member(target.value.id, target.attr, value)  # `Cls.name = value` after the class
            elif isinstance(target, ast.Subscript) and _is_globals(target.value):
                key = self.evaluate(target.slice)  # `globals()[name] = ...` in a loop over literal names
                if isinstance(key, str):
                    self.bind(key, "variable", None, node.lineno)
                else:
                    self.info.writes_globals = True
            elif isinstance(target, ast.Tuple | ast.List):
                names = [e.id for e in target.elts if isinstance(e, ast.Name)]
                if isinstance(value, ast.Call) and self.lazy_loader_call(value, names, node.lineno):
                    continue
                if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
                    for element, element_value in zip(target.elts, value.elts, strict=True):
                        if isinstance(element, ast.Name):
                            self.assign(element.id, element_value, node.lineno)
                    continue
                for name in names:
                    self.bind(name, "variable", None, node.lineno)

    def on_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name):
            if node.value is not None:
                self.assign(node.target.id, node.value, node.lineno)
            elif self.stub:
                self.bind(node.target.id, "variable", None, node.lineno)

    def on_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name) and node.target.id == "__all__" and isinstance(node.op, ast.Add):
            self.add_all(node.value)

    def add_member(self, cls: str, name: str, value: ast.expr) -> None:
        """A member set on a class of this module after its body (:mod:`.patched`)."""
        info = self.info.classes.get(cls)
        binding = self.info.bindings.get(cls)
        if info is None or binding is None or binding.kind != "class" or self.type_only:
            return
        kind = member_kind(value, lambda n: (b := self.info.bindings.get(n)) is not None and b.kind == "function")
        info.members.setdefault(name, kind)

    def patch_classes(self, call: ast.Call) -> bool:
        """``setattr(Cls, <name>, value)`` (True: nothing else to read in it), or a call of a function of this
        module that does it."""
        values = ChainMap[str, Any](self.constants, self.str_lists, self.key_lists)
        direct = setattr_call(call)
        if direct is not None:
            name = string_of(direct[1], values)
            if name is not None:
                self.add_member(direct[0], name, direct[2])
            return True
        fn = self.patchers.get(call.func.id) if isinstance(call.func, ast.Name) else None
        if fn is not None and not call.keywords:
            args = [string_of(a, values) or self.literal_strings(a) for a in call.args]
            found, cut = run_patcher(fn, args)
            for cls, name, value in found:
                self.add_member(cls, name, value)
            if cut:
                self.info.problems.append(f"line {call.lineno}: {fn.name}(): class members it sets read up to a limit")
        return False

    def on_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if isinstance(call, ast.Call) and self.patch_classes(call):
            return
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id in self.all_extenders
            and len(call.args) == 1
            and not self.type_only
        ):
            self.add_all(ast.Attribute(value=call.args[0], attr="__all__", ctx=ast.Load()))  # extend_all(umath)
            return
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            return
        owner = call.func.value
        if isinstance(owner, ast.Name) and owner.id == "__all__" and not self.type_only:
            method = call.func.attr
            if method == "extend" and len(call.args) == 1:
                self.add_all(call.args[0])
            elif method == "append" and len(call.args) == 1:
                self.add_all(ast.List(elts=[call.args[0]], ctx=ast.Load()))
            elif method == "remove" and len(call.args) == 1:
                value = self.evaluate(call.args[0])
                if isinstance(value, str) and self.info.all_names:
                    self.info.all_names = [n for n in self.info.all_names if n != value]
        elif isinstance(owner, ast.Name) and owner.id in self.str_lists and len(call.args) == 1:
            value = self.evaluate(call.args[0])  # `_names.append("x")` on a known list of names
            if call.func.attr == "append" and isinstance(value, str):
                self.str_lists[owner.id].append(value)
            elif call.func.attr == "extend" and isinstance(value, tuple | list):
                self.str_lists[owner.id].extend(v for v in value if isinstance(v, str))
        elif (
            isinstance(owner, ast.Call)
            and isinstance(owner.func, ast.Name)
            and owner.func.id == "globals"
            and call.func.attr == "update"
            and not self.globals_update(call, node.lineno)
        ):
            self.info.writes_globals = True  # globals().update(...): names we cannot see

    def globals_update(self, call: ast.Call, line: int) -> bool:
        """``globals().update({n: getattr(mod, n) for n in NAMES if hasattr(mod, n)})`` (typing_extensions)."""
        if len(call.args) != 1 or not isinstance(call.args[0], ast.DictComp):
            return False
        comp = call.args[0]
        if len(comp.generators) != 1:
            return False
        gen = comp.generators[0]
        value = comp.value
        if not (
            isinstance(gen.target, ast.Name)
            and isinstance(gen.iter, ast.Name)
            and gen.iter.id in self.str_lists
            and isinstance(comp.key, ast.Name)
            and comp.key.id == gen.target.id
            and isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "getattr"
            and len(value.args) >= 2
            and isinstance(value.args[1], ast.Name)
            and value.args[1].id == gen.target.id
        ):
            return False
        module = self.qualify(value.args[0])
        if module is None:
            return False
        for name in self.str_lists[gen.iter.id]:
            present: bool | None = True
            for test in gen.ifs:
                if (
                    isinstance(test, ast.Call)
                    and isinstance(test.func, ast.Name)
                    and test.func.id == "hasattr"
                    and len(test.args) == 2
                    and isinstance(test.args[1], ast.Name)
                    and test.args[1].id == gen.target.id
                ):
                    owner = self.qualify(test.args[0])
                    has = stdlib.has_attribute(owner, name, self.target) if owner else None
                    present = None if has is None or present is None else present and has
                else:
                    present = None
            if present is False:
                continue
            saved = self.conditional
            self.conditional = self.conditional or present is None
            self.bind(name, "alias", f"{module}:{name}", line)
            self.conditional = saved
        return True

    def on_Delete(self, node: ast.Delete) -> None:
        if self.conditional or self.alternative or self.type_only:
            return
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.info.bindings.pop(target.id, None)

    def on_If(self, node: ast.If) -> None:
        test = self.evaluate(node.test)
        if test is TYPE_CHECKING:
            self.with_flags(node.body, type_only=True)
            self.walk(node.orelse)
        elif test is NOT_TYPE_CHECKING:
            self.walk(node.body)
            self.with_flags(node.orelse, type_only=True)
        elif test is UNKNOWN:
            self.with_flags(node.body, conditional=True)
            self.with_flags(node.orelse, alternative=True)
        elif test:
            self.walk(node.body)
        else:
            self.walk(node.orelse)

    def on_Try(self, node: ast.Try) -> None:
        if _probes_undefined_name(node):
            # `try: FLAG except NameError: FLAG = False`: on a normal import FLAG is undefined (numpy's
            # __NUMPY_SETUP__), so the handler is what runs
            for handler in node.handlers:
                self.walk(handler.body)
            return
        fails = self.try_fails(node.body)
        if fails is True:
            # the fallback is what the target runs; the try body is the alternative
            for handler in node.handlers:
                if _catches_import_error(handler):
                    self.walk(handler.body)
            self.with_flags(node.body, alternative=True)
        else:
            saved, self.guarded = self.guarded, True
            try:
                self.walk(node.body)
            finally:
                self.guarded = saved
            for handler in node.handlers:
                self.with_flags(handler.body, alternative=True)
            self.walk(node.orelse)
        self.walk(node.finalbody)

    on_TryStar = on_Try

    def literal_strings(self, node: ast.expr) -> list[str] | None:
        if isinstance(node, ast.List | ast.Tuple | ast.Set) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
        ):
            return [str(e.value) for e in node.elts if isinstance(e, ast.Constant)]
        if isinstance(node, ast.Name):
            return self.str_lists.get(node.id) or self.key_lists.get(node.id)
        return None

    def on_With(self, node: ast.With) -> None:
        self.walk(node.body)

    def on_For(self, node: ast.For) -> None:
        """A loop over a literal collection of strings is followed (``for n in ["a", "b"]:
        __all__.append(n)``); other loop bodies are not, but ``globals()[k] = v`` in one means names we
        cannot list."""
        values = self.literal_strings(node.iter)
        if isinstance(node.target, ast.Name) and values is not None and len(values) <= _MAX_LOOP:
            variable = node.target.id
            for value in values:
                self.constants[variable] = value
                self.walk(node.body)
            self.constants.pop(variable, None)
            return
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Subscript)
                and isinstance(sub.ctx, ast.Store)
                and isinstance(sub.value, ast.Call)
                and isinstance(sub.value.func, ast.Name)
                and sub.value.func.id in ("globals", "vars")
            ) or (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "update"
                and isinstance(sub.func.value, ast.Call)
                and isinstance(sub.func.value.func, ast.Name)
                and sub.func.value.func.id == "globals"
            ):
                self.info.writes_globals = True
                return

    def try_fails(self, body: list[ast.stmt]) -> bool | None:
        """For stdlib-only imports on the running target: does this try body raise ImportError?"""
        if not self.target.is_running:
            return None
        decided = False
        for stmt in body:
            if isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
                for alias in stmt.names:
                    if alias.name == "*":
                        continue
                    has = stdlib.has_attribute(stmt.module, alias.name, self.target)
                    if has is None:
                        return None
                    if not has and stdlib.importable(f"{stmt.module}.{alias.name}", self.target) is not True:
                        return True
                    decided = True
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    ok = stdlib.importable(alias.name, self.target)
                    if ok is None:
                        return None
                    if not ok:
                        return True
                    decided = True
        return False if decided else None

    # -- assignments, __all__, lazy loaders ------------------------------------------------------

    def assign(self, name: str, value: ast.expr, line: int) -> None:
        if name == "__all__":
            if not self.type_only:
                self.info.all_names = []
                self.info.all_from = []
                self.info.all_dynamic = False
                self.add_all(value)
            return
        if isinstance(value, ast.Call) and self.lazy_loader_call(value, [name], line):
            return
        self.remember_value(name, value)
        if name == "__getattr__":
            if not self.type_only and not self.stub:
                self.info.dynamic = True  # `__getattr__ = make_getattr(__name__)` (PEP 562, built by a factory)
            self.bind(name, "variable", None, line)
            return
        if isinstance(value, ast.Name) and value.id in _BUILTIN_NAMES and value.id not in self.info.bindings:
            self.bind(name, "alias", f"builtins:{value.id}", line)  # `FileDescriptorLike = object`
            return
        existing = self.info.bindings.get(name)
        if existing is not None and existing.kind in ("class", "function") and _wraps(value, name):
            return  # `Foo = total_ordering(Foo)`, `Attribute = _add_hash(_add_eq(Attribute))`: still that class
        chain = name_chain(value)
        if chain is not None and chain[0] == name:
            # `X = X.T`: a new value computed from the old one, defined here (never an alias of itself)
            self.bind(name, "variable", None, line)
            return
        target = self.local_target(value) if chain is not None else None
        if target is not None:
            self.bind(name, "alias", target, line)
            return
        self.bind(name, "function" if isinstance(value, ast.Lambda) else "variable", None, line)

    def remember_value(self, name: str, value: ast.expr) -> None:
        """Constants (for later ``if`` tests), lists of names and dict tables (for ``__all__`` and lazy loaders)."""
        if not self.conditional and not self.alternative and not self.type_only:
            evaluated = self.evaluate(value)
            if evaluated is not UNKNOWN and not isinstance(evaluated, Sentinel):
                self.constants[name] = evaluated
            else:
                self.constants.pop(name, None)
        if isinstance(value, ast.List | ast.Tuple | ast.Set) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
        ):
            self.str_lists[name] = [str(e.value) for e in value.elts if isinstance(e, ast.Constant)]
        elif _is_split_literal(value):  # `names = """a b c""".split()` (docutils' node_class_names)
            self.str_lists[name] = value.func.value.value.split()  # type: ignore[attr-defined]
        elif isinstance(value, ast.Dict):
            table = string_table(value)
            if table:
                self.str_maps[name] = table
            keys = [k.value for k in value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            if keys and len(keys) == len(value.keys):
                self.key_lists[name] = keys
                homes = module_table(keys, value.values)
                if homes and name.isupper() and len(homes) <= _MAX_COLLECTION and not self.stub:
                    self.info.tables[name] = homes

    def finish(self) -> None:
        """``__all__`` without duplicates (first occurrence wins); collections another module's ``__all__``
        may copy; lazy tables; names promised by ``__all__`` and imported only under TYPE_CHECKING are what
        ``__getattr__`` loads."""
        info = self.info
        if info.all_names is not None:
            info.all_names = list(dict.fromkeys(info.all_names))
        for name, values in (*self.str_lists.items(), *self.key_lists.items()):
            if not self.stub and len(values) <= _MAX_COLLECTION and name.isupper():
                info.collections[name] = values
        if not info.dynamic:
            return
        self.lazy_tables()
        for name in info.all_names or ():
            binding = info.bindings.get(name)
            if binding is not None and binding.type_only and binding.kind == "alias":
                info.bindings[name] = Binding("lazy", binding.target, binding.line)


def _wraps(value: ast.expr, name: str) -> bool:
    """``value`` is a call that receives ``name`` itself, possibly through nested calls (a decorator applied
    by hand: ``deco(name)``, ``deco(arg)(name)``, ``a(b(name, x=1))``)."""
    pending = [value]
    for _ in range(20):
        if not pending:
            return False
        node = pending.pop()
        if not isinstance(node, ast.Call):
            continue
        for arg in node.args:
            if isinstance(arg, ast.Name) and arg.id == name:
                return True
        pending.extend(a for a in node.args if isinstance(a, ast.Call))
    return False


def _is_split_literal(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "split"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
        and not node.args
        and not node.keywords
    )


def _is_globals(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("globals", "vars")


def _probes_undefined_name(node: ast.Try) -> bool:
    return (
        len(node.body) == 1
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Name)
        and bool(node.handlers)
        and all(isinstance(h.type, ast.Name) and h.type.id == "NameError" for h in node.handlers)
    )


def _extends_all(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A helper that copies its argument's ``__all__`` into the module's (numpy's ``extend_all``)."""
    if len(fn.args.args) != 1:
        return False
    param = fn.args.args[0].arg
    reads_param_all = mutates_all = False
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "__all__"
            and isinstance(node.value, ast.Name)
            and node.value.id == param
        ):
            reads_param_all = True
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("append", "extend")
            and isinstance(node.value, ast.Name)
            and node.value.id == "__all__"
        ):
            mutates_all = True
    return reads_param_all and mutates_all


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for t in types:
        name = t.attr if isinstance(t, ast.Attribute) else t.id if isinstance(t, ast.Name) else ""
        if name in _IMPORT_ERRORS:
            return True
    return False
