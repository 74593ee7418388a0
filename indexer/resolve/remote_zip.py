"""Read one member of a remote wheel with HTTP Range requests (the zip central directory, then the member).

A wheel is a zip (PEP 427); its central directory sits at the end, so two or three small range
requests read ``RECORD`` or ``METADATA`` without downloading the wheel. A server that ignores
``Range`` answers 200 with the whole file; that still works, within the client's size cap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from indexer import wheelfile
from indexer.resolve.client import Client
from indexer.urls import redact
from indexer.wheelfile import WheelError

_TAIL = 8 * 1024  # enough for the central directory of a small wheel; larger ones take one more range


class RemoteZipError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status when the server refused the range


class _Body:
    """Bytes of the remote file we hold: either the whole file or one tail/slice at an offset."""

    def __init__(self, data: bytes, offset: int, total: int | None, partial: bool = True) -> None:
        self.data, self.offset, self.total = data, offset, total
        self.partial = partial  # False: the server ignored Range and sent the whole file

    def has(self, start: int, end: int) -> bool:
        return self.offset <= start and end <= self.offset + len(self.data)

    def slice(self, start: int, end: int) -> bytes:
        return self.data[start - self.offset : end - self.offset]


async def _fetch(client: Client, url: str, rng: tuple[int, int | None], content_id: str | None = None) -> _Body:
    response = await client.get(url, range=rng, immutable=True, content_id=content_id)
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
        return _Body(response.content, 0, len(response.content), partial=False)
    raise RemoteZipError(f"HTTP {response.status} for a range of {redact(url)}", response.status)


def record_tail(names: Iterable[str], record_size: int) -> int:
    """A tail length that holds a wheel's central directory AND its RECORD, so one range request reads both.

    Wheel builders write RECORD last, right before the central directory. The installed RECORD's paths and
    size bound both from above (an installer only adds rows: INSTALLER, .pyc, scripts), so the estimate is
    generous; if it falls short the reader simply asks for the rest. ``--verify`` then costs one request per
    wheel of about the RECORD's size, instead of a fixed 8 KiB guess plus the RECORD.
    """
    central = sum(46 + len(name.encode("utf-8")) + 28 for name in names)  # +28: typical extra fields
    local_record = 30 + 64 + 28 + record_size  # RECORD's local header and (at most) its uncompressed bytes
    return central + local_record + 22 + 512  # + end-of-central-directory record, slack


@dataclass(frozen=True)
class RemoteDirectory:
    """A remote wheel's member list and the bytes already fetched (a later member read may need no request)."""

    entries: list[wheelfile.ZipMember]
    body: _Body
    downloaded: bool  # the server ignored Range and sent the whole file
    requests: int


async def read_directory(client: Client, url: str, tail: int = _TAIL) -> RemoteDirectory:
    """The central directory: one suffix range of ``tail`` bytes, one more only if the directory is larger."""
    body = await _fetch(client, url, (-tail, None))
    requests = 1
    try:
        where = wheelfile.find_central_directory(body.data, body.offset)
        if not body.has(where.offset, where.offset + where.size):
            end = body.offset - 1 if body.offset > where.offset else where.offset + where.size - 1
            head = await _fetch(client, url, (where.offset, end))
            requests += 1
            if head.offset + len(head.data) == body.offset:
                body = _Body(head.data + body.data, head.offset, body.total, body.partial)
            else:
                body = head
        entries = wheelfile.parse_central_directory(body.slice(where.offset, where.offset + where.size))
    except WheelError as exc:
        raise RemoteZipError(str(exc)) from None
    return RemoteDirectory(entries, body, not body.partial, requests)


async def read_entry(client: Client, url: str, directory: RemoteDirectory, entry: wheelfile.ZipMember) -> bytes:
    """One member's bytes, from what ``directory`` holds when it covers the member, else by range."""
    try:
        cap = min(wheelfile.limit_for(entry.name), client.max_bytes)
        wheelfile.check_member(entry, cap)
        body = directory.body
        want_end = entry.local_offset + 30 + len(entry.name.encode()) + 1024 + entry.compressed_size
        if not body.has(entry.local_offset, min(want_end, body.offset + len(body.data))):
            body = await _fetch(client, url, (entry.local_offset, want_end - 1))
        start, end = wheelfile.data_span(entry, body.slice(entry.local_offset, entry.local_offset + 30))
        if not body.has(start, end):
            body = await _fetch(client, url, (start, end - 1))
        return wheelfile.inflate(entry, body.slice(start, end), cap)
    except WheelError as exc:
        raise RemoteZipError(str(exc)) from None


async def read_member(
    client: Client,
    url: str,
    select: Callable[[str], bool],
    *,
    tail: int | None = None,
    content_id: str | None = None,
    limit: int | None = None,
) -> tuple[str, bytes]:
    """Return ``(name, bytes)`` of the first member whose name ``select`` accepts.

    Parsing, caps and checks are :mod:`indexer.wheelfile`'s (the one wheel reader); ``limit`` caps the
    member's uncompressed size (default: the cap for its dist-info file name, at most the client's body cap).
    Failures are RemoteZipError.

    ``tail`` is how many bytes to read from the end first (default 8 KiB; see :func:`record_tail`).
    ``content_id`` (``sha256:<hex>`` of the wheel, from the index) keys the cached ranges by the file's
    content, so the same wheel on a mirror is never read again.
    """
    tail_size = max(1024, min(tail or _TAIL, client.max_bytes))
    first = await _fetch(client, url, (-tail_size, None), content_id)
    try:
        return await _read_from(client, url, select, first, content_id, limit)
    except WheelError as exc:
        raise RemoteZipError(str(exc)) from None


async def _read_from(
    client: Client,
    url: str,
    select: Callable[[str], bool],
    tail: _Body,
    content_id: str | None,
    limit: int | None,
) -> tuple[str, bytes]:
    """The member, from the tail already read plus whatever ranges are still missing."""
    where = wheelfile.find_central_directory(tail.data, tail.offset)
    if not tail.has(where.offset, where.offset + where.size):
        tail = await _fetch(client, url, (where.offset, where.offset + where.size - 1), content_id)
    members = wheelfile.parse_central_directory(tail.slice(where.offset, where.offset + where.size))
    entry = next((m for m in members if select(m.name)), None)
    if entry is None:
        raise RemoteZipError("no such member in the remote wheel")
    cap = min(wheelfile.limit_for(entry.name), client.max_bytes) if limit is None else limit
    wheelfile.check_member(entry, cap)
    # Local header is 30 bytes + name + extra; the extra length may differ from the central one.
    want_end = entry.local_offset + 30 + len(entry.name.encode()) + 1024 + entry.compressed_size
    body = tail if tail.has(entry.local_offset, entry.local_offset + 30) else None
    if body is None or not body.has(entry.local_offset, min(want_end, body.offset + len(body.data))):
        body = await _fetch(client, url, (entry.local_offset, want_end - 1), content_id)
    start, end = wheelfile.data_span(entry, body.slice(entry.local_offset, entry.local_offset + 30))
    if not body.has(start, end):
        body = await _fetch(client, url, (start, end - 1), content_id)
    return entry.name, wheelfile.inflate(entry, body.slice(start, end), cap)
