"""`python -m indexer providers NAME [--map FILE_OR_URL]`: which distributions provide ``import NAME``.

Reads an ``imports.json`` written by ``crawl`` (a file, or a URL such as the one ``build-index --imports``
publishes beside ``/simple/``). A dotted name is answered by its longest listed prefix (``google.protobuf.message``
-> whoever provides ``google.protobuf``); a namespace (``google.api``) by every project providing a name below it.
Runtime-neutral: ``micropip_ext.providers`` uses the same lookup.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

from indexer.resolve.client import Client
from indexer.resolve.transport import TransportError
from indexer.urls import redact

MAP_NAME = "imports.json"
MAP_MAX = 256 * 1024 * 1024


class MapError(Exception):
    """The import map cannot be read (one line naming where and why); ``missing``: there is none there."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


def no_map(errors: list[MapError], looked: list[str], option: str = "--map") -> MapError:
    """One error for maps looked for beside the configured indexes: "none published" when none was there."""
    if errors and all(e.missing for e in errors):
        where = ", ".join(redact(u) for u in looked)
        return MapError(
            f"no import map is published beside the configured index ({where}); "
            f"make one with `indexer crawl SOURCE -o DIR` and pass {option} DIR/imports.json",
            missing=True,
        )
    return MapError("; ".join(str(e) for e in errors if not e.missing) or "no index is configured to look beside")


def map_url_for_index(index_url: str) -> str | None:
    """Where ``build-index --imports`` publishes the map for an index whose simple API is ``index_url``."""
    if "{package_name}" in index_url:
        return None
    return urljoin(index_url.rstrip("/") + "/", "../" + MAP_NAME)


#: a distribution name (PEP 508 / core metadata): what a map entry's ``project`` must be
_PROJECT_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)


def _provider(entry: Any) -> bool:
    """A well-formed map entry. The map comes from whoever serves the index: an entry whose ``project`` is not a
    distribution name (a URL, a requirement with a marker) is dropped, so no consumer installs it as given."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("project"), str)
        and _PROJECT_NAME.fullmatch(entry["project"]) is not None
        and isinstance(entry.get("versions"), list)
    )


def lookup(mapping: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """Providers of ``name``: its own entry, else the longest dotted prefix that has one, else (a namespace such
    as ``google.api``) every project providing a name below it, with their versions merged."""
    imports = mapping.get("imports")
    if not isinstance(imports, dict):
        return []
    parts = name.strip().split(".")
    for end in range(len(parts), 0, -1):
        entry = imports.get(".".join(parts[:end]))
        if isinstance(entry, list):
            return [{**e, "versions": [str(v) for v in e["versions"]]} for e in entry if _provider(e)]
    below = name.strip() + "."
    merged: dict[str, set[str]] = {}
    for key, entry in imports.items():
        if key.startswith(below) and isinstance(entry, list):
            for e in entry:
                if _provider(e):
                    merged.setdefault(e["project"], set()).update(map(str, e["versions"]))
    return [{"project": p, "versions": sorted(v, key=_version_key)} for p, v in sorted(merged.items())]


def _version_key(version: str) -> tuple[int, Any]:
    from packaging.version import InvalidVersion, Version

    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def parse_map(data: bytes, where: str) -> dict[str, Any]:
    try:
        mapping = json.loads(data)
    except ValueError as exc:
        raise MapError(f"{where}: not JSON ({exc})") from exc
    if not isinstance(mapping, dict) or not isinstance(mapping.get("imports"), dict):
        raise MapError(f"{where}: not an import map (no 'imports' object)")
    return mapping


async def load_map(where: str, client: Client | None = None) -> dict[str, Any]:
    """The map from a file path, a ``file:`` URL (pip's configuration may name a local index so) or an http(s) URL."""
    if not where.startswith(("http://", "https://")):
        path = Path(url2pathname(urlsplit(where).path)) if where.startswith("file:") else Path(where)
        try:
            if path.stat().st_size > MAP_MAX:
                raise MapError(f"{where}: larger than {MAP_MAX} bytes")
            return parse_map(path.read_bytes(), where)
        except FileNotFoundError as exc:
            raise MapError(f"{where}: {exc.strerror or exc}", missing=True) from exc
        except OSError as exc:
            raise MapError(f"{where}: {exc.strerror or exc}") from exc
    own = client is None
    active = client or Client()
    try:
        response = await active.get(where, max_bytes=MAP_MAX)
    except TransportError as exc:
        raise MapError(f"{redact(where)}: {exc}") from exc
    finally:
        if own:
            await active.aclose()
    if response.status != 200:
        raise MapError(f"{redact(where)}: HTTP {response.status}", missing=response.status in (404, 410))
    return parse_map(response.content, redact(where))


def describe(name: str, found: list[dict[str, Any]]) -> str:
    if not found:
        return f"{name}: no known distribution provides it"
    shown = ", ".join(f"{e.get('project')} ({', '.join(map(str, e.get('versions', [])[-3:]))})" for e in found)
    return f"{name}: {shown}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="an import name (bs4, sklearn, google.protobuf)")
    parser.add_argument("--map", help="imports.json file or URL (default: the map published beside pip's index)")
    parser.add_argument("--json", action="store_true", help="print the providers as JSON")


def run(args: argparse.Namespace) -> int:
    from indexer.args import UsageError

    if args.map is not None:
        candidates = [args.map]
    else:
        from indexer.freeze.pip_config import default_index_urls

        indexes, where = default_index_urls()
        candidates = [u for u in map(map_url_for_index, indexes) if u]
        if not candidates:
            raise UsageError(f"no --map given and no index to look beside ({where or 'pip names none'})")
    mapping, errors = None, []
    for where in candidates:
        try:
            mapping = asyncio.run(load_map(where))
            break
        except MapError as exc:
            errors.append(exc)
    if mapping is None:
        raise UsageError(str(errors[0] if args.map is not None else no_map(errors, candidates)))
    found = lookup(mapping, args.name)
    print(json.dumps(found, indent=1) if args.json else describe(args.name, found))
    return 0 if found else 1


def publish_map(crawl_dir: Path, index_out: Path) -> Path:
    """Copy a crawl's ``imports.json`` beside the index's ``simple/`` (``build-index --imports``)."""
    from indexer.fsutil import atomic_write

    source = crawl_dir / MAP_NAME
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise MapError(f"{source}: {exc.strerror or exc} (run `indexer crawl ... -o {crawl_dir}` first)") from exc
    parse_map(data, str(source))
    target = index_out / MAP_NAME
    index_out.mkdir(parents=True, exist_ok=True)
    atomic_write(target, data)
    return target
