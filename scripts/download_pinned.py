"""Download the wheels a hash-pinned requirements file names, into a cache directory, once.

Why a script and not a bare ``pip download``: a second set-up must work without the registries, so we first
check whether every pinned wheel is already present with one of its pinned sha256 hashes and only call pip
when something is missing. pip runs with ``--require-hashes --no-deps --only-binary=:all:`` for Python 3.14
(the Pyodide interpreter), isolated from this machine's pip configuration (constraints, extra indexes).

Usage: python scripts/download_pinned.py REQUIREMENTS_TXT DEST_DIR
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class Pin:
    """One ``name==version`` line of a requirements file with its allowed sha256 hashes."""

    name: str
    version: str
    hashes: frozenset[str]


def normalize(name: str) -> str:
    """PEP 503 normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirements(text: str) -> list[Pin]:
    """Parse a ``uv pip compile --generate-hashes`` file (continuation lines joined)."""
    joined = re.sub(r"\\\n", " ", text)
    pins = []
    for line in joined.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = _PIN.match(line)
        if not m:
            raise ValueError(f"not a pinned requirement: {line!r}")
        hashes = frozenset(_HASH.findall(line))
        if not hashes:
            raise ValueError(f"{m.group(1)}: no --hash (every download must be pinned by sha256)")
        pins.append(Pin(normalize(m.group(1)), m.group(2), hashes))
    return pins


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheel_name_version(filename: str) -> tuple[str, str]:
    """Name and version from a wheel filename (PEP 427: ``{name}-{version}-...whl``)."""
    parts = filename[: -len(".whl")].split("-")
    return normalize(parts[0]), parts[1]


def present(pin: Pin, dest: Path) -> Path | None:
    """The cached wheel for ``pin`` if one with an allowed hash is already in ``dest``."""
    for whl in dest.glob("*.whl"):
        name, version = wheel_name_version(whl.name)
        if name == pin.name and version == pin.version and sha256_of(whl) in pin.hashes:
            return whl
    return None


def pip_env() -> dict[str, str]:
    """Environment for pip that ignores machine-wide config (constraints, find-links, extra indexes)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def download(requirements: Path, dest: Path, extra_pip_args: Sequence[str] = ()) -> list[Path]:
    """Make sure every pin of ``requirements`` is in ``dest``; return the wheel paths."""
    pins = parse_requirements(requirements.read_text())
    dest.mkdir(parents=True, exist_ok=True)
    missing = [p for p in pins if present(p, dest) is None]
    if missing:
        print(f"downloading {len(missing)} wheel(s) into {dest}: {', '.join(p.name for p in missing)}")
        cmd = [
            sys.executable, "-m", "pip", "download", "--quiet", "--require-hashes", "--no-deps",
            "--only-binary=:all:", "--python-version", "3.14", "--implementation", "py",
            "--abi", "none", "--platform", "any", "-d", str(dest), "-r", str(requirements), *extra_pip_args,
        ]  # fmt: skip
        subprocess.run(cmd, check=True, env=pip_env())
    wheels = []
    for pin in pins:
        whl = present(pin, dest)
        if whl is None:
            raise SystemExit(f"{pin.name}=={pin.version}: no wheel with a pinned sha256 in {dest}")
        if not whl.name.endswith("-none-any.whl"):
            raise SystemExit(f"{whl.name}: not a pure-Python wheel")
        wheels.append(whl)
    return wheels


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    wheels = download(Path(argv[0]), Path(argv[1]))
    print(f"{argv[0]}: {len(wheels)} pinned wheels present in {argv[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
