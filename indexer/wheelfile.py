"""The one wheel reader: ``METADATA``, ``RECORD`` or ``WHEEL`` of a wheel, from a local file, bytes, or byte ranges.

A wheel is a zip (binary distribution format; APPNOTE.TXT). Its central directory is at the end, so a
reader needs the tail, the directory, and one member: locally that is three seeks, remotely three Range
requests (``indexer/resolve/remote_zip.py`` drives this module's parsers over HTTP).

Nothing in a wheel is trusted: the member count, the central directory size, each member's compressed
and uncompressed size are capped before anything is read; inflating stops at the cap and the result must
match the sizes and CRC the archive declared; encrypted members and unknown compression are refused.
Every failure is a :class:`WheelError` with a one-line reason.
"""

from __future__ import annotations

import os
import stat
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexer.installed.safe_io import METADATA_LIMIT, RECORD_LIMIT, SMALL_FILE_LIMIT

MAX_MEMBERS = 200_000  # members in one wheel (the largest real wheels have tens of thousands)
MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024  # bytes of central directory read
TAIL = 64 * 1024 + 22 + 20 + 56  # EOCD with the longest comment, plus the zip64 locator and record
#: Uncompressed caps per dist-info member: the same as inspect applies to an installed one.
MEMBER_LIMITS = {"METADATA": METADATA_LIMIT, "RECORD": RECORD_LIMIT, "WHEEL": SMALL_FILE_LIMIT}
_LOCAL_HEADER = 30
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_U32 = 0xFFFFFFFF


class WheelError(Exception):
    """The wheel cannot be read as asked; the message is one line naming why."""


@dataclass(frozen=True)
class ZipMember:
    name: str
    method: int
    flags: int
    crc: int
    compressed_size: int
    uncompressed_size: int
    local_offset: int


@dataclass(frozen=True)
class CentralDirectory:
    offset: int
    size: int
    entries: int


def find_central_directory(tail: bytes, tail_offset: int) -> CentralDirectory:
    """Where the central directory is, from the last bytes of the file (``tail`` starts at ``tail_offset``)."""
    pos = tail.rfind(_EOCD, max(0, len(tail) - TAIL))
    if pos < 0 or len(tail) - pos < 22:
        raise WheelError("not a zip archive (no end of central directory record)")
    _sig, _disk, _cd_disk, _here, entries, cd_size, cd_offset = struct.unpack("<4sHHHHII", tail[pos : pos + 20])
    if _U32 in (cd_size, cd_offset) or entries == 0xFFFF:
        loc = pos - 20
        if loc < 0 or tail[loc : loc + 4] != _ZIP64_LOCATOR:
            raise WheelError("zip64 end record is missing its locator")
        (record_at,) = struct.unpack("<Q", tail[loc + 8 : loc + 16])
        rel = record_at - tail_offset
        if rel < 0 or rel + 56 > len(tail) or tail[rel : rel + 4] != _ZIP64_EOCD:
            raise WheelError("zip64 end of central directory record not found where its locator points")
        entries, cd_size, cd_offset = struct.unpack("<QQQ", tail[rel + 32 : rel + 56])
    if entries > MAX_MEMBERS:
        raise WheelError(f"{entries} members, more than the {MAX_MEMBERS} a wheel reader accepts")
    if cd_size > MAX_CENTRAL_DIRECTORY:
        raise WheelError(f"central directory of {cd_size} bytes, more than {MAX_CENTRAL_DIRECTORY}")
    return CentralDirectory(cd_offset, cd_size, entries)


def parse_central_directory(cd: bytes) -> list[ZipMember]:
    """The members listed in central directory bytes (zip64 sizes and offsets read from their extra field)."""
    members: list[ZipMember] = []
    pos = 0
    while pos + 46 <= len(cd) and cd[pos : pos + 4] == _CENTRAL:
        if len(members) >= MAX_MEMBERS:
            raise WheelError(f"more than {MAX_MEMBERS} members")
        flags, method, _t, _d, crc, csize, usize, n_len, x_len, c_len = struct.unpack(
            "<HHHHIIIHHH", cd[pos + 8 : pos + 34]
        )
        (offset,) = struct.unpack("<I", cd[pos + 42 : pos + 46])
        end = pos + 46 + n_len + x_len + c_len
        if end > len(cd):
            raise WheelError("central directory entry runs past its end")
        raw_name = cd[pos + 46 : pos + 46 + n_len]
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        usize, csize, offset = _zip64_fields(cd[pos + 46 + n_len : pos + 46 + n_len + x_len], usize, csize, offset)
        members.append(ZipMember(name, method, flags, crc, csize, usize, offset))
        pos = end
    return members


def _zip64_fields(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    """Sizes and offset from the zip64 extended information extra field (0x0001) where the 32-bit ones are full."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[pos : pos + 4])
        body = extra[pos + 4 : pos + 4 + size]
        if tag == 1:
            values = list(struct.unpack(f"<{len(body) // 8}Q", body[: len(body) // 8 * 8]))
            try:
                usize = values.pop(0) if usize == _U32 else usize
                csize = values.pop(0) if csize == _U32 else csize
                offset = values.pop(0) if offset == _U32 else offset
            except IndexError:
                raise WheelError("zip64 extra field is shorter than the sizes it replaces") from None
        pos += 4 + size
    return usize, csize, offset


def dist_info_member(members: list[ZipMember], wanted: str) -> ZipMember:
    """The top-level ``*.dist-info/<wanted>`` member; exactly one such directory must have it."""
    found = [m for m in members if m.name.count("/") == 1 and m.name.split("/")[0].endswith(".dist-info")]
    found = [m for m in found if m.name.split("/")[1] == wanted]
    if len(found) != 1:
        raise WheelError(f"expected one .dist-info/{wanted}, found {len(found)}")
    return found[0]


def data_span(member: ZipMember, local_header: bytes) -> tuple[int, int]:
    """``(start, end)`` of the member's compressed bytes, from its 30-byte local file header."""
    if len(local_header) < _LOCAL_HEADER or local_header[:4] != _LOCAL:
        raise WheelError(f"{member.name}: bad local file header")
    n_len, x_len = struct.unpack("<HH", local_header[26:30])
    start = member.local_offset + _LOCAL_HEADER + n_len + x_len
    return start, start + member.compressed_size


def check_member(member: ZipMember, limit: int) -> None:
    """Refuse before reading: encrypted, unknown compression, declared sizes over ``limit``."""
    if member.flags & 0x1:
        raise WheelError(f"{member.name} is encrypted")
    if member.method not in (0, 8):
        raise WheelError(f"{member.name} uses compression method {member.method} (wheels use stored or deflate)")
    if member.uncompressed_size > limit:
        raise WheelError(f"{member.name} declares {member.uncompressed_size} bytes, more than the {limit} read")
    if member.compressed_size > limit + 1024:  # deflate never grows data by more than a few bytes per block
        raise WheelError(f"{member.name} is {member.compressed_size} bytes compressed, more than {limit}")


def inflate(member: ZipMember, raw: bytes, limit: int) -> bytes:
    """The member's bytes from its compressed bytes: never more than ``limit``; sizes and CRC as declared."""
    check_member(member, limit)
    if len(raw) != member.compressed_size:
        raise WheelError(f"{member.name}: {len(raw)} compressed bytes, {member.compressed_size} declared")
    if member.method == 0:
        data = raw
    else:
        inflater = zlib.decompressobj(-15)
        try:
            data = inflater.decompress(raw, limit + 1)
        except zlib.error as exc:
            raise WheelError(f"{member.name}: corrupt deflate data ({exc})") from None
        if len(data) > limit or inflater.unconsumed_tail:
            raise WheelError(f"{member.name} inflates to more than {limit} bytes")
    if len(data) != member.uncompressed_size:
        raise WheelError(f"{member.name} inflates to {len(data)} bytes, {member.uncompressed_size} declared")
    if zlib.crc32(data) != member.crc:
        raise WheelError(f"{member.name}: CRC does not match")
    return data


def limit_for(name: str) -> int:
    """The cap for a member named ``*.dist-info/<name>`` (METADATA, RECORD, WHEEL; small for anything else)."""
    return MEMBER_LIMITS.get(name.rsplit("/", 1)[-1], SMALL_FILE_LIMIT)


ReadAt = Callable[[int, int], bytes]  # (offset, length) -> bytes (fewer at the end of the file)


def read_members(read_at: ReadAt, size: int, wanted: tuple[str, ...]) -> dict[str, bytes]:
    """``{name: bytes}`` of the ``*.dist-info/<name>`` members in ``wanted``, from a file of ``size`` bytes."""
    tail_offset = max(0, size - TAIL)
    where = find_central_directory(read_at(tail_offset, size - tail_offset), tail_offset)
    if where.offset + where.size > size:
        raise WheelError("central directory lies outside the file")
    members = parse_central_directory(read_at(where.offset, where.size))
    out: dict[str, bytes] = {}
    for name in wanted:
        member = dist_info_member(members, name)
        check_member(member, limit_for(name))
        start, end = data_span(member, read_at(member.local_offset, _LOCAL_HEADER))
        if end > size:
            raise WheelError(f"{member.name} runs past the end of the file")
        out[name] = inflate(member, read_at(start, end - start), limit_for(name))
    return out


def read_wheel(path: str | os.PathLike[str], wanted: tuple[str, ...] = ("METADATA",)) -> dict[str, bytes]:
    """:func:`read_members` of a local wheel file. Raises WheelError (OSError included, as its one line)."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise WheelError(f"{Path(path).name} is not a regular file")

            def read_at(offset: int, length: int) -> bytes:
                fh.seek(offset)
                return fh.read(length)

            return read_members(read_at, st.st_size, wanted)
    except OSError as exc:
        raise WheelError(f"{Path(path).name}: {exc.strerror or exc}") from None


def read_wheel_bytes(data: bytes, wanted: tuple[str, ...] = ("METADATA",)) -> dict[str, bytes]:
    """:func:`read_members` of a wheel held in memory (a download)."""
    view = memoryview(data)
    return read_members(lambda offset, length: bytes(view[offset : offset + length]), len(data), wanted)


def wheel_metadata(path: str | os.PathLike[str]) -> bytes:
    """The ``*.dist-info/METADATA`` bytes of a local wheel."""
    return read_wheel(path, ("METADATA",))["METADATA"]


__all__ = [
    "MEMBER_LIMITS",
    "WheelError",
    "ZipMember",
    "data_span",
    "dist_info_member",
    "find_central_directory",
    "inflate",
    "limit_for",
    "parse_central_directory",
    "read_members",
    "read_wheel",
    "read_wheel_bytes",
    "wheel_metadata",
]
