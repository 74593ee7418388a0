"""`python -m indexer` / `indexer`: one subcommand per pipeline step.

Each subcommand lives in the module that owns the step and exposes two functions,
``add_arguments(parser)`` and ``run(args) -> int``. This file only wires them up, so a new
command never means editing another command's code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: subcommand -> (module that owns it, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "build-index": ("indexer.index.build", "write a static simple index (PEP 503/691/658) for a folder of wheels"),
    "serve-index": ("indexer.index.server", "serve a folder (an index, a Pyodide distribution) on 127.0.0.1"),
    "inspect": ("indexer.installed.command", "list installed distributions, their source and import names"),
    "freeze": ("indexer.freeze.command", "lock what is installed (pyodide-lock.json or pylock.toml)"),
    "symbols": ("indexer.symbols.command", "index the modules and public symbols of installed distributions"),
    "which": ("indexer.symbols.which", "which distribution provides an import name or symbol"),
    "crawl": ("indexer.crawl.command", "map the import names of every wheel of an index (Dask; incremental)"),
    "providers": ("indexer.crawl.providers", "which distributions provide an import name (from a crawl's map)"),
    "serve": ("indexer.web_server", "serve the web page, a Pyodide distribution and an index from one origin"),
}


class UsageError(Exception):
    """A problem with what the user asked for: printed as one line, exit status 2."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="indexer", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        if only is not None and name != only:
            # Still list it in --help, without importing a module that may not exist yet.
            sub.add_parser(name, help=help_text)
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and module_name.startswith(exc.name):
                continue  # step not built yet in this checkout
            raise
        command = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip())
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(chosen if chosen in COMMANDS else None)
    args = parser.parse_args(args_list)
    run = getattr(args, "_run", None)
    if run is None:
        parser.error(f"command {args.command!r} is not available in this build")
    try:
        return int(run(args) or 0)
    except UsageError as exc:
        print(f"indexer {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
