"""micropip-ext inside Pyodide: inspect, freeze and install with recorded provenance.

A thin layer over :mod:`indexer`; the only code here is what differs in the browser.
"""

from __future__ import annotations

__version__ = "0.1.0"
