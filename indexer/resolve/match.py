"""Prove which index file an installed distribution came from, without downloading wheels.

The PEP 658 metadata file is byte-identical to the wheel's ``METADATA``, and the installed RECORD
holds that file's sha256 (PEP 376/627). So a wheel of the installed version whose tags equal the
installed ``WHEEL`` tags and whose ``core-metadata`` sha256 equals the RECORD hash is the file that
was installed, as far as metadata can tell. Never "the first compatible wheel".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
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
    # Why nothing matched, when file is None: "no-version" | "no-tags" | "no-metadata-match" | "error"
    miss: str | None = None
    detail: str = ""


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


def files_of_version(files: Sequence[IndexFile], name: str, version: str) -> list[IndexFile]:
    wanted = canonicalize_name(name)
    out = []
    for f in files:
        try:
            fname, fversion, _, _ = parse_wheel_filename(f.filename)
        except InvalidWheelFilename:
            continue  # sdists and other files can never be the installed wheel
        if fname == wanted and _same_version(str(fversion), version):
            out.append(f)
    return out


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


async def match_installed(
    client: Client,
    files: Sequence[IndexFile],
    *,
    name: str,
    version: str,
    installed_tags: Sequence[str],
    metadata_sha256: str,
) -> Match:
    candidates = files_of_version(files, name, version)
    if not candidates:
        return Match(None, miss="no-version", detail=f"no wheel of version {version}")
    notes: list[str] = []
    wanted_tags = frozenset(installed_tags)
    if wanted_tags:
        # The installed WHEEL file lists the tags of the very wheel that was unpacked (PEP 427).
        tagged = [f for f in candidates if wheel_tags(f.filename) == wanted_tags]
        if not tagged:
            listed = ", ".join(sorted(f.filename for f in candidates))
            return Match(None, miss="no-tags", detail=f"no wheel with tags {'.'.join(sorted(wanted_tags))} ({listed})")
        candidates = tagged
    else:
        notes.append("no WHEEL tags installed: matched on metadata alone")

    errors: list[str] = []
    for f in candidates:
        advertised = f.metadata_sha256
        if advertised is not None:
            if advertised == metadata_sha256:
                return Match(f, proof="core-metadata sha256 from the index page", notes=notes)
            continue  # the page's hash is authoritative for this file: it is not ours
        try:
            if f.has_metadata:
                data = await fetch_metadata(client, f, name)
                proof = "sha256 of the PEP 658 metadata file"
            else:
                # No metadata file: read METADATA out of the remote wheel with range requests.
                _, data = await read_member(client, f.url, _is_metadata_member)
                _check_name(data, name, f.filename)
                proof = "sha256 of METADATA read from the wheel by range requests"
        except (ValueError, RemoteZipError, TransportError) as exc:
            errors.append(f"{f.filename}: {exc}")
            continue
        if hashlib.sha256(data).hexdigest() == metadata_sha256:
            return Match(f, proof=proof, notes=notes)
    if errors:
        notes.extend(errors)
    return Match(
        None,
        notes=notes,
        miss="error" if errors and len(errors) == len(candidates) else "no-metadata-match",
        detail="; ".join(errors),
    )


def _is_metadata_member(member: str) -> bool:
    top, _, rest = member.partition("/")
    return top.endswith(".dist-info") and rest == "METADATA"
