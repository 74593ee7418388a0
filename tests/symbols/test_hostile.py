"""Hostile packages cost only themselves (issue 9): nothing they name is imported or run, not even the stdlib
modules they mention, and inputs built to exhaust the extractor become one problem each.

Every run here is the real CLI in a subprocess under a memory limit (``resource.setrlimit``), so a
regression fails fast instead of exhausting the machine, with an empty working directory whose contents
are the canary: anything written there (``venv.__main__`` creates a virtual environment) fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.symbols.conftest import Installer

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1536 * 1024 * 1024

# Scanned code that, were its imports executed, would create a venv, run unittest on the package, open a
# browser, or print the Zen of Python; `hasattr` on tkinter would load Tk.
MENTIONS = """\
try:
    import venv.__main__
except ImportError:
    pass
try:
    import unittest.__main__
except ImportError:
    pass
try:
    import antigravity, this
except ImportError:
    pass
try:
    from idlelib.idle import main
except ImportError:
    main = None
import tkinter
if hasattr(tkinter, "Tk"):
    HAS_TK = True
from canary.payload import *
"""
PAYLOAD = "open('CANARY-RAN', 'w').write('package code ran')\n"


def run_cli(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    limit = (
        "import resource, runpy, sys; "
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT})); "
        "sys.argv = ['indexer', *sys.argv[1:]]; runpy.run_module('indexer', run_name='__main__')"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MICROPIP_EXT_CACHE": str(cwd.parent / "cache")}
    return subprocess.run(
        [sys.executable, "-c", limit, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def empty_dir(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


def test_stdlib_modules_named_by_scanned_code_are_read_not_imported(install: Installer, tmp_path: Path) -> None:
    site = install("canary", "1.0", {"canary/__init__.py": MENTIONS, "canary/payload.py": PAYLOAD})
    cwd = empty_dir(tmp_path, "cwd")
    out = tmp_path / "symbols.json"
    proc = run_cli(["symbols", str(site), "-o", str(out), "--no-progress"], cwd)
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(cwd)) == []  # no venv, no CANARY-RAN: nothing ran
    assert proc.stdout == ""  # unittest and `this` print when they run
    symbols = json.loads(out.read_text())["distributions"]["canary"]["modules"]["canary"]["symbols"]
    assert symbols["main"]["defined_in"] == "idlelib.idle.main"

    # the same in-process: after indexing, none of those stdlib modules is loaded
    probe = (
        "import sys\nfrom pathlib import Path\nfrom indexer.symbols import SymbolIndex, Target, load_shards\n"
        f"SymbolIndex(load_shards([Path({str(site)!r})], Target.running()), Target.running()).to_json()\n"
        "print(sorted(m for m in sys.modules if m.partition('.')[0] in "
        "{'venv', 'unittest', 'antigravity', 'this', 'idlelib', 'tkinter', 'webbrowser', 'canary'}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=120, check=True)  # fmt: skip
    assert loaded.stdout.strip() == "[]"
    assert sorted(os.listdir(cwd)) == []


def test_stdlib_facts_still_decide_branches_on_the_running_target(install: Installer) -> None:
    """`try: from typing import Self` / `hasattr(collections.abc, "Buffer")` read from typing.py and
    _collections_abc.py on disk give the same answer an import would (3.11 here: Self yes, Buffer no)."""
    from tests.symbols.conftest import build_index, symbols

    site = install("facts", "1.0", {
        "facts/__init__.py": (
            "import collections.abc\n"
            "try:\n    from typing import Self\nexcept ImportError:\n    class Self: pass\n"
            "try:\n    from typing import NoSuchThing\nexcept ImportError:\n    class NoSuchThing: pass\n"
            "if hasattr(collections.abc, 'Buffer'):\n    Buffer = collections.abc.Buffer\n"
            "else:\n    class Buffer: pass\n"
        ),
    })
    top = symbols(build_index(site), "facts", "facts")
    assert top["Self"]["kind"] == "external" and top["Self"]["defined_in"] == "typing.Self"
    assert top["NoSuchThing"]["kind"] == "class" and top["NoSuchThing"]["defined_in"] == "facts.NoSuchThing"
    expected = "external" if sys.version_info >= (3, 12) else "class"
    assert top["Buffer"]["kind"] == expected


DEEP = 100_000
CHAIN = 3_000
STARS = 300


def _hostile_modules() -> dict[str, str]:
    return {
        "deep/__init__.py": "from .fine import ok\n",
        "deep/fine.py": "def ok(): pass\n",
        "deep/attrs.py": "x = a" + ".b" * DEEP + "\ndef lost(): pass\n",
        "deep/plus.py": "__all__ = ['a']" + " + ['b']" * DEEP + "\n",
        "deep/calls.py": "x = f" + "()" * DEEP + "\n",
        "deep/lambdas.py": "x = " + "lambda: " * DEEP + "1\n",
        "deep/nots.py": "if " + "not " * 5_000 + "FLAG:\n    y = 1\n",
        # parses, but nested deeper than a recursive walk of the tree could follow
        "deep/plus_small.py": "__all__ = ['a']" + " + ['b']" * 800 + "\na = b = 1\n",
        "deep/wide_all.py": "__all__ = [" + ", ".join(f"'n{i}'" for i in range(300_000)) + "]\n",
        "deep/selfref.py": "import numpy\nX = numpy.ones(3)\nX = X.T\nY = Y.T\n",
        "deep/cycle_a.py": "from .cycle_b import B as A\n",
        "deep/cycle_b.py": "from .cycle_a import A as B\n",
        # 3,000 modules re-exporting one name (an iterative chain) and 300 star imports deep (a bounded one)
        **{f"deep/chain{i}.py": f"from .chain{i + 1} import X\n" for i in range(CHAIN)},
        f"deep/chain{CHAIN}.py": "class X: pass\n",
        **{f"deep/star{i}.py": f"from .star{i + 1} import *\n" for i in range(STARS)},
        f"deep/star{STARS}.py": "def bottom(): pass\n",
    }


def test_deep_expressions_cost_only_their_module(install: Installer, tmp_path: Path) -> None:
    site = install("deep", "1.0", _hostile_modules())
    cwd = empty_dir(tmp_path, "cwd")
    out = tmp_path / "symbols.json"
    proc = run_cli(["symbols", str(site), "-o", str(out), "--no-progress"], cwd)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    data: dict[str, Any] = json.loads(out.read_text())
    dist = data["distributions"]["deep"]
    modules = dist["modules"]
    problems = "\n".join(dist["problems"])
    for name in ("attrs", "plus", "calls", "lambdas"):
        assert f"deep.{name}: cannot parse deep/{name}.py: expressions nested too deeply" in problems
    assert modules["deep"]["symbols"]["ok"]["defined_in"] == "deep.fine.ok"
    assert set(modules["deep.plus_small"]["symbols"]) == {"a", "b"}
    wide = modules["deep.wide_all"]
    assert wide["exports"] == "explicit" and len(wide["symbols"]) == 300_000
    selfref = modules["deep.selfref"]["symbols"]
    assert selfref["X"] == {"kind": "variable", "defined_in": "deep.selfref.X", "distribution": "deep"}
    assert selfref["Y"]["kind"] == "variable"
    cycle = modules["deep.cycle_a"]["symbols"]["A"]
    assert cycle["kind"] == "unresolved" and cycle["reason"] == "alias cycle"
    chained = modules["deep.chain0"]["symbols"]["X"]
    assert chained == {"kind": "class", "defined_in": f"deep.chain{CHAIN}.X", "distribution": "deep"}
    assert modules[f"deep.star{STARS - 1}"]["symbols"]["bottom"]["defined_in"] == f"deep.star{STARS}.bottom"
    assert sorted(os.listdir(cwd)) == []


def test_an_oversized_module_is_a_problem_and_the_rest_is_indexed(install: Installer) -> None:
    from indexer.symbols.shards import SOURCE_LIMIT
    from tests.symbols.conftest import build_index

    site = install("huge", "1.0", {
        "huge/__init__.py": "from .ok import fine\n",
        "huge/ok.py": "def fine(): pass\n",
        "huge/big.py": "x = 1\n" + "#" * SOURCE_LIMIT + "\n",
    })
    dist = build_index(site)["distributions"]["huge"]
    assert dist["modules"]["huge"]["symbols"]["fine"]["defined_in"] == "huge.ok.fine"
    assert "huge.big" not in dist["modules"]
    [problem] = dist["problems"]
    assert problem.startswith("huge: huge/big.py: not read: big.py is ") and "more than the" in problem


def test_a_function_setting_members_in_nested_loops_is_cut_at_its_limit(install: Installer) -> None:
    """`setattr` in loops nested over literal names (what docutils does once) multiplies: 100 x 100 x 100 names
    would be a million members, four loops deep 10^8 steps: a run stops at MAX_MEMBERS or MAX_STEPS, says so,
    and the rest of the module is read."""
    from indexer.symbols.patched import MAX_MEMBERS
    from tests.symbols.conftest import build_index, symbols

    names = repr([f"n{i:02}" for i in range(100)])
    site = install("patchy", "1.0", {
        "patchy/__init__.py": (
            f"NAMES = {names}\nclass Visitor:\n    def own(self): ...\n"
            "def _fill(names):\n    for a in names:\n        for b in names:\n            for c in names:\n"
            "                setattr(Visitor, a + b + c, None)\n"
            "def _spin(names):\n    for a in names:\n        for b in names:\n            for c in names:\n"
            "                for d in names:\n                    setattr(Visitor, unknown(), None)\n"
            "_fill(NAMES)\n_spin(NAMES)\nafter = 1\n"
        ),
    })
    index = build_index(site)
    members = index["distributions"]["patchy"]["objects"]["patchy.Visitor"]["members"]
    assert len(members) == MAX_MEMBERS + 1 and "own" in members and "n00n00n00" in members
    assert index["distributions"]["patchy"]["problems"] == [
        "patchy: patchy: line 15: _fill(): class members it sets read up to a limit",
        "patchy: patchy: line 16: _spin(): class members it sets read up to a limit",
    ]
    assert set(symbols(index, "patchy", "patchy")) == {"NAMES", "Visitor", "after"}
