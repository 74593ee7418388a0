"""micropip-ext's runtime-neutral core: scan -> attribute -> resolve -> emit.

Runs unchanged on CPython (the ``indexer`` CLI) and inside Pyodide (through ``micropip_ext``).
"""

from __future__ import annotations

__version__ = "0.1.0"
