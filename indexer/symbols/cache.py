"""Per-distribution shards on disk, keyed by the distribution's RECORD content.

RECORD lists every installed file with its sha256 (PEP 376/627), so identical RECORD bytes mean
identical code: re-indexing an unchanged environment reads shards and only merges. The key also
holds the target (branches are evaluated for it) and the shard schema. Plain files and JSON, so the
same cache works in Pyodide's file system. Writes are atomic (temp file + rename); a corrupt shard is
treated as a miss.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from indexer.fsutil import atomic_write, cache_root
from indexer.symbols.target import Target

#: Bump when the extractor's output changes meaning: old shards then simply miss.
SCHEMA = 2


def default_cache_dir() -> Path:
    """``symbols`` under the project's one cache root (:func:`indexer.fsutil.cache_root`)."""
    return cache_root() / "symbols"


def shard_key(record: bytes, target: Target) -> str:
    digest = hashlib.sha256()
    digest.update(f"symbols-shard/{SCHEMA}/{target.key()}\n".encode())
    digest.update(record)
    return digest.hexdigest()


class ShardCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def load(self, key: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._path(key).read_bytes())
        except (OSError, ValueError):
            self.misses += 1
            return None
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            self.misses += 1
            return None
        self.hits += 1
        return data

    def store(self, key: str, shard: dict[str, Any]) -> None:
        """Write atomically; a cache that cannot be written is only slower, never an error."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps({**shard, "schema": SCHEMA}, separators=(",", ":")))
        except OSError:
            pass
