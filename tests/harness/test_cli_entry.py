"""`python -m indexer`: help without optional extras, only the chosen command imported, one-line usage errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs the CLI with aiohttp (the `server` extra) made unimportable, as on a machine without the extra.
WITHOUT_SERVER_EXTRA = """
import sys
sys.modules["aiohttp"] = None  # `import aiohttp` now raises ImportError, as when it is not installed
from indexer.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:  # --help exits from inside argparse
    code = exc.code
shared = ("indexer.cli", "indexer.args", "indexer.console")  # the CLI's own modules, not a command's
loaded = sorted(m for m in sys.modules if m.startswith("indexer.") and m.count(".") == 1 and m not in shared)
print("loaded:", ",".join(loaded))
sys.exit(code)
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_SERVER_EXTRA, *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_help_lists_every_command_without_importing_them() -> None:
    result = run("--help")
    assert result.returncode == 0, result.stderr
    for name in ("build-index", "serve-index", "inspect", "freeze", "symbols", "which", "serve"):
        assert name in result.stdout
    assert result.stdout.rstrip().endswith("loaded:")  # no command module was imported to print help


def test_a_command_needing_the_server_extra_says_how_to_get_it() -> None:
    result = run("serve-index", ".")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "indexer serve-index: error: command 'serve-index' needs aiohttp, which is not installed:"
        " pip install 'micropip-ext[server]'"
    )


def test_other_commands_run_without_the_extra(tmp_path: Path) -> None:
    result = run("inspect", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "0 distribution(s)" in result.stdout
    assert "indexer.index" not in result.stdout.rsplit("loaded:", 1)[1]


def test_a_usage_error_is_one_line() -> None:
    result = run("freeze", "--concurrency", "zero")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "indexer freeze: error: argument --concurrency: not a whole number: 'zero' (see indexer freeze --help)"
    ]


def test_every_command_checks_its_numbers_and_paths_before_work(tmp_path: Path) -> None:
    """The same checks (indexer/args.py) for crawl as for freeze and the servers: one line, exit 2."""
    cases = {
        ("--timeout", "nan"): "argument --timeout: must be a finite number of seconds > 0, not 'nan'",
        ("--workers", "0"): "argument --workers: must be at least 1, not 0",
        ("--retries", "-1"): "argument --retries: must be at least 0, not -1",
        ("--per-host", "x"): "argument --per-host: not a whole number: 'x'",
    }
    for extra, message in cases.items():
        result = run("crawl", str(tmp_path), "-o", str(tmp_path / "out"), *extra)
        assert result.returncode == 2, (extra, result.stderr)
        assert result.stderr.strip() == f"indexer crawl: error: {message} (see indexer crawl --help)"
    assert not (tmp_path / "out").exists()
