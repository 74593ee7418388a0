"""``await micropip_ext.install(...)``: ``micropip.install`` that records where each new wheel came from.

micropip writes the wheel's URL and sha256 (PYODIDE_URL, PYODIDE_SHA256) but not the index it was
found on, and no installer records that (see PEP 710, a draft). After micropip has installed, this
writes into each NEWLY installed dist-info an ``INDEX`` file (the simple-API base URL that lists the
file) and ``provenance_url.json`` in the PEP 710 draft shape. It is the only code in this project
that writes into a dist-info; every write is atomic (temp file + ``os.replace``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.fsutil import atomic_write
from indexer.installed.names import parse_dist_info_name
from indexer.jsonable import fields_json
from indexer.resolve.client import Client
from indexer.resolve.resolver import IndexProblem, fetch_project_page
from indexer.resolve.transport import TransportError
from indexer.urls import normalize_index_url, redact


@dataclass
class Recorded:
    """What was recorded for one newly installed distribution (``written`` False: ``reason`` says why)."""

    dist_info: str
    written: bool
    index: str | None = None
    url: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return fields_json(self)


def _site_dirs() -> list[Path]:
    from indexer.installed.scan import default_site_dirs

    return default_site_dirs()


def _dist_infos(site_dirs: Sequence[Path]) -> set[Path]:
    found: set[Path] = set()
    for site in site_dirs:
        try:
            found.update(p for p in site.iterdir() if p.name.endswith(".dist-info") and p.is_dir())
        except OSError:
            continue
    return found


def _read(path: Path) -> str | None:
    try:
        return path.read_text("utf-8").strip() or None
    except OSError:
        return None


async def find_index(client: Client, index_urls: Sequence[str], project: str, sha256: str) -> str | None:
    """The first index (in the order micropip asks them) whose project page lists a file with this sha256."""
    for index_url in index_urls:
        try:
            page = await fetch_project_page(client, index_url, project)
        except (TransportError, IndexProblem):
            continue
        if page is not None and any(f.sha256 == sha256 for f in page.files):
            return index_url
    return None


async def record_provenance(dist_info: Path, index_urls: Sequence[str], client: Client | None = None) -> Recorded:
    """Write INDEX + provenance_url.json into one dist-info micropip has just installed."""
    shown = dist_info.name
    if (dist_info / "direct_url.json").exists():
        # PEP 710: provenance_url.json must not be written next to direct_url.json.
        return Recorded(shown, False, reason="direct_url.json present: installed from a URL, not an index")
    url, sha256 = _read(dist_info / "PYODIDE_URL"), _read(dist_info / "PYODIDE_SHA256")
    if _read(dist_info / "PYODIDE_SOURCE") == "pyodide":
        return Recorded(shown, False, reason="loaded from the Pyodide distribution (its lockfile records it)")
    if not url or not sha256:
        return Recorded(shown, False, reason="micropip recorded no PYODIDE_URL/PYODIDE_SHA256")
    project = (parse_dist_info_name(shown) or (shown.removesuffix(".dist-info"), ""))[0]
    own_client = client is None
    active = client or Client()
    try:
        index = await find_index(active, index_urls, project, sha256.lower())
    finally:
        if own_client:
            await active.aclose()
    provenance = {"url": redact(url), "archive_info": {"hashes": {"sha256": sha256.lower()}}}
    atomic_write(dist_info / "provenance_url.json", json.dumps(provenance, indent=2) + "\n")
    if index is not None:
        base = index if "{package_name}" in index else normalize_index_url(index)
        atomic_write(dist_info / "INDEX", redact(base) + "\n")
        return Recorded(shown, True, index=redact(base), url=redact(url))
    return Recorded(shown, True, url=redact(url), reason="no configured index lists this file: INDEX not written")


async def install(requirements: str | list[str], *args: Any, **kwargs: Any) -> list[Recorded]:
    """``micropip.install(requirements, ...)``, then record provenance in every new dist-info.

    Returns one :class:`Recorded` per newly installed distribution.
    """
    import micropip

    from micropip_ext._freeze import micropip_index_urls

    site_dirs = _site_dirs()
    before = _dist_infos(site_dirs)
    await micropip.install(requirements, *args, **kwargs)
    index_urls = kwargs.get("index_urls")
    if index_urls is None:
        index_urls = micropip_index_urls()
    elif isinstance(index_urls, str):
        index_urls = [index_urls]
    new = sorted(_dist_infos(_site_dirs()) - before)
    async with Client() as client:
        return [await record_provenance(path, list(index_urls), client) for path in new]
