"""``micropip_ext.patch()``: make ``micropip.freeze()`` return micropip-ext's lock (opt-in, undone by ``unpatch()``).

Code and extensions that call ``micropip.freeze()`` then get the whole environment (what pip, uv or a
hand-unpacked wheel installed too), still as a pyodide-lock.json ``str`` from a call with no arguments.

``micropip.freeze()`` is synchronous, and proving a file from an index needs the network, which inside Pyodide
is asynchronous. So the patched call:

* blocks on the full :func:`micropip_ext.freeze` with ``pyodide.ffi.run_sync`` where the runtime can
  (JSPI: Node with stack switching, recent Chromium, a pyodide venv's python);
* otherwise locks what needs no network (installer-recorded files: micropip's, our provenance records, pip's
  hashed URLs; the running lockfile's own packages), which covers everything ``micropip.freeze()`` itself
  locks, and warns once that ``await micropip_ext.freeze()`` locks the rest.

As micropip does, the running lockfile's relative file names are made absolute with its base URL.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from indexer.resolve.model import FileResolution

_original: Callable[[], str] | None = None
_options: dict[str, Any] = {}
_warned = False

NO_SYNC_NETWORK = (
    "micropip.freeze() (patched by micropip_ext) cannot wait for the network in this runtime (no JSPI): "
    "distributions without an installer-recorded file are left out; `await micropip_ext.freeze()` locks them"
)


def patch(*, index_urls: Sequence[str] | None = None, paths: Sequence[str | Path] | None = None) -> None:
    """Replace ``micropip.freeze`` with micropip-ext's freeze (idempotent; ``unpatch()`` restores micropip's).

    ``index_urls`` / ``paths`` are the defaults the patched call uses (default: micropip's configured index
    URLs, this runtime's site directories). Only ``micropip.freeze`` looked up after the patch is affected.
    """
    global _original
    import micropip

    if _original is None:
        _original = micropip.freeze
    _options.clear()
    _options.update(index_urls=None if index_urls is None else list(index_urls), paths=paths)
    micropip.freeze = patched_freeze


def unpatch() -> None:
    """Give ``micropip.freeze`` back to micropip (a no-op when not patched)."""
    global _original
    if _original is None:
        return
    import micropip

    micropip.freeze = _original
    _original = None
    _options.clear()


def is_patched() -> bool:
    return _original is not None


def patched_freeze() -> str:
    """What ``micropip.freeze()`` returns once patched: a pyodide-lock.json string of the whole environment."""
    global _warned
    if _can_run_sync():
        from pyodide.ffi import run_sync

        from micropip_ext._freeze import freeze

        result = run_sync(freeze(base_lock_url=_lockfile_base_url(), **_options))
        text: str = result.lock
        return text
    if not _warned:
        _warned = True
        warnings.warn(NO_SYNC_NETWORK, RuntimeWarning, stacklevel=2)
    return freeze_without_network(paths=_options.get("paths"))


def _can_run_sync() -> bool:
    try:
        from pyodide.ffi import can_run_sync
    except ImportError:
        return False
    return bool(can_run_sync())


def _lockfile_base_url() -> str | None:
    """The running lockfile's base, as ``micropip.freeze()`` uses it (a URL, or a directory under Node)."""
    try:
        import pyodide_js
    except ImportError:
        return None
    base = getattr(pyodide_js, "lockfileBaseUrl", None)
    return str(base) if base else None


def freeze_without_network(*, paths: Sequence[str | Path] | None = None) -> str:
    """The lock of everything provable offline, synchronously: installer-recorded files and the running lockfile."""
    from indexer.emit.pyodide_lock import build_pyodide_lock
    from indexer.freeze.core import inspect_paths
    from indexer.freeze.running import running_pyodide
    from indexer.resolve.client import Client
    from indexer.resolve.resolver import FileResolver
    from micropip_ext._inspect import site_dirs

    running = running_pyodide()
    base_packages = running.packages if running is not None else {}
    dists = inspect_paths([Path(p) for p in (paths or site_dirs())], "pyodide").distributions
    resolver = FileResolver(Client(offline=True), [], base_lock=base_packages)
    resolutions = [_run_unless_it_waits(resolver.resolve(d), FileResolution(d.name, d.canonical_name, d.version))
                   for d in dists]  # fmt: skip
    lock = build_pyodide_lock(
        resolutions,
        dists,
        info=running.info if running is not None else None,
        base_packages=base_packages,
        base_url=_lockfile_base_url(),
    )
    return json.dumps(lock.data)


def _run_unless_it_waits(coro: Coroutine[Any, Any, FileResolution], fallback: FileResolution) -> FileResolution:
    """Run ``coro`` to its end if it never suspends (no request was needed); else drop it, unlocked."""
    try:
        coro.send(None)
    except StopIteration as done:
        result: FileResolution = done.value
        return result
    coro.close()
    return fallback.unlockable("index-unreachable", NO_SYNC_NETWORK)
