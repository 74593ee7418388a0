"""Import names a distribution provides: PEP 794 first, else inferred from its files.

Inference descends namespace packages: a directory without ``__init__`` (PEP 420) or with a
pkgutil / pkg_resources-style ``__init__`` is shared, so the dist provides ``jaraco.functools`` and
``jaraco`` is reported as a namespace, not an import name. A directory the dist's own ``.pth`` file puts on
sys.path (pywin32's ``win32``, ``win32\\lib``, ``pythonwin``) is a path entry, not a package: the modules in it are
top-level names (``win32api``, not ``win32.win32api``); so is a ``site-packages`` folder the dist installs inside
the site dir (cmeel's prefix, put on sys.path at start-up).
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from indexer.installed.classify import classify, is_identifier, is_namespace_declaration
from indexer.installed.editable import read_pth_lines
from indexer.installed.model import FileKind, InstalledFile, Problem
from indexer.installed.record import normalize_path
from indexer.installed.safe_io import TooLarge, is_within, read_limited

_NAMESPACE_INIT_MAX = 16 * 1024  # larger __init__ files are real packages, not namespace declarations
_MODULE_KINDS = (FileKind.SOURCE, FileKind.BYTECODE, FileKind.EXTENSION)


def declared_imports(
    raw: dict[str, object], label: str
) -> tuple[list[str], list[str], list[str], list[Problem]] | None:
    """(public imports, private imports, namespaces, problems) from PEP 794 fields, None if absent.

    ``raw`` is packaging's RawMetadata: ``import_names`` is ``[]`` for the single empty field, which
    PEP 794 defines as "this project provides no import names".
    """
    names = raw.get("import_names")
    spaces = raw.get("import_namespaces")
    if names is None and spaces is None:
        return None
    problems: list[Problem] = []
    public: list[str] = []
    private: list[str] = []
    namespaces: list[str] = []
    seen_names: set[str] = set()

    def parse(entry: str, field_name: str) -> tuple[str, bool] | None:
        name, semicolon, option = entry.partition(";")
        name = name.strip()
        if semicolon and option.strip() != "private":
            problems.append(Problem("import-name-invalid", f"{label}: {field_name} {entry!r}: unknown option"))
            return None
        if not name or not all(is_identifier(p) for p in name.split(".")):
            problems.append(Problem("import-name-invalid", f"{label}: {field_name} {entry!r} is not dotted names"))
            return None
        return name, bool(semicolon)

    for entry in names if isinstance(names, list) else []:
        parsed = parse(str(entry), "Import-Name")
        if parsed is None:
            continue
        seen_names.add(parsed[0])
        (private if parsed[1] else public).append(parsed[0])
    for entry in spaces if isinstance(spaces, list) else []:
        parsed = parse(str(entry), "Import-Namespace")
        if parsed is None:
            continue
        if parsed[0] in seen_names:
            # PEP 794: a name listed in both fields is an error.
            problems.append(
                Problem("import-name-conflict", f"{label}: {parsed[0]!r} is both Import-Name and Import-Namespace")
            )
            continue
        namespaces.append(parsed[0])
    return _unique(public), _unique(private), _unique(namespaces), problems


def infer_imports(files: Iterable[InstalledFile], site_dir: Path) -> tuple[list[str], list[str]]:
    """(import names, namespace roots) from installed files that are modules, seen from every sys.path entry."""
    files = list(files)
    entries = site_path_entries(files, site_dir)
    return infer_imports_with(files, lambda f: _is_namespace_init(f, site_dir), path_entries=entries)


def site_path_entries(files: Iterable[InstalledFile], site_dir: Path) -> list[str]:
    """Site-relative directories the dist's own top-level ``.pth`` files add to sys.path (read, never run)."""
    lines: list[str] = []
    for f in files:
        if f.location is not None and "/" not in f.path and f.path.endswith(".pth"):
            lines += read_pth_lines(f.location, site_dir, f.path, [])
    return relative_path_entries(lines)


def relative_path_entries(lines: Iterable[str]) -> list[str]:
    """``.pth`` path lines (:func:`~indexer.installed.editable.pth_path_lines`) that name a folder inside the site dir.

    An absolute line (an editable install's source tree), one leaving the site dir, or the site dir itself
    moves no installed file, so it is dropped.
    """
    out: list[str] = []
    for line in lines:
        rel = posixpath.normpath(line)
        if rel not in (".", "..") and not rel.startswith(("/", "../")) and not (len(rel) > 1 and rel[1] == ":"):
            out.append(rel)
    return list(dict.fromkeys(out))


def files_from_paths(paths: Iterable[tuple[str, int | None]]) -> list[InstalledFile]:
    """Classify RECORD-style ``(path, size)`` pairs that are not on disk (a remote wheel's member list).

    The same path rules as an installed RECORD; extension modules are judged by their suffix alone.
    """
    rows = [(path, size, normalize_path(path)[0]) for path, size in paths]
    present = {norm for _, _, norm in rows if norm is not None}
    files = []
    for path, size, norm in rows:
        kind, module = classify(norm, path, present)
        files.append(InstalledFile(path, None, kind, None, size, module))
    return files


def infer_imports_with(
    files: Iterable[InstalledFile],
    is_namespace_init: Callable[[InstalledFile], bool],
    path_entries: Sequence[str] = (),
) -> tuple[list[str], list[str]]:
    """:func:`infer_imports` with the namespace ``__init__`` test given (on disk, or read from a remote wheel).

    ``path_entries``: site-relative directories a ``.pth`` adds to sys.path; modules under them are named from there,
    as they are under a :func:`nested_site_dirs` folder.
    """
    files = list(files)
    entries = [*path_entries, *nested_site_dirs(files)]
    if entries:
        files = rerooted(files, entries)
    modules: set[str] = set()
    regular_packages: set[str] = set()
    namespace_inits: set[str] = set()
    for f in files:
        if f.kind not in _MODULE_KINDS or f.module is None:
            continue
        modules.add(f.module)
        parent, _, basename = f.path.replace("\\", "/").rpartition("/")
        if not basename.startswith("__init__."):
            continue
        if f.kind is FileKind.SOURCE and is_namespace_init(f):
            namespace_inits.add(f.module)
        elif not parent.endswith("__pycache__"):
            # A sourceless .pyc or an extension __init__ makes a regular package. A __pycache__ entry is only
            # the cache of the source beside it (PEP 3147), so it says nothing about a namespace declaration.
            regular_packages.add(f.module)
    namespace_inits -= regular_packages  # a compiled or bytecode __init__ beside it wins: be conservative
    children: dict[str, set[str]] = {}
    for m in modules:
        parts = m.split(".")
        for i in range(1, len(parts)):
            children.setdefault(".".join(parts[:i]), set()).add(".".join(parts[: i + 1]))
    imports: list[str] = []
    namespaces: list[str] = []

    def visit(name: str) -> None:
        is_namespace = name in namespace_inits or (name not in modules and name in children)
        if not is_namespace:
            imports.append(name)
            return
        namespaces.append(name)
        for child in sorted(children.get(name, ())):
            visit(child)

    roots = {m.split(".", 1)[0] for m in modules}
    for root in sorted(roots):
        visit(root)
    return imports, namespaces


_SITE_DIR_NAMES = ("site-packages", "dist-packages")


def nested_site_dirs(files: Iterable[InstalledFile]) -> list[str]:
    """Folders named ``site-packages`` / ``dist-packages`` the dist installs inside the site dir.

    Such a folder is no package (its name is no identifier): it is a sys.path entry that a start-up hook adds, as
    cmeel's ``.pth`` does for ``cmeel.prefix/lib/python3.X/site-packages`` (the ``pin`` wheel's ``pinocchio``).
    """
    out: set[str] = set()
    for f in files:
        if f.kind not in _MODULE_KINDS or f.module is not None:
            continue
        parts = f.path.replace("\\", "/").split("/")
        hits = [i for i, part in enumerate(parts[:-1]) if part in _SITE_DIR_NAMES and i > 0]
        if hits:
            out.add("/".join(parts[: hits[-1] + 1]))
    return sorted(out)


def rerooted(files: Iterable[InstalledFile], path_entries: Sequence[str]) -> list[InstalledFile]:
    """``files`` with each module under a path entry named from that entry (the innermost entry wins).

    A path entry that is itself a regular package (its ``__init__.py`` installed) stays importable under its
    own name too, so such files are kept as they were as well.
    """
    files = list(files)
    entries = sorted({e.strip("/") for e in path_entries if e.strip("/")}, key=len, reverse=True)
    paths = {f.path.replace("\\", "/") for f in files}
    packages = {e for e in entries if f"{e}/__init__.py" in paths}
    present = paths | {p[len(e) + 1 :] for e in entries for p in paths if p.startswith(e + "/")}
    out: list[InstalledFile] = []
    for f in files:
        path = f.path.replace("\\", "/")
        entry = next((e for e in entries if path.startswith(e + "/")), None)
        if entry is None or f.kind not in _MODULE_KINDS:
            out.append(f)
            continue
        if any(path.startswith(p + "/") for p in packages):
            out.append(f)
        rel = path[len(entry) + 1 :]
        out.append(dataclasses.replace(f, module=classify(rel, rel, present)[1]))
    return out


def _is_namespace_init(f: InstalledFile, site_dir: Path) -> bool:
    """A pkgutil / pkg_resources-style ``__init__.py``: a one-liner, so only small files are read."""
    if f.location is None or f.size == 0 or (f.size is not None and f.size > _NAMESPACE_INIT_MAX):
        return False
    path = f.location
    if not is_within(path, site_dir):
        return False  # a symlink out of the site dir: never followed
    try:
        data = read_limited(path, 64 * 1024)
    except (TooLarge, OSError):
        return False
    return data is not None and is_namespace_declaration(data)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
