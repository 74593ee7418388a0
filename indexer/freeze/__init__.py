"""Freeze: inspect -> resolve -> emit; a true lock of what is installed, or the reasons it cannot be one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from indexer.freeze.core import FreezeResult, freeze
    from indexer.freeze.options import FreezeError, FreezeOptions

__all__ = ["FreezeError", "FreezeOptions", "FreezeResult", "freeze"]


def __getattr__(name: str) -> Any:
    """Lazy exports (PEP 562): ``indexer freeze`` imports its steps only when a run needs them (a replay does not)."""
    if name in ("FreezeResult", "freeze"):
        import indexer.freeze.core as core

        return getattr(core, name)
    if name in ("FreezeError", "FreezeOptions"):
        import indexer.freeze.options as options

        return getattr(options, name)
    raise AttributeError(f"module 'indexer.freeze' has no attribute {name!r}")
