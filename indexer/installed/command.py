"""List installed distributions: where each came from, what it lets you import, what is wrong with it."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from indexer.console import terminal_progress
from indexer.installed.model import Environment
from indexer.installed.names import shown


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="site directories (default: this interpreter's)")
    parser.add_argument("--json", action="store_true", help='print {"distributions": [...]} as JSON')
    parser.add_argument("--files", action="store_true", help="with --json: list every file, not just counts")
    parser.add_argument(
        "--target",
        choices=("host", "pyodide"),
        default=None,
        help="marker environment for Requires-Dist (default: what the installed wheels show)",
    )


def run(args: argparse.Namespace) -> int:
    from indexer.args import UsageError
    from indexer.installed import inspect

    paths = [Path(p) for p in args.paths] or None
    for p in paths or []:
        if not p.is_dir():
            raise UsageError(f"{p}: not a directory")
    bar = terminal_progress("inspecting", enabled=not getattr(args, "no_progress", False))
    bar.start(None)  # the number of distributions is known only at the end of the scan
    try:
        env = inspect(paths, target=args.target or "auto", progress=lambda _dist: bar.advance())
    finally:
        bar.close()
    try:
        if args.json:
            json.dump(env.to_json(with_files=args.files), sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            print_table(env)
        sys.stdout.flush()
    except BrokenPipeError:  # `indexer inspect | head`: the reader is gone, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


_ALSO_PER_DIST = {"requirement-missing", "requirement-conflict", "duplicate-distribution"}


def print_table(env: Environment, out: Any = None) -> None:
    out = out or sys.stdout
    rows: list[tuple[str, ...]] = [("NAME", "VERSION", "INSTALLER", "SOURCE", "IMPORTS")]
    for d in env.distributions:
        where: str = d.source.kind
        if d.source.index or d.source.url:
            where += f" {d.source.index or d.source.url}"
        imports = ", ".join(d.imports) or "-"
        if d.namespaces:
            imports += f" (namespaces: {', '.join(d.namespaces)})"
        rows.append(tuple(shown(c) for c in (d.name, d.version, d.installer or "-", where, imports)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4], file=out)
    problems = [p for d in env.distributions for p in d.problems]
    # Environment-level problems that are not already listed under a distribution.
    problems += [p for p in env.problems if p.code not in _ALSO_PER_DIST]
    pth = [(d, f) for d in env.distributions for f in d.pth_files]
    if pth:
        print(f"\n{len(pth)} .pth file(s) (they change sys.path):", file=out)
        for d, f in pth:
            print(f"  {shown(d.name)}: {shown(f)}", file=out)
    if problems:
        print(f"\n{len(problems)} problem(s):", file=out)
        for p in problems:
            print(f"  {p.code}: {shown(' '.join(p.message.split()))}", file=out)  # one line per problem, escaped
    print(f"\n{len(env.distributions)} distribution(s) in {len(env.site_dirs)} site dir(s)", file=out)
