"""Real parts for the crawl: wheels built here, an index served on 127.0.0.1 (with and without Range), and a
real ``distributed.LocalCluster`` whose workers are separate processes (they import this checkout through
PYTHONPATH, inherited from the environment, as a cluster imports a library its users installed)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from indexer.index.build import build_index
from indexer.index.server import IndexServer, RequestRecord, run_in_thread
from tests.support.wheels import build_wheel

ROOT = Path(__file__).resolve().parents[2]
PKGUTIL_INIT = "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"

#: wheel file name -> (imports, namespaces) the crawl must find; the wheels are built by ``make_wheels``.
EXPECTED: dict[str, tuple[list[str], list[str]]] = {
    "alpha-1.0-py3-none-any.whl": (["alpha"], []),
    "alpha-2.0-py3-none-any.whl": (["alpha", "alpha_extra"], []),
    "nsdist-1.0-py3-none-any.whl": (["nsroot.sub"], ["nsroot"]),
    "zope_x-1.0-py3-none-any.whl": (["zope.x"], ["zope"]),
    "datapkg-1.0-py3-none-any.whl": (["datamod"], []),
    "fastext-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl": (["fastext"], []),
    "typed_stubs-1.0-py3-none-any.whl": ([], []),
    "declared-1.0-py3-none-any.whl": (["declared_mod"], ["declared_ns"]),
}
#: Wheels whose .metadata the index does not publish (the member list must answer).
WITHOUT_METADATA = {
    "alpha-1.0-py3-none-any.whl",
    "nsdist-1.0-py3-none-any.whl",
    "fastext-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl",
}


#: PEP 794 names in the header block, then a description body longer than one header read (4 KiB), so checking
#: the file's sha256 needs the rest of it.
DECLARED_METADATA = (
    "Metadata-Version: 2.5\nName: declared\nVersion: 1.0\nImport-Name: declared_mod\nImport-Namespace: declared_ns\n"
    "\n" + "A description body the header block does not need.\n" * 200
)


def make_wheels(folder: Path) -> None:
    build_wheel(folder, "alpha", "1.0", {"alpha/__init__.py": "X = 1\n", "alpha/core.py": "Y = 2\n"})
    build_wheel(folder, "alpha", "2.0", {"alpha/__init__.py": "", "alpha_extra.py": "", "alpha.pth": "import os\n"})
    build_wheel(folder, "nsdist", "1.0", {"nsroot/__init__.py": PKGUTIL_INIT, "nsroot/sub/__init__.py": "A = 1\n"})
    build_wheel(folder, "zope.x", "1.0", {"zope/x/__init__.py": "B = 1\n"})
    data = {"datapkg-1.0.data/purelib/datamod.py": "", "datapkg-1.0.data/scripts/tool": ""}
    build_wheel(folder, "datapkg", "1.0", data)
    ext: dict[str, bytes | str] = {"fastext/__init__.py": ""}
    ext["fastext/_speed.cpython-314-wasm32-emscripten.so"] = b"\0asm"
    build_wheel(folder, "fastext", "1.0", ext, tag="cp314-cp314-pyemscripten_2026_0_wasm32")
    build_wheel(folder, "typed-stubs", "1.0", {"typed-stubs/__init__.pyi": "def f() -> int: ...\n"})
    build_wheel(folder, "declared", "1.0", {"other/__init__.py": ""}, raw_metadata=DECLARED_METADATA)


def drop_metadata(index_dir: Path, filenames: set[str]) -> None:
    """Make the index publish no PEP 658 file for these wheels (as many real indexes do)."""
    for page in (index_dir / "simple").glob("*/index.json"):
        data = json.loads(page.read_text())
        for entry in data["files"]:
            if entry["filename"] in filenames:
                entry["core-metadata"] = False
                entry.pop("dist-info-metadata", None)
        page.write_text(json.dumps(data, indent=1))
    for name in filenames:
        (index_dir / "files" / f"{name}.metadata").unlink(missing_ok=True)
    for page in (index_dir / "simple").glob("*/index.html"):
        os.remove(page)  # the JSON page is the one the crawl reads; no stale HTML twin


def edit_page(index_dir: Path, project: str, edit: Callable[[dict[str, Any]], None]) -> None:
    """Change a project's JSON page (or, for ``""``, the root listing) in place, as an index update would."""
    page = index_dir / "simple" / project / "index.json" if project else index_dir / "simple" / "index.json"
    data = json.loads(page.read_text())
    edit(data)
    page.write_text(json.dumps(data, indent=1))
    (page.parent / "index.html").unlink(missing_ok=True)  # the JSON page is the one the crawl reads


class NoRangeServer(IndexServer):
    """A static host that ignores ``Range`` (answers 200 with the whole file), as some CDNs and proxies do."""

    async def _send(self, request: web.Request, record: RequestRecord, body: Any, slow: float | None) -> Any:
        if "Range" in request.headers:
            headers = {k: v for k, v in request.headers.items() if k.lower() != "range"}
            request = request.clone(headers=headers)
        return await super()._send(request, record, body, slow)


@dataclass
class Index:
    wheels: Path
    index_dir: Path
    server: IndexServer

    def wheel_requests(self) -> list[RequestRecord]:
        return [r for r in self.server.log if r.path.endswith(".whl")]


def _serve(tmp: Path, server_type: type[IndexServer]) -> Iterator[Index]:
    wheels, index_dir = tmp / "wheels", tmp / "index"
    make_wheels(wheels)
    build_index(wheels, index_dir)
    drop_metadata(index_dir, WITHOUT_METADATA)
    with run_in_thread(server_type(index_dir)) as server:
        yield Index(wheels, index_dir, server)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    yield from _serve(tmp_path, IndexServer)


@pytest.fixture
def no_range_index(tmp_path: Path) -> Iterator[Index]:
    yield from _serve(tmp_path, NoRangeServer)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Any]:
    """Two worker processes (not threads of this process), shared by the crawl tests."""
    try:
        import distributed
    except ImportError:
        pytest.fail("distributed is missing: `make setup` installs requirements/dev.txt, which pins it")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=2, processes=True, dashboard_address=":0", silence_logs=40
    ) as local:
        yield local


def shards_by_filename(out_dir: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in (out_dir / "shards").glob("*.json"):
        data = json.loads(path.read_text())
        assert path.name == f"{data['sha256']}.json"
        found[data["filename"]] = data
    return found
