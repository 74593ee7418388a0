"""indexer.wheelfile, the one wheel reader: real wheels read right; hostile zips refused with a one-line reason."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from indexer.installed.safe_io import METADATA_LIMIT
from indexer.wheelfile import WheelError, read_wheel, read_wheel_bytes, wheel_metadata
from tests.support.wheels import build_wheel, dist_info_name

DI = dist_info_name("bomb", "1.0")


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _patch_central(data: bytes, name: str, offset: int, fmt: str, value: int) -> bytes:
    """Overwrite one field of ``name``'s central directory entry (offset from the entry's signature)."""
    pos = data.index(b"PK\x01\x02")
    while True:
        n_len, x_len, c_len = struct.unpack("<HHH", data[pos + 28 : pos + 34])
        if data[pos + 46 : pos + 46 + n_len].decode() == name:
            break
        pos = data.index(b"PK\x01\x02", pos + 46 + n_len + x_len + c_len)
    out = bytearray(data)
    struct.pack_into(fmt, out, pos + offset, value)
    return bytes(out)


def test_reads_the_dist_info_members_of_a_real_wheel(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "demo", "1.0", {"demo/__init__.py": "x = 1\n"}, metadata={"Summary": "s"})
    got = read_wheel(wheel, ("METADATA", "RECORD", "WHEEL"))
    with zipfile.ZipFile(wheel) as zf:
        di = dist_info_name("demo", "1.0")
        assert got == {n: zf.read(f"{di}/{n}") for n in ("METADATA", "RECORD", "WHEEL")}
    assert wheel_metadata(wheel) == got["METADATA"]
    assert read_wheel_bytes(wheel.read_bytes(), ("RECORD",)) == {"RECORD": got["RECORD"]}


def test_stored_members_and_zip64_archives() -> None:
    # More than 65535 members forces the zip64 end-of-central-directory record (APPNOTE 4.3.14).
    members = {f"pkg/m{i}.py": b"" for i in range(65_540)}
    members[f"{DI}/METADATA"] = b"Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n"
    data = _zip(members, zipfile.ZIP_STORED)
    assert b"PK\x06\x06" in data[-200:]
    assert read_wheel_bytes(data)["METADATA"] == members[f"{DI}/METADATA"]


def test_metadata_declared_larger_than_the_cap_is_not_inflated() -> None:
    data = _zip({f"{DI}/METADATA": b"\0" * (METADATA_LIMIT + 1)})
    with pytest.raises(WheelError, match=r"METADATA declares \d+ bytes, more than the \d+ read"):
        read_wheel_bytes(data)


def test_metadata_that_lies_about_its_size_stops_at_the_cap() -> None:
    honest = _zip({f"{DI}/METADATA": b"\0" * (METADATA_LIMIT * 4)})
    lying = _patch_central(honest, f"{DI}/METADATA", 24, "<I", 100)  # uncompressed size: 100 bytes
    with pytest.raises(WheelError, match="inflates to more than"):
        read_wheel_bytes(lying)
    small = _zip({f"{DI}/METADATA": b"Name: bomb\n" * 10})
    with pytest.raises(WheelError, match="inflates to 110 bytes, 50 declared"):
        read_wheel_bytes(_patch_central(small, f"{DI}/METADATA", 24, "<I", 50))


@pytest.mark.parametrize(
    ("offset", "fmt", "value", "reason"),
    [
        (8, "<H", 0x1, "is encrypted"),
        (10, "<H", 99, "compression method 99"),
        (16, "<I", 0, "CRC does not match"),
    ],
    ids=["encrypted", "unknown-method", "crc"],
)
def test_member_refused(offset: int, fmt: str, value: int, reason: str) -> None:
    data = _zip({f"{DI}/METADATA": b"Name: bomb\n"})
    with pytest.raises(WheelError, match=reason):
        read_wheel_bytes(_patch_central(data, f"{DI}/METADATA", offset, fmt, value))


def test_member_count_over_the_cap_is_refused_before_reading_the_directory() -> None:
    data = bytearray(_zip({f"{DI}/METADATA": b"x"}))
    eocd = data.rindex(b"PK\x05\x06")
    struct.pack_into("<HHII", data, eocd + 8, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    with pytest.raises(WheelError, match="zip64 end record is missing its locator"):
        read_wheel_bytes(bytes(data))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not a zip at all", "not a zip archive"),
        (_zip({"a-1.dist-info/METADATA": b"x", "b-1.dist-info/METADATA": b"y"}), "found 2"),
        (_zip({"pkg/__init__.py": b""}), "found 0"),
        (_zip({f"{DI}/METADATA": b"x" * 1000})[:-200], "not a zip archive"),
    ],
    ids=["garbage", "two-dist-infos", "no-dist-info", "truncated"],
)
def test_not_a_readable_wheel(data: bytes, reason: str) -> None:
    with pytest.raises(WheelError, match=reason):
        read_wheel_bytes(data)


def test_local_file_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(WheelError, match=r"^missing\.whl: No such file or directory$"):
        read_wheel(tmp_path / "missing.whl")
    os.mkfifo(tmp_path / "fifo.whl")
    with pytest.raises(WheelError, match="not a regular file"):
        _fifo(tmp_path / "fifo.whl")


def _fifo(path: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes; open a writer first so the test cannot hang.
    fd = os.open(path, os.O_RDWR)
    try:
        read_wheel(path)
    finally:
        os.close(fd)


def test_build_index_on_a_metadata_bomb_is_bounded(tmp_path: Path) -> None:
    """A 200 MB METADATA in a small wheel: build-index names the wheel and stays under a 600 MB address space."""
    wheels = tmp_path / "in"
    wheels.mkdir()
    bomb = _zip({f"{DI}/METADATA": b"\0" * (200 * 1024 * 1024)})
    bomb = _patch_central(bomb, f"{DI}/METADATA", 24, "<I", 100)  # and it claims to be 100 bytes
    (wheels / "bomb-1.0-py3-none-any.whl").write_bytes(bomb)
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (600 << 20, 600 << 20));"
        "from indexer.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "build-index", str(wheels), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "MemoryError" not in output, output
    assert "bomb-1.0-py3-none-any.whl: bomb-1.0.dist-info/METADATA inflates to more than 16777216 bytes" in output
    assert not (tmp_path / "out" / "files" / "bomb-1.0-py3-none-any.whl.metadata").exists()


async def test_range_reads_of_a_served_bomb_stop_at_the_cap(tmp_path: Path) -> None:
    """remote_zip drives the same reader over HTTP Range on the real server: the lie is caught, nothing inflates."""
    from indexer.index.server import serve_in_thread
    from indexer.resolve.client import Client
    from indexer.resolve.remote_zip import RemoteZipError, read_member

    files = tmp_path / "files"
    files.mkdir()
    bomb = _zip({f"{DI}/METADATA": b"\0" * (METADATA_LIMIT * 4), f"{DI}/RECORD": b"a.py,,\n"})
    (files / "bomb-1.0-py3-none-any.whl").write_bytes(_patch_central(bomb, f"{DI}/METADATA", 24, "<I", 100))
    with serve_in_thread(tmp_path) as server:
        url = f"{server.url}files/bomb-1.0-py3-none-any.whl"
        client = Client()
        try:
            name, record = await read_member(client, url, lambda n: n.endswith(".dist-info/RECORD"))
            assert (name, record) == (f"{DI}/RECORD", b"a.py,,\n")
            with pytest.raises(RemoteZipError, match=f"^{DI}/METADATA inflates to more than {METADATA_LIMIT} bytes$"):
                await read_member(client, url, lambda n: n.endswith(".dist-info/METADATA"))
        finally:
            await client.aclose()
        assert all(r.status == 206 for r in server.log if r.path.endswith(".whl"))
