"""Local file locations (emfs:, file:, paths) in a lock: mapped by --base-url, or reported, never emitted."""

from __future__ import annotations

from indexer.freeze.core import LocationMap, apply_locations
from indexer.resolve.model import FileResolution


def _res(url: str) -> FileResolution:
    res = FileResolution("demo", "demo", "1.0", method="pyodide-url", url=url, sha256="ab" * 32)
    assert res.locked
    return res


def test_emfs_and_file_locations_are_mapped_by_prefix_or_by_name() -> None:
    emfs, file_url, remote = (
        _res("emfs:/tmp/w/demo-1.0-py3-none-any.whl"),
        _res("file:///srv/w/x.whl"),
        _res("https://h.test/demo-1.0-py3-none-any.whl"),
    )
    apply_locations(
        [emfs, file_url, remote], LocationMap.parse(["emfs:/tmp/w/=https://h.test/w/", "/srv/=https://h.test/srv/"])
    )
    assert emfs.url == "https://h.test/w/demo-1.0-py3-none-any.whl" and emfs.locked
    assert file_url.url == "https://h.test/srv/w/x.whl"
    assert remote.url == "https://h.test/demo-1.0-py3-none-any.whl" and not remote.notes
    by_name = _res("emfs:/home/pyodide/demo-1.0-py3-none-any.whl")
    apply_locations([by_name], LocationMap.parse(["https://h.test/pub"]))
    assert by_name.url == "https://h.test/pub/demo-1.0-py3-none-any.whl"


def test_unmapped_local_location_is_unlockable() -> None:
    res = _res("emfs:/home/pyodide/demo-1.0-py3-none-any.whl")
    apply_locations([res], LocationMap.parse([]))
    assert not res.locked and res.reason_code == "local-file" and "--base-url" in (res.reason or "")


def test_scrub_removes_userinfo_anywhere() -> None:
    from indexer.emit.report import scrub

    text = 'GET http://alice:s3cret@127.0.0.1:5/simple/ -> 500; "https://tok@h.test/x"'
    assert scrub(text) == 'GET http://127.0.0.1:5/simple/ -> 500; "https://h.test/x"'
