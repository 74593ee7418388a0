"""Install wheels into a site directory the ways users do, with the real installers."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def uv_install(target: Path, *args: str) -> None:
    """``uv pip install --target TARGET --no-deps --no-index ARGS`` (wheel paths or names + --find-links)."""
    uv = VENV_BIN / "uv"
    subprocess.run(
        [
            str(uv),
            "pip",
            "install",
            "--python",
            sys.executable,
            "--target",
            str(target),
            "--no-deps",
            "--no-index",
            "--no-cache",
            *args,
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "UV_NO_CONFIG": "1"},
    )


def pip_install(target: Path, *args: str) -> None:
    """``python -m pip install --target TARGET --no-deps ARGS`` (quiet, no network beyond what ARGS say)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--no-cache-dir",
            "--target",
            str(target),
            "--no-deps",
            *args,
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )


def pip_install_pyodide(target: Path, find_links: Path, *names: str) -> None:
    """pip --target with Pyodide 314's platform and Python, as when preparing a site-packages for Pyodide."""
    pip_install(
        target,
        "--no-index",
        "--find-links",
        str(find_links),
        "--only-binary=:all:",
        "--platform",
        "pyemscripten_2026_0_wasm32",
        "--python-version",
        "3.14",
        "--implementation",
        "cp",
        *names,
    )


def tree_snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """(mtime_ns, sha256) of every file under ``root``: to prove inspect wrote nothing."""
    out: dict[str, tuple[int, str]] = {}
    for dirpath, _dirs, files in os.walk(root):
        for fn in files:
            p = Path(dirpath) / fn
            if p.is_symlink() or not p.is_file():  # links are not followed; a FIFO would block
                continue
            out[str(p.relative_to(root))] = (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
    return out
