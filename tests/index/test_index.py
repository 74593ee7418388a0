"""The local simple index: what build-index writes and what serve-index answers."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from indexer.index.build import build_index
from indexer.index.server import JSON_V1, negotiate, serve_in_thread
from tests.support.wheels import build_wheel

ACCEPT_MICROPIP = "application/vnd.pypi.simple.v1+json, */*;q=0.01"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("wheels")
    build_wheel(wheels, "Demo.Pkg", "1.0", {"demo_pkg/__init__.py": "X = 1\n"},
                metadata={"Requires-Python": ">=3.8", "Requires-Dist": "six"})
    build_wheel(wheels, "Demo.Pkg", "1.10", {"demo_pkg/__init__.py": "X = 2\n"})
    build_wheel(wheels, "six", "1.17.0", {"six.py": "# six\n"}, tag="py2.py3-none-any")
    out = tmp_path_factory.mktemp("index")
    build_index(wheels, out)
    return out


def test_build_writes_pages_and_metadata_files(index: Path) -> None:
    page = json.loads((index / "simple/demo-pkg/index.json").read_text())
    assert page["meta"]["api-version"] == "1.1"
    assert page["name"] == "demo-pkg"
    assert page["versions"] == ["1.0", "1.10"]  # version order, not string order
    first = page["files"][0]
    wheel = index / "files" / first["filename"]
    assert first["hashes"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert first["size"] == wheel.stat().st_size
    assert first["requires-python"] == ">=3.8"
    assert first["upload-time"].endswith("Z")
    # PEP 658: the metadata file is the wheel's METADATA byte for byte, and its hash is advertised.
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read("demo_pkg-1.0.dist-info/METADATA")
    assert (index / "files" / (first["filename"] + ".metadata")).read_bytes() == metadata
    assert first["core-metadata"] == {"sha256": hashlib.sha256(metadata).hexdigest()}
    html = (index / "simple/demo-pkg/index.html").read_text()
    assert f'data-core-metadata="sha256={hashlib.sha256(metadata).hexdigest()}"' in html
    assert 'data-requires-python="&gt;=3.8"' in html
    assert "#sha256=" in html
    root = json.loads((index / "simple/index.json").read_text())
    assert [p["name"] for p in root["projects"]] == ["demo-pkg", "six"]


def test_base_url_makes_file_urls_absolute(index: Path, tmp_path: Path) -> None:
    wheels = index / "files"
    out = tmp_path / "site"
    build_index(wheels, out, base_url="https://example.invalid/pkgs/")
    page = json.loads((out / "simple/six/index.json").read_text())
    assert page["files"][0]["url"] == "https://example.invalid/pkgs/files/six-1.17.0-py2.py3-none-any.whl"


@pytest.mark.parametrize(
    ("accept", "fmt", "expected"),
    [
        (ACCEPT_MICROPIP, None, "json"),
        ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01", None,
         "json"),
        ("text/html", None, "html"),
        (None, None, "html"),
        ("*/*", None, "html"),
        ("application/vnd.pypi.simple.v1+json;q=0.1, text/html;q=0.9", None, "html"),
        ("application/vnd.pypi.simple.latest+json", None, "html"),
        ("text/html", JSON_V1, "json"),
    ],
)
def test_negotiation(accept: str | None, fmt: str | None, expected: str) -> None:
    assert negotiate(accept, fmt, have_json=True, have_html=True) == expected


def test_server_negotiates_and_resolves_relative_urls(index: Path) -> None:
    with serve_in_thread(index) as server, httpx.Client() as client:
        r = client.get(server.index_url + "demo-pkg/", headers={"Accept": ACCEPT_MICROPIP})
        assert r.headers["content-type"] == JSON_V1
        assert r.headers["access-control-allow-origin"] == "*"
        url = r.json()["files"][0]["url"]
        assert url == server.url + "files/demo_pkg-1.0-py3-none-any.whl"  # absolute: micropip needs it
        assert client.get(url).content == (index / "files/demo_pkg-1.0-py3-none-any.whl").read_bytes()
        r = client.get(server.index_url + "demo-pkg/", headers={"Accept": "text/html"})
        assert r.headers["content-type"] == "application/vnd.pypi.simple.v1+html"
        assert 'href="../../files/demo_pkg-1.0-py3-none-any.whl#sha256=' in r.text
        assert client.get(server.index_url + "demo-pkg").status_code == 301
        assert client.get(server.index_url + "nothing/").status_code == 404
        assert client.get(server.url + "../../etc/passwd").status_code == 404
        assert [rec.path for rec in server.log][:2] == ["/simple/demo-pkg/", "/files/demo_pkg-1.0-py3-none-any.whl"]


def test_server_range_and_mime(index: Path, tmp_path: Path) -> None:
    (tmp_path / "a.mjs").write_text("export {}")
    (tmp_path / "a.wasm").write_bytes(b"\0asm\1\0\0\0")
    with serve_in_thread(index, mounts={"dist": tmp_path}) as server, httpx.Client() as client:
        assert client.get(server.url + "dist/a.mjs").headers["content-type"] == "text/javascript"
        assert client.get(server.url + "dist/a.wasm").headers["content-type"] == "application/wasm"
        whl = (index / "files/six-1.17.0-py2.py3-none-any.whl").read_bytes()
        r = client.get(server.url + "files/six-1.17.0-py2.py3-none-any.whl", headers={"Range": "bytes=-22"})
        assert r.status_code == 206
        assert r.content == whl[-22:]
        assert r.headers["content-range"] == f"bytes {len(whl) - 22}-{len(whl) - 1}/{len(whl)}"
        r = client.get(server.url + "files/six-1.17.0-py2.py3-none-any.whl", headers={"Range": f"bytes={len(whl)}-"})
        assert r.status_code == 416


def test_server_gzips_pages_and_metadata_for_clients_that_accept_it(index: Path) -> None:
    page_url = "simple/demo-pkg/"
    metadata = "files/demo_pkg-1.0-py3-none-any.whl.metadata"
    wheel = "files/demo_pkg-1.0-py3-none-any.whl"
    with serve_in_thread(index) as server, httpx.Client() as client:
        gz = {"Accept": JSON_V1, "Accept-Encoding": "gzip"}
        r = client.get(server.url + page_url, headers=gz)
        assert r.headers["content-encoding"] == "gzip" and r.headers["vary"] == "Accept-Encoding"
        assert r.num_bytes_downloaded < len(r.content)  # the wire carried less than the page
        plain = client.get(server.url + page_url, headers={"Accept": JSON_V1, "Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == r.content
        assert r.headers["etag"] != plain.headers["etag"]  # one validator per representation
        again = client.get(server.url + page_url, headers={**gz, "If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        r = client.get(server.url + metadata, headers=gz)
        assert r.headers["content-encoding"] == "gzip"
        assert r.content == (index / metadata).read_bytes()
        refused = client.get(server.url + metadata, headers={"Accept-Encoding": "gzip;q=0"})
        assert "content-encoding" not in refused.headers
        # Wheels and byte ranges go as they are: a Range counts bytes of the file, not of an encoding.
        for headers in ({"Accept-Encoding": "gzip"}, {"Accept-Encoding": "gzip", "Range": "bytes=-22"}):
            r = client.get(server.url + wheel, headers=headers)
            assert "content-encoding" not in r.headers and r.num_bytes_downloaded == len(r.content)


def test_server_injected_faults(index: Path) -> None:
    with serve_in_thread(index) as server, httpx.Client(timeout=5) as client:
        page = server.index_url + "six/"
        server.inject("/simple/six/", 500, "reset", ("body", b"<html></html>", "text/html"), ("slow", 0.5))
        assert client.get(page).status_code == 500
        with pytest.raises(httpx.TransportError):
            client.get(page)
        assert client.get(page).text == "<html></html>"
        with pytest.raises(httpx.ReadTimeout):
            client.get(page, timeout=httpx.Timeout(5, read=0.2))
        assert client.get(page).status_code == 200  # faults are used up
        assert [r.fault is not None for r in server.requests_for("/simple/six/")] == [True] * 4 + [False]


def test_real_pip_installs_from_served_index(index: Path, tmp_path: Path) -> None:
    with serve_in_thread(index) as server:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--isolated", "--no-cache-dir", "--index-url", server.index_url,
             "--target", str(tmp_path / "t"), "demo.pkg==1.0"],
            capture_output=True, text=True, check=False,
        )
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "t/six.py").exists()  # the dependency came from the same index
        assert server.requests_for("/files/*.metadata")  # pip used PEP 658 metadata
