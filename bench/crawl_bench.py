"""Benchmark: crawl a local index of >= 2,000 wheels for import names, on 1 and 2 Dask workers.

The index: the real wheels from set-up (.cache/accuracy-wheels, .cache/wheels/pyodide-dist) plus generated
ones (sizes spread like real pure-Python wheels, pseudo-source content that compresses like code), several
versions per project, HALF of the wheels without a PEP 658 ``.metadata`` file. It is served by
``indexer serve-index`` in its own process with ``--latency-ms 50`` and Range support.

Measured in one run, against the same server: wall time and requests for a cold crawl with 1 and 2 worker
processes (the default transport, aiohttp; and 2 workers with httpx); bytes
fetched (pages + .metadata + ranges) as a percentage of the wheels' total size (the baseline: downloading
every wheel); a re-run (every page revalidated, nothing else); a re-run after deleting 20 shards.

Reproduce:  .venv/bin/python bench/crawl_bench.py --generated 1850 --latency 0.05 --threads 8
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.crawl.command import CrawlSummary, crawl  # noqa: E402
from indexer.index.build import build_index  # noqa: E402
from tests.support.wheels import build_wheel  # noqa: E402

WORDS = [
    "def",
    "return",
    "self",
    "import",
    "from",
    "class",
    "if",
    "else",
    "for",
    "in",
    "while",
    "try",
    "except",
    "with",
    "as",
    "yield",
    "lambda",
    "None",
    "True",
]
WORDS += [f"name_{i}" for i in range(400)]


def _corpus(rng: random.Random, size: int = 1 << 21) -> str:
    lines, total = [], 0
    while total < size:
        line = "    " * rng.randint(0, 3) + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


def generate(folder: Path, count: int, seed: int = 13) -> None:
    """``count`` wheels over ~count/3 projects, shaped like the real pure-Python wheels of the accuracy set.

    Module sizes are log-normal with the real set's median (4.5 KB) and about its mean (12.9 KB); the text is
    pseudo-source that deflates like code (ratio ~0.23, the real set's 0.235); 1 to 128 modules per wheel.
    """
    rng = random.Random(seed)
    corpus = _corpus(rng)
    made = 0
    project = 0
    while made < count:
        name = f"gen-proj-{project:05d}"
        files = rng.choice([1, 2, 4, 8, 16, 32, 64, 128])
        for version in range(1, min(count - made, rng.randint(1, 5)) + 1):
            top = name.replace("-", "_")
            members = {f"{top}/__init__.py": corpus[:200]}
            for i in range(files):  # half the modules at the top of the package, half in up to 7 subpackages
                where = f"{top}/sub{i % 7}" if i % 2 else top
                size = min(len(corpus) // 2, int(rng.lognormvariate(8.4, 1.4)))
                start = rng.randrange(len(corpus) - size)
                members[f"{where}/mod{i}.py"] = corpus[start : start + size]
                if i % 2:
                    members.setdefault(f"{where}/__init__.py", "")
            build_wheel(folder, name, f"{version}.0", members)
            made += 1
        project += 1


def drop_half_metadata(index_dir: Path) -> int:
    """Withdraw the PEP 658 file of every other wheel by file name (pages rewritten, .metadata deleted)."""
    pages = {page: json.loads(page.read_text()) for page in sorted((index_dir / "simple").glob("*/index.json"))}
    names = sorted(e["filename"] for data in pages.values() for e in data["files"])
    withdrawn = set(names[::2])
    for page, data in pages.items():
        for entry in data["files"]:
            if entry["filename"] in withdrawn:
                entry["core-metadata"] = False
                entry.pop("dist-info-metadata", None)
                (index_dir / "files" / f"{entry['filename']}.metadata").unlink(missing_ok=True)
        page.write_text(json.dumps(data, indent=1))
        (page.parent / "index.html").unlink(missing_ok=True)  # the crawl reads the JSON page; no stale twin
    return len(withdrawn)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _row(label: str, wall: float, s: CrawlSummary, total: int) -> dict[str, Any]:
    data = s.to_json()
    return {
        "run": label,
        "wall_s": round(wall, 2),
        "requests": data["requests"],
        "bytes": data["bytes"],
        "bytes_pct_of_wheels": round(100 * data["bytes"] / total, 2),
        "shards_written": s.shards_written,
        "not_modified": s.stats.get("not_modified", 0),
        "counts": data["counts"],
        "workers_used": len(s.tasks_by_worker),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=1850)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    with tempfile.TemporaryDirectory(prefix="crawl-bench-") as tmp_name:
        tmp = Path(tmp_name)
        wheels = tmp / "wheels"
        wheels.mkdir()
        real = [*(ROOT / ".cache" / "accuracy-wheels").glob("*.whl"), *(ROOT / ".cache/wheels").glob("*/*.whl")]
        for path in real:
            shutil.copy(path, wheels / path.name)
        generate(wheels, args.generated)
        build_index(wheels, tmp / "index")
        no_meta = drop_half_metadata(tmp / "index")
        sizes = [p.stat().st_size for p in wheels.glob("*.whl")]
        total = sum(sizes)
        print(f"{len(sizes)} wheels ({len(set(real))} real), {no_meta} without .metadata, {total / 1e6:.1f} MB")
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "indexer", "serve-index", str(tmp / "index"), "--port", str(port),
             "--latency-ms", str(args.latency * 1000)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            time.sleep(2.0)
            url = f"http://127.0.0.1:{port}/simple/"
            rows = []
            for workers, transport in ((1, None), (2, None), (2, "httpx")):
                out = tmp / f"out{workers}-{transport}"
                start = time.perf_counter()
                summary = crawl(url, out, workers=workers, threads=args.threads, transport=transport)
                label = f"cold, {workers} worker(s), {transport or 'aiohttp (default)'}"
                rows.append(_row(label, time.perf_counter() - start, summary, total))
            out = tmp / "out2-None"
            start = time.perf_counter()
            summary = crawl(url, out, workers=2, threads=args.threads)
            rows.append(_row("re-run, 2 workers", time.perf_counter() - start, summary, total))
            for shard in sorted((out / "shards").glob("*.json"))[:20]:
                shard.unlink()
            start = time.perf_counter()
            summary = crawl(url, out, workers=2, threads=args.threads)
            rows.append(_row("re-run, 20 shards deleted", time.perf_counter() - start, summary, total))
        finally:
            server.terminate()
            server.wait(10)
        maps = {(p / "imports.json").read_bytes() for p in tmp.glob("out*")}
        print(json.dumps(rows, indent=1))
        load = os.getloadavg()[0]
        speedup = rows[0]["wall_s"] / rows[1]["wall_s"]
        print(f"load average {load:.1f}; 1 vs 2 workers: x{speedup:.2f}; same map every run: {len(maps) == 1}")
        per_wheel = rows[1]["requests"] / len(sizes), rows[1]["bytes"] / len(sizes)
        print(f"per wheel: {per_wheel[0]:.2f} requests, {per_wheel[1] / 1024:.1f} KB")


if __name__ == "__main__":
    main()
