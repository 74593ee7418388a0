"""``freeze()``: inspect -> resolve -> emit, the same on CPython and inside Pyodide.

Freeze is read-only: it reads dist-infos and asks indexes; it never writes into an installation.
Defaults that depend on where it runs (index URLs, base lock, ``info``) are passed in by the CLI
(pip's configuration) or by ``micropip_ext.freeze`` (micropip's configuration, the running lock).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from indexer.console import Progress
from indexer.emit.pylock import build_pylock
from indexer.emit.pyodide_lock import build_pyodide_lock
from indexer.emit.report import build_report, scrub
from indexer.freeze.interface import FORMATS, Format
from indexer.freeze.options import FreezeError, FreezeOptions, TargetName
from indexer.installed.model import Distribution, Environment
from indexer.installed.target import contradicting, detect_target
from indexer.resolve.client import CONCURRENCY_BY_TRANSPORT, DEFAULT_CONCURRENCY, Client, DiskCache
from indexer.resolve.model import FileResolution
from indexer.resolve.resolver import FileResolver
from indexer.resolve.transport import Transport
from indexer.urls import redact


@dataclass
class FreezeResult:
    """One freeze: both lockfiles and the report, from the same resolution."""

    lock: str  # pyodide-lock.json text
    pylock: str  # pylock.toml text (PEP 751)
    report: dict[str, Any]
    resolutions: list[FileResolution]
    target: TargetName
    lock_problems: list[str] = field(default_factory=list)  # unread site entries; what the lock left out
    pylock_problems: list[str] = field(default_factory=list)  # unread site entries; what pylock.toml left out

    @property
    def unlockable(self) -> list[FileResolution]:
        return [r for r in self.resolutions if not r.locked]

    def text(self, format: Format = "pyodide-lock") -> str:
        """The lockfile in ``format``."""
        if format not in FORMATS:
            raise FreezeError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
        return self.lock if format == "pyodide-lock" else self.pylock

    def _repr_html_(self) -> str:
        """A table in notebooks: every distribution, unlockable rows marked with their reason."""
        from indexer.emit.html import freeze_html

        return freeze_html(self)

    def problems(self, format: Format = "pyodide-lock") -> list[str]:
        """Warnings about the lockfile in ``format`` (entries it had to leave out, and why)."""
        return self.lock_problems if format == "pyodide-lock" else self.pylock_problems


@dataclass(frozen=True)
class LocationMap:
    """``--base-url``: where local files (``file:``, ``emfs:``, plain paths) are published.

    ``PREFIX=URL`` replaces a location prefix; a bare ``URL`` serves every local file by its name.
    """

    rules: tuple[tuple[str | None, str], ...] = ()

    @classmethod
    def parse(cls, specs: Sequence[str]) -> LocationMap:
        rules: list[tuple[str | None, str]] = []
        for spec in specs:
            prefix, sep, url = spec.partition("=")
            if sep and not prefix.startswith(("http://", "https://")):
                rules.append((prefix, url))
            else:
                rules.append((None, spec if spec.endswith("/") else spec + "/"))
        return cls(tuple(rules))

    def rewrite(self, location: str) -> str | None:
        """The published URL of a local ``location``; a prefix may be a URL (``file:``, ``emfs:``) or a path."""
        parts = urlsplit(location)
        forms = [location] + ([unquote(parts.path)] if parts.scheme in ("file", "emfs") else [])
        for prefix, url in self.rules:
            if prefix is None:
                return url + _basename(location)
            for form in forms:
                if form.startswith(prefix):
                    return url + form[len(prefix) :]
        return None


def _basename(location: str) -> str:
    return urlsplit(location).path.rsplit("/", 1)[-1]


def is_local(location: str) -> bool:
    scheme = urlsplit(location).scheme.lower()
    return scheme not in ("http", "https")


def apply_locations(resolutions: Sequence[FileResolution], mapping: LocationMap) -> None:
    """Rewrite locked files that live on this machine, or mark them unlockable (a lock must be fetchable)."""
    for res in resolutions:
        if not res.locked or res.method == "base-lock" or res.url is None or not is_local(res.url):
            continue
        mapped = mapping.rewrite(res.url)
        if mapped is None:
            differs = res.index_has_other_bytes
            res.unlockable(
                "local-build" if differs else "local-file",
                f"installed from the local file {redact(res.url)}"
                + (", a local build that differs from the index's file of the same version" if differs else "")
                + "; publish it and pass --base-url to map it",
            )
        else:
            res.notes.append(f"local file {redact(res.url)} mapped to {redact(mapped)}")
            res.url = mapped


#: Inspect's environment-level problems that mean an entry of a site was not read at all: freeze reports them
#: (the rest of the site is still locked), so a lock never silently leaves an installed thing out.
UNREAD_ENTRY_CODES = frozenset({"dist-entry-invalid", "site-dir-unreadable"})


class Scanned(NamedTuple):
    distributions: list[Distribution]
    target: TargetName
    problems: list[str]  # entries of the site that could not be read, one line each


def inspect_paths(paths: Sequence[Path] | None, target: TargetName | None) -> Scanned:
    """Distributions in ``paths`` (default: this interpreter's sys.path) via the inspect step, and the target.

    ``target=None`` takes the one the installed wheels show (see :func:`indexer.installed.target.detect_target`).
    Only the first distribution of a name in path order is locked: it is the one imports see.
    """
    from indexer.installed import inspect

    _check_dirs(paths)
    env = inspect(list(paths) if paths else None, target=target or "auto")
    return _scanned(env, _first_of_each_name(env.distributions))


def _check_dirs(paths: Sequence[Path] | None) -> None:
    for path in paths or ():
        if not Path(path).is_dir():
            raise FreezeError(f"not a directory: {path}")


def _first_of_each_name(dists: Iterable[Distribution]) -> Iterator[Distribution]:
    seen: set[str] = set()
    for dist in dists:
        if dist.canonical_name not in seen:
            seen.add(dist.canonical_name)
            yield dist


def _scanned(env: Environment, dists: Iterable[Distribution]) -> Scanned:
    unread = [f"not read: {p.message}" for p in env.problems if p.code in UNREAD_ENTRY_CODES]
    return Scanned(list(dists), env.target, unread)


async def scan_resolving(
    paths: Sequence[Path] | None, resolver: FileResolver, progress: Progress | None = None
) -> tuple[Scanned, list[FileResolution]]:
    """:func:`inspect_paths` with the target detected, each distribution handed to ``resolver`` as soon as it
    is read: its requests are in flight while the others are read (the scan's CPU hides in network waits)."""
    from indexer.installed import finish, new_environment, read_distributions

    _check_dirs(paths)
    env = new_environment(list(paths) if paths else None, "auto")
    dists: list[Distribution] = []
    tasks: list[asyncio.Future[FileResolution]] = []
    counter = _Counter()

    async def one(dist: Distribution) -> FileResolution:
        result = await resolver.resolve(dist)
        counter.advance()
        return result

    try:
        for dist in _first_of_each_name(read_distributions(env)):
            dists.append(dist)
            tasks.append(asyncio.ensure_future(one(dist)))
            await asyncio.sleep(0)  # let the loop send its first request before the next one is read
        finish(env, "auto")
        counter.start(progress, len(dists))
        resolutions = list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
    return _scanned(env, dists), resolutions


class _Counter:
    """Progress for work that finishes before its total is known: counted, then reported once started."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.early = 0

    def start(self, progress: Progress | None, total: int) -> None:
        if progress is not None:
            progress.start(total)
            if self.early:
                progress.advance(self.early)
        self.progress = progress

    def advance(self) -> None:
        if self.progress is None:
            self.early += 1
        else:
            self.progress.advance()


def check_target(dists: Sequence[Distribution], target: TargetName) -> None:
    """An explicit target that the installed wheels contradict is an error naming them (a lock must not lie)."""
    wrong = contradicting(dists, target)
    if wrong:
        shown = ", ".join(f"{d.name} {d.version} ({why})" for d, why in wrong[:5])
        more = f" and {len(wrong) - 5} more" if len(wrong) > 5 else ""
        raise FreezeError(
            f"target {target} contradicts the installed wheels: {shown}{more}; drop --target to detect it"
        )


async def freeze(
    paths: Sequence[Path] | None = None,
    options: FreezeOptions | None = None,
    *,
    distributions: Sequence[Distribution] | None = None,
    transport: Transport | None = None,
    progress: Progress | None = None,
) -> FreezeResult:
    """Lock every installed distribution (both lockfile formats), or say which cannot be locked and why.

    ``distributions`` skips the scan (the caller inspected already); ``transport`` replaces the HTTP client
    (tests, Pyodide); ``progress`` is told the number of distributions, then advanced once per resolved one.
    """
    opts = options or FreezeOptions()
    started = time.perf_counter()
    if opts.offline and opts.cache_dir is None:
        raise FreezeError("--offline needs a cache directory (the cache of an earlier online freeze)")
    # An explicit target is checked against every installed wheel before any request; a detected one cannot
    # contradict them, so the scan and the requests overlap.
    scanned: Scanned | None = None
    if distributions is not None:
        scanned = Scanned(list(distributions), opts.target or detect_target(distributions), [])
    elif opts.target is not None:
        scanned = inspect_paths(paths, opts.target)
    if scanned is not None and opts.target is not None:
        check_target(scanned.distributions, opts.target)
    concurrency = opts.concurrency or CONCURRENCY_BY_TRANSPORT.get(opts.transport, DEFAULT_CONCURRENCY)
    base_packages: dict[str, Any] = dict((opts.base_lock or {}).get("packages") or {})
    lock_info = opts.info or (opts.base_lock or {}).get("info")
    client = Client(
        transport,
        concurrency=concurrency,
        timeout=opts.timeout,
        retries=opts.retries,
        cache=DiskCache(opts.cache_dir) if opts.cache_dir is not None else None,
        offline=opts.offline,
        transport_kind=opts.transport,
    )
    resolver = FileResolver(
        client,
        opts.index_urls,
        base_lock=base_packages,
        base_lock_url=opts.base_lock_url,
        verify=opts.verify,
        find_index=True,  # PEP 751: a pylock package's `index` SHOULD be given
    )
    try:
        if scanned is None:
            scanned, resolutions = await scan_resolving(paths, resolver, progress)
        else:
            if progress is not None:
                progress.start(len(scanned.distributions))
            on_done = (lambda _r: progress.advance()) if progress is not None else None
            resolutions = await resolver.resolve_all(scanned.distributions, on_done=on_done)
    finally:
        await client.aclose()
        if progress is not None:
            progress.close()
    dists, target, unread = scanned
    apply_locations(resolutions, LocationMap.parse(opts.base_urls))

    lock = build_pyodide_lock(
        resolutions,
        dists,
        info=lock_info,
        base_packages=base_packages,
        base_url=opts.base_lock_url,
        only_installed=opts.only_installed,
    )
    pylock = build_pylock(resolutions, dists, info=lock_info, base_url=opts.base_lock_url, target=target)
    report = build_report(
        resolutions,
        stats=client.stats,
        index_urls=opts.index_urls,
        problems=list(dict.fromkeys([*unread, *lock.problems, *pylock.problems])),
        options={**opts.to_json(), "target": target, "concurrency": concurrency, "transport": client.transport_name},
        elapsed=time.perf_counter() - started,
    )
    return FreezeResult(
        scrub(lock.dumps()),
        scrub(pylock.dumps()),
        report,
        resolutions,
        target,
        [*unread, *lock.problems],
        [*unread, *pylock.problems],
    )


def parse_lock(text: str | bytes, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise FreezeError(f"base lock {where} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("packages"), dict):
        raise FreezeError(f"base lock {where} has no 'packages' table")
    return data


async def load_base_lock(source: str, *, timeout: float = 15.0) -> dict[str, Any]:
    """A pyodide-lock.json from a file or an http(s) URL (fetched with the same transport as freeze)."""
    from indexer.resolve.transport import TransportError

    if source.startswith(("http://", "https://")):
        async with Client(timeout=timeout) as client:
            try:
                response = await client.get(source)
            except TransportError as exc:
                raise FreezeError(f"cannot fetch base lock {redact(source)}: {exc}") from exc
        if response.status != 200:
            raise FreezeError(f"cannot fetch base lock {redact(source)}: HTTP {response.status}")
        return parse_lock(response.content, redact(source))
    try:
        return parse_lock(Path(source).read_bytes(), source)
    except OSError as exc:
        raise FreezeError(f"cannot read base lock {source}: {exc.strerror or exc}") from exc
