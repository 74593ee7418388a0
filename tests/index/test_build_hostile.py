"""build-index against hostile wheels and a hostile OUT_DIR: one line per bad file, nothing written outside.

Zip bombs are built by the tests (streamed, so the test never holds 200 MB) and indexed by the real
``indexer build-index`` command in a subprocess under ``RLIMIT_AS``: a regression that inflates the bomb
fails fast with a MemoryError instead of exhausting the machine.
"""

from __future__ import annotations

import json
import os
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from indexer.index.build import IndexBuildError, build_index
from tests.support.wheels import build_wheel, dist_info_name

BOMB_SIZE = 200 * 1024 * 1024
#: address space for build-index: Python + packaging need well under this; the bomb's METADATA alone is 200 MB
MEMORY_LIMIT = 320 * 1024 * 1024


def write_bomb(folder: Path, name: str, *, zip64: bool = False) -> Path:
    """A wheel whose METADATA is valid headers followed by 200 MB of spaces (about 200 KB deflated)."""
    path = folder / f"{name}-1.0-py3-none-any.whl"
    dist_info = dist_info_name(name, "1.0")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open(f"{dist_info}/METADATA", "w", force_zip64=zip64) as member:
            member.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\n".encode())
            block = b" " * (1 << 20)
            for _ in range(BOMB_SIZE // len(block)):
                member.write(block)
        zf.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{dist_info}/RECORD", "")
    return path


def patch_member(path: Path, member: str, *, flag_bits: int = 0, declared: int | None = None) -> None:
    """OR ``flag_bits`` into one member's general-purpose flags, or change its declared uncompressed size, in
    both of its zip headers (zipfile believes the central directory; the local header must agree on flags)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        local = zf.getinfo(member).header_offset
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(member)] != member.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    for offset in (local + 6, central + 8):
        struct.pack_into("<H", data, offset, struct.unpack_from("<H", data, offset)[0] | flag_bits)
    if declared is not None:
        struct.pack_into("<I", data, local + 22, declared)
        struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_build_index(wheels: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indexer", "build-index", str(wheels), str(out)],
        capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory,
        env={**os.environ, "MALLOC_ARENA_MAX": "2"}, check=False,
    )


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("bombs")
    build_wheel(wheels, "good", "1.0", {"good.py": "X = 1\n"})
    write_bomb(wheels, "bomb")
    write_bomb(wheels, "bomb64", zip64=True)
    liar = write_bomb(wheels, "liar")  # its headers declare a small METADATA; the data inflates to 200 MB
    patch_member(liar, f"{dist_info_name('liar', '1.0')}/METADATA", declared=100)
    locked = build_wheel(wheels, "locked", "1.0", {"locked.py": ""})
    patch_member(locked, f"{dist_info_name('locked', '1.0')}/METADATA", flag_bits=0x1)
    return wheels


def test_zip_bombs_are_one_line_each_and_the_rest_is_built(bombs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run_build_index(bombs, out)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stdout + done.stderr
    problems = [line for line in done.stdout.splitlines() if line.startswith("indexer build-index: ")]
    by_wheel = {p.split(": ")[1]: p for p in problems}
    assert sorted(by_wheel) == [f"{n}-1.0-py3-none-any.whl" for n in ("bomb", "bomb64", "liar", "locked")]
    assert len(problems) == 4
    assert "declares 209715" in by_wheel["bomb-1.0-py3-none-any.whl"]
    assert "declares 209715" in by_wheel["bomb64-1.0-py3-none-any.whl"]
    assert "encrypted" in by_wheel["locked-1.0-py3-none-any.whl"]
    # The good wheel is published; nothing of the bad ones is.
    assert sorted(p.name for p in (out / "files").iterdir()) == [
        "good-1.0-py3-none-any.whl", "good-1.0-py3-none-any.whl.metadata"
    ]
    assert [p["name"] for p in json.loads((out / "simple/index.json").read_text())["projects"]] == ["good"]


def test_a_member_that_inflates_past_what_it_declares_is_refused(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path, "short", "1.0", {"short.py": ""})
    member = f"{dist_info_name('short', '1.0')}/METADATA"
    patch_member(wheel, member, declared=10)
    built = build_index(tmp_path, tmp_path / "out")
    (problem,) = built.problems
    assert problem.startswith("short-1.0-py3-none-any.whl: ") and built.projects == {}


def test_bad_files_are_problems_by_name_and_the_rest_is_built(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    build_wheel(wheels, "other", "1.0", {"other.py": ""})
    (wheels / "other-1.0-py3-none-any.whl").rename(wheels / "renamed-1.0-py3-none-any.whl")
    build_wheel(wheels, "fine", "2.0", {"fine.py": ""})
    built = build_index(wheels, tmp_path / "out")
    assert built.problems == [
        "broken-1.0-py3-none-any.whl: not a zip archive (no end of central directory record)",
        "renamed-1.0-py3-none-any.whl: METADATA Name 'other' does not match the file name",
    ]
    assert sorted(built.projects) == ["fine"]
    assert (tmp_path / "out/simple/fine/index.json").is_file()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside OUT_DIR with a canary file that must stay as it is."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "canary").write_text("untouched")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    folder = tmp_path / "wheels"
    folder.mkdir()
    build_wheel(folder, "six", "1.17.0", {"six.py": ""})
    build_wheel(folder, "attrs", "25.1.0", {"attrs/__init__.py": ""})
    return folder


@pytest.mark.parametrize("linked", ["files", "simple"])
def test_a_symlinked_top_folder_is_refused(wheels: Path, tmp_path: Path, outside: Path, linked: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / linked).symlink_to(outside)
    with pytest.raises(IndexBuildError, match=f"{linked} is a symlink"):
        build_index(wheels, out)
    assert snapshot(outside) == {"canary": b"untouched"}


def test_symlinks_inside_out_dir_are_replaced_never_written_through(
    wheels: Path, tmp_path: Path, outside: Path
) -> None:
    out = tmp_path / "out"
    (out / "files").mkdir(parents=True)
    (out / "simple").mkdir()
    (out / "files" / "six-1.17.0-py3-none-any.whl").symlink_to(outside / "canary")
    (out / "files" / "six-1.17.0-py3-none-any.whl.metadata").symlink_to(outside / "canary")
    (out / "simple" / "index.html").symlink_to(outside / "canary")
    (out / "simple" / "index.json.tmp").symlink_to(outside / "canary")  # where an older build staged pages
    (out / "simple" / "attrs").symlink_to(outside)
    built = build_index(wheels, out)
    assert snapshot(outside) == {"canary": b"untouched"}
    assert built.problems == [f"attrs: {out / 'simple' / 'attrs'} is a symlink: build-index never writes through one"]
    assert sorted(built.projects) == ["six"]
    for name in ("files/six-1.17.0-py3-none-any.whl", "files/six-1.17.0-py3-none-any.whl.metadata",
                 "simple/index.html"):
        assert not (out / name).is_symlink() and (out / name).read_bytes() != b"untouched", name
    assert (out / "files/six-1.17.0-py3-none-any.whl").read_bytes() == (
        wheels / "six-1.17.0-py3-none-any.whl"
    ).read_bytes()


def test_cli_exit_code_and_lines(wheels: Path, tmp_path: Path) -> None:
    (wheels / "evil\x1b[31m-1.0-py3-none-any.whl").write_bytes(b"junk")
    done = run_build_index(wheels, tmp_path / "out")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and "\x1b" not in done.stdout
    assert lines[0].startswith("indexer build-index: evil\\x1b[31m-1.0-py3-none-any.whl: ")
    assert lines[1].startswith("wrote 2 projects, 2 files")
