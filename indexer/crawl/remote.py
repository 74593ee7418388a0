"""One wheel's shard from an index (``.metadata`` + Range reads) or from a local file.

Per remote wheel: the PEP 658 ``.metadata`` file when the index has one (its PEP 794 fields settle it), else
ONE suffix range sized to hold the zip central directory (the member list is all the inference needs), one
more only when the directory is larger, and one small range per namespace-``__init__`` candidate not already
held. A server that ignores ``Range`` answers with the whole wheel: that still works and is counted.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from indexer.crawl.wheel import (
    FROM_DIRECTORY,
    FROM_WHEEL,
    MAX_MEMBERS,
    Declared,
    Shard,
    declared,
    infer,
    member_files,
    namespace_candidates,
    pth_candidates,
)
from indexer.installed.imports import is_namespace_declaration
from indexer.resolve.client import RETRY_STATUS, Client
from indexer.resolve.remote_zip import RemoteZipError, read_directory, read_entry
from indexer.resolve.simple_api import IndexFile
from indexer.resolve.transport import TransportError

MIN_TAIL = 2048
#: Fraction of the wheel asked for as its tail: the central directory is ~3% of a small wheel's bytes on real
#: wheels (median 1.3 KB for the accuracy set), so 1/32 with a 2 KB floor reads ~80% of directories in one range
#: (bench/crawl_bench.py: 4.3% of the wheels' bytes for the tails; a 4 KB floor: 5.3%, 90% in one range).
TAIL_FRACTION = 32
#: The directory grows with the member count, not the wheel's size: a 30 MB binary wheel of 40 members has a
#: 3 KB directory. On 477 real wheels of 9 popular projects (median directory 3.6 KB, p90 53 KB) a 16 KiB cap
#: cut the bytes fetched 9x (85 MB -> 9.6 MB) for 1.16 requests per wheel instead of 1.03.
MAX_TAIL = 16 * 1024
METADATA_MAX = 4 * 1024 * 1024
METADATA_HEAD = 4096  # the header block of most METADATA files fits (the description body follows it)


@dataclass
class WheelCounts:
    """How a wheel's shard was obtained (summed over a crawl for its report)."""

    metadata: int = 0  # answered by PEP 794 fields of a .metadata file
    ranges: int = 0  # answered from the central directory
    downloads: int = 0  # the server ignored Range: the whole wheel came
    failed: int = 0

    def add(self, other: WheelCounts) -> None:
        self.metadata += other.metadata
        self.ranges += other.ranges
        self.downloads += other.downloads
        self.failed += other.failed


def tail_size(size: int | None) -> int:
    if size is None:
        return MIN_TAIL * 4
    return min(MAX_TAIL, max(MIN_TAIL, size // TAIL_FRACTION))


async def remote_shard(client: Client, f: IndexFile, project: str, version: str, counts: WheelCounts) -> Shard:
    """The shard of one wheel listed on a project page; failures become the shard's problems."""
    base = (f.filename, project, version, f.sha256 or "")
    problems: list[str] = []  # a .metadata file that cannot be believed: the member list answers instead
    try:
        if f.has_metadata:
            found = await _metadata_declares(client, f, project, problems)
            if found is not None:
                counts.metadata += 1
                names, verified = found
                return names.shard(base, verified=verified)
        shard = await _directory_shard(client, f, base, counts)
        shard.problems[:0] = problems
        return shard
    except TransportError as exc:
        counts.failed += 1
        return Shard(*base, problems=[f"{f.filename}: {exc.kind}: {exc}"], retry=exc.kind != "too-large")
    except RemoteZipError as exc:
        counts.failed += 1
        transient = exc.status is not None and exc.status in RETRY_STATUS
        return Shard(*base, problems=[f"{f.filename}: unreadable wheel: {exc}"], retry=transient)
    except Exception as exc:  # zlib.error, struct.error, ...: a corrupt wheel is a problem of that wheel only
        counts.failed += 1
        return Shard(*base, problems=[f"{f.filename}: unreadable wheel: {type(exc).__name__}: {exc}"])


async def _directory_shard(client: Client, f: IndexFile, base: tuple[str, str, str, str], counts: WheelCounts) -> Shard:
    """Names from the wheel's member list: its central directory by Range (the whole wheel if Range is ignored)."""
    directory = await read_directory(client, f.url, tail_size(f.size))
    counts.downloads += directory.downloaded
    counts.ranges += 1
    verified = False
    if directory.downloaded:  # the whole file came: it can be checked against the index's hash
        if hashlib.sha256(directory.body.data).hexdigest() != f.sha256:
            counts.failed += 1
            why = "the whole wheel came (the server ignored Range) and its sha256 is not the one the index gives"
            return Shard(*base, problems=[f"{f.filename}: {why}"], retry=True)
        verified = True
    files, placed = member_files((e.name, e.uncompressed_size) for e in directory.entries[: MAX_MEMBERS + 1])
    if len(directory.entries) > MAX_MEMBERS:
        raise RemoteZipError(f"more than {MAX_MEMBERS} members")
    by_name = {e.name: e for e in directory.entries}
    spaces = set()
    for candidate in namespace_candidates(files):
        data = await read_entry(client, f.url, directory, by_name[placed[candidate.path]])
        if is_namespace_declaration(data):
            spaces.add(candidate.path)
    pth = [await read_entry(client, f.url, directory, by_name[placed[c.path]]) for c in pth_candidates(files)]
    imports, namespaces = infer(files, spaces, pth)
    how = FROM_WHEEL if directory.downloaded else FROM_DIRECTORY
    return Shard(*base, imports=imports, namespaces=namespaces, names_from=how, sha256_verified=verified)


async def _metadata_declares(
    client: Client, f: IndexFile, project: str, problems: list[str]
) -> tuple[Declared, bool] | None:
    """PEP 794 fields of the wheel's ``.metadata`` file and whether the whole file matched the index's
    ``core-metadata`` sha256; None if it declares none or cannot be believed.

    Only the header block is needed to see whether the file declares names (the fields precede the description
    body), so it is read by range up to its first blank line. When it does declare them, the rest is read too
    and the whole file checked against the index's ``core-metadata`` sha256 (PEP 658): a mismatch, or a Name
    that is not this project's, is a problem of the shard and the member list answers instead.
    """
    url = f.url + ".metadata"
    read = await _metadata_head(client, url)
    if read is None:
        return None
    block, data, total = read
    found = declared(block, f.filename)
    if found is None:
        return None  # nothing of the file is used, so there is nothing to verify
    if found.name is None or canonicalize_name(found.name) != project:
        problems.append(f"{f.filename}: its .metadata file names project {found.name!r}, not {project!r}; ignored")
        return None
    expected = f.metadata_sha256
    if expected is None:  # PEP 658 allows a bare "true": nothing to check against
        return found, False
    if total is None or len(data) < total:
        rest = await client.get(url, max_bytes=METADATA_MAX, range=(len(data), None))
        if rest.status == 200:
            data = rest.content  # the server ignored Range: this is the whole file
        elif rest.status == 206:
            data += rest.content
        else:
            problems.append(f"{f.filename}: the rest of its .metadata file: HTTP {rest.status}; ignored")
            return None
    if hashlib.sha256(data).hexdigest() != expected:
        problems.append(f"{f.filename}: its .metadata file does not match the index's sha256; ignored")
        return None
    return found, True


async def _metadata_head(client: Client, url: str) -> tuple[bytes, bytes, int | None] | None:
    """(header block, bytes read, file size if known) of a ``.metadata`` file read by ranges; None when absent."""
    head = b""
    while len(head) < METADATA_MAX:
        response = await client.get(url, max_bytes=METADATA_MAX, range=(len(head), len(head) + METADATA_HEAD - 1))
        if response.status == 200:  # the server ignored Range: the whole file came
            return response.content, response.content, len(response.content)
        if response.status != 206:
            return None  # no metadata file after all (416: empty), the member list still answers
        head += response.content
        end = min((i for i in (head.find(b"\n\n"), head.find(b"\r\n\r\n")) if i >= 0), default=-1)
        total_text = response.headers.get("content-range", "").rpartition("/")[2]
        total = int(total_text) if total_text.isdigit() else None
        if end >= 0 or not response.content or (total is not None and len(head) >= total):
            return (head[: end + 1] if end >= 0 else head), head, total
    return None


def local_shard(path: Path, project: str, version: str, sha256: str, counts: WheelCounts) -> Shard:
    """The shard of one wheel file on disk (a SOURCE that is a directory of wheels)."""
    base = (path.name, project, version, sha256)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise zipfile.BadZipFile(f"more than {MAX_MEMBERS} members")
            meta = [i for i in infos if i.filename.count("/") == 1 and i.filename.endswith(".dist-info/METADATA")]
            if len(meta) == 1 and meta[0].file_size <= METADATA_MAX:
                found = declared(zf.read(meta[0]), path.name)
                if found is not None:
                    counts.metadata += 1
                    return found.shard(base, verified=True)  # the shard's sha256 is of this very file
            files, placed = member_files((i.filename, i.file_size) for i in infos)
            spaces = {c.path for c in namespace_candidates(files) if is_namespace_declaration(zf.read(placed[c.path]))}
            pth = [zf.read(placed[c.path]) for c in pth_candidates(files)]
        counts.ranges += 1
        imports, namespaces = infer(files, spaces, pth)
        return Shard(*base, imports=imports, namespaces=namespaces, names_from=FROM_WHEEL, sha256_verified=True)
    except Exception as exc:  # a corrupt zip raises many kinds: each is a problem of this wheel only
        counts.failed += 1
        return Shard(*base, problems=[f"{path.name}: unreadable wheel: {type(exc).__name__}: {exc}"])
