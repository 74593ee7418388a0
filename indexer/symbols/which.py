"""Which distribution provides an import name or a dotted symbol, and where it is defined.

``which httpx`` lists the distribution(s) that install module ``httpx``; ``which httpx.Client``
follows re-exports to the defining module and distribution; a bare name that is not a module
(``which Client``) lists every public path that exports it.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from indexer.console import printable, say
from indexer.symbols.command import add_common_arguments, build
from indexer.symbols.index import SymbolIndex


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="import name (httpx, jaraco.functools) or symbol (httpx.Client)")
    add_common_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of lines")


def lookup(index: SymbolIndex, name: str) -> list[dict[str, Any]]:
    """Every answer for ``name``; empty if nothing provides it. A dotted name reads only the shards its
    resolution passes through; a bare name that is not a module searches every module."""
    if index.resolver.is_module(name):
        return _modules(index, name)
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:i])
        if index.resolver.is_module(module):
            return [_symbol(index, module, parts[i:], name)]
    answers: list[dict[str, Any]] = []
    if len(parts) == 1:
        for module in sorted(index.modules):
            if name in index.resolver.exports(module):
                answers.append(_symbol(index, module, [name], f"{module}.{name}"))
    return answers


def _modules(index: SymbolIndex, name: str) -> list[dict[str, Any]]:
    owners = {ref.name: ref for m, ref in index.owner.items() if m == name or m.startswith(name + ".")}
    kind = "module" if name in index.modules else "namespace"
    return [
        {"name": name, "kind": kind, "distribution": ref.name, "version": ref.version,
         "defined_in": name if kind == "module" else None}
        for ref in sorted(owners.values(), key=lambda r: r.name)
    ]  # fmt: skip


def _symbol(index: SymbolIndex, module: str, attrs: list[str], shown: str) -> dict[str, Any]:
    """The same entry ``symbols`` writes for ``module.attrs[0]`` (then attributes of what it found)."""
    entry, res = index.describe(module, attrs[0])
    if len(attrs) > 1:
        res = index.resolver.resolve(module, attrs)
        entry = index.entry(index.owner.get(module), res)
        if res.kind == "attribute":
            entry = _member(index, res.path) or entry
    owner = index.distribution_of(module)
    answer = {"name": shown, "kind": entry["kind"], "defined_in": entry["defined_in"],
              "distribution": entry["distribution"], "version": None,
              "provided_by": owner.name if owner else None}  # fmt: skip
    if entry["distribution"] is not None:
        defining = owner if owner is not None and owner.name == entry["distribution"] else None
        answer["version"] = entry.get("version") or (defining.version if defining else None)
    if entry.get("reason"):
        answer["reason"] = entry["reason"]
    return answer


def _member(index: SymbolIndex, path: str) -> dict[str, Any] | None:
    """``pandas.DataFrame.merge``: a member of a class the index has read (own or inherited), as objects list it."""
    owner, _, name = path.rpartition(".")
    if index.class_info(owner) is None:
        return None
    found = index.class_json(owner, None)["members"].get(name)
    if found is None:
        return None
    defining = index.distribution_of(found["defined_in"].rpartition(".")[0])
    return {"kind": found["kind"], "defined_in": found["defined_in"],
            "distribution": defining.name if defining else None}  # fmt: skip


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
            print(printable(f"{a['name']}: {a['kind']} defined in {where} ({dist}){extra}"))
    if not answers:
        say(f"{args.name}: not provided by any indexed distribution")
        return 1
    return 0
