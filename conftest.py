"""Session-wide test set-up: where set-up put things, the sample index, Pyodide runtimes, and test tiers.

Tiers (markers registered in pyproject.toml) are assigned here, so a test never has to remember them:

* ``browser``: every test that uses a browser fixture (``chromium_page``, ``chromium_browser``, or a module's own
  ``browser`` fixture): headless Debian Chromium via Playwright;
* ``pyodide``: every test that uses a Pyodide fixture below or pytest-pyodide's (``selenium*``, ``runtime``,
  i.e. ``@run_in_pyodide``);
* everything else is the CPython unit tier. ``make test-unit`` runs ``-m "not pyodide and not browser"``.

Fixtures (all paths are real, made by ``make setup``; a test that needs one FAILS naming the set-up step when it
is missing, so a bare ``pytest`` on a checkout without set-up never passes with little tested):

* ``pyodide_dist_dir``: ``build/pyodide-dist`` (npm runtime + pinned wheels + this project's wheel);
* ``sample_wheels_dir`` / ``sample_wheels``: the pinned sample set (``requirements/samples.txt``);
* ``sample_index_dir``: a static index of the sample set built once per session with ``build_index``;
* ``sample_index``: that index served on 127.0.0.1 (one server per session; the request log, faults and latency
  are reset before each test that uses it);
* ``pyodide``: a booted Pyodide (Node) shared by the tests of one module; ``fresh_pyodide``: a factory that
  boots new runtimes with custom options (``lock_file_contents=...``) and closes them after the test;
* ``chromium_browser`` (module-scoped) / ``chromium_page`` (a new page per test): Playwright driving Debian's
  headless Chromium (no browser download; quiet offline flags; a throwaway profile).

pytest-pyodide (``@run_in_pyodide``) is pointed at ``build/pyodide-dist`` with the Node runtime unless
``--dist-dir`` / ``--runtime`` are given on the command line.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.pyodide_node import PyodideNode
from tests.support.setup_check import setup_missing

ROOT = Path(__file__).resolve().parent
DIST_DIR = ROOT / "build" / "pyodide-dist"
SAMPLE_WHEELS_DIR = ROOT / ".cache" / "wheels" / "samples"

# Debian's /usr/bin/chromium is a shell wrapper; Playwright needs the real binary (never `playwright install`).
CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip

# Fixtures that mean "this test drives a browser" / "this test runs inside real Pyodide".
_BROWSER_FIXTURES = {"chromium_page", "chromium_browser", "browser"}
_PYODIDE_FIXTURES = {"pyodide", "fresh_pyodide", "runtime", "selenium", "selenium_standalone", "selenium_module_scope"}
# A real `pyodide venv` (tests/venv): Pyodide in Node too, so these tests are also in the `pyodide` tier.
_VENV_FIXTURES = {"pyodide_venv_toolchain"}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # pytest-pyodide's default --dist-dir is "pyodide"; ours is the offline dist dir set-up builds.
    if str(getattr(config.option, "dist_dir", "")) == "pyodide":
        config.option.dist_dir = DIST_DIR


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if _BROWSER_FIXTURES & fixtures:
            item.add_marker(pytest.mark.browser)
        elif _VENV_FIXTURES & fixtures:
            item.add_marker(pytest.mark.venv)
            item.add_marker(pytest.mark.pyodide)
        elif _PYODIDE_FIXTURES & fixtures:
            item.add_marker(pytest.mark.pyodide)


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        setup_missing(f"{what} missing at {path}")
    return path


@pytest.fixture(scope="session")
def pyodide_dist_dir() -> Path:
    """The offline Pyodide distribution directory (runtime files, pyodide-lock.json, local wheels)."""
    _require(DIST_DIR / "pyodide-lock.json", "the offline Pyodide distribution")
    return DIST_DIR


@pytest.fixture(scope="session")
def sample_wheels_dir() -> Path:
    """Directory holding the pinned sample wheels (requirements/samples.txt)."""
    _require(SAMPLE_WHEELS_DIR, "the sample wheels")
    if not any(SAMPLE_WHEELS_DIR.glob("*.whl")):
        setup_missing(f"no sample wheels in {SAMPLE_WHEELS_DIR}", "run `make setup` (step: pinned wheels)")
    return SAMPLE_WHEELS_DIR


@pytest.fixture(scope="session")
def sample_wheels(sample_wheels_dir: Path) -> list[Path]:
    return sorted(sample_wheels_dir.glob("*.whl"))


@pytest.fixture(scope="session")
def sample_index_dir(sample_wheels_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A static simple index (PEP 503 HTML, PEP 691 JSON, PEP 658 metadata) of the sample set, built once."""
    from indexer.index.build import build_index

    out = tmp_path_factory.mktemp("sample-index")
    build_index(sample_wheels_dir, out)
    return out


@pytest.fixture(scope="session")
def _sample_index_server(sample_index_dir: Path) -> Iterator[Any]:
    from indexer.index.server import serve_in_thread

    with serve_in_thread(sample_index_dir) as server:
        yield server


@pytest.fixture
def sample_index(_sample_index_server: Any) -> Any:
    """The sample index served on 127.0.0.1 (``.url``, ``.index_url``, ``.log``, ``.inject``, ``.latency``).

    Shared by the session; the log, injected faults and latency are reset for each test.
    """
    _sample_index_server.clear_log()
    _sample_index_server.clear_faults()
    _sample_index_server.latency = 0.0
    return _sample_index_server


@pytest.fixture(scope="module")
def pyodide(pyodide_dist_dir: Path) -> Iterator[PyodideNode]:
    """A Pyodide runtime in Node, booted from the dist dir and shared by the tests of one module.

    Tests that change global state (install packages) should use distinct package sets or ``fresh_pyodide``.
    """
    with PyodideNode.boot(pyodide_dist_dir) as py:
        yield py


@pytest.fixture
def fresh_pyodide(pyodide_dist_dir: Path) -> Iterator[Callable[..., PyodideNode]]:
    """Factory booting new runtimes: ``fresh_pyodide(lock_file_contents=..., packages=[...], options={...})``.

    ``dist_dir`` defaults to the offline dist dir; every runtime is closed after the test.
    """
    handles: list[PyodideNode] = []

    def boot(dist_dir: Path | None = None, **kwargs: Any) -> PyodideNode:
        handle = PyodideNode.boot(dist_dir or pyodide_dist_dir, **kwargs)
        handles.append(handle)
        return handle

    yield boot
    for handle in handles:
        handle.close()


@pytest.fixture(scope="module")
def chromium_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Playwright ``Browser`` on headless Debian Chromium, shared by the tests of one module."""
    if not CHROMIUM.exists() or shutil.which("chromedriver") is None:
        setup_missing(f"Debian chromium not installed ({CHROMIUM})", "run `make setup` (step: apt chromium)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium")
    env: dict[str, str | float | bool] = {
        **os.environ,
        "XDG_CONFIG_HOME": str(profile / "config"),
        "XDG_CACHE_HOME": str(profile / "cache"),
        # For Selenium users in the same process: use the Debian driver, so Selenium Manager never downloads one.
        "SE_CHROMEDRIVER": shutil.which("chromedriver") or "",
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True, env=env)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium_page(chromium_browser: Any) -> Iterator[Any]:
    """A fresh page (own browser context: no shared cache or storage) in ``chromium_browser``."""
    context = chromium_browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()
