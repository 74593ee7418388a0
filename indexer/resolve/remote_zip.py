"""Read one member of a remote wheel with HTTP Range requests (the zip central directory, then the member).

A wheel is a zip (PEP 427); its central directory sits at the end, so two or three small range
requests read ``RECORD`` or ``METADATA`` without downloading the wheel. A server that ignores
``Range`` answers 200 with the whole file; that still works, within the client's size cap.
"""

from __future__ import annotations

from collections.abc import Callable

from indexer import wheelfile
from indexer.resolve.client import Client
from indexer.urls import redact
from indexer.wheelfile import WheelError

_TAIL = 8 * 1024  # enough for the central directory of a small wheel; larger ones take one more range


class RemoteZipError(Exception):
    pass


class _Body:
    """Bytes of the remote file we hold: either the whole file or one tail/slice at an offset."""

    def __init__(self, data: bytes, offset: int, total: int | None) -> None:
        self.data, self.offset, self.total = data, offset, total

    def has(self, start: int, end: int) -> bool:
        return self.offset <= start and end <= self.offset + len(self.data)

    def slice(self, start: int, end: int) -> bytes:
        return self.data[start - self.offset : end - self.offset]


async def _fetch(client: Client, url: str, rng: tuple[int, int | None]) -> _Body:
    response = await client.get(url, range=rng, immutable=True)
    if response.status == 206:
        content_range = response.headers.get("content-range", "")
        # "bytes START-END/TOTAL" (RFC 9110 §14.4)
        try:
            span, _, total = content_range.removeprefix("bytes ").partition("/")
            start = int(span.split("-", 1)[0])
            return _Body(response.content, start, int(total) if total.isdigit() else None)
        except ValueError as exc:
            raise RemoteZipError(f"unreadable Content-Range {content_range!r}") from exc
    if response.status == 200:
        return _Body(response.content, 0, len(response.content))
    raise RemoteZipError(f"HTTP {response.status} for a range of {redact(url)}")


async def read_member(
    client: Client, url: str, select: Callable[[str], bool], limit: int | None = None
) -> tuple[str, bytes]:
    """Return ``(name, bytes)`` of the first member whose name ``select`` accepts.

    Parsing, caps and checks are :mod:`indexer.wheelfile`'s (the one wheel reader); ``limit`` caps the
    member's uncompressed size (default: the cap for its dist-info file name). Failures are RemoteZipError.
    """
    try:
        return await _read_member(client, url, select, limit)
    except WheelError as exc:
        raise RemoteZipError(str(exc)) from None


async def _read_member(client: Client, url: str, select: Callable[[str], bool], limit: int | None) -> tuple[str, bytes]:
    tail = await _fetch(client, url, (-_TAIL, None))
    where = wheelfile.find_central_directory(tail.data, tail.offset)
    if not tail.has(where.offset, where.offset + where.size):
        tail = await _fetch(client, url, (where.offset, where.offset + where.size - 1))
    members = wheelfile.parse_central_directory(tail.slice(where.offset, where.offset + where.size))
    entry = next((m for m in members if select(m.name)), None)
    if entry is None:
        raise RemoteZipError("no such member in the remote wheel")
    cap = wheelfile.limit_for(entry.name) if limit is None else limit
    wheelfile.check_member(entry, cap)
    # Local header is 30 bytes + name + extra; the extra length may differ from the central one.
    want_end = entry.local_offset + 30 + len(entry.name.encode()) + 1024 + entry.compressed_size
    body = tail if tail.has(entry.local_offset, entry.local_offset + 30) else None
    if body is None or not body.has(entry.local_offset, min(want_end, body.offset + len(body.data))):
        body = await _fetch(client, url, (entry.local_offset, want_end - 1))
    start, end = wheelfile.data_span(entry, body.slice(entry.local_offset, entry.local_offset + 30))
    if not body.has(start, end):
        body = await _fetch(client, url, (start, end - 1))
    return entry.name, wheelfile.inflate(entry, body.slice(start, end), cap)
