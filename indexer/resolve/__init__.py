"""Resolve: attribute installed distributions to files on indexes (the network half of freeze)."""

from __future__ import annotations

from indexer.resolve.client import Client, DiskCache, Stats
from indexer.resolve.model import Resolution
from indexer.resolve.resolver import Resolver

__all__ = ["Client", "DiskCache", "Resolution", "Resolver", "Stats"]
