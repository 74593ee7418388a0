"""Per-distribution shards on disk, keyed by the distribution's RECORD content.

RECORD lists every installed file with its sha256 (PEP 376/627), so identical RECORD bytes mean
identical code: re-indexing an unchanged environment reads shards and only merges. The key also
holds the target (branches are evaluated for it) and the shard schema. Plain files and JSON, so the
same cache works in Pyodide's file system. Writes are atomic (temp file + rename); a corrupt shard is
treated as a miss. ``resolved/<environment key>/`` beside the shards holds the resolved index of a whole
environment (written by :mod:`.output`, keyed by every shard key in path order).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from indexer.fsutil import atomic_write, cache_root
from indexer.symbols.target import Target

#: Bump when the extractor's output changes meaning: old shards then simply miss.
SCHEMA = 9
_META_KEYS = ("name", "canonical_name", "version")


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

    def _path(self, key: str, suffix: str = ".json") -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def load_meta(self, key: str) -> dict[str, Any] | None:
        """The small catalog entry stored beside a shard (name, version, module names); None on a miss.
        Hits and misses count distributions found in the cache or to be read again."""
        data = self._read_meta(key)
        if data is None:
            self.misses += 1
        else:
            self.hits += 1
        return data

    def _read_meta(self, key: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._path(key, ".meta.json").read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or not self._path(key).is_file():
            return None
        if not isinstance(data.get("modules"), list) or not all(isinstance(data.get(k), str) for k in _META_KEYS):
            return None
        return data

    def load(self, key: str) -> dict[str, Any] | None:
        """The shard stored under ``key``; None if absent, unreadable or of another schema."""
        try:
            data = json.loads(self._path(key).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            return None
        return data

    def store(self, key: str, shard: dict[str, Any], meta: dict[str, Any] | None = None) -> bool:
        """Write atomically (the shard, then its meta); a cache that cannot be written is only slower,
        never an error. True if written."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps({**shard, "schema": SCHEMA}, separators=(",", ":"), check_circular=False))
            if meta is not None:
                atomic_write(self._path(key, ".meta.json"), json.dumps({**meta, "schema": SCHEMA}))
        except OSError:
            return False
        return True
