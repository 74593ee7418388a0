"""``make demo``: boot real Pyodide in Node, install the built-in sample set the ways users do, show the result.

1. build a static index of the pinned sample wheels (``indexer build-index``) and serve it on 127.0.0.1;
2. a pip-style install: host ``pip install --target`` with Pyodide's platform tags, tree copied into Pyodide's
   site-packages (what a pre-built environment looks like);
3. ``micropip.install`` by name from the local index (with extras and markers: ``httpx[http2]``);
4. ``micropip.install`` of a wheel URL on the local server (its dependency comes from the index);
5. ``micropip_ext.inspect`` inside Pyodide: each distribution's source and import names (no top_level.txt needed);
6. ``micropip_ext.freeze`` inside Pyodide: a pyodide-lock.json that pins every installed distribution to a file on
   the index, pip-installed ones included (written to build/demo/pyodide-lock.json);
7. print every installed distribution with the evidence it carries, its imports and its locked file.

Everything stays on 127.0.0.1. Usage: python -m scripts.demo
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DIST_DIR = ROOT / "build" / "pyodide-dist"
SAMPLE_WHEELS = ROOT / ".cache" / "wheels" / "samples"
LOCK_OUT = ROOT / "build" / "demo" / "pyodide-lock.json"

# Which route each part of the sample set takes. pip-style first, as a pre-built site-packages would be; micropip
# then finds more-itertools already installed when jaraco.functools asks for it (a mixed environment).
PIP_STYLE = ["six", "jaraco.context", "backports.tarfile", "more-itertools"]
MICROPIP_BY_NAME = ["httpx[http2]", "jaraco.functools", "beautifulsoup4", "attrs"]
BY_URL_WHEEL = "python_dateutil-4.0.0-py3-none-any.whl"
IMPORTS = [
    "httpx", "h2", "jaraco.functools", "jaraco.context", "backports.tarfile", "bs4", "attr", "dateutil.tz", "six",
]  # fmt: skip


def step(message: str) -> float:
    print(f"-> {message}", flush=True)
    return time.perf_counter()


def how(row: dict[str, Any]) -> str:
    """Read a distribution's own evidence (see shared notes: what each installer leaves in a dist-info)."""
    installer, source = row["installer"], row["source"]
    if installer == "micropip":
        return f"micropip from an index: {row['url']}" if source == "pypi" else f"micropip by URL: {source}"
    if installer == "pyodide.loadPackage":
        return f"loadPackage ({source})"
    if installer in ("pip", "uv"):
        return f"{installer} --target copy (index not recorded){', requested' if row['requested'] else ''}"
    return f"{installer or 'no INSTALLER'}"


def main() -> int:
    if not (DIST_DIR / "pyodide-lock.json").exists() or not any(SAMPLE_WHEELS.glob("*.whl")):
        print("demo: set-up has not run (no build/pyodide-dist or sample wheels): run `make setup`", file=sys.stderr)
        return 1
    from indexer.index.build import build_index
    from indexer.index.server import serve_in_thread
    from tests.support.pyodide_installs import installed, micropip_install, pip_style_install
    from tests.support.pyodide_node import PyodideNode

    with tempfile.TemporaryDirectory(prefix="demo-index-") as tmp:
        t = step(f"building a static index of {len(list(SAMPLE_WHEELS.glob('*.whl')))} sample wheels")
        build_index(SAMPLE_WHEELS, Path(tmp))
        with serve_in_thread(Path(tmp)) as server:
            print(f"   served at {server.index_url} ({time.perf_counter() - t:.1f} s)")
            index = server.index_url.rstrip("/")
            t = step("booting Pyodide in Node from build/pyodide-dist")
            with PyodideNode.boot(DIST_DIR) as py:
                print(f"   Pyodide {py.info['version']} ({time.perf_counter() - t:.1f} s)")
                t = step(f"pip-style install (pip --target, Pyodide tags): {', '.join(PIP_STYLE)}")
                files = pip_style_install(py, PIP_STYLE, index_url=server.index_url)
                print(f"   {files} files copied into site-packages ({time.perf_counter() - t:.1f} s)")
                t = step(f"micropip.install by name from the local index: {', '.join(MICROPIP_BY_NAME)}")
                micropip_install(py, MICROPIP_BY_NAME, index_urls=[index])
                print(f"   done ({time.perf_counter() - t:.1f} s)")
                url = f"{server.url}files/{BY_URL_WHEEL}"
                t = step(f"micropip.install by URL: {url}")
                micropip_install(py, [url], index_urls=[index])
                print(f"   done ({time.perf_counter() - t:.1f} s)")
                py.run("import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in IMPORTS) + "None")
                print(f"   imports work: {', '.join(IMPORTS)}")
                rows = installed(py)
                t = step("micropip_ext.inspect() and micropip_ext.freeze() inside Pyodide")
                py.require("micropip-ext")
                report = py.run("import micropip_ext as m; m.inspect_json()")
                frozen = py.run_async(
                    "import micropip_ext as m\n"
                    f"r = await m.freeze(index_urls=[{index!r}])\n"
                    "[r.lock, [[u.name, u.version, u.reason] for u in r.unlockable]]"
                )
                print(f"   done ({time.perf_counter() - t:.1f} s)")
            fetched = sum(1 for r in server.log if r.status in (200, 206))
    lock_text, unlockable = frozen
    LOCK_OUT.parent.mkdir(parents=True, exist_ok=True)
    LOCK_OUT.write_text(lock_text)
    locked = json.loads(lock_text)["packages"]
    imports = {d["canonical_name"]: d["imports"] for d in report["distributions"]}
    print(f"\n{len(rows)} distributions installed in Pyodide ({fetched} files served by the local index):\n")
    width = max(len(r["name"]) for r in rows)
    print(f"{'name':<{width}}  {'version':<11} {'INSTALLER':<20} {'imports':<28} how it got there")
    for r in rows:
        key = canonical(r["name"])
        names = ", ".join(imports.get(key, [])) or "-"
        print(f"{r['name']:<{width}}  {r['version']:<11} {r['installer'] or '-':<20} {names:<28} {how(r)}")
    where = LOCK_OUT.relative_to(ROOT)
    print(f"\nfreeze -> {where} ({len(locked)} entries, Pyodide's own kept; URLs point at this run's local index):")
    for r in rows:
        entry = locked.get(canonical(r["name"]))
        print(f"  {r['name']:<{width}}  {entry['file_name'] if entry else 'NOT LOCKED'}")
    for name, version, reason in unlockable:
        print(f"  cannot lock {name} {version}: {reason}")
    return 0


def canonical(name: str) -> str:
    """PEP 503 normalized name (lockfile keys)."""
    return "-".join(name.replace("_", "-").replace(".", "-").lower().split("-"))


if __name__ == "__main__":
    raise SystemExit(main())
