"""Opt-in runtime inspection of extension modules that ship no stub.

Static analysis cannot see into a compiled module, so by default it is opaque. When the user asks
(``--runtime-inspect``), the modules are imported in a separate interpreter (a subprocess: package
code never runs in the indexer's own process) and their public names recorded. CPython only: Pyodide
has no subprocesses.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from indexer.symbols.extract import Binding, ModuleInfo

_PROBE = r"""
import importlib, inspect, json, sys
out = {}
for name in sys.argv[1:]:
    try:
        mod = importlib.import_module(name)
    except BaseException as exc:
        out[name] = {"error": f"{type(exc).__name__}: {exc}"}
        continue
    names = getattr(mod, "__all__", None)
    names = list(names) if isinstance(names, (list, tuple)) else [n for n in dir(mod) if not n.startswith("_")]
    found = {}
    for n in names:
        try:
            obj = getattr(mod, n)
        except Exception:
            continue
        kind = ("module" if inspect.ismodule(obj) else "class" if inspect.isclass(obj)
                else "function" if callable(obj) else "variable")
        home = obj.__name__ if kind == "module" else getattr(obj, "__module__", None) if kind != "variable" else None
        found[n] = [kind, home if isinstance(home, str) else None]
    out[name] = {"names": found, "all": isinstance(getattr(mod, "__all__", None), (list, tuple))}
json.dump(out, sys.stdout)
"""


def inspect_modules(infos: Sequence[ModuleInfo], site_dirs: Sequence[Path], *, timeout: float = 120.0) -> list[str]:
    """Fill the bindings of opaque modules in place by importing them in a subprocess; return problems."""
    if sys.platform == "emscripten":
        return ["runtime inspection needs a subprocess, which Pyodide does not have"]
    import subprocess

    names = [i.name for i in infos if i.opaque]
    if not names:
        return []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in site_dirs)}
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _PROBE, *names],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
        report = json.loads(proc.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        return [f"runtime inspection failed: {exc}"]
    problems = []
    for info in infos:
        result = report.get(info.name)
        if result is None:
            continue
        if "error" in result:
            problems.append(f"{info.name}: runtime inspection could not import it: {result['error']}")
            continue
        for name, (kind, home) in result["names"].items():
            if kind == "module" and home:
                info.bindings[name] = Binding("alias", home)
            elif kind != "variable" and home and home != info.name:
                info.bindings[name] = Binding("alias", f"{home}:{name}")
            else:
                info.bindings[name] = Binding("class" if kind == "class" else kind)
        if result["all"]:
            info.all_names = list(result["names"])
        info.source = "runtime"
    return problems
