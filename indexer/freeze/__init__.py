"""Freeze: inspect -> resolve -> emit; a true lock of what is installed, or the reasons it cannot be one."""

from __future__ import annotations

from indexer.freeze.core import FreezeError, FreezeResult, freeze

__all__ = ["FreezeError", "FreezeResult", "freeze"]
