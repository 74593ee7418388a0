"""`python -m indexer freeze`: defaults from pip's configuration, --strict, outputs, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.pylock import Pylock

from indexer.freeze.pip_config import pip_index_urls
from indexer.index.server import IndexServer
from tests.freeze.conftest import BASE_LOCK, unpack
from tests.support.wheels import build_wheel

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    base["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run(
        [sys.executable, "-m", "indexer", "freeze", *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_strict_lists_every_unlockable_and_fails(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    site = tmp_path / "site"
    import shutil

    shutil.copytree(name_site, site)
    unpack(build_wheel(tmp_path / "w", "omega", "1.0", {"omega/__init__.py": ""}), site)
    out, report = tmp_path / "lock.json", tmp_path / "report.json"
    args = [str(site), "--index-url", server.index_url, "-o", str(out), "--report", str(report), "--no-cache"]
    ok = run_cli(*args)
    assert ok.returncode == 0, ok.stderr
    assert "unlockable: omega 1.0:" in ok.stderr and "Traceback" not in ok.stderr
    assert set(json.loads(out.read_text())["packages"]) == {"alpha", "beta"}
    data = json.loads(report.read_text())
    assert data["summary"] == {**data["summary"], "locked": 2, "unlockable": 1}
    assert len([line for line in ok.stderr.splitlines() if "omega" in line]) == 1  # one line per unlockable
    before = (out.read_bytes(), report.read_bytes())
    for f in (out, report):
        f.write_text("previous run")
    strict = run_cli(*args, "--strict")
    assert strict.returncode == 1
    assert strict.stderr.strip().splitlines()[-1] == (
        "indexer freeze: error: 1 distribution(s) cannot be locked; nothing written"
    )
    # A failed run replaces nothing: the previous outputs are still there, whole.
    assert out.read_text() == "previous run" and report.read_text() == "previous run"
    assert before[0] != b"previous run"


def test_index_url_defaults_to_pip_configuration(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nindex-url = {server.index_url}\n")
    env = {"PIP_CONFIG_FILE": str(conf), "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    result = run_cli(str(name_site), "--no-cache", env=env)
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)["packages"]) == {"alpha", "beta"}
    none = run_cli(str(name_site), "--no-cache", env={"PIP_NO_INDEX": "1"})
    assert "no index to ask (pip's no-index (PIP_NO_INDEX))" in none.stderr
    assert json.loads(none.stdout)["packages"] == {}


def test_pip_index_urls_order_and_environment(tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = http://a.test/simple\nextra-index-url = http://b.test/simple\n"
        "[install]\nindex-url = http://c.test/simple\n"
    )
    env = {"HOME": str(tmp_path), "PIP_CONFIG_FILE": str(conf), "XDG_CONFIG_DIRS": str(tmp_path / "none")}
    assert pip_index_urls(env) == ["http://c.test/simple", "http://b.test/simple"]
    env["PIP_EXTRA_INDEX_URL"] = "http://d.test/simple http://e.test/simple"
    assert pip_index_urls(env) == ["http://c.test/simple", "http://d.test/simple", "http://e.test/simple"]
    env["PIP_NO_INDEX"] = "1"
    assert pip_index_urls(env) == []


def test_pylock_output_validates(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    out = tmp_path / "pylock.toml"
    result = run_cli(
        str(name_site), "--index-url", server.index_url, "--format", "pylock", "--target", "pyodide",
        "-o", str(out), "--no-cache",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = tomllib.loads(out.read_text())
    lock = Pylock.from_dict(data)
    lock.validate()
    alpha = next(p for p in lock.packages if p.name == "alpha")
    assert alpha.index == server.index_url
    assert alpha.wheels and alpha.wheels[0].url == f"{server.url}files/alpha-1.0-py3-none-any.whl"
    assert alpha.wheels[0].size and alpha.wheels[0].upload_time is not None
    assert alpha.dependencies == [{"name": "beta"}]
    assert lock.environments and 'sys_platform == "emscripten"' in str(lock.environments[0])


def test_pylock_of_a_host_environment_says_so(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    """--target host: dependencies were evaluated for this interpreter, so environments names it, not Pyodide."""
    import platform
    import sys

    out = tmp_path / "pylock.toml"
    result = run_cli(
        str(name_site), "--index-url", server.index_url, "--format", "pylock", "--target", "host", "-o", str(out),
        "--no-cache",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lock = Pylock.from_dict(tomllib.loads(out.read_text()))
    (marker,) = lock.environments or []
    assert f'sys_platform == "{sys.platform}"' in str(marker)
    assert f'python_version == "{platform.python_version_tuple()[0]}.{platform.python_version_tuple()[1]}"' in str(
        marker
    )


def test_bad_base_lock_is_one_line(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    bad = tmp_path / "lock.json"
    bad.write_text("{not json")
    result = run_cli(str(name_site), "--index-url", server.index_url, "--base-lock", str(bad), "--no-cache")
    assert result.returncode == 2
    assert result.stderr.startswith("indexer freeze: error: base lock") and "Traceback" not in result.stderr
    missing = run_cli(str(name_site), "--base-lock", f"{server.url}nope/pyodide-lock.json", "--no-cache")
    assert missing.returncode == 2 and "HTTP 404" in missing.stderr


def test_base_lock_from_url_keeps_entries_absolute(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    server.inject("/dist/pyodide-lock.json", ("body", json.dumps(BASE_LOCK).encode(), "application/json"))
    result = run_cli(
        str(name_site), "--index-url", server.index_url, "--base-lock", f"{server.url}dist/pyodide-lock.json",
        "--no-cache",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    packages = json.loads(result.stdout)["packages"]
    assert packages["six"]["file_name"] == f"{server.url}dist/six-1.17.0-py2.py3-none-any.whl"


def test_target_defaults_to_what_the_wheels_show(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    """Pure-Python wheels on CPython: the host; a Pyodide platform tag anywhere: Pyodide."""
    out = tmp_path / "pylock.toml"
    host = run_cli(str(name_site), "--index-url", server.index_url, "--format", "pylock", "-o", str(out), "--no-cache")
    assert host.returncode == 0, host.stderr
    (marker,) = Pylock.from_dict(tomllib.loads(out.read_text())).environments or []
    assert f'sys_platform == "{sys.platform}"' in str(marker)

    site = tmp_path / "site"
    unpack(build_wheel(tmp_path / "w", "wasmy", "1.0", {"wasmy/__init__.py": ""}), site)
    wheel_file = site / "wasmy-1.0.dist-info" / "WHEEL"
    wheel_file.write_text(wheel_file.read_text().replace("py3-none-any", "cp314-cp314-pyemscripten_2026_0_wasm32"))
    detected = run_cli(str(site), "--format", "pylock", "-o", str(out), "--no-cache")
    assert detected.returncode == 0, detected.stderr
    (marker,) = Pylock.from_dict(tomllib.loads(out.read_text())).environments or []
    assert 'sys_platform == "emscripten"' in str(marker)

    contradicted = run_cli(str(site), "--target", "host", "--no-cache")
    assert contradicted.returncode == 2
    assert contradicted.stderr.strip().splitlines()[-1] == (
        "indexer freeze: error: target host contradicts the installed wheels:"
        " wasmy 1.0 (WHEEL tag cp314-cp314-pyemscripten_2026_0_wasm32); drop --target to detect it"
    )


def test_bad_arguments_are_one_line_before_any_request(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    (tmp_path / "adir").mkdir()
    cases = {
        ("--index-url", "http://[::1"): "not a valid URL",
        ("--index-url", "http://127.0.0.1:99999/simple/"): "not a valid URL",
        ("--index-url", "ftp://127.0.0.1/simple/"): "must be http(s)",
        ("--timeout", "nan"): "finite number of seconds",
        ("--timeout", "-1"): "finite number of seconds",
        ("--concurrency", "0"): "must be at least 1",
        ("-o", str(tmp_path / "adir")): "is a directory",
        ("-o", str(tmp_path / "missing" / "lock.json")): "does not exist",
        ("--report", str(tmp_path / "missing" / "r.json")): "does not exist",
    }
    for extra, message in cases.items():
        result = run_cli(str(name_site), "--index-url", server.index_url, *extra)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, (extra, result.stderr)
        assert len(lines) == 1 and message in lines[0] and lines[0].startswith("indexer freeze: error:"), extra
    assert server.log == []
    assert not (tmp_path / "missing").exists()


def test_a_run_that_reaches_no_index_says_so_and_fails(tmp_path: Path, name_site: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/simple/"
    out = tmp_path / "lock.json"
    result = run_cli(str(name_site), "--index-url", dead, "--no-cache", "--timeout", "1", "-o", str(out))
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("indexer freeze: error: no index could be reached:") and "cannot connect" in last
    assert not out.exists()


def test_terminal_output_escapes_control_characters(tmp_path: Path, name_site: Path) -> None:
    evil = tmp_path / "lock\x1b[2Jx.json"
    result = run_cli(str(name_site), "--base-lock", str(evil), "--no-cache")
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\\x1b[2J" in result.stderr


def test_an_unreadable_site_entry_is_one_warning_and_the_rest_is_locked(
    tmp_path: Path, name_site: Path, server: IndexServer
) -> None:
    import shutil

    site = tmp_path / "site"
    shutil.copytree(name_site, site)
    (site / "loop-1.0.dist-info").symlink_to("loop-1.0.dist-info")  # points at itself
    out = tmp_path / "lock.json"
    result = run_cli(str(site), "--index-url", server.index_url, "--no-cache", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert set(json.loads(out.read_text())["packages"]) == {"alpha", "beta"}
    warnings = [line for line in result.stderr.splitlines() if "loop-1.0.dist-info" in line]
    assert len(warnings) == 1 and warnings[0].startswith("indexer freeze: warning: not read:"), result.stderr
    assert "Traceback" not in result.stderr
