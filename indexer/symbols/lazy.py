"""Lazy loaders: names a module provides on first access, written down statically.

- ``lazy_loader.attach(__name__, submodules, submod_attrs)`` and ``attach_stub`` (scientific Python);
- PEP 562 module ``__getattr__`` reading a literal table (``{"Name": ".module"}``, ``{"module": [names]}``,
  ``{"Name": ("module", "attr")}``): the table names where each lazily loaded name lives;
- ``__getattr__`` that forwards to another module (``return getattr(mod, name)``): a deprecation shim;
- tables of ``{"Name": ("home.module", ...)}`` named in ``__all__`` (pygments' LEXERS), kept for the resolver.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.installed.safe_io import TooLarge, read_limited

if TYPE_CHECKING:
    from indexer.symbols.extract import ModuleInfo

_MAX_STUB = 4 * 1024 * 1024


class LazyLoaders:
    """Mixin of the extractor: lazy-loading hooks."""

    if TYPE_CHECKING:
        info: ModuleInfo
        location: Path | None
        str_maps: dict[str, dict[str, list[str]]]
        getattr_names: set[str]

        def qualify(self, node: ast.expr) -> str | None: ...
        def absolute(self, module: str | None, level: int) -> str | None: ...
        def bind(self, name: str, kind: str, target: str | None, line: int, *, hidden: bool = False) -> None: ...

    def lazy_loader_call(self, call: ast.Call, names: list[str], line: int) -> bool:
        """``__getattr__, __dir__, __all__ = lazy.attach(__name__, submodules, submod_attrs)`` or attach_stub."""
        qualified = self.qualify(call.func)
        if qualified not in ("lazy_loader.attach", "lazy_loader.attach_stub"):
            return False
        exported: dict[str, str] = {}
        if qualified == "lazy_loader.attach":
            args: dict[str, ast.expr] = dict(zip(("package", "submodules", "submod_attrs"), call.args, strict=False))
            args.update({k.arg: k.value for k in call.keywords if k.arg})
            submodules = args.get("submodules")
            if isinstance(submodules, ast.List | ast.Tuple | ast.Set):
                for element in submodules.elts:
                    if isinstance(element, ast.Constant) and isinstance(element.value, str):
                        exported[element.value] = f"{self.info.name}.{element.value}"
            attrs = args.get("submod_attrs")
            if isinstance(attrs, ast.Dict):
                for module, attr_names in string_table(attrs).items():
                    for attr in attr_names:
                        exported[attr] = f"{self.info.name}.{module}:{attr}"
        else:
            exported = self.stub_exports()
        self.info.dynamic = True
        for name, target in exported.items():
            self.bind(name, "lazy", target, line)
        if "__all__" in names:
            self.info.all_names = sorted(exported)
        return True

    def stub_exports(self) -> dict[str, str]:
        """``lazy.attach_stub``: the adjacent ``.pyi`` lists the lazily loaded names as relative imports."""
        if self.location is None:
            self.info.problems.append("lazy_loader.attach_stub: module location unknown")
            return {}
        stub_path = self.location.with_suffix(".pyi")
        try:
            source = read_limited(stub_path, _MAX_STUB)
        except (OSError, TooLarge):
            source = None
        if source is None:
            self.info.problems.append(f"lazy_loader.attach_stub: cannot read {stub_path.name}")
            return {}
        try:
            stub = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            self.info.problems.append(f"lazy_loader.attach_stub: cannot parse {stub_path.name}: {exc}")
            return {}
        exported: dict[str, str] = {}
        for stmt in stub.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.level >= 1:
                module = self.absolute(stmt.module, stmt.level)
                for alias in stmt.names:
                    if module and alias.name != "*":
                        exported[alias.asname or alias.name] = f"{module}:{alias.name}"
        return exported

    def forwarded(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
        """``def __getattr__(name): from pkg import mod; return getattr(mod, name)``: where names go."""
        if not fn.args.args:
            return None
        param = fn.args.args[0].arg
        imported: dict[str, str] = {}
        for node in ast.walk(fn):
            if isinstance(node, ast.ImportFrom):
                module = self.absolute(node.module, node.level)
                for alias in node.names:
                    if module and alias.name != "*":
                        imported[alias.asname or alias.name] = f"{module}:{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        imported[alias.asname] = alias.name
        targets = {
            imported[call.args[0].id]
            for call in ast.walk(fn)
            if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "getattr"
            and len(call.args) >= 2
            and isinstance(call.args[0], ast.Name)
            and call.args[0].id in imported
            and isinstance(call.args[1], ast.Name)
            and call.args[1].id == param
        }
        return targets.pop() if len(targets) == 1 else None

    def lazy_tables(self) -> None:
        """PEP 562 lazy tables: names read by ``__getattr__`` from a literal dict become lazy aliases."""
        for table_name, table in self.str_maps.items():
            if table_name not in self.getattr_names:
                continue
            for key, values in table.items():
                self.lazy_entry(key, values)

    def lazy_entry(self, key: str, values: list[str]) -> None:
        info = self.info
        if len(values) == 1:  # {"Name": ".module"}
            module = self.relative_module(values[0])
            if module and key not in info.bindings:
                self.bind(key, "lazy", f"{module}:{key}", 0)
            return
        if len(values) == 2 and key not in info.bindings and "." in values[0]:  # {"Name": ("module", "attr")}
            module = self.relative_module(values[0])
            if module and values[1].isidentifier():
                self.bind(key, "lazy", f"{module}:{values[1]}", 0)
                return
        module = self.relative_module(key)  # {"module": ["a", "b"]}
        for attr in values:
            if module and attr not in info.bindings:
                self.bind(attr, "lazy", f"{module}:{attr}", 0)

    def relative_module(self, text: str) -> str | None:
        if text.startswith("."):
            stripped = text.lstrip(".")
            return self.absolute(stripped or None, len(text) - len(stripped))
        return text if all(p.isidentifier() for p in text.split(".")) else None


def string_table(node: ast.Dict) -> dict[str, list[str]]:
    """A dict literal of str -> str | [str, ...] as str -> list of str; {} if it is anything else."""
    table: dict[str, list[str]] = {}
    for key, value in zip(node.keys, node.values, strict=True):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return {}
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            table[key.value] = [value.value]
        elif isinstance(value, ast.List | ast.Tuple | ast.Set) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
        ):
            table[key.value] = [str(e.value) for e in value.elts if isinstance(e, ast.Constant)]
        else:
            return {}
    return table


def module_table(keys: list[str], values: list[ast.expr]) -> dict[str, str] | None:
    """``{"PythonLexer": ("pygments.lexers.python", ...)}``: each name -> the module that defines it (a lazy
    loader's table, as pygments' LEXERS); None unless every value starts with a dotted module name."""
    homes: dict[str, str] = {}
    for key, value in zip(keys, values, strict=True):
        first = value.elts[0] if isinstance(value, ast.Tuple | ast.List) and value.elts else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str) and "." in first.value):
            return None
        if not all(part.isidentifier() for part in first.value.split(".")):
            return None
        homes[key] = first.value
    return homes
