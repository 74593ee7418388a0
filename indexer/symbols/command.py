"""Index the modules and public symbols of installed distributions, statically (no package code runs).

Reads every module of every distribution in the given site directories (default: this interpreter's
sys.path), resolves re-exports across distributions and writes JSON (one file, or a manifest plus one file
per distribution), or one Sphinx objects.inv (v2) per distribution, one distribution at a time
(:mod:`.output`). Unchanged distributions (same RECORD) are read from the shard cache, lazily: ``which``
reads only the shards its answer passes through.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from indexer.console import say, terminal_progress
from indexer.symbols.cache import default_cache_dir
from indexer.symbols.index import SymbolIndex
from indexer.symbols.options import SymbolOptions, catalog
from indexer.symbols.shards import ShardRef


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
        help="JSON file (default: stdout); for split and objects-inv, a directory (default for objects-inv: .)",
    )
    parser.add_argument(
        "--format",
        choices=("json", "split", "objects-inv"),
        default="json",
        help="json: one file; split: DIR/manifest.json + one file per distribution; objects-inv: Sphinx inventories",
    )
    parser.add_argument("--private", action="store_true", help="also list private (underscore) names")
    parser.add_argument(
        "--dist",
        action="append",
        default=None,
        metavar="NAME",
        help="only these distributions (repeatable); references to others stay unresolved",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def options_from(args: argparse.Namespace, only: list[str] | None = None) -> SymbolOptions:
    """The one options object for ``symbols`` / ``which`` (validated before any work)."""
    from indexer.args import UsageError

    for path in args.paths:
        if not path.is_dir():
            raise UsageError(f"not a directory: {path}")
    try:
        options = SymbolOptions.from_values(
            args.paths, target=args.target, cache_dir=args.cache_dir, use_cache=not args.no_cache, only=only
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.runtime_inspect and not options.interpreter.is_running:
        raise UsageError("--runtime-inspect needs --target to be the running interpreter")
    return options


def build(args: argparse.Namespace, *, progress: bool = False, only: list[str] | None = None) -> SymbolIndex:
    """The index the options describe (shards read lazily). Raises UsageError for bad paths or targets."""
    options = options_from(args, only)
    target, cache = options.interpreter, options.cache()
    bar = terminal_progress("indexing", enabled=progress)
    refs: list[ShardRef] = []
    bar.start(None)  # the number of distributions is known only at the end of the scan
    try:
        for ref in catalog(options, cache):
            refs.append(ref)
            bar.advance()
    finally:
        bar.close()
    if args.runtime_inspect:
        from indexer.installed import scan
        from indexer.symbols.runtime import inspect_modules

        sites = list(args.paths) or scan.default_site_dirs()
        for ref in refs:
            shard = ref.load()
            opaque = [m for m in shard.modules.values() if m.opaque]
            if opaque:
                shard.problems.extend(inspect_modules(opaque, sites))
    # shards changed in memory by --runtime-inspect are not what the cache holds: no resolved index from it
    return SymbolIndex(refs, target, cache=None if args.runtime_inspect else cache)


def _check_output(args: argparse.Namespace) -> None:
    """-o before any work: a file for json (in an existing folder), a directory for the other formats."""
    from indexer.args import UsageError

    out: Path | None = args.output
    if out is None:
        if args.format == "split":
            raise UsageError("--format split needs -o DIRECTORY")
        return
    if args.format == "json":
        if out.is_dir():
            raise UsageError(f"-o {out}: is a directory (json is one file; --format split writes a directory)")
        if not out.parent.is_dir():
            raise UsageError(f"-o {out}: folder {out.parent} does not exist")
    elif out.exists() and not out.is_dir():
        raise UsageError(f"-o {out}: not a directory")
    elif not out.exists() and not out.parent.is_dir():
        raise UsageError(f"-o {out}: folder {out.parent} does not exist")


def run(args: argparse.Namespace) -> int:
    from indexer.symbols import output

    _check_output(args)
    index = build(args, progress=not args.no_progress, only=args.dist)
    private = args.private
    if args.format == "objects-inv":
        out_dir = args.output or Path(".")
        out_dir.mkdir(exist_ok=True)
        count, problems = output.write_inventories(index, out_dir, include_private=private)
        print(f"wrote {count} inventories to {out_dir}", file=sys.stderr)
    elif args.format == "split":
        args.output.mkdir(exist_ok=True)
        problems = output.write_split(index, args.output, include_private=private, cache=index.cache)
        print(f"wrote {len(index.refs)} distributions and manifest.json to {args.output}", file=sys.stderr)
    elif args.output is None:
        try:
            problems = output.write_json(index, sys.stdout, include_private=private, cache=index.cache)
            sys.stdout.flush()
        except BrokenPipeError:  # `symbols | head`: the reader has what it wanted; no traceback
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    else:
        with output.streamed_file(args.output) as handle:
            problems = output.write_json(index, handle, include_private=private, cache=index.cache)
    for problem in problems:
        say(f"warning: {problem}")
    return 0
