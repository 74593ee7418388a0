"""Symbol index: which distribution defines which module and public name, found without importing anything."""

from __future__ import annotations

from indexer.symbols.index import FORMAT, Shard, SymbolIndex, extract_distribution, load_shards
from indexer.symbols.target import Target

__all__ = ["FORMAT", "Shard", "SymbolIndex", "Target", "extract_distribution", "load_shards"]
