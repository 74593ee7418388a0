"""What the standard library provides: the only code the indexer ever imports.

Package code is never executed, but ``hasattr(typing, "ReadOnly")`` and ``try: from typing import X``
decide which branch of typing_extensions (and many others) is live. When the target is the running
interpreter, the stdlib module is the ground truth, so we ask it; otherwise the answer is unknown.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

# Stdlib modules with import-time side effects or heavy GUI deps: never import them to answer a question.
_UNSAFE = frozenset({"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "webbrowser"})
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names)


def is_stdlib(module: str) -> bool:
    """True if the top-level package of ``module`` belongs to the standard library."""
    return module.partition(".")[0] in _STDLIB


def _load(module: str) -> ModuleType | None:
    if not is_stdlib(module) or module.partition(".")[0] in _UNSAFE:
        return None
    try:
        return importlib.import_module(module)
    except Exception:  # a stdlib module missing on this platform (e.g. _curses in Pyodide)
        return None


def has_attribute(module: str, name: str) -> bool | None:
    """Whether stdlib ``module`` has ``name`` on the running interpreter; None if not a (loadable) stdlib module."""
    mod = _load(module)
    if mod is None:
        return None
    return hasattr(mod, name)


def importable(module: str) -> bool | None:
    """Whether stdlib ``module`` imports here; None if it is not stdlib."""
    if not is_stdlib(module):
        return None
    return _load(module) is not None
