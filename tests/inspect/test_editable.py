"""Editable installs (issue 14): import names from the finder or .pth path entry, read statically; kind ``editable``.

Real ``pip install -e`` of tiny setuptools and hatchling projects built here (--no-build-isolation: the venv's
pinned setuptools / hatchling / editables). Canary files prove the finder and .pth code never ran.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.installed import Distribution, inspect
from tests.inspect.installs import pip_install, tree_snapshot

SETUPTOOLS = '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
HATCHLING = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'


def _project(root: Path, backend: str, name: str, files: dict[str, str], extra: str = "") -> Path:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(f'{backend}[project]\nname = "{name}"\nversion = "0.1"\n{extra}')
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def _install_editable(tmp_path: Path, project: Path) -> Distribution:
    site = tmp_path / "site"
    pip_install(site, "--no-index", "--no-build-isolation", "-e", str(project))
    before = tree_snapshot(site)
    env = inspect([site])
    assert tree_snapshot(site) == before
    assert len(env.distributions) == 1
    dist = env.distributions[0]
    assert (dist.source.kind, dist.source.editable) == ("editable", True)
    assert dist.source.url == project.resolve().as_uri()
    return dist


def test_setuptools_flat_layout_reads_the_finder_mapping(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    project = _project(
        tmp_path / "proj",
        SETUPTOOLS,
        "flat-demo",
        # Importing the package would write the canary: the finder maps it, nothing imports it.
        {"flat_demo/__init__.py": f"open({str(canary)!r}, 'w').close()\n", "helper.py": ""},
        '[tool.setuptools]\npackages = ["flat_demo"]\npy-modules = ["helper"]\n',
    )
    dist = _install_editable(tmp_path, project)
    assert (dist.import_evidence, dist.imports, dist.namespaces) == ("editable", ["flat_demo", "helper"], [])
    assert [p.code for p in dist.problems] == []
    assert not canary.exists()


def test_setuptools_src_layout_reads_the_pth_path_entry(tmp_path: Path) -> None:
    project = _project(
        tmp_path / "proj",
        SETUPTOOLS,
        "src-demo",
        {"src/src_demo/__init__.py": "", "src/src_tool.py": "", "src/not-a-module.txt": ""},
    )
    dist = _install_editable(tmp_path, project)
    assert (dist.import_evidence, dist.imports) == ("editable", ["src_demo", "src_tool"])


def test_setuptools_src_layout_namespace_package_is_descended(tmp_path: Path) -> None:
    """``src/acme/widgets`` with no ``src/acme/__init__.py`` (PEP 420): Python imports ``acme.widgets``."""
    project = _project(
        tmp_path / "proj",
        SETUPTOOLS,
        "acme-widgets",
        {"src/acme/widgets/__init__.py": "", "src/acme/README.txt": "", "src/acme/empty/data.txt": ""},
    )
    dist = _install_editable(tmp_path, project)
    assert (dist.import_evidence, dist.imports, dist.namespaces) == ("editable", ["acme.widgets"], ["acme"])
    assert [p.code for p in dist.problems] == []


def test_setuptools_src_layout_legacy_namespace_package_is_descended(tmp_path: Path) -> None:
    """zope's layout: ``src/zope/__init__.py`` declares a pkgutil namespace; the project provides zope.interface."""
    init = "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"
    project = _project(
        tmp_path / "proj",
        SETUPTOOLS,
        "zope.interface",
        {"src/zope/__init__.py": init, "src/zope/interface/__init__.py": "", "src/zope/interface/declarations.py": ""},
    )
    dist = _install_editable(tmp_path, project)
    assert (dist.import_evidence, dist.imports, dist.namespaces) == ("editable", ["zope.interface"], ["zope"])


def test_hatchling_default_reads_the_project_dir_without_its_tooling(tmp_path: Path) -> None:
    project = _project(
        tmp_path / "proj",
        HATCHLING,
        "hatch-demo",
        {"hatch_demo/__init__.py": "", "tests/__init__.py": "", "conftest.py": ""},
    )
    dist = _install_editable(tmp_path, project)
    assert (dist.import_evidence, dist.imports) == ("editable", ["hatch_demo"])


def test_hatchling_flat_layout_namespace_package_is_descended(tmp_path: Path) -> None:
    project = _project(
        tmp_path / "proj",
        HATCHLING,
        "acme-gadgets",
        {"acme/gadgets/__init__.py": "", "tests/test_x.py": "", "docs/conf.py": ""},
        '[tool.hatch.build.targets.wheel]\npackages = ["acme"]\n',
    )
    dist = _install_editable(tmp_path, project)
    assert (dist.import_evidence, dist.imports, dist.namespaces) == ("editable", ["acme.gadgets"], ["acme"])


def test_hatchling_exact_mode_reads_editables_map_module(tmp_path: Path) -> None:
    project = _project(
        tmp_path / "proj",
        HATCHLING,
        "exact-demo",
        {"exact_demo/__init__.py": "", "other_top.py": ""},
        "[tool.hatch.build]\ndev-mode-exact = true\n",
    )
    dist = _install_editable(tmp_path, project)
    assert dist.import_evidence == "editable"
    assert "exact_demo" in dist.imports
    assert not any(name.startswith("_editable_impl_") for name in dist.imports)


@pytest.mark.parametrize(
    ("finder", "expected"),
    [
        ("MAPPING = dict(evil='/x')\n", "editable-imports-unknown"),
        ("MAPPING = {\n", "editable-finder-unreadable"),
    ],
    ids=["computed-mapping", "syntax-error"],
)
def test_hostile_finder_is_read_not_run(tmp_path: Path, finder: str, expected: str) -> None:
    project = _project(
        tmp_path / "proj", SETUPTOOLS, "flat-demo", {"flat_demo/__init__.py": ""},
        '[tool.setuptools]\npackages = ["flat_demo"]\n',
    )  # fmt: skip
    site = tmp_path / "site"
    pip_install(site, "--no-index", "--no-build-isolation", "-e", str(project))
    canary = tmp_path / "ran"
    finder_file = next(site.glob("__editable___*_finder.py"))
    finder_file.write_text(f"open({str(canary)!r}, 'w').close()\n" + finder)
    (site / "__editable__.flat_demo-0.1.pth").write_text(f"import os; open({str(canary)!r}, 'w')\n")
    dist = inspect([site]).distributions[0]
    assert expected in [p.code for p in dist.problems]
    assert dist.imports == []
    assert not canary.exists()
