"""Accuracy: import names inferred for Pyodide 314's pure-Python packages vs the lockfile's curated ``imports``.

Set-up: ``.venv/bin/python scripts/fetch_accuracy_wheels.py`` downloads the same versions (pinned by sha256 in
tests/inspect/accuracy_pins.json) into .cache/accuracy-wheels/. Every disagreement must be in ALLOWED with
its reason; an entry that no longer disagrees fails too, so the list stays true.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from indexer.installed import Environment, inspect
from tests.support.setup_check import setup_missing

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "node_modules" / "pyodide" / "pyodide-lock.json"
PINS = Path(__file__).with_name("accuracy_pins.json")
CACHE = ROOT / ".cache" / "accuracy-wheels"

pytestmark = pytest.mark.accuracy

#: canonical name -> (our import names, the lockfile's, why they differ)
ALLOWED: dict[str, tuple[list[str], list[str], str]] = {
    "future": (
        ["future", "libfuturize", "libpasteurize", "past"],
        ["future"],
        "the wheel installs four top-level packages; the lock lists only the one named like the project",
    ),
    "matplotlib-inline": (
        ["matplotlib_inline"],
        ["matplotlib-inline"],
        "the lock lists the project name; 'matplotlib-inline' is not an identifier, the package is matplotlib_inline",
    ),
    "pytest": (
        ["_pytest", "py", "pytest"],
        ["_pytest", "pytest"],
        "pytest's wheel ships py.py (the 'py' compatibility shim), importable as py; the lock omits it",
    ),
    "ruamel-yaml": (
        ["ruamel.yaml"],
        ["ruamel"],
        "ruamel/ has no __init__.py (PEP 420 namespace); the dist provides ruamel.yaml and ruamel is a namespace",
    ),
}


@pytest.fixture(scope="module")
def pinned() -> dict[str, dict[str, object]]:
    if not LOCK.exists():
        setup_missing(f"{LOCK} missing")
    pins: dict[str, dict[str, object]] = json.loads(PINS.read_text())
    missing = [str(p["file"]) for p in pins.values() if p["file"] and not (CACHE / str(p["file"])).is_file()]
    if missing:
        setup_missing(f"{len(missing)} accuracy wheels missing", "run `make setup` (step: accuracy wheels)")
    return pins


@pytest.fixture(scope="module")
def env(pinned: dict[str, dict[str, object]], tmp_path_factory: pytest.TempPathFactory) -> Environment:
    import hashlib

    wheels = [CACHE / str(p["file"]) for p in pinned.values() if p["file"]]
    for wheel, pin in zip(wheels, [p for p in pinned.values() if p["file"]], strict=True):
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == pin["sha256"], f"{wheel.name} is not the pinned file"
    site = tmp_path_factory.mktemp("accuracy") / "site"
    uv = Path(sys.executable).with_name("uv")
    subprocess.run(
        [str(uv), "pip", "install", "--python", sys.executable, "--python-version", "3.14", "--target", str(site),
         "--no-deps", "--no-index", "--no-cache", "--quiet", *map(str, wheels)],
        check=True,
    )  # fmt: skip
    return inspect([site], target="pyodide")


def test_every_pinned_package_is_found(env: Environment, pinned: dict[str, dict[str, object]]) -> None:
    found = {d.canonical_name: d.version for d in env.distributions}
    expected = {canonicalize_name(n): str(p["version"]) for n, p in pinned.items() if p["file"]}
    assert found == expected


def test_inferred_imports_match_the_curated_lockfile(env: Environment) -> None:
    lock: dict[str, Any] = {canonicalize_name(p["name"]): p for p in json.loads(LOCK.read_text())["packages"].values()}
    disagreements = {}
    for dist in env.distributions:
        ours, theirs = sorted(dist.imports), sorted(lock[dist.canonical_name]["imports"])
        if ours != theirs:
            disagreements[dist.canonical_name] = (ours, theirs)
    assert disagreements == {name: (ours, theirs) for name, (ours, theirs, _why) in ALLOWED.items()}
    assert all(d.import_evidence == "record" for d in env.distributions)
