"""``make demo`` end to end (Pyodide tier): every sample distribution is installed, attributed and locked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.pyodide  # boots Pyodide in Node (in a subprocess)


def test_demo_installs_and_locks_the_sample_set(pyodide_dist_dir: Path, sample_wheels: list[Path]) -> None:
    proc = subprocess.run([sys.executable, "-m", "scripts.demo"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    table = out.split("how it got there", 1)[1].split("\nfreeze ->", 1)[0]
    listed = {canonicalize_name(line.split()[0]) for line in table.strip().splitlines()}
    assert {canonicalize_name(w.name.split("-")[0]) for w in sample_wheels} <= listed
    assert "micropip by URL: http://127.0.0.1:" in out
    assert "pip --target copy" in out
    assert "NOT LOCKED" not in out and "cannot lock" not in out
