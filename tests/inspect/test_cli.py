"""``python -m indexer inspect``: the table, --json, --target, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.inspect.installs import uv_install
from tests.support.wheels import build_wheel

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indexer", "inspect", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _site(tmp_path: Path) -> Path:
    wheels = tmp_path / "w"
    a = build_wheel(wheels, "alpha", "1.0", {"alpha/__init__.py": ""}, metadata={"Requires-Dist": "beta>=9"})
    b = build_wheel(wheels, "beta", "1.0", {"beta.py": "", "beta_paths.pth": "."})
    site = tmp_path / "site"
    uv_install(site, str(a), str(b))
    return site


def test_json_output(tmp_path: Path) -> None:
    site = _site(tmp_path)
    result = _run(str(site), "--json", "--target", "pyodide")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["target"] == "pyodide"
    names = {d["name"]: d for d in data["distributions"]}
    assert names["alpha"]["imports"] == ["alpha"]
    assert names["alpha"]["source"]["kind"] == "url"
    assert names["beta"]["files"]["source"] == 1


def test_table_output(tmp_path: Path) -> None:
    site = _site(tmp_path)
    result = _run(str(site))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:5] == ["NAME", "VERSION", "INSTALLER", "SOURCE", "IMPORTS"]
    assert any(line.startswith("alpha") and line.rstrip().endswith("alpha") for line in lines)
    assert "  beta: beta_paths.pth" in lines
    assert any("requirement-conflict: alpha 1.0 requires beta>=9" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_missing_directory_is_one_line(tmp_path: Path) -> None:
    result = _run(str(tmp_path / "nope"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "not a directory" in result.stderr


def test_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    site = _site(tmp_path)
    cmd = f"{sys.executable} -m indexer inspect {site} --json --files | head -c 10"
    result = subprocess.run(["sh", "-c", cmd], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout == '{\n  "targe'
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_indexer_inspect_is_the_entry_point(tmp_path: Path) -> None:
    import indexer

    env = indexer.inspect([_site(tmp_path)])
    assert sorted(d.name for d in env.distributions) == ["alpha", "beta"]


def test_escape_sequences_in_untrusted_names_are_not_printed_raw(tmp_path: Path) -> None:
    site = _site(tmp_path)
    dist_info = next(site.glob("beta-*.dist-info"))
    (dist_info / "INSTALLER").write_text("uv\n")
    metadata = (dist_info / "METADATA").read_text().replace("Version: 1.0", "Version: 1.0\x1b]0;owned\x07")
    (dist_info / "METADATA").write_text(metadata)
    (dist_info / "direct_url.json").write_text(json.dumps({"url": "file:///x/\x1b[31mred", "archive_info": {}}))
    result = _run(str(site))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "file:///x/\\x1b[31mred" in result.stdout
