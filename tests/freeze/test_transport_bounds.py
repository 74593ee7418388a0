"""Every transport is bounded (issue 9): decoded body size, header count and size, redirects.

The hostile answers come from the real index server (tests/support/scripted_server.py). The gzip bomb is
fetched by the real client in a subprocess under an address-space limit, so a regression fails fast
instead of exhausting the machine.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.resolve.client import DEFAULT_MAX_BYTES, Client
from indexer.resolve.transport import MAX_HEADER_LINE, MAX_HEADERS, MAX_REDIRECTS, TRANSPORTS, TransportError
from tests.support.scripted_server import Scripted, ScriptedServer, scripted_server

ROOT = Path(__file__).resolve().parents[2]
GIB = 1 << 30
#: Enough for the interpreter, the client libraries and a capped body; far below a GiB body.
MEMORY_LIMIT = 900 << 20

FETCH = """
import asyncio, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from indexer.resolve.client import Client
from indexer.resolve.transport import TransportError

async def main():
    async with Client(transport_kind=sys.argv[2], retries=2, backoff=0.01) as client:
        try:
            response = await client.get(sys.argv[1])
        except TransportError as exc:
            return {{"kind": exc.kind, "message": str(exc), "requests": client.stats.requests}}
        return {{"status": response.status, "size": len(response.content)}}

print(json.dumps(asyncio.run(main())))
"""


def gzip_bomb(decoded: int) -> bytes:
    """A gzip body of ~decoded/1000 bytes that inflates to ``decoded`` zero bytes (repeated members, RFC 1952)."""
    member_size = 16 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = compressor.compress(bytes(member_size)) + compressor.flush()
    return member * (decoded // member_size)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScriptedServer]:
    root = tmp_path_factory.mktemp("hostile")
    with scripted_server(root) as server:
        bomb = gzip_bomb(GIB)
        assert len(bomb) < 2 << 20  # ~1 MB on the wire
        json_type = ("Content-Type", "application/vnd.pypi.simple.v1+json")
        server.scripts["/bomb/"] = Scripted(bomb, headers=[json_type, ("Content-Encoding", "gzip")])
        page = json.dumps({"meta": {"api-version": "1.1"}, "name": "gz", "files": []}).encode()
        server.scripts["/gz/"] = Scripted(gzip.compress(page), headers=[json_type, ("Content-Encoding", "gzip")])
        server.scripts["/deflate/"] = Scripted(
            zlib.compress(page), headers=[json_type, ("Content-Encoding", "deflate")]
        )
        server.scripts["/brotli/"] = Scripted(b"\x8b\x00", headers=[json_type, ("Content-Encoding", "br")])
        flood = [(f"X-Flood-{i}", "x") for i in range(MAX_HEADERS + 1)]
        server.scripts["/many-headers/"] = Scripted(b"{}", headers=flood)
        server.scripts["/long-header/"] = Scripted(b"{}", headers=[("X-Long", "y" * 20_000)])
        server.scripts["/loop/"] = Scripted(status=302, headers=[("Location", "/loop/")])
        yield server


def _fetch_in_subprocess(url: str, kind: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PIP_CONFIG_FILE": os.devnull}
    out = subprocess.run(
        [sys.executable, "-c", FETCH.format(limit=MEMORY_LIMIT), url, kind],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    result: dict[str, object] = json.loads(out.stdout)
    return result


@pytest.mark.parametrize("kind", TRANSPORTS)
def test_gzip_bomb_stops_at_the_cap_after_decoding(kind: str, hostile: ScriptedServer) -> None:
    hostile.clear_log()
    # Control: under the same memory limit an honest gzip page comes through whole.
    assert _fetch_in_subprocess(hostile.url + "gz/", kind) == {"status": 200, "size": len(_page_bytes(hostile))}
    result = _fetch_in_subprocess(hostile.url + "bomb/", kind)
    assert result == {
        "kind": "too-large",
        "message": f"decoded body is over the {DEFAULT_MAX_BYTES}-byte cap",
        "requests": 1,
    }


def _page_bytes(server: ScriptedServer) -> bytes:
    return gzip.decompress(server.scripts["/gz/"].body)


@pytest.mark.parametrize("kind", TRANSPORTS)
@pytest.mark.parametrize("path", ["gz", "deflate"])
async def test_compressed_pages_are_decoded(kind: str, path: str, hostile: ScriptedServer) -> None:
    async with Client(transport_kind=kind) as client:
        response = await client.get(f"{hostile.url}{path}/")
    assert response.status == 200 and response.content == _page_bytes(hostile)
    accept = hostile.requests_for(f"/{path}/")[-1].headers.get("Accept-Encoding", "")
    assert {"gzip", "deflate"} <= {part.strip() for part in accept.split(",")}


async def _refused(kind: str, url: str) -> tuple[TransportError, int]:
    async with Client(transport_kind=kind, retries=2, backoff=0.01) as client:
        with pytest.raises(TransportError) as caught:
            await client.get(url)
        return caught.value, client.stats.requests


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_unknown_content_encoding_is_refused(kind: str, hostile: ScriptedServer) -> None:
    error, requests = await _refused(kind, hostile.url + "brotli/")
    assert str(error) == "unsupported content-encoding 'br'" and requests == 1


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_header_flood_is_refused_without_retry(kind: str, hostile: ScriptedServer) -> None:
    error, requests = await _refused(kind, hostile.url + "many-headers/")
    assert (str(error), error.kind, requests) == (f"response has more than {MAX_HEADERS} headers", "other", 1)


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_over_long_header_is_refused_without_retry(kind: str, hostile: ScriptedServer) -> None:
    error, requests = await _refused(kind, hostile.url + "long-header/")
    assert (str(error), error.kind, requests) == (f"a response header is over {MAX_HEADER_LINE} bytes", "other", 1)


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_redirect_loop_stops_after_the_limit(kind: str, hostile: ScriptedServer) -> None:
    hostile.clear_log()
    error, requests = await _refused(kind, hostile.url + "loop/")
    assert str(error) == f"more than {MAX_REDIRECTS} redirects" and requests == 1
    assert len(hostile.requests_for("/loop/")) == MAX_REDIRECTS + 1


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_credentials_never_follow_a_redirect_to_another_origin(
    kind: str, hostile: ScriptedServer, tmp_path: Path
) -> None:
    (tmp_path / "other").mkdir()
    with scripted_server(tmp_path / "other") as other:
        other.scripts["/landing/"] = Scripted(b"{}", headers=[("Content-Type", "application/json")])
        hostile.scripts["/moved/"] = Scripted(status=302, headers=[("Location", other.url + "landing/")])
        with_credentials = hostile.url.replace("http://", "http://alice:s3cret@") + "moved/"
        async with Client(transport_kind=kind) as client:
            response = await client.get(with_credentials)
        assert response.status == 200 and response.url == other.url + "landing/"
        assert hostile.requests_for("/moved/")[-1].headers["Authorization"].startswith("Basic ")
        assert "Authorization" not in other.requests_for("/landing/")[-1].headers
