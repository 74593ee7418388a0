"""micropip-ext's runtime-neutral core: scan -> attribute -> resolve -> emit.

Runs unchanged on CPython (the ``indexer`` CLI) and inside Pyodide (through ``micropip_ext``).
``indexer.inspect(paths)`` is the offline entry point; the steps live in ``indexer.installed`` (scan and
attribute), ``indexer.resolve``, ``indexer.emit``, ``indexer.freeze`` and ``indexer.symbols``.
"""

from __future__ import annotations

from indexer.installed import Distribution, Environment, inspect

__version__ = "0.1.0"

__all__ = ["Distribution", "Environment", "inspect"]
