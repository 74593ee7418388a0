"""Which distribution provides an import name or a dotted symbol, and where it is defined.

``which httpx`` lists the distribution(s) that install module ``httpx``; ``which httpx.Client``
follows re-exports to the defining module and distribution; a bare name that is not a module
(``which Client``) lists every public path that exports it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from indexer.symbols.command import add_common_arguments, build
from indexer.symbols.index import SymbolIndex


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="import name (httpx, jaraco.functools) or symbol (httpx.Client)")
    add_common_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of lines")


def lookup(index: SymbolIndex, name: str) -> list[dict[str, Any]]:
    """Every answer for ``name``; empty if nothing provides it."""
    answers: list[dict[str, Any]] = []
    resolver = index.resolver
    if resolver.is_module(name):
        owners = {s.name: s for m, s in index.owner.items() if m == name or m.startswith(name + ".")}
        providers = sorted(owners.values(), key=lambda s: s.name)
        for shard in providers:
            answers.append(
                {
                    "name": name,
                    "kind": "module" if name in index.modules else "namespace",
                    "distribution": shard.name,
                    "version": shard.version,
                    "defined_in": name if name in index.modules else None,
                }
            )
        return answers
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:i])
        if resolver.is_module(module):
            res = resolver.resolve(module, parts[i:])
            owner = index.distribution_of(res.module) if res.resolved and res.kind != "external" else None
            answers.append(
                {
                    "name": name,
                    "kind": res.kind,
                    "defined_in": res.path,
                    "distribution": owner.name if owner else None,
                    "version": owner.version if owner else None,
                    "provided_by": index.distribution_of(module).name,  # type: ignore[union-attr]
                    **({"reason": res.reason} if res.reason else {}),
                }
            )
            return answers
    if len(parts) == 1:
        for module in sorted(index.modules):
            if name in resolver.exports(module):
                res = resolver.resolve(module, [name])
                owner = index.distribution_of(res.module) if res.kind not in ("external", "unresolved") else None
                answers.append(
                    {
                        "name": f"{module}.{name}",
                        "kind": res.kind,
                        "defined_in": res.path,
                        "distribution": owner.name if owner else None,
                        "version": owner.version if owner else None,
                        "provided_by": index.owner[module].name,
                    }
                )
    return answers


def run(args: argparse.Namespace) -> int:
    index = build(args)
    answers = lookup(index, args.name)
    if args.json:
        print(json.dumps(answers, indent=1))
    else:
        for a in answers:
            where = a["defined_in"] or "(namespace package)"
            dist = f"{a['distribution']} {a['version']}" if a["distribution"] else "no installed distribution"
            extra = f" [{a['reason']}]" if a.get("reason") else ""
            print(f"{a['name']}: {a['kind']} defined in {where} ({dist}){extra}")
    if not answers:
        print(f"{args.name}: not provided by any indexed distribution", file=sys.stderr)
        return 1
    return 0
