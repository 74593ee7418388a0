"""A warm `indexer freeze --offline` whose inputs are unchanged is replayed from its run record.

Real parts: a site installed by uv from the local index, the cache filled by a real online freeze, the CLI in a
fresh interpreter each time (a replay must start light, and the record is the only state carried over).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from indexer.index.server import IndexServer
from tests.freeze.conftest import IndexEnv, copy_site, uv_install

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    lock: str | None
    report: dict[str, Any] | None

    @property
    def replayed(self) -> bool:
        assert self.report is not None, self.stderr
        return self.report["summary"].get("replayed", False) is True


@dataclass
class Warm:
    """A copied site, a cache filled by an online freeze, and the command line of the offline re-freeze."""

    tmp: Path
    site: Path
    cache: Path
    index_url: str
    tool: Path = ROOT  # what PYTHONPATH points at (a copy of the tool for the version test)
    first: Run | None = None  # the first offline run: a full one

    def freeze(self, *extra: str, offline: bool = True, to_stdout: bool = False) -> Run:
        out, report = self.tmp / "out.lock", self.tmp / "report.json"
        for path in (out, report):
            path.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env.update(PIP_CONFIG_FILE=os.devnull, PYTHONPATH=str(self.tool))
        cmd = [sys.executable, "-m", "indexer", "freeze", str(self.site), "--index-url", self.index_url,
               "--cache-dir", str(self.cache), "--no-progress", "--report", str(report)]  # fmt: skip
        cmd += ([] if to_stdout else ["-o", str(out)]) + (["--offline"] if offline else []) + list(extra)
        done = subprocess.run(cmd, cwd=self.tmp, env=env, capture_output=True, text=True, timeout=120)
        assert "Traceback" not in done.stderr, done.stderr
        return Run(
            done.returncode,
            done.stdout,
            done.stderr,
            out.read_text() if out.exists() else None,
            json.loads(report.read_text()) if report.exists() else None,
        )

    def records(self) -> list[Path]:
        folder = self.cache / "replay"
        return sorted(folder.glob("*.json")) if folder.is_dir() else []


def _warm(tmp: Path, name_site: Path, index_url: str) -> Warm:
    warm = Warm(tmp, copy_site(name_site, tmp / "site"), tmp / "cache", index_url)
    assert warm.freeze(offline=False).returncode == 0  # fills the cache
    first = warm.first = warm.freeze()  # the first offline run is a full one, and leaves the run record
    assert first.returncode == 0 and not first.replayed, first.stderr
    assert len(warm.records()) == 1
    return warm


@pytest.fixture
def warm(tmp_path: Path, name_site: Path, server: IndexServer) -> Warm:
    return _warm(tmp_path, name_site, server.index_url)


def _timeless(stderr: str) -> str:
    return re.sub(r"\d+(\.\d+)? s\)$", "T s)", stderr, flags=re.M)


def _without_run_figures(report: dict[str, Any]) -> dict[str, Any]:
    summary = {k: v for k, v in report["summary"].items() if k not in ("elapsed_seconds", "replayed")}
    return {**report, "summary": summary}


@pytest.mark.parametrize("extra", [(), ("--format", "pylock")], ids=["pyodide-lock", "pylock"])
def test_unchanged_run_is_replayed_with_the_full_runs_outputs(warm: Warm, extra: tuple[str, ...]) -> None:
    full = warm.freeze(*extra) if extra else warm.first  # a new option set: one full run, then replays
    again = warm.freeze(*extra)
    assert full is not None and not full.replayed and again.replayed
    assert again.returncode == 0
    assert again.lock == full.lock and full.lock and "alpha" in full.lock
    assert _timeless(again.stderr) == _timeless(full.stderr)
    assert "locked 2 of 2 distributions" in again.stderr
    assert again.report is not None and full.report is not None
    assert _without_run_figures(again.report) == _without_run_figures(full.report)
    assert isinstance(again.report["summary"]["elapsed_seconds"], float)


def test_replay_to_stdout_prints_the_same_lock(warm: Warm) -> None:
    full = warm.freeze(to_stdout=True)
    again = warm.freeze(to_stdout=True)
    assert not full.replayed and again.replayed
    assert again.stdout == full.stdout and '"packages"' in full.stdout


def test_touched_record_falls_through_then_is_recorded_again(warm: Warm) -> None:
    record = warm.site / "alpha-1.0.dist-info" / "RECORD"
    st = record.stat()
    os.utime(record, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    after = warm.freeze()
    assert after.returncode == 0 and not after.replayed
    assert warm.freeze().replayed


def test_rewritten_record_with_the_same_size_falls_through(warm: Warm) -> None:
    record = warm.site / "beta-2.0.dist-info" / "RECORD"
    data = record.read_bytes()
    st = record.stat()
    record.write_bytes(data)  # same bytes, same mtime put back: only ctime tells
    os.utime(record, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert not warm.freeze().replayed


def test_added_distribution_falls_through(warm: Warm, index_env: IndexEnv) -> None:
    uv_install(warm.site, "--index-url", index_env.server.index_url, "delta==1.0")
    after = warm.freeze()
    assert not after.replayed
    assert after.report is not None and after.report["summary"]["distributions"] == 3


def test_removed_distribution_falls_through(warm: Warm) -> None:
    shutil.rmtree(warm.site / "beta-2.0.dist-info")
    shutil.rmtree(warm.site / "beta")
    after = warm.freeze()
    assert after.returncode == 0 and not after.replayed
    assert after.report is not None and after.report["summary"]["distributions"] == 1


def test_changed_option_is_another_record(warm: Warm) -> None:
    assert not warm.freeze("--verify", "metadata").replayed
    assert warm.freeze("--verify", "metadata").replayed
    assert warm.freeze().replayed  # the default options' record is still there
    assert len(warm.records()) == 2


def test_changed_cache_entry_falls_through(warm: Warm) -> None:
    entries = sorted(warm.cache.glob("*/*.entry"))
    assert entries, "the online freeze wrote no cache entry"
    data = entries[0].read_bytes()
    entries[0].write_bytes(data)  # a revalidated entry is rewritten: a new identity
    assert not warm.freeze().replayed


def test_new_tool_version_falls_through(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    tool = tmp_path / "tool"
    shutil.copytree(ROOT / "indexer", tool / "indexer", ignore=shutil.ignore_patterns("__pycache__"))
    warm = _warm(tmp_path, name_site, server.index_url)
    warm.tool = tool
    assert not warm.freeze().replayed  # another copy of the code: other inputs
    assert warm.freeze().replayed
    init = tool / "indexer" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "9.'))
    assert not warm.freeze().replayed


@pytest.mark.parametrize(
    "garbage",
    [b"", b"{not json", b'{"schema": 1}', b"[1, 2]", b'{"schema": 1, "key": 5, "inputs": [[1, 2, 3]]}', b"\xff" * 99],
    ids=["empty", "torn", "no-key", "list", "wrong-shapes", "binary"],
)
def test_corrupt_record_is_ignored(warm: Warm, garbage: bytes) -> None:
    (record,) = warm.records()
    record.write_bytes(garbage)
    after = warm.freeze()  # Warm.freeze asserts no traceback
    assert after.returncode == 0 and not after.replayed
    assert after.lock and "alpha" in after.lock
    assert warm.freeze().replayed  # the full run wrote a good record again


@pytest.mark.parametrize("field", ["requests", "summary"])
def test_record_with_matching_inputs_but_a_broken_report_is_ignored(warm: Warm, field: str) -> None:
    (record,) = warm.records()
    data = json.loads(record.read_text())
    data["transcript"]["report"][field] = {"by_reason": 7} if field == "summary" else None
    record.write_text(json.dumps(data))
    after = warm.freeze()  # Warm.freeze asserts no traceback
    assert after.returncode == 0 and not after.replayed


def test_fifo_in_place_of_the_record_is_not_read(warm: Warm) -> None:
    (record,) = warm.records()
    record.unlink()
    os.mkfifo(record)  # opening it for a blocking read would hang the command
    after = warm.freeze()
    assert after.returncode == 0 and not after.replayed
    assert warm.freeze().replayed  # the full run replaced it with a record


def test_record_with_the_right_key_but_wrong_inputs_is_ignored(warm: Warm) -> None:
    (record,) = warm.records()
    data = json.loads(record.read_text())
    data["inputs"] = [[str(warm.site), ["dir", "0" * 64]]]
    record.write_text(json.dumps(data))
    assert not warm.freeze().replayed


def test_record_is_private_and_holds_no_credential(tmp_path: Path, name_site: Path, server: IndexServer) -> None:
    secret_url = server.index_url.replace("http://", "http://user:s3cr3t-token@")
    warm = _warm(tmp_path, name_site, secret_url)
    assert warm.freeze().replayed
    (record,) = warm.records()
    assert b"s3cr3t-token" not in record.read_bytes()
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert stat.S_IMODE(record.parent.stat().st_mode) == 0o700


def test_online_and_verify_record_runs_are_never_replayed(warm: Warm) -> None:
    for _ in range(2):
        assert not warm.freeze("--verify", "record").replayed
        assert not warm.freeze(offline=False).replayed
    assert len(warm.records()) == 1  # only the default offline run's


def test_failed_run_leaves_no_record(warm: Warm) -> None:
    shutil.rmtree(warm.cache / "replay")
    for entry in warm.cache.glob("*/*.entry"):
        entry.unlink()  # nothing cached: both distributions unlockable offline
    for _ in range(2):
        failed = warm.freeze("--strict")
        assert failed.returncode == 1 and failed.lock is None
    assert warm.records() == []


def test_replay_imports_no_step(warm: Warm) -> None:
    """The replay's cost is interpreter start plus stats: none of the steps' heavy imports may creep back in."""
    assert warm.first is not None
    code = (
        "import sys; from indexer.cli import main; rc = main(sys.argv[1:]); "
        "heavy = sorted(m for m in ('asyncio', 'ssl', 'packaging', 'email', 'aiohttp', 'indexer.resolve',"
        " 'indexer.installed', 'indexer.freeze.core') if m in sys.modules); print(rc, heavy)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-c", code, "freeze", str(warm.site), "--index-url", warm.index_url, "--offline",
           "--cache-dir", str(warm.cache), "--no-progress", "--report", str(warm.tmp / "report.json"),
           "-o", str(warm.tmp / "out.lock")]  # fmt: skip
    for _ in range(2):  # `-c` is another sys.path[0] than `-m`: another key, so one full run first
        done = subprocess.run(cmd, cwd=warm.tmp, env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "0 []", done.stdout + done.stderr
    assert json.loads((warm.tmp / "report.json").read_text())["summary"]["replayed"] is True


def test_changed_pip_configuration_falls_through(warm: Warm, tmp_path: Path) -> None:
    """With no --index-url the indexes come from pip's configuration files: they are inputs too."""
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nindex-url = {warm.index_url}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=str(conf), PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "indexer", "freeze", str(warm.site), "--offline", "--cache-dir", str(warm.cache),
           "--no-progress", "--report", str(tmp_path / "r.json"), "-o", str(tmp_path / "l.json")]  # fmt: skip

    def replayed() -> bool:
        done = subprocess.run(cmd, cwd=warm.tmp, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "asking" in done.stderr, done.stderr
        return json.loads((tmp_path / "r.json").read_text())["summary"].get("replayed", False) is True

    assert [replayed(), replayed()] == [False, True]
    conf.write_text(f"[global]\nindex-url = {warm.index_url}\nextra-index-url = {warm.index_url}x/\n")
    assert not replayed()


def test_old_records_are_pruned(tmp_path: Path) -> None:
    from indexer.freeze import replay

    folder = tmp_path / "replay"
    folder.mkdir()
    for i in range(replay.KEEP + 4):
        path = folder / f"{i:02d}.json"
        path.write_text("{}")
        os.utime(path, ns=(i * 10**9, i * 10**9))
    replay._prune(folder)
    assert sorted(p.name for p in folder.iterdir()) == [f"{i:02d}.json" for i in range(4, replay.KEEP + 4)]


def test_light_copies_match_their_owners(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typing import get_args

    from indexer.cli import build_parser
    from indexer.freeze import interface
    from indexer.freeze.command import _cache_dir
    from indexer.installed.model import TargetName
    from indexer.resolve.client import default_cache_dir
    from indexer.resolve.model import VERIFY_MODES
    from indexer.resolve.transport import DEFAULT_TRANSPORT, TRANSPORTS

    assert get_args(TargetName) == interface.TARGET_CHOICES
    assert interface.VERIFY_CHOICES == VERIFY_MODES
    assert interface.TRANSPORT_CHOICES == TRANSPORTS and interface.DEFAULT_TRANSPORT_CHOICE == DEFAULT_TRANSPORT
    monkeypatch.setenv("MICROPIP_EXT_CACHE", str(tmp_path))
    assert _cache_dir(build_parser("freeze").parse_args(["freeze"])) == default_cache_dir()
