"""Lock entries Pyodide can load: a hash-only query (JupyterLite's piplite serves ``x.whl?sha256=...``) is dropped,
since Pyodide 314 names the download after the URL and then cannot tell it is a wheel."""

from __future__ import annotations

import pytest

from indexer.emit.pyodide_lock import loadable_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://h.test/x-1.0-py3-none-any.whl?sha256=ab12", "http://h.test/x-1.0-py3-none-any.whl"),
        ("http://h.test/x-1.0-py3-none-any.whl#sha256=ab12", "http://h.test/x-1.0-py3-none-any.whl"),
        ("http://h.test/x.whl?SHA256=ab&md5=cd", "http://h.test/x.whl"),
        ("http://h.test/x.whl?sig=1", "http://h.test/x.whl?sig=1"),  # may be needed to fetch it: kept
        ("http://h.test/x.whl?sha256=ab&token=z", "http://h.test/x.whl?sha256=ab&token=z"),
        ("x-1.0-py3-none-any.whl", "x-1.0-py3-none-any.whl"),
    ],
)
def test_loadable_url(url: str, expected: str) -> None:
    assert loadable_url(url) == expected
