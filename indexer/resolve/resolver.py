"""Attribute every installed distribution to a file, concurrently, or say precisely why it cannot be.

Order of evidence: files an installer recorded (micropip's PYODIDE_URL, PEP 610 direct_url.json,
our INDEX/provenance_url.json, the Pyodide distribution's lock), then the configured indexes in
order, proved by the PEP 658 metadata hash. The same code runs on CPython and inside Pyodide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from indexer.installed.model import Distribution
from indexer.resolve.client import REQUEST_LOG, Client
from indexer.resolve.installed import Records, archive_sha256, b64_to_hex, file_sha256, parse_record, read_records
from indexer.resolve.match import files_of_version, match_installed
from indexer.resolve.model import Resolution
from indexer.resolve.remote_zip import RemoteZipError, read_member
from indexer.resolve.simple_api import ACCEPT, PageError, ProjectPage, parse_project_page
from indexer.resolve.transport import TransportError
from indexer.urls import normalize_index_url, project_url, redact


class IndexProblem(Exception):
    """An index answered, but not with a readable project page (after retries)."""


async def fetch_project_page(client: Client, index_url: str, project: str) -> ProjectPage | None:
    """The project page, or None when the index does not have the project (404/410)."""
    url = project_url(index_url, project)
    response = await client.get(url, headers={"Accept": ACCEPT})
    if response.status in (404, 410):
        return None
    if response.status != 200:
        raise IndexProblem(f"HTTP {response.status} from {redact(url)}")
    try:
        return parse_project_page(response.content, response.content_type, response.url)
    except PageError as exc:
        raise IndexProblem(f"{redact(url)}: {exc}") from exc


def _base_entry(base_lock: Mapping[str, Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    from packaging.utils import canonicalize_name

    entry = base_lock.get(name)
    if entry is not None:
        return entry
    return next((e for k, e in base_lock.items() if canonicalize_name(k) == name), None)


class Resolver:
    def __init__(
        self,
        client: Client,
        index_urls: Sequence[str],
        *,
        base_lock: Mapping[str, Mapping[str, Any]] | None = None,
        verify_record: bool = False,
        find_index: bool = False,
    ) -> None:
        self.client = client
        self.index_urls = [u if "{package_name}" in u else normalize_index_url(u) for u in index_urls]
        self.base_lock = dict(base_lock or {})
        self.verify_record = verify_record
        self.find_index = find_index  # name the index of files known from installer records (pylock "index")
        # Indexes that refused connections (after retries): later dists skip them instead of retrying again.
        self._down: dict[str, str] = {}
        self._gates: dict[str, asyncio.Future[None]] = {}

    async def resolve_all(
        self,
        dists: Sequence[Distribution],
        on_done: Callable[[Resolution], None] | None = None,
    ) -> list[Resolution]:
        """Resolve concurrently (the client bounds requests in flight); results in input order."""

        async def one(dist: Distribution) -> Resolution:
            result = await self.resolve(dist)
            if on_done is not None:
                on_done(result)
            return result

        return list(await asyncio.gather(*(one(d) for d in dists)))

    async def resolve(self, dist: Distribution) -> Resolution:
        res = Resolution(dist.name, dist.canonical_name, dist.version)
        REQUEST_LOG.set(res.requests)  # this task's context only: each dist lists its own requests
        try:
            await self._resolve(dist, res)
        except Exception as exc:  # one bad distribution must never stop the others
            res.unlockable("error", f"unexpected error: {type(exc).__name__}: {exc}")
        return res

    async def _resolve(self, dist: Distribution, res: Resolution) -> None:
        if dist.format != "dist-info":
            res.unlockable("egg-info", "legacy .egg-info install: no RECORD hashes or WHEEL tags to prove a file")
            return
        rec = read_records(dist)
        if dist.metadata_sha256 and rec.metadata_actual_sha256 and dist.metadata_sha256 != rec.metadata_actual_sha256:
            res.unlockable(
                "modified",
                "METADATA was modified after install (its sha256 differs from the one in RECORD)",
            )
            return
        if self._from_records(dist, rec, res):
            if res.locked and self.find_index and res.index is None and res.method != "base-lock":
                await self._name_index(dist, res)
            if res.locked and self.verify_record:
                await self._verify_record(dist, res)
            return
        if res.locked:
            await self._index_by_sha(dist, res)
        elif res.url is not None and res.url.startswith(("http://", "https://")):
            sha256, problem = await self._download_sha256(res.url, dist)
            if sha256 is None:
                res.unlockable("no-hash", f"direct URL install without a recorded hash, and {problem}")
                return
            res.method, res.sha256 = "direct-url", sha256
            res.proof = "direct_url.json URL; sha256 of a download whose METADATA is the installed one"
        else:
            await self._from_indexes(dist, res)
        if res.locked and self.verify_record:
            await self._verify_record(dist, res)

    def _from_records(self, dist: Distribution, rec: Records, res: Resolution) -> bool:
        """Lock from what an installer recorded; True when that settled it (locked or not)."""
        if rec.pyodide_source == "pyodide" or (dist.installer or "") == "pyodide.loadPackage":
            entry = _base_entry(self.base_lock, dist.canonical_name)
            if entry is not None and str(entry.get("version")) == dist.version:
                res.method, res.base_entry = "base-lock", dict(entry)
                res.filename = str(entry.get("file_name", ""))
                res.sha256 = str(entry.get("sha256") or "") or None
                res.proof = "Pyodide distribution package of the same version in the base lock"
                res.evidence.append("PYODIDE_SOURCE" if rec.pyodide_source else "INSTALLER")
                return True
            if rec.pyodide_source == "pyodide":
                res.evidence.append("PYODIDE_SOURCE")
                res.unlockable(
                    "not-on-index",
                    f"loaded from the Pyodide distribution but the base lock has no {dist.name} {dist.version}",
                )
                return True
        if rec.pyodide_url and rec.pyodide_sha256:
            res.method, res.url, res.sha256 = "pyodide-url", rec.pyodide_url, rec.pyodide_sha256
            res.filename = _filename(rec.pyodide_url)
            res.proof = "PYODIDE_URL and PYODIDE_SHA256 written by micropip"
            res.evidence += ["PYODIDE_URL", "PYODIDE_SHA256"]
            if rec.index:
                res.index = rec.index
            return True
        if rec.provenance is not None:
            url = rec.provenance.get("url")
            sha = archive_sha256(rec.provenance.get("archive_info"))
            if isinstance(url, str) and sha:
                res.method, res.url, res.sha256 = "provenance", url, sha
                res.filename, res.index = _filename(url), rec.index
                res.proof = "provenance_url.json recorded at install"
                res.evidence += ["provenance_url.json"] + (["INDEX"] if rec.index else [])
                return True
        if rec.direct_url is not None:
            res.evidence.append("direct_url.json")
            url = rec.direct_url.get("url")
            if "vcs_info" in rec.direct_url:
                res.unlockable("vcs", f"installed from a VCS checkout ({redact(str(url))})")
                return True
            if "dir_info" in rec.direct_url:
                editable = (
                    rec.direct_url["dir_info"].get("editable")
                    if isinstance(rec.direct_url["dir_info"], dict)
                    else False
                )
                kind = "an editable local directory" if editable else "a local directory or checkout"
                res.unlockable("local-path", f"installed from {kind} ({redact(str(url))})")
                return True
            sha = archive_sha256(rec.direct_url.get("archive_info"))
            if not isinstance(url, str):
                res.unlockable("no-hash", "direct_url.json without a URL")
                return True
            if not _filename(url).endswith(".whl"):
                res.unlockable("local-build", f"built locally from the source archive {redact(url)}")
                return True
            local_path = _local_path(url)
            if sha is None and local_path is not None:
                # A wheel installed from a path: its bytes may still be here, so hash them (PEP 610 gives none),
                # but only if that file still holds the installed METADATA (it may have been rebuilt since).
                if _wheel_metadata_sha256(local_path) == dist.metadata_sha256:
                    sha = file_sha256(local_path)
                    res.evidence.append("local wheel file")
                elif local_path.exists():
                    res.notes.append(f"{redact(url)} has changed since it was installed")
            if sha is None:
                if local_path is not None:
                    res.notes.append(f"installed from {redact(url)}, which is gone or changed: proving by METADATA")
                    return False
                # A remote wheel installed by URL with no recorded hash: hashed by download in _resolve.
                res.url, res.filename = url, _filename(url)
                return False
            res.method, res.url, res.sha256 = "direct-url", url, sha
            res.filename = _filename(url)
            res.proof = "direct_url.json archive (PEP 610) and the file's sha256"
            # A local wheel is settled only if no index holds the very same bytes (checked next).
            return local_path is None
        if rec.local_build:
            res.evidence.append(rec.local_build)
            res.unlockable("local-build", f"built locally from an sdist ({rec.local_build} present)")
            return True
        return False

    async def _from_indexes(self, dist: Distribution, res: Resolution) -> None:
        if not dist.metadata_sha256:
            res.unlockable("no-hash", "RECORD gives no sha256 for METADATA: nothing can prove which file this is")
            return
        if not self.index_urls:
            res.unlockable("no-index", "no index configured and no installer record of the file")
            return
        unreachable: list[str] = []
        mismatched: list[str] = []
        unhashed: list[str] = []
        absent: list[str] = []
        for index_url in self.index_urls:
            shown = redact(index_url)
            try:
                page = await self._page(index_url, dist.name)
            except (TransportError, IndexProblem) as exc:
                unreachable.append(f"{shown}: {exc}")
                continue
            if page is None:
                absent.append(f"{dist.name} is not on {shown}")
                continue
            match = await match_installed(
                self.client,
                page.files,
                name=dist.name,
                version=dist.version,
                installed_tags=dist.wheel_tags,
                metadata_sha256=dist.metadata_sha256,
            )
            res.notes.extend(match.notes)
            if match.file is not None:
                f = match.file
                sha256 = f.sha256
                if not sha256:
                    # The index proves the file by its metadata but gives no hash to lock it by: hash it here.
                    sha256, problem = await self._download_sha256(f.url, dist)
                    if sha256 is None:
                        unhashed.append(f"{shown} lists {f.filename} without a sha256, and {problem}")
                        continue
                    res.notes.append(f"{shown} gives no sha256 for {f.filename}: hashed a download of it")
                res.method, res.url, res.filename, res.sha256 = "index", f.url, f.filename, sha256
                res.size, res.upload_time, res.index = f.size, f.upload_time, index_url
                res.proof = match.proof
                res.evidence.append(f"index page ({page.format})")
                if f.yanked:
                    # PEP 592: an exact pin still installs a yanked file; say so, the user may want to move on.
                    reason = f": {f.yanked}" if isinstance(f.yanked, str) else ""
                    res.notes.append(f"{f.filename} is yanked on {shown}{reason}")
                if unreachable:
                    res.notes.extend(f"skipped unreadable index {u}" for u in unreachable)
                return
            if match.miss in ("no-version", "no-tags"):
                absent.append(f"{shown} has {match.detail}")
            elif match.miss == "error":
                unreachable.append(f"{shown}: {match.detail}")
            else:
                mismatched.append(shown)
        if mismatched:
            res.unlockable(
                "local-build",
                f"{dist.version} is on {', '.join(mismatched)} but no file there has the installed METADATA "
                f"(sha256 {dist.metadata_sha256[:12]}…): built locally or from another source",
            )
        elif unhashed:
            res.unlockable("no-hash", "; ".join(unhashed))
        elif unreachable:
            res.unlockable("index-unreachable", "; ".join(unreachable))
        else:
            res.unlockable("not-on-index", "; ".join(absent))

    async def _page(self, index_url: str, project: str) -> ProjectPage | None:
        """The project page; the first request to each index goes alone, so an index that refuses
        connections costs one request (and its retries), not one per distribution."""
        gate = self._gates.get(index_url)
        if gate is None:
            gate = self._gates[index_url] = asyncio.get_running_loop().create_future()
            try:
                return await self._fetch_page(index_url, project)
            finally:
                gate.set_result(None)
        await gate
        if index_url in self._down:
            raise TransportError("connect", self._down[index_url])
        return await self._fetch_page(index_url, project)

    async def _fetch_page(self, index_url: str, project: str) -> ProjectPage | None:
        try:
            return await fetch_project_page(self.client, index_url, project)
        except TransportError as exc:
            if exc.kind == "connect":
                self._down[index_url] = str(exc)
            raise

    async def _download_sha256(self, url: str, dist: Distribution) -> tuple[str | None, str]:
        """sha256 of the whole file at ``url`` if its METADATA is the installed one; else (None, why)."""
        import hashlib

        from indexer.wheelfile import WheelError, read_wheel_bytes

        try:
            response = await self.client.get(url, immutable=True)
        except TransportError as exc:
            return None, f"downloading it failed: {exc}"
        if response.status != 200:
            return None, f"downloading it gave HTTP {response.status}"
        try:
            metadata: bytes | None = read_wheel_bytes(response.content)["METADATA"]
        except WheelError as exc:
            return None, f"the download is not a readable wheel: {exc}"
        if metadata is None or hashlib.sha256(metadata).hexdigest() != dist.metadata_sha256:
            return None, "the downloaded file's METADATA is not the installed one"
        return hashlib.sha256(response.content).hexdigest(), ""

    async def _name_index(self, dist: Distribution, res: Resolution) -> None:
        """Which configured index lists this exact file (by sha256); nothing changes if none does."""
        for index_url in self.index_urls:
            try:
                page = await self._page(index_url, dist.name)
            except (TransportError, IndexProblem):
                continue
            if page is not None and any(f.sha256 and f.sha256 == res.sha256 for f in page.files):
                res.index = index_url
                return

    async def _index_by_sha(self, dist: Distribution, res: Resolution) -> None:
        """A wheel installed from a local file: lock it to an index only if the index has the same bytes."""
        for index_url in self.index_urls:
            try:
                page = await self._page(index_url, dist.name)
            except (TransportError, IndexProblem) as exc:
                res.notes.append(f"index {redact(index_url)} not readable: {exc}")
                continue
            if page is None:
                continue
            same_version = files_of_version(page.files, dist.name, dist.version)
            for f in same_version:
                if f.sha256 and f.sha256 == res.sha256:
                    local = res.url
                    res.method, res.url, res.filename = "index", f.url, f.filename
                    res.size, res.upload_time, res.index = f.size, f.upload_time, index_url
                    res.proof = "the installed local wheel is byte-identical (sha256) to the index file"
                    res.notes.append(f"installed from {redact(local or '')}")
                    return
            if same_version:
                res.notes.append(
                    f"{redact(index_url)} has {dist.name} {dist.version} but not these bytes: a local build"
                )

    async def _verify_record(self, dist: Distribution, res: Resolution) -> None:
        """``--verify record``: compare installed files with the remote wheel's RECORD (range requests)."""
        if not res.url or not res.url.startswith(("http://", "https://")):
            res.notes.append("RECORD not verified: the file has no http(s) URL")
            return
        try:
            _, data = await read_member(self.client, res.url, _is_record_member)
        except (RemoteZipError, TransportError) as exc:
            res.record_verified = False
            res.notes.append(f"RECORD not verified: {exc}")
            return
        remote = parse_record(data.decode("utf-8", errors="replace"))
        site = Path(dist.site_dir)
        compared = 0
        differ: list[str] = []
        for rel, record_hash in remote.items():
            pure = PurePosixPath(rel)
            if pure.is_absolute() or ".." in pure.parts:
                continue
            expected = b64_to_hex(record_hash)
            if expected is None:
                continue
            actual = file_sha256(site.joinpath(*pure.parts))
            if actual is None:
                if ".data" in pure.parts[0]:
                    continue  # *.data/ files may be moved by the installer (PEP 427 "spread")
                differ.append(f"{rel} (missing)")
            elif actual != expected:
                differ.append(rel)
            compared += 1
        res.record_verified = not differ
        if differ:
            shown = ", ".join(differ[:5]) + (f" and {len(differ) - 5} more" if len(differ) > 5 else "")
            res.unlockable("record-mismatch", f"installed files differ from the remote wheel's RECORD: {shown}")
        else:
            res.notes.append(f"RECORD verified: {compared} files match the remote wheel")


def _is_record_member(member: str) -> bool:
    top, _, rest = member.partition("/")
    return top.endswith(".dist-info") and rest == "RECORD"


def _filename(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _wheel_metadata_sha256(path: Path) -> str | None:
    """sha256 of ``*.dist-info/METADATA`` inside a local wheel, or None if it cannot be read."""
    import hashlib

    from indexer.wheelfile import WheelError, wheel_metadata

    try:
        return hashlib.sha256(wheel_metadata(path)).hexdigest()
    except WheelError:
        return None


def _local_path(url: str) -> Path | None:
    """The path of a ``file:`` URL (or a plain path), None for remote URLs."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme == "" and url.startswith("/"):
        return Path(url)
    return None
