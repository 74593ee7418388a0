"""One entry, one problem: odd entries among a site's ``*.dist-info`` cost only themselves (issue 9).

Real symlinks, FIFOs, undecodable names and permissions. Root reads a chmod 000 directory anyway, so the
unreadable-directory cases run the tool in a subprocess that drops to ``nobody`` (uid 65534) first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.installed import Environment, inspect
from tests.inspect.installs import tree_snapshot, uv_install
from tests.support.wheels import build_wheel

NOBODY = 65534


@pytest.fixture
def site() -> Iterator[Path]:
    """A real site with ``victim`` and ``bystander`` installed, in a directory ``nobody`` may traverse."""
    root = Path(tempfile.mkdtemp(prefix="site-entries-"))
    os.chmod(root, 0o755)
    try:
        wheels = root / "wheels"
        victim = build_wheel(wheels, "victim", "1.0", {"victim/__init__.py": ""})
        bystander = build_wheel(wheels, "bystander", "2.0", {"bystander.py": ""})
        target = root / "site"
        uv_install(target, str(victim), str(bystander))
        os.chmod(target, 0o755)
        yield target
    finally:
        for dirpath, dirnames, _ in os.walk(root):
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o755)  # so rmtree can enter what a test locked
        shutil.rmtree(root)


def _bystander_intact(env: Environment) -> None:
    bystander = env.get("bystander")
    assert bystander is not None and bystander.imports == ["bystander"] and bystander.problems == []
    assert not any(p.code == "site-dir-unreadable" for p in env.problems)


def _entry_problems(env: Environment) -> dict[str, str]:
    return {Path(p.message.split(": ", 1)[0]).name: p.message for p in env.problems if p.code == "dist-entry-invalid"}


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda p: p.symlink_to(p.name), "symlink loop"),
        (lambda p: p.symlink_to("nowhere"), "dangling symlink"),
        (lambda p: p.write_text("not a directory\n"), "a file, not a directory"),
        (lambda p: os.mkfifo(p), "not a directory or regular file"),
    ],
    ids=["self-symlink", "dangling-symlink", "file", "fifo"],
)
def test_odd_dist_info_entry_is_one_problem(site: Path, make, why: str) -> None:  # type: ignore[no-untyped-def]
    make(site / "odd-1.0.dist-info")
    before = tree_snapshot(site)
    env = inspect([site])
    assert tree_snapshot(site) == before
    _bystander_intact(env)
    assert env.get("victim") is not None
    assert [d.name for d in env.distributions] == ["bystander", "victim"]
    problems = _entry_problems(env)
    assert list(problems) == ["odd-1.0.dist-info"]
    assert why in problems["odd-1.0.dist-info"]


def test_looping_egg_info_and_undecodable_name(site: Path) -> None:
    (site / "loop.egg-info").symlink_to("loop.egg-info")
    os.mkdir(os.fsencode(site) + b"/bad\xff-1.0.dist-info")
    env = inspect([site])
    _bystander_intact(env)
    problems = _entry_problems(env)
    assert set(problems) == {"loop.egg-info", "bad\\xff-1.0.dist-info"}
    assert "symlink loop" in problems["loop.egg-info"]
    assert "not printable UTF-8" in problems["bad\\xff-1.0.dist-info"]
    json.dumps(env.to_json()).encode("utf-8")  # every message is printable UTF-8


def test_metadata_that_is_a_symlink_loop_is_a_problem_of_its_dist(site: Path) -> None:
    dist_info = next(site.glob("victim-*.dist-info"))
    (dist_info / "METADATA").unlink()
    (dist_info / "METADATA").symlink_to("METADATA")
    (dist_info / "REQUESTED").unlink(missing_ok=True)
    (dist_info / "REQUESTED").symlink_to("REQUESTED")
    env = inspect([site])
    _bystander_intact(env)
    victim = env.get("victim")
    assert victim is not None
    unreadable = [p.message for p in victim.problems if p.code == "file-unreadable"]
    assert unreadable == ["victim-1.0.dist-info: METADATA: Too many levels of symbolic links"]
    assert victim.imports == ["victim"]  # RECORD still read


def _as_nobody(script: str, site: Path) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (with ``SITE`` bound) in a fresh interpreter as uid 65534 when we are root.

    The script runs once as the current user first, so every module it needs is imported before the
    privileges go (the venv itself is not readable by nobody).
    """
    drop = "os.setgid(65534); os.setuid(65534)" if os.getuid() == 0 else "pass"
    code = "\n".join(
        [
            "import contextlib, io, os, sys",
            "from pathlib import Path",
            f"SITE = Path({str(site)!r})",
            "def body():",
            textwrap.indent(textwrap.dedent(script).strip(), "    "),
            "with contextlib.redirect_stdout(io.StringIO()):",
            "    body()",
            drop,
            "body()",
        ]
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "HOME": str(site.parent)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def _lock_victim(site: Path) -> None:
    os.chmod(next(site.glob("victim-*.dist-info")), 0o000)


def test_unreadable_dist_info_dir_is_one_problem_in_inspect(site: Path) -> None:
    _lock_victim(site)
    script = """
        import json
        from indexer.installed import inspect
        print(json.dumps(inspect([SITE]).to_json()))
    """
    result = _as_nobody(script, site)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    by_name = {d["name"]: d for d in data["distributions"]}
    assert set(by_name) == {"victim", "bystander"}
    assert by_name["bystander"]["problems"] == [] and by_name["bystander"]["imports"] == ["bystander"]
    assert [p["code"] for p in by_name["victim"]["problems"]] == ["dist-info-unreadable"]
    assert by_name["victim"]["version"] == "1.0"
    assert "Permission denied" in by_name["victim"]["problems"][0]["message"]


def test_unreadable_dist_info_dir_in_the_cli_inspect_symbols_and_freeze(site: Path) -> None:
    _lock_victim(site)
    (site.parent / "out").mkdir(mode=0o777)
    os.chmod(site.parent / "out", 0o777)  # the tool runs as nobody
    script = """
        from indexer.cli import main
        out = SITE.parent / "out" / str(os.getuid())
        out.mkdir(exist_ok=True)
        freeze = ["freeze", str(SITE), "--offline", "--cache-dir", str(out / "cache"), "--no-progress",
                  "--target", "host", "--format", "pylock", "-o", str(out / "pylock.toml"),
                  "--report", str(out / "report.json")]
        for argv in (["inspect", str(SITE)], ["symbols", str(SITE), "-o", str(out / "symbols.json"), "--no-cache"],
                     freeze):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code
            print("EXIT", argv[0], code)
    """
    result = _as_nobody(script, site)
    assert "Traceback" not in result.stderr, result.stderr
    assert "PermissionError" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stderr
    assert "EXIT inspect 0" in result.stdout
    assert "dist-info-unreadable" in result.stdout
    assert "bystander" in result.stdout
    assert "EXIT symbols 0" in result.stdout
    assert "EXIT freeze 0" in result.stdout, result.stderr
    ran_as = NOBODY if os.getuid() == 0 else os.getuid()
    report = json.loads((site.parent / "out" / str(ran_as) / "report.json").read_text())
    outcome = {d["name"]: (d["locked"], d["reason_code"]) for d in report["distributions"]}
    # The bystander's wheel is a local file (a reason of its own); the unreadable victim is unlockable, not fatal.
    assert outcome == {"bystander": (False, "local-file"), "victim": (False, "no-hash")}
