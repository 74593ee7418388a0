"""A pkgutil / pkg_resources ``__init__.py`` is a namespace only when it declares nothing else (real wheels)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.installed import Distribution, inspect
from tests.inspect.installs import uv_install
from tests.support.wheels import build_wheel

TRY_BOTH = (
    '"""Namespace package."""\n'
    "try:\n"
    "    __import__('pkg_resources').declare_namespace(__name__)\n"
    "except ImportError:  # pragma: no cover\n"
    "    import pkgutil\n\n"
    "    __path__ = pkgutil.extend_path(__path__, __name__)\n"
)
NATS_LIKE = (
    "from __future__ import annotations\n"
    "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"
    "from .aio.client import Client as NATS\n\n"
    "async def connect(servers='nats://localhost:4222'):\n"
    "    return NATS()\n"
)
VERSIONED = "from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n__version__ = '1.0'\n"


def _dist(tmp_path: Path, init: str) -> Distribution:
    files = {"acme/__init__.py": init, "acme/aio/__init__.py": "", "acme/aio/client.py": "class Client: ...\n"}
    wheel = build_wheel(tmp_path / "w", "acme", "1.0", files)
    site = tmp_path / "site"
    uv_install(site, str(wheel))
    (dist,) = inspect([site]).distributions
    return dist


def test_try_declare_namespace_else_extend_path_is_a_namespace(tmp_path: Path) -> None:
    dist = _dist(tmp_path, TRY_BOTH)
    assert (dist.imports, dist.namespaces) == (["acme.aio"], ["acme"])


@pytest.mark.parametrize("init", [NATS_LIKE, VERSIONED], ids=["defines-api", "sets-version"])
def test_package_that_extends_its_path_and_defines_things_is_imported_by_name(tmp_path: Path, init: str) -> None:
    """nats-py and mujoco extend their __path__ but are what users import: ``import nats``."""
    dist = _dist(tmp_path, init)
    assert (dist.imports, dist.namespaces) == (["acme"], [])
