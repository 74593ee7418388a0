"""``__all__`` as written: literals, ``+``/``|``, ``.extend``/``.append``, ``sub.__all__``, ``list(...)``,
known lists of names, and names imported from another module (``+ list(LEXERS)``).

Rules: a term read here adds names in order (duplicates are dropped once, by the extractor's ``finish``);
another module's ``__all__`` or literal collection is recorded in ``all_from`` and expanded by the resolver;
anything else makes ``__all__`` dynamic (names may exist that are not listed). Iterative: a 100k-term ``+``
chain costs time linear in its length.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from indexer.symbols.names import name_chain

if TYPE_CHECKING:
    from indexer.symbols.extract import ModuleInfo


@dataclass(slots=True)
class _Name:
    """One element of a literal ``__all__`` (a name, not a collection of names)."""

    node: ast.expr

    @property
    def value(self) -> object:
        return self.node.value if isinstance(self.node, ast.Constant) else None



class AllNames:
    """Mixin of the extractor: what ``__all__`` lists."""

    if TYPE_CHECKING:
        info: ModuleInfo
        str_lists: dict[str, list[str]]
        key_lists: dict[str, list[str]]
        all_aliases: dict[str, str]

        def evaluate(self, node: ast.expr) -> Any: ...
        def local_target(self, node: ast.expr) -> str | None: ...

    def add_all(self, start: ast.expr) -> None:
        """Add to ``__all__``: literals, ``+``, ``sub.__all__``, ``list(...)``, known name lists, and names
        imported from another module (``+ list(LEXERS)``: resolved later to that module's literal collection).

        Iterative (an explicit stack), so a 100k-term ``+`` chain costs time linear in its length; duplicates
        are dropped once, in :meth:`finish`, not by scanning the list on every insert.
        """
        info = self.info
        if info.all_names is None:
            info.all_names = []
        names = info.all_names
        stack: list[ast.expr | _Name] = [start]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.List | ast.Tuple | ast.Set):
                for element in reversed(node.elts):
                    stack.append(element.value if isinstance(element, ast.Starred) else _Name(element))
            elif isinstance(node, _Name):
                value = node.value if isinstance(node.value, str) else self.evaluate(node.node)
                if isinstance(value, str):
                    names.append(value)
                else:
                    info.all_dynamic = True
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.BitOr):  # list + list, set | set
                stack.append(node.right)
                stack.append(node.left)
            elif isinstance(node, ast.Subscript) and _whole_slice(node.slice):
                stack.append(node.value)  # `np.__all__[:]`: a copy
            elif isinstance(node, ast.Call) and _copies_collection(node):
                stack.append(node.args[0])
            else:
                self.add_all_reference(node)

    def add_all_reference(self, node: ast.expr) -> None:
        """One term of ``__all__`` that names something else: a list of names, another module's ``__all__``."""
        info = self.info
        if isinstance(node, ast.Attribute) and node.attr == "__all__":
            target = self.local_target(node.value)
            if target is None:
                info.all_dynamic = True
            else:
                info.all_from.append(target)
        elif isinstance(node, ast.Name) and (node.id in self.str_lists or node.id in self.key_lists):
            assert info.all_names is not None
            info.all_names.extend(self.str_lists.get(node.id) or self.key_lists[node.id])
        elif isinstance(node, ast.Name) and node.id == "__all__":
            pass  # `__all__ = __all__ + [...]`
        elif isinstance(node, ast.Name) and node.id in self.all_aliases:
            info.all_from.append(self.all_aliases[node.id])
        elif isinstance(node, ast.Name | ast.Attribute) and self.imported(node):
            info.all_from.append(f"{self.local_target(node)}")  # `+ list(LEXERS)`: another module's collection
        else:
            info.all_dynamic = True

    def imported(self, node: ast.Name | ast.Attribute) -> bool:
        """Whether the chain's head is an import (its value is another module's business)."""
        parts = name_chain(node)
        binding = self.info.bindings.get(parts[0]) if parts else None
        return binding is not None and binding.kind == "alias" and binding.target is not None


def _whole_slice(node: ast.expr) -> bool:
    return isinstance(node, ast.Slice) and node.lower is None and node.upper is None and node.step is None


def _copies_collection(node: ast.Call) -> bool:
    """``list(x)``, ``tuple(x)``, ``sorted(x)``, ``set(x)``: the same names (of a dict: its keys)."""
    return (
        isinstance(node.func, ast.Name)
        and node.func.id in ("list", "tuple", "sorted", "set", "frozenset")
        and len(node.args) == 1
        and not node.keywords
    )
