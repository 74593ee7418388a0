"""Benchmark: our static symbol index vs griffe (static, allow_inspection=False), same packages, same run.

Package set: requests, httpx, packaging and numpy (a large one) with their dependencies, pinned and
installed with pip into a throwaway venv under .cache/ (created on first run). Every measurement runs in
a fresh subprocess (no import caches shared) and is repeated; we print the median wall time of the work
itself (interpreter start-up excluded), the child's peak RSS, symbol counts and the ratios.

  griffe        GriffeLoader(allow_inspection=False).load(each top-level) - no alias resolution (its
                fastest mode; it also walks class bodies, signatures and docstrings, which we do not)
  ours cold     empty shard cache: discover, parse, resolve every alias, build the JSON object
  ours warm     same, with every shard from the cache (unchanged RECORD)

Reproduce:  .venv/bin/python bench/symbols_bench.py [--repeat 3] [--venv .cache/bench-symbols-venv]
Targets (issue 5): ours cold >= 3x faster than griffe, ours warm >= 20x.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements" / "bench-symbols.txt"  # requests, httpx, packaging, numpy: pinned + sha256
# distributions (for us) and top-level import names (for griffe) in REQUIREMENTS
DISTS = ["requests", "httpx", "packaging", "numpy", "anyio", "certifi", "charset-normalizer", "h11", "httpcore",
         "idna", "urllib3", "typing-extensions"]
TOP_LEVELS = ["requests", "httpx", "packaging", "numpy", "anyio", "certifi", "charset_normalizer", "h11",
              "httpcore", "idna", "urllib3", "typing_extensions"]


def ensure_venv(venv: Path) -> Path:
    """The bench venv's site-packages, (re)created from REQUIREMENTS (hash-checked) when they changed."""
    python = venv / "bin" / "python"
    stamp = venv / ".requirements-sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not (python.exists() and stamp.exists() and stamp.read_text() == wanted):
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # Only the pinned hashes decide what is installed: ignore this machine's pip configuration.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"}
        env["PIP_CONFIG_FILE"] = os.devnull
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes",
             "-r", str(REQUIREMENTS)],
            check=True, env=env,
        )  # fmt: skip
        stamp.write_text(wanted)
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


# -- children: one measurement each -------------------------------------------------------------------


def child_griffe(site: Path) -> dict[str, float | int]:
    import griffe

    start = time.perf_counter()
    loader = griffe.GriffeLoader(search_paths=[str(site)], allow_inspection=False)
    modules = [loader.load(name) for name in TOP_LEVELS]
    wall = time.perf_counter() - start

    objects = module_level = 0
    stack = list(modules)
    while stack:
        obj = stack.pop()
        objects += 1
        if obj.is_alias:
            continue
        members = list(obj.members.values())
        if obj.is_module:
            module_level += sum(1 for m in members if m.is_alias or not m.is_module)
        stack.extend(members)
    return {"wall": wall, "objects": objects, "module_level": module_level}


def child_ours(site: Path, cache_dir: Path) -> dict[str, float | int]:
    from indexer.symbols import SymbolIndex, Target, load_shards
    from indexer.symbols.cache import ShardCache

    start = time.perf_counter()
    cache = ShardCache(cache_dir)
    target = Target.running()
    data = SymbolIndex(load_shards([site], target, cache, only=DISTS), target).to_json()
    wall = time.perf_counter() - start
    dists = data["distributions"].values()
    return {
        "wall": wall,
        "module_level": sum(len(m["symbols"]) for d in dists for m in d["modules"].values()),
        "objects": sum(len(d["objects"]) for d in dists),
        "modules": sum(len(d["modules"]) for d in dists),
        "unresolved": sum(len(d["unresolved"]) for d in dists),
        "cache_hits": cache.hits,
    }


def run_child(kind: str, site: Path, cache_dir: Path) -> dict[str, float | int]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--site", str(site), "--cache-dir", str(cache_dir)],
        check=True, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    result: dict[str, float | int] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--venv", type=Path, default=ROOT / ".cache" / "bench-symbols-venv")
    parser.add_argument("--child", choices=("griffe", "ours"), help=argparse.SUPPRESS)
    parser.add_argument("--site", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help="only create the bench venv (make setup runs this)")
    args = parser.parse_args()

    if args.child:
        result = child_griffe(args.site) if args.child == "griffe" else child_ours(args.site, args.cache_dir)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0

    site = ensure_venv(args.venv)
    if args.prepare:
        print(f"bench venv ready: {site}")
        return 0
    runs: dict[str, list[dict[str, float | int]]] = {"griffe": [], "ours cold": [], "ours warm": []}
    for _ in range(args.repeat):
        cache_dir = Path(tempfile.mkdtemp(prefix="symbols-bench-"))
        try:
            runs["griffe"].append(run_child("griffe", site, cache_dir))
            runs["ours cold"].append(run_child("ours", site, cache_dir))
            runs["ours warm"].append(run_child("ours", site, cache_dir))
        finally:
            shutil.rmtree(cache_dir, ignore_errors=True)
    assert all(r["cache_hits"] == 0 for r in runs["ours cold"])
    assert all(r["cache_hits"] == len(DISTS) for r in runs["ours warm"])

    median = {k: statistics.median(float(r["wall"]) for r in v) for k, v in runs.items()}
    print(f"symbols bench: {len(DISTS)} distributions (requests, httpx, packaging, numpy + deps; {REQUIREMENTS.name}), "
          f"python {sys.version.split()[0]}, median of {args.repeat}")
    print(f"{'':<10} {'wall s':>8} {'peak RSS MB':>12} {'module-level names':>19} {'objects':>8}")
    for kind, results in runs.items():
        last = results[-1]
        print(f"{kind:<10} {median[kind]:>8.3f} {last['peak_rss_mb']:>12.0f} {last['module_level']:>19} "
              f"{last['objects']:>8}")
    ours = runs["ours cold"][-1]
    print(f"ours: {ours['modules']} modules, {ours['unresolved']} names listed as unresolved "
          "(optional deps not installed, run-time __getattr__, extension modules without stubs)")
    print("griffe 'objects' counts every node incl. class members/aliases; ours counts defined objects "
          "(module level). 'module-level names' are public names per module (ours) vs module members (griffe).")
    cold_ratio = median["griffe"] / median["ours cold"]
    warm_ratio = median["griffe"] / median["ours warm"]
    print(f"ratio griffe/ours cold: {cold_ratio:.1f}x (target >= 3x)")
    print(f"ratio griffe/ours warm: {warm_ratio:.1f}x (target >= 20x)")
    exe = Path(sys.executable)
    shown = exe.relative_to(ROOT) if exe.is_relative_to(ROOT) else exe
    print(f"reproduce: {shown} bench/symbols_bench.py --repeat {args.repeat}  (2 shared cores: expect noise)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
