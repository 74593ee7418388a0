"""micropip_ext.freeze's keyword API, run on CPython against the real local index (Pyodide: round-trip test)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from indexer.freeze.core import FreezeError
from indexer.index.server import IndexServer
from micropip_ext import freeze
from tests.freeze.conftest import BASE_LOCK, unpack
from tests.support.wheels import build_wheel


async def test_returns_both_locks_from_one_run_and_takes_a_base_lock_url(name_site: Path, server: IndexServer) -> None:
    server.inject("/dist/pyodide-lock.json", ("body", json.dumps(BASE_LOCK).encode(), "application/json"))
    result = await freeze(
        paths=[name_site], index_urls=[server.index_url], base_lock=f"{server.url}dist/pyodide-lock.json"
    )
    lock = json.loads(result.lock)
    assert lock["info"] == BASE_LOCK["info"]
    assert lock["packages"]["six"]["file_name"] == f"{server.url}dist/six-1.17.0-py2.py3-none-any.whl"
    assert lock["packages"]["alpha"]["depends"] == ["beta"]
    pylock = tomllib.loads(result.pylock)
    assert {p["name"] for p in pylock["packages"]} == {"alpha", "beta"}
    assert result.report["summary"]["locked"] == 2


async def test_strict_raises_naming_every_unlockable(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    site = tmp_path / "site"
    unpack(build_wheel(tmp_path / "w", "omega", "1.0", {"omega/__init__.py": ""}), site)
    with pytest.raises(FreezeError, match=r"1 distribution\(s\) cannot be locked:\nomega 1.0: "):
        await freeze(paths=[site, name_site], index_urls=[server.index_url], base_lock=None, strict=True)
    result = await freeze(paths=[site], index_urls=[server.index_url], base_lock=None)
    assert [r.name for r in result.unlockable] == ["omega"]


async def test_an_unknown_option_is_an_error_not_a_silent_no_op(name_site: Path) -> None:
    with pytest.raises(TypeError, match=r"unknown freeze option.*verify_recrd"):
        await freeze(paths=[name_site], base_lock=None, verify_recrd=True)
    with pytest.raises(FreezeError, match="timeout must be a finite number"):
        await freeze(paths=[name_site], base_lock=None, timeout=float("nan"))


async def test_progress_reaches_the_callback(name_site: Path, server: IndexServer) -> None:
    seen: list[tuple[int, int]] = []
    await freeze(
        paths=[name_site], index_urls=[server.index_url], base_lock=None, on_progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(0, 2), (1, 2), (2, 2)]


async def test_results_render_in_any_notebook_without_load_ext(name_site: Path, server: IndexServer) -> None:
    """``_repr_html_`` is what Jupyter (and JupyterLite) call with no extension loaded."""
    from indexer.emit.html import environment_html, freeze_html
    from indexer.installed import inspect

    env = inspect([name_site])
    assert env._repr_html_() == environment_html(env) and "<td>alpha</td>" in env._repr_html_()
    result = await freeze(paths=[name_site], index_urls=[server.index_url], base_lock=None)
    assert result._repr_html_() == freeze_html(result)
    assert "locked 2 of 2 distribution(s)" in result._repr_html_()
