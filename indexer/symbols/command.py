"""Index the modules and public symbols of installed distributions, statically (no package code runs).

Reads every module of every distribution in the given site directories (default: this interpreter's
sys.path), resolves re-exports across distributions and writes JSON, or one Sphinx objects.inv (v2)
per distribution. Unchanged distributions (same RECORD) are read from the shard cache.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from indexer.symbols.cache import ShardCache, default_cache_dir
from indexer.symbols.index import SymbolIndex, load_shards
from indexer.symbols.target import Target


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``symbols`` and ``which``."""
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="site directories to index (default: this interpreter's sys.path)",
    )
    parser.add_argument(
        "--target",
        default=None,
        metavar="VERSION[-PLATFORM]|pyodide",
        help="interpreter whose version/platform branches count (default: the running one)",
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help=f"shard cache directory (default: {default_cache_dir()})"
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the shard cache")
    parser.add_argument(
        "--runtime-inspect",
        action="store_true",
        help="import extension modules without stubs in a subprocess to list their names",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="JSON file (default: stdout); for objects-inv, a directory (default: .)",
    )
    parser.add_argument("--format", choices=("json", "objects-inv"), default="json")
    parser.add_argument("--private", action="store_true", help="also list private (underscore) names")
    parser.add_argument(
        "--dist",
        action="append",
        default=None,
        metavar="NAME",
        help="only these distributions (repeatable); references to others stay unresolved",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def build(args: argparse.Namespace, *, progress: bool = False, only: list[str] | None = None) -> SymbolIndex:
    """The index the options describe. Raises UsageError for bad paths or targets."""
    from indexer.cli import UsageError

    for path in args.paths:
        if not path.is_dir():
            raise UsageError(f"not a directory: {path}")
    try:
        target = Target.parse(args.target) if args.target else Target.running()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    cache = None if args.no_cache else ShardCache(args.cache_dir or default_cache_dir())
    bar: Any = None
    callback = None
    if progress:
        bar = _progress_bar()
        if bar is not None:

            def callback(name: str) -> None:
                bar.set_postfix_str(name, refresh=False)
                bar.update()

    try:
        shards = load_shards(args.paths or None, target, cache, progress=callback, only=only)
    finally:
        if bar is not None:
            bar.close()
    if args.runtime_inspect:
        from indexer.installed import scan
        from indexer.symbols.runtime import inspect_modules

        if not target.is_running:
            raise UsageError("--runtime-inspect needs --target to be the running interpreter")
        sites = list(args.paths) or scan.default_site_dirs()
        for shard in shards:
            opaque = [m for m in shard.modules.values() if m.opaque]
            if opaque:
                shard.problems.extend(inspect_modules(opaque, sites))
    return SymbolIndex(shards, target)


def _progress_bar() -> Any:
    try:
        from tqdm import tqdm  # CPython-only nicety; absent in Pyodide
    except ImportError:
        return None
    return tqdm(desc="indexing", unit="dist", file=sys.stderr, leave=False, disable=not sys.stderr.isatty())


def run(args: argparse.Namespace) -> int:
    index = build(args, progress=not args.no_progress, only=args.dist)
    data = index.to_json(include_private=args.private)
    if args.format == "objects-inv":
        from indexer.symbols.inventory import write_inventory

        out_dir = args.output or Path(".")
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, dist in data["distributions"].items():
            (out_dir / f"{name}.inv").write_bytes(write_inventory(name, dist["version"], dist))
        print(f"wrote {len(data['distributions'])} inventories to {out_dir}", file=sys.stderr)
    else:
        text = json.dumps(data, indent=1, sort_keys=False)
        if args.output is None:
            sys.stdout.write(text + "\n")
        else:
            args.output.write_text(text + "\n", encoding="utf-8")
    problems = list(data["problems"])
    for name, dist in data["distributions"].items():
        problems.extend(p if p.startswith(name) else f"{name}: {p}" for p in dist["problems"])
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 0
