"""Freeze: inspect -> resolve -> emit; a true lock of what is installed, or the reasons it cannot be one."""

from __future__ import annotations

from indexer.freeze.core import FreezeResult, freeze
from indexer.freeze.options import FreezeError, FreezeOptions

__all__ = ["FreezeError", "FreezeOptions", "FreezeResult", "freeze"]
