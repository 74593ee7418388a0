"""The Pyodide transport (pyfetch in real Pyodide under Node) keeps the decoded-size cap while reading."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

from tests.support.pyodide_installs import load_checkout
from tests.support.pyodide_node import PyodideNode
from tests.support.scripted_server import Scripted, scripted_server

CAP = 1 << 20


def test_pyfetch_stops_a_gzip_bomb_at_the_cap_while_streaming(pyodide: PyodideNode, tmp_path: Path) -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = compressor.compress(bytes(64 * CAP)) + compressor.flush()  # ~64 KB inflating to 64 MiB
    page = b'{"meta": {"api-version": "1.1"}, "name": "ok", "files": []}'
    (tmp_path / "root").mkdir()
    with scripted_server(tmp_path / "root") as server:
        cors = ("Access-Control-Allow-Origin", "*")
        server.scripts["/bomb/"] = Scripted(bomb, headers=[cors, ("Content-Encoding", "gzip")])
        server.scripts["/ok/"] = Scripted(zlib.compress(page), headers=[cors, ("Content-Encoding", "deflate")])
        pyodide.require("packaging")
        load_checkout(pyodide, tmp_path / "checkout")
        out = pyodide.run_async(
            "import json\n"
            "from indexer.resolve.client import Client\n"
            "from indexer.resolve.transport import TransportError\n"
            f"async with Client(max_bytes={CAP}, retries=0) as client:\n"
            f"    ok = await client.get({server.url + 'ok/'!r})\n"
            "    try:\n"
            f"        await client.get({server.url + 'bomb/'!r})\n"
            "        bomb = 'no error'\n"
            "    except TransportError as exc:\n"
            "        bomb = [exc.kind, str(exc)]\n"
            "json.dumps([type(client.transport).__name__, ok.content.decode(), bomb])"
        )
    transport, ok_body, bomb_error = json.loads(out)
    assert transport == "PyfetchTransport"
    assert ok_body == page.decode()  # fetch decoded it
    # Stopped by the streaming reader at the cap ("decoded body ..." would mean it read the whole body first).
    assert bomb_error == ["too-large", f"body is over the {CAP}-byte cap"]
