"""CPython tier: the set-up scripts' rules (pinned downloads, lockfile rewriting) and the dist dir they built."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from scripts.download_pinned import download, parse_requirements, present
from scripts.make_pyodide_dist import lock_entry, pyodide_marker_environment
from tests.support.wheels import build_wheel

ROOT = Path(__file__).resolve().parents[2]


def _pin_file(tmp_path: Path, wheel: Path, name: str, version: str) -> Path:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    req = tmp_path / "req.txt"
    req.write_text(f"{name}=={version} \\\n    --hash=sha256:{'0' * 64} \\\n    --hash=sha256:{digest}\n    # via x\n")
    return req


def test_parse_requirements_needs_pins_and_hashes() -> None:
    pins = parse_requirements("Jaraco.Context==6.1.2 \\\n    --hash=sha256:" + "a" * 64 + "\n# comment\n")
    assert [(p.name, p.version, p.hashes) for p in pins] == [("jaraco-context", "6.1.2", frozenset({"a" * 64}))]
    with pytest.raises(ValueError, match="no --hash"):
        parse_requirements("six==1.17.0\n")
    with pytest.raises(ValueError, match="not a pinned requirement"):
        parse_requirements("six>=1 --hash=sha256:" + "a" * 64 + "\n")


def test_download_uses_cached_wheel_without_pip(tmp_path: Path) -> None:
    # pip is pointed at a closed loopback port, so reaching pip would fail: success proves the cache is used.
    dest = tmp_path / "cache"
    wheel = build_wheel(dest, "not-on-any-index", "1.0", {"not_on_any_index.py": "X = 1\n"})
    req = _pin_file(tmp_path, wheel, "not_on_any_index", "1.0")
    closed = ["--index-url", "http://127.0.0.1:9/simple/", "--retries", "0"]
    assert download(req, dest, closed) == [wheel]
    # ...and a missing wheel does go to pip, which fails against the closed port.
    wheel.unlink()
    with pytest.raises(subprocess.CalledProcessError):
        download(req, dest, closed)


def test_a_tampered_cached_wheel_is_not_accepted(tmp_path: Path) -> None:
    dest = tmp_path / "cache"
    wheel = build_wheel(dest, "demo", "1.0", {"demo.py": "X = 1\n"})
    (pin,) = parse_requirements(_pin_file(tmp_path, wheel, "demo", "1.0").read_text())
    assert present(pin, dest) == wheel
    with zipfile.ZipFile(wheel, "a") as zf:
        zf.writestr("demo_extra.py", "Y = 2\n")
    assert present(pin, dest) is None


def test_lock_entry_follows_the_wheel(tmp_path: Path) -> None:
    wheel = build_wheel(
        tmp_path,
        "Some_Dist",
        "2.0",
        {"some_pkg/__init__.py": "", "single.py": "", "_private/x.py": ""},
        metadata={
            "Requires-Dist": [
                "Needed-Everywhere>=1",
                "only-in-pyodide; sys_platform == 'emscripten'",
                "only-on-linux; sys_platform == 'linux'",
                "old-python; python_version < '3.12'",
                "with-extra; extra == 'x'",
            ]
        },
    )
    env = pyodide_marker_environment("3.14.2")
    entry = lock_entry(wheel, env, wheel.name)
    assert entry["name"] == "Some_Dist" and entry["version"] == "2.0"
    assert entry["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert entry["depends"] == ["needed-everywhere", "only-in-pyodide"]
    # No top_level.txt: import names come from the file list.
    assert entry["imports"] == ["_private", "single", "some_pkg"]
    assert (entry["package_type"], entry["install_dir"], entry["file_name"]) == ("package", "site", wheel.name)


def test_built_dist_dir_matches_its_wheels(pyodide_dist_dir: Path) -> None:
    lock = json.loads((pyodide_dist_dir / "pyodide-lock.json").read_text())
    shipped = json.loads((ROOT / "node_modules" / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["info"] == shipped["info"]
    local = {k: e for k, e in lock["packages"].items() if (pyodide_dist_dir / e["file_name"]).is_file()}
    assert {"micropip", "micropip-ext", "packaging", "pytest", "tblib"} <= set(local)
    for key, entry in local.items():
        data = (pyodide_dist_dir / entry["file_name"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), key
        assert set(entry["depends"]) <= set(local), (key, entry["depends"])
    assert local["micropip"]["version"] == "0.11.1"
    assert local["micropip-ext"]["imports"] == ["indexer", "micropip_ext"]
    # Every entry we did not provide a wheel for is kept exactly as Pyodide ships it.
    for key, entry in shipped["packages"].items():
        if key not in local:
            assert lock["packages"][key] == entry, key
