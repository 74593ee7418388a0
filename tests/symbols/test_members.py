"""Class members (issue 11): public methods, properties, class attributes and nested classes of public classes,
inherited ones through the C3 order across modules and distributions, unknown bases marked as such."""

from __future__ import annotations

from pathlib import Path

from indexer.symbols.inventory import read_inventory, write_inventory
from tests.symbols.conftest import Installer, build_index


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
