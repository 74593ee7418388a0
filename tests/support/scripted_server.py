"""The real index server with scripted answers for chosen paths: exact headers, encodings, validators.

Faults a real static host produces but not on demand (a gzip bomb, a header flood, a redirect loop, an
``ETag`` that revalidates to 304) are answered here; every other path is the real :class:`IndexServer`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from multidict import CIMultiDict

from indexer.index.server import IndexServer, RequestRecord, run_in_thread


@dataclass
class Scripted:
    body: bytes = b""
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    etag: str | None = None  # answer 304 when the request's If-None-Match names it


class ScriptedServer(IndexServer):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.scripts: dict[str, Scripted] = {}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        script = self.scripts.get(request.path)
        if script is None:
            return await super().handle(request)
        record = RequestRecord(request.method, request.path, request.query_string, dict(request.headers))
        self.log.append(record)
        headers: CIMultiDict[str] = CIMultiDict(script.headers)
        if script.etag is not None:
            headers["ETag"] = script.etag
            if request.headers.get("If-None-Match") == script.etag:
                record.status = 304
                return web.Response(status=304, headers=headers)
        record.status, record.bytes_sent = script.status, len(script.body)
        return web.Response(status=script.status, body=script.body, headers=headers)


@contextmanager
def scripted_server(root: Path) -> Iterator[ScriptedServer]:
    with run_in_thread(ScriptedServer(root)) as server:
        yield server
