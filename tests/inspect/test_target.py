"""Target detection (issue 14): a site installed for Pyodide says so; a host target over it is contradicted."""

from __future__ import annotations

import platform
from pathlib import Path

from indexer.installed import inspect
from indexer.installed.target import contradicting, detect_target, pyodide_evidence
from tests.inspect.binaries import wasm_module
from tests.inspect.installs import pip_install, pip_install_pyodide
from tests.support.wheels import build_wheel

PYODIDE_TAG = "cp314-cp314-pyemscripten_2026_0_wasm32"
HOST_TAG = f"py3-none-manylinux_2_17_{platform.machine()}"


def test_pip_installed_pyodide_wheels_make_a_pyodide_site(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "wasmy", "2.0", {"wasmy/_fast.cpython-314-wasm32-emscripten.so": wasm_module(["PyInit__fast"])},
                tag=PYODIDE_TAG)  # fmt: skip
    build_wheel(wheels, "pure", "1.0", {"pure.py": ""})
    site = tmp_path / "site"
    pip_install_pyodide(site, wheels, "wasmy", "pure")
    dists = inspect([site]).distributions
    assert detect_target(dists) == "pyodide"
    assert [(d.name, pyodide_evidence(d)) for d in dists] == [("pure", None), ("wasmy", f"WHEEL tag {PYODIDE_TAG}")]
    assert contradicting(dists, "pyodide") == []
    assert [(d.name, why) for d, why in contradicting(dists, "host")] == [("wasmy", f"WHEEL tag {PYODIDE_TAG}")]


def test_a_host_venv_is_host_and_contradicts_pyodide(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    native = build_wheel(wheels, "native", "1.0", {"native.py": ""}, tag=HOST_TAG)
    pure = build_wheel(wheels, "pure", "1.0", {"pure.py": ""})
    site = tmp_path / "site"
    pip_install(site, "--no-index", str(native), str(pure))
    dists = inspect([site]).distributions
    assert detect_target(dists) == "host"
    assert contradicting(dists, "host") == []
    assert [(d.name, why) for d, why in contradicting(dists, "pyodide")] == [("native", f"WHEEL tag {HOST_TAG}")]


def test_micropip_records_alone_say_pyodide(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    site = tmp_path / "site"
    pip_install(site, "--no-index", str(build_wheel(wheels, "pure", "1.0", {"pure.py": ""})))
    dist_info = next(site.glob("pure-*.dist-info"))
    (dist_info / "INSTALLER").write_text("micropip\n")
    (dist_info / "PYODIDE_SOURCE").write_text("pypi\n")
    dists = inspect([site]).distributions
    assert detect_target(dists) == "pyodide"
    assert [pyodide_evidence(d) for d in dists] == ["PYODIDE_* installer record"]
    assert contradicting(dists, "host") == []  # a pure wheel fits anywhere: records alone are not a contradiction
