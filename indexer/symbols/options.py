"""What a symbol index is built from, in one frozen object that every front end builds once.

The CLI (``symbols``, ``which``) and ``micropip_ext.symbol_index()`` / ``which()`` describe the same index
the same way, so they share this object and :func:`catalog` instead of each parsing targets and opening caches.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.symbols.cache import ShardCache, default_cache_dir
from indexer.symbols.shards import ShardRef, iter_catalog
from indexer.symbols.target import Target


@dataclass(frozen=True)
class SymbolOptions:
    #: Site directories (empty: the running interpreter's).
    paths: tuple[Path, ...] = ()
    #: The interpreter whose version/platform branches count (``None``: the running one).
    target: Target | None = None
    #: Shard cache directory (``None``: the default under the project's cache root), and whether to use it.
    cache_dir: Path | None = None
    use_cache: bool = True
    #: Only these distributions (``None``: all); references to others stay unresolved.
    only: tuple[str, ...] | None = None

    @classmethod
    def from_values(
        cls,
        paths: Iterable[str | os.PathLike[str]] | None = None,
        *,
        target: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        use_cache: bool = True,
        only: Iterable[str] | None = None,
    ) -> SymbolOptions:
        """Options from user-facing values; a target that does not parse raises ``ValueError`` naming it."""
        return cls(
            paths=tuple(Path(p) for p in paths or ()),
            target=Target.parse(target) if target else None,
            cache_dir=Path(cache_dir) if cache_dir else None,
            use_cache=use_cache,
            only=tuple(only) if only is not None else None,
        )

    @property
    def interpreter(self) -> Target:
        return self.target or Target.running()

    def cache(self) -> ShardCache | None:
        return ShardCache(self.cache_dir or default_cache_dir()) if self.use_cache else None


def catalog(options: SymbolOptions, cache: ShardCache | None) -> Iterator[ShardRef]:
    """One shard reference per distribution the options describe (read or extracted lazily)."""
    only = list(options.only) if options.only is not None else None
    yield from iter_catalog(list(options.paths) or None, options.interpreter, cache, only=only)
