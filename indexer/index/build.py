"""Write a static simple repository for a folder of wheels (and sdists).

Layout under ``OUT``::

    simple/index.html, simple/index.json          project list (PEP 503 / PEP 691)
    simple/<project>/index.html                   project page, HTML (PEP 503, PEP 658/714 attributes)
    simple/<project>/index.json                   project page, JSON (PEP 691, api-version 1.1 per PEP 700)
    files/<file>                                  the distributions themselves
    files/<wheel>.metadata                        the wheel's METADATA, byte for byte (PEP 658)

Any static web server can host it (it then serves the HTML pages, which pip and micropip read);
``indexer serve-index`` also negotiates JSON by ``Accept`` (PEP 691). Without ``--base-url`` file URLs are
relative to the page; the JSON pages' relative URLs are resolved by ``serve-index`` when it serves them,
because micropip resolves relative URLs only in HTML pages.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from indexer.fsutil import atomic_copy, atomic_write
from indexer.installed.names import shown
from indexer.wheelfile import WheelError, wheel_metadata

API_VERSION = "1.1"
SDIST_SUFFIXES = (".tar.gz", ".zip")


class IndexBuildError(Exception):
    """A distribution file that cannot be published (the message names the file and why)."""


@dataclass(frozen=True)
class IndexedFile:
    filename: str
    project: str  # normalized
    version: str
    sha256: str
    size: int
    upload_time: str
    requires_python: str | None
    metadata_sha256: str | None  # set for wheels: the PEP 658 metadata file's hash
    metadata: bytes | None


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _wheel_metadata(path: Path) -> bytes:
    """The ``*.dist-info/METADATA`` member of a wheel (the one wheel reader: size caps, zip64, no bombs)."""
    try:
        return wheel_metadata(path)
    except WheelError as exc:
        raise IndexBuildError(f"{shown(path.name)}: {exc}") from exc


def _upload_time(path: Path) -> str:
    # PEP 700: ISO 8601 "yyyy-mm-ddThh:mm:ss.ffffffZ"; the file's mtime stands in for an upload.
    stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def describe(path: Path) -> IndexedFile:
    """Read what the index publishes about one distribution file."""
    name = path.name
    label = shown(name)
    metadata: bytes | None = None
    requires_python = None
    if name.endswith(".whl"):
        try:
            dist, version, _build, _tags = parse_wheel_filename(name)
        except InvalidWheelFilename as exc:
            raise IndexBuildError(f"{label}: {exc}") from exc
        metadata = _wheel_metadata(path)
        fields = BytesParser().parsebytes(metadata, headersonly=True)
        meta_name = fields.get("Name")
        if meta_name is None or canonicalize_name(meta_name) != dist:
            raise IndexBuildError(f"{label}: METADATA Name {meta_name!r} does not match the file name")
        requires_python = fields.get("Requires-Python")
        project = dist
    elif name.endswith(SDIST_SUFFIXES):
        try:
            project, version = parse_sdist_filename(name)
        except InvalidSdistFilename as exc:
            raise IndexBuildError(f"{label}: {exc}") from exc
    else:
        raise IndexBuildError(f"{label}: not a wheel or sdist")
    return IndexedFile(
        filename=name,
        project=str(project),
        version=str(version),
        sha256=_sha256_file(path),
        size=path.stat().st_size,
        upload_time=_upload_time(path),
        requires_python=requires_python,
        metadata_sha256=hashlib.sha256(metadata).hexdigest() if metadata is not None else None,
        metadata=metadata,
    )


def _file_url(base_url: str | None, filename: str) -> str:
    if base_url:
        return f"{base_url.rstrip('/')}/files/{quote(filename)}"
    return f"../../files/{quote(filename)}"


def project_json(project: str, files: list[IndexedFile], base_url: str | None) -> dict[str, object]:
    """PEP 691 project page (api-version 1.1 adds ``versions``, ``size``, ``upload-time`` per PEP 700)."""
    entries = []
    for f in files:
        entry: dict[str, object] = {
            "filename": f.filename,
            "url": _file_url(base_url, f.filename),
            "hashes": {"sha256": f.sha256},
            "requires-python": f.requires_python,
            "size": f.size,
            "upload-time": f.upload_time,
            "yanked": False,
        }
        if f.metadata_sha256:
            # PEP 714 renamed dist-info-metadata to core-metadata; serve both for older clients.
            entry["core-metadata"] = {"sha256": f.metadata_sha256}
            entry["dist-info-metadata"] = {"sha256": f.metadata_sha256}
        else:
            entry["core-metadata"] = False
        entries.append(entry)
    versions = sorted({f.version for f in files}, key=_version_key)
    return {"meta": {"api-version": API_VERSION}, "name": project, "versions": versions, "files": entries}


def _version_key(version: str) -> tuple[int, object]:
    from packaging.version import InvalidVersion, Version

    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def project_html(project: str, files: list[IndexedFile], base_url: str | None) -> str:
    """PEP 503 project page with PEP 658/714 and PEP 345 ``data-requires-python`` attributes."""
    links = []
    for f in files:
        attrs = [f'href="{html.escape(_file_url(base_url, f.filename))}#sha256={f.sha256}"']
        if f.requires_python:
            attrs.append(f'data-requires-python="{html.escape(f.requires_python)}"')
        if f.metadata_sha256:
            attrs.append(f'data-core-metadata="sha256={f.metadata_sha256}"')
            attrs.append(f'data-dist-info-metadata="sha256={f.metadata_sha256}"')
        links.append(f"    <a {' '.join(attrs)}>{html.escape(f.filename)}</a><br/>")
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f"    <title>Links for {html.escape(project)}</title>\n  </head>\n  <body>\n"
        f"    <h1>Links for {html.escape(project)}</h1>\n" + "\n".join(links) + "\n  </body>\n</html>\n"
    )


def _root_pages(projects: list[str]) -> tuple[str, dict[str, object]]:
    body = "\n".join(f'    <a href="{quote(p)}/">{html.escape(p)}</a><br/>' for p in projects)
    page = (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        "    <title>Simple index</title>\n  </head>\n  <body>\n" + body + "\n  </body>\n</html>\n"
    )
    data: dict[str, object] = {"meta": {"api-version": API_VERSION}, "projects": [{"name": p} for p in projects]}
    return page, data


@dataclass
class BuiltIndex:
    """What :func:`build_index` published (files per project) and what it could not (one line per item)."""

    projects: dict[str, list[IndexedFile]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _own_dir(out_dir: Path, *parts: str) -> Path:
    """``out_dir/parts...`` as real directories, created as needed; a symlink on the way is an error.

    build-index writes only into directories it can see are inside OUT_DIR: following a symlink someone left
    there could write anywhere.
    """
    path = out_dir
    for part in parts:
        path = path / part
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            path.mkdir()
            continue
        if stat.S_ISLNK(mode):
            raise IndexBuildError(f"{shown(str(path))} is a symlink: build-index never writes through one")
        if not stat.S_ISDIR(mode):
            raise IndexBuildError(f"{shown(str(path))} is not a directory")
    return path


def _is_copy_of(target: Path, f: IndexedFile) -> bool:
    """Whether ``target`` is already a regular file (not a link) with exactly the bytes of ``f``."""
    try:
        st = target.lstat()
    except FileNotFoundError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size == f.size and _sha256_file(target) == f.sha256


def build_index(wheels_dir: Path, out_dir: Path, base_url: str | None = None) -> BuiltIndex:
    """Publish every wheel/sdist in ``wheels_dir`` into ``out_dir``.

    A file that cannot be published (not a zip, a bomb, a name that does not match its METADATA) is one line in
    ``problems`` and is left out; everything else is still published. Every write replaces a file atomically
    inside directories checked not to be symlinks, so nothing outside ``out_dir`` is ever written.
    Raises :class:`IndexBuildError` only when nothing can be written (``files/`` or ``simple/`` unusable).
    """
    wheels_dir, out_dir = Path(wheels_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files_dir, simple = _own_dir(out_dir, "files"), _own_dir(out_dir, "simple")
    candidates = sorted(p for p in wheels_dir.iterdir() if p.is_file() and p.name.endswith((".whl", *SDIST_SUFFIXES)))
    result = BuiltIndex()
    for path in candidates:
        try:
            f = describe(path)
        except IndexBuildError as exc:
            result.problems.append(str(exc))
            continue
        if not _is_copy_of(files_dir / f.filename, f):
            atomic_copy(path, files_dir / f.filename)
        if f.metadata is not None:
            atomic_write(files_dir / f"{f.filename}.metadata", f.metadata)
        result.projects.setdefault(f.project, []).append(f)

    for project, files in sorted(result.projects.items()):
        files.sort(key=lambda f: (_version_key(f.version), f.filename))
        try:
            page_dir = _own_dir(out_dir, "simple", project)
        except IndexBuildError as exc:
            result.problems.append(f"{project}: {exc}")
            del result.projects[project]
            continue
        atomic_write(page_dir / "index.json", json.dumps(project_json(project, files, base_url), indent=1))
        atomic_write(page_dir / "index.html", project_html(project, files, base_url))
    root_html, root_json = _root_pages(sorted(result.projects))
    atomic_write(simple / "index.html", root_html)
    atomic_write(simple / "index.json", json.dumps(root_json, indent=1))
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from indexer import args as checked

    parser.add_argument("wheels_dir", type=Path, help="folder holding .whl (and sdist) files")
    parser.add_argument("out_dir", type=checked.output_dir, help="where to write simple/ and files/")
    parser.add_argument(
        "--base-url",
        type=checked.http_url,
        help="URL the index will be served from (makes file URLs absolute, e.g. for a static JupyterLite site)",
    )
    parser.add_argument("--imports", type=Path, metavar="CRAWL_DIR", help="publish a crawl's imports.json by simple/")


def run(args: argparse.Namespace) -> int:
    from indexer.args import UsageError

    if not args.wheels_dir.is_dir():
        raise UsageError(f"{shown(str(args.wheels_dir))}: not a directory")
    try:
        built = build_index(args.wheels_dir, args.out_dir, args.base_url)
    except IndexBuildError as exc:
        print(f"indexer build-index: {exc}")
        return 1
    if args.imports is not None:
        from indexer.crawl.providers import MapError, publish_map

        try:
            print(f"import map -> {publish_map(args.imports, args.out_dir)}")
        except MapError as exc:
            raise UsageError(str(exc)) from exc
    for problem in built.problems:
        print(f"indexer build-index: {problem}")
    count = sum(len(v) for v in built.projects.values())
    print(f"wrote {len(built.projects)} projects, {count} files -> {shown(str(args.out_dir / 'simple'))}/")
    return 1 if built.problems else 0
