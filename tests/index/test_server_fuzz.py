"""The server's parsers of client input under hypothesis: no exception but the documented one escapes, results
stay within bounds, and time stays bounded (hypothesis' per-example deadline)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.index.server import (
    BadRequest,
    RangeNotSatisfiable,
    _absolute_json,
    negotiate,
    parse_range,
    path_segments,
)

range_like = st.one_of(
    st.text(max_size=200),
    st.from_regex(r"\Abytes\s*=\s*\d{0,30}\s*-\s*\d{0,30}(,\s*\d{0,5}-\d{0,5})*\s*\Z"),
)


@settings(max_examples=400)
@given(range_like, st.integers(min_value=0, max_value=1 << 62))
def test_parse_range_is_total(header: str, size: int) -> None:
    try:
        span = parse_range(header, size)
    except RangeNotSatisfiable:
        return
    if span is not None:
        start, end = span
        assert 0 <= start <= end < size


@settings(max_examples=400)
@given(st.lists(st.sampled_from(["/", ".", "..", "a", "%2e", "\\", "\x00", "\n", "é", "//"]), max_size=40).map("".join))
def test_path_segments_never_escape(path: str) -> None:
    try:
        segments = path_segments(path)
    except BadRequest:
        return
    assert all(s not in ("", ".", "..") and "/" not in s for s in segments)
    assert not any(ord(c) < 0x20 for s in segments for c in s)


@given(st.text(max_size=300), st.one_of(st.none(), st.text(max_size=50)), st.booleans(), st.booleans())
def test_negotiate_is_total(accept: str, fmt: str | None, have_json: bool, have_html: bool) -> None:
    choice = negotiate(accept, fmt, have_json, have_html)
    assert choice in ({"json"} if have_json else set()) | ({"html"} if have_html else set()) | {None}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["files", "url", "x"]), inner, max_size=3),
    max_leaves=20,
)


@given(st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())))
def test_absolute_json_never_raises(data: bytes) -> None:
    out = _absolute_json(data, "http://127.0.0.1:1/simple/x/")
    assert isinstance(out, bytes)
