"""Each static pattern on a small package built and installed by the test (no package code runs)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from indexer.symbols import Target
from tests.symbols.conftest import Installer, build_index, compile_extension, symbols

PY314_EMSCRIPTEN = Target((3, 14, 2), "emscripten")
PY38_LINUX = Target((3, 8, 10), "linux")


def test_all_forms_literal_augmented_extend_append_and_submodule_all(install: Installer) -> None:
    site = install("allforms", "1.0", {
        "allforms/__init__.py": (
            "from ._a import *\nfrom ._a import __all__ as _a_all\nfrom . import _b\nfrom ._b import *\n"
            "from ._c import c1, c2\nfrom ._d import d1\n"
            "__all__ = ['c1']\n__all__ += _a_all\n__all__ += _b.__all__\n__all__.extend(['c2'])\n"
            "__all__.append('d1')\nhidden = 1\n"
        ),
        "allforms/_a.py": "__all__ = ('a1',)\ndef a1(): pass\ndef a_private(): pass\n",
        "allforms/_b.py": "__all__ = ['b1']\nclass b1: pass\n",
        "allforms/_c.py": "c1 = 1\nc2 = 2\n",
        "allforms/_d.py": "def d1(): pass\n",
        "allforms/cli.py": "__all__ = ['main']\ndef main(): pass\n",
        "allforms/legacy.py": "from .cli import *\nfrom .cli import __all__\n",
    })
    index = build_index(site)
    top = symbols(index, "allforms", "allforms")
    assert set(top) == {"c1", "a1", "b1", "c2", "d1"}  # `hidden` is public-looking but not in __all__
    assert all(entry["explicit"] for entry in top.values())
    assert top["a1"] == {"kind": "function", "defined_in": "allforms._a.a1", "distribution": "allforms",
                         "explicit": True}
    assert top["b1"]["kind"] == "class" and top["b1"]["defined_in"] == "allforms._b.b1"
    assert top["c2"]["kind"] == "variable"
    assert index["distributions"]["allforms"]["modules"]["allforms"]["exports"] == "explicit"
    legacy = symbols(index, "allforms", "allforms.legacy")
    assert set(legacy) == {"main"} and legacy["main"]["defined_in"] == "allforms.cli.main"


def test_without_all_public_names_are_underscore_free_bindings(install: Installer) -> None:
    site = install("plain", "1.0", {
        "plain/__init__.py": "import os\nfrom .sub import thing\n_private = 1\nVALUE = 2\n",
        "plain/sub.py": "def thing(): pass\n",
    })
    top = symbols(build_index(site), "plain", "plain")
    # `from .sub import thing` also sets `plain.sub` (the import system binds a loaded submodule on its parent)
    assert set(top) == {"os", "thing", "VALUE", "sub"}
    assert top["sub"] == {"kind": "module", "defined_in": "plain.sub", "distribution": "plain"}
    assert top["os"] == {"kind": "external", "defined_in": "os", "distribution": None, "origin": "stdlib"}
    assert "explicit" not in top["thing"]


def test_version_and_platform_branches_follow_the_target(install: Installer) -> None:
    site = install("branchy", "1.0", {
        "branchy/__init__.py": (
            "import sys\nimport typing\n"
            "if sys.version_info >= (3, 11):\n    from typing import Self\nelse:\n    class Self: pass\n"
            "if sys.version_info[:2] < (3, 9):\n    OLD = 1\n"
            "if sys.platform == 'emscripten':\n    from ._web import fetch\nelse:\n    from ._native import fetch\n"
            "if sys.platform.startswith('linux') and sys.version_info.major == 3:\n    LINUX3 = True\n"
            "_NEW = sys.version_info >= (3, 13, 0, 'beta')\n"
            "if _NEW:\n    def shiny(): pass\n"
        ),
        "branchy/_web.py": "def fetch(): pass\n",
        "branchy/_native.py": "def fetch(): pass\n",
    })
    web = symbols(build_index(site, PY314_EMSCRIPTEN), "branchy", "branchy")
    assert web["Self"]["kind"] == "external" and web["Self"]["defined_in"] == "typing.Self"
    assert web["fetch"]["defined_in"] == "branchy._web.fetch"
    assert "OLD" not in web and "LINUX3" not in web
    assert web["shiny"]["kind"] == "function"
    old = symbols(build_index(site, PY38_LINUX), "branchy", "branchy")
    assert old["Self"] == {"kind": "class", "defined_in": "branchy.Self", "distribution": "branchy"}
    assert old["fetch"]["defined_in"] == "branchy._native.fetch"
    assert "OLD" in old and "LINUX3" in old and "shiny" not in old
    for entry in [*web.values(), *old.values()]:
        assert "conditional" not in entry  # every branch here is decidable for the target


def test_type_checking_imports_are_type_only(install: Installer) -> None:
    site = install("typed", "1.0", {
        "typed/__init__.py": (
            "from typing import TYPE_CHECKING\nimport typing as t\n"
            "if TYPE_CHECKING:\n    from ._heavy import Heavy\nelse:\n    Light = 1\n"
            "if not t.TYPE_CHECKING:\n    RUNTIME = 1\n"
        ),
        "typed/_heavy.py": "class Heavy: pass\n",
    })
    index = build_index(site, private=True)
    top = symbols(index, "typed", "typed")
    assert top["Heavy"]["type_only"] is True and top["Heavy"]["defined_in"] == "typed._heavy.Heavy"
    assert "type_only" not in top["Light"] and "type_only" not in top["RUNTIME"]
    public = symbols(build_index(site), "typed", "typed")
    assert "Heavy" not in public and "Light" in public


def test_try_except_import_error_records_alternatives(install: Installer) -> None:
    site = install("fallback", "1.0", {
        "fallback/__init__.py": (
            "try:\n    from not_installed_accel import dumps\nexcept ImportError:\n    from ._slow import dumps\n"
            "def parse(): pass\n"
            "try:\n    from also_missing import parse\nexcept ImportError:\n    pass\n"
        ),
        "fallback/_slow.py": "def dumps(): pass\n",
    })
    index = build_index(site)
    top = symbols(index, "fallback", "fallback")
    # the primary target is not installed, so the fallback is where the name really comes from
    assert top["dumps"]["defined_in"] == "fallback._slow.dumps"
    assert top["dumps"]["alternatives"] == ["fallback._slow:dumps"]
    assert top["parse"] == {"kind": "function", "defined_in": "fallback.parse", "distribution": "fallback",
                            "alternatives": ["function@5"]}


def test_pep562_getattr_lazy_table_and_type_checking_targets(install: Installer) -> None:
    site = install("lazytab", "1.0", {
        "lazytab/__init__.py": (
            "import importlib\nfrom typing import TYPE_CHECKING\n"
            "__all__ = ['Engine', 'Pool', 'Widget', 'ghost']\n"
            "_LAZY = {'Engine': '._engine', 'Pool': '._pool'}\n"
            "if TYPE_CHECKING:\n    from ._widget import Widget\n"
            "def __getattr__(name):\n    if name in _LAZY:\n"
            "        return getattr(importlib.import_module(_LAZY[name], __name__), name)\n"
            "    raise AttributeError(name)\n"
        ),
        "lazytab/_engine.py": "class Engine: pass\n",
        "lazytab/_pool.py": "class Pool: pass\n",
        "lazytab/_widget.py": "class Widget: pass\n",
    })
    index = build_index(site)
    top = symbols(index, "lazytab", "lazytab")
    assert top["Engine"]["defined_in"] == "lazytab._engine.Engine" and top["Engine"]["lazy"] is True
    assert top["Pool"]["kind"] == "class"
    assert top["Widget"]["defined_in"] == "lazytab._widget.Widget" and top["Widget"]["lazy"] is True
    assert top["ghost"]["kind"] == "unresolved" and "__getattr__" in top["ghost"]["reason"]
    assert index["distributions"]["lazytab"]["modules"]["lazytab"]["dynamic"] is True
    assert {"symbol": "lazytab.ghost", "target": "lazytab.ghost",
            "reason": "provided at run time by module __getattr__"} in index["distributions"]["lazytab"]["unresolved"]


def test_lazy_loader_attach_and_attach_stub(install: Installer) -> None:
    site = install("lazyl", "1.0", {
        "lazyl/__init__.py": (
            "import lazy_loader as lazy\n"
            "__getattr__, __dir__, __all__ = lazy.attach(\n    __name__,\n    submodules=['io'],\n"
            "    submod_attrs={'_core': ['solve', 'Matrix']},\n)\n"
        ),
        "lazyl/io.py": "def read(): pass\n",
        "lazyl/_core.py": "def solve(): pass\nclass Matrix: pass\n",
        "lazyl/stubbed/__init__.py": (
            "import lazy_loader\n__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)\n"
        ),
        "lazyl/stubbed/__init__.pyi": "from ._impl import fast as fast\nfrom . import helpers as helpers\n",
        "lazyl/stubbed/_impl.py": "def fast(): pass\n",
        "lazyl/stubbed/helpers.py": "X = 1\n",
    })
    index = build_index(site)
    top = symbols(index, "lazyl", "lazyl")
    assert set(top) == {"io", "solve", "Matrix"}
    assert top["io"]["kind"] == "module" and top["io"]["defined_in"] == "lazyl.io"
    assert top["Matrix"] == {"kind": "class", "defined_in": "lazyl._core.Matrix", "distribution": "lazyl",
                             "lazy": True, "explicit": True}
    stubbed = symbols(index, "lazyl", "lazyl.stubbed")
    assert set(stubbed) == {"fast", "helpers"}
    assert stubbed["fast"]["defined_in"] == "lazyl.stubbed._impl.fast"
    assert stubbed["helpers"]["kind"] == "module"


def test_typing_extensions_style_globals_update(install: Installer) -> None:
    site = install("compat", "1.0", {
        "compat/__init__.py": (
            "import typing\n_names = ['Any', 'cast']\n_names.append('NoSuchThingInTyping')\n"
            "globals().update({n: getattr(typing, n) for n in _names if hasattr(typing, n)})\n"
        ),
    })
    top = symbols(build_index(site), "compat", "compat")
    assert top["Any"]["kind"] == "external" and top["Any"]["defined_in"] == "typing.Any"
    assert top["cast"]["defined_in"] == "typing.cast"
    assert "NoSuchThingInTyping" not in top  # hasattr() is False on the running interpreter


def test_syntax_error_is_reported_and_the_rest_is_indexed(install: Installer) -> None:
    site = install("broken", "1.0", {
        "broken/__init__.py": "from .good import ok\n",
        "broken/good.py": "def ok(): pass\n",
        "broken/bad.py": "def (:\n",
    })
    index = build_index(site)
    dist = index["distributions"]["broken"]
    assert symbols(index, "broken", "broken")["ok"]["kind"] == "function"
    assert any("broken.bad" in p and "cannot parse" in p for p in dist["problems"])


def test_relative_import_beyond_top_level_is_a_problem(install: Installer, site: Path) -> None:
    install("toplevel", "1.0", {"toplevel.py": "from . import x\nY = 1\n"})
    index = build_index(site)
    assert symbols(index, "toplevel", "toplevel") == {
        "Y": {"kind": "variable", "defined_in": "toplevel.Y", "distribution": "toplevel"}
    }
    assert any("beyond the top-level" in p for p in index["distributions"]["toplevel"]["problems"])


def test_stdlib_facts_are_unknown_for_a_foreign_target(install: Installer) -> None:
    """hasattr(typing, ...) can only be answered for the running interpreter; elsewhere both branches stay."""
    site = install("probe", "1.0", {
        "probe/__init__.py": (
            "import typing\n"
            "if hasattr(typing, 'Any'):\n    Any = typing.Any\nelse:\n    class Any: pass\n"
        ),
    })
    here = symbols(build_index(site), "probe", "probe")["Any"]
    assert here == {"kind": "external", "defined_in": "typing.Any", "distribution": None, "origin": "stdlib"}
    foreign = Target((3, 7, 0) if Target.running().version[:2] != (3, 7) else (3, 8, 0), "emscripten")
    there = symbols(build_index(site, foreign), "probe", "probe")["Any"]
    assert there["defined_in"] == "typing.Any" and there["conditional"] is True
    assert there["alternatives"] == ["class@5"]


def test_target_parse() -> None:
    assert Target.parse("pyodide") == Target((3, 14, 2), "emscripten")
    assert Target.parse("3.12-linux") == Target((3, 12, 0), "linux")
    assert Target.parse("3.13.1").version == (3, 13, 1)
    for bad in ("three", "3.1.2.3", ""):
        try:
            Target.parse(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} parsed")


def test_numpy_style_idioms(install: Installer) -> None:
    """extend_all(module), `try: FLAG except NameError`, set-literal name lists, `__all__ = pkg.__all__[:]`."""
    site = install("npish", "1.0", {
        "npish/__init__.py": (
            "try:\n    __NPISH_SETUP__\nexcept NameError:\n    __NPISH_SETUP__ = False\n"
            "if __NPISH_SETUP__:\n    SETUP_ONLY = 1\nelse:\n"
            "    from . import core\n    from .core import *\n"
            "    _subs = {'core', 'extra'}\n"
            "    __all__ = list(_subs | set(core.__all__) | {'VERSION'})\n"
            "    VERSION = '1'\n"
        ),
        "npish/core.py": (
            "from . import _fromnum\nfrom ._fromnum import *\n__all__ = ['zeros']\n"
            "def zeros(): pass\n"
            "def extend_all(module):\n    existing = set(__all__)\n"
            "    for a in module.__all__:\n        if a not in existing:\n            __all__.append(a)\n"
            "extend_all(_fromnum)\n"
        ),
        "npish/_fromnum.py": "__all__ = ['take', 'put']\ndef take(): pass\ndef put(): pass\n",
        "npish/extra.py": "",
        "npish/matlib.py": "import npish as np\n__all__ = np.__all__[:]\n__all__ += ['rand']\ndef rand(): pass\n",
    })
    index = build_index(site)
    top = symbols(index, "npish", "npish")
    assert set(top) == {"core", "extra", "zeros", "take", "put", "VERSION"}
    assert "conditional" not in top["VERSION"]  # the else branch is what runs on import
    assert top["take"]["defined_in"] == "npish._fromnum.take"
    assert set(symbols(index, "npish", "npish.matlib")) == set(top) | {"rand"}


def test_forwarding_getattr_shim(install: Installer) -> None:
    site = install("shimmy", "1.0", {
        "shimmy/__init__.py": "",
        "shimmy/_impl.py": "__all__ = ['Thing']\nclass Thing: pass\n",
        "shimmy/old.py": (
            "def __getattr__(attr_name):\n    from shimmy import _impl\n    import warnings\n"
            "    ret = getattr(_impl, attr_name)\n    warnings.warn('moved')\n    return ret\n"
        ),
    })
    old = symbols(build_index(site), "shimmy", "shimmy.old")
    assert old == {"Thing": {"kind": "class", "defined_in": "shimmy._impl.Thing", "distribution": "shimmy",
                             "explicit": True}}


def test_stub_declares_what_a_star_import_of_a_compiled_module_hides(install: Installer, tmp_path: Path) -> None:
    """`from ._compiled import *` (an extension without stub): the module's own .pyi names the hidden names,
    and a name no one declares is still attributed to the distribution that owns the compiled module."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    site = install("starc", "1.0", {
        "starc/__init__.py": "from .umath import *\nfrom .umath import __all__\n",
        "starc/umath.py": "from ._compiled import *\n__all__ = ['known']\ndef known(): pass\n",
        "starc/user.py": "from .umath import speed, ghost\n",
        "starc/umath.pyi": "__all__ = ['known', 'speed']\ndef known() -> None: ...\ndef speed() -> int: ...\n",
        f"starc/_compiled{suffix}": compile_extension(tmp_path, "_compiled"),
    })
    index = build_index(site)
    umath = symbols(index, "starc", "starc.umath")
    assert set(umath) == {"known", "speed"}
    assert umath["speed"] == {"kind": "function", "defined_in": "starc.umath.speed", "distribution": "starc",
                              "explicit": True}
    assert set(symbols(index, "starc", "starc")) == {"known", "speed"}
    ghost = symbols(index, "starc", "starc.user")["ghost"]
    assert ghost == {"kind": "unresolved", "defined_in": "starc._compiled.ghost", "distribution": "starc",
                     "reason": "defined in an extension module without stubs"}


def test_globals_written_in_a_loop_over_literal_names_are_bound(install: Installer) -> None:
    site = install("loopy", "1.0", {
        "loopy/__init__.py": "from .types import *\n",
        "loopy/types.py": (
            "__all__ = ['base']\nbase = 1\n_NAMES = ('a', 'b')\nfor _k in _NAMES:\n    globals()[_k] = _k\n"
            "    __all__.append(_k)\n"
        ),
    })
    index = build_index(site)
    types = symbols(index, "loopy", "loopy.types")
    assert set(types) == {"base", "a", "b"}
    assert types["a"] == {"kind": "variable", "defined_in": "loopy.types.a", "distribution": "loopy", "explicit": True}
    assert set(symbols(index, "loopy", "loopy")) == {"base", "a", "b", "types"}  # + the submodule attribute


def test_globals_written_in_an_unreadable_loop_come_from_the_stub(install: Installer) -> None:
    site = install("loopy", "1.0", {
        "loopy/__init__.py": "from .types import *\n",
        "loopy/types.py": "__all__ = ['base']\nbase = 1\nfor _k in _names():\n    globals()[_k] = _k\n",
        "loopy/types.pyi": "__all__ = ['base', 'a', 'b']\nbase: int\na: str\nb: str\n",
    })
    index = build_index(site)
    types = symbols(index, "loopy", "loopy.types")
    assert set(types) == {"base", "a", "b"}
    assert types["a"]["defined_in"] == "loopy.types.a" and types["a"]["distribution"] == "loopy"


def test_type_checking_star_import_beside_module_getattr(install: Installer) -> None:
    """pydantic: names imported with `*` for the type checker only, loaded by a module __getattr__."""
    site = install("lazy_star", "1.0", {
        "lazy_star/__init__.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .main import *\n"
            "__all__ = ('BaseModel', 'Field')\n_dynamic = {'BaseModel': (__spec__.parent, '.main')}\n"
            "def __getattr__(name):\n    import importlib\n"
            "    return getattr(importlib.import_module('.main', __name__), name)\n"
        ),
        "lazy_star/main.py": "__all__ = ['BaseModel', 'Field']\nclass BaseModel: pass\ndef Field(): pass\n",
    })
    top = symbols(build_index(site), "lazy_star", "lazy_star")
    assert top["BaseModel"] == {"kind": "class", "defined_in": "lazy_star.main.BaseModel",
                                "distribution": "lazy_star", "explicit": True}
    assert top["Field"]["defined_in"] == "lazy_star.main.Field"


def test_all_from_another_modules_table_and_the_table_says_where_names_live(install: Installer) -> None:
    """pygments.lexers: `__all__ = [...] + list(LEXERS)`, LEXERS = {name: (module, ...)} in another module."""
    site = install("lexers", "1.0", {
        "lexers/__init__.py": (
            "from lexers._mapping import LEXERS\nfrom lexers import _names\n"
            "__all__ = ['get_lexer'] + list(LEXERS) + _names.EXTRA\n"
            "def get_lexer(): pass\n"
        ),
        "lexers/_mapping.py": (
            "LEXERS = {\n    'PyLexer': ('lexers.python', 'Python', ('py',)),\n"
            "    'CLexer': ('lexers.c_like', 'C', ()),\n}\n"
        ),
        "lexers/_names.py": "EXTRA = ['HtmlLexer']\n",
        "lexers/python.py": "class PyLexer: pass\n",
        "lexers/c_like.py": "class CLexer: pass\n",
    })
    top = symbols(build_index(site), "lexers", "lexers")
    assert set(top) == {"get_lexer", "PyLexer", "CLexer", "HtmlLexer"}
    assert top["PyLexer"] == {"kind": "class", "defined_in": "lexers.python.PyLexer", "distribution": "lexers",
                              "explicit": True}
    assert top["CLexer"]["defined_in"] == "lexers.c_like.CLexer"
    assert top["HtmlLexer"]["kind"] == "unresolved"  # listed, but nothing says where it lives


def test_compiled_module_behind_a_package_stub_resolves_to_the_stub(tmp_path: Path, install: Installer) -> None:
    """numpy: `numpy.ndarray` comes from a compiled module without its own stub; numpy/__init__.pyi defines it."""
    from packaging.tags import sys_tags

    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    site = install("arr", "1.0", {
        "arr/__init__.py": (
            "from ._core import ndarray, speed\ndef __getattr__(name):\n    raise AttributeError(name)\n"
        ),
        "arr/__init__.pyi": "class ndarray: ...\ndef speed() -> int: ...\n",
        "arr/_core/__init__.py": "from .multiarray import *\n",
        "arr/_core/multiarray.py": "from ._umath import *\n",
        f"arr/_core/_umath{suffix}": compile_extension(tmp_path, "_umath"),
    }, tag=str(next(iter(sys_tags()))))
    index = build_index(site)
    top = symbols(index, "arr", "arr")
    assert top["ndarray"] == {"kind": "class", "defined_in": "arr.ndarray", "distribution": "arr"}
    assert top["speed"]["kind"] == "function"
    inner = symbols(index, "arr", "arr._core")
    # a star import of an opaque module lists nothing (no stub of its own); the submodule is an attribute
    assert inner == {"multiarray": {"kind": "module", "defined_in": "arr._core.multiarray", "distribution": "arr"}}


def test_star_import_of_a_submodule_exporting_its_own_name(install: Installer) -> None:
    """numpy._core: `from .memmap import *` first sets the submodule `memmap` on the package, then binds the
    class `memmap` it exports over it; a submodule that does not export its own name stays a module."""
    site = install("starsub", "1.0", {
        "starsub/__init__.py": "from .memmap import *\nfrom .tools import *\n",
        "starsub/memmap.py": "__all__ = ['memmap']\nclass memmap:\n    def flush(self): ...\n",
        "starsub/tools.py": "__all__ = ['helper']\ndef helper(): ...\n",
    })
    index = build_index(site)
    top = symbols(index, "starsub", "starsub")
    assert top["memmap"] == {"kind": "class", "defined_in": "starsub.memmap.memmap", "distribution": "starsub"}
    assert top["tools"] == {"kind": "module", "defined_in": "starsub.tools", "distribution": "starsub"}
    assert top["helper"]["defined_in"] == "starsub.tools.helper"
