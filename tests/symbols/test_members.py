"""Class members (issue 11): public methods, properties, class attributes and nested classes of public classes,
inherited ones through the C3 order across modules and distributions, unknown bases marked as such."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from indexer.symbols.inventory import read_inventory, write_inventory
from tests.symbols.conftest import Installer, build_index, compile_extension


def test_members_own_inherited_across_distributions_and_unknown_bases(install: Installer, tmp_path: Path) -> None:
    install("basepkg", "1.0", {
        "basepkg/__init__.py": "from ._impl import Base, Mixin\n",
        "basepkg/_impl.py": (
            "class Root:\n    def hello(self): ...\n    def shared(self): return 'root'\n"
            "class Base(Root):\n    kind = 'base'\n    def shared(self): return 'base'\n"
            "    @property\n    def size(self):\n        return 1\n    @size.setter\n    def size(self, v): ...\n"
            "class Mixin(Root):\n    def shared(self): return 'mixin'\n    def mix(self): ...\n"
        ),
    })
    site = install("app", "2.0", {
        "app/__init__.py": "from .models import Model\n__all__ = ['Model']\n",
        "app/models.py": (
            "from typing import Generic, TypeVar\nimport basepkg\nfrom nowhere import Plugin\nT = TypeVar('T')\n"
            "class Model(basepkg.Base, basepkg.Mixin, Generic[T]):\n"
            "    '''A model.'''\n    name: str\n    _private = 1\n"
            "    if True:\n        flag = True\n"
            "    def save(self,\n             force=False):\n        '''Save.\n\nWith a column-0 line.\n'''\n"
            "        return force\n"
            "    async def fetch(self): ...\n"
            "    class Meta:\n        ordering = ['name']\n"
            "class Extended(Plugin, Model):\n    def extra(self): ...\n"
        ),
    })
    index = build_index(site)
    model = index["distributions"]["app"]["objects"]["app.models.Model"]
    assert model["bases"] == ["basepkg._impl.Base", "basepkg._impl.Mixin", "typing.Generic"]
    assert model["unknown_bases"] == ["typing.Generic"]  # stdlib: its members are not listed here
    members = model["members"]
    assert set(members) == {"name", "flag", "save", "fetch", "Meta", "kind", "shared", "size", "mix", "hello"}
    assert members["save"] == {"kind": "method", "defined_in": "app.models.Model.save"}
    assert members["Meta"] == {"kind": "class", "defined_in": "app.models.Model.Meta"}
    assert members["name"]["kind"] == "instance_attribute" and members["flag"]["kind"] == "attribute"
    assert members["size"] == {"kind": "property", "defined_in": "basepkg._impl.Base.size", "distribution": "basepkg"}
    # C3: Model, Base, Mixin, Root: Base's `shared` wins over Mixin's, Mixin's over Root's
    assert members["shared"]["defined_in"] == "basepkg._impl.Base.shared"
    assert members["hello"]["defined_in"] == "basepkg._impl.Root.hello"
    assert members["mix"]["defined_in"] == "basepkg._impl.Mixin.mix"

    inv = write_inventory("app", "2.0", index["distributions"]["app"])
    rows = {(name, role) for name, role, *_ in read_inventory(inv)[1]}
    assert {("app.Model.save", "py:method"), ("app.Model.size", "py:property"), ("app.Model.Meta", "py:class"),
            ("app.models.Model.name", "py:attribute")} <= rows  # fmt: skip


def test_unknown_base_from_a_missing_distribution_is_marked(install: Installer) -> None:
    site = install("plug", "1.0", {
        "plug/__init__.py": "from nowhere import Plugin\nclass Extended(Plugin):\n    def extra(self): ...\n"
                            "class Made(make_base()):\n    pass\n",
    })
    objects = build_index(site)["distributions"]["plug"]["objects"]
    extended = objects["plug.Extended"]
    assert extended["unknown_bases"] == ["nowhere.Plugin"]
    assert extended["members"] == {"extra": {"kind": "method", "defined_in": "plug.Extended.extra"}}
    assert objects["plug.Made"]["unknown_bases"] == ["?"] and objects["plug.Made"]["members"] == {}


def test_which_answers_a_member_as_the_class_lists_it(install: Installer) -> None:
    from indexer.symbols import SymbolIndex, Target, iter_catalog
    from indexer.symbols.which import lookup

    install("basepkg", "1.0", {"basepkg/__init__.py": "class Base:\n    @property\n    def size(self): ...\n"})
    site = install("app", "2.0", {"app/__init__.py": "import basepkg\nclass Model(basepkg.Base):\n"
                                                     "    def save(self): ...\n"})
    target = Target.running()
    index = SymbolIndex(list(iter_catalog([site], target)), target)
    [size] = lookup(index, "app.Model.size")
    assert (size["kind"], size["defined_in"], size["distribution"]) == ("property", "basepkg.Base.size", "basepkg")
    [save] = lookup(index, "app.Model.save")
    assert (save["kind"], save["defined_in"], save["distribution"]) == ("method", "app.Model.save", "app")


def test_members_bound_by_statements_in_the_class_body_and_slots(install: Installer) -> None:
    """What dir(cls) shows: a `for` target, unpacked and augmented assignments, imports in the body, and one
    descriptor per `__slots__` name (pydantic.v1's FieldInfo, packaging's Requirement)."""
    site = install("body", "1.0", {
        "body/__init__.py": (
            "class Lexer:\n"
            "    __slots__ = ('source', 'position')\n"
            "    r, (g, *rest) = 1, (2, 3)\n"
            "    count = 0\n    count += 1\n"
            "    import json\n    from os import path as ospath\n"
            "    for level in ('a', 'b'):\n        token = level\n"
            "    else:\n        done = True\n"
            "    try:\n        fast = 1\n    except ImportError as exc:\n        slow = 1\n"
            "class Keyed:\n    __slots__ = {'key': 'the key'}\n"
            "class Single:\n    __slots__ = 'only'\n"
        ),
    })
    objects = build_index(site)["distributions"]["body"]["objects"]
    assert objects["body.Lexer"]["members"] == {
        name: {"kind": "attribute", "defined_in": f"body.Lexer.{name}"}
        for name in ("source", "position", "r", "g", "rest", "count", "json", "ospath", "level", "token", "done",
                     "fast", "slow")
    }  # fmt: skip
    assert set(objects["body.Keyed"]["members"]) == {"key"}
    assert set(objects["body.Single"]["members"]) == {"only"}


def test_members_set_on_the_class_after_its_body(install: Installer) -> None:
    """`Cls.x = ...`, `setattr(Cls, "x", ...)`, in loops over literal names and in a function run at import with
    a literal list (docutils' `_add_node_class_names(node_class_names)` on its visitor classes)."""
    site = install("visit", "1.0", {
        "visit/__init__.py": (
            "from .other import Imported\n"
            "NAMES = '''\n    Text\n    paragraph section\n'''.split()\n"
            "class Visitor:\n    def dispatch(self, node): ...\n"
            "class Sparse(Visitor):\n    pass\n"
            "def _default(self, node): ...\n"
            "def _add_names(names):\n"
            "    for name in names:\n"
            "        setattr(Visitor, 'visit_' + name, _default)\n"
            "        setattr(Sparse, f'depart_{name}', lambda self, node: None)\n"
            "_add_names(NAMES)\n"
            "Visitor.extra = 'x'\n"
            "setattr(Visitor, 'helper', _default)\n"
            "for kind in ('int', 'str'):\n    setattr(Visitor, 'parse_' + kind, _default)\n"
            "setattr(Visitor, unknown_name(), 1)\n"  # a name no one can read statically: nothing added
            "setattr(Visitor, '_private', 1)\n"
            "Imported.patched = 1\n"  # not a class of this module: its own members stay what its body says
            "NOT_A_CLASS = object()\nsetattr(NOT_A_CLASS, 'x', 1)\n"
        ),
        "visit/other.py": "class Imported:\n    own = 1\n",
    })
    objects = build_index(site)["distributions"]["visit"]["objects"]
    visitor = objects["visit.Visitor"]["members"]
    assert visitor == {
        "dispatch": {"kind": "method", "defined_in": "visit.Visitor.dispatch"},
        "visit_Text": {"kind": "method", "defined_in": "visit.Visitor.visit_Text"},
        "visit_paragraph": {"kind": "method", "defined_in": "visit.Visitor.visit_paragraph"},
        "visit_section": {"kind": "method", "defined_in": "visit.Visitor.visit_section"},
        "extra": {"kind": "attribute", "defined_in": "visit.Visitor.extra"},
        "helper": {"kind": "method", "defined_in": "visit.Visitor.helper"},
        "parse_int": {"kind": "method", "defined_in": "visit.Visitor.parse_int"},
        "parse_str": {"kind": "method", "defined_in": "visit.Visitor.parse_str"},
    }
    sparse = objects["visit.Sparse"]["members"]
    assert set(sparse) == set(visitor) | {"depart_Text", "depart_paragraph", "depart_section"}
    assert sparse["depart_Text"] == {"kind": "method", "defined_in": "visit.Sparse.depart_Text"}
    assert objects["visit.other.Imported"]["members"] == {"own": {"kind": "attribute",
                                                                  "defined_in": "visit.other.Imported.own"}}


def test_members_of_compiled_classes_come_from_the_package_stub(tmp_path: Path, install: Installer) -> None:
    """numpy: the scalar types are values computed at import (`generic = _types['generic']`) and ndarray lives in
    a compiled module; numpy/__init__.pyi defines them as classes (stubs preferred), with bases named in the
    stub's namespace (`Generic` from typing, the builtin `float`); a subclass in pure Python reaches ndarray
    through a submodule's stub re-export (`from numpy import ndarray` in multiarray.pyi)."""
    from packaging.tags import sys_tags

    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    site = install("arr", "1.0", {
        "arr/__init__.py": (
            "from ._core import *\nfrom ._core.memmap import memmap\n"
            "def __getattr__(name):\n    raise AttributeError(name)\n"
        ),
        "arr/__init__.pyi": (
            "from typing import Generic, TypeVar\nfrom ._core.memmap import memmap as memmap\nT = TypeVar('T')\n"
            "class _Common:\n    def astype(self) -> None: ...\n    @property\n    def T(self) -> None: ...\n"
            "class ndarray(_Common, Generic[T]):\n    def partition(self) -> None: ...\n"
            "class generic(_Common, Generic[T]): ...\n"
            "class number(generic[T]):\n    def __round__(self) -> int: ...\n"
            "class float64(number[float], float):\n    def is_integer(self) -> bool: ...\n"
        ),
        "arr/_core/__init__.py": "from .multiarray import *\nfrom .numerictypes import *\n",
        "arr/_core/multiarray.py": "from ._umath import *\n",
        "arr/_core/multiarray.pyi": "from arr import ndarray\n__all__ = ['ndarray']\n",
        "arr/_core/numerictypes.py": (
            "from .multiarray import *\n_types = {}\n"
            "generic = _types['generic']\nnumber = _types['number']\nfloat64 = _types['float64']\n"
            "__all__ = ['generic', 'number', 'float64']\n"
        ),
        "arr/_core/memmap.py": "from .multiarray import ndarray\nclass memmap(ndarray):\n    def flush(self): ...\n",
        f"arr/_core/_umath{suffix}": compile_extension(tmp_path, "_umath"),
    }, tag=str(next(iter(sys_tags()))))
    index = build_index(site)
    top = index["distributions"]["arr"]["modules"]["arr"]["symbols"]
    assert top["generic"] == {"kind": "class", "defined_in": "arr.generic", "distribution": "arr"}
    objects = index["distributions"]["arr"]["objects"]
    common = {"astype": {"kind": "method", "defined_in": "arr._Common.astype"},
              "T": {"kind": "property", "defined_in": "arr._Common.T"}}  # fmt: skip
    assert objects["arr.number"]["bases"] == ["arr.generic"]
    assert objects["arr.number"]["members"] == common
    assert objects["arr.number"]["unknown_bases"] == ["typing.Generic"]
    assert objects["arr.float64"]["bases"] == ["arr.number", "builtins.float"]
    assert objects["arr.float64"]["members"] == {
        "is_integer": {"kind": "method", "defined_in": "arr.float64.is_integer"}, **common}
    memmap = objects["arr._core.memmap.memmap"]
    assert memmap["bases"] == ["arr.ndarray"]
    assert memmap["members"] == {"flush": {"kind": "method", "defined_in": "arr._core.memmap.memmap.flush"},
                                 "partition": {"kind": "method", "defined_in": "arr.ndarray.partition"}, **common}


def test_bases_through_import_fallbacks_and_a_class_that_replaces_a_fallback(install: Installer) -> None:
    """starlette.testclient: `try: import httpx2 as httpx / except ImportError: import httpx`, then
    `class TestClient(httpx.Client)`: the installed fallback is the base. docutils' images: `import Image` in an
    `except ImportError` branch, then `class Image(Directive)` at module level: the class is what the module has."""
    install("basehttp", "1.0", {"basehttp/__init__.py": "class Client:\n    def get(self): ...\n"})
    site = install("fallback", "1.0", {
        "fallback/__init__.py": (
            "try:\n    import basehttp2 as httpx\nexcept ImportError:\n    import basehttp as httpx\n"
            "try:\n    import PIL.Image\nexcept ImportError:\n    try:\n        import Image\n"
            "    except ImportError:\n        PIL = None\n"
            "class Image:\n    def run(self): ...\n"
            "class Figure(Image):\n    align = 'left'\n"
            "class TestClient(httpx.Client):\n    def lifespan(self): ...\n"
        ),
    })
    index = build_index(site)
    dist = index["distributions"]["fallback"]
    assert dist["modules"]["fallback"]["symbols"]["Image"] == {"kind": "class", "defined_in": "fallback.Image",
                                                                 "distribution": "fallback"}
    figure = dist["objects"]["fallback.Figure"]
    assert figure["bases"] == ["fallback.Image"] and "unknown_bases" not in figure
    assert figure["members"] == {"align": {"kind": "attribute", "defined_in": "fallback.Figure.align"},
                                 "run": {"kind": "method", "defined_in": "fallback.Image.run"}}
    client = dist["objects"]["fallback.TestClient"]
    assert client["bases"] == ["basehttp.Client"] and "unknown_bases" not in client
    assert client["members"] == {
        "lifespan": {"kind": "method", "defined_in": "fallback.TestClient.lifespan"},
        "get": {"kind": "method", "defined_in": "basehttp.Client.get", "distribution": "basehttp"},
    }


def test_a_definition_wrapped_by_hand_stays_that_definition(install: Installer) -> None:
    """attrs: `Attribute = _add_hash(_add_eq(_add_repr(Attribute, attrs=_a), attrs=_a), attrs=...)` after its
    class statement; `Foo = total_ordering(Foo)`, `f = lru_cache()(f)`: the same class or function, decorated
    (its members are the class body's), unlike a value computed from something else."""
    site = install("wrapped", "1.0", {
        "wrapped/__init__.py": (
            "import functools\n"
            "def _add_repr(cls, attrs=None):\n    return cls\n"
            "class Attribute:\n    __slots__ = ('name', 'eq_key')\n    def evolve(self): ...\n"
            "Attribute = _add_repr(_add_repr(Attribute, attrs=1), attrs=2)\n"
            "class Ordered:\n    def __lt__(self, other): ...\n"
            "Ordered = functools.total_ordering(Ordered)\n"
            "def helper(): ...\n"
            "helper = functools.lru_cache()(helper)\n"
            "class Unrelated: ...\n"
            "Made = _add_repr(Unrelated)\n"
        ),
    })
    index = build_index(site)
    top = index["distributions"]["wrapped"]["modules"]["wrapped"]["symbols"]
    assert {n: (e["kind"], e["defined_in"]) for n, e in top.items() if n != "functools"} == {
        "Attribute": ("class", "wrapped.Attribute"),
        "Ordered": ("class", "wrapped.Ordered"),
        "helper": ("function", "wrapped.helper"),
        "Unrelated": ("class", "wrapped.Unrelated"),
        "Made": ("variable", "wrapped.Made"),
    }
    assert set(index["distributions"]["wrapped"]["objects"]["wrapped.Attribute"]["members"]) == {
        "name", "eq_key", "evolve"}
