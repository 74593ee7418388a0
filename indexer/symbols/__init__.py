"""Symbol index: which distribution defines which module and public name, found without importing anything.

Pipeline (one way): :func:`iter_catalog` (:mod:`.shards`) finds distributions with :mod:`indexer.installed`
and reads each module statically (:mod:`.extract`, sped up by :mod:`.skeleton`; stdlib facts from
:mod:`.stdlib`, read, never imported), or finds the distribution's shard in :mod:`.cache` when its RECORD is
unchanged (then it is read only when needed); :class:`SymbolIndex` resolves aliases over all shards
(:mod:`.resolve`) and :mod:`.output` writes JSON (one file, or ``manifest.json`` plus one file per
distribution) or Sphinx ``objects.inv`` (:mod:`.inventory`), one distribution at a time.

JSON (``SymbolIndex.to_json()``, format ``micropip-ext-symbols/1``)::

    {"format", "target": {"python", "platform"}, "problems": [...], "stats": {...},
     "distributions": {name: {
        "version",
        "modules": {module: {"file", "source": "python|stub|extension|runtime", "package"?, "private"?, "exports"?:
                    "explicit|dynamic", "dynamic"?, "opaque"?,
                    "symbols": {name: {"kind", "defined_in", "distribution", "version"? (other dist),
                                       "origin"? ("stdlib"), "reason"? (unresolved), "explicit"? (in __all__),
                                       "type_only"?, "lazy"?, "conditional"?, "alternatives"?}}}},
        "objects": {canonical path: {"kind", "public_paths": [...], "re_exported_by"?: [...],
                    for classes: "bases": [...], "unknown_bases"?: [...],
                                 "members": {name: {"kind": "method|property|attribute|instance_attribute|class",
                                                    "defined_in", "distribution"? (other dist)}}}},
        "references": {other dist: version},
        "unresolved": [{"symbol", "target", "reason"}],
        "problems": [...]}}}

``kind`` is class, function, variable, type_alias, attribute, module, external (stdlib) or unresolved.
"""

from __future__ import annotations

from indexer.symbols.index import FORMAT, SymbolIndex
from indexer.symbols.shards import Shard, ShardRef, extract_distribution, iter_catalog, iter_shards, load_shards
from indexer.symbols.target import Target

__all__ = ["FORMAT", "Shard", "ShardRef", "SymbolIndex", "Target", "extract_distribution", "iter_catalog",
           "iter_shards", "load_shards"]  # fmt: skip
