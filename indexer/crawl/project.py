"""The per-project task a Dask worker runs: revalidate the project page, shard every wheel not yet sharded.

A task is a plain importable function of plain data (:class:`ProjectJob` in, :class:`ProjectResult` out), so
the scheduler and the workers import it like any library function. The worker does all the fetching; the
client only writes what comes back. An index task is a coroutine on the worker's event loop (no thread
per task); the tasks of one worker share its connection pool. A cluster-wide ``distributed.Semaphore`` per
host bounds how many tasks talk to one host at once, and each task keeps at most ``concurrency`` requests in
flight. A directory source's task reads zips, so it is a plain function Dask runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from indexer.crawl.remote import WheelCounts, local_shard, remote_shard
from indexer.crawl.wheel import Shard
from indexer.resolve.client import Client
from indexer.resolve.simple_api import ACCEPT, IndexFile, PageError, parse_project_page
from indexer.resolve.transport import Transport, TransportError, default_transport
from indexer.urls import project_url, redact


class ProjectGone(PageError):
    """The index has no page for the project (HTTP 404/410): it left the index."""


@dataclass(frozen=True)
class ProjectJob:
    source: str  # a simple index URL, or a directory of wheels
    project: str
    page: Mapping[str, Any] | None = None  # the page state the last crawl stored (validators + files)
    done: frozenset[str] = frozenset()  # sha256 of wheels that already have a shard
    local_files: tuple[str, ...] = ()  # a directory source: this project's wheel paths
    host_leases: int = 16
    concurrency: int = 4
    timeout: float = 30.0
    retries: int = 2
    transport: str | None = None  # a kind from indexer.resolve.transport.TRANSPORTS; None: the default


@dataclass
class ProjectResult:
    project: str
    page: dict[str, Any] | None = None  # the page state to store (None: nothing to store)
    #: sha256 of every wheel of the project this run saw (with a shard or not): what imports.json lists.
    #: None: the page could not be read this run, so the last crawl's listing stands.
    wheels: list[str] | None = None
    shards: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    worker: str = "local"
    pid: int = 0


def crawl_local_project(job: ProjectJob) -> ProjectResult:
    """One project of a directory source (reads zips: runs in a worker thread)."""
    seen: list[str] = []
    result = ProjectResult(job.project, worker=_worker_address(), pid=os.getpid(), wheels=seen)
    counts = WheelCounts()
    result.shards = [s.to_json() for s in _local_shards(job, counts, seen)]
    result.counts = asdict(counts)
    return result


async def crawl_project(job: ProjectJob) -> ProjectResult:
    """One project of an index: a coroutine run on the worker's event loop (I/O only, no thread per task).

    Never raises for a bad page or wheel: those become the result's problems and problem shards.
    """
    result = ProjectResult(job.project, worker=_worker_address(), pid=os.getpid())
    counts = WheelCounts()
    clients: list[Client] = []  # one per phase, each with its own request accounting, over one connection pool
    lease = _host_lease(urlsplit(job.source).netloc, job.host_leases)
    async with _pooled(job.transport):
        if lease is None:
            await _remote(job, result, counts, clients, None)
        else:
            async with lease:
                await _remote(job, result, counts, clients, lease)
    result.stats = {
        "requests": sum(c.stats.requests for c in clients),
        "bytes": sum(c.stats.bytes for c in clients),
        "retries": sum(c.stats.retries for c in clients),
        "failures": sum(c.stats.failures for c in clients),
        "not_modified": sum(c.stats.by_status.get("304", 0) for c in clients),
    }
    result.counts = asdict(counts)
    return result


def _client(job: ProjectJob, concurrency: int, clients: list[Client]) -> Client:
    client = Client(_shared_transport(job.transport), concurrency=concurrency, timeout=job.timeout, retries=job.retries)
    clients.append(client)
    return client


async def _remote(
    job: ProjectJob, result: ProjectResult, counts: WheelCounts, clients: list[Client], lease: Any
) -> None:
    try:
        files, result.page = await _page(_client(job, job.concurrency, clients), job)
    except ProjectGone as exc:
        result.wheels = []  # the project left the index: its wheels leave the map
        result.problems.append(f"{job.project}: project page: {exc}")
        return
    except (TransportError, PageError) as exc:
        kept = "; the last crawl's listing of its wheels stands" if job.page else ""
        result.problems.append(f"{job.project}: project page: {exc}{kept}")
        return
    todo = _todo(job, files, result)
    shards = await _shard_all(job, todo, counts, _client(job, job.concurrency * job.host_leases, clients), lease)
    result.shards.extend(s.to_json() for s in shards)


async def _shard_all(
    job: ProjectJob, todo: list[tuple[IndexFile, str]], counts: WheelCounts, client: Client, lease: Any
) -> list[Shard]:
    """Shard every wheel of ``todo``, in ``concurrency`` lanes per host lease the task holds.

    A lane reads one wheel at a time and a wheel's requests run one after another, so the lanes, not the client,
    bound the requests in flight: ``concurrency`` per lease, never more than the host's bound. While enough
    wheels remain, the task takes leases nobody holds (without waiting for one) and opens lanes for them, so one
    large project is not read 4 requests at a time while the rest of the bound sits idle, also when the leases
    come free only after other projects finish.
    """
    shards: list[Shard | None] = [None] * len(todo)
    queue = iter(range(len(todo)))
    taken = [0]  # wheels handed to a lane so far

    async def lane() -> None:
        for i in queue:
            taken[0] = i + 1
            f, version = todo[i]
            shards[i] = await remote_shard(client, f, job.project, version, counts)

    lanes = [asyncio.ensure_future(lane()) for _ in range(job.concurrency)]
    extra = 0
    try:
        while True:
            want = min(job.host_leases - 1, (len(todo) - taken[0]) // WHEELS_PER_LEASE)
            while lease is not None and extra < want and await lease.acquire(timeout=0):
                extra += 1
                lanes += [asyncio.ensure_future(lane()) for _ in range(job.concurrency)]
            _, running = await asyncio.wait(lanes, timeout=RECRUIT_EVERY)
            if not running:
                await asyncio.gather(*lanes)  # a lane that died (it should not: shards hold failures) raises here
                break
    finally:
        for task in lanes:
            task.cancel()
        for _ in range(extra):
            await lease.release()
    return [s for s in shards if s is not None]


def _todo(job: ProjectJob, files: list[IndexFile], result: ProjectResult) -> list[tuple[IndexFile, str]]:
    """The wheels to shard (listed, hashed, not done) with their versions; notes every listed wheel's sha256."""
    result.wheels = []
    todo: list[tuple[IndexFile, str]] = []
    for f in files:
        if not f.filename.endswith(".whl"):
            continue
        if f.problem:
            result.problems.append(f"{f.filename}: {f.problem}; skipped")
            continue
        if not f.sha256:
            result.problems.append(f"{f.filename}: the index gives no sha256, so it has no shard name")
            continue
        result.wheels.append(f.sha256)
        if f.sha256 in job.done:
            continue
        try:
            version = str(parse_wheel_filename(f.filename)[1])
        except InvalidWheelFilename as exc:
            result.shards.append(Shard(f.filename, job.project, "", f.sha256, problems=[str(exc)]).to_json())
            continue
        todo.append((f, version))
    return todo


async def _page(client: Client, job: ProjectJob) -> tuple[list[IndexFile], dict[str, Any] | None]:
    """The project's files; a stored page is revalidated (ETag / Last-Modified), re-read only when changed."""
    url = project_url(job.source, job.project)
    headers = {"Accept": ACCEPT}
    old = job.page or {}
    if old.get("etag"):
        headers["If-None-Match"] = str(old["etag"])
    if old.get("last_modified"):
        headers["If-Modified-Since"] = str(old["last_modified"])
    response = await client.get(url, headers=headers)
    if response.status == 304 and old:
        return [_file_from_state(f) for f in old.get("files", [])], None
    if response.status in (404, 410):
        raise ProjectGone(f"no project page at {redact(url)} (HTTP {response.status})")
    if response.status != 200:
        raise PageError(f"HTTP {response.status} for {redact(url)}")
    page = parse_project_page(response.content, response.content_type, response.url)
    state = {
        "url": redact(url),
        "etag": response.headers.get("etag"),
        "last_modified": response.headers.get("last-modified"),
        "files": [_file_state(f) for f in page.files],
    }
    return list(page.files), state


def _file_state(f: IndexFile) -> dict[str, Any]:
    core = dict(f.core_metadata) if isinstance(f.core_metadata, Mapping) else bool(f.core_metadata)
    return {"filename": f.filename, "url": f.url, "sha256": f.sha256, "size": f.size, "core_metadata": core}


def _file_from_state(data: Mapping[str, Any]) -> IndexFile:
    hashes = {"sha256": data["sha256"]} if data.get("sha256") else {}
    core = data.get("core_metadata", False)
    return IndexFile(data["filename"], data["url"], hashes, core_metadata=core, size=data.get("size"))


def _local_shards(job: ProjectJob, counts: WheelCounts, seen: list[str]) -> Iterator[Shard]:
    for name in job.local_files:
        path = Path(name)
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        sha256 = digest.hexdigest()
        seen.append(sha256)
        if sha256 in job.done:
            continue
        try:
            version = str(parse_wheel_filename(path.name)[1])
        except InvalidWheelFilename as exc:
            yield Shard(path.name, job.project, "", sha256, problems=[str(exc)])
            continue
        yield local_shard(path, job.project, version, sha256, counts)


_transports: dict[tuple[asyncio.AbstractEventLoop, str | None], Transport] = {}
_users: dict[tuple[asyncio.AbstractEventLoop, str | None], int] = {}  # tasks holding each pool
_leases: dict[str, Any] = {}
#: Connections one worker process keeps open (all its tasks share them).
POOL = 64
#: Wheels left to read per extra host lease a task tries to take (each lease is ``concurrency`` requests), and
#: how often (seconds) a task with wheels left tries to take one.
WHEELS_PER_LEASE = 8
RECRUIT_EVERY = 0.5


def _shared_transport(kind: str | None) -> Transport:
    """This event loop's transport: one connection pool per worker process, reused by every task."""
    key = (asyncio.get_running_loop(), kind)
    if key not in _transports:
        _transports[key] = default_transport(POOL) if kind is None else default_transport(POOL, kind)
    return _transports[key]


@asynccontextmanager
async def _pooled(kind: str | None) -> AsyncIterator[None]:
    """Hold this worker's pool while a task runs; the last task out closes it (also a task cancelled because
    the crawl was interrupted), so no pool outlives the tasks that used it."""
    key = (asyncio.get_running_loop(), kind)
    _shared_transport(kind)
    _users[key] = _users.get(key, 0) + 1
    try:
        yield
    finally:
        _users[key] -= 1
        if not _users[key]:
            del _users[key]
            transport = _transports.pop(key, None)
            if transport is not None:
                await transport.aclose()


async def close_transports() -> None:
    """Close this worker's connection pools (run on every worker by the client when a crawl ends)."""
    while _transports:
        _, transport = _transports.popitem()
        await transport.aclose()


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "local"


def _host_lease(host: str, leases: int) -> Any:
    """A cluster-wide lease for ``host`` (tasks on every worker share it); None outside a Dask worker."""
    try:
        from distributed import Semaphore, get_worker

        get_worker()
    except (ImportError, ValueError):
        return None
    name = f"micropip-ext-crawl:{host}:{leases}"
    if name not in _leases:  # one per process: each Semaphore object runs its own lease-refresh timer
        _leases[name] = Semaphore(max_leases=leases, name=name)
    return _leases[name]


def project_of(filename: str) -> str | None:
    """The normalized project name of a wheel file name, None when the name is not a wheel's."""
    try:
        return str(canonicalize_name(parse_wheel_filename(filename)[0]))
    except InvalidWheelFilename:
        return None
