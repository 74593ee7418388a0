"""Build ``build/pyodide-dist/``: an offline Pyodide distribution directory that tests and the demo boot from.

The npm package ``pyodide`` ships the runtime and a lockfile but no wheels, so anything that asks the lockfile for
micropip, pytest, ... would go to a CDN. This script copies the npm runtime files, adds the pinned wheels
(requirements/pyodide-dist.txt, already downloaded to the cache) and this project's own pure wheel, and rewrites
exactly those lockfile entries (file_name, version, sha256, depends, imports, package_type) to match the wheels.
Every other lockfile entry stays as Pyodide ships it: real Pyodide keeps them, and micropip with non-default
``index_urls`` consults the index before the lockfile anyway.

Usage: python scripts/make_pyodide_dist.py [--npm-dir node_modules/pyodide] [--wheels .cache/wheels/pyodide-dist]
                                           [--out build/pyodide-dist]
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
PROJECT_NAME = "micropip-ext"

# Files of the npm package that are not part of the runtime.
_SKIP_NPM = {"package.json", "README.md"}


def pyodide_marker_environment(python_full_version: str) -> dict[str, str]:
    """PEP 508 marker values as Pyodide reports them (sys_platform 'emscripten', wasm32)."""
    env: dict[str, str] = dict(default_environment())  # type: ignore[arg-type]
    major_minor = ".".join(python_full_version.split(".")[:2])
    env.update(
        implementation_name="cpython",
        implementation_version=python_full_version,
        os_name="posix",
        platform_machine="wasm32",
        platform_python_implementation="CPython",
        platform_system="Emscripten",
        python_full_version=python_full_version,
        python_version=major_minor,
        sys_platform="emscripten",
    )
    return env


def wheel_metadata(zf: zipfile.ZipFile) -> tuple[email.message.Message, str]:
    """The METADATA message and the ``.dist-info`` directory name of an open wheel."""
    dist_info = next(
        n.split("/")[0] for n in zf.namelist() if n.split("/")[0].endswith(".dist-info") and n.endswith("/METADATA")
    )
    msg = email.parser.BytesParser().parsebytes(zf.read(f"{dist_info}/METADATA"))
    return msg, dist_info


def top_level_imports(zf: zipfile.ZipFile, dist_info: str) -> list[str]:
    """Importable top-level names: top_level.txt if the wheel has one, else derived from its file list."""
    try:
        names = zf.read(f"{dist_info}/top_level.txt").decode().split()
    except KeyError:
        names = []
        for path in zf.namelist():
            first, _, rest = path.partition("/")
            if first.endswith((".dist-info", ".data")):
                continue
            if rest:
                names.append(first)
            elif first.endswith(".py"):
                names.append(first[: -len(".py")])
    return sorted({n for n in names if n.isidentifier()})


def lock_entry(wheel: Path, marker_env: dict[str, str], file_name: str) -> dict[str, Any]:
    """A pyodide-lock.json package entry describing ``wheel`` (fields as Pyodide 314 writes them)."""
    with zipfile.ZipFile(wheel) as zf:
        msg, dist_info = wheel_metadata(zf)
        imports = top_level_imports(zf, dist_info)
    depends = []
    for line in msg.get_all("Requires-Dist") or []:
        req = Requirement(line)
        # No extras requested: PEP 508 markers evaluated with extra == "".
        if req.marker is None or req.marker.evaluate({**marker_env, "extra": ""}):
            depends.append(canonicalize_name(req.name))
    return {
        "name": msg["Name"],
        "version": msg["Version"],
        "file_name": file_name,
        "install_dir": "site",
        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "package_type": "package",
        "imports": imports,
        "depends": sorted(set(depends)),
        "unvendored_tests": False,
        "tool": {},
    }


def build_project_wheel(out_dir: Path) -> Path:
    """Build this project's wheel offline (build backend already in the venv) and check it is pure."""
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out_dir), str(ROOT)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (wheel,) = out_dir.glob("*.whl")
    _, _, _, tags = parse_wheel_filename(wheel.name)
    if any(t.abi != "none" or t.platform != "any" for t in tags):
        raise SystemExit(f"{wheel.name}: the project wheel must be pure Python (py3-none-any)")
    return wheel


def make_dist(npm_dir: Path, wheels_dir: Path, out: Path) -> dict[str, Any]:
    """(Re)create ``out`` and return the lockfile written there."""
    lock = json.loads((npm_dir / "pyodide-lock.json").read_text())
    marker_env = pyodide_marker_environment(lock["info"]["python"])
    # Built beside `out` and swapped in at the end: tests running meanwhile (other people's, in the same tree)
    # keep reading a complete directory, and two concurrent set-ups do not write into the same one.
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".new-", dir=out.parent))
    for f in npm_dir.iterdir():
        if f.is_file() and f.name not in _SKIP_NPM:
            shutil.copy2(f, tmp / f.name)
    with tempfile.TemporaryDirectory() as build_dir:
        wheels = [*sorted(wheels_dir.glob("*.whl")), build_project_wheel(Path(build_dir))]
        for wheel in wheels:
            shutil.copy2(wheel, tmp / wheel.name)
            entry = lock_entry(wheel, marker_env, wheel.name)
            lock["packages"][canonicalize_name(entry["name"])] = entry
    missing = {
        dep
        for key, entry in lock["packages"].items()
        if (tmp / entry["file_name"]).exists()
        for dep in entry["depends"]
        if not (dep in lock["packages"] and (tmp / lock["packages"][dep]["file_name"]).exists())
    }
    if missing:
        raise SystemExit(f"wheels in the dist dir depend on packages without a wheel there: {sorted(missing)}")
    (tmp / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    tmp.chmod(0o755)
    old = out.with_name(f"{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return lock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--npm-dir", type=Path, default=ROOT / "node_modules" / "pyodide")
    parser.add_argument("--wheels", type=Path, default=ROOT / ".cache" / "wheels" / "pyodide-dist")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "pyodide-dist")
    args = parser.parse_args(argv)
    lock = make_dist(args.npm_dir, args.wheels, args.out)
    local = sorted(k for k, e in lock["packages"].items() if (args.out / e["file_name"]).exists())
    print(f"{args.out}: Pyodide {lock['info']['python']} runtime + {len(local)} local wheels ({', '.join(local)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
