"""``freeze()``: inspect -> resolve -> emit, the same on CPython and inside Pyodide.

Freeze is read-only: it reads dist-infos and asks indexes; it never writes into an installation.
Defaults that depend on where it runs (index URLs, base lock, ``info``) are passed in by the CLI
(pip's configuration) or by ``micropip_ext.freeze`` (micropip's configuration, the running lock).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from indexer.emit.pylock import build_pylock
from indexer.emit.pyodide_lock import build_pyodide_lock
from indexer.emit.report import build_report, scrub
from indexer.installed.model import Distribution
from indexer.resolve.client import CONCURRENCY_BY_TRANSPORT, DEFAULT_CONCURRENCY, Client, DiskCache
from indexer.resolve.model import Resolution, Verify
from indexer.resolve.resolver import Resolver
from indexer.resolve.transport import Transport
from indexer.urls import redact

Format = Literal["pyodide-lock", "pylock"]
FORMATS: tuple[Format, ...] = ("pyodide-lock", "pylock")


class FreezeError(Exception):
    """Freeze could not start (bad option, unreadable base lock); one line for the user."""


@dataclass
class FreezeResult:
    text: str  # the lockfile as written
    format: Format
    resolutions: list[Resolution]
    report: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    @property
    def unlockable(self) -> list[Resolution]:
        return [r for r in self.resolutions if not r.locked]


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


def apply_locations(resolutions: Sequence[Resolution], mapping: LocationMap) -> None:
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


def inspect_paths(paths: Sequence[Path] | None, target: str) -> list[Distribution]:
    """Distributions in ``paths`` (default: this interpreter's sys.path) via the inspect step.

    Only the first distribution of a name in path order is locked: it is the one imports see.
    """
    from indexer.installed import inspect

    for path in paths or ():
        if not Path(path).is_dir():
            raise FreezeError(f"not a directory: {path}")
    env = inspect(list(paths) if paths else None, target="pyodide" if target == "pyodide" else "host")
    seen: set[str] = set()
    dists: list[Distribution] = []
    for dist in env.distributions:
        if dist.canonical_name not in seen:
            seen.add(dist.canonical_name)
            dists.append(dist)
    return dists


async def freeze(
    paths: Sequence[Path] | None = None,
    *,
    distributions: Sequence[Distribution] | None = None,
    index_urls: Sequence[str] = (),
    base_lock: Mapping[str, Any] | None = None,
    base_lock_url: str | None = None,
    info: Mapping[str, Any] | None = None,
    format: Format = "pyodide-lock",
    only_installed: bool = False,
    offline: bool = False,
    cache_dir: Path | None = None,
    verify_record: bool = False,
    verify: Verify | None = None,
    base_urls: Sequence[str] = (),
    target: str = "pyodide",
    concurrency: int | None = None,
    timeout: float = 15.0,
    retries: int = 2,
    transport: Transport | None = None,
    transport_kind: str = "httpx",
    on_resolved: Callable[[Resolution], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> FreezeResult:
    """Lock every installed distribution, or say which cannot be locked and why."""
    if format not in FORMATS:
        raise FreezeError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
    started = time.perf_counter()
    if concurrency is None:
        concurrency = CONCURRENCY_BY_TRANSPORT.get(transport_kind, DEFAULT_CONCURRENCY)
    policy: Verify = verify or ("record" if verify_record else "auto")
    dists = list(distributions) if distributions is not None else inspect_paths(paths, target)
    base_packages: dict[str, Any] = dict((base_lock or {}).get("packages") or {})
    lock_info = info or (base_lock or {}).get("info")
    if on_start is not None:
        on_start(len(dists))
    cache = DiskCache(cache_dir) if cache_dir is not None else None
    if offline and cache is None:
        raise FreezeError("--offline needs a cache directory (the cache of an earlier online freeze)")
    client = Client(
        transport,
        concurrency=concurrency,
        timeout=timeout,
        retries=retries,
        cache=cache,
        offline=offline,
        transport_kind=transport_kind,
    )
    try:
        resolver = Resolver(
            client,
            index_urls,
            base_lock=base_packages,
            base_lock_url=base_lock_url,
            verify=policy,
            find_index=format == "pylock",  # PEP 751: `index` SHOULD be given
        )
        resolutions = await resolver.resolve_all(dists, on_done=on_resolved)
    finally:
        await client.aclose()
    apply_locations(resolutions, LocationMap.parse(base_urls))

    problems: list[str] = []
    if format == "pyodide-lock":
        lock = build_pyodide_lock(
            resolutions,
            dists,
            info=lock_info,
            base_packages=base_packages,
            base_url=base_lock_url,
            only_installed=only_installed,
        )
        text, problems = lock.dumps(), lock.problems
    else:
        pylock = build_pylock(resolutions, dists, info=lock_info, base_url=base_lock_url, target=target)
        text, problems = pylock.dumps(), pylock.problems
    text = scrub(text)
    report = build_report(
        resolutions,
        stats=client.stats,
        index_urls=index_urls,
        problems=problems,
        options={
            "format": format,
            "only_installed": only_installed,
            "offline": offline,
            "verify": policy,
            "concurrency": concurrency,
            "transport": type(transport).__name__ if transport is not None else transport_kind,
            "base_lock": redact(base_lock_url) if base_lock_url else (None if base_lock is None else "(given)"),
        },
        elapsed=time.perf_counter() - started,
    )
    return FreezeResult(text, format, resolutions, report, problems)


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
