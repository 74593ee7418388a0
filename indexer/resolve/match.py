"""Prove which index file an installed distribution came from, without downloading wheels.

The PEP 658 metadata file is byte-identical to the wheel's ``METADATA``, and the installed RECORD
holds that file's sha256 (PEP 376/627). So a wheel of the installed version whose tags equal the
installed ``WHEEL`` tags and whose ``core-metadata`` sha256 equals the RECORD hash is the file that
was installed, as far as metadata can tell. Never "the first compatible wheel".
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from urllib.parse import unquote, urlsplit

from packaging.utils import InvalidWheelFilename, canonicalize_name, canonicalize_version, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from indexer.resolve.client import Client
from indexer.resolve.remote_zip import RemoteZipError, read_member
from indexer.resolve.simple_api import IndexFile
from indexer.resolve.transport import TransportError
from indexer.urls import redact


@dataclass
class Match:
    file: IndexFile | None
    proof: str | None = None
    notes: list[str] = field(default_factory=list)
    # Why nothing matched, when file is None: "no-version" | "no-tags" | "no-metadata-match" | "invalid" | "error"
    miss: str | None = None
    detail: str = ""
    #: the tail length METADATA was read with by Range requests (None: a PEP 658 file or the page's hash
    #: proved it); a RECORD read of the same file reuses it, so both come from one response
    tail: int | None = None


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def wheel_tags(filename: str) -> frozenset[str] | None:
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return None
    return frozenset(str(t) for t in tags)


@dataclass
class Candidates:
    """Index files that may be the installed wheel, and the entries of that version not believed."""

    files: list[IndexFile] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # "<file name>: why", for the reason when nothing matched


@functools.lru_cache(maxsize=4096)
def _canonical_version(text: str) -> str:
    """Equal for versions that compare equal (``1.0`` and ``1.0.0``, ``1.0rc1`` and ``1.0-rc1``)."""
    return canonicalize_version(text)


def may_be_version(filename: str, version: str) -> bool:
    """Cheap prefilter on a file name: a wheel whose version field may be ``version`` (parsed fully later)."""
    if not filename.endswith(".whl"):
        return False
    parts = filename[:-4].split("-")
    return len(parts) in (5, 6) and (parts[1] == version or _canonical_version(parts[1]) == _canonical_version(version))


def files_of_version(files: Sequence[IndexFile], name: str, version: str) -> Candidates:
    """Wheels of project ``name`` at ``version`` whose index entry can be believed.

    Parsing file names is the prefilter: no request is made for a file of another version or project.
    An entry whose file name is another project's wheel, whose URL names another file, or whose hash or
    URL is malformed (``IndexFile.problem``) is rejected with its reason.
    """
    wanted = canonicalize_name(name)
    out = Candidates()
    for f in files:
        try:
            fname, fversion, _, _ = parse_wheel_filename(f.filename)
        except InvalidWheelFilename:
            continue  # sdists and other files can never be the installed wheel
        if not _same_version(str(fversion), version):
            continue
        if fname != wanted:
            out.rejected.append(f"{f.filename}: a wheel of {fname}, not of {wanted}, listed on its page")
            continue
        problem = f.problem or _url_names_other_file(f)
        if problem is not None:
            out.rejected.append(f"{f.filename}: {problem}")
            continue
        out.files.append(f)
    return out


def _url_names_other_file(f: IndexFile) -> str | None:
    """A URL whose last segment is a wheel file name must be this entry's (PEP 503: the link text is the
    file name); opaque download URLs (``.../download?id=3``) are allowed."""
    last = unquote(urlsplit(f.url).path.rsplit("/", 1)[-1])
    if last.endswith(".whl") and last != f.filename:
        return f"its URL names another file ({last})"
    return None


async def fetch_metadata(client: Client, f: IndexFile, project: str) -> bytes:
    """GET ``<file url>.metadata`` (PEP 658), verify the advertised hash and the Name, return the bytes."""
    response = await client.get(f.url + ".metadata", max_bytes=8 * 1024 * 1024, immutable=True)
    if response.status != 200:
        raise ValueError(f"HTTP {response.status} for {redact(f.url)}.metadata")
    data = response.content
    advertised = f.metadata_sha256
    if advertised is not None and hashlib.sha256(data).hexdigest() != advertised:
        raise ValueError(f"{f.filename}.metadata does not match the sha256 its index advertises")
    _check_name(data, project, f.filename)
    return data


def _check_name(data: bytes, project: str, where: str) -> None:
    headers = BytesHeaderParser().parsebytes(data)
    name = headers.get("Name")
    if name is None or canonicalize_name(str(name)) != canonicalize_name(project):
        raise ValueError(f"metadata of {where} names {name!r}, not {project!r}")


#: Candidates whose METADATA is fetched at once (the client bounds requests in flight as well), and how many
#: files of one version and tag set are examined at all: a page listing thousands costs bounded work.
METADATA_FETCH_CONCURRENCY = 8
MAX_FETCHED_CANDIDATES = 64


async def match_installed(
    client: Client,
    files: Sequence[IndexFile],
    *,
    name: str,
    version: str,
    installed_tags: Sequence[str],
    metadata_sha256: str,
    tail_bytes: int | Callable[[], int] = 8 * 1024,
) -> Match:
    """The index file that is the installed wheel, or why none is. ``tail_bytes`` (or a function giving it,
    called only when a wheel must be read by ranges) sizes the read of a METADATA no PEP 658 file gives."""
    found = files_of_version(files, name, version)
    candidates = found.files
    if not candidates:
        if found.rejected:
            return Match(None, miss="invalid", detail="; ".join(found.rejected[:5]))
        return Match(None, miss="no-version", detail=f"no wheel of version {version}")
    notes: list[str] = [f"not believed: {r}" for r in found.rejected[:5]]
    wanted_tags = frozenset(installed_tags)
    if wanted_tags:
        # The installed WHEEL file lists the tags of the very wheel that was unpacked (PEP 427).
        tagged = [f for f in candidates if wheel_tags(f.filename) == wanted_tags]
        if not tagged:
            listed = ", ".join(sorted(f.filename for f in candidates)[:10])
            return Match(None, miss="no-tags", detail=f"no wheel with tags {'.'.join(sorted(wanted_tags))} ({listed})")
        candidates = tagged
    else:
        notes.append("no WHEEL tags installed: matched on metadata alone")

    # The page's hashes first, with no request: an advertised hash is authoritative for its file.
    for f in candidates:
        if f.metadata_sha256 == metadata_sha256:
            return Match(f, proof="core-metadata sha256 from the index page", notes=notes)
    unhashed = [f for f in candidates if f.metadata_sha256 is None]
    if len(unhashed) > MAX_FETCHED_CANDIDATES:
        notes.append(f"{len(unhashed)} files without a metadata hash: only the first {MAX_FETCHED_CANDIDATES} examined")
        unhashed = unhashed[:MAX_FETCHED_CANDIDATES]
    gate = asyncio.Semaphore(METADATA_FETCH_CONCURRENCY)
    if callable(tail_bytes) and any(not f.has_metadata for f in unhashed):
        tail_bytes = tail_bytes()
    tail = tail_bytes if isinstance(tail_bytes, int) else 8 * 1024

    async def one(f: IndexFile) -> tuple[tuple[str, str] | None, str | None]:
        async with gate:
            return await _metadata_digest(client, f, name, tail)

    results = await asyncio.gather(*(one(f) for f in unhashed))
    errors = [f"{f.filename}: {err}" for f, (_, err) in zip(unhashed, results, strict=True) if err]
    for f, (digest, _) in zip(unhashed, results, strict=True):
        if digest is not None and digest[0] == metadata_sha256:
            return Match(f, proof=digest[1], notes=notes, tail=None if f.has_metadata else tail)
    notes.extend(errors)
    return Match(
        None,
        notes=notes,
        miss="error" if errors and len(errors) == len(candidates) else "no-metadata-match",
        detail="; ".join(errors[:5]),
    )


async def _metadata_digest(
    client: Client, f: IndexFile, name: str, tail_bytes: int
) -> tuple[tuple[str, str] | None, str | None]:
    """((sha256 of the file's METADATA, how it was read), None) or (None, why it could not be read)."""
    try:
        if f.has_metadata:
            data = await fetch_metadata(client, f, name)
            proof = "sha256 of the PEP 658 metadata file"
        else:
            # No metadata file: read METADATA out of the remote wheel with range requests.
            content_id = f"sha256:{f.sha256}" if f.sha256 else None
            _, data = await read_member(client, f.url, _is_metadata_member, tail=tail_bytes, content_id=content_id)
            _check_name(data, name, f.filename)
            proof = "sha256 of METADATA read from the wheel by range requests"
    except (ValueError, RemoteZipError, TransportError) as exc:
        return None, str(exc)
    return (hashlib.sha256(data).hexdigest(), proof), None


def _is_metadata_member(member: str) -> bool:
    top, _, rest = member.partition("/")
    return top.endswith(".dist-info") and rest == "METADATA"
