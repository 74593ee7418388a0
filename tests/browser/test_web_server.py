"""`indexer serve`: one origin for the page, the Pyodide distribution and a simple index, with the right types."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from indexer.cli import main
from indexer.web_server import DEFAULT_VENDOR_DIR, WebServer, serve_web_in_thread
from tests.support.raw_http import get, raw_request


@pytest.fixture
def served(pyodide_dist_dir: Path, sample_index_dir: Path) -> Iterator[WebServer]:
    with serve_web_in_thread(pyodide_dist_dir, sample_index_dir) as server:
        yield server


@pytest.mark.parametrize(
    ("path", "mime"),
    [
        ("", "text/html"),
        ("app.mjs", "text/javascript"),
        ("graph.mjs", "text/javascript"),
        ("style.css", "text/css"),
        ("pyodide/pyodide.mjs", "text/javascript"),
        ("pyodide/pyodide.asm.wasm", "application/wasm"),
        ("pyodide/pyodide-lock.json", "application/json"),
        ("pyodide/python_stdlib.zip", "application/zip"),
    ],
)
def test_serves_page_and_pyodide_with_their_mime_types(served: WebServer, path: str, mime: str) -> None:
    response = httpx.get(served.url + path)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == mime


def test_the_vendored_graph_library_is_served_from_the_same_origin(served: WebServer) -> None:
    viz = DEFAULT_VENDOR_DIR / "viz" / "viz.js"
    if not viz.is_file():
        pytest.fail(f"{viz} missing: run `scripts/vendor_viz.sh` (step_vendor_viz of `make setup`)")
    response = httpx.get(served.url + "vendor/viz/viz.js")  # where web/config.mjs looks by default
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "text/javascript"
    assert response.content == viz.read_bytes()


def test_index_is_mounted_with_pep691_negotiation(served: WebServer, sample_index_dir: Path) -> None:
    json_page = httpx.get(served.url + "index/simple/six/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    assert json_page.headers["content-type"] == "application/vnd.pypi.simple.v1+json"
    files = json_page.json()["files"]
    wheel = next(f for f in files if f["filename"].endswith(".whl"))
    # Relative file URLs come back absolute and point into the same origin's /index/ mount.
    assert wheel["url"].startswith(served.url + "index/")
    body = httpx.get(wheel["url"]).content
    assert body == (sample_index_dir / "files" / wheel["filename"]).read_bytes()
    html_page = httpx.get(served.url + "index/simple/six/", headers={"Accept": "text/html"})
    assert "six-1.17.0" in html_page.text
    assert html_page.headers["content-type"] == "application/vnd.pypi.simple.v1+html"


def test_config_json_points_the_page_at_the_mounts(served: WebServer) -> None:
    config = httpx.get(served.url + "config.json").json()
    assert config["pyodideBaseURL"] == "./pyodide/"
    assert config["indexURLs"] == ["./index/simple/"]
    # What it points at exists, resolved the way the page resolves it (relative to the page).
    assert httpx.get(served.url + "pyodide/pyodide.mjs").status_code == 200
    assert httpx.get(served.url + "index/simple/").status_code == 200


def test_config_without_index_leaves_micropip_default(pyodide_dist_dir: Path) -> None:
    with serve_web_in_thread(pyodide_dist_dir) as server:
        config = httpx.get(server.url + "config.json").json()
        assert "indexURLs" not in config
        assert httpx.get(server.url + "index/simple/").status_code == 404


def test_nothing_outside_the_served_folders(served: WebServer) -> None:
    for path in ("../pyproject.toml", "pyodide/../../pyproject.toml", "%2e%2e/pyproject.toml"):
        response = httpx.get(served.url + path)
        assert response.status_code in (400, 404), path
        assert "[project]" not in response.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dist", "{tmp}"], "not a Pyodide distribution"),
        (["--index", "{tmp}"], "not a built index"),
        (["--web", "{tmp}"], "no index.html"),
    ],
)
def test_bad_folders_are_one_line_errors(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], pyodide_dist_dir: Path
) -> None:
    argv = ["serve", "--port", "1", "--dist", str(pyodide_dist_dir)] + [a.format(tmp=tmp_path) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


def test_the_serve_command_serves_until_stopped(pyodide_dist_dir: Path, sample_index_dir: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["serve", "--port", str(port), "--index", str(sample_index_dir), "--dist", str(pyodide_dist_dir)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                config = httpx.get(url + "config.json").json()
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "indexer serve did not come up"
                time.sleep(0.2)
        assert config["indexURLs"] == ["./index/simple/"]
        assert httpx.get(url).headers["content-type"].startswith("text/html")
        assert httpx.get(url + "index/simple/six/").status_code == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert url in out.splitlines()[0]


def test_config_json_in_the_page_folder_is_merged_or_passed_on(pyodide_dist_dir: Path, tmp_path: Path) -> None:
    web_dir = tmp_path / "web"
    web_dir.mkdir()
    (web_dir / "index.html").write_text("<!doctype html>")
    (web_dir / "config.json").write_text(json.dumps({"lockFileURL": "frozen/pyodide-lock.json", "pyodideBaseURL": "x"}))
    with serve_web_in_thread(pyodide_dist_dir, web_dir=web_dir) as server:
        # The file's own keys stay; what the server mounts wins.
        assert httpx.get(server.url + "config.json").json() == {
            "lockFileURL": "frozen/pyodide-lock.json",
            "pyodideBaseURL": "./pyodide/",
        }
        (web_dir / "config.json").write_text("{broken")
        # Not JSON: passed on as it is, for the page to report (which file, and why).
        response = httpx.get(server.url + "config.json")
        assert response.status_code == 200 and response.text == "{broken"


def test_serve_is_as_strict_as_serve_index(served: WebServer) -> None:
    """The page's server is the same static host: no open redirect, write methods refused, bad paths are 400."""
    status, headers, _ = raw_request(served.url, get(b"//evil.example/%2e%2e/pyodide"))
    assert (status, headers["location"]) == (301, "/pyodide/")
    for method in (b"PUT", b"DELETE", b"POST", b"PATCH"):
        status, headers, _ = raw_request(served.url, get(b"/config.json", method=method))
        assert (status, headers["allow"]) == (405, "GET, HEAD, OPTIONS")
    assert raw_request(served.url, get(b"/pyodide/%00"))[0] == 400
    status, _, body = raw_request(served.url, get(b"/config.json"))
    assert status == 200 and json.loads(body)["pyodideBaseURL"] == "./pyodide/"
