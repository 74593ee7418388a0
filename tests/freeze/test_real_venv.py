"""Freeze a real venv that real pip filled from a local index, the ways people install: every outcome asserted.

The venv is made by ``python -m venv`` and filled by its own pip with an empty ``PIP_CONFIG_FILE`` and
``--index-url`` pointing at the local index on 127.0.0.1: by name, a local wheel identical to the index's,
a locally built sdist, an editable install, a ``git+file`` install, and a rebuilt wheel (same name, version
and METADATA as the index's, one module changed) installed by path and by name from a ``--find-links``
folder. Source trees build with a dependency-free in-tree PEP 517 backend, so nothing leaves loopback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from indexer.freeze.core import FreezeResult, freeze
from indexer.freeze.options import FreezeOptions
from indexer.index.build import build_index
from indexer.index.server import IndexServer, serve_in_thread
from tests.support.wheels import build_wheel

#: A PEP 517/660 backend with no requirements (pip's build isolation then installs nothing): it builds a
#: wheel, an sdist and an editable wheel (a .pth to the source tree) of the one package in ``project.txt``.
BACKEND = r"""
import base64, csv, hashlib, io, os, tarfile, zipfile

def _project():
    name, version = open("project.txt").read().split()
    return name, version, name.replace("-", "_")

def _metadata(name, version):
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: built from source\n"

def _wheel(directory, members):
    name, version, mod = _project()
    di = f"{mod}-{version}.dist-info"
    members = dict(members)
    members[f"{di}/METADATA"] = _metadata(name, version).encode()
    members[f"{di}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: test-backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for path, data in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([path, "sha256=" + digest, len(data)])
    writer.writerow([f"{di}/RECORD", "", ""])
    members[f"{di}/RECORD"] = out.getvalue().encode()
    filename = f"{mod}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, filename), "w") as zf:
        for path, data in members.items():
            zf.writestr(path, data)
    return filename

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name, version, mod = _project()
    members = {}
    for root, _, files in os.walk(mod):
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(root, f)
                members[path.replace(os.sep, "/")] = open(path, "rb").read()
    return _wheel(wheel_directory, members)

def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    name, version, mod = _project()
    return _wheel(wheel_directory, {f"_{mod}_editable.pth": (os.path.abspath(".") + "\n").encode()})

def build_sdist(sdist_directory, config_settings=None):
    name, version, mod = _project()
    base = f"{mod}-{version}"
    filename = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as tf:
        for path in ["pyproject.toml", "project.txt", "_backend/backend.py", mod]:
            tf.add(path, arcname=f"{base}/{path}")
        info = _metadata(name, version).encode()
        member = tarfile.TarInfo(f"{base}/PKG-INFO")
        member.size = len(info)
        tf.addfile(member, io.BytesIO(info))
    return filename
"""

PYPROJECT = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_backend"]\n'


def source_tree(root: Path, name: str, body: str) -> Path:
    """A project directory built by :data:`BACKEND`."""
    mod = name.replace("-", "_")
    (root / mod).mkdir(parents=True)
    (root / mod / "__init__.py").write_text(body)
    (root / "_backend").mkdir()
    (root / "_backend" / "backend.py").write_text(BACKEND)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "project.txt").write_text(f"{name} 1.0\n")
    return root


def pip_env(empty: Path) -> dict[str, str]:
    """pip and git with no machine configuration (``empty``: an empty config file, as /dev/null would be)."""
    empty.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "GIT_"))}
    env.update(PIP_CONFIG_FILE=str(empty), PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    env.update(GIT_CONFIG_GLOBAL=str(empty), GIT_CONFIG_NOSYSTEM="1")
    return env


@dataclass
class RealVenv:
    site: Path
    server: IndexServer
    index_wheels: Path


RELEASED = {"Summary": "released"}


def _publish(wheels: Path) -> None:
    build_wheel(wheels, "byname", "1.0", {"byname/__init__.py": "X = 1\n"})
    build_wheel(wheels, "ident", "1.0", {"ident/__init__.py": "X = 1\n"})
    for name in ("rebuilt-path", "rebuilt-name"):
        mod = name.replace("-", "_")
        build_wheel(wheels, name, "1.0", {f"{mod}/__init__.py": "X = 1\n", f"{mod}/core.py": "ORIGIN = 'index'\n"},
                    metadata=RELEASED)  # fmt: skip
    build_wheel(wheels, "fromsdist", "1.0", {"fromsdist/__init__.py": "X = 'index'\n"})
    # Console scripts generated by pip, a *.data/scripts file (shebang rewritten), a *.data/data file (moved).
    build_wheel(
        wheels,
        "scripted",
        "1.0",
        {
            "scripted/__init__.py": "def main():\n    return 0\n",
            "scripted-1.0.data/scripts/scripted-tool": "#!python\nprint('tool')\n",
            "scripted-1.0.data/data/share/scripted/readme.txt": "data file\n",
        },
        dist_info_files={"entry_points.txt": "[console_scripts]\nscripted = scripted:main\n"},
    )


def _rebuilt(root: Path, name: str) -> Path:
    """Same name, version and METADATA as the index's wheel; one module changed."""
    mod = name.replace("-", "_")
    files = {f"{mod}/__init__.py": "X = 1\n", f"{mod}/core.py": "ORIGIN = 'patched here'\n"}
    return build_wheel(root, name, "1.0", files, metadata=RELEASED)


@pytest.fixture(scope="module")
def real_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealVenv]:
    root = tmp_path_factory.mktemp("realvenv")
    wheels, index_dir = root / "wheels", root / "index"
    _publish(wheels)
    build_index(wheels, index_dir)
    by_path, find_links = root / "by-path", root / "find-links"
    _rebuilt(by_path, "rebuilt-path")
    _rebuilt(find_links, "rebuilt-name")
    shutil.copy(wheels / "ident-1.0-py3-none-any.whl", by_path)  # a local copy, byte-identical to the index's
    sdist_tree = source_tree(root / "src-sdist", "fromsdist", "X = 'built here'\n")
    editable_tree = source_tree(root / "src-editable", "editme", "X = 'working tree'\n")
    git_tree = source_tree(root / "src-git", "fromgit", "X = 'checkout'\n")
    env = pip_env(root / "empty.conf")
    for args in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c"]):
        done = subprocess.run(["git", *args], cwd=git_tree, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    # The sdist, built by its own backend as a build frontend would (in a subprocess, in the source tree).
    make_sdist = f"import sys; sys.path.insert(0, '_backend'); import backend; backend.build_sdist({str(root)!r})"
    subprocess.run([sys.executable, "-c", make_sdist], cwd=sdist_tree, check=True, capture_output=True)
    venv = root / "venv"
    subprocess.run([sys.base_prefix + "/bin/python3", "-m", "venv", str(venv)], check=True, capture_output=True)
    with serve_in_thread(index_dir) as server:
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-cache-dir", "--index-url"]
        installs = [
            ["byname==1.0", "scripted==1.0"],
            [str(by_path / "ident-1.0-py3-none-any.whl"), str(by_path / "rebuilt_path-1.0-py3-none-any.whl")],
            [str(root / "fromsdist-1.0.tar.gz")],
            ["-e", str(editable_tree)],
            [f"git+file://{git_tree}"],
            ["--no-index", "--find-links", str(find_links), "rebuilt-name==1.0"],
        ]
        for args in installs:
            done = subprocess.run([*pip, server.index_url, *args], env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
        site = next((venv / "lib").glob("python3*/site-packages"))
        yield RealVenv(site, server, wheels)


async def run_freeze(venv: RealVenv, **kw: Any) -> FreezeResult:
    return await freeze([venv.site], FreezeOptions(index_urls=(venv.server.index_url,), target="host", **kw))


def outcomes(result: FreezeResult) -> dict[str, tuple[bool, str | None]]:
    return {r.canonical_name: (r.locked, r.reason_code) for r in result.resolutions}


#: The one right outcome of each install under the default policy (verify="auto").
EXPECTED = {
    "byname": (True, None),
    "scripted": (True, None),
    "ident": (True, None),  # a local copy of the index's bytes: locked to the index file
    "rebuilt-path": (False, "local-build"),
    "rebuilt-name": (False, "local-build"),
    "fromsdist": (False, "local-build"),
    "editme": (False, "editable"),
    "fromgit": (False, "vcs"),
    "pip": (False, "not-on-index"),  # seeded by ensurepip; the local index does not have it
}


async def test_every_install_kind_gets_its_outcome(real_venv: RealVenv) -> None:
    result = await run_freeze(real_venv)
    got = outcomes(result)
    assert {k: got[k] for k in EXPECTED} == EXPECTED
    assert set(got) - set(EXPECTED) <= {"setuptools"}  # what this Python's ensurepip seeds besides pip
    res = {r.canonical_name: r for r in result.resolutions}
    assert res["byname"].record_verified is True and res["scripted"].record_verified is True
    assert (
        res["ident"].method == "index" and res["ident"].url == f"{real_venv.server.url}files/ident-1.0-py3-none-any.whl"
    )
    assert "rebuilt_name/core.py" in (res["rebuilt-name"].reason or "")
    assert "differs from the index's file" in (res["rebuilt-path"].reason or "")
    lock = json.loads(result.lock)["packages"]
    assert {"byname", "scripted", "ident"} <= set(lock) and not {"rebuilt-name", "rebuilt-path"} & set(lock)


async def test_verify_metadata_is_the_fast_path_that_trusts_metadata(real_venv: RealVenv) -> None:
    got = outcomes(await run_freeze(real_venv, verify="metadata"))
    # The rebuilt wheel installed by name has the index's METADATA: only RECORD proof can tell them apart.
    assert got["rebuilt-name"] == (True, None)
    assert got["byname"] == got["scripted"] == (True, None) and got["rebuilt-path"] == (False, "local-build")


async def test_verify_record_hashes_the_installed_files(real_venv: RealVenv, tmp_path: Path) -> None:
    got = outcomes(await run_freeze(real_venv, verify="record"))
    assert {k: got[k] for k in EXPECTED} == EXPECTED
    # A file edited after install: RECORD still matches the wheel's, the bytes on disk do not.
    site = tmp_path / "site"
    shutil.copytree(real_venv.site, site, symlinks=True)
    (site / "byname" / "__init__.py").write_text("X = 'edited'\n")
    edited = RealVenv(site, real_venv.server, real_venv.index_wheels)
    assert outcomes(await run_freeze(edited))["byname"] == (True, None)  # auto trusts the installed RECORD
    res = {r.canonical_name: r for r in (await run_freeze(edited, verify="record")).resolutions}["byname"]
    assert (res.locked, res.reason_code) == (False, "modified") and "byname/__init__.py" in (res.reason or "")
