"""README "Deploying a frozen lockfile to JupyterLite", run for real: freeze in the page, build a JupyterLite site
offline with the README's jupyter-lite.json, and check its Pyodide kernel starts with exactly the frozen packages.

Everything comes from set-up (``make setup``): ``jupyter lite build`` from the venv (jupyterlite-core and
jupyterlite-pyodide-kernel in requirements/dev.txt) and the kernel's own runtime wheels (ipython, jedi, comm and
their dependencies, requirements/pyodide-dist.txt) in ``build/pyodide-dist``. The build runs in a temporary
directory, so its doit database and caches never land in the working tree.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import setup_missing
from indexer.web_server import WebServer, serve_web_in_thread
from tests.browser.test_web_page import AppPage, browser, installed_versions  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SECTION = "## Deploying a frozen lockfile to JupyterLite"
PLACEHOLDER = "https://YOUR-HOST/"
KERNEL_NEEDS = ("ipython", "jedi", "comm")  # what pyodide-kernel installs at start (piplite, from the lock)


def readme_jupyter_lite_json() -> dict[str, object]:
    """The jupyter-lite.json of the README section, the one a reader copies."""
    text = README.read_text(encoding="utf-8")
    if SECTION not in text:
        pytest.fail(f"README.md has no section {SECTION!r}")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```json\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the section shows exactly one jupyter-lite.json"
    return dict(json.loads(blocks[0]))


def kernel_options(config: dict[str, object]) -> dict[str, object]:
    data = config["jupyter-config-data"]
    assert isinstance(data, dict)
    return dict(data["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]["loadPyodideOptions"])


@pytest.fixture(scope="module")
def jupyter() -> Path:
    """The venv's ``jupyter``, with the ``lite`` subcommand (jupyterlite-core) and the Pyodide kernel addon."""
    exe = Path(sys.executable).parent / "jupyter"
    if not (exe.is_file() and (exe.parent / "jupyter-lite").is_file()):
        setup_missing(f"no jupyter-lite in {exe.parent}", "run `make setup` (installs requirements/dev.txt)")
    try:
        import jupyterlite_pyodide_kernel  # noqa: F401
    except ImportError:
        setup_missing("jupyterlite-pyodide-kernel is not installed", "run `make setup` (installs requirements/dev.txt)")
    return exe


@pytest.fixture(scope="module")
def kernel_dist(pyodide_dist_dir: Path) -> Path:
    """The offline Pyodide distribution, which must hold the wheels the kernel installs from the lock at start."""
    lock = json.loads((pyodide_dist_dir / "pyodide-lock.json").read_text())["packages"]
    missing = [n for n in KERNEL_NEEDS if not (n in lock and (pyodide_dist_dir / lock[n]["file_name"]).is_file())]
    if missing:
        setup_missing(
            f"{pyodide_dist_dir} has no wheels for {', '.join(missing)}",
            "run `make setup` (builds it from requirements/pyodide-dist.txt)",
        )
    return pyodide_dist_dir


@pytest.fixture(scope="module")
def lite_site(
    kernel_dist: Path, sample_index_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[WebServer, Path, Path]]:
    """One origin: the page (with the kernel-capable Pyodide), the index, /frozen/ and the built site at /lite/."""
    frozen = tmp_path_factory.mktemp("frozen")
    output = tmp_path_factory.mktemp("lite-output")
    with serve_web_in_thread(kernel_dist, sample_index_dir, extra={"frozen": frozen, "lite": output}) as server:
        yield server, frozen, output


def test_readme_recipe_deploys_the_frozen_packages_to_a_jupyterlite_kernel(
    browser: object,  # noqa: F811
    lite_site: tuple[WebServer, Path, Path],
    kernel_dist: Path,
    jupyter: Path,
    tmp_path: Path,
) -> None:
    server, frozen, output = lite_site
    recipe = readme_jupyter_lite_json()
    packages = kernel_options(recipe)["packages"]
    assert isinstance(packages, list) and packages

    # 1. In the page: install what the recipe preloads, freeze, download the lock.
    context = browser.new_context(accept_downloads=True)  # type: ignore[attr-defined]
    try:
        app = AppPage(context.new_page(), server.url)
        app.page.goto(server.url)
        app.wait_booted()
        app.install(" ".join(packages))
        app.run_action(lambda: app.page.click("#freeze-button"))
        assert app.errors() == [], app.errors()
        frozen_versions = {name: v for name, v in installed_versions(app).items() if name in packages}
        with app.page.expect_download() as download:
            app.page.click("#download-pyodide_lock")
        download.value.save_as(frozen / "pyodide-lock.json")
    finally:
        context.close()
    assert set(frozen_versions) == set(packages)

    # 2. The README's build, offline: Pyodide in static/pyodide, the recipe's jupyter-lite.json.
    lite_dir = tmp_path / "lite"
    shutil.copytree(kernel_dist, lite_dir / "static" / "pyodide")
    config = json.loads(json.dumps(recipe).replace(PLACEHOLDER, server.url))
    (lite_dir / "jupyter-lite.json").write_text(json.dumps(config))
    # Run in tmp_path: jupyter lite writes its doit database (.jupyterlite.doit.db) to the working directory. The
    # user's own Jupyter config and data folders stay out of it; the venv's labextensions (the kernel) still count.
    home = tmp_path / "jupyter-home"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    build = subprocess.run(
        [str(jupyter), "lite", "build", "--lite-dir", str(lite_dir), "--output-dir", str(output)],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path, env=env,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    built = json.loads((output / "jupyter-lite.json").read_text())
    built_kernel = built["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert built_kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert built_kernel["loadPyodideOptions"]["lockFileURL"] == server.url + "frozen/pyodide-lock.json"

    # 3. A real kernel in the built site: the frozen packages are there at start, loaded by Pyodide from the lock
    #    (INSTALLER "pyodide.loadPackage"), not installed afterwards by piplite.
    code = (
        "import json, importlib.metadata as m; print('FROZEN=' + json.dumps({n: [m.version(n), "
        f"m.distribution(n).read_text('INSTALLER').strip()] for n in {packages!r}}}))"
    )
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        server.clear_log()
        page.goto(f"{server.url}lite/repl/index.html?kernel=python&code={quote(code)}")
        page.wait_for_function("document.body.innerText.includes('FROZEN={')", timeout=240_000)
        page.screenshot(path=str(tmp_path / "jupyterlite.png"), full_page=True)
        line = next(t for t in page.inner_text("body").splitlines() if t.startswith("FROZEN="))
    finally:
        context.close()
    seen = json.loads(line.removeprefix("FROZEN="))
    assert {n: v for n, (v, _) in seen.items()} == frozen_versions
    assert {installer for _, installer in seen.values()} == {"pyodide.loadPackage"}
    assert any(r.path == "/frozen/pyodide-lock.json" for r in server.log)
    assert [u for u in requests if not u.startswith((server.url, "blob:", "data:", "ws://127.0.0.1"))] == []
