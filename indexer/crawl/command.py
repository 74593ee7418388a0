"""`python -m indexer crawl SOURCE -o OUT_DIR`: the import names of every wheel of an index, on Dask.

SOURCE is a simple index URL (PEP 691 JSON or PEP 503 HTML; every project at its root, or --projects) or a
directory of wheels. One Dask task per project runs on the workers (--scheduler tcp://HOST:PORT for an
existing cluster, else a local one of --workers processes); this process only lists projects and writes
OUT_DIR/shards/, OUT_DIR/pages/ and OUT_DIR/imports.json. Re-running processes only wheels without a shard;
imports.json lists the wheels this run saw in SOURCE (older shards stay on disk as a cache, outside the map).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import threading
import uuid
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from indexer.console import Progress, say, terminal_progress
from indexer.crawl.outputs import done_shards, listed_wheels, read_page, write_map, write_page, write_shard
from indexer.crawl.project import (
    ProjectJob,
    ProjectResult,
    close_transports,
    crawl_local_project,
    crawl_project,
    project_of,
)
from indexer.resolve.client import Client
from indexer.resolve.simple_api import ACCEPT, HTML_TYPES, JSON_TYPES
from indexer.resolve.transport import TRANSPORTS, Response, TransportError
from indexer.urls import normalize_index_url, redact

#: Fewer projects than this run on an in-process cluster (threads): starting worker processes costs more.
TINY = 8
PER_TASK_CONCURRENCY = 4
ROOT_STATE = "-root"  # pages/-root.json: no normalized project name starts with '-'


class CrawlError(Exception):
    """The crawl cannot start (no such source, no project list, no Dask): one line for the user."""


@dataclass
class CrawlSummary:
    projects: int = 0
    shards_written: int = 0
    stats: dict[str, int] = field(default_factory=dict)  # requests, bytes, retries, failures, not_modified
    counts: dict[str, int] = field(default_factory=dict)  # metadata, ranges, downloads, failed
    problems: list[str] = field(default_factory=list)
    tasks_by_worker: dict[str, int] = field(default_factory=dict)
    worker_pids: set[int] = field(default_factory=set)
    root_requests: int = 0
    root_bytes: int = 0

    def add(self, result: ProjectResult) -> None:
        for target, source in ((self.stats, result.stats), (self.counts, result.counts)):
            for key, value in source.items():
                target[key] = target.get(key, 0) + value
        self.problems.extend(result.problems)
        self.problems.extend(p for s in result.shards for p in s.get("problems", []))
        if result.pid:  # 0: the task never returned (its failure is in problems)
            self.tasks_by_worker[result.worker] = self.tasks_by_worker.get(result.worker, 0) + 1
            self.worker_pids.add(result.pid)

    def to_json(self) -> dict[str, Any]:
        return {
            "projects": self.projects,
            "shards_written": self.shards_written,
            "requests": self.stats.get("requests", 0) + self.root_requests,
            "bytes": self.stats.get("bytes", 0) + self.root_bytes,
            "stats": dict(sorted(self.stats.items())),
            "counts": dict(sorted(self.counts.items())),
            "tasks_by_worker": dict(sorted(self.tasks_by_worker.items())),
            "worker_pids": sorted(self.worker_pids),
            "problems": self.problems,
        }


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def crawl(
    source: str,
    out_dir: Path,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    threads: int = 16,
    projects: Sequence[str] | None = None,
    per_host: int = 64,
    timeout: float = 30.0,
    retries: int = 2,
    transport: str | None = None,
    progress: Progress | None = None,
) -> CrawlSummary:
    """Crawl ``source`` into ``out_dir``; see the module docstring. Raises :class:`CrawlError` to stop."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = CrawlSummary()
    done = done_shards(out_dir)
    options = {"timeout": timeout, "retries": retries, "transport": transport}
    jobs = _jobs(source, out_dir, projects, done, per_host, options, summary)
    summary.projects = len(jobs)
    seen: set[str] = set()  # sha256 of every wheel SOURCE lists this run: what imports.json covers
    if jobs:
        if progress is not None:
            progress.start(len(jobs))
        try:
            with _dask(scheduler, workers, threads, tiny=len(jobs) < TINY) as dask:
                results = _run(dask, jobs, retries)
                try:
                    for result in results:
                        _keep(out_dir, result, summary, seen, jobs)
                        if progress is not None:
                            progress.advance()
                finally:
                    results.close()  # cancels the tasks still in the cluster when the loop did not finish
                    dask.run(close_transports)  # the workers' connection pools, before the cluster may go away
        finally:
            if progress is not None:
                progress.close()
    write_map(out_dir, seen)
    return summary


def _keep(out_dir: Path, result: ProjectResult, summary: CrawlSummary, seen: set[str], jobs: list[ProjectJob]) -> None:
    """Store one project's result: its page state and new shards; note the wheels it lists for the map."""
    summary.add(result)
    if result.wheels is not None:
        seen.update(result.wheels)
    else:  # the page could not be read this run: the last crawl's listing of the project stands
        seen.update(w for job in jobs if job.project == result.project for w in listed_wheels(job.page))
    if result.page is not None:
        write_page(out_dir, result.project, result.page)
    for shard in result.shards:
        write_shard(out_dir, shard)
        summary.shards_written += 1


def _jobs(
    source: str,
    out_dir: Path,
    projects: Sequence[str] | None,
    done: dict[str, frozenset[str]],
    per_host: int,
    options: dict[str, Any],
    summary: CrawlSummary,
) -> list[ProjectJob]:
    common: dict[str, Any] = {
        "host_leases": max(1, per_host // PER_TASK_CONCURRENCY),
        "concurrency": PER_TASK_CONCURRENCY,
        **options,
    }
    wanted = sorted({canonicalize_name(p) for p in projects}) if projects else None
    if is_url(source):
        index = normalize_index_url(source)
        names = wanted if wanted is not None else _list_projects(index, out_dir, options["timeout"], summary)
        return [
            ProjectJob(index, name, page=read_page(out_dir, name), done=done.get(name, frozenset()), **common)
            for name in names
        ]
    folder = Path(source)
    if not folder.is_dir():
        raise CrawlError(f"{source}: neither an http(s) index URL nor a directory of wheels")
    grouped: dict[str, list[str]] = {}
    for path in sorted(folder.iterdir()):
        if not path.name.endswith(".whl") or not path.is_file():
            continue
        name = project_of(path.name)
        if name is None:
            summary.problems.append(f"{path.name}: not a valid wheel file name, skipped")
        elif wanted is None or name in wanted:
            grouped.setdefault(name, []).append(str(path.resolve()))
    return [
        ProjectJob(str(folder.resolve()), n, local_files=tuple(f), done=done.get(n, frozenset()), **common)
        for n, f in sorted(grouped.items())
    ]


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.names: list[str] = []
        self._in_a = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_a = tag == "a"

    def handle_data(self, data: str) -> None:
        if self._in_a and data.strip():
            self.names.append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        self._in_a = False


def _list_projects(index: str, out_dir: Path, timeout: float, summary: CrawlSummary) -> list[str]:
    """Every project at the index root (PEP 691 ``projects`` or PEP 503 anchors), normalized and sorted.

    The list is kept in OUT_DIR/root.json with its ETag, so a re-run revalidates it instead of re-reading it.
    """
    stored = read_page(out_dir, ROOT_STATE)
    headers = {"Accept": ACCEPT}
    if stored and stored.get("etag"):
        headers["If-None-Match"] = str(stored["etag"])

    async def fetch() -> tuple[Response, int, int]:
        async with Client(timeout=timeout) as client:
            response = await client.get(index, headers=headers, max_bytes=512 * 1024 * 1024)
            return response, client.stats.requests, client.stats.bytes

    try:
        response, summary.root_requests, summary.root_bytes = asyncio.run(fetch())
    except TransportError as exc:
        raise CrawlError(f"{redact(index)}: {exc}") from exc
    if response.status == 304 and stored:
        return [str(n) for n in stored["files"]]
    if response.status != 200:
        raise CrawlError(f"{redact(index)}: HTTP {response.status} for the project list")
    names = sorted({str(canonicalize_name(n)) for n in _project_names(response)})
    write_page(out_dir, ROOT_STATE, {"url": redact(index), "etag": response.headers.get("etag"), "files": names})
    return names


def _project_names(response: Response) -> list[str]:
    where = redact(response.url)
    if response.content_type in JSON_TYPES:
        try:
            data = json.loads(response.content)
            return [str(p["name"]) for p in data["projects"] if isinstance(p, dict) and "name" in p]
        except (ValueError, KeyError, TypeError) as exc:
            raise CrawlError(f"{where}: unreadable PEP 691 project list ({exc})") from exc
    if response.content_type in HTML_TYPES:
        parser = _Anchors()
        parser.feed(response.content.decode("utf-8", "replace"))
        return parser.names
    raise CrawlError(f"{where}: unexpected Content-Type {response.content_type!r} for the project list")


@contextmanager
def _dask(scheduler: str | None, workers: int, threads: int, *, tiny: bool) -> Iterator[Any]:
    try:
        from distributed import Client as DaskClient
        from distributed import LocalCluster
    except ImportError as exc:
        raise CrawlError("crawl needs Dask: pip install 'micropip-ext[crawl]'") from exc
    if scheduler:
        try:
            client = DaskClient(scheduler, timeout=30)
        except (OSError, TimeoutError) as exc:
            raise CrawlError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        with client:
            yield client
        return
    # LocalCluster's silence_logs is restored before its comms finish closing: an in-process cluster then logs
    # "Batched Comm Closed" with a traceback at INFO now and then. Our own cluster's chatter is not the user's.
    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with _workers_ignore_ctrl_c():
            cluster = LocalCluster(
                n_workers=max(1, workers),
                threads_per_worker=max(1, threads),
                processes=not tiny,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
        with cluster, DaskClient(cluster) as client:
            yield client
    finally:
        quiet.setLevel(level)


@contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Start worker processes with SIGINT ignored (inherited through exec): Ctrl-C reaches the whole terminal
    process group, and each worker printed its own KeyboardInterrupt traceback. This process still stops on
    Ctrl-C ("interrupted") and closes the cluster, which ends the workers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run(dask: Any, jobs: list[ProjectJob], retries: int) -> Generator[ProjectResult, None, None]:
    """Submit one task per project, keeping a bounded window of them in flight; yield results as they finish."""
    from distributed import as_completed

    window = max(8, 4 * sum(dask.nthreads().values()))
    token = uuid.uuid4().hex[:8]
    pending = iter(jobs)

    def submit(job: ProjectJob) -> Any:
        task = crawl_local_project if job.local_files else crawl_project
        return dask.submit(task, job, key=f"crawl-{job.project}-{token}", pure=False, retries=retries)

    live = {submit(job) for _, job in zip(range(window), pending, strict=False)}
    # with_results: results are gathered in the background as tasks finish, not one round trip per result.
    queue = as_completed(live, with_results=True, raise_errors=False)
    try:
        for future, result in queue:
            live.discard(future)
            project = str(future.key).removeprefix("crawl-").removesuffix(f"-{token}")
            future.release()
            job = next(pending, None)
            if job is not None:
                added = submit(job)
                live.add(added)
                queue.add(added)
            if isinstance(result, BaseException):  # the task failed after its retries (e.g. a worker died)
                yield ProjectResult(project, problems=[f"{project}: task failed: {type(result).__name__}: {result}"])
            else:
                yield result
    finally:
        if live:  # interrupted (Ctrl-C, an error here): the tasks must not run on in the cluster without us
            dask.cancel(list(live))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from indexer import args as checked

    parser.add_argument("source", help="simple index URL (PEP 691/503) or a directory of wheels")
    parser.add_argument(
        "-o",
        "--out",
        dest="out_dir",
        type=checked.output_dir,
        required=True,
        help="output directory: shards/ (kept as a cache) and imports.json (the wheels this run saw in SOURCE only)",
    )
    parser.add_argument("--scheduler", help="address of an existing Dask scheduler (tcp://HOST:PORT)")
    parser.add_argument(
        "--workers", type=checked.positive_int, default=2, help="local Dask worker processes (without --scheduler)"
    )
    parser.add_argument(
        "--threads",
        type=checked.positive_int,
        default=16,
        help="tasks at once per local worker (index tasks are coroutines)",
    )
    parser.add_argument("--projects", nargs="+", metavar="NAME", help="only these projects")
    parser.add_argument(
        "--per-host", type=checked.positive_int, default=64, help="requests in flight per host, cluster-wide"
    )
    parser.add_argument("--timeout", type=checked.finite_seconds, default=30.0, help="seconds per request")
    parser.add_argument(
        "--retries", type=checked.non_negative_int, default=2, help="retries of a request or task on transient errors"
    )
    parser.add_argument("--transport", choices=TRANSPORTS, help="HTTP client of the workers (default: the project's)")
    parser.add_argument("--json", action="store_true", help="print the run's summary as JSON")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from indexer.args import UsageError

    bar = terminal_progress("crawl", unit="project", enabled=not args.no_progress)
    try:
        summary = crawl(
            args.source,
            args.out_dir,
            scheduler=args.scheduler,
            workers=args.workers,
            threads=args.threads,
            projects=args.projects,
            per_host=args.per_host,
            timeout=args.timeout,
            retries=args.retries,
            transport=args.transport,
            progress=bar,
        )
    except CrawlError as exc:
        raise UsageError(str(exc)) from exc
    for problem in summary.problems:
        say(f"indexer crawl: {problem}")
    data = summary.to_json()
    if args.json:
        print(json.dumps(data, indent=1))
    else:
        print(
            f"{summary.projects} projects, {summary.shards_written} new shards, {data['requests']} requests, "
            f"{data['bytes']} bytes -> {args.out_dir / 'imports.json'}"
        )
    return 0
