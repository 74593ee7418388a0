"""Install distributions into a real Pyodide the ways users really do, for tests and the demo.

* :func:`micropip_install`: ``micropip.install(...)`` inside Pyodide, by name from an index or by wheel URL
  (leaves ``INSTALLER`` = ``micropip`` plus ``PYODIDE_SOURCE``/``PYODIDE_URL``/``PYODIDE_SHA256``).
* :func:`pip_style_install`: host ``pip install --target`` with Pyodide's platform tags against an index, then the
  resulting tree copied into Pyodide's site-packages (leaves ``INSTALLER`` = ``pip`` and ``REQUESTED``, nothing
  about the index) -- what a ``pyodide venv`` / pre-built site-packages looks like.
* :func:`sample_requirements`: the built-in sample set's top-level requirements (requirements/samples.in).

The same functions give freeze/inspect tests their "pip-installed dists placed in Pyodide's site-packages".
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tests.support.pyodide_node import PyodideNode

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_IN = ROOT / "requirements" / "samples.in"
# Wheel tags Pyodide 314 accepts besides pure wheels (PEP 783 `pyemscripten_<abi>_wasm32`).
PYODIDE_PLATFORM = "pyemscripten_2026_0_wasm32"


def sample_requirements(path: Path = SAMPLES_IN) -> list[str]:
    """The requirement lines of requirements/samples.in (the sample set's top-level requirements)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def micropip_install(
    py: PyodideNode,
    requirements: Sequence[str],
    *,
    index_urls: Sequence[str] | None = None,
    deps: bool = True,
    timeout: float = 180.0,
) -> None:
    """``await micropip.install(requirements, index_urls=..., deps=...)`` inside Pyodide (loads micropip first).

    ``requirements`` may be names with extras/specifiers or wheel URLs (micropip's "install by URL").
    """
    py.require("micropip")
    args = f"{list(requirements)!r}, deps={deps!r}"
    if index_urls is not None:
        args += f", index_urls={list(index_urls)!r}"
    py.run_async(f"import micropip\nawait micropip.install({args})", timeout=timeout)


def pip_target_install(
    requirements: Iterable[str],
    target: Path,
    *,
    index_url: str,
    installer: str = "pip",
) -> None:
    """Host-side ``pip install --target`` (or ``uv pip install --target``) for Pyodide: Python 3.14, Pyodide
    platform tags or pure wheels only, no dependency resolution (the caller lists every distribution).

    The machine's pip configuration (constraints, extra indexes, find-links) is ignored so only ``index_url``
    is consulted.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_")) or k == "PIP_CERT"}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    reqs = list(requirements)
    if installer == "pip":
        cmd = [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-cache-dir", "--target", str(target),
            "--platform", PYODIDE_PLATFORM, "--platform", "any", "--python-version", "3.14",
            "--only-binary=:all:", "--no-deps", "--index-url", index_url, *reqs,
        ]  # fmt: skip
    elif installer == "uv":
        uv = Path(sys.executable).with_name("uv")
        cmd = [
            str(uv), "pip", "install", "--quiet", "--no-config", "--no-cache", "--target", str(target),
            "--python-platform", "wasm32-pyodide2024", "--python-version", "3.14", "--only-binary", ":all:",
            "--no-deps", "--index-url", index_url, *reqs,
        ]  # fmt: skip
    else:
        raise ValueError(f"installer must be 'pip' or 'uv', not {installer!r}")
    subprocess.run(cmd, check=True, env=env)


def copy_tree_into(py: PyodideNode, tree: Path, dest: str) -> int:
    """Copy a host directory tree into the Pyodide file system under ``dest`` (one zip, one unpack).

    Returns the number of files copied. ``bin/`` (console scripts for the host) is skipped.
    """
    buf = io.BytesIO()
    count = 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(tree.rglob("*")):
            rel = path.relative_to(tree)
            if path.is_file() and rel.parts[0] != "bin" and "__pycache__" not in rel.parts:
                zf.write(path, rel.as_posix())
                count += 1
    py.unpack_archive(buf.getvalue(), fmt="zip", extract_dir=dest)
    return count


CHECKOUT_SRC = "/tmp/micropip-ext-src"


def load_checkout(py: PyodideNode, tmp: Path) -> None:
    """This checkout's ``indexer/`` and ``micropip_ext/`` (not the wheel set-up built), first on Pyodide's sys.path.

    ``tmp`` is a host scratch directory for the copy. The project's runtime dependencies (pyproject.toml's, as
    ``loadPackage("micropip-ext")`` would bring them) are loaded from the distribution first.
    """
    py.require("packaging", "tomli-w")
    tree = tmp / "checkout-src"
    for pkg in ("indexer", "micropip_ext"):
        shutil.copytree(ROOT / pkg, tree / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    copy_tree_into(py, tree, CHECKOUT_SRC)
    py.run(f"import sys; sys.path.insert(0, {CHECKOUT_SRC!r}); None")


def pip_style_install(py: PyodideNode, requirements: Iterable[str], *, index_url: str, installer: str = "pip") -> int:
    """Install into Pyodide's site-packages the way a pre-built ``pip``/``uv`` target tree gets there.

    Returns the number of files placed.
    """
    with tempfile.TemporaryDirectory(prefix="pip-target-") as tmp:
        pip_target_install(requirements, Path(tmp), index_url=index_url, installer=installer)
        return copy_tree_into(py, Path(tmp), py.site_packages())


INSTALLED_CODE = """
import importlib.metadata as md, json
rows = []
for d in md.distributions():
    def read(n):
        t = d.read_text(n)
        return t.strip() if t else None
    rows.append({
        "name": d.metadata["Name"], "version": d.version,
        "installer": read("INSTALLER"), "source": read("PYODIDE_SOURCE"), "url": read("PYODIDE_URL"),
        "requested": d.read_text("REQUESTED") is not None,
        "direct_url": json.loads(read("direct_url.json") or "null"),
        "path": str(d._path) if hasattr(d, "_path") else None,
    })
sorted(rows, key=lambda r: r["name"].lower())
"""


def installed(py: PyodideNode) -> list[dict[str, Any]]:
    """What ``importlib.metadata`` sees in Pyodide: name, version, INSTALLER, PYODIDE_SOURCE/URL, REQUESTED,
    direct_url.json and the dist-info path, one dict per distribution (sorted by name)."""
    rows: list[dict[str, Any]] = py.run(INSTALLED_CODE)
    return rows

