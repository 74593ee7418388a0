"""The web page in headless Debian Chromium: real Pyodide, real local index, everything on 127.0.0.1.

Playwright drives the system Chromium (never a downloaded browser). Each test opens a fresh page, which boots
its own Pyodide from ``build/pyodide-dist`` served by ``indexer serve`` (``indexer.web_server``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name, parse_wheel_filename

from indexer.index.server import serve_in_thread
from indexer.web_server import DEFAULT_VENDOR_DIR, DEFAULT_WEB_DIR, WebServer, serve_web_in_thread
from micropip_ext._graph import LOCK_STYLES, SOURCE_COLOURS
from tests.support.wheels import build_wheel

BOOT_TIMEOUT_MS = 180_000
ACTION_TIMEOUT_MS = 180_000
ROOT = Path(__file__).resolve().parents[2]
#: screenshots kept after the run (as tests/clients/ does)
ARTIFACTS = ROOT / "build" / "test-artifacts"


def vendored_viz() -> Path:
    """build/vendor/viz (Viz.js, which draws the page's graph); set-up missing: fail naming the step."""
    viz = DEFAULT_VENDOR_DIR / "viz"
    if not (viz / "viz.js").is_file():
        pytest.fail(f"{viz / 'viz.js'} missing: run `scripts/vendor_viz.sh` (step_vendor_viz of `make setup`)")
    return viz

Page = Any  # playwright.sync_api.Page


@pytest.fixture(scope="module")
def browser(chromium_browser: Any) -> Any:
    """conftest's headless Debian Chromium (set-up missing: the test fails naming the step)."""
    return chromium_browser


@pytest.fixture(scope="module")
def locks_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("locks")


@pytest.fixture(scope="module")
def project_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's micropip-ext wheel, so the page runs the code under test, not a stale build."""
    from scripts.make_pyodide_dist import build_project_wheel

    return build_project_wheel(tmp_path_factory.mktemp("project-wheel"))


@pytest.fixture(scope="module")
def local_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("local")


@pytest.fixture(scope="module")
def site(
    pyodide_dist_dir: Path, sample_index_dir: Path, locks_dir: Path, project_wheel: Path, local_dir: Path
) -> Iterator[WebServer]:
    """`indexer serve` with the sample index, plus /locks/ (downloaded lockfiles), /project/ (our wheel) and
    /local/ (files a test makes that are on no index)."""
    extra = {"locks": locks_dir, "project": project_wheel.parent, "local": local_dir}
    with serve_web_in_thread(pyodide_dist_dir, sample_index_dir, extra=extra) as server:
        yield server


#: Test-side observer of the page's status line (the page itself has no hook for tests): counts every time an
#: action or the boot settles (``data-state`` set to ready or failed), so a test waits for "this action is over".
STATUS_WATCH = """
globalThis.statusSettled = 0;
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver((records) => {
    for (const r of records) {
      if (["ready", "failed"].includes(r.target.dataset.state)) globalThis.statusSettled += 1;
    }
  }).observe(document.getElementById("status"), { attributes: true, attributeFilter: ["data-state"] });
});
"""


class AppPage:
    """One browser page of the app, with what it logged and requested."""

    def __init__(self, page: Page, origin: str) -> None:
        page.add_init_script(STATUS_WATCH)
        self.page = page
        self.origin = origin
        self.requests: list[str] = []
        self.page_errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))

    def wait_booted(self) -> None:
        self.page.wait_for_function(
            "['ready', 'failed'].includes(document.getElementById('status').dataset.state)", timeout=BOOT_TIMEOUT_MS
        )

    def settled(self) -> int:
        return int(self.page.evaluate("globalThis.statusSettled"))

    def run_action(self, start: Callable[[], None]) -> None:
        """Start one user action (click, Enter) and wait until the status line says it is over (see STATUS_WATCH).

        Counting settled states, not reading the state once: a fast action is over before a test could see it busy.
        """
        before = self.settled()
        start()
        self.page.wait_for_function(f"globalThis.statusSettled > {before}", timeout=ACTION_TIMEOUT_MS)

    def status(self) -> str:
        return str(self.page.inner_text("#status"))

    def errors(self) -> list[str]:
        return [str(t) for t in self.page.locator("#errors .error").all_text_contents()]

    def install(self, text: str) -> None:
        self.page.fill("#install-input", text)
        self.run_action(lambda: self.page.press("#install-input", "Enter"))  # the keyboard submits the form

    def environment(self) -> dict[str, list[str]]:
        """The environment table as shown: canonical name -> its cells (version, installer, source, ...)."""
        return {
            canonicalize_name(str(row.get_attribute("data-name"))): row.locator("td").all_inner_texts()
            for row in self.page.locator("#env-table tbody tr").all()
        }


#: Served in place of pyodide.mjs when a test needs what a user's Pyodide console gives (the page has none): the
#: real module, with the instance it boots kept where the test can reach it. Production code has no such hook.
CONSOLE_SHIM = """
import { loadPyodide as load } from "./pyodide.mjs?unshimmed";
export async function loadPyodide(options) {
  const pyodide = await load(options);
  globalThis.pyodideConsole = pyodide;
  return pyodide;
}
"""


@pytest.fixture
def open_app(browser: Any, site: WebServer, project_wheel: Path) -> Iterator[Callable[..., AppPage]]:
    contexts: list[Any] = []

    def open_(
        query: str = "", *, origin: str | None = None, boot: bool = True, wheel: bool = True, console: bool = False
    ) -> AppPage:
        """Open the page at ``origin`` (default: the site) with ``?wheel=`` this checkout's wheel + ``query``;
        ``console=True`` keeps the booted Pyodide at ``globalThis.pyodideConsole`` (see CONSOLE_SHIM)."""
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1000})
        contexts.append(context)
        if console:
            context.route(
                f"{site.url}pyodide/pyodide.mjs",
                lambda route: route.fulfill(body=CONSOLE_SHIM, content_type="text/javascript"),
            )
        app = AppPage(context.new_page(), origin or site.url)
        wheel_param = f"wheel={site.url}project/{project_wheel.name}" if wheel else ""
        app.page.goto(app.origin + "?" + "&".join(filter(None, [wheel_param, query])))
        if boot:
            app.wait_booted()
        return app

    yield open_
    for context in contexts:
        context.close()


def wheel_version(wheels_dir: Path, project: str) -> tuple[str, str]:
    """(file name, version) of the sample wheel of ``project``: expectations come from the files, not constants."""
    for wheel in wheels_dir.glob("*.whl"):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        if name == project:
            return wheel.name, str(version)
    raise AssertionError(f"no sample wheel for {project}")


def installed_versions(app: AppPage) -> dict[str, str]:
    """What the page's environment table says is installed: canonical name -> version."""
    return {name: cells[0] for name, cells in app.environment().items()}


def test_page_boots_from_the_served_copy_and_stays_on_loopback(
    open_app: Callable[..., AppPage], site: WebServer, project_wheel: Path
) -> None:
    app = open_app()
    assert app.status() == "Ready.", app.errors()
    assert app.errors() == []
    assert app.page.inner_text("#pyodide-base") == site.url + "pyodide/"
    _, version, _, _ = parse_wheel_filename(project_wheel.name)
    assert app.page.inner_text("#ext-version").startswith(f"{version} (micropip ")
    # The served config pointed micropip at the local index.
    assert app.page.input_value("#index-urls") == site.url + "index/simple"
    # Every request is seen, the worker's too (Pyodide runs there), and none leaves the site.
    assert {site.url + "pyodide/pyodide.asm.wasm", site.url + "worker.mjs"} <= set(app.requests)
    outside = [u for u in app.requests if not u.startswith((site.url, "blob:", "data:"))]
    assert outside == []
    assert app.page_errors == []


def test_install_by_name_and_by_url_through_the_form(
    open_app: Callable[..., AppPage], site: WebServer, sample_wheels_dir: Path, tmp_path: Path
) -> None:
    six_file, six_version = wheel_version(sample_wheels_dir, "six")
    mi_file, mi_version = wheel_version(sample_wheels_dir, "more-itertools")
    app = open_app()
    site.clear_log()
    app.install(f"six, {site.url}index/files/{mi_file}")
    assert app.errors() == [], app.errors()
    assert app.page.get_attribute("#status", "data-state") == "ready"
    six_item = app.page.inner_text("#install-result li[data-name=six]")
    assert six_item.startswith(f"six {six_version}")
    mi_item = app.page.inner_text("#install-result li[data-name=more-itertools]")
    assert mi_item.startswith(f"more-itertools {mi_version}")
    assert installed_versions(app)["six"] == six_version
    # Both wheels really came from the local index, the name through its project page.
    fetched = {r.path for r in site.log if r.status == 200}
    assert {"/index/simple/six/", f"/index/files/{six_file}", f"/index/files/{mi_file}"} <= fetched
    # micropip_ext.install recorded where six came from: the configured local index.
    assert f"provenance recorded: index {site.url}index/simple" in six_item
    app.page.screenshot(path=str(tmp_path / "installed.png"), full_page=True)


def test_errors_are_readable_in_the_page(open_app: Callable[..., AppPage]) -> None:
    app = open_app()
    app.install("no-such-distribution-here")
    errors = app.errors()
    assert len(errors) == 1
    assert "no-such-distribution-here" in errors[0] and "Traceback" not in errors[0].split("Details")[0]
    assert app.page.get_attribute("#status", "data-state") == "failed"
    assert "no-such-distribution-here" in app.status()
    # The full traceback is there for whoever wants it, behind a disclosure.
    assert app.page.locator("#errors details pre").count() == 1
    # And the page is usable again, from the keyboard: Dismiss, then the next install works.
    app.page.focus("#errors .error button")
    app.page.keyboard.press("Enter")
    assert app.errors() == []
    assert app.page.is_enabled("#install-button")


def test_labels_and_keyboard_order(open_app: Callable[..., AppPage]) -> None:
    app = open_app()
    unlabelled = app.page.evaluate(
        "[...document.querySelectorAll('input, textarea, select, progress')]"
        ".filter(e => e.labels.length === 0).map(e => e.id || e.outerHTML)"
    )
    assert unlabelled == []
    assert app.page.get_attribute("#status", "aria-live") == "polite"
    assert app.page.get_attribute("#errors", "role") == "alert"
    order: list[str] = []
    for _ in range(50):
        app.page.keyboard.press("Tab")
        focused = app.page.evaluate("document.activeElement.id")
        if focused:
            order.append(focused)
    wanted = ["index-urls", "apply-settings", "install-input", "install-button", "env-refresh", "freeze-button",
              "graph-button", "symbols-input", "symbols-button", "providers-input", "providers-button"]
    positions = [order.index(w) for w in wanted]  # ValueError (a failure) if one is not reachable by Tab
    assert positions == sorted(positions), order


def test_any_static_host_with_config_json(
    open_app: Callable[..., AppPage], site: WebServer, project_wheel: Path, pyodide_dist_dir: Path, tmp_path: Path
) -> None:
    """The page as plain files on one host, Pyodide on another (CORS), wired only by config.json."""
    web_copy = tmp_path / "site"
    shutil.copytree(DEFAULT_WEB_DIR, web_copy, ignore=shutil.ignore_patterns("__pycache__"))
    wheel_url = f"{site.url}project/{project_wheel.name}"
    with serve_in_thread(pyodide_dist_dir) as dist_host, serve_in_thread(web_copy) as static_host:
        # config.json is the deployer's own file: the URLs it gives are used, whatever their origin.
        config = {"pyodideBaseURL": dist_host.url, "projectWheelURL": wheel_url}
        (web_copy / "config.json").write_text(json.dumps(config))
        app = open_app(origin=static_host.url, wheel=False)
        assert app.status() == "Ready.", app.errors()
        assert app.page.inner_text("#pyodide-base") == dist_host.url
        assert any(r.path == "/pyodide.asm.wasm" for r in dist_host.log)
        # The graph library is copied next to the page, as web/README.md says: the graph draws from there.
        shutil.copytree(vendored_viz(), web_copy / "vendor" / "viz")
        app.run_action(lambda: app.page.click("#graph-button"))
        assert app.errors() == [], app.errors()
        assert sorted(graph_nodes(app)) == sorted(installed_versions(app))
        assert any(r.path == "/vendor/viz/viz.js" for r in static_host.log)
        # A broken config.json is a readable error in the page, not a blank page.
        (web_copy / "config.json").write_text("{not json")
        broken = open_app(origin=static_host.url, wheel=False)
        assert broken.page.get_attribute("#status", "data-state") == "failed"
        assert any("config.json is not a valid configuration" in e for e in broken.errors())
        # A link's query string may point at other origins only when config.json lists them.
        (web_copy / "config.json").write_text(json.dumps({"allowedOrigins": [dist_host.url, site.url]}))
        linked = open_app(f"pyodide={dist_host.url}", origin=static_host.url)
        assert linked.status() == "Ready.", linked.errors()
        assert linked.page.inner_text("#pyodide-base") == dist_host.url


@pytest.mark.parametrize(
    ("param", "path"),
    [("pyodide", "pyodide/"), ("wheel", "project/x-1.0-py3-none-any.whl"), ("lock", "locks/pyodide-lock.json"),
     ("lockFileURL", "locks/pyodide-lock.json"), ("packageBaseURL", "pyodide/"), ("index", "index/simple/")],
)
def test_query_urls_on_other_origins_are_refused(
    open_app: Callable[..., AppPage], site: WebServer, pyodide_dist_dir: Path, param: str, path: str
) -> None:
    """A link to the page cannot make it load code from elsewhere: another origin in the query is refused, with a
    message that says which parameter and how to allow it, and nothing is fetched from there."""
    with serve_in_thread(pyodide_dist_dir) as other:
        elsewhere = other.url.replace("127.0.0.1", "localhost")  # another origin, even on this machine
        app = open_app(f"{param}={elsewhere}{path}", wheel=False)
        assert app.page.get_attribute("#status", "data-state") == "failed"
        (error,) = app.errors()
        assert f"?{param}={elsewhere}{path} refused: {elsewhere.rstrip('/')} is not this page's origin" in error
        assert 'list it in config.json "allowedOrigins"' in error
        assert other.log == []
        assert [u for u in app.requests if not u.startswith(site.url)] == []
        assert app.page.is_disabled("#install-button")
    for scheme_url in ("javascript:alert(1)", "data:text/javascript,export%20{}"):
        app = open_app(f"{param}={scheme_url}", wheel=False)
        assert app.page.get_attribute("#status", "data-state") == "failed"
        assert any("the page loads only http(s) URLs" in e for e in app.errors()), app.errors()


def top_level_imports(wheel: Path) -> set[str]:
    """Import names a plain (non-namespace) wheel provides, read from its file list."""
    names = set()
    for member in zipfile.ZipFile(wheel).namelist():
        top, _, rest = member.partition("/")
        if top.endswith((".dist-info", ".data")):
            continue
        if rest == "__init__.py":
            names.add(top)
        elif not rest and top.endswith(".py"):
            names.add(top.removesuffix(".py"))
    return names


def download(app: AppPage, link: str, target: Path) -> Path:
    with app.page.expect_download() as info:
        app.page.click(link)
    info.value.save_as(target)
    return target


def test_install_freeze_download_then_a_fresh_page_boots_from_the_lock(
    open_app: Callable[..., AppPage], site: WebServer, sample_wheels_dir: Path, locks_dir: Path, tmp_path: Path
) -> None:
    app = open_app()
    app.install("jaraco.functools six attrs")
    assert app.errors() == []
    before = installed_versions(app)
    assert {"six", "attrs", "jaraco-functools", "more-itertools"} <= set(before)

    site.clear_log()
    app.run_action(lambda: app.page.click("#freeze-button"))
    assert app.errors() == [], app.errors()
    # Progress reached its end, counted in what this build of freeze reports.
    counted = app.page.inner_text("#freeze-count")
    progress = re.fullmatch(
        r"(\d+) / (\d+) distributions · (\d+) requests, \d+ bytes · (\d+) locked, 0 not lockable", counted
    )
    assert progress is not None, counted
    assert int(progress.group(1)) == int(progress.group(2)) == len(before)
    assert int(progress.group(4)) == len(before)
    # One freeze per click: the server saw exactly the requests the (one) report counts, each page once.
    assert len(site.log) == int(progress.group(3)) > 0, [r.path for r in site.log]
    assert len({r.path for r in site.log}) == len(site.log), [r.path for r in site.log]

    # The environment table: one row per installed distribution, each now with its lockability.
    rows = app.page.locator("#env-table tbody tr")
    assert rows.count() == len(before)
    for project in ("six", "attrs", "more-itertools"):
        wheel_name, version = wheel_version(sample_wheels_dir, project)
        row = app.page.locator(f"#env-table tbody tr[data-name='{project}']")
        cells = row.locator("td").all_inner_texts()
        assert cells[0] == version and cells[1] == "micropip"
        assert site.url + "index/simple" in cells[2]
        assert set(cells[3].split(", ")) == top_level_imports(sample_wheels_dir / wheel_name)
        assert cells[4].startswith("yes"), cells
    app.page.screenshot(path=str(tmp_path / "frozen.png"), full_page=True)

    lock_path = download(app, "#download-pyodide_lock", locks_dir / "pyodide-lock.json")
    lock = json.loads(lock_path.read_text())
    six_file, six_version = wheel_version(sample_wheels_dir, "six")
    six_sha256 = hashlib.sha256((sample_wheels_dir / six_file).read_bytes()).hexdigest()
    assert lock["packages"]["six"]["sha256"] == six_sha256
    assert lock["packages"]["six"]["file_name"] == f"{site.url}index/files/{six_file}"
    assert lock["packages"]["six"]["imports"] == ["six"]
    pylock = tomllib.loads(download(app, "#download-pylock", tmp_path / "pylock.toml").read_text())
    six_entry = next(p for p in pylock["packages"] if p["name"] == "six")
    assert six_entry["version"] == six_version
    assert [w["hashes"]["sha256"] for w in six_entry["wheels"]] == [six_sha256]
    report = json.loads(download(app, "#download-report", tmp_path / "report.json").read_text())
    assert {d["name"]: d["locked"] for d in report["distributions"]}.get("six") is True
    # What the page shows is what was downloaded.
    assert json.loads(app.page.inner_text("#freeze-output")) == lock

    # A fresh page (no micropip-ext wheel given: it comes from the lock too) boots from the downloaded lock...
    site.clear_log()
    fresh = open_app("lockFileURL=locks/pyodide-lock.json", wheel=False)
    assert fresh.status() == "Ready.", fresh.errors()
    assert fresh.page.inner_text("#lockfile-url") == site.url + "locks/pyodide-lock.json"
    # ...and installing every package that was installed, by name, brings back the same versions from the
    # same files: the lock names them.
    names = sorted(n for n in lock["packages"] if canonicalize_name(n) in before)
    assert len(names) == len(before), (names, sorted(before))
    fresh.install(" ".join(names))
    assert fresh.errors() == [], fresh.errors()
    assert installed_versions(fresh) == before
    assert f"/index/files/{six_file}" in {r.path for r in site.log if r.status == 200}
    assert [u for u in fresh.requests if not u.startswith((site.url, "blob:", "data:"))] == []
    fresh.page.screenshot(path=str(tmp_path / "fresh.png"), full_page=True)


def defining_object(wheels: list[Path], dotted: str) -> str:
    """Oracle: import ``dotted`` from the wheels themselves (zip import, CPython subprocess); its module.qualname."""
    module, _, attr = dotted.rpartition(".")
    code = (
        "import sys, importlib; sys.path[:0] = sys.argv[1:]; "
        f"o = getattr(importlib.import_module({module!r}), {attr!r}); print(o.__module__ + '.' + o.__qualname__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, wheels)], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("install", "query", "public"),
    [("more-itertools", "chunked", "more_itertools.chunked"), ("attrs", "define", "attrs.define")],
)
def test_symbol_search_says_where_a_name_is_defined(
    open_app: Callable[..., AppPage], sample_wheels_dir: Path, install: str, query: str, public: str, tmp_path: Path
) -> None:
    wheel_name, version = wheel_version(sample_wheels_dir, install)
    defined = defining_object([sample_wheels_dir / wheel_name], public)
    app = open_app()
    app.page.fill("#symbols-input", public)
    app.run_action(lambda: app.page.press("#symbols-input", "Enter"))
    assert "No symbol or module matches" in app.page.inner_text("#symbols-caption")  # not installed yet
    app.install(install)  # ...and the next search sees the new distribution
    app.page.fill("#symbols-input", query)
    app.run_action(lambda: app.page.press("#symbols-input", "Enter"))
    assert app.errors() == [], app.errors()
    rows = [r.locator("th, td").all_inner_texts() for r in app.page.locator("#symbols-table tbody tr").all()]
    matching = [r for r in rows if r[2].split(" (")[0] == defined]
    assert matching, rows
    symbol, kind, where, distribution, public_paths = matching[0]
    assert distribution == f"{install} {version}"
    assert public in public_paths.split(", ") and symbol in public_paths.split(", ")
    assert kind in ("function", "class")
    assert where.endswith(".py)")  # the defining module's file
    assert "matches for" in app.page.inner_text("#symbols-caption")
    app.page.screenshot(path=str(tmp_path / "symbols.png"), full_page=True)

    app.page.fill("#symbols-input", "no_such_symbol_anywhere")
    app.run_action(lambda: app.page.click("#symbols-button"))
    assert app.page.locator("#symbols-table tbody tr").count() == 0
    assert "No symbol or module matches" in app.page.inner_text("#symbols-caption")


def test_the_index_setting_is_what_install_asks(
    open_app: Callable[..., AppPage], site: WebServer, sample_wheels_dir: Path
) -> None:
    """hpack is only on the local index (not in Pyodide's lock): it installs only when that index is configured."""
    app = open_app()
    app.page.fill("#index-urls", f"{site.url}elsewhere/simple/")
    app.run_action(lambda: app.page.click("#apply-settings"))
    assert app.page.input_value("#index-urls") == f"{site.url}elsewhere/simple"
    site.clear_log()
    app.install("hpack")
    assert any("hpack" in e for e in app.errors()), app.errors()
    assert "/elsewhere/simple/hpack/" in {r.path for r in site.log}

    app.page.fill("#index-urls", f"{site.url}index/simple/")
    app.run_action(lambda: app.page.click("#apply-settings"))
    app.install("hpack")
    _, version = wheel_version(sample_wheels_dir, "hpack")
    assert app.page.inner_text("#install-result li[data-name=hpack]").startswith(f"hpack {version}")
    assert app.page.get_attribute("#status", "data-state") == "ready"

    # micropip's {package_name} template survives the form (URL parsing would percent-encode its braces).
    template = f"{site.url}index/simple/{{package_name}}/"
    app.page.click("#errors .error button")  # the failed install above, read
    app.page.fill("#index-urls", template)
    app.run_action(lambda: app.page.click("#apply-settings"))
    assert app.page.input_value("#index-urls") == template
    site.clear_log()
    app.install("hyperframe")
    assert app.errors() == [], app.errors()
    assert "/index/simple/hyperframe/" in {r.path for r in site.log if r.status == 200}
    _, version = wheel_version(sample_wheels_dir, "hyperframe")
    assert app.page.inner_text("#install-result li[data-name=hyperframe]").startswith(f"hyperframe {version}")


def test_an_unlockable_distribution_is_shown_with_its_reason_and_the_rest_still_locks(
    open_app: Callable[..., AppPage], site: WebServer, local_dir: Path, tmp_path: Path
) -> None:
    """A wheel unpacked by hand in a Pyodide console (unpackArchive: no installer record, on no index) cannot
    be locked."""
    wheel = build_wheel(local_dir, "handmade-thing", "1.0", {"handmade_thing/__init__.py": "VALUE = 1\n"})
    app = open_app(console=True)
    app.install("six")
    (worker,) = app.page.workers  # Pyodide runs in the page's worker: the console is there
    worker.evaluate(
        """async (url) => {
            const py = globalThis.pyodideConsole;
            const data = new Uint8Array(await (await fetch(url)).arrayBuffer());
            const site = py.runPython("import sysconfig; sysconfig.get_path('purelib')");
            py.unpackArchive(data, "wheel", { extractDir: site });
        }""",
        f"{site.url}local/{wheel.name}",
    )
    app.run_action(lambda: app.page.click("#freeze-button"))
    assert app.errors() == [], app.errors()
    lockable = app.page.inner_text("#env-table tbody tr[data-name='handmade-thing'] td:last-child")
    assert lockable.startswith("no: ") and len(lockable) > len("no: ")
    assert app.page.inner_text("#env-table tbody tr[data-name='six'] td:last-child").startswith("yes")
    lock = json.loads(app.page.inner_text("#freeze-output"))
    assert "six" in lock["packages"] and "handmade-thing" not in lock["packages"]
    app.page.check("input[name=output][value=report]")
    report = json.loads(app.page.inner_text("#freeze-output"))
    entry = next(d for d in report["distributions"] if d["name"] == "handmade-thing")
    assert entry["locked"] is False and entry["reason"] in lockable
    assert report["summary"]["unlockable"] >= 1
    app.page.screenshot(path=str(tmp_path / "unlockable.png"), full_page=True)


def test_a_wrong_pyodide_url_is_a_readable_error(open_app: Callable[..., AppPage], site: WebServer) -> None:
    app = open_app("pyodide=nowhere/")
    assert app.page.get_attribute("#status", "data-state") == "failed"
    (error,) = app.errors()
    assert f"cannot load pyodide.mjs from {site.url}nowhere/" in error
    assert app.page.is_disabled("#install-button")  # nothing pretends to work


def requires_dist(wheel: Path) -> list[str]:
    """The wheel's own Requires-Dist (the oracle for an edge of the graph)."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return BytesParser().parsebytes(zf.read(name)).get_all("Requires-Dist") or []


def graph_nodes(app: AppPage) -> dict[str, dict[str, str | None]]:
    """Each drawn node (Viz.js's SVG): canonical name -> its accessible name, tabindex, fill and border colour."""
    found: list[dict[str, str | None]] = app.page.eval_on_selector_all(
        "#graph svg g.node",
        """nodes => nodes.map(n => {
            const shape = n.querySelector("path, polygon");
            return { title: n.querySelector("title").textContent, label: n.getAttribute("aria-label"),
                     tabindex: n.getAttribute("tabindex"), fill: shape.getAttribute("fill"),
                     stroke: shape.getAttribute("stroke") };
        })""",
    )
    return {str(n["title"]): n for n in found}


def test_the_dependency_graph_is_drawn_by_viz_with_a_legend_and_a_text_alternative(
    open_app: Callable[..., AppPage], site: WebServer, sample_wheels_dir: Path
) -> None:
    vendored_viz()
    functools_file, _ = wheel_version(sample_wheels_dir, "jaraco-functools")
    assert any(canonicalize_name(re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0]) == "more-itertools"
               for r in requires_dist(sample_wheels_dir / functools_file))
    app = open_app()
    app.install("jaraco.functools six")
    app.run_action(lambda: app.page.click("#graph-button"))
    assert app.errors() == [], app.errors()
    installed = installed_versions(app)
    assert {"jaraco-functools", "more-itertools", "six"} <= set(installed)
    # One node per installed distribution, and the dependency the wheel declares is an edge.
    nodes = graph_nodes(app)
    assert sorted(nodes) == sorted(installed)
    edges = app.page.eval_on_selector_all("#graph svg g.edge title", "ts => ts.map(t => t.textContent)")
    assert "jaraco-functools->more-itertools" in edges
    assert app.page.locator("#graph svg g.edge").count() == len(edges)
    # Viz.js came from the site (vendored), like everything else.
    assert site.url + "vendor/viz/viz.js" in app.requests
    assert [u for u in app.requests if not u.startswith((site.url, "blob:", "data:"))] == []
    # Colours: fill by source kind (six came from the index), border by lockability (no freeze yet).
    assert nodes["six"]["fill"] == SOURCE_COLOURS["index"]
    assert nodes["six"]["stroke"] == LOCK_STYLES[None][0]
    legend = app.page.locator("#graph-legend li").all_inner_texts()
    assert [t for t in legend if t.startswith("source: ")] == [f"source: {kind}" for kind in SOURCE_COLOURS]
    assert len(legend) == len(SOURCE_COLOURS) + len(LOCK_STYLES)
    # Every node has a name for assistive technology and is reached by the keyboard: the graph is one Tab stop,
    # the arrow keys move from node to node.
    assert sorted(str(n["tabindex"]) for n in nodes.values()) == ["-1"] * (len(nodes) - 1) + ["0"]
    for name, node in nodes.items():
        shown_name, shown_version, *_ = str(node["label"]).split(" ")
        assert (canonicalize_name(shown_name), shown_version) == (name, installed[name] + ";")
        assert "; source: " in str(node["label"])
    assert "requires more-itertools" in str(nodes["jaraco-functools"]["label"])
    app.page.focus("#graph-button")
    focused = "document.activeElement.getAttribute('data-name')"
    for _ in range(5):
        app.page.keyboard.press("Tab")
        if app.page.evaluate(focused):
            break
    reached = [app.page.evaluate(focused)]
    for _ in range(len(nodes) - 1):
        app.page.keyboard.press("ArrowDown")
        reached.append(app.page.evaluate(focused))
    assert sorted(reached) == sorted(nodes)
    app.page.keyboard.press("Home")
    assert app.page.evaluate(focused) == reached[0]
    app.page.keyboard.press("Tab")  # ...and Tab leaves the graph
    assert app.page.evaluate("document.activeElement.closest('#graph')") is None
    # The same facts as a table, behind a disclosure.
    app.page.click("#graph-text summary")
    rows = {
        str(r.get_attribute("data-name")): r.locator("td").all_inner_texts()
        for r in app.page.locator("#graph-table tbody tr").all()
    }
    assert sorted(rows) == sorted(installed)
    assert "more-itertools" in list(map(canonicalize_name, rows["jaraco-functools"][2].split(", ")))  # Requires
    assert "jaraco-functools" in list(map(canonicalize_name, rows["more-itertools"][3].split(", ")))  # Required by

    # A freeze colours the borders by lockability: the graph is redrawn with the result.
    app.run_action(lambda: app.page.click("#freeze-button"))
    assert app.errors() == [], app.errors()
    nodes = graph_nodes(app)
    assert sorted(nodes) == sorted(installed_versions(app))
    assert nodes["six"]["stroke"] == LOCK_STYLES[True][0] and "; locked" in str(nodes["six"]["label"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "web-dependency-graph.png"
    app.page.locator("#graph-section").screenshot(path=str(shot))
    assert shot.stat().st_size > 1000


@pytest.fixture(scope="module")
def crawled_index(sample_wheels_dir: Path, local_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample wheels crawled and published with their import map, by the commands a user runs
    (``indexer crawl``, then ``indexer build-index --imports``); served by the site at the returned path."""
    crawl_out = tmp_path_factory.mktemp("crawl")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    for command in (
        ["crawl", str(sample_wheels_dir), "-o", str(crawl_out), "--workers", "1"],
        ["build-index", str(sample_wheels_dir), str(local_dir / "crawled"), "--imports", str(crawl_out)],
    ):
        subprocess.run([sys.executable, "-m", "indexer", *command], env=env, cwd=ROOT, check=True, timeout=300)
    assert (local_dir / "crawled" / "imports.json").is_file()
    return "local/crawled/simple/"


def find_providers(app: AppPage, name: str) -> list[list[str]]:
    app.page.fill("#providers-input", name)
    app.run_action(lambda: app.page.press("#providers-input", "Enter"))
    return [r.locator("th, td").all_inner_texts() for r in app.page.locator("#providers-table tbody tr").all()]


def test_provider_search_answers_from_the_import_map_the_index_publishes(
    open_app: Callable[..., AppPage], site: WebServer, crawled_index: str, sample_wheels_dir: Path
) -> None:
    app = open_app()
    # The site's own index publishes no map: one readable line saying where the page looked.
    assert find_providers(app, "bs4") == []
    (error,) = app.errors()
    assert (
        f"no import map to search: none is published at {site.url}index/imports.json "
        "(an index publishes one with `indexer build-index --imports`)"
    ) in error
    assert "Traceback" not in error.split("Details")[0]
    assert app.page.get_attribute("#status", "data-state") == "failed"
    app.page.click("#errors .error button")

    # An index given as a {package_name} template has no root to publish a map beside: the page says so.
    app.page.fill("#index-urls", f"{site.url}{crawled_index}{{package_name}}/")
    app.run_action(lambda: app.page.click("#apply-settings"))
    assert find_providers(app, "bs4") == []
    (error,) = app.errors()
    assert "no import map to search: the configured index URLs are {package_name} templates" in error
    app.page.click("#errors .error button")

    app.page.fill("#index-urls", site.url + crawled_index)
    app.run_action(lambda: app.page.click("#apply-settings"))
    # What each wheel's files say it provides (the oracle), the page finds from the published map.
    for project in ("beautifulsoup4", "python-dateutil", "idna"):
        wheel, version = wheel_version(sample_wheels_dir, project)
        for name in sorted(top_level_imports(sample_wheels_dir / wheel)):
            assert find_providers(app, name) == [[project, version, f"Install {project}"]], name
    _, dateutil_version = wheel_version(sample_wheels_dir, "python-dateutil")
    assert find_providers(app, "dateutil.parser") == [["python-dateutil", dateutil_version, "Install python-dateutil"]]
    assert find_providers(app, "no_such_module_anywhere") == []
    caption = app.page.inner_text("#providers-caption")
    assert caption == "No known distribution provides “import no_such_module_anywhere”."
    assert app.errors() == [], app.errors()

    # The row's Install button installs that project (with its dependencies) from the configured index.
    _, bs4_version = wheel_version(sample_wheels_dir, "beautifulsoup4")
    find_providers(app, "bs4")
    app.run_action(lambda: app.page.click("#providers-table button:text('Install beautifulsoup4')"))
    assert app.errors() == [], app.errors()
    assert installed_versions(app)["beautifulsoup4"] == bs4_version
    item = app.page.inner_text("#install-result li[data-name=beautifulsoup4]")
    assert f"provenance recorded: index {site.url}{crawled_index.rstrip('/')}" in item
    # Now installed, it says so instead of offering an install.
    assert find_providers(app, "bs4") == [["beautifulsoup4", bs4_version, f"installed: {bs4_version}"]]


def test_a_graph_library_that_does_not_load_is_a_readable_error_and_a_retry_draws(
    open_app: Callable[..., AppPage], site: WebServer
) -> None:
    app = open_app()
    site.inject("/vendor/viz/viz.js", 404)  # once: the next request is served
    app.run_action(lambda: app.page.click("#graph-button"))
    (error,) = app.errors()
    assert f"cannot load the graph library Viz.js from {site.url}vendor/viz/viz.js" in error
    assert app.page.get_attribute("#status", "data-state") == "failed"
    assert app.page.locator("#graph svg").count() == 0
    app.page.click("#errors .error button")
    app.run_action(lambda: app.page.click("#graph-button"))
    assert app.errors() == [], app.errors()
    assert sorted(graph_nodes(app)) == sorted(installed_versions(app))


#: METADATA written by hand into site-packages (as a broken or malicious installer could): markup in every field
#: the graph shows. The page must show it as text, never as markup.
HOSTILE_NAME = 'evil<img src=x onerror="globalThis.pwned=1">'
HOSTILE_VERSION = '1.0"><b id=injected>x</b>'


def test_hostile_metadata_is_drawn_as_text_never_as_markup(open_app: Callable[..., AppPage]) -> None:
    app = open_app(console=True)
    (worker,) = app.page.workers  # Pyodide runs in the page's worker: the console is there
    worker.evaluate(
        """([name, version]) => globalThis.pyodideConsole.runPython(`
import pathlib, sysconfig
info = pathlib.Path(sysconfig.get_path("purelib")) / "evil-1.0.dist-info"
info.mkdir()
(info / "METADATA").write_text(${JSON.stringify(
    `Metadata-Version: 2.1\\nName: ${name}\\nVersion: ${version}\\nRequires-Dist: micropip\\n`)})
(info / "RECORD").write_text("evil-1.0.dist-info/METADATA,,\\\\n")
`)""",
        [HOSTILE_NAME, HOSTILE_VERSION],
    )
    app.run_action(lambda: app.page.click("#env-refresh"))
    app.run_action(lambda: app.page.click("#graph-button"))
    assert app.errors() == [], app.errors()
    nodes = graph_nodes(app)
    evil = canonicalize_name(HOSTILE_NAME)
    assert sorted(nodes) == sorted(installed_versions(app)) and evil in nodes
    assert str(nodes[evil]["label"]).startswith(f"{HOSTILE_NAME} {HOSTILE_VERSION}; source: unknown")
    assert "requires micropip" in str(nodes[evil]["label"])
    assert app.page.locator("#graph img, #graph-table img, #injected").count() == 0
    assert app.page.evaluate("globalThis.pwned") is None
    app.page.click("#graph-text summary")
    assert app.page.inner_text(f"#graph-table tbody tr[data-name='{evil}'] th") == f"{HOSTILE_NAME} {HOSTILE_VERSION}"
