"""What the standard library provides, read from its source files: the indexer never imports it.

Package code is never executed, but ``hasattr(typing, "ReadOnly")`` and ``try: from typing import X``
decide which branch of typing_extensions (and many others) is live. When the target is the running
interpreter, its standard library's sources are on disk (CPython: the ``stdlib`` directory; Pyodide: the
``python3XX.zip`` on ``sys.path``), so the answer comes from reading them with the same extractor as
package code. Importing them instead would run them: ``import venv.__main__`` creates a virtual
environment, ``unittest.__main__`` runs tests (issue 9). Builtin and compiled stdlib modules are known to
exist (by name) but their attributes are unknown; a question we cannot answer statically returns None.
"""

from __future__ import annotations

import os
import re
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indexer.symbols.extract import ModuleInfo
    from indexer.symbols.target import Target

_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)
_BUILTIN = frozenset(sys.builtin_module_names)
_MAX_SOURCE = 4 * 1024 * 1024  # the largest stdlib module (typing, _pydecimal) is ~0.3 MB
_MAX_NESTING = 6  # a stdlib module read to decide a branch of another stdlib module: at most this deep
_ZIP = re.compile(r"python3\d+\.zip$")


def is_stdlib(module: str) -> bool:
    """True if the top-level package of ``module`` belongs to the standard library."""
    return module.partition(".")[0] in _STDLIB


class _Sources:
    """The running interpreter's stdlib: directories and zips, read with a size cap, never imported."""

    def __init__(self) -> None:
        paths = sysconfig.get_paths()
        dirs: list[Path] = []
        for key in ("stdlib", "platstdlib"):
            if paths.get(key) and Path(paths[key]) not in dirs:
                dirs.append(Path(paths[key]))
        self.dirs = [d for d in dirs if d.is_dir()]
        self.dynload = [d / "lib-dynload" for d in self.dirs if (d / "lib-dynload").is_dir()]
        self.zips: list[zipfile.ZipFile] = []
        for entry in sys.path:
            if _ZIP.search(entry) and os.path.isfile(entry):
                try:
                    self.zips.append(zipfile.ZipFile(entry))
                except (OSError, zipfile.BadZipFile):
                    continue
        self.infos: dict[str, ModuleInfo | None] = {}
        self.reading: list[str] = []  # modules being read now (a stdlib module that reads another)

    def source(self, module: str, *, read: bool = True) -> tuple[str, bytes, bool] | None:
        """(file, bytes, is_package) of a pure-Python stdlib module (bytes empty unless ``read``), or None."""
        rel = module.replace(".", "/")
        for candidate, package in ((f"{rel}.py", False), (f"{rel}/__init__.py", True)):
            for root in self.dirs:
                path = root / candidate
                try:
                    if path.is_file() and path.stat().st_size <= _MAX_SOURCE:
                        return candidate, path.read_bytes() if read else b"", package
                except OSError:
                    continue
            for archive in self.zips:
                try:
                    member = archive.getinfo(candidate)
                except KeyError:
                    continue
                if member.file_size <= _MAX_SOURCE and not member.flag_bits & 0x1:
                    if not read:
                        return candidate, b"", package
                    try:
                        return candidate, archive.read(member)[:_MAX_SOURCE], package
                    except (OSError, zipfile.BadZipFile, RuntimeError, ValueError):
                        return None
        return None

    def compiled(self, module: str) -> bool:
        """A builtin module, or an extension module in lib-dynload (top-level only)."""
        if module in _BUILTIN:
            return True
        if "." in module:
            return False
        for directory in self.dynload:
            try:
                if any(p.name.partition(".")[0] == module for p in directory.iterdir()):
                    return True
            except OSError:
                continue
        return False

    def info(self, module: str, target: Target) -> ModuleInfo | None:
        if module in self.infos:
            return self.infos[module]
        if module in self.reading or len(self.reading) >= _MAX_NESTING:
            return None  # a cycle or a deep chain of stdlib reads: unknown, not recursion
        found = self.source(module)
        if found is None:
            self.infos[module] = None
            return None
        from indexer.symbols.extract import extract_module

        file, data, package = found
        self.reading.append(module)
        try:
            result: ModuleInfo | None = extract_module(module, file, data, target, is_package=package)
        finally:
            self.reading.pop()
        if result is not None and result.problems:
            result = None
        self.infos[module] = result
        return result


_sources: _Sources | None = None


def _reader() -> _Sources:
    global _sources
    if _sources is None:
        _sources = _Sources()
    return _sources


def has_attribute(module: str, name: str, target: Target) -> bool | None:
    """Whether stdlib ``module`` binds ``name`` on ``target``; None when that cannot be read statically
    (not stdlib, a foreign target, a compiled module not loaded yet, or names the source does not show).

    A compiled stdlib module that the interpreter has already loaded (``builtins``, ``sys``, ``_io``) is
    asked directly: reading an attribute of a loaded C module runs no Python code and imports nothing.
    A stdlib module ``__getattr__`` is taken to add no names (in the stdlib it serves deprecated names:
    ``io.OpenWrapper``); ``__all__`` built at run time does not matter here, only bindings do.
    """
    if not is_stdlib(module) or not target.is_running:
        return None
    loaded = sys.modules.get(module)
    if (loaded is not None and getattr(loaded, "__file__", None) is None) or module in _BUILTIN:
        return hasattr(loaded, name) if loaded is not None else None
    info = _reader().info(module, target)
    if info is None:
        if loaded is not None and _reader().compiled(module):
            return hasattr(loaded, name)
        return None
    binding = info.bindings.get(name)
    if binding is not None and not binding.type_only:
        return None if binding.conditional else True
    answers = [has_attribute(star, name, target) for star in info.star_imports]
    if True in answers:
        return True
    if None in answers or info.writes_globals:
        return None
    return False


def importable(module: str, target: Target) -> bool | None:
    """Whether stdlib ``module`` exists on ``target`` (found on disk, not imported); None if not stdlib
    or not knowable (a foreign target)."""
    if not is_stdlib(module) or not target.is_running:
        return None
    reader = _reader()
    return reader.compiled(module) or reader.source(module, read=False) is not None
