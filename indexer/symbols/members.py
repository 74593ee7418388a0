"""Class members, read statically: what a class body binds, and its bases as alias targets.

Rules (applied in :func:`read_class`): a ``def`` is a ``method`` unless decorated ``@property`` /
``@cached_property`` (a ``property``; ``@x.setter`` adds nothing new); assignments bind an ``attribute``,
an annotation without a value an ``instance_attribute``; a nested ``class`` is a ``class`` and is read too
(its key is ``Outer.Inner``); statements inside ``if``/``try``/``for``/``with`` in the body count as bound,
and so do the names those bind themselves (a ``for`` target stays a class attribute, as do imports and
unpacked assignments); ``__slots__`` names are ``attribute`` (each slot is a descriptor on the class, what
``dir()`` and completion show). Members assigned after the class statement (``Cls.x = ...``,
``setattr(Cls, "x", ...)``) are added by :mod:`.patched`. Bases are alias
targets (``"mod:Base"``, the subscript of ``Generic[T]`` dropped) resolved later; a base expression that is
not a name (``make_base()``) is ``"?"``.

Inherited members follow the C3 linearisation of the static bases (:func:`linearize`), across modules and
distributions; a base that cannot be followed (not installed, compiled without stub, computed) is an
"unknown base", reported as such: the class may have members this index does not list.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from indexer.symbols.names import name_chain

MAX_NESTING = 10  # nested class bodies read
MAX_MRO = 50  # classes in one linearisation (deeper hierarchies are cut, reported as an unknown base)
UNKNOWN_BASE = "?"
_PROPERTY = frozenset({"property", "cached_property", "abstractproperty"})


@dataclass(slots=True)
class ClassInfo:
    """One class body: its bases (targets) and the names it binds -> kind."""

    bases: list[str] = field(default_factory=list)
    members: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> list[Any]:
        return [self.bases, self.members]

    @classmethod
    def from_json(cls, row: list[Any]) -> ClassInfo:
        return cls(list(row[0]), dict(row[1]))


def read_class(
    node: ast.ClassDef, qualname: str, target_of: Callable[[ast.expr], str | None], out: dict[str, ClassInfo]
) -> None:
    """Record ``node`` (and its nested classes) in ``out`` under ``qualname``; iterative over the body."""
    pending = [(node, qualname, 0)]
    while pending:
        cls, name, depth = pending.pop()
        info = ClassInfo(bases=[_base(b, target_of) for b in cls.bases])
        statements = list(cls.body)
        while statements:
            stmt = statements.pop(0)
            if isinstance(stmt, ast.If | ast.Try | ast.For | ast.AsyncFor | ast.With | ast.AsyncWith):
                for member in _block_targets(stmt):
                    info.members.setdefault(member, "attribute")
                handlers = [h.body for h in stmt.handlers] if isinstance(stmt, ast.Try) else []
                statements[:0] = [
                    *stmt.body, *getattr(stmt, "orelse", []), *[s for h in handlers for s in h],
                    *getattr(stmt, "finalbody", []),
                ]  # fmt: skip
                continue
            if isinstance(stmt, ast.ClassDef):
                info.members.setdefault(stmt.name, "class")
                if depth < MAX_NESTING:
                    pending.append((stmt, f"{name}.{stmt.name}", depth + 1))
                continue
            for member, kind in _bound(stmt):
                if kind == "property" or member not in info.members:
                    info.members[member] = kind
        out[name] = info


def _base(node: ast.expr, target_of: Callable[[ast.expr], str | None]) -> str:
    if isinstance(node, ast.Subscript):
        node = node.value  # Generic[T], Mapping[str, int]
    target = target_of(node) if name_chain(node) is not None else None
    return target or UNKNOWN_BASE


def _names(target: ast.expr) -> list[str]:
    """Names a target binds: ``x``, ``a, (b, *c)``."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _names(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return [n for e in target.elts for n in _names(e)]
    return []


def _block_targets(stmt: ast.stmt) -> list[str]:
    """What a compound statement binds itself: a ``for`` target, ``with ... as x``, ``except E as e``
    (deleted at the end of its handler: not bound)."""
    if isinstance(stmt, ast.For | ast.AsyncFor):
        return _names(stmt.target)
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return [n for item in stmt.items if item.optional_vars is not None for n in _names(item.optional_vars)]
    return []


def slot_names(value: ast.expr) -> list[str]:
    """``__slots__ = "a"`` / ``("a", "b")`` / ``["a"]`` / ``{"a": "doc"}``: the slot names (literal only)."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    elements = value.keys if isinstance(value, ast.Dict) else value.elts if isinstance(
        value, ast.Tuple | ast.List | ast.Set) else []  # fmt: skip
    return [e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def _bound(stmt: ast.stmt) -> list[tuple[str, str]]:
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        decorators = [name_chain(d.func if isinstance(d, ast.Call) else d) or [] for d in stmt.decorator_list]
        if any(d and d[-1] in ("setter", "getter", "deleter") for d in decorators):
            return []
        return [(stmt.name, "property" if any(d and d[-1] in _PROPERTY for d in decorators) else "method")]
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if any(isinstance(t, ast.Name) and t.id == "__slots__" for t in targets):
            return [(n, "attribute") for n in slot_names(stmt.value)] + [("__slots__", "attribute")]
    if isinstance(stmt, ast.Assign):
        return [(n, "attribute") for t in stmt.targets for n in _names(t)]
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        return [(stmt.target.id, "attribute")]
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return [((a.asname or a.name).partition(".")[0], "attribute") for a in stmt.names if a.name != "*"]
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        # `name: str` without a value declares an attribute of instances (dataclass and pydantic fields,
        # attributes set in __init__): not on the class itself, but what completion needs
        return [(stmt.target.id, "attribute" if stmt.value is not None else "instance_attribute")]
    return []


def linearize(
    start: str, bases_of: Callable[[str], tuple[list[str], list[str]] | None]
) -> tuple[list[str], list[str]]:
    """C3 linearisation of class ``start`` (a canonical path) and the bases it could not follow.

    ``bases_of(path)`` gives a class's resolved base paths and its unknown bases, or None when ``path`` is
    not a class this index has read. Iterative over an explicit work list; a cycle or an inconsistent
    hierarchy falls back to depth-first order (still each class once).
    """
    order: list[str] = []  # classes in dependency order (bases before subclasses)
    known: dict[str, tuple[list[str], list[str]]] = {}
    stack = [(start, False)]
    visiting: set[str] = set()
    while stack and len(known) < MAX_MRO:
        path, expanded = stack.pop()
        if path in known:
            continue
        found = bases_of(path)
        if found is None:
            known[path] = ([], [path])
            order.append(path)
            continue
        if expanded or path in visiting:
            known[path] = found
            order.append(path)
            continue
        visiting.add(path)
        stack.append((path, True))
        stack.extend((b, False) for b in reversed(found[0]) if b not in known and b not in visiting)
    mros: dict[str, list[str]] = {}
    unknown: list[str] = []
    for path in order:
        bases, missing = known[path]
        unknown.extend(m for m in missing if m not in unknown)
        mros[path] = [path, *_merge([mros.get(b, [b]) for b in bases] + [list(bases)])]
    if len(known) >= MAX_MRO and "(hierarchy cut)" not in unknown:
        unknown.append("(hierarchy cut)")
    return mros.get(start, [start]), [u for u in unknown if u != start]


def _merge(sequences: list[list[str]]) -> list[str]:
    seqs = [list(s) for s in sequences if s]
    result: list[str] = []
    while seqs:
        for seq in seqs:
            head = seq[0]
            if not any(head in other[1:] for other in seqs):
                break
        else:  # inconsistent: depth-first, each class once
            return list(dict.fromkeys(result + [c for s in seqs for c in s]))
        result.append(head)
        seqs = [s[1:] if s[0] == head else s for s in seqs]
        seqs = [s for s in seqs if s]
    return result
