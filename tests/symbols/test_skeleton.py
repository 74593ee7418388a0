"""The skeleton speed-up must never change what a module binds."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import pytest

from indexer.symbols.extract import extract_module
from indexer.symbols.skeleton import skeleton
from indexer.symbols.target import Target


def test_bodies_are_elided_and_line_numbers_kept() -> None:
    source = (
        "import os\n"
        "@decorate(\n    arg=1,\n)\n"
        "def f(a,\n      b):\n    return a + b\n"
        "class C(Base):\n    x = 1\n    def m(self):\n        pass\n"
        "def __getattr__(name):\n    return _LAZY[name]\n"
        "Y = 2\n"
    )
    reduced = skeleton(source)
    assert reduced is not None
    tree = ast.parse(reduced)
    lines = {type(n).__name__ + ":" + getattr(n, "name", ""): n.lineno for n in tree.body}
    full = ast.parse(source)
    assert lines == {type(n).__name__ + ":" + getattr(n, "name", ""): n.lineno for n in full.body}
    assert "return a + b" not in reduced
    assert "    def m():\n     ...\n" in reduced and "pass" not in reduced  # members stay, signatures/bodies go
    assert "return _LAZY[name]" in reduced  # module __getattr__ is kept: its body names the lazy table


@pytest.mark.parametrize("source", [
    'def f():\n    text = """\ndef g(): pass\n"""\n    return text\nX = 1\n',  # column-0 line inside a string
    'def f():\n    text = """\nY = 1\n"""\n    return text\ndef h(): pass\n',
    "def f():\n    return \"'''\"\ndef g(): pass\n",  # a triple quote inside a one-line string
    "@decorator\nX = 1\n",  # a decorator on something that is not a def/class
])
def test_doubtful_cuts_keep_the_text_or_fall_back_to_a_full_parse(source: str) -> None:
    full = extract_module("m", "m.py", source.encode(), Target.running(), use_skeleton=False)
    fast = extract_module("m", "m.py", source.encode(), Target.running())
    assert fast.to_json() == full.to_json()


def test_methods_keep_name_decorators_and_lines_only() -> None:
    source = (
        "class C:\n"
        "    @property\n"
        "    def p(self) -> int: return 1\n"  # one logical line
        "    def s(self, x: Mapping[str,\n"
        "                        int]) -> str: ...  # a stub's signature over two lines\n"
        "    async def a(self, sep: str = '#', close: str = ')') -> None:\n"  # '#' and ')' inside strings
        "        return None\n"
        "    x = 1\n"
    )
    reduced = skeleton(source)
    assert reduced == (
        "class C:\n"
        "    @property\n"
        "    def p(): ...\n"
        "    def s(): ...\n\n"
        "    def a():\n"
        "     ...\n"
        "    x = 1\n"
    )


@pytest.mark.parametrize(("source", "members"), [
    # a def in a docstring is text, not a member
    ('class C:\n    """Example:\n\n    def f(self): return 1\n    """\n    def g(self): return 2\n', ["g"]),
    ("class C:\n    def f(self): return 1 + \\\n        2\n    def g(self): pass\n", ["f", "g"]),  # backslash
    ("class C:\n    def f(self, a='(#'): return a\n    def g(self): pass\n", ["f", "g"]),  # '(' '#' in a string
])
def test_doubtful_methods_give_what_a_full_parse_gives(source: str, members: list[str]) -> None:
    full = extract_module("m", "m.py", source.encode(), Target.running(), use_skeleton=False)
    fast = extract_module("m", "m.py", source.encode(), Target.running())
    assert fast.to_json() == full.to_json()
    assert sorted(full.classes["C"].members) == members


def test_same_bindings_as_a_full_parse_on_every_installed_file() -> None:
    """Every .py file of the dev venv (thousands of real modules): skeleton and full parse agree."""
    target = Target.running()
    site = Path(sysconfig.get_paths()["purelib"])
    checked = 0
    differ = []
    for path in sorted(site.rglob("*.py")):
        data = path.read_bytes()
        fast = extract_module("m", str(path), data, target, location=path).to_json()
        full = extract_module("m", str(path), data, target, location=path, use_skeleton=False).to_json()
        fast.pop("problems", None)
        full.pop("problems", None)
        checked += 1
        if fast != full:
            differ.append(str(path.relative_to(site)))
    assert checked > 1000
    assert differ == []


def test_a_long_line_full_of_def_and_a_very_deep_method() -> None:
    """Hostile text: a 6 MB line of ``def f `` (each looked at within a bounded window, so linear) and a method
    indented past the window (left as it is, never cut wrong)."""
    many = "class C:\n    x = '" + "def f " * 1_000_000 + "'\n    def g(self):\n        pass\n"
    reduced = skeleton(many)
    assert reduced is not None and reduced.endswith("'\n    def g():\n     ...\n")
    deep = "class C:\n    if True:\n" + " " * 300 + "def g(self):\n" + " " * 304 + "pass\n"
    assert skeleton(deep) == deep
    fast = extract_module("m", "m.py", deep.encode(), Target.running())
    assert fast.classes["C"].members == {"g": "method"}
