"""``micropip_ext.inspect()``: the running Pyodide's distributions, their sources and import names.

A thin layer: it picks Pyodide's site directories and calls :func:`indexer.installed.inspect`, which is
runtime-neutral (no threads, no subprocess, no sockets).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from indexer.installed import Environment
from indexer.installed import inspect as _inspect
from indexer.installed.model import TargetName

__all__ = ["inspect", "inspect_json", "site_dirs"]


def site_dirs() -> list[Path]:
    """Where installers put distributions in this runtime (Pyodide: ``/lib/python3.X/site-packages``),
    plus any other ``sys.path`` directory that holds one (inspect's one site-dir discovery)."""
    from indexer.installed.scan import default_site_dirs

    return default_site_dirs()


def inspect(paths: Iterable[str | os.PathLike[str]] | None = None, *, target: TargetName = "host") -> Environment:
    """Inspect ``paths`` (default: this runtime's site directories). Inside Pyodide ``target="host"``
    already means Pyodide's own marker values."""
    return _inspect(site_dirs() if paths is None else paths, target=target)


def inspect_json(paths: Iterable[str | os.PathLike[str]] | None = None, *, with_files: bool = False) -> dict[str, Any]:
    """:func:`inspect` as plain JSON-ready data (for JavaScript callers: ``pyodide.runPython(...).toJs()``)."""
    return inspect(paths).to_json(with_files=with_files)
