"""micropip-ext inside Pyodide: inspect, freeze and install with recorded provenance.

A thin layer over :mod:`indexer`: the code here only picks what differs in the browser (this runtime's site
directories, micropip's configured index URLs, the running lockfile, ``pyodide.http.pyfetch``).

    import micropip_ext
    env = micropip_ext.inspect()                       # every distribution, its source and import names
    await micropip_ext.install("pkg", index_urls=...)  # micropip.install + an INDEX/provenance record
    lock = await micropip_ext.freeze()                 # pyodide-lock.json text that reinstalls all of it
    symbols = await micropip_ext.symbol_index()        # which distribution defines which module and symbol
    micropip_ext.patch()                               # micropip.freeze() returns this lock (unpatch() undoes)
"""

from __future__ import annotations

from micropip_ext._freeze import freeze
from micropip_ext._graph import dependency_graph
from micropip_ext._inspect import inspect, inspect_json, site_dirs
from micropip_ext._install import install
from micropip_ext._magic import load_ipython_extension
from micropip_ext._patch import patch, unpatch
from micropip_ext._symbols import symbol_index, which

__version__ = "0.1.0"

__all__ = [
    "dependency_graph",
    "freeze",
    "inspect",
    "inspect_json",
    "install",
    "load_ipython_extension",
    "patch",
    "site_dirs",
    "symbol_index",
    "unpatch",
    "which",
]
