"""``await micropip_ext.symbol_index()``: the symbol index of the running Pyodide's distributions.

A thin layer over :mod:`indexer.symbols` (runtime-neutral: no threads, no subprocess, no sockets). Inside
Pyodide the target is Pyodide itself (3.14, emscripten) and the shard cache lives in Pyodide's file
system (``~/.cache/micropip-ext/symbols``, i.e. ``/home/pyodide/...``; mount IDBFS there to keep it
across page loads). It yields to the event loop between distributions so a page stays responsive.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable
from typing import Any

from indexer.symbols.index import SymbolIndex
from indexer.symbols.options import SymbolOptions, catalog
from indexer.symbols.shards import ShardRef

__all__ = ["symbol_index", "which"]


async def _build(
    paths: Iterable[str | os.PathLike[str]] | None,
    target: str | None,
    cache_dir: str | os.PathLike[str] | None,
    use_cache: bool,
    progress: Callable[[str], Any] | None,
) -> SymbolIndex:
    if paths is None:
        from micropip_ext._inspect import site_dirs

        paths = site_dirs()
    options = SymbolOptions.from_values(paths, target=target, cache_dir=cache_dir, use_cache=use_cache)
    refs: list[ShardRef] = []
    for ref in catalog(options, options.cache()):
        refs.append(ref)
        if progress is not None:
            progress(ref.name)
        await asyncio.sleep(0)  # let the page (or notebook) breathe between distributions
    return SymbolIndex(refs, options.interpreter)


async def symbol_index(
    paths: Iterable[str | os.PathLike[str]] | None = None,
    *,
    target: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    include_private: bool = False,
    progress: Callable[[str], Any] | None = None,
) -> dict[str, Any]:
    """The index as JSON-ready data (``{"distributions": {name: {"version", "modules", "objects", ...}}}``).

    ``paths`` default to this runtime's site directories; ``target`` (``"3.13"``, ``"pyodide"``) to the
    running interpreter; ``progress(name)`` is called after each distribution.
    """
    index = await _build(paths, target, cache_dir, use_cache, progress)
    return index.to_json(include_private=include_private)


async def which(
    name: str,
    paths: Iterable[str | os.PathLike[str]] | None = None,
    *,
    target: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
) -> list[dict[str, Any]]:
    """Which distribution provides import name or symbol ``name`` and where it is defined."""
    from indexer.symbols.which import lookup

    return lookup(await _build(paths, target, cache_dir, use_cache, None), name)
