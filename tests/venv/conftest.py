"""The `venv` tier: a real `pyodide venv` (pyodide-build 0.39.2 over Pyodide 314.0.7) built by set-up.

``scripts/make_pyodide_venv.sh`` (the ``step_pyodide_venv`` step of ``scripts/setup.sh``) builds the toolchain in
``build/pyodide-venv``; each test module creates its own venv from it (``pyodide venv`` takes ~10 s; a venv is not
relocatable, so it cannot be copied). These tests fail, naming that step, when the toolchain is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.index.build import build_index
from indexer.index.server import IndexServer, serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
TOOLCHAIN = ROOT / "build" / "pyodide-venv"
SETUP_STEP = "run `scripts/make_pyodide_venv.sh` (the step_pyodide_venv step of `make setup`)"
#: Our own dependencies and micropip, served by the test index next to the sample set (pip installs by name).
OWN_DEPS = ("packaging-26.3-py3-none-any.whl", "tomli_w-1.2.0-py3-none-any.whl", "micropip-0.11.1-py3-none-any.whl")


@dataclass(frozen=True)
class Toolchain:
    pyodide_root: Path  # PYODIDE_ROOT (…/xbuildenv/pyodide-root)
    pyodide_cli: Path  # the host-side `pyodide` command of pyodide-build


@dataclass
class PyodideVenv:
    path: Path
    workdir: Path  # cwd (and so HOME, and ~/.cache) of every command run in the venv
    root: Path  # the PYODIDE_ROOT it was made from

    def env(self) -> dict[str, str]:
        """This machine's environment without anything that would leak into the venv (pip config, PYTHONPATH)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"}
        env.pop("PYTHONPATH", None)  # the venv must run the installed wheel, not this checkout
        env.update(PIP_CONFIG_FILE="/dev/null", PIP_DISABLE_PIP_VERSION_CHECK="1", PYODIDE_ROOT=str(self.root))
        return env

    def run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(self.path / "bin" / program), *args],
            cwd=self.workdir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"{program} {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def pip_install(self, index_url: str, *args: str) -> None:
        self.run("pip", "install", "--quiet", "--only-binary=:all:", "--index-url", index_url, *args)


def _fail(message: str) -> None:
    pytest.fail(f"{message}: {SETUP_STEP}", pytrace=False)


@pytest.fixture(scope="session")
def pyodide_venv_toolchain() -> Toolchain:
    """The toolchain set-up built; a test fails (never skips) naming the set-up step when it is missing."""
    env_file = TOOLCHAIN / "env"
    if not env_file.is_file():
        _fail(f"no pyodide venv toolchain at {TOOLCHAIN}")
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    chain = Toolchain(Path(values.get("PYODIDE_ROOT", "")), Path(values.get("PYODIDE_CLI", "")))
    if not (chain.pyodide_root / "dist" / "python").is_file() or not chain.pyodide_cli.is_file():
        _fail(f"the pyodide venv toolchain at {TOOLCHAIN} is incomplete")
    return chain


def copy_root(chain: Toolchain, dest: Path, extra_info: dict[str, str]) -> Path:
    """A copy of PYODIDE_ROOT whose lockfile's ``info`` carries ``extra_info``: a Pyodide distinguishable from the
    project's built-in default, to prove a lock's ``info`` is read from the running runtime."""
    root = dest / "xbuildenv" / "pyodide-root"  # pyodide-build keys its pip.conf on this exact name
    shutil.copytree(chain.pyodide_root, root, symlinks=True)
    lock_path = root / "dist" / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    lock["info"].update(extra_info)
    lock_path.write_text(json.dumps(lock))
    return root


def make_venv(chain: Toolchain, root: Path, path: Path) -> PyodideVenv:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [str(chain.pyodide_cli), "venv", str(path)],
        env={**env, "PYODIDE_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0 or not (path / "bin" / "python").exists():
        _fail(f"`pyodide venv {path}` failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    workdir = path.parent / "work"
    workdir.mkdir(exist_ok=True)
    return PyodideVenv(path, workdir, root)


@pytest.fixture(scope="session")
def own_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """micropip-ext's wheel built from this checkout (pinned hatchling, no isolation, no network)."""
    out = tmp_path_factory.mktemp("own-wheel")
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("micropip_ext-*.whl")
    return wheel


@pytest.fixture(scope="module")
def venv_index(
    own_wheel: Path, sample_wheels_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IndexServer]:
    """The sample set + micropip-ext and its dependencies as a static index on 127.0.0.1; ``/local/`` serves the
    directory of local wheels (``server.local_dir``) for ``--base-url`` mapping."""
    root = tmp_path_factory.mktemp("venv-index")
    wheels, index, local = root / "wheels", root / "index", root / "local"
    wheels.mkdir()
    local.mkdir()
    for wheel in [*sample_wheels_dir.glob("*.whl"), own_wheel]:
        shutil.copy2(wheel, wheels)
    dist_wheels = ROOT / ".cache" / "wheels" / "pyodide-dist"
    for name in OWN_DEPS:
        if not (dist_wheels / name).is_file():
            pytest.fail(f"{dist_wheels / name} missing: run `make setup` (pinned wheels step)", pytrace=False)
        shutil.copy2(dist_wheels / name, wheels)
    build_index(wheels, index)
    with serve_in_thread(index, mounts={"local": local}) as server:
        server.local_dir = local  # type: ignore[attr-defined]
        yield server
