"""Branch conditions evaluated statically for the target: ``sys.version_info``, ``sys.platform``,
``TYPE_CHECKING``, ``hasattr(stdlib_module, name)``, module-level constants.

The answer is a value, or UNKNOWN (the branch is then conditional), or one of the TYPE_CHECKING markers
(the branch is then type-only). Rules, applied in :meth:`Conditions.evaluate` through one handler per
node type:

- a comparison or boolean operator with an UNKNOWN operand is UNKNOWN, except where the other operands
  decide it (``False and ?`` is False, ``True or ?`` is True);
- ``not TYPE_CHECKING`` is the runtime branch; a TYPE_CHECKING marker inside ``and``/``or`` is UNKNOWN;
- ``hasattr(m, "x")`` asks :mod:`.stdlib` (read from the target's sources; never imported);
- ``__name__`` is the module's own name (``if __name__ == "__main__":`` never runs on import).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from indexer.symbols import stdlib
from indexer.symbols.target import Target


class Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNKNOWN: Any = Sentinel("UNKNOWN")
TYPE_CHECKING: Any = Sentinel("TYPE_CHECKING")
NOT_TYPE_CHECKING: Any = Sentinel("NOT_TYPE_CHECKING")



class Conditions:
    """Mixin of the extractor: what a module-level ``if`` test evaluates to on the target."""

    target: Target
    version: tuple[Any, ...]
    constants: dict[str, Any]
    module_name: str

    def qualify(self, node: ast.expr) -> str | None:
        raise NotImplementedError

    def evaluate(self, node: ast.expr) -> Any:
        handler = _HANDLERS.get(type(node))
        return UNKNOWN if handler is None else handler(self, node)

    def _constant(self, node: ast.Constant) -> Any:
        return node.value

    def _tuple(self, node: ast.Tuple) -> Any:
        values = [self.evaluate(e) for e in node.elts]
        return UNKNOWN if any(v is UNKNOWN for v in values) else tuple(values)

    def _name(self, node: ast.Name | ast.Attribute) -> Any:
        qualified = self.qualify(node)
        if qualified in ("TYPE_CHECKING", "typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"):
            return TYPE_CHECKING
        known = {
            "sys.version_info": self.version,
            "sys.platform": self.target.platform,
            "sys.version_info.major": self.version[0],
            "sys.version_info.minor": self.version[1],
            "__name__": self.module_name,
        }
        if qualified in known:
            return known[qualified]
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.constants[node.id]
        return UNKNOWN

    def _unary(self, node: ast.UnaryOp) -> Any:
        if not isinstance(node.op, ast.Not):
            return UNKNOWN
        value = self.evaluate(node.operand)
        if value is TYPE_CHECKING:
            return NOT_TYPE_CHECKING
        if value is NOT_TYPE_CHECKING:
            return TYPE_CHECKING
        return UNKNOWN if value is UNKNOWN else not value

    def _boolop(self, node: ast.BoolOp) -> Any:
        values = [self.evaluate(v) for v in node.values]
        if any(isinstance(v, Sentinel) and v is not UNKNOWN for v in values):
            return UNKNOWN
        decided = [v for v in values if v is not UNKNOWN]
        if isinstance(node.op, ast.And):
            if any(not v for v in decided):
                return False
            return UNKNOWN if len(decided) < len(values) else True
        if any(decided):
            return True
        return UNKNOWN if len(decided) < len(values) else False

    def _subscript(self, node: ast.Subscript) -> Any:
        value = self.evaluate(node.value)
        if not isinstance(value, tuple):
            return UNKNOWN
        if isinstance(node.slice, ast.Slice):
            lower = self.evaluate(node.slice.lower) if node.slice.lower else None
            upper = self.evaluate(node.slice.upper) if node.slice.upper else None
            if lower is UNKNOWN or upper is UNKNOWN or node.slice.step is not None:
                return UNKNOWN
            return value[lower:upper]
        index = self.evaluate(node.slice)
        if isinstance(index, int) and -len(value) <= index < len(value):
            return value[index]
        return UNKNOWN

    def _comparison(self, node: ast.Compare) -> Any:
        left = self.evaluate(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.evaluate(comparator)
            if isinstance(left, Sentinel) or isinstance(right, Sentinel):
                return UNKNOWN
            try:
                ok = _compare(op, left, right)
            except TypeError:
                return UNKNOWN
            if ok is UNKNOWN or not ok:
                return ok
            left = right
        return True

    def _call(self, node: ast.Call) -> Any:
        func = node.func
        args = [self.evaluate(a) for a in node.args]
        if isinstance(func, ast.Attribute) and func.attr in ("startswith", "endswith") and len(args) == 1:
            subject = self.evaluate(func.value)
            if isinstance(subject, str) and isinstance(args[0], str | tuple):
                return getattr(subject, func.attr)(args[0])
            return UNKNOWN
        if isinstance(func, ast.Name) and func.id == "hasattr" and len(node.args) == 2:
            module = self.qualify(node.args[0])
            if module and isinstance(args[1], str):
                answer = stdlib.has_attribute(module, args[1], self.target)
                return UNKNOWN if answer is None else answer
        return UNKNOWN


_HANDLERS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Constant: Conditions._constant,
    ast.Tuple: Conditions._tuple,
    ast.Name: Conditions._name,
    ast.Attribute: Conditions._name,
    ast.UnaryOp: Conditions._unary,
    ast.BoolOp: Conditions._boolop,
    ast.Subscript: Conditions._subscript,
    ast.Compare: Conditions._comparison,
    ast.Call: Conditions._call,
}


def _compare(op: ast.cmpop, left: Any, right: Any) -> Any:
    if isinstance(op, ast.Eq):
        return left == right
    if isinstance(op, ast.NotEq):
        return left != right
    if isinstance(op, ast.Lt):
        return left < right
    if isinstance(op, ast.LtE):
        return left <= right
    if isinstance(op, ast.Gt):
        return left > right
    if isinstance(op, ast.GtE):
        return left >= right
    if isinstance(op, ast.In):
        return left in right
    if isinstance(op, ast.NotIn):
        return left not in right
    return UNKNOWN
