"""The JupyterLite notebook flow in Debian's Chromium: a site built by `jupyter lite build` (offline), a kernel that
installs packages and micropip-ext with micropip, `%load_ext micropip_ext` and `%freeze` writing the lock into the
browser-backed drive, then a second site booted from that lock with exactly those packages."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from indexer.index.build import build_index
from indexer.index.server import IndexServer, serve_in_thread
from tests.venv.conftest import own_wheel  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
KERNEL = "@jupyterlite/pyodide-kernel-extension:kernel"
DEPS = ("packaging-26.3-py3-none-any.whl", "tomli_w-1.2.0-py3-none-any.whl")
PACKAGES = ["six", "attrs"]
ARTIFACTS = ROOT / "build" / "test-artifacts"


def jupyter_lite() -> Path:
    exe = Path(sys.executable).parent / "jupyter"
    if not (exe.parent / "jupyter-lite").is_file():
        pytest.fail(f"no jupyter-lite in {exe.parent}: run `make setup` (requirements/dev.txt)", pytrace=False)
    return exe


def build_site(lite_dir: Path, out: Path, dist: Path, options: dict[str, Any], workdir: Path) -> None:
    shutil.copytree(dist, lite_dir / "static" / "pyodide")
    config = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {"litePluginSettings": {KERNEL: options}}}
    (lite_dir / "jupyter-lite.json").write_text(json.dumps(config))
    home = workdir / "jupyter-home"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "c"), "JUPYTER_DATA_DIR": str(home / "d"),
           "JUPYTER_RUNTIME_DIR": str(home / "r")}  # fmt: skip
    proc = subprocess.run(
        [str(jupyter_lite()), "lite", "build", "--lite-dir", str(lite_dir), "--output-dir", str(out)],
        capture_output=True, text=True, timeout=600, check=False, cwd=workdir, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


@pytest.fixture(scope="module")
def lite_server(
    own_wheel: Path,  # noqa: F811
    sample_wheels_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[IndexServer, dict[str, Path]]]:
    root = tmp_path_factory.mktemp("lite")
    dirs = {name: root / name for name in ("wheels", "index", "lite1", "lite2", "frozen", "www")}
    for path in dirs.values():
        path.mkdir()
    for wheel in [
        *sample_wheels_dir.glob("*.whl"),
        own_wheel,
        *(ROOT / ".cache/wheels/pyodide-dist" / d for d in DEPS),
    ]:
        shutil.copy2(wheel, dirs["wheels"])
    build_index(dirs["wheels"], dirs["index"])
    mounts = {k: dirs[k] for k in ("index", "lite1", "lite2", "frozen")}
    with serve_in_thread(dirs["www"], mounts=mounts) as server:
        yield server, dirs


#: A file of JupyterLite's browser-backed drive, read from its IndexedDB store (what the file browser shows).
DRIVE_FILE = """async (path) => {
  const dbs = (await indexedDB.databases()).filter(d => d.name.includes("JupyterLite Storage"));
  for (const { name } of dbs) {
    const db = await new Promise((ok, err) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result);
                                                r.onerror = () => err(r.error); });
    for (const store of db.objectStoreNames) {
      const value = await new Promise(ok => { const r = db.transaction(store).objectStore(store).get(path);
                                             r.onsuccess = () => ok(r.result); r.onerror = () => ok(undefined); });
      if (value && value.content !== undefined) return { format: value.format, content: value.content };
    }
  }
  return null;
}"""


def run_repl(browser: Any, url: str, code: str, marker: str, shot: str, read_drive: bool = False) -> tuple[str, Any]:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{url}repl/index.html?kernel=python&toolbar=1&code={quote(code)}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text))
        try:
            page.wait_for_function(f"document.body.innerText.includes({marker + '{'!r})", timeout=180_000)
        finally:
            page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
            (ARTIFACTS / (shot + ".console.txt")).write_text("\n".join(console))
        line = next(t for t in page.inner_text("body").splitlines() if t.startswith(marker))
        drive = page.evaluate(DRIVE_FILE, "frozen-lock.json") if read_drive else None
        if drive is not None:  # a file the kernel wrote in binary is kept base64-encoded
            content = drive["content"]
            drive = base64.b64decode(content).decode() if drive["format"] == "base64" else content
        if read_drive:  # the file browser of the same site (same browser storage) lists it
            page.goto(f"{url}tree/index.html")
            page.wait_for_function("document.body.innerText.includes('frozen-lock.json')", timeout=120_000)
            page.screenshot(path=str(ARTIFACTS / "jupyterlite-files.png"), full_page=True)
        return line.removeprefix(marker), drive
    finally:
        context.close()


def test_notebook_freezes_into_the_drive_and_a_second_site_boots_from_that_lock(
    lite_server: tuple[IndexServer, dict[str, Path]],
    chromium_browser: Any,
    pyodide_dist_dir: Path,
    tmp_path: Path,
) -> None:
    server, dirs = lite_server
    index = f"{server.url}index/simple/"
    build_site(tmp_path / "site1", dirs["lite1"], pyodide_dist_dir, {}, tmp_path)
    code = "\n".join([
        "import json, os, micropip",
        f"await micropip.install(['micropip-ext', *{PACKAGES!r}], index_urls=[{index!r}])",
        "%load_ext micropip_ext",
        f"%freeze -o frozen-lock.json --index-url {index}",
        "import micropip_ext._magic as m",
        "_ = (await m.pending) if m.pending is not None else None",
        "print('DONE=' + json.dumps({'cwd': os.getcwd(), 'files': sorted(os.listdir('.'))}))",
    ])  # fmt: skip
    line, drive = run_repl(chromium_browser, f"{server.url}lite1/", code, "DONE=", "jupyterlite-freeze.png", True)
    done = json.loads(line)
    assert "frozen-lock.json" in done["files"], done
    assert drive is not None, "frozen-lock.json is not in the browser-backed drive"
    lock = json.loads(drive)
    for name in PACKAGES:
        assert lock["packages"][name]["file_name"].startswith(f"{server.url}index/"), lock["packages"][name]

    # The kernel's own wheels came from piplite URLs (x.whl?sha256=...): locked loadable, without the query.
    assert lock["packages"]["pyodide-kernel"]["file_name"].endswith("-py3-none-any.whl")
    (dirs["frozen"] / "pyodide-lock.json").write_text(drive)
    options = {"loadPyodideOptions": {"lockFileURL": f"{server.url}frozen/pyodide-lock.json", "packages": PACKAGES}}
    build_site(tmp_path / "site2", dirs["lite2"], pyodide_dist_dir, options, tmp_path)
    check = (
        "import json, importlib.metadata as m; print('BOOTED=' + json.dumps({n: [m.version(n), "
        f"m.distribution(n).read_text('INSTALLER').strip()] for n in {PACKAGES!r}}}))"
    )
    line, _ = run_repl(chromium_browser, f"{server.url}lite2/", check, "BOOTED=", "jupyterlite-booted.png")
    booted = json.loads(line)
    assert {n: v for n, (v, _) in booted.items()} == {n: lock["packages"][n]["version"] for n in PACKAGES}
    assert {installer for _, installer in booted.values()} == {"pyodide.loadPackage"}
