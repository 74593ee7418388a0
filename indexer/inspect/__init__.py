"""Inspect: every installed distribution, where it came from, and what it lets you import (offline)."""

from __future__ import annotations

from indexer.inspect.model import (
    Distribution,
    Environment,
    FileKind,
    InstalledFile,
    Problem,
    Requirement,
    Source,
)

__all__ = [
    "Distribution",
    "Environment",
    "FileKind",
    "InstalledFile",
    "Problem",
    "Requirement",
    "Source",
]
