"""``await micropip_ext.freeze()``: a true lock of this Pyodide environment (pyodide-lock.json and pylock.toml).

``result.lock`` has the shape ``micropip.freeze()`` returns, but it locks what pip, uv or a hand-unpacked wheel
installed too, proving each file from the index's PEP 658 metadata hash, or says which cannot be
locked and why. Defaults come from where it runs: micropip's configured index URLs and the running
Pyodide's lockfile as the base.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from indexer.console import CallbackProgress
from indexer.freeze.core import FreezeResult, load_base_lock
from indexer.freeze.core import freeze as _freeze
from indexer.freeze.options import FreezeError, FreezeOptions, options_from_keywords
from indexer.freeze.running import running_pyodide

_UNSET: Any = object()


def micropip_index_urls() -> list[str]:
    """The index URLs micropip would use now (``micropip.set_index_urls`` or micropip's default)."""
    try:
        import micropip
    except ImportError:  # micropip not loaded: there is no installer configuration to follow
        return []
    manager = getattr(micropip, "_package_manager_singleton", None)
    urls = getattr(manager, "index_urls", None)
    if urls is None:
        from micropip import package_index

        urls = package_index.DEFAULT_INDEX_URLS
    return [urls] if isinstance(urls, str) else list(urls)


async def freeze(
    *,
    paths: Sequence[str | Path] | None = None,
    strict: bool = False,
    on_progress: Callable[[int, int], Any] | None = None,
    **options: Any,
) -> FreezeResult:
    """Lock this environment: a :class:`FreezeResult` with ``.lock`` (pyodide-lock.json text), ``.pylock``
    (pylock.toml text) and ``.report``, all from one run.

    Keywords are :class:`~indexer.freeze.options.FreezeOptions` fields (``index_urls``, ``verify``, ``offline``, ...).
    Defaults come from this runtime: micropip's index URLs, the lock this Pyodide booted with as ``base_lock``
    (a parsed lock, a file path or a URL may be given instead) and its base URL, the target ``pyodide``.
    ``strict=True`` raises :class:`FreezeError` naming every distribution that cannot be locked.
    ``on_progress(done, total)`` is called as distributions are resolved.
    """
    opts = await pyodide_options(options)
    if not paths:
        from micropip_ext._inspect import site_dirs  # this runtime's site directories, as inspect() uses

        paths = site_dirs()
    progress = CallbackProgress(on_progress) if on_progress is not None else None
    result = await _freeze([Path(p) for p in paths], opts, progress=progress)
    if strict and result.unlockable:
        lines = [f"{r.name} {r.version}: {r.reason}" for r in result.unlockable]
        raise FreezeError(f"{len(lines)} distribution(s) cannot be locked:\n" + "\n".join(lines))
    return result


async def pyodide_options(given: dict[str, Any]) -> FreezeOptions:
    """:class:`FreezeOptions` from keywords, with this runtime's defaults for what was not given."""
    kw = dict(given)
    base_lock = kw.get("base_lock", _UNSET)
    running = running_pyodide()  # None on CPython
    running_base = running.base_url if running is not None else None
    if base_lock is _UNSET:
        kw["base_lock"] = running.lock if running is not None else None
    elif isinstance(base_lock, str):  # a path or URL, as the CLI's --base-lock
        kw.setdefault("base_lock_url", base_lock if base_lock.startswith(("http://", "https://")) else None)
        kw["base_lock"] = await load_base_lock(base_lock, timeout=float(kw.get("timeout", 15.0)))
    kw.setdefault("base_lock_url", running_base)  # an http(s) URL or None (a local directory is not nameable)
    if kw.get("index_urls") is None:
        kw["index_urls"] = micropip_index_urls()
    kw.setdefault("target", "pyodide" if sys.platform == "emscripten" else None)
    return options_from_keywords(**kw)
