"""micropip 0.11.1 inside real Pyodide (Node) installs the whole sample set from our built local index.

Proves the index + server + dist dir + Node harness fit together: once through PEP 691 JSON pages (what micropip
asks for first), once through PEP 503 HTML pages, and both times micropip fetched the PEP 658 ``.metadata`` files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from packaging.utils import canonicalize_name, parse_wheel_filename

from tests.support.pyodide_installs import installed, micropip_install, sample_requirements
from tests.support.pyodide_node import PyodideNode

# Import names that only work if every hard case installed correctly (namespaces, renamed imports, two names).
IMPORTS = [
    "jaraco.functools", "jaraco.context", "backports.tarfile", "more_itertools", "dateutil.parser", "bs4",
    "attr", "attrs", "six", "typing_extensions", "idna", "httpx", "httpcore", "h11", "h2", "hpack", "hyperframe",
    "anyio", "certifi", "soupsieve", "tzdata",
]  # fmt: skip

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"


def _install_sample_set(py: PyodideNode, index_url: str) -> list[dict[str, Any]]:
    micropip_install(py, sample_requirements(), index_urls=[index_url])
    py.run("import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in IMPORTS) + "None")
    return [row for row in installed(py) if row["installer"] == "micropip"]


def _expected(sample_wheels: list[Any]) -> dict[str, str]:
    return {canonicalize_name(w.name.split("-")[0]): str(parse_wheel_filename(w.name)[1]) for w in sample_wheels}


@pytest.mark.parametrize("page", ["json", "html"])
def test_micropip_installs_sample_set_from_local_index(
    page: str, fresh_pyodide: Callable[..., PyodideNode], sample_index: Any, sample_wheels: list[Any]
) -> None:
    py = fresh_pyodide()
    if page == "json":
        # micropip appends "/<name>/" (so no trailing slash here) and negotiates JSON by its Accept header.
        index_url = sample_index.index_url.rstrip("/")
    else:
        # `{package_name}` is micropip's placeholder; `?format=<media type>` (PEP 691) selects the HTML page.
        index_url = sample_index.index_url + "{package_name}/?format=text/html"

    rows = _install_sample_set(py, index_url)

    # Every sample distribution came from our index, at the pinned version, recorded by micropip.
    got = {canonicalize_name(r["name"]): r["version"] for r in rows}
    assert got == _expected(sample_wheels)
    assert all(r["url"] and r["url"].startswith(sample_index.url) for r in rows), rows

    project_pages = [r for r in sample_index.log if re.fullmatch(r"/simple/[^/]+/", r.path)]
    assert project_pages, "micropip never asked the index"
    types = {r.content_type.split(";")[0] for r in project_pages if r.status == 200 and r.content_type}
    assert types == ({JSON_TYPE} if page == "json" else {HTML_TYPE}), types

    fetched = {r.path.rsplit("/", 1)[1] for r in sample_index.log if r.status == 200}
    for wheel in sample_wheels:
        assert wheel.name + ".metadata" in fetched, f"{wheel.name}: PEP 658 metadata not fetched"
        assert wheel.name in fetched
