"""micropip_ext.freeze's keyword API, run on CPython against the real local index (Pyodide: round-trip test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.freeze.core import FreezeError
from indexer.index.server import IndexServer
from micropip_ext import freeze
from tests.freeze.conftest import BASE_LOCK, unpack
from tests.support.wheels import build_wheel


async def test_returns_the_lock_string_and_takes_a_base_lock_url(name_site: Path, server: IndexServer) -> None:
    server.inject("/dist/pyodide-lock.json", ("body", json.dumps(BASE_LOCK).encode(), "application/json"))
    text = await freeze(
        paths=[name_site], index_urls=[server.index_url], base_lock=f"{server.url}dist/pyodide-lock.json"
    )
    assert isinstance(text, str)
    lock = json.loads(text)
    assert lock["info"] == BASE_LOCK["info"]
    assert lock["packages"]["six"]["file_name"] == f"{server.url}dist/six-1.17.0-py2.py3-none-any.whl"
    assert lock["packages"]["alpha"]["depends"] == ["beta"]


async def test_strict_raises_naming_every_unlockable(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    site = tmp_path / "site"
    unpack(build_wheel(tmp_path / "w", "omega", "1.0", {"omega/__init__.py": ""}), site)
    with pytest.raises(FreezeError, match=r"1 distribution\(s\) cannot be locked:\nomega 1.0: "):
        await freeze(paths=[site, name_site], index_urls=[server.index_url], base_lock=None, strict=True)
    result = await freeze(paths=[site], index_urls=[server.index_url], base_lock=None, return_result=True)
    assert [r.name for r in result.unlockable] == ["omega"]
