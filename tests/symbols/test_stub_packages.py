"""PEP 561 stub-only packages (``foo-stubs``, often shipped as ``types-foo`` or beside the runtime package, as
jsonpointer does): type checkers read them first for their package, and so does the index, for what the source
cannot show (a compiled module's names and classes, a class computed at import)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from indexer.symbols.cache import ShardCache
from tests.symbols.conftest import Installer, build_index, compile_extension, symbols


def test_stub_only_package_describes_a_compiled_module_and_a_computed_class(
    tmp_path: Path, install: Installer
) -> None:
    from packaging.tags import sys_tags

    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    install("fastc", "1.0", {
        "fastc/__init__.py": "from ._speed import *\nfrom .config import Config\n",
        "fastc/config.py": "def _make():\n    return type('Config', (), {})\nConfig = _make()\n",
        f"fastc/_speed{suffix}": compile_extension(tmp_path, "_speed"),
    }, tag=str(next(iter(sys_tags()))))
    site = install("fastc-stubs", "1.0", {
        "fastc-stubs/__init__.pyi": "from ._speed import Engine as Engine, speed as speed\n"
                                    "from .config import Config as Config\n",
        "fastc-stubs/_speed.pyi": "class Engine:\n    def run(self) -> None: ...\n    limit: int\n"
                                  "def speed() -> int: ...\n",
        "fastc-stubs/config.pyi": "class Config:\n    debug: bool = False\n    def load(self) -> None: ...\n",
        "fastc-stubs/py.typed": "",
    })
    cache = ShardCache(tmp_path / "cache")
    for run in ("cold", "warm"):  # warm: both shards from the cache, the stub package known from its meta
        index = build_index(site, cache=cache)
        assert index["stats"]["from_cache"] == (2 if run == "warm" else 0)
        top = symbols(index, "fastc", "fastc")
        assert top == {
            "Engine": {"kind": "class", "defined_in": "fastc._speed.Engine", "distribution": "fastc"},
            "speed": {"kind": "function", "defined_in": "fastc._speed.speed", "distribution": "fastc"},
            "Config": {"kind": "class", "defined_in": "fastc.config.Config", "distribution": "fastc"},
            "config": {"kind": "module", "defined_in": "fastc.config", "distribution": "fastc"},
        }, run
        objects = index["distributions"]["fastc"]["objects"]
        assert objects["fastc._speed.Engine"]["members"] == {
            "run": {"kind": "method", "defined_in": "fastc._speed.Engine.run"},
            "limit": {"kind": "instance_attribute", "defined_in": "fastc._speed.Engine.limit"},
        }, run
        assert objects["fastc.config.Config"]["members"] == {
            "debug": {"kind": "attribute", "defined_in": "fastc.config.Config.debug"},
            "load": {"kind": "method", "defined_in": "fastc.config.Config.load"},
        }, run
        # the stub-only distribution installs no importable module of its own
        assert index["distributions"]["fastc-stubs"]["modules"] == {}


def test_typeshed_trees_shipped_as_data_are_not_modules(tmp_path: Path, install: Installer) -> None:
    """jedi and mypy ship typeshed as data below a folder with no ``__init__``: nothing there can be imported, so
    none of it is a module (jedi's 4,500 such stubs made its shard 46 MB). A stub beside its package stays."""
    site = install("tool", "1.0", {
        "tool/__init__.py": "from ._core import run\n",
        "tool/_core.pyi": "def run() -> None: ...\n",
        "tool/api/__init__.py": "X = 1\n",
        "tool/api/extra.pyi": "Y: int\n",
        "tool/third_party/typeshed/stdlib/os/__init__.pyi": "def getcwd() -> str: ...\n",
        "tool/third_party/typeshed/stubs/requests/requests/__init__.pyi": "def get(url: str) -> object: ...\n",
        "tool/third_party/typeshed/stubs/requests/requests/api.pyi": "def get(url: str) -> object: ...\n",
        "tool/third_party/plain.py": "Z = 3\n",
    })
    index = build_index(site, cache=ShardCache(tmp_path / "cache"))
    assert sorted(index["distributions"]["tool"]["modules"]) == [
        "tool", "tool._core", "tool.api", "tool.api.extra", "tool.third_party.plain",
    ]
