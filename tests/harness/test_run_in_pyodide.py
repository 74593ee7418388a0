"""pytest-pyodide's ``@run_in_pyodide`` works against build/pyodide-dist with the Node runtime, including
pytest's assertion rewriting (the decorator loads pytest from the dist dir's lockfile to get it)."""

from __future__ import annotations

from typing import Any

from pytest_pyodide import run_in_pyodide


@run_in_pyodide
def test_assertion_rewriting_inside_pyodide(selenium: Any) -> None:
    import sys

    import pytest

    assert sys.platform == "emscripten"
    value = 41
    with pytest.raises(AssertionError) as info:
        assert value + 1 == 43
    # Rewritten asserts explain the failing comparison; a plain assert would give an empty message.
    assert "assert (41 + 1) == 43" in str(info.value)


@run_in_pyodide(packages=["micropip-ext", "micropip"])
def test_project_wheel_and_micropip_load_from_dist_dir(selenium: Any) -> None:
    import importlib
    import importlib.metadata

    assert importlib.metadata.version("micropip") == "0.11.1"
    assert importlib.metadata.version("micropip-ext") == "0.1.0"  # pyproject.toml's version, the wheel set-up built
    # The project's own wheel imports inside Pyodide (runtime-neutral core + in-Pyodide API).
    for module in ("indexer", "micropip_ext", "micropip"):
        importlib.import_module(module)
