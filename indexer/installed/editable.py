"""Import names of an editable install, read statically from what the build backend left in site-packages.

An editable install's RECORD lists no module of the project, only the mechanism that finds it:
- setuptools (PEP 660, its "lenient" mode): ``__editable___<name>_<ver>_finder.py`` whose ``MAPPING`` literal maps
  each top-level name to its directory (``NAMESPACES`` lists namespace packages), loaded by a ``.pth``;
- editables (hatchling's exact mode): ``_editable_impl_<name>.py`` calling ``F.map_module("name", path)``;
- a ``.pth`` path entry (setuptools' src layout, hatchling's default): every top-level module in that directory.
The finder is parsed with ``ast`` and never run; the path entry is listed, bounded, never imported.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from indexer.installed.classify import extension_name, is_identifier, is_namespace_declaration
from indexer.installed.model import Distribution, Problem
from indexer.installed.safe_io import SMALL_FILE_LIMIT, TooLarge, is_within, read_limited

_FINDER_LIMIT = 1024 * 1024  # a finder with a very large MAPPING is still a small file
_DIR_ENTRY_LIMIT = 10_000  # entries listed in one .pth path entry
_PATH_ENTRY_LIMIT = 32  # path entries followed per distribution
_NAMESPACE_DEPTH = 4  # PEP 420 folders descended below a source directory path entry
_NAMESPACE_INIT_MAX = 16 * 1024  # a namespace-declaring __init__.py is a line or two
_PROJECT_ROOT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")  # a path entry holding one is a project root
#: Project files that sit beside the package in a flat layout and are not what the project ships.
_PROJECT_FILES = {"setup", "conftest", "noxfile", "fabfile", "tests", "test", "docs", "doc", "build", "dist"}


def is_editable_plumbing(path: str) -> bool:
    """True for the files an editable install adds to site-packages to find the project (not the project's)."""
    name = path.rsplit("/", 1)[-1]
    return name.startswith(("__editable__", "_editable_impl_")) or (name.endswith(".pth") and "/" not in path)


def editable_imports(dist: Distribution, label: str, problems: list[Problem]) -> tuple[list[str], list[str]] | None:
    """``(import names, namespaces)`` of an editable install, or None when ``dist`` is not one."""
    mapping_files = [
        f
        for f in dist.files
        if f.location is not None
        and f.path.startswith(("__editable___", "_editable_impl_"))
        and f.path.endswith(".py")
        and "/" not in f.path
    ]
    if not dist.source.editable and not mapping_files:
        return None
    names: list[str] = []
    namespaces: list[str] = []
    for f in mapping_files:
        assert f.location is not None
        found, spaces = _from_finder(f.location, dist.site_dir, label, problems)
        names += found
        namespaces += spaces
    if not dist.source.editable and not names and not namespaces:
        return None  # a wheel that merely ships a file with such a name (direct_url.json says not editable)
    if not names:
        for pth in [f for f in dist.files if f.location is not None and f.path.endswith(".pth") and "/" not in f.path]:
            assert pth.location is not None
            found, spaces = _from_path_entries(pth.location, dist.site_dir, label, problems)
            names += found
            namespaces += spaces
    names = [n for n in dict.fromkeys(names) if n not in namespaces]
    if not names and not namespaces:
        why = "editable install; no finder mapping or path entry names a module"
        problems.append(Problem("editable-imports-unknown", f"{label}: {why}"))
    return names, list(dict.fromkeys(namespaces))


def _from_finder(path: Path, site_dir: Path, label: str, problems: list[Problem]) -> tuple[list[str], list[str]]:
    """Top-level names from a setuptools finder's ``MAPPING`` / ``NAMESPACES`` or editables' ``map_module`` calls."""
    if not is_within(path, site_dir):
        return [], []
    try:
        data = read_limited(path, _FINDER_LIMIT)
        tree = ast.parse(data or b"", filename=path.name)
    except (TooLarge, OSError, SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        problems.append(Problem("editable-finder-unreadable", f"{label}: {path.name}: {type(exc).__name__}"))
        return [], []
    names: list[str] = []
    namespaces: list[str] = []
    for node in tree.body:
        target, value = _assignment(node)
        if target in ("MAPPING", "NAMESPACES") and value is not None:
            keys = _literal_keys(value)
            (names if target == "MAPPING" else namespaces).extend(keys)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            names.extend(_map_module_name(node.value))
    valid = [n for n in names if all(is_identifier(p) for p in n.split("."))]
    return [n.split(".")[0] for n in valid], [n for n in namespaces if all(is_identifier(p) for p in n.split("."))]


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _literal_keys(value: ast.expr) -> list[str]:
    """String keys of a dict literal (``{"pkg": "/src/pkg"}``); anything computed is not read."""
    if not isinstance(value, ast.Dict):
        return []
    return [k.value for k in value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]


def _map_module_name(call: ast.Call) -> list[str]:
    """``F.map_module("name", path)`` (editables' redirector) -> ["name"]."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "map_module" and call.args:
        first = call.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return [first.value]
    return []


def _from_path_entries(
    pth: Path, site_dir: Path, label: str, problems: list[Problem]
) -> tuple[list[str], list[str]]:
    """(modules, namespaces) in the directories a ``.pth`` file adds to sys.path (its ``import`` lines not run).

    A source directory (``src/``: no ``pyproject.toml`` / ``setup.py`` / ``setup.cfg`` in it) is read like an
    installed tree: a folder without ``__init__`` holding modules is a PEP 420 namespace, descended. A project
    root (hatchling's default) is descended only when it holds no module or package of its own: its loose folders
are usually tooling, not packages.
    """
    names: list[str] = []
    namespaces: list[str] = []
    budget = [_DIR_ENTRY_LIMIT]
    for line in read_pth_lines(pth, site_dir, label, problems):
        entry = Path(site_dir, line)
        descend = not any(os.path.isfile(entry / f) for f in _PROJECT_ROOT_FILES)
        found, spaces = _modules_in(entry, "", descend, budget)
        if not found and not descend:  # a project root holding only a namespace package (flat layout)
            found, spaces = _modules_in(entry, "", True, budget)
        names += found
        namespaces += spaces
    return names, namespaces


def read_pth_lines(pth: Path, site_dir: Path, label: str, problems: list[Problem]) -> list[str]:
    """:func:`pth_path_lines` of a ``.pth`` file, read only inside the site dir and size-capped."""
    if not is_within(pth, site_dir):
        return []
    try:
        data = read_limited(pth, SMALL_FILE_LIMIT)
    except (TooLarge, OSError) as exc:
        problems.append(Problem("pth-unreadable", f"{label}: {pth.name}: {exc}"))
        return []
    return pth_path_lines(data or b"")


def pth_path_lines(data: bytes) -> list[str]:
    """The path lines of a ``.pth`` body, as ``site.addpackage`` reads them; nothing is run.

    Blank lines, ``#`` comments and ``import`` lines are skipped; a Windows wheel's ``win32\\lib`` is read with
    its separator; a line with a NUL names no directory. At most ``_PATH_ENTRY_LIMIT`` lines. Each is relative to
    the site dir unless absolute; whether the directory exists is the caller's question.
    """
    lines = [
        line.rstrip().replace("\\", "/")
        for line in data.decode("utf-8", "replace").splitlines()
        if line.strip() and not line.startswith(("#", "import ", "import\t")) and "\0" not in line
    ]
    return lines[:_PATH_ENTRY_LIMIT]


def _modules_in(directory: Path, prefix: str, descend: bool, budget: list[int]) -> tuple[list[str], list[str]]:
    """(modules, namespaces) in ``directory``: packages, modules, extension modules; when ``descend``, PEP 420
    folders and pkgutil / pkg_resources namespace packages are descended (at most ``_NAMESPACE_DEPTH`` deep).
    ``budget`` caps the entries listed across the whole walk."""
    names: list[str] = []
    namespaces: list[str] = []
    try:
        with os.scandir(directory) as it:
            for entry in it:
                budget[0] -= 1
                if budget[0] < 0:
                    break
                name = _module_name(entry)
                if name == "__init__" or (not prefix and entry.name.partition(".")[0] in _PROJECT_FILES):
                    continue  # a descended namespace's own __init__, or top-level tooling
                shared = descend and _is_namespace_dir(entry, prefix) and (name is None or _declares_namespace(entry))
                if name is not None and not shared:
                    names.append(prefix + name)
                elif shared:
                    found, spaces = _modules_in(Path(entry.path), f"{prefix}{entry.name}.", True, budget)
                    if found:
                        names += found
                        namespaces += [prefix + entry.name, *spaces]
    except OSError:
        return [], []
    return sorted(names), sorted(namespaces)


def _declares_namespace(entry: os.DirEntry[str]) -> bool:
    """A package whose small ``__init__.py`` declares a pkgutil / pkg_resources namespace (zope's ``src/zope``)."""
    try:
        data = read_limited(Path(entry.path, "__init__.py"), _NAMESPACE_INIT_MAX)
    except (TooLarge, OSError):
        return False
    return data is not None and is_namespace_declaration(data)


def _is_namespace_dir(entry: os.DirEntry[str], prefix: str) -> bool:
    """A folder that may be a PEP 420 namespace package: an identifier, no symlink, not too deep."""
    try:
        is_dir = entry.is_dir(follow_symlinks=False)
    except OSError:
        return False
    return is_dir and is_identifier(entry.name) and prefix.count(".") < _NAMESPACE_DEPTH


def _module_name(entry: os.DirEntry[str]) -> str | None:
    try:
        if entry.is_dir():
            has_init = any(os.path.isfile(os.path.join(entry.path, f"__init__.{s}")) for s in ("py", "pyi"))
            return entry.name if has_init and is_identifier(entry.name) else None
        if not entry.is_file():
            return None
    except OSError:
        return None
    stem, _, suffix = entry.name.partition(".")
    if suffix == "py" and is_identifier(stem):
        return stem
    ext = extension_name(entry.name)
    return ext[0] if ext is not None and is_identifier(ext[0]) else None
