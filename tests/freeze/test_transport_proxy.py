"""Proxies the way pip uses them: ``HTTP_PROXY``/``NO_PROXY`` from the environment, or pip's ``proxy`` setting.

The "proxy" is the real local server (an HTTP proxy receives absolute-form requests and the origin's Host);
the origin host name is one that never resolves, so a request that bypassed the proxy would fail.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.resolve.client import Client
from indexer.resolve.transport import TRANSPORTS
from tests.support.scripted_server import Scripted, ScriptedServer, scripted_server

PROXIED = TRANSPORTS
ORIGIN = "http://pkgs.example.invalid/simple/alpha/"


@pytest.fixture
def proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    (tmp_path / "root").mkdir()
    with scripted_server(tmp_path / "root") as server:
        server.scripts["/simple/alpha/"] = Scripted(b'{"via": "proxy"}', headers=[("Content-Type", "application/json")])
        yield server


@pytest.mark.parametrize("kind", PROXIED)
@pytest.mark.parametrize("how", ["HTTP_PROXY", "PIP_PROXY"])
async def test_requests_go_through_the_configured_proxy(
    kind: str, how: str, proxy: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(how, proxy.url)
    async with Client(transport_kind=kind, retries=0) as client:
        response = await client.get(ORIGIN)
    assert (response.status, response.content) == (200, b'{"via": "proxy"}')
    assert proxy.log[-1].headers["Host"] == "pkgs.example.invalid"


@pytest.mark.parametrize("kind", PROXIED)
async def test_no_proxy_hosts_are_reached_directly(
    kind: str, proxy: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:  # a proxy that is not there: using it would fail
        probe.bind(("127.0.0.1", 0))
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{probe.getsockname()[1]}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with Client(transport_kind=kind, retries=0) as client:
        response = await client.get(proxy.url + "simple/alpha/")
    assert response.status == 200 and proxy.log[-1].headers["Host"].startswith("127.0.0.1:")


async def test_netrc_credentials_are_sent_to_their_host_unless_the_url_has_its_own(
    proxy: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login reader password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    page = proxy.url + "simple/alpha/"
    async with Client(transport_kind="aiohttp", retries=0) as client:  # httpx reads no ~/.netrc
        for _ in range(2):  # the second request to the origin, too (looked up once per origin)
            assert (await client.get(page)).status == 200
        with_own = page.replace("http://", "http://other:pw@")
        assert (await client.get(with_own)).status == 200
    sent = [r.headers.get("Authorization") for r in proxy.log]
    # Basic base64("reader:s3cret"), twice; then the URL's own credentials, base64("other:pw").
    assert sent == ["Basic cmVhZGVyOnMzY3JldA==", "Basic cmVhZGVyOnMzY3JldA==", "Basic b3RoZXI6cHc="]
