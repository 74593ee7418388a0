"""Import names inferred from real installs (uv / pip --target), PEP 794 fields, namespaces, extensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.installed import FileKind, inspect
from tests.inspect.binaries import elf_shared_object, have_gcc, wasm_module
from tests.inspect.installs import pip_install, pip_install_pyodide, tree_snapshot, uv_install
from tests.support.wheels import build_wheel

PKGUTIL_INIT = "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"
PKG_RESOURCES_INIT = "__import__('pkg_resources').declare_namespace(__name__)\n"


def _install_all(tmp_path: Path, wheels: list[Path]) -> Path:
    site = tmp_path / "site"
    uv_install(site, *map(str, wheels))
    return site


def test_pep420_namespace_is_descended_and_shared_root_reported(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    a = build_wheel(wheels, "jaraco.functools", "4.0", {"jaraco/functools/__init__.py": "def f(): pass\n"})
    b = build_wheel(wheels, "jaraco.text", "4.0", {"jaraco/text/__init__.py": "", "jaraco/text/layouts.py": ""})
    site = _install_all(tmp_path, [a, b])
    env = inspect([site])
    functools, text = env.get("jaraco-functools"), env.get("jaraco.text")
    assert functools is not None and text is not None
    assert (functools.imports, functools.namespaces) == (["jaraco.functools"], ["jaraco"])
    assert (text.imports, text.namespaces) == (["jaraco.text"], ["jaraco"])
    assert functools.import_evidence == "record"
    assert not [p for p in env.problems if p.code == "import-name-shared"]


@pytest.mark.parametrize("init", [PKGUTIL_INIT, PKG_RESOURCES_INIT], ids=["pkgutil", "pkg_resources"])
def test_legacy_namespace_init_is_descended(tmp_path: Path, init: str) -> None:
    wheel = build_wheel(
        tmp_path / "w",
        "zope.interface",
        "7.0",
        {"zope/__init__.py": init, "zope/interface/__init__.py": "", "zope/interface/declarations.py": ""},
    )
    env = inspect([_install_all(tmp_path, [wheel])])
    (dist,) = env.distributions
    assert dist.imports == ["zope.interface"]
    assert dist.namespaces == ["zope"]



def test_legacy_namespace_stays_a_namespace_when_pip_compiles_bytecode(tmp_path: Path) -> None:
    """pip --target compiles every module and lists ``__pycache__/__init__.*.pyc`` in RECORD: a cache of the
    namespace ``__init__.py``, not a sourceless package that would make ``zope`` the import name."""
    wheel = build_wheel(
        tmp_path / "w", "zope.interface", "7.0", {"zope/__init__.py": PKGUTIL_INIT, "zope/interface/__init__.py": ""}
    )
    site = tmp_path / "site"
    pip_install(site, str(wheel))
    assert list((site / "zope" / "__pycache__").glob("__init__.*.pyc"))  # pip did compile it
    (dist,) = inspect([site]).distributions
    assert (dist.imports, dist.namespaces) == (["zope.interface"], ["zope"])


def test_sourceless_init_makes_a_regular_package(tmp_path: Path) -> None:
    import py_compile

    src = tmp_path / "init.py"
    src.write_text(PKGUTIL_INIT)
    pyc = py_compile.compile(str(src), cfile=str(tmp_path / "init.pyc"))
    wheel = build_wheel(
        tmp_path / "w", "zope.interface", "7.0",
        {"zope/__init__.pyc": Path(pyc).read_bytes(), "zope/interface/__init__.py": ""},
    )  # fmt: skip
    (dist,) = inspect([_install_all(tmp_path, [wheel])]).distributions
    assert (dist.imports, dist.namespaces) == (["zope"], [])

def test_regular_package_with_ordinary_init_is_not_a_namespace(tmp_path: Path) -> None:
    wheel = build_wheel(
        tmp_path / "w", "google-thing", "1.0", {"google/__init__.py": "VERSION = 1\n", "google/thing.py": ""}
    )
    (dist,) = inspect([_install_all(tmp_path, [wheel])]).distributions
    assert (dist.imports, dist.namespaces) == (["google"], [])


def test_never_import_names_and_file_classes(tmp_path: Path) -> None:
    files: dict[str, bytes | str] = {
        "mod_a.py": "A = 1\n",
        "__pycache__/mod_a.cpython-311.pyc": b"\x00" * 16,
        "sourceless.pyc": b"\x00" * 16,
        "pkg/__init__.py": "",
        "pkg/data.json": "{}",
        "pkg/py.typed": "",
        "pkg/core.pyi": "def f() -> int: ...\n",
        "pkg/__pycache__/__init__.cpython-311.pyc": b"\x00" * 16,
        "pkg-stubs/__init__.pyi": "",
        "pkg.libs/libz-0123abcd.so.1.2": b"\x7fELF-not-really",
        "zz_paths.pth": "import sys\n",
        "__editable___pkg_1_0_finder.py": "",
        "not-a-name/thing.py": "",
        "LICENSE.txt": "MIT",
        "demo-1.0.data/scripts/demo-tool": "#!python\nprint(1)\n",
    }
    wheel = build_wheel(tmp_path / "w", "demo", "1.0", files)
    site = _install_all(tmp_path, [wheel])
    (dist,) = inspect([site]).distributions
    assert dist.imports == ["mod_a", "pkg", "sourceless"]
    assert dist.namespaces == []
    assert dist.pth_files == ["zz_paths.pth"]
    kinds = {f.path: f.kind for f in dist.files}
    assert kinds["mod_a.py"] is FileKind.SOURCE
    assert kinds["__pycache__/mod_a.cpython-311.pyc"] is FileKind.BYTECODE
    assert kinds["sourceless.pyc"] is FileKind.BYTECODE
    assert kinds["pkg/data.json"] is FileKind.RESOURCE
    assert kinds["pkg/core.pyi"] is FileKind.STUB
    assert kinds["pkg-stubs/__init__.pyi"] is FileKind.STUB
    assert kinds["pkg.libs/libz-0123abcd.so.1.2"] is FileKind.SHARED_LIBRARY
    assert kinds["zz_paths.pth"] is FileKind.DATA
    assert kinds["LICENSE.txt"] is FileKind.OTHER
    assert any(k is FileKind.SCRIPT for p, k in kinds.items() if p.endswith("demo-tool"))
    assert all(k is FileKind.METADATA for p, k in kinds.items() if ".dist-info/" in p)
    modules = {f.path: f.module for f in dist.files}
    assert modules["pkg/__pycache__/__init__.cpython-311.pyc"] == "pkg"
    assert modules["__editable___pkg_1_0_finder.py"] is None
    counts = dist.to_json()["files"]
    assert counts["source"] == 4 and counts["stub"] == 2 and counts["bytecode"] == 3


def test_pyodide_wasm_extensions_confirmed_by_exports(tmp_path: Path) -> None:
    """pip --target with Pyodide's platform tag; judged by the binary, whatever the running interpreter."""
    tag = "cp314-cp314-pyemscripten_2026_0_wasm32"
    suffix = ".cpython-314-wasm32-emscripten.so"
    files: dict[str, bytes | str] = {
        f"fastmod{suffix}": wasm_module(["PyInit_fastmod"]),
        f"pkg/_speedups{suffix}": wasm_module(["PyInit__speedups", "helper"]),
        "pkg/__init__.py": "",
        f"notinit{suffix}": wasm_module(["something_else"]),  # a side module without PyInit_: a library
        f"plainwasm{suffix}": wasm_module(["PyInit_plainwasm"], side_module=False),  # not a side module
        "pkg/_native.abi3.so": wasm_module(["PyInit__native"]),
    }
    wheels = tmp_path / "w"
    build_wheel(wheels, "wasmy", "2.0", files, tag=tag)
    site = tmp_path / "site"
    pip_install_pyodide(site, wheels, "wasmy")
    (dist,) = inspect([site], target="pyodide").distributions
    kinds = {f.path: (f.kind, f.module) for f in dist.files}
    assert kinds[f"fastmod{suffix}"] == (FileKind.EXTENSION, "fastmod")
    assert kinds[f"pkg/_speedups{suffix}"] == (FileKind.EXTENSION, "pkg._speedups")
    assert kinds["pkg/_native.abi3.so"] == (FileKind.EXTENSION, "pkg._native")
    assert kinds[f"notinit{suffix}"] == (FileKind.SHARED_LIBRARY, None)
    assert kinds[f"plainwasm{suffix}"] == (FileKind.OTHER, None)
    assert dist.imports == ["fastmod", "pkg"]
    assert dist.wheel_tags == [tag]
    assert dist.source.kind == "index"  # by name through --find-links: pip writes no direct_url.json


@pytest.mark.skipif(not have_gcc(), reason="gcc is needed to build real ELF objects")
def test_elf_extensions_confirmed_by_dynamic_symbols(tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    spam = elf_shared_object(build, "spam", "void *PyInit_spam(void) { return 0; }\n")
    plain = elf_shared_object(build, "plain", "int helper(void) { return 1; }\n")
    hidden = elf_shared_object(
        build, "hidden", '__attribute__((visibility("hidden"))) void *PyInit_hidden(void) { return 0; }\n'
    )
    files: dict[str, bytes | str] = {
        "spam.cpython-311-x86_64-linux-gnu.so": spam,
        "plain.cpython-311-x86_64-linux-gnu.so": plain,
        "hidden.so": hidden,
        "fake.so": "not a binary at all",
    }
    wheel = build_wheel(tmp_path / "w", "natives", "1.0", files, tag="cp311-cp311-linux_x86_64")
    (dist,) = inspect([_install_all(tmp_path, [wheel])]).distributions
    kinds = {f.path: f.kind for f in dist.files}
    assert kinds["spam.cpython-311-x86_64-linux-gnu.so"] is FileKind.EXTENSION
    assert kinds["plain.cpython-311-x86_64-linux-gnu.so"] is FileKind.SHARED_LIBRARY
    assert kinds["hidden.so"] is FileKind.SHARED_LIBRARY  # PyInit_ not exported: the loader cannot find it
    assert kinds["fake.so"] is FileKind.OTHER
    assert dist.imports == ["spam"]
    assert "extension-not-binary" in {p.code for p in dist.problems}


def test_pep794_fields_take_precedence(tmp_path: Path) -> None:
    wheel = build_wheel(
        tmp_path / "w",
        "declared",
        "1.0",
        {"declared/__init__.py": "", "_declared_impl.py": "", "ns/sub/__init__.py": ""},
        metadata={"Import-Name": ["declared", "_declared_impl; private"], "Import-Namespace": ["ns"]},
        metadata_version="2.5",
    )
    (dist,) = inspect([_install_all(tmp_path, [wheel])]).distributions
    assert dist.import_evidence == "import-name"
    assert dist.imports == ["declared"]
    assert dist.private_imports == ["_declared_impl"]
    assert dist.namespaces == ["ns"]
    assert not [p for p in dist.problems if p.code.startswith("import-name")]


def test_pep794_empty_import_name_means_none(tmp_path: Path) -> None:
    wheel = build_wheel(
        tmp_path / "w",
        "meta-only",
        "1.0",
        {"meta_only_data/x.py": ""},
        metadata={"Import-Name": ""},
        metadata_version="2.5",
    )
    (dist,) = inspect([_install_all(tmp_path, [wheel])]).distributions
    assert (dist.import_evidence, dist.imports, dist.namespaces) == ("import-name", [], [])


def test_pep794_name_in_both_fields_is_reported(tmp_path: Path) -> None:
    wheel = build_wheel(
        tmp_path / "w",
        "both",
        "1.0",
        {"both/__init__.py": ""},
        metadata={"Import-Name": ["both", "bad name!"], "Import-Namespace": "both"},
        metadata_version="2.5",
    )
    site = _install_all(tmp_path, [wheel])
    before = tree_snapshot(site)
    (dist,) = inspect([site]).distributions
    codes = [p.code for p in dist.problems]
    assert "import-name-conflict" in codes and "import-name-invalid" in codes
    assert dist.imports == ["both"] and dist.namespaces == []
    assert tree_snapshot(site) == before


def test_pep794_name_without_files_is_reported(tmp_path: Path) -> None:
    wheel = build_wheel(
        tmp_path / "w", "liar", "1.0", {"liar/__init__.py": "", "typings/liar.pyi": ""},
        metadata={"Import-Name": ["liar", "ghost", "typings"]}, metadata_version="2.5",
    )  # fmt: skip
    (dist,) = inspect([_install_all(tmp_path, [wheel])]).distributions
    missing = sorted(p.message.split("'")[1] for p in dist.problems if p.code == "import-name-not-installed")
    assert missing == ["ghost", "typings"]  # a stub is not a module
    assert dist.imports == ["liar", "ghost", "typings"]  # what the metadata declares is still reported
