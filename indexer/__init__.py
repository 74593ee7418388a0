"""micropip-ext's runtime-neutral core: scan -> attribute -> resolve -> emit.

Runs unchanged on CPython (the ``indexer`` CLI) and inside Pyodide (through ``micropip_ext``).
``indexer.inspect(paths)`` is the offline entry point; the steps live in ``indexer.installed`` (scan and
attribute), ``indexer.resolve``, ``indexer.emit``, ``indexer.freeze`` and ``indexer.symbols``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from indexer.installed import Distribution, Environment, inspect

__version__ = "0.1.0"

__all__ = ["Distribution", "Environment", "inspect"]


def __getattr__(name: str) -> Any:
    """Lazy exports (PEP 562): ``python -m indexer CMD`` imports only what CMD needs."""
    if name in __all__:
        import indexer.installed

        return getattr(indexer.installed, name)
    raise AttributeError(f"module 'indexer' has no attribute {name!r}")
