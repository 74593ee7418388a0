"""`python -m indexer` / `indexer`: one subcommand per pipeline step.

Each subcommand lives in the module that owns the step and exposes two functions,
``add_arguments(parser)`` and ``run(args) -> int``. This file only wires them up, and imports only the
chosen command's module: ``--help`` and every other command work without an optional extra installed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NamedTuple, NoReturn

from indexer.args import UsageError


class Command(NamedTuple):
    module: str  # the module that owns the step
    help: str  # one line for `indexer --help`
    extra: str | None = None  # the optional dependency set it needs (pip install micropip-ext[EXTRA])


COMMANDS: dict[str, Command] = {
    "build-index": Command(
        "indexer.index.build", "write a static simple index (PEP 503/691/658) for a folder of wheels"
    ),
    "serve-index": Command(
        "indexer.index.server", "serve a folder (an index, a Pyodide distribution) on 127.0.0.1", "server"
    ),
    "inspect": Command("indexer.installed.command", "list installed distributions, their source and import names"),
    "freeze": Command("indexer.freeze.command", "lock what is installed (pyodide-lock.json or pylock.toml)"),
    "symbols": Command("indexer.symbols.command", "index the modules and public symbols of installed distributions"),
    "which": Command("indexer.symbols.which", "which distribution provides an import name or symbol"),
    "crawl": Command(
        "indexer.crawl.command", "map the import names of every wheel of an index (Dask; incremental)", "crawl"
    ),
    "providers": Command("indexer.crawl.providers", "which distributions provide an import name (a crawl's map)"),
    "serve": Command(
        "indexer.web_server", "serve the web page, a Pyodide distribution and an index from one origin", "server"
    ),
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (``indexer CMD: error: ...``), exit status 2."""

    def error(self, message: str) -> NoReturn:
        from indexer.console import printable

        self.exit(2, f"{self.prog}: error: {printable(message)} (see {self.prog} --help)\n")


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``chosen``'s module is imported (the others are listed by their help line)."""
    parser = _Parser(prog="indexer", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)
    for name, command in COMMANDS.items():
        if name != chosen:
            sub.add_parser(name, help=command.help)
            continue
        try:
            module = importlib.import_module(command.module)
        except ImportError as exc:
            missing = exc.name or "a dependency"
            extra = f": pip install 'micropip-ext[{command.extra}]'" if command.extra else ""
            raise UsageError(f"command {name!r} needs {missing}, which is not installed{extra}") from None
        parser_ = sub.add_parser(name, help=command.help, description=(module.__doc__ or command.help).strip())
        module.add_arguments(parser_)
        parser_.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    try:
        parser = build_parser(chosen if chosen in COMMANDS else None)
    except UsageError as exc:
        print(f"indexer {chosen}: error: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(args_list)
    try:
        return int(args._run(args) or 0)
    except UsageError as exc:
        from indexer.console import say

        say(f"indexer {args.command}: error: {exc}")
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
