"""Extension modules (opaque / stubbed / runtime-inspected on request), the shard cache, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.tags import sys_tags

from indexer.symbols import Target
from indexer.symbols.cache import ShardCache
from indexer.symbols.inventory import read_inventory
from tests.symbols.conftest import Installer, build_index, compile_extension, symbols


@pytest.fixture
def extpkg(tmp_path: Path, install: Installer) -> Path:
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    return install("extpkg", "1.0", {
        "extpkg/__init__.py": "from .fast import speed\n__all__ = ['speed']\n",
        "extpkg/api.py": "from .typed import Typed, helper\n",
        f"extpkg/fast{suffix}": compile_extension(tmp_path, "fast"),
        f"extpkg/typed{suffix}": compile_extension(tmp_path, "typed"),
        "extpkg/typed.pyi": (
            "from os import path\nfrom os import sep as sep\nclass Typed: ...\ndef helper() -> int: ...\n"
        ),
    }, tag=str(next(iter(sys_tags()))))


def test_extension_without_stub_is_opaque_and_stub_is_used(extpkg: Path) -> None:
    index = build_index(extpkg)
    modules = index["distributions"]["extpkg"]["modules"]
    assert modules["extpkg.fast"]["opaque"] is True and modules["extpkg.fast"]["symbols"] == {}
    assert modules["extpkg.typed"]["source"] == "stub"
    # PEP 484 stubs: `from os import path` is private, `from os import sep as sep` re-exports
    assert set(modules["extpkg.typed"]["symbols"]) == {"sep", "Typed", "helper"}
    api = symbols(index, "extpkg", "extpkg.api")
    assert api["Typed"]["defined_in"] == "extpkg.typed.Typed" and api["Typed"]["kind"] == "class"
    top = symbols(index, "extpkg", "extpkg")
    assert top["speed"]["kind"] == "unresolved"
    assert top["speed"]["reason"] == "defined in an extension module without stubs"


def _cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MICROPIP_EXT_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "indexer", *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


def test_runtime_inspection_only_when_asked_and_in_a_subprocess(extpkg: Path, tmp_path: Path) -> None:
    out = tmp_path / "index.json"
    done = _cli("symbols", str(extpkg), "--runtime-inspect", "-o", str(out), "--no-progress",
                cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    index = json.loads(out.read_text())
    fast = index["distributions"]["extpkg"]["modules"]["extpkg.fast"]
    assert fast["source"] == "runtime" and "opaque" not in fast
    assert fast["symbols"]["speed"]["kind"] == "function"
    assert symbols(index, "extpkg", "extpkg")["speed"]["defined_in"] == "extpkg.fast.speed"
    assert "fast" not in sys.modules and "extpkg" not in sys.modules  # never imported here


def test_shards_are_reused_while_record_is_unchanged(install: Installer, tmp_path: Path) -> None:
    install("one", "1.0", {"one/__init__.py": "def f(): pass\n"})
    site = install("two", "1.0", {"two/__init__.py": "from one import f\n"})
    cache = ShardCache(tmp_path / "cache")
    cold = build_index(site, cache=cache)
    assert (cache.hits, cache.misses) == (0, 2)
    warm = build_index(site, cache=cache)
    assert (cache.hits, cache.misses) == (2, 2)
    assert (cold.pop("stats")["from_cache"], warm.pop("stats")["from_cache"]) == (0, 2)
    assert warm == cold
    # a different build of `one` (new RECORD) misses; `two` still hits and sees the new definition
    install("one", "1.1", {"one/__init__.py": "class f: pass\n"})
    assert not list(site.glob("one-1.0.dist-info"))  # uv replaced the old build
    changed = build_index(site, cache=cache)
    assert (cache.hits, cache.misses) == (3, 3)
    assert symbols(changed, "two", "two")["f"] == {"kind": "class", "defined_in": "one.f", "distribution": "one",
                                                   "version": "1.1"}
    # a corrupt shard is a miss, not an error
    for shard in (tmp_path / "cache").rglob("*.json"):
        shard.write_text("{not json")
    rebuilt = build_index(site, cache=cache)
    assert rebuilt["stats"]["from_cache"] == 0
    assert rebuilt["distributions"] == changed["distributions"]
    # a different target is a different shard
    build_index(site, Target((3, 8, 0), "linux"), cache=cache)
    assert cache.misses == 3 + 2 + 2


def test_cli_symbols_json_which_and_objects_inv(install: Installer, tmp_path: Path) -> None:
    site = install("cliapp", "0.3", {
        "cliapp/__init__.py": "from ._impl import Runner, run\n__all__ = ['Runner', 'run']\n",
        "cliapp/_impl.py": "class Runner: pass\ndef run(): pass\n",
    })
    cache = tmp_path / "cache"
    done = _cli("symbols", str(site), "--no-progress", cache=cache)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["distributions"]["cliapp"]["version"] == "0.3"
    assert data["distributions"]["cliapp"]["objects"]["cliapp._impl.Runner"]["public_paths"] == ["cliapp.Runner"]

    which = _cli("which", "cliapp.Runner", str(site), cache=cache)
    assert which.returncode == 0
    assert which.stdout.strip() == "cliapp.Runner: class defined in cliapp._impl.Runner (cliapp 0.3)"
    which_module = _cli("which", "cliapp", str(site), cache=cache)
    assert which_module.stdout.strip() == "cliapp: module defined in cliapp (cliapp 0.3)"
    bare = _cli("which", "run", str(site), "--json", cache=cache)
    assert [a["name"] for a in json.loads(bare.stdout)] == ["cliapp.run", "cliapp._impl.run"]
    missing = _cli("which", "nothere", str(site), cache=cache)
    assert missing.returncode == 1 and "not provided" in missing.stderr

    inv_dir = tmp_path / "inv"
    done = _cli("symbols", str(site), "--format", "objects-inv", "-o", str(inv_dir), cache=cache)
    assert done.returncode == 0, done.stderr
    header, rows = read_inventory((inv_dir / "cliapp.inv").read_bytes())
    assert header["Project"] == "cliapp" and header["Version"] == "0.3"
    # public import paths, and the canonical path as Sphinx lists a `:canonical:` name; no private module
    assert {(name, role) for name, role, *_ in rows} == {
        ("cliapp", "py:module"), ("cliapp.Runner", "py:class"), ("cliapp._impl.Runner", "py:class"),
        ("cliapp.run", "py:function"), ("cliapp._impl.run", "py:function"),
    }  # fmt: skip


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    done = _cli("symbols", str(tmp_path / "nope"), cache=tmp_path / "cache")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"indexer symbols: error: not a directory: {tmp_path / 'nope'}"]
    bad_target = _cli("symbols", str(tmp_path), "--target", "three", cache=tmp_path / "cache")
    assert bad_target.returncode == 2 and "Traceback" not in bad_target.stderr


def test_cli_target_pyodide_on_cpython(install: Installer, tmp_path: Path) -> None:
    site = install("plat", "1.0", {
        "plat/__init__.py": (
            "import sys\nif sys.platform == 'emscripten':\n    from ._web import run\nelse:\n    from ._os import run\n"
        ),
        "plat/_web.py": "def run(): pass\n",
        "plat/_os.py": "def run(): pass\n",
    })
    done = _cli("which", "plat.run", str(site), "--target", "pyodide", cache=tmp_path / "cache")
    assert done.stdout.strip() == "plat.run: function defined in plat._web.run (plat 1.0)"
    done = _cli("which", "plat.run", str(site), "--target", "3.12-linux", cache=tmp_path / "cache")
    assert done.stdout.strip() == "plat.run: function defined in plat._os.run (plat 1.0)"
