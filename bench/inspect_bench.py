"""Benchmark: inspect a site directory of N distributions, beside importlib.metadata.packages_distributions().

The site directory is real: N generated wheels (a mix of plain packages, single modules, PEP 420 namespace
packages, dists with dependencies, with .pyc files and data) installed with ``uv pip install --target``.
Both tools read the same tree in the same run; each is timed ``--repeat`` times and the median is reported,
with the ratio against the stdlib baseline. The stdlib baseline only maps import names to dists; inspect
also parses METADATA and RECORD, validates hashes' syntax, attributes sources, classifies files and
evaluates Requires-Dist, so the ratio is the cost of that extra truth.

Reproduce:  .venv/bin/python bench/inspect_bench.py [--dists 500] [--repeat 5]
(the generated tree is cached in .cache/bench-inspect/ and reused; delete it to regenerate).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.installed import inspect  # noqa: E402
from tests.support.wheels import build_wheel  # noqa: E402


def generate_site(n: int, cache: Path) -> Path:
    """N installed distributions under ``cache/site-N`` (built once, then reused)."""
    site = cache / f"site-{n}"
    if (site / ".complete").exists():
        return site
    with tempfile.TemporaryDirectory() as tmp:
        wheels = Path(tmp)
        for i in range(n):
            name = f"bench-dist-{i:04d}"
            mod = name.replace("-", "_")
            files: dict[str, bytes | str] = {}
            kind = i % 4
            if kind == 0:  # a package with submodules, data and bytecode
                files.update({f"{mod}/__init__.py": "", f"{mod}/data.json": "{}"})
                files.update({f"{mod}/sub{j}.py": f"X = {j}\n" for j in range(8)})
                files[f"{mod}/__pycache__/__init__.cpython-311.pyc"] = b"\x00" * 64
            elif kind == 1:  # a single module
                files[f"{mod}.py"] = "def f():\n    return 1\n"
            elif kind == 2:  # a PEP 420 namespace shared by many dists
                files.update({f"benchns/{mod}/__init__.py": "", f"benchns/{mod}/core.py": ""})
            else:  # a package with a nested package and a stub
                files.update({f"{mod}/__init__.py": "", f"{mod}/inner/__init__.py": "", f"{mod}/inner/x.pyi": ""})
            deps = [f"bench-dist-{(i + 1) % n:04d}>=1", "missing-dist; sys_platform == 'emscripten'"]
            build_wheel(wheels, name, "1.0", files, metadata={"Requires-Dist": deps, "Summary": "bench"})
        site.mkdir(parents=True, exist_ok=True)
        uv = Path(sys.executable).with_name("uv")
        subprocess.run(
            [str(uv), "pip", "install", "--python", sys.executable, "--target", str(site), "--no-deps",
             "--no-index", "--no-cache", "--quiet", *map(str, sorted(wheels.glob("*.whl")))],
            check=True,
        )  # fmt: skip
    (site / ".complete").write_text("")
    return site


def time_it(fn: object, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dists", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    site = generate_site(args.dists, ROOT / ".cache" / "bench-inspect")

    def stdlib() -> Mapping[str, list[str]]:
        saved = sys.path[:]
        sys.path[:] = [str(site)]
        try:
            return importlib.metadata.packages_distributions()
        finally:
            sys.path[:] = saved

    def ours() -> object:
        return inspect([site])

    env = inspect([site])
    assert len(env.distributions) == args.dists, len(env.distributions)
    base = time_it(stdlib, args.repeat)
    mine = time_it(ours, args.repeat)
    n = args.dists
    base_med, mine_med = statistics.median(base), statistics.median(mine)
    print(f"site dir: {site} ({n} distributions, {sum(len(d.files) for d in env.distributions)} RECORD files)")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, repeat={args.repeat}")
    print(f"{'tool':<48}{'median s':>10}{'per dist ms':>13}{'ratio':>8}")
    print(f"{'importlib.metadata.packages_distributions()':<48}{base_med:>10.3f}{base_med / n * 1e3:>13.3f}{1:>8.2f}")
    print(f"{'indexer.installed.inspect()':<48}{mine_med:>10.3f}{mine_med / n * 1e3:>13.3f}{mine_med / base_med:>8.2f}")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "inspect_bench.json").write_text(
        json.dumps({"dists": n, "repeat": args.repeat, "stdlib_s": base, "inspect_s": mine}, indent=1)
    )
    print("reproduce: .venv/bin/python bench/inspect_bench.py --dists", n, "--repeat", args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
