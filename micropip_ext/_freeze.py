"""``await micropip_ext.freeze()``: a true lock of this Pyodide environment, as a pyodide-lock.json string.

Same result shape as ``micropip.freeze()``, but it locks what pip, uv or a hand-unpacked wheel
installed too, proving each file from the index's PEP 658 metadata hash, or says which cannot be
locked and why. Defaults come from where it runs: micropip's configured index URLs and the running
Pyodide's lockfile as the base.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from indexer.freeze.core import Format, FreezeError, FreezeResult, load_base_lock
from indexer.freeze.core import freeze as _freeze
from indexer.resolve.model import Resolution

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


def running_lock() -> tuple[dict[str, Any] | None, str | None]:
    """The lockfile the running Pyodide booted with (``{"info", "packages"}``) and its base URL."""
    try:
        import pyodide_js
    except ImportError:
        return None, None
    api = pyodide_js._api
    lock = {"info": api.lockfile_info.to_py(), "packages": api.lockfile_packages.to_py()}
    base = getattr(pyodide_js, "lockfileBaseUrl", None)
    return lock, (str(base) if base else None)


async def freeze(
    *,
    index_urls: Sequence[str] | None = None,
    base_lock: Mapping[str, Any] | str | None = _UNSET,
    base_lock_url: str | None = _UNSET,
    format: Format = "pyodide-lock",
    only_installed: bool = False,
    verify_record: bool = False,
    base_urls: Sequence[str] = (),
    paths: Sequence[str | Path] | None = None,
    info: Mapping[str, Any] | None = None,
    strict: bool = False,
    offline: bool = False,
    cache_dir: str | Path | None = None,
    concurrency: int | None = None,
    timeout: float = 15.0,
    return_result: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_resolved: Callable[[Resolution], None] | None = None,
) -> Any:
    """Lock the environment; the lock text by default, the whole :class:`FreezeResult` with ``return_result``.

    ``base_lock`` is a parsed lock, a file path or a URL (default: the lock this Pyodide booted with).
    ``strict=True`` raises :class:`FreezeError` naming every distribution that cannot be locked.
    ``base_lock_url`` makes the base lock's relative file names absolute; by default it is the running
    lockfile's base URL when that is an http(s) URL (as ``micropip.freeze()`` does).
    """
    running, running_base = (None, None)
    if base_lock is _UNSET or base_lock_url is _UNSET:
        running, running_base = running_lock()
    if base_lock is _UNSET:
        base_lock = running
    elif isinstance(base_lock, str):  # a path or URL, as the CLI's --base-lock
        if base_lock_url is _UNSET:
            base_lock_url = base_lock if base_lock.startswith(("http://", "https://")) else None
        base_lock = await load_base_lock(base_lock, timeout=timeout)
    if base_lock_url is _UNSET:
        base_lock_url = running_base if running_base and running_base.startswith(("http://", "https://")) else None
    if not paths:
        from micropip_ext._inspect import site_dirs  # this runtime's site directories, as inspect() uses

        paths = site_dirs()
    result: FreezeResult = await _freeze(
        [Path(p) for p in paths],
        index_urls=micropip_index_urls() if index_urls is None else list(index_urls),
        base_lock=base_lock,
        base_lock_url=base_lock_url,
        info=info,
        format=format,
        only_installed=only_installed,
        offline=offline,
        cache_dir=Path(cache_dir) if cache_dir else None,
        verify_record=verify_record,
        base_urls=base_urls,
        target="pyodide",
        concurrency=concurrency,
        timeout=timeout,
        on_start=on_start,
        on_resolved=on_resolved,
    )
    if strict and result.unlockable:
        lines = [f"{r.name} {r.version}: {r.reason}" for r in result.unlockable]
        raise FreezeError(f"{len(lines)} distribution(s) cannot be locked:\n" + "\n".join(lines))
    return result if return_result else result.text
