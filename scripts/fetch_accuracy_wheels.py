"""Download the pure-Python wheels of Pyodide 314's pyodide-lock.json for inspect's accuracy check, once.

The accuracy test (tests/inspect/test_accuracy.py) installs the same versions the lockfile lists and
compares inferred import names with the lockfile's curated ``imports``. Downloads are pinned:

* by the lockfile's own sha256 when the registry's wheel is byte-identical to Pyodide's;
* otherwise (Pyodide rebuilds many pure wheels, e.g. without their tests) by the sha256 of the file first
  downloaded, recorded in tests/inspect/accuracy_pins.json with ``matches_lock: false``.

pip uses its own configuration for the registry; files already in the cache with the pinned hash are not
fetched again, so later runs work offline.

Usage: python scripts/fetch_accuracy_wheels.py [--update-pins] [--limit N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "node_modules" / "pyodide" / "pyodide-lock.json"
PINS = ROOT / "tests" / "inspect" / "accuracy_pins.json"
CACHE = ROOT / ".cache" / "accuracy-wheels"


def pure_packages(lock_path: Path = LOCK) -> list[dict[str, object]]:
    """Lock entries whose file is a pure-Python wheel (``*-none-any.whl``), sorted by name."""
    packages = json.loads(lock_path.read_text())["packages"].values()
    return sorted((p for p in packages if str(p["file_name"]).endswith("-none-any.whl")), key=lambda p: str(p["name"]))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def download(name: str, version: str, dest: Path) -> Path | None:
    """``pip download`` one pure wheel for Python 3.14; None if the registry has no such wheel."""
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
             "--only-binary=:all:", "--python-version", "3.14", "--platform", "pyemscripten_2026_0_wasm32",
             "--implementation", "cp", "--dest", tmp, f"{name}=={version}"],
            capture_output=True, text=True,
        )  # fmt: skip
        wheels = list(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or len(wheels) != 1 or not wheels[0].name.endswith("-none-any.whl"):
            return None
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / wheels[0].name
        target.write_bytes(wheels[0].read_bytes())
        return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update-pins", action="store_true", help="pin files not pinned yet (first run)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N packages (quick checks)")
    args = parser.parse_args(argv)
    pins: dict[str, dict[str, object]] = json.loads(PINS.read_text()) if PINS.exists() else {}
    failures: list[str] = []
    for pkg in pure_packages()[: args.limit]:
        name, version, lock_sha = str(pkg["name"]), str(pkg["version"]), str(pkg["sha256"])
        pin = pins.get(name)
        if pin is not None and pin.get("version") != version:
            pin = None  # the lockfile moved on: pin again
        if pin is not None and pin.get("file") is None:
            continue  # known: the registry has no pure wheel of this version
        cached = CACHE / str(pin["file"]) if pin is not None else None
        if cached is not None and cached.is_file() and sha256_of(cached) == pin["sha256"]:  # type: ignore[index]
            continue
        path = download(name, version, CACHE)
        if path is None:
            if pin is not None:
                failures.append(f"{name} {version}: pinned, but no longer downloadable")
            elif args.update_pins:
                pins[name] = {"version": version, "file": None, "sha256": None, "matches_lock": None}
                print(f"{name} {version}: no pure wheel on the registry (pinned as unavailable)")
            continue
        digest = sha256_of(path)
        if pin is not None:
            if digest != pin["sha256"]:
                path.unlink()
                failures.append(f"{name} {version}: sha256 {digest} differs from the pin {pin['sha256']}")
            continue
        if not args.update_pins and digest != lock_sha:
            path.unlink()
            failures.append(f"{name} {version}: not pinned, and differs from the lockfile (run --update-pins)")
            continue
        pins[name] = {"version": version, "file": path.name, "sha256": digest, "matches_lock": digest == lock_sha}
        print(f"{name} {version}: pinned ({'same as' if digest == lock_sha else 'differs from'} the lockfile)")
    if args.update_pins:
        PINS.write_text(json.dumps(dict(sorted(pins.items())), indent=1) + "\n")
    for line in failures:
        print(f"error: {line}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
