"""Source attribution from what real installers leave in a dist-info (and what freeze/micropip write)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.index.build import build_index
from indexer.index.server import serve_in_thread
from indexer.installed import Distribution, inspect
from tests.inspect.installs import pip_install, tree_snapshot, uv_install
from tests.support.wheels import build_wheel


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    return build_wheel(tmp_path / "wheels", "demo-pkg", "1.0", {"demo_pkg/__init__.py": "X = 1\n"})


def _only(site: Path) -> Distribution:
    (dist,) = inspect([site]).distributions
    return dist


def test_uv_install_from_wheel_file_is_a_url_source(tmp_path: Path, wheel: Path) -> None:
    site = tmp_path / "site"
    uv_install(site, str(wheel))
    dist = _only(site)
    assert dist.installer == "uv"
    assert dist.source.kind == "url"
    assert dist.source.url == wheel.resolve().as_uri()
    assert "direct_url.json" in dist.source.evidence and "uv_cache.json" in dist.source.evidence


def test_pip_install_from_wheel_file_records_its_sha256(tmp_path: Path, wheel: Path) -> None:
    site = tmp_path / "site"
    pip_install(site, "--no-index", str(wheel))
    dist = _only(site)
    assert (dist.installer, dist.source.kind) == ("pip", "url")
    assert dist.source.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert dist.requested


def test_metadata_sha256_matches_the_index_core_metadata_file(tmp_path: Path, wheel: Path) -> None:
    """What freeze relies on: RECORD's METADATA hash equals the index's PEP 658 .metadata file hash."""
    index = tmp_path / "index"
    build_index(wheel.parent, index)
    site = tmp_path / "site"
    with serve_in_thread(index) as server:
        pip_install(site, "--index-url", server.index_url, "demo-pkg")
    dist = _only(site)
    metadata_file = index / "files" / (wheel.name + ".metadata")
    assert dist.metadata_sha256 == hashlib.sha256(metadata_file.read_bytes()).hexdigest()
    # By name from an index: pip records nothing about which index, and inspect does not invent one.
    assert (dist.source.kind, dist.source.index, dist.source.url) == ("index", None, None)
    assert dist.wheel_tags == ["py3-none-any"]


def test_uv_install_by_name_from_a_local_index(tmp_path: Path, wheel: Path) -> None:
    index = tmp_path / "index"
    build_index(wheel.parent, index)
    site = tmp_path / "site"
    with serve_in_thread(index) as server:
        subprocess.run(
            [str(Path(sys.executable).with_name("uv")), "pip", "install", "--python", sys.executable, "--no-config",
             "--no-cache", "--target", str(site), "--index-url", server.index_url, "demo-pkg"],
            check=True, capture_output=True,
        )  # fmt: skip
    dist = _only(site)
    assert (dist.installer, dist.source.kind, dist.source.url) == ("uv", "index", None)
    assert (
        dist.metadata_sha256 == hashlib.sha256((index / "files" / (wheel.name + ".metadata")).read_bytes()).hexdigest()
    )


def test_pip_directory_install(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "dirdemo").mkdir(parents=True)
    (project / "dirdemo" / "__init__.py").write_text('"""Directory demo."""\n__version__ = "0.3"\n')
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["flit_core>=3.2"]\nbuild-backend = "flit_core.buildapi"\n'
        '[project]\nname = "dirdemo"\nversion = "0.3"\ndescription = "x"\n'
    )
    site = tmp_path / "site"
    pip_install(site, "--no-index", "--no-build-isolation", str(project))
    dist = _only(site)
    assert dist.source.kind == "directory"
    assert dist.source.url == project.resolve().as_uri()
    assert dist.imports == ["dirdemo"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed for a VCS install")
def test_pip_vcs_install_records_the_commit(tmp_path: Path) -> None:
    project = tmp_path / "repo"
    (project / "vcsdemo").mkdir(parents=True)
    (project / "vcsdemo" / "__init__.py").write_text('"""VCS demo."""\n')
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["flit_core>=3.2"]\nbuild-backend = "flit_core.buildapi"\n'
        '[project]\nname = "vcsdemo"\nversion = "0.1"\ndescription = "x"\n'
    )
    git = ["git", "-C", str(project), "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    site = tmp_path / "site"
    pip_install(site, "--no-index", "--no-build-isolation", f"git+{project.resolve().as_uri()}")
    dist = _only(site)
    assert (dist.source.kind, dist.source.vcs, dist.source.commit_id) == ("vcs", "git", commit)


def _copy_installed(tmp_path: Path, wheel: Path, extra: dict[str, str | bytes], installer: str | None) -> Path:
    """A uv install whose dist-info is then given the files another installer writes (micropip, freeze)."""
    site = tmp_path / "site"
    uv_install(site, str(wheel))
    dist_info = next(site.glob("*.dist-info"))
    for name in ("direct_url.json", "uv_cache.json", "REQUESTED"):
        (dist_info / name).unlink(missing_ok=True)
    if installer is None:
        (dist_info / "INSTALLER").unlink()
    else:
        (dist_info / "INSTALLER").write_text(installer + "\n")
    for name, data in extra.items():
        (dist_info / name).write_bytes(data.encode() if isinstance(data, str) else data)
    return site


def test_micropip_files_with_credentials_are_redacted(tmp_path: Path, wheel: Path) -> None:
    # micropip writes PYODIDE_URL verbatim, credentials included (micropip 0.11.1 wheelinfo._install).
    url = "http://alice:s3cret@127.0.0.1:9/files/demo_pkg-1.0-py3-none-any.whl"
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    site = _copy_installed(
        tmp_path, wheel, {"PYODIDE_SOURCE": "pypi", "PYODIDE_URL": url, "PYODIDE_SHA256": sha}, "micropip"
    )
    env = inspect([site])
    dist = env.distributions[0]
    assert (dist.source.kind, dist.source.sha256) == ("index", sha)
    assert dist.source.url == "http://127.0.0.1:9/files/demo_pkg-1.0-py3-none-any.whl"
    assert "s3cret" not in json.dumps(env.to_json(with_files=True))


def test_micropip_direct_url_install(tmp_path: Path, wheel: Path) -> None:
    url = "http://127.0.0.1:9/demo_pkg-1.0-py3-none-any.whl"
    site = _copy_installed(tmp_path, wheel, {"PYODIDE_SOURCE": url, "PYODIDE_URL": url}, "micropip")
    assert _only(site).source.kind == "url"


def test_pyodide_load_package(tmp_path: Path, wheel: Path) -> None:
    site = _copy_installed(tmp_path, wheel, {"PYODIDE_SOURCE": "pyodide"}, "pyodide.loadPackage")
    assert _only(site).source.kind == "distribution"


def test_unpack_archive_leaves_no_installer(tmp_path: Path, wheel: Path) -> None:
    site = _copy_installed(tmp_path, wheel, {}, None)
    dist = _only(site)
    assert (dist.installer, dist.source.kind) == (None, "unknown")


def test_freeze_provenance_and_index_files(tmp_path: Path, wheel: Path) -> None:
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    provenance = {"url": "http://bob:pw@127.0.0.1:9/files/x.whl", "archive_info": {"hashes": {"sha256": sha}}}
    site = _copy_installed(
        tmp_path,
        wheel,
        {"provenance_url.json": json.dumps(provenance), "INDEX": "http://bob:pw@127.0.0.1:9/simple/\n"},
        "micropip-ext",
    )
    source = _only(site).source
    assert (source.kind, source.sha256) == ("index", sha)
    assert source.url == "http://127.0.0.1:9/files/x.whl"
    assert source.index == "http://127.0.0.1:9/simple/"
    assert {"provenance_url.json", "INDEX"} <= set(source.evidence)


def test_direct_url_and_provenance_together_is_a_problem(tmp_path: Path, wheel: Path) -> None:
    site = tmp_path / "site"
    pip_install(site, "--no-index", str(wheel))
    dist_info = next(site.glob("*.dist-info"))
    (dist_info / "provenance_url.json").write_text(json.dumps({"url": "http://127.0.0.1:9/x.whl"}))
    before = tree_snapshot(site)
    dist = _only(site)
    assert dist.source.kind == "url"
    assert "provenance-conflict" in {p.code for p in dist.problems}
    assert tree_snapshot(site) == before


def test_inspect_of_running_interpreter_finds_itself() -> None:
    env = inspect()
    packaging = env.get("packaging")
    assert packaging is not None
    assert "packaging" in packaging.imports
    assert any(str(packaging.site_dir) == p or Path(p) == packaging.site_dir for p in sys.path)
