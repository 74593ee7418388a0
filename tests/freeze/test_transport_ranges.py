"""Range reads of a remote wheel: one request sized by the installed RECORD, and a bounded inflate."""

from __future__ import annotations

import hashlib
import random
import shutil
import zipfile
from pathlib import Path

import pytest

from indexer.index.server import serve_in_thread
from indexer.resolve.client import Client, DiskCache
from indexer.resolve.remote_zip import RemoteZipError, read_member, record_tail
from tests.support.wheels import build_wheel


def _is_record(name: str) -> bool:
    return name.endswith(".dist-info/RECORD") and name.count("/") == 1


async def test_record_read_in_one_request_sized_by_the_installed_record(tmp_path: Path) -> None:
    rng = random.Random(7)
    files = {f"pkg/mod_{i}.py": rng.randbytes(3000).hex() for i in range(40)}  # ~240 KB of barely compressible code
    wheel = build_wheel(tmp_path / "files", "pkg", "1.0", files)
    with zipfile.ZipFile(wheel) as zf:
        record = zf.read("pkg-1.0.dist-info/RECORD")
    # What an installer leaves: the wheel's rows plus its own (INSTALLER, .pyc files).
    installed_rows = [*record.decode().splitlines(), "pkg-1.0.dist-info/INSTALLER,sha256=x,4"]
    installed_rows += [f"pkg/__pycache__/mod_{i}.cpython-311.pyc,," for i in range(40)]
    wheel_rows = [row for row in installed_rows if "__pycache__" not in row and "/INSTALLER," not in row]
    tail = record_tail([row.split(",", 1)[0] for row in wheel_rows], "\n".join(wheel_rows).encode())
    assert tail < wheel.stat().st_size // 10
    with serve_in_thread(tmp_path) as server:
        async with Client() as client:
            name, data = await read_member(client, f"{server.url}files/{wheel.name}", _is_record, tail=tail)
        wheel_requests = server.requests_for(f"/files/{wheel.name}")
    assert (name, data) == ("pkg-1.0.dist-info/RECORD", record)
    assert len(wheel_requests) == 1 and wheel_requests[0].headers["Range"] == f"bytes=-{tail}"


async def test_a_member_that_inflates_past_the_cap_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    bomb = folder / "bomb-1.0-py3-none-any.whl"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb/__init__.py", "")
        zf.writestr("bomb-1.0.dist-info/RECORD", bytes(8 << 20))  # 8 MiB of zeros, ~8 KB deflated
    with serve_in_thread(tmp_path) as server:
        async with Client(max_bytes=1 << 20) as client:
            # The one wheel reader's refusal (indexer.wheelfile): the declared size is over the cap, nothing inflates.
            with pytest.raises(
                RemoteZipError, match=r"^bomb-1.0.dist-info/RECORD declares 8388608 bytes, more than the 1048576 read$"
            ):
                await read_member(client, f"{server.url}files/{bomb.name}", _is_record)


async def test_ranges_of_one_wheel_are_read_once_whatever_mirror_serves_it(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "files", "pkg", "1.0", {"pkg/__init__.py": "X = 1\n"})
    (tmp_path / "mirror").mkdir()
    shutil.copy(wheel, tmp_path / "mirror" / wheel.name)
    content_id = "sha256:" + hashlib.sha256(wheel.read_bytes()).hexdigest()
    cache = DiskCache(tmp_path / "cache")
    with serve_in_thread(tmp_path) as server:
        results = []
        for folder in ("files", "mirror", "files"):
            async with Client(cache=cache) as client:
                url = f"{server.url}{folder}/{wheel.name}"
                results.append(await read_member(client, url, _is_record, content_id=content_id))
        assert len(set(results)) == 1 and results[0][0] == "pkg-1.0.dist-info/RECORD"
        assert [r.path for r in server.log] == [f"/files/{wheel.name}"]  # one range request in all


def _rewrite(wheel: Path, out: Path, *, directories: bool, record_last: bool, comment: bytes = b"") -> bytes:
    """``wheel`` rewritten the way repair tools write them: directory entries, RECORD not last, a comment."""
    with zipfile.ZipFile(wheel) as src:
        members = [(i.filename, src.read(i)) for i in src.infolist()]
    record = next(m for m in members if m[0].endswith(".dist-info/RECORD"))
    members.remove(record)
    members.insert(len(members) if record_last else len(members) - 20, record)
    dirs = sorted({name.rsplit("/", 1)[0] + "/" for name, _ in members if "/" in name})
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in dirs if directories else ():
            dst.writestr(name, b"")
        for name, data in members:
            dst.writestr(name, data)
        dst.comment = comment
    return record[1]


@pytest.mark.parametrize(
    ("directories", "record_last", "comment", "requests"),
    [
        (True, True, b"", 2),  # the directory is longer than estimated: its rest comes with RECORD
        (False, False, b"", 2),  # RECORD further back: read exactly where the directory says
        (True, False, b"", 3),  # both: the directory's rest, then RECORD
        (False, True, b"c" * 4000, 2),  # a zip comment hides the end record: the longest tail a zip can need
    ],
)
async def test_a_tail_estimate_that_falls_short_costs_one_more_range(
    tmp_path: Path, directories: bool, record_last: bool, comment: bytes, requests: int
) -> None:
    files = {f"pkg/sub{i}/mod.py": f"X = {i}\n" * 50 for i in range(30)}
    built = build_wheel(tmp_path / "built", "pkg", "1.0", files)
    (tmp_path / "files").mkdir()
    wheel = tmp_path / "files" / built.name
    record = _rewrite(built, wheel, directories=directories, record_last=record_last, comment=comment)
    rows = record.decode().splitlines()
    # The estimate knows only the RECORD's rows: no directory entries, RECORD last, no comment.
    tail = record_tail([row.split(",", 1)[0] for row in rows], record)
    with serve_in_thread(tmp_path) as server:
        async with Client() as client:
            name, data = await read_member(client, f"{server.url}files/{wheel.name}", _is_record, tail=tail)
        ranges = [r.headers["Range"] for r in server.requests_for(f"/files/{wheel.name}")]
    assert (name, data) == ("pkg-1.0.dist-info/RECORD", record)
    assert len(ranges) == requests and ranges[0] == f"bytes=-{tail}"
