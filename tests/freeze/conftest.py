"""A real local index (built from real wheels) served on 127.0.0.1, and installs made by real installers."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.index.build import build_index
from indexer.index.server import IndexServer, serve_in_thread
from tests.support.wheels import build_wheel

UV = Path(sys.executable).with_name("uv")


@dataclass
class IndexEnv:
    root: Path
    wheels: Path  # what the index publishes
    index_dir: Path
    server: IndexServer

    def publish(self, name: str, version: str, files: dict[str, str], **kw: object) -> Path:
        wheel = build_wheel(self.wheels, name, version, files, **kw)  # type: ignore[arg-type]
        build_index(self.wheels, self.index_dir)
        return wheel


#: A minimal base lock in the shape Pyodide 314 writes: one entry, for the base-lock options' tests.
BASE_LOCK = {
    "info": {"abi_version": "2026_0", "arch": "wasm32", "platform": "emscripten_5_0_3", "python": "3.14.2"},
    "packages": {
        "six": {"name": "six", "version": "1.17.0", "file_name": "six-1.17.0-py2.py3-none-any.whl",
                "install_dir": "site", "sha256": "ab" * 32, "package_type": "package", "imports": ["six"],
                "depends": []},
    },
}  # fmt: skip


def uv_install(site: Path, *args: str) -> None:
    """Install with the real uv installer into ``site`` (no deps, no cache outside the test dir)."""
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--target", str(site), "--no-deps", "--no-cache", *args],
        check=True,
        capture_output=True,
    )


def unpack(wheel: Path, site: Path) -> None:
    """Install a wheel the way ``pyodide.unpackArchive`` does: extract it and write nothing else."""
    site.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)


@pytest.fixture(scope="module")
def index_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexEnv]:
    root = tmp_path_factory.mktemp("index")
    wheels = root / "wheels"
    index_dir = root / "index"
    build_wheel(wheels, "alpha", "1.0", {"alpha/__init__.py": "A = 1\n"}, metadata={"Requires-Dist": ["beta>=2"]})
    build_wheel(wheels, "alpha", "0.9", {"alpha/__init__.py": "A = 0\n"})
    build_wheel(wheels, "beta", "2.0", {"beta/__init__.py": "B = 2\n"}, metadata={"Summary": "index beta"})
    # Same name and version, another platform: tags must pick the installed one, not "the first wheel".
    build_wheel(
        wheels,
        "beta",
        "2.0",
        {"beta/__init__.py": "B = 'wasm'\n"},
        metadata={"Summary": "index beta"},
        tag="cp314-cp314-pyemscripten_2026_0_wasm32",
    )
    build_wheel(wheels, "delta", "1.0", {"delta/__init__.py": "D = 'index'\n"}, metadata={"Summary": "released"})
    build_index(wheels, index_dir)
    with serve_in_thread(index_dir) as server:
        yield IndexEnv(root, wheels, index_dir, server)


@pytest.fixture
def server(index_env: IndexEnv) -> Iterator[IndexServer]:
    index_env.server.clear_log()
    index_env.server.clear_faults()
    index_env.server.latency = 0.0
    yield index_env.server
    index_env.server.clear_faults()


@pytest.fixture(scope="module")
def name_site(index_env: IndexEnv, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alpha 1.0 and beta 2.0 installed BY NAME from the local index (no direct_url.json: index unknown)."""
    site = tmp_path_factory.mktemp("site")
    uv_install(site, "--index-url", index_env.server.index_url, "alpha==1.0", "beta==2.0")
    assert not (site / "alpha-1.0.dist-info" / "direct_url.json").exists()
    return site


def copy_site(site: Path, dest: Path) -> Path:
    shutil.copytree(site, dest, ignore=shutil.ignore_patterns(".lock"))
    return dest
