"""Oracle: the static index against what the same packages expose when really imported.

A subprocess (oracle_probe.py) imports every module of real distributions installed in the dev venv,
collects public names (``__all__`` or ``dir()`` without underscores) and maps each object's defining
file to its distribution through RECORD. The index is built statically from the same site directory.
We report precision and recall of public names and origin-distribution accuracy, and hold origin
accuracy to >= 0.98 overall and for typing_extensions (whose names depend on version branches).
Run: .venv/bin/python -m pytest tests/symbols/test_oracle.py -s
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from indexer.symbols import SymbolIndex, Target, load_shards
from tests.support.setup_check import setup_missing

DISTS = ["packaging", "httpx", "httpcore", "anyio", "idna", "typing_extensions", "attrs", "tqdm", "griffelib", "pluggy"]
PROBE = Path(__file__).with_name("oracle_probe.py")


def _compare(oracle: dict[str, Any], index: dict[str, Any]) -> dict[str, dict[str, float | int]]:
    """Per distribution: true/false positives of public names, origin matches (names both sides list)."""
    by_module: dict[str, tuple[str, dict[str, Any]]] = {}
    for dist_name, dist in index["distributions"].items():
        for module, data in dist["modules"].items():
            by_module[module] = (canonicalize_name(dist_name), data["symbols"])
    stats: dict[str, dict[str, int]] = {}
    for module, probe in oracle["modules"].items():
        s = stats.setdefault(probe["dist"], {"tp": 0, "fp": 0, "fn": 0, "origin_ok": 0, "origin_n": 0})
        found = by_module.get(module)
        ours = found[1] if found else {}
        # same rule as the probe: a submodule that is only an attribute by import side effect is not a name
        ours_names = {
            n for n, e in ours.items()
            if not (e["kind"] == "module" and e["defined_in"] == f"{module}.{n}" and not e.get("explicit"))
            and not (e.get("type_only") and not e.get("explicit"))
        }
        theirs: dict[str, str | None] = probe["names"]
        s["tp"] += len(ours_names & theirs.keys())
        s["fp"] += len(ours_names - theirs.keys())
        s["fn"] += len(theirs.keys() - ours_names)
        for name, origin in theirs.items():
            if origin is None or name not in ours:
                continue
            entry = ours[name]
            if entry["kind"] == "external":
                predicted = "<stdlib>"
            elif entry["distribution"] is None:
                predicted = None
            else:
                predicted = canonicalize_name(entry["distribution"])
            s["origin_n"] += 1
            s["origin_ok"] += predicted == origin
    result: dict[str, dict[str, float | int]] = {}
    totals = {"tp": 0, "fp": 0, "fn": 0, "origin_ok": 0, "origin_n": 0}
    for dist, s in sorted(stats.items()):
        for k in totals:
            totals[k] += s[k]
        result[dist] = _metrics(s)
    result["ALL"] = _metrics(totals)
    return result


def _metrics(s: dict[str, int]) -> dict[str, float | int]:
    return {
        "precision": s["tp"] / max(1, s["tp"] + s["fp"]),
        "recall": s["tp"] / max(1, s["tp"] + s["fn"]),
        "origin_accuracy": s["origin_ok"] / max(1, s["origin_n"]),
        "origin_checked": s["origin_n"],
        "names": s["tp"] + s["fn"],
    }


@pytest.fixture(scope="module")
def oracle() -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(PROBE), *DISTS], check=True, capture_output=True, text=True, timeout=300
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    site = Path(sysconfig.get_paths()["purelib"])
    shards = load_shards([site], Target.running())
    return SymbolIndex(shards, Target.running()).to_json()


def _report(metrics: dict[str, dict[str, float | int]], oracle: dict[str, Any]) -> None:
    print("\ndistribution          precision  recall  origin-acc  (checked / names)")
    for dist, m in metrics.items():
        print(
            f"{dist:<22}{m['precision']:>9.3f}{m['recall']:>8.3f}{m['origin_accuracy']:>12.3f}"
            f"  ({m['origin_checked']} / {m['names']})"
        )
    print(f"modules the probe could not import (missing optional deps): {len(oracle['failed'])}")


def test_oracle_precision_recall_origin(oracle: dict[str, Any], index: dict[str, Any]) -> None:
    metrics = _compare(oracle, index)
    _report(metrics, oracle)
    assert set(metrics) - {"ALL"} == {canonicalize_name(d) for d in DISTS}
    assert metrics["ALL"]["origin_accuracy"] >= 0.98
    assert metrics["typing-extensions"]["origin_accuracy"] >= 0.98
    assert metrics["typing-extensions"]["origin_checked"] >= 50
    assert metrics["ALL"]["recall"] >= 0.95
    assert metrics["ALL"]["precision"] >= 0.95


BENCH_VENV = Path(__file__).resolve().parents[2] / ".cache" / "bench-symbols-venv"


def test_oracle_numpy_requests_in_the_bench_venv() -> None:
    """The same oracle on the benchmark's venv (numpy: compiled modules, stubs, lazy __getattr__, globals())."""
    python = BENCH_VENV / "bin" / "python"
    if not python.exists():
        setup_missing("no .cache/bench-symbols-venv", "run `make setup` (or bench/symbols_bench.py --prepare)")
    dists = ["numpy", "requests", "urllib3", "charset-normalizer"]
    out = subprocess.run([str(python), str(PROBE), *dists], check=True, capture_output=True, text=True, timeout=600)
    oracle = json.loads(out.stdout)
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip())
    metrics = _compare(oracle, SymbolIndex(load_shards([site], Target.running()), Target.running()).to_json())
    _report(metrics, oracle)
    assert metrics["numpy"]["origin_checked"] >= 2000
    assert metrics["ALL"]["origin_accuracy"] >= 0.95
    assert metrics["ALL"]["recall"] >= 0.95
    assert metrics["ALL"]["precision"] >= 0.95
