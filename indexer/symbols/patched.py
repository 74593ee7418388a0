"""Members added to a module's classes after their ``class`` statement, read statically.

``dir(cls)`` (what completion shows) lists them like any other member, but they are bound by statements
outside the class body: ``Cls.name = value``, ``setattr(Cls, "name", value)``, the same in a loop over
literal strings (``for n in ("a", "b"): setattr(Cls, "get_" + n, f)``), and a module-level function that
does it run with literal arguments at import time (docutils: ``_add_node_class_names(node_class_names)``
sets ``visit_<name>``/``depart_<name>`` on the visitor classes). Only names built from literals and loop
variables over literals are followed; anything else adds nothing (never a guess). Work is bounded:
:data:`MAX_MEMBERS` names and :data:`MAX_STEPS` statements per call (then a problem says so).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence

MAX_MEMBERS = 20_000  # members one call of a patching function may add
MAX_STEPS = 200_000  # statements one call of a patching function may run (nested loops multiply)
MAX_DEPTH = 4  # nested loops followed inside a patching function

Values = Mapping[str, str | Sequence[str]]  # loop variables and parameters -> a string or a list of strings


def setattr_call(node: ast.expr) -> tuple[str, ast.expr, ast.expr] | None:
    """``setattr(Name, name_expr, value)`` -> (Name, name_expr, value)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "setattr"
        and len(node.args) == 3
        and not node.keywords
        and isinstance(node.args[0], ast.Name)
    ):
        return node.args[0].id, node.args[1], node.args[2]
    return None


def string_of(node: ast.expr, values: Values) -> str | None:
    """A string built from literals and known names: ``"visit_" + name``, ``f"get_{name}"``, ``name``."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        value = values.get(node.id)
        return value if isinstance(value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = string_of(node.left, values), string_of(node.right, values)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                if part.conversion != -1 or part.format_spec is not None:
                    return None
                text = string_of(part.value, values)
            else:
                text = string_of(part, values)
            if text is None:
                return None
            parts.append(text)
        return "".join(parts)
    return None


def member_kind(value: ast.expr, is_function: Callable[[str], bool]) -> str:
    """``method`` for a function bound on the class (a ``def`` of this module, a lambda), else ``attribute``."""
    if isinstance(value, ast.Lambda) or (isinstance(value, ast.Name) and is_function(value.id)):
        return "method"
    return "attribute"


def patches_classes(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``fn`` may set attributes on a module-level name (``setattr(Cls, ...)``): worth keeping."""
    return any(isinstance(node, ast.Call) and setattr_call(node) is not None for node in ast.walk(fn))


def run_patcher(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, args: Sequence[str | Sequence[str] | None]
) -> tuple[list[tuple[str, str, ast.expr]], bool]:
    """(class name, member name, value) for each ``setattr`` the body of ``fn`` runs when called with
    ``args`` (positional: a string, a list of strings, or None for a value we do not know), and whether a
    limit (:data:`MAX_MEMBERS`, :data:`MAX_STEPS`) cut the run short."""
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    values: dict[str, str | Sequence[str]] = {p: v for p, v in zip(params, args, strict=False) if v is not None}
    found: list[tuple[str, str, ast.expr]] = []
    steps = [0]
    _run(fn.body, values, found, steps, 0)
    return found, len(found) >= MAX_MEMBERS or steps[0] >= MAX_STEPS


def loop_values(node: ast.expr, values: Values) -> Sequence[str] | None:
    """What a ``for`` iterates over, when it is a literal collection of strings or a known list."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        items = [string_of(e, values) for e in node.elts]
        return None if any(i is None for i in items) else [i for i in items if i is not None]
    if isinstance(node, ast.Name):
        value = values.get(node.id)
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return value
    return None


def _run(body: list[ast.stmt], values: dict[str, str | Sequence[str]], found: list[tuple[str, str, ast.expr]],
         steps: list[int], depth: int) -> None:  # fmt: skip
    for stmt in body:
        steps[0] += 1
        if len(found) >= MAX_MEMBERS or steps[0] >= MAX_STEPS:
            return
        if isinstance(stmt, ast.Expr):
            call = setattr_call(stmt.value)
            name = string_of(call[1], values) if call is not None else None
            if call is not None and name is not None:
                found.append((call[0], name, call[2]))
        elif isinstance(stmt, ast.For) and isinstance(stmt.target, ast.Name) and depth < MAX_DEPTH:
            items = loop_values(stmt.iter, values)
            if items is None:
                continue
            saved = values.get(stmt.target.id)
            for item in items:
                values[stmt.target.id] = item
                _run(stmt.body, values, found, steps, depth + 1)
            if saved is None:
                values.pop(stmt.target.id, None)
            else:
                values[stmt.target.id] = saved
