"""micropip-ext inside a real `pyodide venv`: pip installs from an index and from a local wheel, then
`python -m indexer freeze|inspect|which|symbols` run by the venv's own Pyodide python (Node)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from indexer.index.server import IndexServer
from tests.support.wheels import build_wheel
from tests.venv.conftest import PyodideVenv, Toolchain, copy_root, make_venv

#: Installed by name from the index (their dependencies come along: soupsieve, typing-extensions, six, tzdata, ...).
FROM_INDEX = ["attrs", "beautifulsoup4", "python-dateutil", "micropip-ext"]
#: A key only this test's Pyodide has in its lockfile's info: a lock carrying it read the running runtime.
RUNTIME_MARK = {"x-runtime-mark": "venv-test"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Frozen:
    venv: PyodideVenv
    index: IndexServer
    local_wheel: Path
    lock: dict[str, Any]
    report: dict[str, Any]
    stderr: str

    def entry(self, name: str) -> dict[str, Any]:
        (found,) = [d for d in self.report["distributions"] if d["name"].lower().replace("_", "-") == name]
        return found


@pytest.fixture(scope="module")
def frozen(
    pyodide_venv_toolchain: Toolchain, venv_index: IndexServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Frozen]:
    base = tmp_path_factory.mktemp("pyodide-venv")
    root = copy_root(pyodide_venv_toolchain, base, RUNTIME_MARK)
    venv = make_venv(pyodide_venv_toolchain, root, base / "venv")
    local = build_wheel(base / "local-wheels", "localpkg", "0.1", {"localpkg/__init__.py": "X = 1\n"})
    venv.pip_install(venv_index.index_url, *FROM_INDEX)
    venv.pip_install(venv_index.index_url, str(local))
    proc = venv.run("python", "-m", "indexer", "freeze", "--index-url", venv_index.index_url,
                    "-o", "pyodide-lock.json", "--report", "report.json")  # fmt: skip
    lock = json.loads((venv.workdir / "pyodide-lock.json").read_text())
    report = json.loads((venv.workdir / "report.json").read_text())
    yield Frozen(venv, venv_index, local, lock, report, proc.stderr)


def test_the_venv_python_is_pyodide(frozen: Frozen) -> None:
    out = frozen.venv.run("python", "-c", "import sys; print(sys.platform, sys.executable)").stdout.split()
    assert out == ["emscripten", str(frozen.venv.path / "bin" / "python")]


def test_every_index_installed_distribution_is_locked_to_its_index_file(frozen: Frozen) -> None:
    wheels = {p.name: p for p in (frozen.index.root.parent / "wheels").glob("*.whl")}
    installed = [d for d in frozen.report["distributions"] if d["name"] not in ("localpkg", "pip")]
    assert {d["name"].lower() for d in installed} >= {"attrs", "beautifulsoup4", "python-dateutil", "micropip-ext"}
    packages = {entry["name"]: entry for entry in frozen.lock["packages"].values()}
    for dist in installed:
        assert dist["locked"], f"{dist['name']}: {dist['reason']}"
        entry = packages[dist["name"]]
        assert entry["file_name"] == f"{frozen.index.url}files/{dist['filename']}"
        assert entry["sha256"] == sha256(wheels[dist["filename"]]), dist["name"]


def test_lock_info_and_base_are_the_running_pyodides(frozen: Frozen) -> None:
    running = json.loads((frozen.venv.root / "dist" / "pyodide-lock.json").read_text())
    assert frozen.lock["info"] == running["info"]
    assert frozen.lock["info"]["x-runtime-mark"] == "venv-test"
    # Every entry of the running lockfile is kept (the base), or replaced by what is installed under that name.
    assert set(running["packages"]) <= set(frozen.lock["packages"])
    assert frozen.lock["packages"]["micropip"] == running["packages"]["micropip"]
    assert frozen.report["options"]["base_lock"] is not None


def test_the_cli_inside_pyodide_fetches_with_pyfetch(frozen: Frozen) -> None:
    assert frozen.report["options"]["transport"] == "pyfetch"
    assert frozen.index.requests_for("/simple/attrs/"), "the index was not asked"


def test_a_local_wheel_has_a_reason_then_locks_to_its_recorded_file_once_published(frozen: Frozen) -> None:
    entry = frozen.entry("localpkg")
    assert not entry["locked"]
    assert frozen.local_wheel.as_uri() in entry["reason"] and "--base-url" in entry["reason"]
    assert f"unlockable: localpkg 0.1: installed from the local file {frozen.local_wheel.as_uri()}" in frozen.stderr

    published = frozen.index.local_dir / frozen.local_wheel.name  # type: ignore[attr-defined]
    published.write_bytes(frozen.local_wheel.read_bytes())
    mapping = f"{frozen.local_wheel.parent.as_uri()}/={frozen.index.url}local/"
    frozen.venv.run("python", "-m", "indexer", "freeze", "--index-url", frozen.index.index_url,
                    "--base-url", mapping, "-o", "mapped-lock.json")  # fmt: skip
    lock = json.loads((frozen.venv.workdir / "mapped-lock.json").read_text())
    assert lock["packages"]["localpkg"]["file_name"] == f"{frozen.index.url}local/{frozen.local_wheel.name}"
    assert lock["packages"]["localpkg"]["sha256"] == sha256(frozen.local_wheel)


def test_inspect_which_and_symbols_run_inside_the_venv(frozen: Frozen) -> None:
    venv = frozen.venv
    env = json.loads(venv.run("python", "-m", "indexer", "inspect", "--json").stdout)
    dists = {d["name"]: d for d in env["distributions"]}
    assert dists["localpkg"]["source"]["kind"] == "url"
    assert dists["localpkg"]["source"]["sha256"] == sha256(frozen.local_wheel)
    assert dists["beautifulsoup4"]["source"]["kind"] == "index"
    assert str(venv.path / "lib" / "python3.14" / "site-packages") in env["site_dirs"]

    assert venv.run("python", "-m", "indexer", "which", "bs4").stdout.strip() == (
        "bs4: module defined in bs4 (beautifulsoup4 4.15.0)"
    )
    venv.run("python", "-m", "indexer", "symbols", "-o", "symbols.json")
    text = (venv.workdir / "symbols.json").read_text()
    assert '"attr.define"' in text or '"define"' in text


PATCHED = """
import json, micropip, micropip_ext
from pyodide.ffi import can_run_sync
micropip_ext.patch(index_urls=[{index!r}])
text = micropip.freeze()
print(json.dumps({{"jspi": can_run_sync(), "type": type(text).__name__, "lock": json.loads(text)}}))
"""


def test_patched_micropip_freeze_locks_pip_installs_through_the_network_with_jspi(frozen: Frozen) -> None:
    # The venv's python runs main under JSPI, so the synchronous micropip.freeze() can wait for pyfetch.
    frozen.venv.pip_install(frozen.index.index_url, "micropip==0.11.1")
    out = json.loads(frozen.venv.run("python", "-c", PATCHED.format(index=frozen.index.index_url)).stdout)
    assert out["jspi"] is True and out["type"] == "str"
    attrs = out["lock"]["packages"]["attrs"]  # pip-installed: provable only from the index
    assert attrs["file_name"] == f"{frozen.index.url}files/attrs-26.1.0-py3-none-any.whl"
    assert attrs["sha256"] == sha256(frozen.index.root.parent / "wheels" / "attrs-26.1.0-py3-none-any.whl")
