"""TLS trust: every transport verifies the local index's certificate against the trust pip would use.

The index is the real server over HTTPS with a certificate from a test CA made here by the openssl CLI,
trusted the ways a machine does it: ``SSL_CERT_FILE``, pip's ``cert`` setting (a pip.conf and ``PIP_CERT``),
``REQUESTS_CA_BUNDLE``. A CA the machine does not trust is a one-line error that says why, not retried.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from indexer.freeze.pip_config import trust
from indexer.index.server import IndexServer, serve_in_thread
from indexer.resolve.client import Client
from indexer.resolve.transport import TRANSPORTS, TransportError
from tests.freeze.conftest import IndexEnv

ROOT = Path(__file__).resolve().parents[2]
TRUST_VARS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT")


@dataclass
class Pki:
    ca: Path  # the CA the index's certificate is signed by
    other_ca: Path  # a CA that signed nothing here
    cert: Path
    key: Path


def _openssl(*args: str, cwd: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the openssl CLI is missing: scripts/setup.sh's Debian packages include openssl")
    subprocess.run([openssl, *args], cwd=cwd, check=True, capture_output=True)


def _make_ca(folder: Path, name: str) -> tuple[Path, Path]:
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
             "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)  # fmt: skip
    return key, cert


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca = _make_ca(folder, "test-ca")
    _, other_ca = _make_ca(folder, "other-ca")
    (folder / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=127.0.0.1", cwd=folder)  # fmt: skip
    _openssl("x509", "-req", "-in", "server.csr", "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=folder)  # fmt: skip
    return Pki(ca, other_ca, folder / "server.pem", folder / "server.key")


@pytest.fixture(scope="module")
def https_server(index_env: IndexEnv, pki: Pki) -> Iterator[IndexServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert, pki.key)
    with serve_in_thread(index_env.index_dir, ssl_context=context) as server:
        assert server.url.startswith("https://127.0.0.1:")
        yield server


@pytest.fixture
def clean_trust(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No trust setting from the machine running the tests: each test sets the one it is about."""
    for var in TRUST_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    return monkeypatch


async def _get(kind: str, url: str) -> int:
    async with Client(transport_kind=kind, retries=2, backoff=0.01) as client:
        return (await client.get(url)).status


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_ssl_cert_file_is_trusted(
    kind: str, https_server: IndexServer, pki: Pki, clean_trust: pytest.MonkeyPatch
) -> None:
    clean_trust.setenv("SSL_CERT_FILE", str(pki.ca))
    assert await _get(kind, https_server.index_url + "alpha/") == 200


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_pip_cert_setting_is_trusted(
    kind: str, https_server: IndexServer, pki: Pki, clean_trust: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\ncert = {pki.ca}\n")
    clean_trust.setenv("PIP_CONFIG_FILE", str(conf))
    clean_trust.setenv("SSL_CERT_FILE", str(pki.other_ca))  # pip's own setting wins over OpenSSL's variable
    assert trust().source == f"pip's cert {pki.ca} ({conf} [global])"
    assert await _get(kind, https_server.index_url + "alpha/") == 200


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_untrusted_ca_is_one_line_that_says_why_and_is_not_retried(
    kind: str, https_server: IndexServer, pki: Pki, clean_trust: pytest.MonkeyPatch
) -> None:
    clean_trust.setenv("SSL_CERT_FILE", str(pki.other_ca))
    https_server.clear_log()
    async with Client(transport_kind=kind, retries=2, backoff=0.01) as client:
        with pytest.raises(TransportError) as caught:
            await client.get(https_server.index_url + "alpha/")
        assert client.stats.requests == 1 and client.stats.retries == 0
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("TLS certificate of 127.0.0.1 not trusted (")
    assert "unable to get local issuer certificate" in message
    assert message.endswith(f"trusting SSL_CERT_FILE={pki.other_ca}")
    assert caught.value.kind == "connect"


def test_trust_order_follows_pip(pki: Pki, tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[install]\ncert = {pki.ca}\n")
    env = {"PIP_CONFIG_FILE": str(conf), "REQUESTS_CA_BUNDLE": str(pki.other_ca), "SSL_CERT_FILE": "/nonexistent"}
    assert trust(env).source.startswith(f"pip's cert {pki.ca}")
    env["PIP_CERT"] = str(pki.other_ca)
    assert trust(env).source == f"pip's cert {pki.other_ca} (PIP_CERT)"
    env = {"PIP_CONFIG_FILE": os.devnull, "REQUESTS_CA_BUNDLE": str(pki.ca), "SSL_CERT_FILE": str(pki.other_ca)}
    assert trust(env).source == f"REQUESTS_CA_BUNDLE={pki.ca}"
    env = {"PIP_CONFIG_FILE": os.devnull, "SSL_CERT_FILE": str(pki.ca)}
    assert trust(env).source == f"SSL_CERT_FILE={pki.ca}"
    system = trust({"PIP_CONFIG_FILE": os.devnull})
    assert system.source.startswith("the system trust store")
    assert system.context.verify_mode == ssl.CERT_REQUIRED and system.context.check_hostname
    with pytest.raises(ValueError, match="cannot read the CA bundle /nonexistent"):
        trust({"PIP_CONFIG_FILE": os.devnull, "PIP_CERT": "/nonexistent"})


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k not in TRUST_VARS}
    return subprocess.run(
        [sys.executable, "-m", "indexer", "freeze", *args],
        cwd=ROOT,
        env={**base, "PIP_CONFIG_FILE": os.devnull, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_freezes_over_https_with_the_machine_trust_and_explains_a_refusal(
    https_server: IndexServer, name_site: Path, pki: Pki, tmp_path: Path
) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nindex-url = {https_server.index_url}\ncert = {pki.ca}\n")
    ok = _cli(str(name_site), "--no-cache", "--target", "host", env={"PIP_CONFIG_FILE": str(conf)})
    assert ok.returncode == 0, ok.stderr
    assert set(json.loads(ok.stdout)["packages"]) == {"alpha", "beta"}
    # The machine's own pip files may add extra (local) indexes; the index-url is the one pip.conf gives.
    asking = next(line for line in ok.stderr.splitlines() if line.startswith("indexer freeze: asking "))
    assert asking.startswith(f"indexer freeze: asking {https_server.index_url} (pip's configuration ({conf} [global]")

    refused = _cli(str(name_site), "--no-cache", "--target", "host", "--index-url", https_server.index_url,
                   env={"SSL_CERT_FILE": str(pki.other_ca)})  # fmt: skip
    assert "Traceback" not in refused.stderr and refused.returncode == 1 and refused.stdout == ""
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith("indexer freeze: error: no index could be reached:")
    assert "TLS certificate of 127.0.0.1 not trusted" in last and f"trusting SSL_CERT_FILE={pki.other_ca}" in last

    bad = _cli(str(name_site), "--no-cache", "--index-url", https_server.index_url, env={"PIP_CERT": "/nonexistent"})
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert (
        bad.stderr.strip()
        .splitlines()[-1]
        .endswith("cannot read the CA bundle /nonexistent: No such file or directory")
    )
