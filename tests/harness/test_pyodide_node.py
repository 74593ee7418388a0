"""The PyodideNode handle against real Pyodide in Node: results, errors, files, archives, custom lock options."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.pyodide_node import PyodideError, PyodideNode
from tests.support.wheels import build_wheel

PINS = Path(__file__).resolve().parents[2] / "requirements" / "pyodide-dist.txt"


def test_run_returns_json_and_captures_stdout(pyodide: PyodideNode) -> None:
    assert pyodide.run("print('hello'); {'a': [1, 2.5, None, True]}") == {"a": [1, 2.5, None, True]}
    assert pyodide.stdout == "hello"
    assert pyodide.run("import sys; sys.platform") == "emscripten"


def test_namespaces_are_fresh_unless_shared(pyodide: PyodideNode) -> None:
    pyodide.run("x = 41", namespace="shared")
    assert pyodide.run("x + 1", namespace="shared") == 42
    with pytest.raises(PyodideError) as info:
        pyodide.run("x")
    assert info.value.type_name == "NameError"


def test_python_exceptions_arrive_with_pyodide_traceback(pyodide: PyodideNode) -> None:
    with pytest.raises(PyodideError) as info:
        pyodide.run("def f():\n    raise KeyError('missing')\nf()")
    err = info.value
    assert (err.kind, err.type_name, err.message) == ("python", "KeyError", "'missing'")
    assert "line 2, in f" in err.traceback and "KeyError: 'missing'" in str(err)


def test_non_json_results_are_an_error_not_a_string(pyodide: PyodideNode) -> None:
    with pytest.raises(PyodideError, match="not JSON-serializable"):
        pyodide.run("object()")


def test_run_async_awaits(pyodide: PyodideNode) -> None:
    assert pyodide.run_async("import asyncio\nawait asyncio.sleep(0.01)\n'slept'") == "slept"


def test_files_round_trip(pyodide: PyodideNode) -> None:
    data = bytes(range(256))
    pyodide.write_file("/tmp/harness/deep/data.bin", data)
    assert pyodide.read_file("/tmp/harness/deep/data.bin") == data
    assert pyodide.run("open('/tmp/harness/deep/data.bin', 'rb').read() == bytes(range(256))") is True


def test_unpack_archive_installs_a_wheel_without_installer(pyodide: PyodideNode, tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "unpacked-demo", "0.3", {"unpacked_demo/__init__.py": "VALUE = 7\n"})
    pyodide.unpack_archive(wheel)
    code = "import importlib.metadata as md, unpacked_demo\n[unpacked_demo.VALUE, md.distribution('unpacked-demo')"
    code += ".read_text('INSTALLER')]"
    assert pyodide.run(code) == [7, None]


def test_load_package_failures_are_reported(pyodide: PyodideNode) -> None:
    result = pyodide.load_package(["no-such-package-anywhere"])
    assert result["loaded"] == [] and len(result["errors"]) == 1 and "no-such-package-anywhere" in result["errors"][0]
    with pytest.raises(PyodideError, match="no-such-package-anywhere"):
        pyodide.require("no-such-package-anywhere")


def test_boot_with_custom_lock_contents(fresh_pyodide: Callable[..., PyodideNode], pyodide_dist_dir: Path) -> None:
    lock = json.loads((pyodide_dist_dir / "pyodide-lock.json").read_text())
    lock["packages"] = {k: v for k, v in lock["packages"].items() if k in ("micropip", "tblib")}
    py = fresh_pyodide(lock_file_contents=lock)
    assert py.require("micropip") == ["micropip"]
    missing = py.load_package(["pytest"])  # not in the custom lockfile
    assert missing["loaded"] == [] and len(missing["errors"]) == 1 and "pytest" in missing["errors"][0]


def test_boot_with_lock_file_url_and_package_base_url(
    fresh_pyodide: Callable[..., PyodideNode], pyodide_dist_dir: Path, tmp_path: Path
) -> None:
    # A lockfile elsewhere whose file_names resolve against packageBaseUrl (Node prefixes it to every entry).
    lock_path = tmp_path / "frozen" / "pyodide-lock.json"
    lock_path.parent.mkdir()
    lock_path.write_text((pyodide_dist_dir / "pyodide-lock.json").read_text())
    py = fresh_pyodide(lock_file_url=str(lock_path), package_base_url=str(pyodide_dist_dir) + "/", packages=["tblib"])
    pinned = next(
        line.split("==")[1].split()[0] for line in PINS.read_text().splitlines() if line.startswith("tblib==")
    )
    assert py.run("import tblib, importlib.metadata as md; md.version('tblib')") == pinned
