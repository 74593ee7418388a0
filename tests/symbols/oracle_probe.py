"""Run in a subprocess by test_oracle.py: import modules for real and report what they expose.

Usage: python oracle_probe.py [--members] DIST [DIST ...]  -> JSON on stdout:
{"modules": {module: {"dist": name, "names": {name: origin-or-null}}}, "failed": {module: error},
 "members": {module.name: [public member names not defined by a stdlib class]}}  (with --members)
An origin is the canonical name of the distribution whose RECORD lists the defining file, "<stdlib>",
or null when the object carries no trustworthy defining module (plain values, instances).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata as md
import inspect
import io
import json
import os
import sys
import sysconfig
import typing
import warnings

from packaging.utils import canonicalize_name


def file_owners() -> dict[str, str]:
    owners: dict[str, str] = {}
    for dist in md.distributions():
        name = canonicalize_name(dist.metadata["Name"] or "")
        for f in dist.files or ():
            owners.setdefault(os.path.realpath(str(dist.locate_file(f))), name)
    return owners


def dist_modules(dist_name: str) -> list[str]:
    mods = []
    for f in md.distribution(dist_name).files or ():
        parts = f.parts
        if not f.name.endswith(".py") or "__pycache__" in parts or parts[0].endswith((".dist-info", ".data")):
            continue
        stem = f.name[:-3]
        dotted = list(parts[:-1]) if stem == "__init__" else [*parts[:-1], stem]
        if not dotted or not all(p.isidentifier() for p in dotted) or dotted[-1] == "__main__":
            continue
        if "tests" in dotted or "testing" in dotted:
            continue
        mods.append(".".join(dotted))
    return sorted(set(mods))


STDLIB_DIRS = tuple(
    os.path.realpath(p) + os.sep for p in {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
)


def origin(obj: object, owners: dict[str, str]) -> str | None:
    if typing.get_origin(obj) is not None:
        return None  # `X = list[int]`: a type expression built where it is assigned, not a stdlib object
    module_name: str | None
    if inspect.ismodule(obj):
        module_name = obj.__name__
    elif inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.ismethod(obj):
        module_name = getattr(obj, "__module__", None)
    else:
        own = getattr(obj, "__module__", None)
        if not isinstance(own, str) or own == getattr(type(obj), "__module__", None):
            return None  # an instance: its class's module says nothing about where it was bound
        module_name = own
    if not isinstance(module_name, str):
        return None
    module = sys.modules.get(module_name)
    path = getattr(module, "__file__", None)
    if path is None:
        top = module_name.partition(".")[0]
        return "<stdlib>" if top in sys.stdlib_module_names or top in sys.builtin_module_names else None
    real = os.path.realpath(path)
    if real in owners:
        return owners[real]
    if real.startswith(STDLIB_DIRS) and "site-packages" not in real:
        return "<stdlib>"
    return None


def class_members(cls: type) -> list[str]:
    """Public names of ``cls`` (own and inherited) whose defining class is not from the standard library."""
    names = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        home = next((k for k in cls.__mro__ if name in vars(k)), None)
        module = getattr(home, "__module__", "") or ""
        if home is None or module.partition(".")[0] in sys.stdlib_module_names or module == "builtins":
            continue
        names.append(name)
    return names


def main(dists: list[str], with_members: bool = False) -> None:
    owners = file_owners()
    members: dict[str, list[str]] = {}
    out: dict[str, dict[str, object]] = {}
    failed: dict[str, str] = {}
    warnings.simplefilter("ignore")
    for dist in dists:
        for name in dist_modules(dist):
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    module = importlib.import_module(name)
            except BaseException as exc:  # missing optional dependency, SystemExit from a script module
                failed[name] = f"{type(exc).__name__}: {exc}"
                continue
            exported = getattr(module, "__all__", None)
            names = list(exported) if isinstance(exported, list | tuple) else [
                n for n in dir(module) if not n.startswith("_")
            ]
            report: dict[str, str | None] = {}
            for attr in names:
                try:
                    value = getattr(module, attr)
                except Exception:
                    continue
                if exported is None and inspect.ismodule(value) and value.__name__ == f"{name}.{attr}":
                    continue  # a submodule set as an attribute by importing it: import side effect
                report[attr] = origin(value, owners)
                if with_members and inspect.isclass(value):
                    with contextlib.suppress(Exception):
                        members[f"{name}.{attr}"] = class_members(value)
            out[name] = {"dist": canonicalize_name(dist), "names": report}
    json.dump({"modules": out, "failed": failed, "members": members}, sys.stdout)


if __name__ == "__main__":
    args = sys.argv[1:]
    main([a for a in args if a != "--members"], "--members" in args)
