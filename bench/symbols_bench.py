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

Large-environment mode (issue 11), ``--large``: requirements/bench-symbols-large.txt (jupyterlab, pandas, scipy,
scikit-learn, matplotlib, django, fastapi, pydantic, boto3, sphinx, mypy, ... ~140 distributions, ~15,000
modules; hashed pins) in .cache/bench-symbols-large-venv. Every distribution is indexed the way
``indexer symbols SITE -o FILE`` does it (catalog, resolution, class members, JSON streamed per distribution);
griffe loads every top-level import name of the same venv (it also loads members: like for like). Both are
timed as CPU seconds (user + system, what the 2 shared cores make comparable) and wall, with peak RSS.
Then origin accuracy and name precision/recall against the runtime oracle (tests/symbols/oracle_probe.py run
by the bench venv's own interpreter, in a subprocess) on --oracle-dists.

  .venv/bin/python bench/symbols_bench.py --large [--repeat 1] [--oracle-dists click jinja2 ...]
Targets (issue 11): cold < 60 s, warm < 10 s, peak < 1 GB; CPU >= 3x less than griffe cold, 20x warm;
origin >= 0.99, name recall >= 0.97.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements" / "bench-symbols.txt"  # requests, httpx, packaging, numpy: pinned + sha256
LARGE_REQUIREMENTS = ROOT / "requirements" / "bench-symbols-large.txt"
LARGE_VENV = ROOT / ".cache" / "bench-symbols-large-venv"
ORACLE_DISTS = ["click", "jinja2", "requests", "more-itertools", "pydantic", "pygments", "httpx", "attrs", "six",
                "packaging", "markupsafe", "starlette", "fastapi", "idna", "certifi", "babel", "docutils", "numpy"]
ORACLE_PROBE = ROOT / "tests" / "symbols" / "oracle_probe.py"
# distributions (for us) and top-level import names (for griffe) in REQUIREMENTS
DISTS = ["requests", "httpx", "packaging", "numpy", "anyio", "certifi", "charset-normalizer", "h11", "httpcore",
         "idna", "urllib3", "typing-extensions"]
TOP_LEVELS = ["requests", "httpx", "packaging", "numpy", "anyio", "certifi", "charset_normalizer", "h11",
              "httpcore", "idna", "urllib3", "typing_extensions"]


def ensure_venv(venv: Path, requirements: Path = REQUIREMENTS) -> Path:
    """The bench venv's site-packages, (re)created from ``requirements`` (hash-checked) when they changed."""
    python = venv / "bin" / "python"
    stamp = venv / ".requirements-sha256"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if not (python.exists() and stamp.exists() and stamp.read_text() == wanted):
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        # Only the pinned hashes decide what is installed: ignore this machine's pip configuration.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"}
        env["PIP_CONFIG_FILE"] = os.devnull
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes",
             "--only-binary", ":all:", "-r", str(requirements)],
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


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_ours_large(site: Path, cache_dir: Path, *, reuse_resolved: bool = True) -> dict[str, float | int]:
    """What `indexer symbols SITE -o FILE` does: catalog, resolve, members, JSON streamed per distribution
    (with ``reuse_resolved``, an unchanged environment's resolved index comes from the cache, as in the CLI)."""
    from indexer.symbols import SymbolIndex, Target, iter_catalog
    from indexer.symbols.cache import ShardCache
    from indexer.symbols.output import distribution_texts

    start, cpu = time.perf_counter(), _cpu()
    cache = ShardCache(cache_dir)
    target = Target.running()
    index = SymbolIndex(list(iter_catalog([site], target, cache)), target)
    counts = {"module_level": 0, "objects": 0, "members": 0, "modules": 0, "unresolved": 0}
    with open(os.devnull, "w") as sink:
        for written in distribution_texts(index, cache if reuse_resolved else None, include_private=False):
            sink.write(written.text())
            counts["modules"] += written.summary["modules"]
            counts["module_level"] += written.summary["symbols"]
            counts["objects"] += written.summary["objects"]
            counts["members"] += written.summary["members"]
            counts["unresolved"] += written.summary["unresolved"]
    return {"wall": time.perf_counter() - start, "cpu": _cpu() - cpu, "distributions": len(index.refs),
            "cache_hits": cache.hits, **counts}  # fmt: skip


def child_griffe_large(site: Path) -> dict[str, float | int]:
    import griffe

    from indexer.symbols import Target, iter_catalog

    tops = sorted({m for ref in iter_catalog([site], Target.running()) for m in ref.modules if "." not in m})
    start, cpu = time.perf_counter(), _cpu()
    loader = griffe.GriffeLoader(search_paths=[str(site)], allow_inspection=False)
    modules, failed = [], 0
    for name in tops:
        try:
            modules.append(loader.load(name))
        except Exception:  # griffe cannot load some packages (no __init__, odd layouts): counted, not fatal
            failed += 1
    wall, used = time.perf_counter() - start, _cpu() - cpu
    objects = 0
    stack = list(modules)
    while stack:
        obj = stack.pop()
        objects += 1
        if not obj.is_alias:
            stack.extend(obj.members.values())
    return {"wall": wall, "cpu": used, "objects": objects, "top_levels": len(tops), "failed": failed}


def run_child(kind: str, site: Path, cache_dir: Path) -> dict[str, float | int]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--site", str(site), "--cache-dir", str(cache_dir)],
        check=True, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=1800,
    )
    result: dict[str, float | int] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--venv", type=Path, default=ROOT / ".cache" / "bench-symbols-venv")
    parser.add_argument("--child", choices=tuple(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--large", action="store_true", help="the large environment (bench-symbols-large.txt)")
    parser.add_argument("--oracle-dists", nargs="*", default=ORACLE_DISTS, help="--large: dists the oracle checks")
    parser.add_argument("--oracle-only", action="store_true", help="--large: only the oracle report (no timings)")
    parser.add_argument("--misses", type=Path, help="--large: write the members the oracle saw and we lack (JSON)")
    parser.add_argument("--site", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", action="store_true", help="only create the bench venv (make setup runs this)")
    args = parser.parse_args()

    if args.child:
        result = CHILDREN[args.child](args.site, args.cache_dir)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0

    if args.large:
        site = ensure_venv(LARGE_VENV, LARGE_REQUIREMENTS)
        if args.prepare:
            print(f"large bench venv ready: {site}")
            return 0
        if args.oracle_only:
            oracle_report(site, args.oracle_dists, args.misses)
            return 0
        return main_large(site, args.repeat, args.oracle_dists, args.misses)
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


def main_large(site: Path, repeat: int, oracle_dists: list[str], misses: Path | None = None) -> int:
    runs: dict[str, list[dict[str, float | int]]] = {"griffe": [], "ours cold": [], "ours shards": [], "ours warm": []}
    for _ in range(repeat):
        cache_dir = Path(tempfile.mkdtemp(prefix="symbols-bench-large-"))
        try:
            runs["griffe"].append(run_child("griffe-large", site, cache_dir))
            runs["ours cold"].append(run_child("ours-large", site, cache_dir))
            runs["ours shards"].append(run_child("ours-large-shards", site, cache_dir))
            runs["ours warm"].append(run_child("ours-large", site, cache_dir))
        finally:
            shutil.rmtree(cache_dir, ignore_errors=True)
    cold = runs["ours cold"][-1]
    assert runs["ours warm"][-1]["cache_hits"] == runs["ours shards"][-1]["cache_hits"] == cold["distributions"]
    median = {k: {m: statistics.median(float(r[m]) for r in v) for m in ("wall", "cpu")} for k, v in runs.items()}
    load = os.getloadavg()[0]
    print(f"symbols bench --large: {cold['distributions']} distributions, {cold['modules']} modules "
          f"({LARGE_REQUIREMENTS.name}), python {sys.version.split()[0]}, median of {repeat}, load {load:.1f}")
    print(f"{'':<10} {'cpu s':>7} {'wall s':>7} {'peak RSS MB':>12} {'names':>8} {'objects':>8} {'members':>8}")
    for kind, results in runs.items():
        last = results[-1]
        print(f"{kind:<10} {median[kind]['cpu']:>7.1f} {median[kind]['wall']:>7.1f} {last['peak_rss_mb']:>12.0f} "
              f"{last.get('module_level', '-'):>8} {last['objects']:>8} {last.get('members', '-'):>8}")
    griffe_run = runs["griffe"][-1]
    print(f"griffe: {griffe_run['top_levels']} top-level packages, {griffe_run['failed']} it could not load; "
          "its 'objects' count every node (members, aliases) of what it loaded")
    print("ours shards: every shard from the cache, resolution and JSON redone (one distribution changed costs "
          "about this); ours warm: the environment is unchanged, its resolved index comes from the cache")
    print(f"CPU ratio griffe/ours cold: {median['griffe']['cpu'] / median['ours cold']['cpu']:.1f}x (target >= 3x)")
    print(f"CPU ratio griffe/ours shards: {median['griffe']['cpu'] / median['ours shards']['cpu']:.1f}x")
    print(f"CPU ratio griffe/ours warm: {median['griffe']['cpu'] / median['ours warm']['cpu']:.1f}x (target >= 20x)")
    oracle_report(site, oracle_dists, misses)
    print("reproduce: .venv/bin/python bench/symbols_bench.py --large  (2 shared cores: read cpu, not wall); "
          "oracle alone: --large --oracle-only [--misses FILE]")
    return 0


def oracle_report(site: Path, dists: list[str], misses: Path | None = None) -> None:
    """Origin accuracy and name precision/recall against real imports in the bench venv (a subprocess);
    with ``misses``, the member names each class lacks (false negatives) and lists wrongly (false positives)."""
    from indexer.symbols import SymbolIndex, Target, iter_catalog
    from tests.symbols.test_oracle import _compare

    python = site.parents[2] / "bin" / "python"
    probe = subprocess.run([str(python), str(ORACLE_PROBE), "--members", *dists], capture_output=True, text=True,
                           timeout=1800, cwd=tempfile.gettempdir(), check=True)  # fmt: skip
    oracle = json.loads(probe.stdout)
    target = Target.running()
    index = SymbolIndex(list(iter_catalog([site], target)), target)
    wanted = {d.lower().replace("_", "-") for d in dists}
    chosen = [ref for ref in index.refs if ref.canonical_name in wanted]
    data = {"distributions": {ref.name: index.distribution_json(ref) for ref in chosen}}
    metrics = _compare(oracle, data)
    total = metrics["ALL"]
    print(f"oracle ({len(chosen)} distributions, {len(oracle['modules'])} modules imported, "
          f"{len(oracle['failed'])} not importable): origin accuracy {total['origin_accuracy']:.3f} "
          f"({total['origin_checked']} checked), name precision {total['precision']:.3f}, "
          f"recall {total['recall']:.3f} (targets: origin >= 0.99, recall >= 0.97)")
    missing: dict[str, dict[str, list[str]]] = {}
    tp, fp, fn, classes = _member_counts(oracle, data, missing)
    if misses is not None:
        misses.write_text(json.dumps(missing, indent=1, sort_keys=True))
    print(f"oracle members ({classes} public classes; stdlib-defined and instance attributes left out): "
          f"precision {tp / max(1, tp + fp):.3f}, recall {tp / max(1, tp + fn):.3f}")


def _member_counts(
    oracle: dict[str, Any], data: dict[str, Any], misses: dict[str, dict[str, list[str]]] | None = None
) -> tuple[int, int, int, int]:
    """Public member names of each public class the oracle saw, against the class's members in our objects."""
    objects: dict[str, dict[str, Any]] = {}
    symbols: dict[str, dict[str, Any]] = {}
    for dist in data["distributions"].values():
        objects.update(dist["objects"])
        for module, body in dist["modules"].items():
            symbols.update({f"{module}.{n}": e for n, e in body["symbols"].items()})
    tp = fp = fn = classes = 0
    for public, theirs in oracle.get("members", {}).items():
        entry = symbols.get(public)
        obj = objects.get(entry["defined_in"]) if entry is not None else None
        if obj is None or obj.get("kind") != "class":
            continue
        classes += 1
        ours = set(obj.get("members", {}))
        # annotation-only names are instance attributes: real, but dir() of the class cannot show them
        on_class = {n for n in ours if obj["members"][n]["kind"] != "instance_attribute"}
        tp += len(ours & set(theirs))
        fp += len(on_class - set(theirs))
        fn += len(set(theirs) - ours)
        missing, extra = sorted(set(theirs) - ours), sorted(on_class - set(theirs))
        if misses is not None and (missing or extra):
            misses[entry["defined_in"]] = {"missing": missing, "extra": extra}
    return tp, fp, fn, classes


CHILDREN = {
    "griffe": lambda site, cache: child_griffe(site),
    "ours": child_ours,
    "griffe-large": lambda site, cache: child_griffe_large(site),
    "ours-large": child_ours_large,
    "ours-large-shards": lambda site, cache: child_ours_large(site, cache, reuse_resolved=False),
}


if __name__ == "__main__":
    sys.exit(main())
