"""What a crawl leaves in OUT_DIR, and the state a re-run starts from.

    OUT_DIR/shards/<wheel sha256>.json   one wheel: filename, project, version, sha256, imports, namespaces
    OUT_DIR/pages/<project>.json         the project page as last read: validators (ETag, Last-Modified) + files
    OUT_DIR/imports.json                 {"imports": {IMPORT_NAME: [{"project", "versions"}]}}

``imports.json`` describes SOURCE as of the last run: it merges the shards of the wheels that run saw, and no
other. Shards of wheels no longer listed stay on disk as a cache (a wheel that comes back costs nothing) but are
not in the map. Every file is written atomically and with sorted keys, so the same shards give byte-identical
outputs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from indexer.fsutil import atomic_write

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
SHARD_MAX = 4 * 1024 * 1024


def _dump(data: Any) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _read_json(path: Path) -> Any:
    try:
        if path.stat().st_size > SHARD_MAX:
            return None
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def done_shards(out_dir: Path) -> dict[str, frozenset[str]]:
    """project -> sha256 of its wheels whose shard need not be redone (a shard marked ``retry`` failed transiently).

    Grouped by project so each task carries only its own project's hashes, not the whole registry's.
    """
    done: dict[str, set[str]] = {}
    for path in (out_dir / "shards").glob("*.json"):
        digest = path.name[:-5]
        if not _SHA256.match(digest):
            continue
        data = _read_json(path)
        if isinstance(data, dict) and not data.get("retry"):
            done.setdefault(str(data.get("project", "")), set()).add(digest)
    return {project: frozenset(hashes) for project, hashes in done.items()}


def write_shard(out_dir: Path, shard: dict[str, Any]) -> None:
    digest = str(shard.get("sha256", ""))
    if not _SHA256.match(digest):
        return  # never a file name from the index's text unless it is a hash
    folder = out_dir / "shards"
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / f"{digest}.json", _dump(shard))


def page_path(out_dir: Path, project: str) -> Path:
    return out_dir / "pages" / f"{project}.json"  # project is a normalized name: [a-z0-9-] only


def read_page(out_dir: Path, project: str) -> dict[str, Any] | None:
    data = _read_json(page_path(out_dir, project))
    return data if isinstance(data, dict) and isinstance(data.get("files"), list) else None


def listed_wheels(page: Mapping[str, Any] | None) -> list[str]:
    """sha256 of the wheels a stored page state lists (the last crawl's view of a project)."""
    files = page.get("files") if page else None
    if not isinstance(files, list):
        return []
    return [
        str(f["sha256"])
        for f in files
        if isinstance(f, dict) and str(f.get("filename", "")).endswith(".whl") and isinstance(f.get("sha256"), str)
    ]


def write_page(out_dir: Path, project: str, state: dict[str, Any]) -> None:
    path = page_path(out_dir, project)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, _dump(state))


def _version_key(version: str) -> tuple[int, Any]:
    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def merge_shards(out_dir: Path, wheels: Iterable[str]) -> dict[str, Any]:
    """The import map of the shards of ``wheels`` (sha256): import name -> providing projects and their versions."""
    providers: dict[str, dict[str, set[str]]] = {}
    for digest in sorted(set(wheels)):
        if not _SHA256.match(digest):
            continue
        data = _read_json(out_dir / "shards" / f"{digest}.json")
        if not isinstance(data, dict) or not isinstance(data.get("imports"), list):
            continue
        project, version = str(data.get("project", "")), str(data.get("version", ""))
        for name in data["imports"]:
            if isinstance(name, str) and project:
                providers.setdefault(name, {}).setdefault(project, set()).add(version)
    return {
        "imports": {
            name: [
                {"project": project, "versions": sorted(versions, key=_version_key)}
                for project, versions in sorted(by_project.items())
            ]
            for name, by_project in sorted(providers.items())
        }
    }


def write_map(out_dir: Path, wheels: Iterable[str]) -> dict[str, Any]:
    """Write ``imports.json`` from the shards of ``wheels`` (the wheels this run saw in SOURCE)."""
    mapping = merge_shards(out_dir, wheels)
    atomic_write(out_dir / "imports.json", _dump(mapping))
    return mapping
