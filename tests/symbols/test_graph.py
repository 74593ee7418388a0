"""The merged graph: cross-distribution references, unresolved targets, cycles, one node per object."""

from __future__ import annotations

import sys
from pathlib import Path

from indexer.symbols import Target
from tests.symbols.conftest import Installer, build_index, symbols


def test_reference_into_another_distribution_carries_its_name_and_version(install: Installer) -> None:
    install("base-lib", "2.3.1", {"base_lib/__init__.py": "class Thing: pass\n"})
    site = install("front", "1.0", {
        "front/__init__.py": "from base_lib import Thing\nfrom missing_dist import Gone\n__all__ = ['Thing', 'Gone']\n",
    })
    index = build_index(site)
    front = index["distributions"]["front"]
    assert symbols(index, "front", "front")["Thing"] == {
        "kind": "class", "defined_in": "base_lib.Thing", "distribution": "base-lib", "version": "2.3.1",
        "explicit": True,
    }
    assert front["references"] == {"base-lib": "2.3.1"}
    # the unresolvable one is listed, never dangling
    assert front["unresolved"] == [
        {"symbol": "front.Gone", "target": "missing_dist.Gone", "reason": "module missing_dist is not installed"}
    ]
    # the defining distribution's node knows who re-exports it
    node = index["distributions"]["base-lib"]["objects"]["base_lib.Thing"]
    assert node["public_paths"] == ["base_lib.Thing"]
    assert node["re_exported_by"] == ["front:front"]


def test_alias_cycle_and_deep_chain_do_not_crash(install: Installer) -> None:
    depth = 1500  # deeper than the interpreter's recursion limit
    files = {"chain/__init__.py": "", "chain/m0.py": "def origin(): pass\n"}
    for i in range(1, depth):
        files[f"chain/m{i}.py"] = f"from .m{i - 1} import origin\n"
    files["chain/cyc_a.py"] = "from .cyc_b import loop\n"
    files["chain/cyc_b.py"] = "from .cyc_a import loop\n"
    site = install("chain", "1.0", files)
    index = build_index(site)
    deep = symbols(index, "chain", f"chain.m{depth - 1}")["origin"]
    assert deep == {"kind": "function", "defined_in": "chain.m0.origin", "distribution": "chain"}
    loop = symbols(index, "chain", "chain.cyc_a")["loop"]
    assert loop["kind"] == "unresolved" and loop["reason"] == "alias cycle"
    assert {u["symbol"] for u in index["distributions"]["chain"]["unresolved"]} == {
        "chain.cyc_a.loop", "chain.cyc_b.loop"
    }


def test_object_reachable_from_two_top_levels_is_one_node(install: Installer) -> None:
    site = install("twotops", "1.0", {
        "_twotops_core/__init__.py": "",
        "_twotops_core/engine.py": "class Engine: pass\n",
        "alpha/__init__.py": "from _twotops_core.engine import Engine\n__all__ = ['Engine']\n",
        "beta/__init__.py": "from _twotops_core.engine import Engine\n",
        "beta/deep/__init__.py": "",
        "beta/deep/er.py": "from _twotops_core.engine import Engine\n__all__ = ['Engine']\n",
    })
    index = build_index(site)
    objects = index["distributions"]["twotops"]["objects"]
    engines = [path for path in objects if path.endswith("Engine")]
    assert engines == ["_twotops_core.engine.Engine"]
    node = objects["_twotops_core.engine.Engine"]
    # explicit exports first (shortest first), then underscore-free paths without __all__
    assert node["public_paths"] == ["alpha.Engine", "beta.deep.er.Engine", "beta.Engine"]
    assert node["re_exported_by"] == ["alpha", "beta", "beta.deep.er"]
    for module in ("alpha", "beta", "beta.deep.er"):
        assert symbols(index, "twotops", module)["Engine"]["defined_in"] == "_twotops_core.engine.Engine"


def test_first_distribution_on_the_path_owns_a_module_both_install(install: Installer) -> None:
    install("aaa-first", "1.0", {"shared_mod.py": "A = 1\n"})
    site = install("zzz-second", "1.0", {"shared_mod.py": "Z = 1\n", "zzz/__init__.py": ""})
    index = build_index(site)
    # uv overwrote the file; whatever is on disk is indexed once and the clash is reported
    assert any("shared_mod" in p for p in index["problems"])


def test_namespace_package_children_resolve_to_their_own_distributions(install: Installer) -> None:
    install("jaraco-functools", "4.0", {"jaraco/functools/__init__.py": "def compose(): pass\n"})
    site = install("jaraco-text", "3.0", {
        "jaraco/text/__init__.py": "from jaraco.functools import compose\n__all__ = ['compose']\n",
    })
    index = build_index(site, Target.running())
    entry = symbols(index, "jaraco-text", "jaraco.text")["compose"]
    assert entry["distribution"] == "jaraco-functools" and entry["version"] == "4.0"


def test_no_package_code_runs(install: Installer, tmp_path: Path) -> None:
    """Modules with import-time side effects are indexed without those effects ever happening."""
    marker = tmp_path / "executed"
    bomb = f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit('imported!')\n"
    site = install("sideeffects", "1.0", {
        "sideeffects/__init__.py": bomb + "def api(): pass\n",
        "sideeffects/sub.py": bomb + "class Thing: pass\n",
        "sideeffects/__main__.py": bomb,
    })
    index = build_index(site)
    assert symbols(index, "sideeffects", "sideeffects")["api"]["kind"] == "function"
    assert symbols(index, "sideeffects", "sideeffects.sub")["Thing"]["kind"] == "class"
    assert not marker.exists()
    assert not any(name.startswith("sideeffects") for name in sys.modules)
