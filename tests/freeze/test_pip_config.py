"""Default index URLs: pip's configuration, else pip's own default read from the installed pip at run time.

pip's real default names a public host, which tests never reach: the end-to-end cases put a stand-in
``pip`` package first on ``PYTHONPATH`` whose default is the local index (the one part a real pip cannot
point at loopback on demand); the real pip is checked against its own ``--help`` text.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from indexer.freeze.pip_config import default_index_urls, pip_default_index
from indexer.index.server import IndexServer

ROOT = Path(__file__).resolve().parents[2]


def _stub_pip(folder: Path, default: str | None) -> Path:
    """A ``pip`` package whose ``_internal.models.index.PyPI.simple_url`` is ``default`` (None: pip is absent)."""
    pkg = folder / "pip"
    (pkg / "_internal" / "models").mkdir(parents=True)
    if default is None:
        (pkg / "__init__.py").write_text("raise ImportError('no pip here')\n")
        return folder
    (pkg / "__init__.py").write_text("__version__ = '99.1'\n")
    (pkg / "_internal" / "__init__.py").write_text("")
    (pkg / "_internal" / "models" / "__init__.py").write_text("")
    (pkg / "_internal" / "models" / "index.py").write_text(
        f"class PackageIndex:\n    simple_url = {default!r}\n\nPyPI = PackageIndex()\n"
    )
    return folder


def _env(stub: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return {**base, "PYTHONPATH": f"{stub}{os.pathsep}{ROOT}", "PIP_CONFIG_FILE": os.devnull, **extra}


def _defaults_in_subprocess(env: dict[str, str]) -> tuple[list[str], str]:
    code = "import json; from indexer.freeze.pip_config import default_index_urls as d; print(json.dumps(d()))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    urls, where = json.loads(out.stdout)
    return urls, where


def test_real_pip_default_is_the_one_pip_documents() -> None:
    url, where = pip_default_index()
    assert url is not None and url.startswith("https://")
    import pip

    assert where == f"pip {pip.__version__}'s default index"
    helptext = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--help"], capture_output=True, text=True, check=True
    ).stdout
    documented = re.search(r"\(default\s+(\S+?)\)", " ".join(helptext.split()))
    assert documented is not None and documented.group(1) == url


def test_default_comes_first_and_extra_indexes_follow(tmp_path: Path) -> None:
    stub = _stub_pip(tmp_path, "http://127.0.0.1:9/simple/")
    urls, where = _defaults_in_subprocess(_env(stub, PIP_EXTRA_INDEX_URL="http://127.0.0.1:8/extra/"))
    assert urls == ["http://127.0.0.1:9/simple/", "http://127.0.0.1:8/extra/"]
    assert where == "pip 99.1's default index, pip's configuration (PIP_EXTRA_INDEX_URL)"
    # A configured index-url replaces pip's default, as in pip.
    urls, where = _defaults_in_subprocess(_env(stub, PIP_INDEX_URL="http://127.0.0.1:7/own/"))
    assert (urls, where) == (["http://127.0.0.1:7/own/"], "pip's configuration (PIP_INDEX_URL)")


def test_no_pip_and_no_configuration_is_one_line_saying_so(tmp_path: Path) -> None:
    stub = _stub_pip(tmp_path, None)
    urls, where = _defaults_in_subprocess(_env(stub))
    assert urls == []
    assert where == f"pip is not installed in {sys.executable}, so its default index is unknown"
    assert default_index_urls({"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "yes"}) == (
        [],
        "pip's no-index (PIP_NO_INDEX)",
    )


def test_cli_without_flags_asks_pips_default_index(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    stub = _stub_pip(tmp_path / "stub", server.index_url)
    env = _env(stub, HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "freeze", str(name_site), "--target", "host"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"indexer freeze: asking {server.index_url} (pip 99.1's default index)" in result.stderr.splitlines()
    assert set(json.loads(result.stdout)["packages"]) == {"alpha", "beta"}

    nopip = _env(_stub_pip(tmp_path / "nopip", None))
    none = subprocess.run(
        [sys.executable, "-m", "indexer", "freeze", str(name_site), "--no-cache"],
        cwd=ROOT, env=nopip, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "Traceback" not in none.stderr
    assert (
        f"indexer freeze: warning: no index to ask (pip is not installed in {sys.executable}, so its default"
        " index is unknown): only installer-recorded files can be locked"
    ) in none.stderr.splitlines()


def test_config_files_follow_pips_folders_on_each_platform() -> None:
    from indexer.freeze.pip_config import config_files

    env = {"HOME": "/h", "APPDATA": "/h/roaming", "PROGRAMDATA": "/pd", "XDG_CONFIG_DIRS": "/x1:/x2"}
    assert [str(p) for p in config_files(env, "linux")][:5] == [
        "/x1/pip/pip.conf", "/x2/pip/pip.conf", "/etc/pip.conf", "/h/.pip/pip.conf", "/h/.config/pip/pip.conf",
    ]  # fmt: skip
    assert [str(p) for p in config_files(env, "darwin")][:4] == [
        "/Library/Application Support/pip/pip.conf", "/h/.pip/pip.conf", "/h/.config/pip/pip.conf",
        "/h/Library/Application Support/pip/pip.conf",
    ]  # fmt: skip
    assert [str(p) for p in config_files(env, "win32")][:3] == [
        "/pd/pip/pip.ini",
        "/h/pip/pip.ini",
        "/h/roaming/pip/pip.ini",
    ]
    with_file = config_files({**env, "PIP_CONFIG_FILE": "/c/pip.conf"}, "linux")
    assert with_file[-1] == Path("/c/pip.conf")  # read last: it wins
