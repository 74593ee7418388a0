"""Project pages as servers really write them: PEP 691 JSON (with aliases and relative URLs) and PEP 503 HTML."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.resolve.simple_api import IndexFile, PageError, parse_project_page

PAGE = "https://idx.test/simple/demo/"


def test_json_page_fields_aliases_and_relative_urls() -> None:
    page = {
        "meta": {"api-version": "1.3"},
        "name": "demo",
        "versions": ["1.0"],
        "files": [
            {
                "filename": "demo-1.0-py3-none-any.whl",
                "url": "../../files/demo-1.0-py3-none-any.whl#sha256=ignored",
                "hashes": {"sha256": "AB" * 32},
                "requires-python": ">=3.9",
                "dist-info-metadata": {"sha256": "cd" * 32},  # PEP 714 legacy alias
                "yanked": "broken build",
                "size": 123,
                "upload-time": "2024-01-01T00:00:00.000000Z",
                "provenance": None,
                "some-future-key": [1, 2],
            },
            {"filename": "demo-1.0.tar.gz", "url": "/files/demo-1.0.tar.gz", "hashes": {}, "core-metadata": True},
        ],
    }
    parsed = parse_project_page(json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json", PAGE)
    wheel, sdist = parsed.files
    assert wheel.url == "https://idx.test/files/demo-1.0-py3-none-any.whl"
    assert wheel.sha256 == "ab" * 32 and wheel.metadata_sha256 == "cd" * 32
    assert wheel.yanked == "broken build" and wheel.size == 123 and wheel.requires_python == ">=3.9"
    assert sdist.url == "https://idx.test/files/demo-1.0.tar.gz" and sdist.core_metadata is True
    assert parsed.format == "json" and parsed.api_version == "1.3"


def test_json_major_version_2_hard_fails() -> None:
    page = {"meta": {"api-version": "2.0"}, "name": "demo", "files": []}
    with pytest.raises(PageError, match=r"unsupported simple API version 2\.0"):
        parse_project_page(json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json", PAGE)


def test_html_page_anchors() -> None:
    html = b"""<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.1"></head><body>
    <a href="/files/demo-1.0-py3-none-any.whl#sha256=EF01EF01EF01EF01EF01EF01EF01EF01EF01EF01EF01EF01EF01EF01EF01EF01"
       data-requires-python="&gt;=3.9"
       data-dist-info-metadata="sha256=abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd"
       >demo-1.0-py3-none-any.whl</a>
    <a href="demo-0.9-py3-none-any.whl" data-yanked="">demo-0.9-py3-none-any.whl</a>
    <a href="demo-0.8-py3-none-any.whl" data-core-metadata="true">demo-0.8-py3-none-any.whl</a>
    </body></html>"""
    parsed = parse_project_page(html, "text/html", PAGE)
    new, yanked, old = parsed.files
    assert new.url == "https://idx.test/files/demo-1.0-py3-none-any.whl" and new.sha256 == "ef01" * 16
    assert new.requires_python == ">=3.9" and new.metadata_sha256 == "abcd" * 16 and new.problem is None
    assert yanked.url == PAGE + "demo-0.9-py3-none-any.whl" and yanked.yanked is True
    assert old.core_metadata is True and old.metadata_sha256 is None
    assert parsed.format == "html"


def test_content_type_decides_not_the_request() -> None:
    # JSON bytes labelled text/html are parsed as HTML (no anchors), never sniffed as JSON.
    body = json.dumps({"meta": {"api-version": "1.0"}, "files": [{"filename": "x", "url": "x"}]}).encode()
    assert parse_project_page(body, "text/html", PAGE).files == ()
    with pytest.raises(PageError, match="unexpected Content-Type 'application/octet-stream'"):
        parse_project_page(body, "application/octet-stream", PAGE)


def _one(entry: dict[str, object]) -> IndexFile:
    page = {"meta": {"api-version": "1.1"}, "name": "demo", "files": [entry]}
    return parse_project_page(json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json", PAGE).files[0]


def test_json_entries_are_checked_not_trusted() -> None:
    good = {"filename": "demo-1.0-py3-none-any.whl", "url": "demo-1.0-py3-none-any.whl", "size": 10}
    ok = _one(dict(good, hashes={"sha256": "AB" * 32, "md5": "cd" * 16, "future-algo": "x"}))
    assert ok.problem is None and dict(ok.hashes) == {"sha256": "ab" * 32, "md5": "cd" * 16}
    assert _one(dict(good, hashes={"sha256": "ab" * 33})).problem == f"malformed sha256 {'ab' * 33!r}"
    assert _one(dict(good, hashes={"sha256": 5})).problem == "malformed sha256 '5'"
    assert _one(dict(good, url="javascript:alert(1)")).problem == "URL scheme javascript: is not http(s)"
    assert _one(dict(good, size=-5)).size is None and _one(good).size == 10


def test_html_entries_are_checked_not_trusted() -> None:
    html = b"""<a href="data:text/plain,x#sha256=00">demo-1.0-py3-none-any.whl</a>
    <a href="/f/demo-0.9-py3-none-any.whl#sha256=xyz" data-core-metadata="sha256=12">demo-0.9-py3-none-any.whl</a>"""
    bad_url, bad_hash = parse_project_page(html, "text/html", PAGE).files
    assert bad_url.problem == "URL scheme data: is not http(s)"
    assert bad_hash.problem == "malformed sha256 'xyz'" and bad_hash.sha256 is None


def test_version_prefilter_keeps_every_spelling_of_the_installed_version() -> None:
    from indexer.resolve.match import may_be_version

    page = {
        "meta": {"api-version": "1.1"},
        "files": [
            {"filename": name, "url": name, "hashes": {}}
            for name in ["demo-1.0.0-py3-none-any.whl", "demo-1.0-2-py3-none-any.whl", "demo-1.1-py3-none-any.whl",
                         "demo-1.0.tar.gz", "demo-10-py3-none-any.whl"]
        ],
    }  # fmt: skip
    parsed = parse_project_page(
        json.dumps(page).encode(),
        "application/vnd.pypi.simple.v1+json",
        PAGE,
        wanted=lambda f: may_be_version(f, "1.0"),
    )
    assert [f.filename for f in parsed.files] == ["demo-1.0.0-py3-none-any.whl", "demo-1.0-2-py3-none-any.whl"]


# Fuzzing (issue: hostile input costs only itself): whatever an index sends, parsing ends in a page or a
# PageError, in bounded time, and every kept entry is one this client can believe.

_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=80)
_json = st.recursive(
    _scalars,
    lambda kids: st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=12), kids, max_size=5),
    max_leaves=30,
)
_entry = st.fixed_dictionaries(
    {},
    optional={
        "filename": st.text(max_size=60) | st.sampled_from(["demo-1.0-py3-none-any.whl", "x-1-py3-none-any.whl"]),
        "url": st.text(max_size=60) | st.sampled_from(["javascript:x", "//h/a.whl", "data:,", "https://h/a.whl"]),
        "hashes": st.dictionaries(st.sampled_from(["sha256", "md5", "blake2b", "x"]), _scalars, max_size=3) | _json,
        "core-metadata": _json,
        "dist-info-metadata": _json,
        "size": _scalars,
        "yanked": _scalars,
        "requires-python": _scalars,
        "upload-time": _scalars,
    },
)


def _believable(page_files: tuple[IndexFile, ...]) -> None:
    for f in page_files:
        if f.problem is None:
            assert f.url.split(":", 1)[0].lower() in ("http", "https")
            assert all(len(v) in (32, 40, 56, 64, 96, 128) for v in f.hashes.values())
        assert f.size is None or (isinstance(f.size, int) and f.size >= 0)


@settings(max_examples=300, deadline=1000)
@given(meta=_json, files=st.lists(_entry, max_size=6) | _json)
def test_fuzz_json_pages(meta: object, files: object) -> None:
    body = json.dumps({"meta": meta, "name": "demo", "files": files}).encode()
    try:
        page = parse_project_page(body, "application/vnd.pypi.simple.v1+json", PAGE)
    except PageError:
        return
    _believable(page.files)


@settings(max_examples=300, deadline=1000)
@given(
    st.lists(
        st.sampled_from(
            ['<a href="', '">', "</a>", "#sha256=", "data-core-metadata=", "<base href=", "&#", "<meta ", "'"]
        )
        | st.text(max_size=20),
        max_size=30,
    )
)
def test_fuzz_html_pages(parts: list[str]) -> None:
    try:
        page = parse_project_page("".join(parts).encode(), "text/html", PAGE)
    except PageError:
        return
    _believable(page.files)


_names = st.text(max_size=40) | st.from_regex(
    r"[a-z_]{1,5}-[0-9.a-z!+]{1,8}(-[0-9][a-z]*)?-[a-z0-9.]+-[a-z0-9.]+-[a-z0-9_.]+\.whl"
)


@settings(max_examples=500, deadline=1000)
@given(filename=_names, version=st.text(max_size=12) | st.sampled_from(["1.0", "1!2.0", "1.0.post1", "0"]))
def test_fuzz_wheel_file_names(filename: str, version: str) -> None:
    from indexer.resolve.match import files_of_version, may_be_version

    entry = IndexFile(filename=filename, url="https://h/" + filename)
    found = files_of_version([entry], "demo", version)  # never raises: a bad name is no candidate
    assert len(found.files) + len(found.rejected) <= 1
    if found.files:
        assert may_be_version(filename, version)  # the prefilter never drops a real candidate
