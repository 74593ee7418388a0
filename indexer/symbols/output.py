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
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from indexer.fsutil import atomic_write
from indexer.symbols.cache import SCHEMA, ShardCache
from indexer.symbols.gc_pause import paused_steps
from indexer.symbols.index import FORMAT, SymbolIndex
from indexer.symbols.inventory import write_inventory
from indexer.symbols.shards import ShardRef

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


@dataclass(frozen=True)
class Written:
    """One distribution's part of the index as JSON text (in memory, or a cached file read when written
    out: one distribution in memory at a time), with what a manifest says of it."""

    ref: ShardRef
    summary: dict[str, Any]
    content: str | None = None
    path: Path | None = None

    def text(self) -> str:
        if self.content is not None:
            return self.content
        assert self.path is not None
        return self.path.read_text(encoding="utf-8")


def distribution_texts(index: SymbolIndex, cache: ShardCache | None, *, include_private: bool) -> Iterator[Written]:
    """Each distribution's JSON text, in path order.

    When every distribution's shard key is known and a previous run wrote the resolved index of exactly
    this environment (same shard keys in the same order, same target, schema and options) into the cache,
    its texts are streamed back: an unchanged environment costs reading RECORDs and copying files. Else
    the index is resolved and, as it is written, kept in the cache for the next run (a temporary
    directory renamed into place at the end: a partial run leaves nothing behind).
    """
    key = _environment_key(index, include_private) if cache is not None else None
    root = cache.root / "resolved" / key if cache is not None and key is not None else None
    if root is not None:
        cached = _cached(index, root)
        if cached is not None:
            yield from cached
            return
    tmp = _scratch(root)
    summaries = []
    dists = enumerate(index.iter_distributions(include_private=include_private))
    for ref, text, summary in paused_steps(dists, _encoded):
        if tmp is not None:
            (tmp / summary["file"]).write_text(text, encoding="utf-8")
        summaries.append(summary)
        yield Written(ref, summary, content=text)
    if tmp is not None and root is not None:
        (tmp / "done.json").write_text(json.dumps(summaries), encoding="utf-8")
        try:
            os.replace(tmp, root)
        except OSError:  # another run got there first, or the cache is read-only: only slower next time
            shutil.rmtree(tmp, ignore_errors=True)


def _encoded(item: tuple[int, tuple[ShardRef, dict[str, Any]]]) -> tuple[ShardRef, str, dict[str, Any]]:
    i, (ref, dist) = item
    # a tree we built (dicts, lists, strings): the encoder's cycle check (a dict of every container's id) cannot
    # find anything; without it the same bytes come ~10% faster
    return ref, json.dumps(dist, separators=_COMPACT, check_circular=False), _summary(ref, dist, f"{i}.json")


def _environment_key(index: SymbolIndex, include_private: bool) -> str | None:
    if any(ref.key is None for ref in index.refs):
        return None  # a distribution without RECORD: nothing proves it unchanged
    digest = hashlib.sha256(f"{SCHEMA}/{FORMAT}/{index.target.key()}/{include_private}\n".encode())
    for ref in index.refs:
        digest.update(f"{ref.name}\0{ref.key}\n".encode())
    return digest.hexdigest()


def _scratch(root: Path | None) -> Path | None:
    if root is None:
        return None
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=root.parent, prefix=".partial-"))
    except OSError:
        return None


def _cached(index: SymbolIndex, root: Path) -> list[Written] | None:
    """The texts a previous run stored for this environment, or None (absent, incomplete, not ours)."""
    try:
        summaries = json.loads((root / "done.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(summaries, list) or [s.get("name") for s in summaries] != [r.name for r in index.refs]:
        return None
    return [Written(ref, summary, path=root / str(summary["file"])) for ref, summary in zip(index.refs, summaries,
                                                                                            strict=True)]


def _summary(ref: ShardRef, dist: dict[str, Any], file: str) -> dict[str, Any]:
    modules = dist["modules"]
    return {
        "name": ref.name,
        "version": ref.version,
        "file": file,
        "modules": len(modules),
        "symbols": sum(len(m["symbols"]) for m in modules.values()),
        "objects": len(dist["objects"]),
        "members": sum(len(o.get("members", ())) for o in dist["objects"].values()),
        "unresolved": len(dist["unresolved"]),
        "references": sorted(dist["references"]),
        "problems": _dist_problems(ref.name, dist),
    }


def write_json(
    index: SymbolIndex, out: IO[str], *, include_private: bool = False, cache: ShardCache | None = None
) -> list[str]:
    """The whole index as one JSON document, written distribution by distribution; returns the problems."""
    header = index.header()
    problems = list(header["problems"])
    out.write('{\n "format": ' + json.dumps(header["format"]) + ',\n "target": ' + json.dumps(header["target"]))
    out.write(',\n "distributions": {')
    for i, written in enumerate(distribution_texts(index, cache, include_private=include_private)):
        out.write(("," if i else "") + "\n  " + json.dumps(written.ref.name) + ": ")
        out.write(written.text())
        problems.extend(written.summary["problems"])
    out.write("\n },\n \"problems\": " + json.dumps(header["problems"]))
    out.write(',\n "stats": ' + json.dumps(header["stats"]) + "\n}\n")
    return problems


def write_split(
    index: SymbolIndex, directory: Path, *, include_private: bool = False, cache: ShardCache | None = None
) -> list[str]:
    """``manifest.json`` plus one file per distribution in ``directory``; returns the problems."""
    header = index.header()
    problems = list(header["problems"])
    entries: list[dict[str, Any]] = []
    used: set[str] = set()
    for written in distribution_texts(index, cache, include_private=include_private):
        name = file_name(written.ref.name)
        while name.lower() in used:  # two distributions whose names differ only in unsafe characters
            name = "_" + name
        used.add(name.lower())
        atomic_write(directory / f"{name}.json", written.text() + "\n")
        summary = written.summary
        entries.append({**{k: v for k, v in summary.items() if k != "problems"}, "file": f"{name}.json"})
        problems.extend(summary["problems"])
    manifest = {"format": MANIFEST_FORMAT, "index_format": header["format"], "target": header["target"],
                "problems": header["problems"], "stats": header["stats"], "distributions": entries}  # fmt: skip
    atomic_write(directory / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    return problems


def write_inventories(index: SymbolIndex, directory: Path, *, include_private: bool = False) -> tuple[int, list[str]]:
    """One Sphinx ``objects.inv`` per distribution; returns how many and the problems."""
    problems = list(index.problems)
    count = 0
    dists = index.iter_distributions(include_private=include_private)
    for ref, inventory, dist_problems in paused_steps(dists, _inventory):
        atomic_write(directory / f"{file_name(ref.name)}.inv", inventory)
        problems.extend(dist_problems)
        count += 1
    return count, problems


def _inventory(item: tuple[ShardRef, dict[str, Any]]) -> tuple[ShardRef, bytes, list[str]]:
    ref, dist = item
    return ref, write_inventory(ref.name, ref.version, dist), _dist_problems(ref.name, dist)


def _dist_problems(name: str, dist: dict[str, Any]) -> list[str]:
    return [p if p.startswith(name) else f"{name}: {p}" for p in dist["problems"]]
