"""File classes from a RECORD path: source, bytecode, stub, extension, shared library, resource, ...

Path rules only; ``binary.py`` then confirms or refutes each extension-module candidate by its exports.
Extension suffixes of ANY interpreter count (``.cpython-314-wasm32-emscripten.so``, ``.abi3.so``,
``.cp311-win_amd64.pyd``), not just the running one's: a Pyodide site dir is often inspected from CPython.
"""

from __future__ import annotations

import ast
import keyword
import re

from indexer.installed.model import FileKind

# <name>.<optional interpreter tag>.<so|pyd>; see PEP 3149 (ABI tags in .so names) and PEP 384 (abi3).
_EXTENSION = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:\.(?P<tag>cpython-[^.]+|abi3|pypy[^.]*|graalpy[^.]*|cp\d+[^.]*|[^.]*emscripten[^.]*))?"
    r"\.(?P<ext>so|pyd)$"
)
_NAMESPACE_INIT = re.compile(rb"pkgutil\s*\.\s*extend_path|extend_path\s*\(|declare_namespace\s*\(")
_SHARED_LIBRARY = re.compile(r"\.(so(\.\d+)*|dylib|dll)$")
_SCRIPT_DIRS = ("bin", "Scripts")


def is_identifier(part: str) -> bool:
    return part.isidentifier() and not keyword.iskeyword(part)


def is_namespace_declaration(data: bytes) -> bool:
    """An ``__init__.py`` body that only declares a pkgutil / pkg_resources-style namespace package.

    A package that extends its ``__path__`` and also defines things (nats' ``connect``, mujoco's bindings) is a
    regular package: its own name is what users import. Only imports, the declaration (in ``try`` / ``if``),
    docstrings and ``__path__`` / ``__all__`` assignments may sit beside it. A body that does not parse keeps the
    textual verdict (legacy one-liners).
    """
    if not data or not _NAMESPACE_INIT.search(data):
        return False
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return all(_declaration_only(node) for node in tree.body)


_DECLARATION_TARGETS = {"__path__", "__all__"}


def _declaration_only(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.Pass, ast.Delete)):
        return True
    if isinstance(node, ast.ImportFrom):
        return node.level == 0  # ``from .core import X`` defines the package's own API
    if isinstance(node, ast.Expr):
        return isinstance(node.value, (ast.Constant, ast.Call))  # a docstring, declare_namespace(__name__)
    if isinstance(node, ast.Assign):
        return all(isinstance(t, ast.Name) and t.id in _DECLARATION_TARGETS for t in node.targets)
    if isinstance(node, ast.Try):
        bodies = [node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)]
        return all(_declaration_only(n) for body in bodies for n in body)
    if isinstance(node, ast.If):
        return all(_declaration_only(n) for n in [*node.body, *node.orelse])
    return False


def extension_name(filename: str) -> tuple[str, bool] | None:
    """(module name, has interpreter tag) if ``filename`` is named like an extension module."""
    m = _EXTENSION.match(filename)
    if m is None:
        return None
    return m.group("name"), m.group("tag") is not None


def classify(normalized: str | None, raw_path: str, has_file: set[str]) -> tuple[FileKind, str | None]:
    """(kind, dotted module name or None) for one RECORD path.

    ``normalized`` is the site-relative POSIX path (None when the path leaves the site dir);
    ``has_file`` holds every normalized path of the distribution (to see ``bin/__init__.py`` and the like).
    """
    if normalized is None:
        parts = raw_path.replace("\\", "/").split("/")
        return (FileKind.SCRIPT if len(parts) >= 2 and parts[-2] in _SCRIPT_DIRS else FileKind.OTHER), None
    parts = normalized.split("/")
    top, filename = parts[0], parts[-1]
    if top.endswith((".dist-info", ".egg-info")):
        return FileKind.METADATA, None
    if top.endswith(".data"):
        # PEP 427: *.data/scripts are scripts; the other schemes (data, headers, purelib, platlib) are data
        # when left in place (Pyodide's unpacker leaves them).
        return (FileKind.SCRIPT if len(parts) > 2 and parts[1] == "scripts" else FileKind.DATA), None
    if top.endswith(".libs") or top == ".libs":
        return (FileKind.SHARED_LIBRARY if _SHARED_LIBRARY.search(filename) else FileKind.OTHER), None
    if len(parts) == 1 and filename.endswith(".pth"):
        return FileKind.DATA, None
    if top.endswith("-stubs"):  # PEP 561 stub-only package: never importable
        return (FileKind.STUB if filename.endswith(".pyi") else FileKind.RESOURCE), None
    if top in _SCRIPT_DIRS and len(parts) >= 2 and f"{top}/__init__.py" not in has_file:
        return FileKind.SCRIPT, None

    dirs = parts[:-1]
    in_cache = bool(dirs) and dirs[-1] == "__pycache__"
    package_dirs = dirs[:-1] if in_cache else dirs
    importable_dirs = all(is_identifier(d) for d in package_dirs)

    if filename.endswith(".pyc"):
        stem = filename.split(".", 1)[0]
        if in_cache and "/".join([*package_dirs, f"{stem}.py"]) not in has_file:
            # PEP 3147: a __pycache__ entry is only ever loaded for the source beside it; alone it imports nothing
            # (a folder holding only stale caches is not a namespace package).
            return FileKind.BYTECODE, None
        return FileKind.BYTECODE, _module(package_dirs, stem) if importable_dirs else None
    if filename.endswith(".py"):
        return FileKind.SOURCE, _module(dirs, filename[:-3]) if importable_dirs else None
    if filename.endswith(".pyi"):
        return FileKind.STUB, _module(dirs, filename[:-4]) if importable_dirs else None
    ext = extension_name(filename)
    if ext is not None:
        return FileKind.EXTENSION, _module(dirs, ext[0]) if importable_dirs else None
    if _SHARED_LIBRARY.search(filename):
        return FileKind.SHARED_LIBRARY, None
    if len(parts) > 1 and is_identifier(top):
        return FileKind.RESOURCE, None
    return FileKind.OTHER, None


def _module(dirs: list[str], stem: str) -> str | None:
    if stem == "__init__":
        return ".".join(dirs) if dirs else None
    if not is_identifier(stem):
        return None
    if not dirs and stem.startswith("__editable__"):
        return None  # setuptools' editable finder / path hook, not a module of the project
    return ".".join([*dirs, stem])
