"""Attribute every installed distribution to a file, concurrently, or say precisely why it cannot be.

Order of evidence: files an installer recorded (micropip's PYODIDE_URL, PYODIDE_SOURCE, PEP 610
direct_url.json, our INDEX/provenance_url.json, the Pyodide distribution's lock), then the configured
indexes in order, matched by the PEP 658 metadata hash and WHEEL tags. A file is locked only when it is
proved (``verify``, see :data:`indexer.resolve.model.VerifyMode`): with the default "auto", a file no
installer recorded with its hash must also have the installed files in its RECORD. The same code runs
on CPython and inside Pyodide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from packaging.utils import canonicalize_name

from indexer.installed.model import Distribution
from indexer.resolve.client import REQUEST_LOG, Client
from indexer.resolve.installed import Records, archive_sha256, parse_record, read_records
from indexer.resolve.match import files_of_version, match_installed, may_be_version
from indexer.resolve.model import FileResolution, VerifyMode, is_sha256
from indexer.resolve.reasons import FROM_INSPECT_PROBLEM
from indexer.resolve.remote_zip import RemoteZipError, read_member, record_tail
from indexer.resolve.simple_api import ACCEPT, PageError, ProjectPage, Wanted, parse_project_page
from indexer.resolve.transport import TransportError
from indexer.resolve.verify import changed_on_disk, compare_records, is_installer_addition
from indexer.urls import normalize_index_url, project_url, redact

#: Largest wheel hashed by download (an index without hashes, a URL install without one).
MAX_DOWNLOAD = 256 * 1024 * 1024
#: Largest RECORD read out of a wheel (a RECORD of 100k files is ~10 MB).
MAX_RECORD = 32 * 1024 * 1024


class IndexProblem(Exception):
    """An index answered, but not with a readable project page (after retries)."""


class RecordUnavailable(Exception):
    """A wheel's RECORD could not be read (unreachable, not a zip, no RECORD member)."""


async def fetch_project_page(
    client: Client, index_url: str, project: str, *, wanted: Wanted = None
) -> ProjectPage | None:
    """The project page (its files filtered by ``wanted``), or None when the index does not have the project."""
    url = project_url(index_url, project)
    response = await client.get(url, headers={"Accept": ACCEPT})
    if response.status in (404, 410):
        return None
    if response.status != 200:
        raise IndexProblem(f"HTTP {response.status} from {redact(url)}")
    try:
        page = parse_project_page(response.content, response.content_type, response.url, wanted=wanted)
    except PageError as exc:
        raise IndexProblem(f"{redact(url)}: {exc}") from exc
    if page.format == "json" and page.name and canonicalize_name(page.name) != canonicalize_name(project):
        raise IndexProblem(f"{redact(url)} is the page of {page.name!r}, not of {project!r}")
    return page


def _base_entry(base_lock: Mapping[str, Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    entry = base_lock.get(name)
    if entry is None:
        entry = next((e for k, e in base_lock.items() if canonicalize_name(str(k)) == name), None)
    return entry if isinstance(entry, Mapping) else None  # a hostile lock's entry may be anything


def _installed_record(dist: Distribution) -> dict[str, str | None]:
    """The installed RECORD as inspect read it: path -> ``algo=<b64>`` (None for rows without a hash)."""
    return {f.path: f.hash for f in dist.files}


def _tail_bytes(dist: Distribution, *, metadata: bool = False) -> int:
    """One range size for the reads of this dist's wheel tail: RECORD and the central directory, plus
    (``metadata``, when no PEP 658 file gives it) the ``.dist-info`` files written just before RECORD.

    :func:`record_tail` sizes them from the installed RECORD less what installers add: the wheel's member
    names and RECORD rows. Too small costs one more range, never a miss; the other dist-info files are
    allowed half their size (they deflate well), so a METADATA read shares the RECORD's request.
    """
    files = [f for f in dist.files if not is_installer_addition(f.path)] or dist.files
    record_name = f"{dist.path.name}/RECORD"
    rows = [f"{f.path},{f.hash or ''},{'' if f.size is None else f.size}" for f in files]
    record = "\n".join([*rows, f"{record_name},,", ""]).encode("utf-8")
    tail = record_tail([*(f.path for f in files), record_name], record)
    if metadata:
        tail += sum(30 + len(f.path) + (f.size or 0) // 2 for f in files if _in_dist_info(f.path))
    return tail


def _in_dist_info(path: str) -> bool:
    top, _, rest = path.partition("/")
    return top.endswith(".dist-info") and rest != "RECORD"  # licenses/ and sbom/ files too


class FileResolver:
    """Which file each installed distribution is (or why none can be proved): the freeze's resolve step.

    Named apart from ``indexer.symbols.resolve``, which resolves symbol aliases, not files.
    """

    def __init__(
        self,
        client: Client,
        index_urls: Sequence[str],
        *,
        base_lock: Mapping[str, Mapping[str, Any]] | None = None,
        base_lock_url: str | None = None,
        verify: VerifyMode = "auto",
        find_index: bool = False,
    ) -> None:
        self.client = client
        self.index_urls = [u if "{package_name}" in u else normalize_index_url(u) for u in index_urls]
        self.base_lock = dict(base_lock or {})
        self.base_lock_url = base_lock_url  # where relative file names of the base lock resolve
        self.verify: VerifyMode = verify
        self.find_index = find_index  # name the index of files known from installer records (pylock "index")
        # Indexes that refused connections (after retries): later dists skip them instead of retrying again.
        self._down: dict[str, str] = {}
        self._gates: dict[str, asyncio.Future[None]] = {}
        # RECORDs of wheels already read whole (downloads, local files): location -> rows.
        self._wheel_records: dict[str, dict[str, str]] = {}
        # Tail lengths already read from a wheel (its METADATA by ranges): location -> bytes, for its RECORD.
        self._tails: dict[str, int] = {}

    async def resolve_all(
        self,
        dists: Sequence[Distribution],
        on_done: Callable[[FileResolution], None] | None = None,
    ) -> list[FileResolution]:
        """Resolve concurrently (the client bounds requests in flight); results in input order."""

        async def one(dist: Distribution) -> FileResolution:
            result = await self.resolve(dist)
            if on_done is not None:
                on_done(result)
            return result

        return list(await asyncio.gather(*(one(d) for d in dists)))

    async def resolve(self, dist: Distribution) -> FileResolution:
        res = FileResolution(dist.name, dist.canonical_name, dist.version)
        REQUEST_LOG.set(res.requests)  # this task's context only: each dist lists its own requests
        try:
            await self._resolve(dist, res)
        except Exception as exc:  # one bad distribution must never stop the others
            res.unlockable("error", f"unexpected error: {type(exc).__name__}: {exc}")
        return res

    async def _resolve(self, dist: Distribution, res: FileResolution) -> None:
        if dist.format != "dist-info":
            res.unlockable("egg-info", "legacy .egg-info install: no RECORD hashes or WHEEL tags to prove a file")
            return
        known = next((p for p in dist.problems if p.code in FROM_INSPECT_PROBLEM), None)
        if known is not None:
            res.unlockable(FROM_INSPECT_PROBLEM[known.code], known.message)
            return
        rec = read_records(dist)
        settled = self._from_records(dist, rec, res)
        if _bad_record(res):
            return
        if settled:
            if res.locked and res.sha256 and res.url and _is_local(res.url):
                await self._index_by_sha(dist, res)  # micropip.install("emfs:...") of the index's very bytes?
            elif res.locked and self.find_index and res.index is None and res.method != "base-lock":
                await self._name_index(dist, res)
        elif res.method is not None and res.sha256:
            await self._index_by_sha(dist, res)  # a local wheel of known bytes
        elif res.url is not None and res.url.startswith(("http://", "https://")):
            await self._hash_by_download(dist, res, res.method or "direct-url")
        elif res.reason_code is None:
            await self._from_indexes(dist, res)
        if res.locked:
            await self._prove(dist, res)

    # -- installer records -------------------------------------------------------------------------

    def _from_records(self, dist: Distribution, rec: Records, res: FileResolution) -> bool:
        """Lock from what an installer recorded; True when that settled it (locked or not)."""
        if rec.pyodide_url and rec.pyodide_sha256:
            if not is_sha256(rec.pyodide_sha256):
                res.unlockable("bad-record", f"PYODIDE_SHA256 is {rec.pyodide_sha256[:80]!r}, not a sha256 hex digest")
                return True
            res.method, res.url, res.sha256 = "pyodide-url", rec.pyodide_url, rec.pyodide_sha256
            res.filename = _filename(rec.pyodide_url)
            res.proof = "PYODIDE_URL and PYODIDE_SHA256 written by micropip"
            res.evidence += ["PYODIDE_URL", "PYODIDE_SHA256"]
            res.proved_by_installer = True
            if rec.index:
                res.index = rec.index
            return True
        loaded = (dist.installer or "") == "pyodide.loadPackage"
        if rec.pyodide_source == "pyodide" or (loaded and not rec.pyodide_source):
            return self._from_base_lock(dist, rec, res)
        if rec.pyodide_source and _is_location(rec.pyodide_source):
            return self._from_pyodide_source(dist, rec.pyodide_source, res)
        if rec.provenance is not None and self._from_provenance(rec, res):
            return True
        if rec.direct_url is not None:
            return self._from_direct_url(dist, rec.direct_url, res)
        if rec.local_build:
            res.evidence.append(rec.local_build)
            res.unlockable("local-build", f"built locally from an sdist ({rec.local_build} present)")
            return True
        return False

    def _from_base_lock(self, dist: Distribution, rec: Records, res: FileResolution) -> bool:
        """``pyodide.loadPackage`` from the Pyodide distribution: the base lock's entry of that version."""
        res.evidence.append("PYODIDE_SOURCE" if rec.pyodide_source else "INSTALLER")
        entry = _base_entry(self.base_lock, dist.canonical_name)
        if entry is None or str(entry.get("version")) != dist.version:
            res.unlockable(
                "not-on-index",
                f"loaded from the Pyodide distribution but the base lock has no {dist.name} {dist.version}",
            )
            return True
        res.method, res.base_entry = "base-lock", dict(entry)
        res.filename = str(entry.get("file_name", ""))
        res.sha256 = str(entry.get("sha256") or "") or None
        res.proof = "the Pyodide distribution's package of the same version in the base lock"
        return True

    def _base_location(self, entry: Mapping[str, Any]) -> str | None:
        """Where a base-lock entry's file is: its absolute URL, or its name joined to the base lock's URL."""
        name = entry.get("file_name")
        if not isinstance(name, str) or not name:
            return None
        if urlsplit(name).scheme in ("http", "https"):
            return name
        return urljoin(self.base_lock_url, name) if self.base_lock_url else None

    def _from_pyodide_source(self, dist: Distribution, source: str, res: FileResolution) -> bool:
        """``pyodide.loadPackage(url)``: PYODIDE_SOURCE names the file (not its hash); never the base entry
        unless that entry IS this URL."""
        res.evidence.append("PYODIDE_SOURCE")
        entry = _base_entry(self.base_lock, dist.canonical_name)
        if entry is not None and str(entry.get("version")) == dist.version and self._base_location(entry) == source:
            res.method, res.base_entry = "base-lock", dict(entry)
            res.filename, res.sha256 = str(entry.get("file_name", "")), str(entry.get("sha256") or "") or None
            res.proof = "PYODIDE_SOURCE is the base lock entry's URL"
            return True
        res.method, res.url, res.filename = "pyodide-source", source, _filename(source)
        if source.startswith(("http://", "https://")):
            return False  # hashed by download, then proved by METADATA and RECORD (in _resolve)
        why = self._hash_local_wheel(dist, _local_path(source), source, res)
        if why is not None:
            res.unlockable("local-file", f"pyodide.loadPackage installed it from {redact(source)}, {why}")
        return True

    def _from_provenance(self, rec: Records, res: FileResolution) -> bool:
        url = rec.provenance.get("url") if rec.provenance else None
        sha = archive_sha256(rec.provenance.get("archive_info")) if rec.provenance else None
        if not isinstance(url, str) or not sha:
            return False
        if not is_sha256(sha):
            res.unlockable("bad-record", f"provenance_url.json gives {sha[:80]!r}, not a sha256 hex digest")
            return True
        res.method, res.url, res.sha256 = "provenance", url, sha
        res.filename, res.index = _filename(url), rec.index
        res.proof = "provenance_url.json recorded at install"
        res.evidence += ["provenance_url.json"] + (["INDEX"] if rec.index else [])
        res.proved_by_installer = True
        return True

    def _from_direct_url(self, dist: Distribution, direct: dict[str, Any], res: FileResolution) -> bool:
        res.evidence.append("direct_url.json")
        url = direct.get("url")
        if "vcs_info" in direct:
            res.unlockable("vcs", f"installed from a VCS checkout ({redact(str(url))})")
            return True
        if "dir_info" in direct:
            info = direct["dir_info"]
            if isinstance(info, dict) and info.get("editable") is True:
                res.unlockable("editable", f"an editable install of {redact(str(url))}: its code is a working tree")
            else:
                res.unlockable("local-path", f"installed from a local directory or checkout ({redact(str(url))})")
            return True
        if not isinstance(url, str):
            res.unlockable("no-hash", "direct_url.json without a URL")
            return True
        if not _filename(url).endswith(".whl"):
            res.unlockable("local-build", f"built locally from the source archive {redact(url)}")
            return True
        sha = archive_sha256(direct.get("archive_info"))
        res.method, res.url, res.filename = "direct-url", url, _filename(url)
        local_path = _local_path(url)
        if sha is not None and not is_sha256(sha):
            res.unlockable("bad-record", f"direct_url.json gives {sha[:80]!r}, not a sha256 hex digest")
            return True
        if sha is not None:
            res.sha256, res.proved_by_installer = sha, True
            res.proof = "direct_url.json archive hash (PEP 610)"
            # A local wheel is settled only if no index holds the very same bytes (checked next).
            return local_path is None
        if local_path is None:
            return False  # a remote wheel installed by URL with no recorded hash: hashed by download
        # A wheel installed from a path, no hash recorded (uv): its bytes may still be here, rebuilt or not.
        why = self._hash_local_wheel(dist, local_path, url, res)
        if why is not None:
            res.method = res.url = res.filename = None
            res.notes.append(f"installed from {redact(url)}, {why}: proving by the index")
        return False  # locked to the local file or not: an index may hold the same bytes (checked next)

    def _hash_local_wheel(self, dist: Distribution, path: Path | None, url: str, res: FileResolution) -> str | None:
        """Hash a wheel on this machine that an installer named without a hash, if it still holds the installed
        METADATA; None when ``res.sha256`` is set, else why not."""
        found = _read_local_wheel(path) if path is not None else None
        if found is None:
            return "which is gone or not a readable wheel here"
        sha256, metadata_sha256, record = found
        if metadata_sha256 != dist.metadata_sha256:
            return "which has changed since it was installed (other METADATA)"
        res.sha256, res.proof = sha256, "sha256 of the recorded local wheel, whose METADATA is the installed one"
        res.evidence.append("local wheel file")
        if record is not None:
            self._wheel_records[url] = record
        return None

    # -- indexes -----------------------------------------------------------------------------------

    async def _from_indexes(self, dist: Distribution, res: FileResolution) -> None:
        if not dist.metadata_sha256:
            res.unlockable("no-hash", "RECORD gives no sha256 for METADATA: nothing can prove which file this is")
            return
        if not self.index_urls:
            res.unlockable("no-index", "no index configured and no installer record of the file")
            return
        misses = _Misses()
        for index_url in self.index_urls:
            if await self._try_index(dist, res, index_url, misses):
                if misses.unreachable:
                    res.notes.extend(f"skipped unreadable index {u}" for u in misses.unreachable)
                return
        misses.settle(dist, res)

    async def _try_index(self, dist: Distribution, res: FileResolution, index_url: str, misses: _Misses) -> bool:
        """Look for the installed file on one index; True when it was found (res locked, or hashing failed)."""
        shown = redact(index_url)
        try:
            page = await self._page(index_url, dist)
        except (TransportError, IndexProblem) as exc:
            misses.unreachable.append(f"{shown}: {exc}")
            return False
        if page is None:
            misses.absent.append(f"{dist.name} is not on {shown}")
            return False
        match = await match_installed(
            self.client,
            page.files,
            name=dist.name,
            version=dist.version,
            installed_tags=dist.wheel_tags,
            metadata_sha256=dist.metadata_sha256 or "",
            tail_bytes=lambda: _tail_bytes(dist, metadata=True),
        )
        res.notes.extend(match.notes)
        if match.file is None:
            misses.add(match.miss, shown, match.detail)
            return False
        f = match.file
        if match.tail is not None:
            self._tails[f.url] = match.tail
        res.method, res.url, res.filename, res.sha256 = "index", f.url, f.filename, f.sha256
        res.size, res.upload_time, res.index = f.size, f.upload_time, index_url
        res.proof = match.proof
        res.evidence.append(f"index page ({page.format})")
        if f.yanked:
            # PEP 592: an exact pin still installs a yanked file; say so, the user may want to move on.
            reason = f": {f.yanked}" if isinstance(f.yanked, str) else ""
            res.notes.append(f"{f.filename} is yanked on {shown}{reason}")
        if not f.sha256:
            # The index proves the file by its metadata but gives no hash to lock it by: hash it here.
            res.notes.append(f"{shown} gives no sha256 for {f.filename}: hashed a download of it")
            await self._hash_by_download(dist, res, "index")
            if not res.locked:
                misses.unhashed.append(f"{shown} lists {f.filename} without a sha256, and {res.reason}")
                res.method = res.url = res.filename = res.reason_code = res.reason = None
                return False
        return True

    async def _page(self, index_url: str, dist: Distribution) -> ProjectPage | None:
        """The project page; the first request to each index goes alone, so an index that refuses
        connections costs one request (and its retries), not one per distribution."""
        gate = self._gates.get(index_url)
        if gate is None:
            gate = self._gates[index_url] = asyncio.get_running_loop().create_future()
            try:
                return await self._fetch_page(index_url, dist)
            finally:
                gate.set_result(None)
        await gate
        if index_url in self._down:
            raise TransportError("connect", self._down[index_url])
        return await self._fetch_page(index_url, dist)

    async def _fetch_page(self, index_url: str, dist: Distribution) -> ProjectPage | None:
        """The page of ``dist``'s project, keeping only wheels that may be of its installed version."""
        version = dist.version
        try:
            return await fetch_project_page(
                self.client, index_url, dist.name, wanted=lambda filename: may_be_version(filename, version)
            )
        except TransportError as exc:
            if exc.kind == "connect":
                self._down[index_url] = str(exc)
            raise

    async def _hash_by_download(self, dist: Distribution, res: FileResolution, method: Any) -> None:
        """Lock ``res.url`` by the sha256 of a download whose METADATA is the installed one; else unlockable."""
        url = res.url or ""
        try:
            response = await self.client.get(url, immutable=True, max_bytes=MAX_DOWNLOAD)
        except TransportError as exc:
            res.unlockable("no-hash", f"no hash recorded for {redact(url)}, and downloading it failed: {exc}")
            return
        if response.status != 200:
            res.unlockable(
                "no-hash", f"no hash recorded for {redact(url)}, and downloading it gave HTTP {response.status}"
            )
            return
        found = _wheel_digests(response.content)
        if found is None or found[1] != dist.metadata_sha256:
            why = "is not a wheel" if found is None else "has a METADATA that is not the installed one"
            res.unlockable("no-hash", f"no hash recorded for {redact(url)}, and the downloaded file {why}")
            return
        res.method, res.sha256 = method, found[0]
        if found[2] is not None:
            self._wheel_records[url] = found[2]
        if method != "index":
            res.proof = "sha256 of a download of the recorded URL, whose METADATA is the installed one"

    async def _name_index(self, dist: Distribution, res: FileResolution) -> None:
        """Which configured index lists this exact file (by sha256); nothing changes if none does."""
        for index_url in self.index_urls:
            try:
                page = await self._page(index_url, dist)
            except (TransportError, IndexProblem):
                continue
            if page is not None and any(f.sha256 and f.sha256 == res.sha256 for f in page.files):
                res.index = index_url
                return

    async def _index_by_sha(self, dist: Distribution, res: FileResolution) -> None:
        """A wheel installed from a local file: lock it to an index only if the index has the same bytes."""
        for index_url in self.index_urls:
            try:
                page = await self._page(index_url, dist)
            except (TransportError, IndexProblem) as exc:
                res.notes.append(f"index {redact(index_url)} not readable: {exc}")
                continue
            if page is None:
                continue
            same_version = files_of_version(page.files, dist.name, dist.version).files
            for f in same_version:
                if f.sha256 and f.sha256 == res.sha256:
                    local = res.url
                    res.method, res.url, res.filename = "index", f.url, f.filename
                    res.size, res.upload_time, res.index = f.size, f.upload_time, index_url
                    res.proof = "the installed local wheel is byte-identical (sha256) to the index file"
                    res.notes.append(f"installed from {redact(local or '')}")
                    return
            if same_version:
                res.index_has_other_bytes = True
                res.notes.append(f"{redact(index_url)} has {dist.name} {dist.version} with other bytes: a local build")

    # -- proof -------------------------------------------------------------------------------------

    async def _prove(self, dist: Distribution, res: FileResolution) -> None:
        """Apply the ``verify`` policy to a locked file: compare its RECORD with what is installed."""
        if self.verify == "metadata" or (self.verify == "auto" and res.proved_by_installer):
            return
        location = res.url
        if res.method == "base-lock" and res.base_entry is not None:
            location = self._base_location(res.base_entry)
        if location is None:
            if res.method == "base-lock" and self.verify == "auto":
                res.notes.append("base lock location unknown: RECORD not compared, PYODIDE_SOURCE trusted")
                return
            res.unlockable("unverified", f"{res.filename or dist.name}: no location to read its RECORD from")
            return
        try:
            tail = self._tails.get(location) or _tail_bytes(dist)
            remote = await self._wheel_record(location, tail, res.sha256)
        except RecordUnavailable as exc:
            if res.method == "base-lock" and self.verify == "auto":
                # Pyodide itself installed it from its lock (checking that file's sha256): its record stands
                # when the file cannot be read here (a CDN that hides Content-Range from this origin, say).
                res.notes.append(f"base lock file's RECORD not readable ({exc}): PYODIDE_SOURCE trusted")
                return
            res.unlockable(
                "unverified",
                f"{res.filename or redact(location)} was found, but its RECORD could not be read "
                f"to prove the installed files ({exc})",
            )
            return
        installed = _installed_record(dist)
        if not any(installed.values()):
            res.unlockable("unverified", "the installed RECORD lists no hashed files to compare with the wheel's")
            return
        site = Path(dist.site_dir)
        comparison = compare_records(remote, installed, site)
        res.record_verified = comparison.same
        if not comparison.same:
            res.unlockable(
                "local-build",
                f"installed files are not those of {res.filename or redact(location)} ({comparison.describe()}): "
                "a build with the same name, version and METADATA",
            )
            return
        if self.verify == "record":
            changed = changed_on_disk(installed, site)
            if changed:
                res.record_verified = False
                shown = ", ".join(sorted(changed)[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
                res.unlockable("modified", f"installed files changed after install: {shown}")
                return
        res.notes.append(f"RECORD verified: {comparison.compared} files match {res.filename or 'the wheel'}")

    async def _wheel_record(self, location: str, tail_bytes: int, sha256: str | None) -> dict[str, str]:
        """The RECORD rows of the wheel at ``location`` (http(s) by Range requests, or a local file)."""
        known = self._wheel_records.get(location)
        if known is not None:
            return known
        if location.startswith(("http://", "https://")):
            try:
                content_id = f"sha256:{sha256}" if sha256 else None  # the same wheel on a mirror: read once
                _, data = await read_member(
                    self.client, location, _is_record_member, tail=tail_bytes, content_id=content_id
                )
            except (RemoteZipError, TransportError) as exc:
                raise RecordUnavailable(str(exc)) from exc
            if len(data) > MAX_RECORD:
                raise RecordUnavailable(f"RECORD larger than {MAX_RECORD} bytes")
            return parse_record(data.decode("utf-8", errors="replace"))
        path = _local_path(location)
        found = _read_local_wheel(path) if path is not None else None
        if found is None or found[2] is None:
            raise RecordUnavailable(f"{redact(location)} is not a readable wheel here")
        return found[2]


class _Misses:
    """Why no configured index gave the file, gathered over the indexes, settled into one reason."""

    def __init__(self) -> None:
        self.unreachable: list[str] = []
        self.mismatched: list[str] = []
        self.unhashed: list[str] = []
        self.absent: list[str] = []
        self.invalid: list[str] = []

    def add(self, miss: str | None, shown: str, detail: str) -> None:
        if miss in ("no-version", "no-tags"):
            self.absent.append(f"{shown} has {detail}")
        elif miss == "invalid":
            self.invalid.append(f"{shown}: {detail}")
        elif miss == "error":
            self.unreachable.append(f"{shown}: {detail}")
        else:
            self.mismatched.append(shown)

    def settle(self, dist: Distribution, res: FileResolution) -> None:
        if self.mismatched:
            res.unlockable(
                "local-build",
                f"{dist.version} is on {', '.join(self.mismatched)} but no file there has the installed METADATA "
                f"(sha256 {(dist.metadata_sha256 or '')[:12]}…): built locally or from another source",
            )
        elif self.unhashed:
            res.unlockable("no-hash", "; ".join(self.unhashed))
        elif self.invalid:
            res.unlockable("index-data", "; ".join(self.invalid))
        elif self.unreachable:
            res.unlockable("index-unreachable", "; ".join(self.unreachable))
        else:
            res.unlockable("not-on-index", "; ".join(self.absent))


def _is_record_member(member: str) -> bool:
    top, _, rest = member.partition("/")
    return top.endswith(".dist-info") and rest == "RECORD"


#: Where an installer may say a file came from: fetchable URLs, and this machine's files (file:, emfs:, paths).
_RECORD_SCHEMES = frozenset({"http", "https", "file", "emfs", ""})


def _bad_record(res: FileResolution) -> bool:
    """An installer-recorded URL of another scheme (javascript:, data:, ...) names no file: unlockable."""
    if res.url is None or res.reason_code is not None:
        return False
    try:
        scheme = urlsplit(res.url).scheme.lower()
        if scheme in _RECORD_SCHEMES:
            return False
        why = f"a {scheme}: URL, which names no file to lock"
    except ValueError:
        why = f"an unreadable URL {redact(res.url)[:80]!r}"
    res.unlockable("bad-record", f"the installer recorded {why}")
    return True


def _is_local(url: str) -> bool:
    """A file on the installing machine (file:, emfs:, a path): a lock needs it published, or the index's copy."""
    return urlsplit(url).scheme.lower() not in ("http", "https")


def _is_location(source: str) -> bool:
    """PYODIDE_SOURCE is a URL or path (``loadPackage(url)``), not a channel name ("pyodide", "pypi")."""
    return "/" in source or ":" in source


def _filename(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _wheel_digests(data: bytes) -> tuple[str, str, dict[str, str] | None] | None:
    """(sha256 of the wheel, sha256 of its METADATA, its RECORD rows) from a whole wheel's bytes (the one bounded
    wheel reader); None when it is not a readable wheel. A wheel without a readable RECORD still gives its hashes."""
    import hashlib

    from indexer.wheelfile import WheelError, read_wheel_bytes

    try:
        metadata = read_wheel_bytes(data, ("METADATA",))["METADATA"]
    except WheelError:
        return None
    try:
        record: dict[str, str] | None = parse_record(
            read_wheel_bytes(data, ("RECORD",))["RECORD"].decode("utf-8", errors="replace")
        )
    except WheelError:
        record = None
    return hashlib.sha256(data).hexdigest(), hashlib.sha256(metadata).hexdigest(), record


def _read_local_wheel(path: Path) -> tuple[str, str, dict[str, str] | None] | None:
    """:func:`_wheel_digests` of a wheel on disk, or None if it is gone, too large or not a wheel."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_DOWNLOAD:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return _wheel_digests(data)


def _local_path(url: str) -> Path | None:
    """The path of a ``file:`` URL (or a plain path), None for remote URLs."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme == "" and url.startswith("/"):
        return Path(url)
    return None
