"""Resolve: attribute installed distributions to files on indexes (the network half of freeze)."""

from __future__ import annotations

from indexer.resolve.client import Client, DiskCache, Stats
from indexer.resolve.model import FileResolution
from indexer.resolve.resolver import FileResolver

__all__ = ["Client", "DiskCache", "FileResolution", "FileResolver", "Stats"]
