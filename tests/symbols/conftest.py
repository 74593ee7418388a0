"""Real wheels, really installed: each test builds the packages it needs and installs them with uv."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from indexer.symbols import SymbolIndex, Target, load_shards
from indexer.symbols.cache import ShardCache
from tests.support.wheels import build_wheel

UV = Path(sys.executable).with_name("uv")

Installer = Callable[..., Path]


def install_wheel(wheel: Path, site: Path) -> None:
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--target", str(site), "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=120,
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path


@pytest.fixture
def install(tmp_path: Path, site: Path) -> Installer:
    """install(name, version, files, **build_wheel_options) -> site dir, via a real wheel and uv."""

    def _install(name: str, version: str, files: Mapping[str, bytes | str], **options: Any) -> Path:
        wheel = build_wheel(tmp_path / "wheels", name, version, files, **options)
        install_wheel(wheel, site)
        return site

    return _install


def build_index(
    site: Path, target: Target | None = None, cache: ShardCache | None = None, *, private: bool = False
) -> dict[str, Any]:
    target = target or Target.running()
    return SymbolIndex(load_shards([site], target, cache), target).to_json(include_private=private)


def symbols(index: dict[str, Any], dist: str, module: str) -> dict[str, Any]:
    result: dict[str, Any] = index["distributions"][dist]["modules"][module]["symbols"]
    return result


C_SOURCE = r"""
#include <Python.h>
static PyObject* speed(PyObject* self, PyObject* args) { return PyLong_FromLong(42); }
static PyMethodDef methods[] = {{"speed", speed, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, MODNAME, NULL, -1, methods};
PyMODINIT_FUNC INITFUNC(void) { return PyModule_Create(&def); }
"""


def compile_extension(tmp: Path, name: str) -> bytes:
    """A real CPython extension module exporting PyInit_<name> (skips the test without a C compiler)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    include = sysconfig.get_paths()["include"]
    if cc is None or not Path(include, "Python.h").exists():
        pytest.skip("needs a C compiler and Python headers")
    src = tmp / f"{name}.c"
    src.write_text(C_SOURCE)
    out = tmp / f"{name}.so"
    subprocess.run(
        [cc, "-shared", "-fPIC", f"-I{include}", f'-DMODNAME="{name}"', f"-DINITFUNC=PyInit_{name}",
         "-o", str(out), str(src)],
        check=True, capture_output=True, timeout=120,
    )
    return out.read_bytes()
