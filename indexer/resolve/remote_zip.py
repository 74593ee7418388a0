"""Read one member of a remote wheel with HTTP Range requests (the zip central directory, then the member).

A wheel is a zip (PEP 427); its central directory sits at the end, so two or three small range
requests read ``RECORD`` or ``METADATA`` without downloading the wheel. A server that ignores
``Range`` answers 200 with the whole file; that still works, within the client's size cap.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
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


#: Central directory entry and local file header sizes before the name (PKWARE APPNOTE 4.3.12, 4.3.7), and
#: the end-of-central-directory record (4.3.16) with a zip64 locator and record (4.3.14-15) in case.
_CENTRAL_ENTRY, _LOCAL_HEADER, _END_RECORDS = 46, 30, 22 + 20 + 56
#: A data descriptor after RECORD's data (4.3.9), when the builder streamed the archive.
_DESCRIPTOR = 16


def record_tail(members: Sequence[str], record: bytes) -> int:
    """A tail length that holds a wheel's RECORD and its central directory, so one range request reads both.

    Wheel builders write RECORD last, right before the central directory (PEP 427). ``members`` are the
    wheel's member names (RECORD included) and ``record`` its RECORD as the installed RECORD repeats it
    (installer additions left out): the central directory's size follows from the names, RECORD's from
    deflating those rows here (rows in another order deflate within a few percent). The slack covers extra
    fields (a few bytes a member), zip64 records, a data descriptor and that difference; short of it, the
    reader asks for the rest (one more request, never a miss).
    """
    names = sum(len(name.encode("utf-8")) for name in members)
    central = _CENTRAL_ENTRY * len(members) + names + 4 * len(members)  # +4: extra fields some builders add
    deflated = len(zlib.compress(record, 1))  # level 1: faster, and a few percent over what builders write
    record_name = next((m for m in members if m.endswith("/RECORD")), "x.dist-info/RECORD")
    local = _LOCAL_HEADER + len(record_name.encode("utf-8")) + deflated + deflated // 16 + _DESCRIPTOR
    return central + local + _END_RECORDS + 64


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
    tail_size = max(_END_RECORDS, min(tail or _TAIL, client.max_bytes))
    first = await _fetch(client, url, (-tail_size, None), content_id)
    try:
        return await _read_from(client, url, select, first, content_id, limit, tail_size)
    except WheelError as exc:
        raise RemoteZipError(str(exc)) from None


def _join(before: _Body, after: _Body) -> _Body:
    """One body from two adjacent (or overlapping) ones, ``before`` starting first; else ``before`` alone."""
    end = before.offset + len(before.data)
    if before.offset <= after.offset <= end:
        data = before.data + after.data[end - after.offset :]
        return _Body(data, before.offset, after.total, after.partial)
    return before


async def _read_from(
    client: Client,
    url: str,
    select: Callable[[str], bool],
    tail: _Body,
    content_id: str | None,
    limit: int | None,
    tail_size: int,
) -> tuple[str, bytes]:
    """The member, from the tail already read plus whatever ranges are still missing.

    A tail that fell short costs one more range, usually: the rest of the central directory together with
    what the estimate allowed for RECORD before it; or just the member, exactly, once its offset is known.
    """
    try:
        where = wheelfile.find_central_directory(tail.data, tail.offset)
    except WheelError:
        if not tail.partial or len(tail.data) >= wheelfile.TAIL:
            raise
        tail = await _fetch(client, url, (-wheelfile.TAIL, None), content_id)  # a zip comment hid the end record
        where = wheelfile.find_central_directory(tail.data, tail.offset)
    if not tail.has(where.offset, where.offset + where.size):
        # What the estimate gave RECORD (about half of it: RECORD and the directory both list every member).
        before_directory = max(tail_size - where.size - _END_RECORDS, tail_size // 2)
        start = max(0, where.offset - before_directory)
        end = tail.offset - 1 if tail.offset > where.offset else where.offset + where.size - 1
        tail = _join(await _fetch(client, url, (start, end), content_id), tail)
    members = wheelfile.parse_central_directory(tail.slice(where.offset, where.offset + where.size))
    entry = next((m for m in members if select(m.name)), None)
    if entry is None:
        raise RemoteZipError("no such member in the remote wheel")
    cap = min(wheelfile.limit_for(entry.name), client.max_bytes) if limit is None else limit
    wheelfile.check_member(entry, cap)
    # Local header is 30 bytes + name + extra; the extra length may differ from the central one (+64 allowed).
    name_length = len(entry.name.encode())
    want_end = entry.local_offset + 30 + name_length + 64 + entry.compressed_size
    body = tail
    if not body.has(entry.local_offset, entry.local_offset + 30 + name_length):
        body = await _fetch(client, url, (entry.local_offset, want_end - 1), content_id)
    start, end = wheelfile.data_span(entry, body.slice(entry.local_offset, entry.local_offset + 30))
    if not body.has(start, end):
        body = await _fetch(client, url, (start, end - 1), content_id)
    return entry.name, wheelfile.inflate(entry, body.slice(start, end), cap)
