"""Writing a symbol index, one distribution at a time (memory follows the largest distribution, not the sum).

Three layouts, all from :meth:`SymbolIndex.iter_distributions`:

- ``json``: one file (format ``micropip-ext-symbols/1``, as ``SymbolIndex.to_json()``), streamed;
- ``split``: a directory with ``manifest.json`` (format ``micropip-ext-symbols-manifest/1``: target,
  problems, stats and, per distribution, its name, version, shard file and counts) and one
  ``<name>.json`` per distribution holding what ``to_json()["distributions"][name]`` holds: a consumer
  reads the manifest, then only the files it needs;
- ``objects-inv``: one Sphinx ``objects.inv`` per distribution.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from indexer.fsutil import atomic_write
from indexer.symbols.index import SymbolIndex
from indexer.symbols.inventory import write_inventory

MANIFEST_FORMAT = "micropip-ext-symbols-manifest/1"
_COMPACT = (",", ":")  # no indent: json's C encoder only runs without one (5x faster on a 150 MB index)
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]")


def file_name(dist: str) -> str:
    """A distribution's file name in a split index: its name with anything but ``[A-Za-z0-9._-]`` as ``_``."""
    return _UNSAFE_FILE_CHARS.sub("_", dist).lstrip(".") or "_"


@contextlib.contextmanager
def streamed_file(path: Path) -> Iterator[IO[str]]:
    """A text file written in pieces that appears whole or not at all (temp file + ``os.replace``): the
    streaming counterpart of :func:`indexer.fsutil.atomic_write`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # an output file, not a secret: the permissions `open` would give
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json(index: SymbolIndex, out: IO[str], *, include_private: bool = False) -> list[str]:
    """The whole index as one JSON document, written distribution by distribution; returns the problems."""
    header = index.header()
    problems = list(header["problems"])
    out.write('{\n "format": ' + json.dumps(header["format"]) + ',\n "target": ' + json.dumps(header["target"]))
    out.write(',\n "distributions": {')
    for i, (ref, dist) in enumerate(index.iter_distributions(include_private=include_private)):
        out.write(("," if i else "") + "\n  " + json.dumps(ref.name) + ": ")
        out.write(json.dumps(dist, separators=_COMPACT))
        problems.extend(_dist_problems(ref.name, dist))
    out.write("\n },\n \"problems\": " + json.dumps(header["problems"]))
    out.write(',\n "stats": ' + json.dumps(header["stats"]) + "\n}\n")
    return problems


def write_split(index: SymbolIndex, directory: Path, *, include_private: bool = False) -> list[str]:
    """``manifest.json`` plus one file per distribution in ``directory``; returns the problems."""
    header = index.header()
    problems = list(header["problems"])
    entries: list[dict[str, Any]] = []
    used: set[str] = set()
    for ref, dist in index.iter_distributions(include_private=include_private):
        name = file_name(ref.name)
        while name.lower() in used:  # two distributions whose names differ only in unsafe characters
            name = "_" + name
        used.add(name.lower())
        atomic_write(directory / f"{name}.json", json.dumps(dist, separators=_COMPACT) + "\n")
        modules = dist["modules"]
        entries.append({
            "name": ref.name,
            "version": ref.version,
            "file": f"{name}.json",
            "modules": len(modules),
            "symbols": sum(len(m["symbols"]) for m in modules.values()),
            "objects": len(dist["objects"]),
            "unresolved": len(dist["unresolved"]),
            "references": sorted(dist["references"]),
        })  # fmt: skip
        problems.extend(_dist_problems(ref.name, dist))
    manifest = {"format": MANIFEST_FORMAT, "index_format": header["format"], "target": header["target"],
                "problems": header["problems"], "stats": header["stats"], "distributions": entries}  # fmt: skip
    atomic_write(directory / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    return problems


def write_inventories(index: SymbolIndex, directory: Path, *, include_private: bool = False) -> tuple[int, list[str]]:
    """One Sphinx ``objects.inv`` per distribution; returns how many and the problems."""
    problems = list(index.problems)
    count = 0
    for ref, dist in index.iter_distributions(include_private=include_private):
        atomic_write(directory / f"{file_name(ref.name)}.inv", write_inventory(ref.name, ref.version, dist))
        problems.extend(_dist_problems(ref.name, dist))
        count += 1
    return count, problems


def _dist_problems(name: str, dist: dict[str, Any]) -> list[str]:
    return [p if p.startswith(name) else f"{name}: {p}" for p in dist["problems"]]
