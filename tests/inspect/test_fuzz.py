"""Hypothesis fuzzing of every parser inspect and the wheel reader run on untrusted bytes (issue 9).

The property is the same for each: no exception escapes (only the reader's own one-line error type), every
problem is one printable line, and each example finishes within the deadline.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.installed import inspect
from indexer.installed.attribution import attribute, parse_url_json
from indexer.installed.metadata import parse_metadata
from indexer.installed.model import InstallerFiles, Problem
from indexer.installed.names import parse_dist_info_name, parse_wheel_name, shown
from indexer.installed.record import parse_record
from indexer.installed.scan import parse_wheel_tags
from indexer.wheelfile import WheelError, find_central_directory, parse_central_directory, read_wheel_bytes
from tests.inspect.installs import uv_install
from tests.support.wheels import build_wheel

FUZZ = settings(max_examples=300, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])

# Text that looks like the format often enough to get past the first check.
record_text = st.lists(
    st.lists(st.one_of(st.text(max_size=40), st.sampled_from(["a.py", "../x", "/abs", "sha256=AAAA", "12", "-1"])),
             max_size=5).map(lambda cells: ",".join(cells)),
    max_size=30,
).map("\n".join)  # fmt: skip
metadata_bytes = st.one_of(
    st.binary(max_size=2000),
    st.lists(
        st.tuples(
            st.sampled_from(["Metadata-Version", "Name", "Version", "Requires-Dist", "Import-Name", "Dynamic", "X"]),
            st.text(max_size=60),
        ),
        max_size=20,
    ).map(lambda fields: "".join(f"{k}: {v}\n" for k, v in fields).encode("utf-8", "surrogatepass")),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=30,
)
url_json = st.dictionaries(
    st.sampled_from(["url", "vcs_info", "dir_info", "archive_info", "subdirectory", "hashes", "editable"]),
    json_values,
    max_size=5,
)


def _one_line(problems: list[Problem]) -> None:
    for p in problems:
        assert "\n" not in p.message or p.code.startswith("metadata"), p


@FUZZ
@given(record_text)
def test_record(text: str) -> None:
    record = parse_record(text, "fuzz 1.0", 3)
    assert all(row.normalized is None or not row.normalized.startswith("../") for row in record.rows)
    _one_line(record.problems)


@FUZZ
@given(metadata_bytes)
def test_metadata(data: bytes) -> None:
    parse_metadata(data, "fuzz 1.0")


@FUZZ
@given(st.lists(st.one_of(st.text(max_size=60), st.just("Tag: py3.py2-none.abi3-any.linux")), max_size=10))
def test_wheel_tags(lines: list[str]) -> None:
    problems: list[Problem] = []
    tags = parse_wheel_tags("\n".join(f"Tag: {line}" for line in lines).encode("utf-8", "surrogatepass"), "f", problems)
    assert len(tags) <= 1024
    _one_line(problems)


@FUZZ
@given(st.one_of(st.binary(max_size=500), url_json.map(lambda v: json.dumps(v).encode())))
def test_direct_url_json(data: bytes) -> None:
    problems: list[Problem] = []
    value = parse_url_json(data, "direct_url.json", "fuzz 1.0", problems)
    assert (value is None) == bool(problems)
    if value is not None:
        attribute(Path("/nonexistent"), "pip", InstallerFiles(direct_url=value), "fuzz 1.0", problems)
    _one_line(problems)


@FUZZ
@given(url_json.map(lambda v: {**v, "url": "https://u:p@h/x"}))
def test_attribution_of_any_direct_url_object(value: dict[str, Any]) -> None:
    source = attribute(Path("/nonexistent"), None, InstallerFiles(direct_url=value), "f", [])
    assert source.url == "https://h/x"  # credentials never kept


@FUZZ
@given(
    st.one_of(
        st.text(max_size=80),
        st.from_regex(
            r"[a-z_]{1,8}-[0-9.]{1,6}(-[0-9]x?)?-[a-z0-9_.]{1,12}-[a-z0-9_.]{1,8}-[a-z0-9_.]{1,20}\.whl", fullmatch=True
        ),
    )
)
def test_wheel_and_dist_info_names(name: str) -> None:
    parsed = parse_wheel_name(name)
    assert parsed is None or name.endswith(".whl")
    parse_dist_info_name(name)
    shown(name).encode("utf-8")


def _wheel_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


SAMPLE = _wheel_bytes({"d-1.dist-info/METADATA": b"Name: d\n" * 20, "d-1.dist-info/RECORD": b"a,,\n", "d/a.py": b""})


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_zip_with_flipped_bytes(flips: list[tuple[int, int]]) -> None:
    data = bytearray(SAMPLE)
    for offset, value in flips:
        data[offset] = value
    try:
        read_wheel_bytes(bytes(data), ("METADATA", "RECORD"))
    except WheelError as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(st.binary(max_size=3000), st.integers(0, 1 << 40))
def test_central_directory_parsers(data: bytes, offset: int) -> None:
    cd = b"PK\x01\x02" + data
    try:
        parse_central_directory(cd)
        find_central_directory(data + b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, 46, 0, 0), offset)
    except WheelError:
        pass


@settings(max_examples=40, deadline=timedelta(seconds=10), suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["RECORD", "METADATA", "WHEEL", "direct_url.json", "INSTALLER", "PYODIDE_SOURCE", "top_level.txt"]),
    st.binary(max_size=3000),
)
def test_inspect_survives_any_dist_info_file(tmp_path_factory: Any, name: str, data: bytes) -> None:
    site = _site(tmp_path_factory)
    target = next(site.glob("victim-*.dist-info")) / name
    target.write_bytes(data)
    env = inspect([site])
    assert {d.name for d in env.distributions} >= {"bystander"}
    json.dumps(env.to_json()).encode("utf-8")


_SITES: dict[str, Path] = {}


def _site(factory: Any) -> Path:
    if "site" not in _SITES:
        root = factory.mktemp("fuzz-site")
        wheels = root / "wheels"
        uv_install(root / "site", str(build_wheel(wheels, "victim", "1.0", {"victim.py": ""})))
        uv_install(root / "site", str(build_wheel(wheels, "bystander", "1.0", {"bystander.py": ""})))
        _SITES["site"] = root / "site"
    return _SITES["site"]


@FUZZ
@given(st.sampled_from([b"\x00asm", b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b""]), st.binary(max_size=4000))
def test_binary_tables(tmp_path_factory: Any, magic: bytes, body: bytes) -> None:
    from indexer.installed.binary import read_binary

    path = tmp_path_factory.getbasetemp() / "fuzz.so"
    path.write_bytes(magic + body)
    info = read_binary(path)
    assert info.format in ("wasm", "elf", "pe", "macho", "unknown")
