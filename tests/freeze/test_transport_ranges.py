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
    names = [row.split(",", 1)[0] for row in installed_rows]
    tail = record_tail(names, len("\n".join(installed_rows)))
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
