"""Read one member of a remote wheel with HTTP Range requests (the zip central directory, then the member).

A wheel is a zip (PEP 427); its central directory sits at the end, so two or three small range
requests read ``RECORD`` or ``METADATA`` without downloading the wheel. A server that ignores
``Range`` answers 200 with the whole file; that still works, within the client's size cap.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from indexer.resolve.client import Client
from indexer.urls import redact

_EOCD_SIG = b"PK\x05\x06"
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_CDIR_SIG = b"PK\x01\x02"
_LOCAL_SIG = b"PK\x03\x04"
_TAIL = 8 * 1024  # enough for the central directory of a small wheel; larger ones take one more range


class RemoteZipError(Exception):
    pass


@dataclass(frozen=True)
class _Entry:
    name: str
    method: int
    compressed_size: int
    local_offset: int


class _Body:
    """Bytes of the remote file we hold: either the whole file or one tail/slice at an offset."""

    def __init__(self, data: bytes, offset: int, total: int | None) -> None:
        self.data, self.offset, self.total = data, offset, total

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
        return _Body(response.content, 0, len(response.content))
    raise RemoteZipError(f"HTTP {response.status} for a range of {redact(url)}")


def _central_directory(tail: _Body) -> tuple[int, int]:
    data = tail.data
    pos = data.rfind(_EOCD_SIG)
    if pos < 0 or len(data) - pos < 22:
        raise RemoteZipError("no end-of-central-directory record at the end of the file")
    _, _, _, _, _, cd_size, cd_offset, _ = struct.unpack("<4sHHHHIIH", data[pos : pos + 22])
    if cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF:
        raise RemoteZipError("zip64 wheels are not supported by range reading")
    return cd_offset, cd_size


def _entries(cd: bytes) -> list[_Entry]:
    entries: list[_Entry] = []
    pos = 0
    while pos + 46 <= len(cd) and cd[pos : pos + 4] == _CDIR_SIG:
        (method,) = struct.unpack("<H", cd[pos + 10 : pos + 12])
        (csize,) = struct.unpack("<I", cd[pos + 20 : pos + 24])
        name_len, extra_len, comment_len = struct.unpack("<HHH", cd[pos + 28 : pos + 34])
        (offset,) = struct.unpack("<I", cd[pos + 42 : pos + 46])
        name = cd[pos + 46 : pos + 46 + name_len].decode("utf-8", errors="replace")
        entries.append(_Entry(name, method, csize, offset))
        pos += 46 + name_len + extra_len + comment_len
    return entries


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


async def read_member(
    client: Client,
    url: str,
    select: Callable[[str], bool],
    *,
    tail: int | None = None,
    content_id: str | None = None,
) -> tuple[str, bytes]:
    """Return ``(name, bytes)`` of the first member whose name ``select`` accepts.

    ``tail`` is how many bytes to read from the end first (default 8 KiB; see :func:`record_tail`).
    ``content_id`` (``sha256:<hex>`` of the wheel, from the index) keys the cached ranges by the file's
    content, so the same wheel on a mirror is never read again.
    """
    tail_size = max(1024, min(tail or _TAIL, client.max_bytes))
    first = await _fetch(client, url, (-tail_size, None), content_id)
    return await _read_from(client, url, select, first, content_id)


async def _read_from(
    client: Client, url: str, select: Callable[[str], bool], tail: _Body, content_id: str | None
) -> tuple[str, bytes]:
    """The member, from the tail already read plus whatever ranges are still missing."""
    cd_offset, cd_size = _central_directory(tail)
    if not tail.has(cd_offset, cd_offset + cd_size):
        tail = await _fetch(client, url, (cd_offset, cd_offset + cd_size - 1), content_id)
    entry = next((e for e in _entries(tail.slice(cd_offset, cd_offset + cd_size)) if select(e.name)), None)
    if entry is None:
        raise RemoteZipError("no such member in the remote wheel")
    # Local header is 30 bytes + name + extra; the extra length may differ from the central one.
    want_end = entry.local_offset + 30 + len(entry.name.encode()) + 1024 + entry.compressed_size
    body = tail if tail.has(entry.local_offset, entry.local_offset + 30) else None
    if body is None or not body.has(entry.local_offset, min(want_end, body.offset + len(body.data))):
        body = await _fetch(client, url, (entry.local_offset, want_end - 1), content_id)
    header = body.slice(entry.local_offset, entry.local_offset + 30)
    if header[:4] != _LOCAL_SIG:
        raise RemoteZipError("bad local file header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = entry.local_offset + 30 + name_len + extra_len
    end = start + entry.compressed_size
    if not body.has(start, end):
        body = await _fetch(client, url, (start, end - 1), content_id)
    raw = body.slice(start, end)
    if entry.method == 0:
        return entry.name, raw
    if entry.method == 8:
        return entry.name, _inflate(raw, client.max_bytes)
    raise RemoteZipError(f"unsupported compression method {entry.method}")


def _inflate(raw: bytes, limit: int) -> bytes:
    """Deflated member bytes, never more than ``limit`` of output (a zip bomb stops here, issue 9)."""
    inflater = zlib.decompressobj(-15)
    try:
        data = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        raise RemoteZipError(f"member does not inflate: {exc}") from exc
    if len(data) > limit:
        raise RemoteZipError(f"member inflates past the {limit}-byte cap")
    return data
