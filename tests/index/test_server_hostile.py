"""serve-index (and serve, built on it) against hostile requests: it behaves like a real static host.

Malformed input is sent on raw sockets (an HTTP client would refuse to send it). The memory test runs the real
``indexer serve-index`` command in a subprocess under ``RLIMIT_AS``, so reading a 1 GiB file into memory fails
fast instead of exhausting the machine.
"""

from __future__ import annotations

import logging
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from indexer.index.server import IndexServer, RangeNotSatisfiable, parse_range, path_segments, serve_in_thread
from tests.support.raw_http import get, raw_request

GIB = 1 << 30
#: address space for the server subprocess: a few hundred MB of Python + aiohttp, far below the 1 GiB file
SERVER_MEMORY_LIMIT = 640 * 1024 * 1024


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "simple" / "demo").mkdir(parents=True)
    (root / "simple" / "demo" / "index.html").write_text("<!DOCTYPE html><a href='x'>x</a>")
    (root / "files").mkdir()
    (root / "files" / "demo-1.0-py3-none-any.whl").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "outside.txt").write_text("SECRET")
    return root


@pytest.fixture
def server(site: Path, caplog: pytest.LogCaptureFixture) -> Iterator[IndexServer]:
    caplog.set_level(logging.DEBUG)
    with serve_in_thread(site) as running:
        yield running
    # Whatever the client sent: no traceback and no error line in the server's log.
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "path",
    [b"//evil.example/%2e%2e", b"//evil.example/..", b"/\\evil.example/%2e%2e", b"//evil.example/%2e%2e/simple",
     b"/%2f%2fevil.example/%2e%2e/simple", b"/simple/%2e%2e//evil.example/%2e%2e/simple", b"/./simple/./demo"],
)
def test_redirects_never_leave_the_server(server: IndexServer, path: bytes) -> None:
    status, headers, _ = raw_request(server.url, get(path))
    if status in (301, 302, 303, 307, 308):
        location = headers["location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location
        assert urljoin(server.url + "x/", location).startswith(server.url)
    else:
        assert status in (200, 400, 404), status


def test_directory_redirect_goes_to_the_normalised_path(server: IndexServer) -> None:
    status, headers, _ = raw_request(server.url, get(b"//simple//demo"))
    assert (status, headers["location"]) == (301, "/simple/demo/")
    status, _, body = raw_request(server.url, get(b"//simple//demo/"))
    assert status == 200 and b"href='x'" in body


@pytest.mark.parametrize("method", [b"PUT", b"DELETE", b"POST", b"PATCH"])
def test_write_methods_are_405_and_write_nothing(server: IndexServer, site: Path, method: bytes) -> None:
    target = site / "files" / "demo-1.0-py3-none-any.whl"
    before = target.read_bytes()
    request = b"%s /files/demo-1.0-py3-none-any.whl HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n" \
              b"Connection: close\r\n\r\nEVIL!" % method
    status, headers, _ = raw_request(server.url, request)
    assert status == 405
    assert headers["allow"] == "GET, HEAD, OPTIONS"
    status, _, _ = raw_request(server.url, request.replace(b"/files/demo-1.0-py3-none-any.whl", b"/files/new.txt"))
    assert status == 405
    assert target.read_bytes() == before and sorted(p.name for p in target.parent.iterdir()) == [target.name]


@pytest.mark.parametrize(
    "request_bytes",
    [
        get(b"/files/demo-1.0-py3-none-any.whl%00"),
        get(b"/files/%0d%0aSet-Cookie:%20x=1"),
        get(b"/../outside.txt"),
        get(b"/files/%2e%2e/%2e%2e/outside.txt"),
        get(b"/files/x", b"Bad Header"),
        get(b"/files/x", b"Host\x01: y"),
        b"GARBAGE\r\n\r\n",
        b"GET /files/x HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /files/x HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        get(b"/files/x", *(b"X-%d: y" % i for i in range(5000))),  # endless headers
        get(b"/files/x", b"X: " + b"a" * 100_000),  # one enormous header
        get(b"/" + b"a" * 100_000),  # an enormous request line
    ],
)
def test_malformed_requests_are_400(server: IndexServer, request_bytes: bytes) -> None:
    status, _, body = raw_request(server.url, request_bytes)
    assert status == 400, (status, body)
    assert b"SECRET" not in body and b"Traceback" not in body


def test_paths_no_file_can_have_are_404(server: IndexServer) -> None:
    for path in (b"/" + b"a" * 300, b"/files/" + b"x/" * 2000, b"/%ff%fe", b"/files/demo-1.0-py3-none-any.whl/x"):
        status, _, body = raw_request(server.url, get(path))
        assert status == 404, (path[:40], status)
        assert b"Traceback" not in body


def test_symlinks_out_of_the_root_and_loops_are_404(server: IndexServer, site: Path) -> None:
    (site / "files" / "escape.txt").symlink_to(site.parent / "outside.txt")
    (site / "files" / "loop").symlink_to(site / "files" / "loop")
    for path in (b"/files/escape.txt", b"/files/loop", b"/files/loop/x"):
        status, _, body = raw_request(server.url, get(path))
        assert status == 404 and b"SECRET" not in body, path


@pytest.mark.parametrize(
    ("header", "status", "body"),
    [
        (b"Range: bytes=0-0", 206, bytes([0])),
        (b"Range: bytes=-2", 206, bytes([254, 255])),
        (b"Range: bytes=1020-99999999999999999999999999999", 206, bytes([252, 253, 254, 255])),
        (b"Range: bytes=" + b"9" * 5000 + b"-", 416, b""),
        (b"Range: bytes=1024-", 416, b""),
        (b"Range: bytes=5-2", 200, bytes(range(256)) * 4),  # not a valid range: ignored
        (b"Range: bytes=0-1,4-5", 200, bytes(range(256)) * 4),  # several ranges: ignored
        (b"Range: lines=0-1", 200, bytes(range(256)) * 4),
        (b"Range: \xff\xfe", 200, bytes(range(256)) * 4),
    ],
)
def test_range_headers(server: IndexServer, header: bytes, status: int, body: bytes) -> None:
    got_status, headers, got_body = raw_request(server.url, get(b"/files/demo-1.0-py3-none-any.whl", header))
    assert (got_status, got_body) == (status, body)
    if status == 416:
        assert headers["content-range"] == "bytes */1024"


def test_parse_range() -> None:
    assert parse_range("bytes=0-9", 100) == (0, 9)
    assert parse_range("bytes=90-", 100) == (90, 99)
    assert parse_range("bytes=-10", 100) == (90, 99)
    assert parse_range("bytes=95-200", 100) == (95, 99)
    assert parse_range("bytes=0-1,5-6", 100) is None
    assert parse_range("bytes=9-1", 100) is None
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=100-", 100)
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=-5", 0)


def test_path_segments() -> None:
    assert path_segments("//a/./b//c/../d/") == ("a", "b", "d")
    assert path_segments("/a/..") == ()
    for bad in ("/..", "/a/../../b", "/a\x00b", "/a\r\nb"):
        with pytest.raises(ValueError):
            path_segments(bad)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (SERVER_MEMORY_LIMIT, SERVER_MEMORY_LIMIT))


@pytest.fixture
def big_site(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``indexer serve-index`` (a subprocess under RLIMIT_AS) over a folder with a sparse 1 GiB file."""
    root = tmp_path / "big"
    root.mkdir()
    with (root / "huge.whl").open("wb") as fh:
        fh.truncate(GIB)
    (root / "small.txt").write_text("small")
    port = _free_port()
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "serve-index", str(root), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=_limit_memory,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "small.txt", timeout=2)
            break
        except httpx.TransportError:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "serve-index did not come up"
            time.sleep(0.2)
    try:
        yield url, proc
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        assert "Traceback" not in err, err


def test_range_on_a_1gib_file_streams_with_bounded_memory(big_site: tuple[str, subprocess.Popen[str]]) -> None:
    url, proc = big_site
    with httpx.Client(timeout=10) as client:
        for _ in range(3):
            first = client.get(url + "huge.whl", headers={"Range": "bytes=0-0"})
            assert (first.status_code, first.content) == (206, b"\0")
            assert first.headers["content-range"] == f"bytes 0-0/{GIB}"
        last = client.get(url + "huge.whl", headers={"Range": "bytes=-3"})
        assert (last.status_code, last.content) == (206, b"\0\0\0")
        head = client.head(url + "huge.whl")
        assert head.headers["content-length"] == str(GIB)
        # A whole-file GET streams: a client that reads slowly holds no GiB in the server, and others are served.
        with client.stream("GET", url + "huge.whl") as whole:
            assert whole.status_code == 200 and whole.headers["content-length"] == str(GIB)
            received = 0
            for chunk in whole.iter_bytes():
                received += len(chunk)
                if received >= 8 * 1024 * 1024:
                    break
            with httpx.Client(timeout=5) as other:
                assert other.get(url + "small.txt").text == "small"
                assert other.get(url + "huge.whl", headers={"Range": f"bytes={GIB - 1}-"}).content == b"\0"
    assert proc.poll() is None


def test_cli_server_logs_no_traceback_for_hostile_requests(big_site: tuple[str, subprocess.Popen[str]]) -> None:
    url, proc = big_site
    for request in (b"GARBAGE\r\n\r\n", get(b"/x", b"Bad Header"), get(b"/a%00b"), get(b"/" + b"a" * 300),
                    get(b"/huge.whl", method=b"DELETE"), get(b"/huge.whl", b"Range: bytes=" + b"1" * 5000 + b"-")):
        status, _, _ = raw_request(url, request)
        assert status in (400, 404, 405, 416), (request[:30], status)
    # A client that hangs up mid-body is not an error either.
    with socket.create_connection(("127.0.0.1", int(url.rstrip("/").rsplit(":", 1)[1]))) as sock:
        sock.sendall(get(b"/huge.whl"))
        sock.recv(1000)
    assert httpx.get(url + "small.txt").text == "small"
    assert proc.poll() is None  # the fixture asserts stderr holds no traceback


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve-index", "{site}", "--port", "99999"], "port must be 0-65535"),
        (["serve-index", "{site}", "--latency-ms", "nan"], "finite number of milliseconds"),
        (["serve-index", "{site}", "--host", "no-such-host.invalid", "--port", "0"], "cannot listen on no-such-host"),
        (["serve", "--port", "-1"], "port must be 0-65535"),
        (["build-index", "{site}", "{site}/out", "--base-url", "http://[::1"], "not a valid URL"),
        (["build-index", "{site}", "{site}/files/demo-1.0-py3-none-any.whl"], "exists and is not a directory"),
    ],
)
def test_cli_input_is_checked_up_front(site: Path, argv: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "indexer", *(a.format(site=site) for a in argv)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err, err
    assert done.stdout == ""  # no "serving ..." banner for a server that never listened
