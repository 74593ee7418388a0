"""One shared HTTP client for a whole freeze: bounded concurrency, retries, caps, de-duplication, cache.

Every request a freeze makes goes through one :class:`Client`, so the report can say exactly how
many requests and bytes a lock cost, and ``--offline`` can replay them from the on-disk cache.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.fsutil import atomic_write
from indexer.resolve.transport import Response, Transport, TransportError, default_transport, in_pyodide
from indexer.urls import redact

#: Status codes worth another try: the server may recover (RFC 9110 §15.6).
RETRY_STATUS = frozenset({500, 502, 503, 504, 429})
DEFAULT_CONCURRENCY = 16
#: Requests in flight per transport, measured in bench/freeze_bench.py: httpx's pool slows down past ~16
#: connections; the lean asyncio client keeps scaling to 64 and beyond.
CONCURRENCY_BY_TRANSPORT = {"httpx": 16, "asyncio": 64}
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


#: Where the current task's requests are listed (set per distribution by the resolver, for the report).
REQUEST_LOG: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("request_log", default=None)


def _note(entry: str) -> None:
    log = REQUEST_LOG.get()
    if log is not None:
        log.append(entry)


class OfflineMiss(TransportError):
    """``--offline`` and the cache has no answer for this request."""

    def __init__(self, url: str) -> None:
        Exception.__init__(self, f"not in the offline cache: {redact(url)}")
        self.kind = "other"


@dataclass
class Stats:
    """Request accounting for the report (network requests only; cache hits counted apart)."""

    requests: int = 0
    bytes: int = 0
    retries: int = 0
    cache_hits: int = 0
    failures: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "bytes": self.bytes,
            "retries": self.retries,
            "cache_hits": self.cache_hits,
            "failures": self.failures,
            "by_status": dict(sorted(self.by_status.items())),
        }


class DiskCache:
    """Responses on disk, one JSON header + one body file per request key (CPython only).

    Written atomically (temp file + ``os.replace``) so an interrupted freeze never leaves a torn entry.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: set[Path] = set()

    def _paths(self, key: str) -> tuple[Path, Path]:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        folder = self.root / digest[:2]
        return folder / f"{digest}.json", folder / f"{digest}.body"

    def load(self, key: str) -> Response | None:
        head_path, body_path = self._paths(key)
        try:
            head = json.loads(head_path.read_text("utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if head.get("key") != key or hashlib.sha256(body).hexdigest() != head.get("sha256"):
            return None
        return Response(status=int(head["status"]), url=str(head["url"]), headers=head["headers"], content=body)

    def store(self, key: str, response: Response) -> None:
        head_path, body_path = self._paths(key)
        head = {
            "key": key,
            "status": response.status,
            "url": response.url,
            "headers": {k: v for k, v in response.headers.items() if k in _KEPT_HEADERS},
            "sha256": hashlib.sha256(response.content).hexdigest(),
        }
        try:
            if head_path.parent not in self._made:
                head_path.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(head_path.parent)
            atomic_write(body_path, response.content)
            atomic_write(head_path, json.dumps(head).encode("utf-8"))
        except OSError:
            pass  # a cache that cannot be written only costs a later --offline run


_KEPT_HEADERS = ("content-type", "content-range", "content-length", "last-modified", "etag")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "micropip-ext" / "http"


class Client:
    """Shared async client. ``get`` returns a :class:`Response` of any status, or raises
    :class:`TransportError` after the retries are spent."""

    def __init__(
        self,
        transport: Transport | None = None,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeout: float = 15.0,
        retries: int = 2,
        backoff: float = 0.1,
        max_bytes: int = DEFAULT_MAX_BYTES,
        cache: DiskCache | None = None,
        offline: bool = False,
        transport_kind: str = "httpx",
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._transport = transport
        self._transport_kind = transport_kind
        self._concurrency = concurrency
        self._semaphore = asyncio.Semaphore(concurrency)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.cache = cache
        self.offline = offline
        self.stats = Stats()
        self._inflight: dict[str, asyncio.Future[Response]] = {}

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            self._transport = default_transport(self._concurrency, self._transport_kind)
        return self._transport

    @property
    def transport_name(self) -> str:
        """The client that did (or will do) the work, for the report: "pyfetch" inside Pyodide, whatever was asked."""
        if self._transport is None:
            return "pyfetch" if in_pyodide() else self._transport_kind
        return type(self._transport).__name__.removesuffix("Transport").lower()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        range: tuple[int, int | None] | None = None,
        immutable: bool = False,
    ) -> Response:
        """GET with de-duplication: concurrent calls for the same request share one network fetch.

        ``immutable`` responses (content verified by hash, e.g. PEP 658 metadata files) may be served
        from the cache even online; project pages are always fetched fresh unless offline.
        """
        hdrs = dict(headers or {})
        key = json.dumps([url, sorted(hdrs.items()), range])
        pending = self._inflight.get(key)
        if pending is not None:
            _note(f"GET {redact(url)} (shared with a request in flight)")
            return await asyncio.shield(pending)
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            response = await self._get_uncached(key, url, hdrs, max_bytes or self.max_bytes, range, immutable)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else must
            raise
        else:
            future.set_result(response)
            return response
        finally:
            del self._inflight[key]

    async def _get_uncached(
        self,
        key: str,
        url: str,
        headers: dict[str, str],
        max_bytes: int,
        range: tuple[int, int | None] | None,
        immutable: bool,
    ) -> Response:
        if self.cache is not None and (self.offline or immutable):
            hit = self.cache.load(key)
            if hit is not None:
                self.stats.cache_hits += 1
                _note(f"cache {redact(url)} -> {hit.status}")
                return hit
        if self.offline:
            raise OfflineMiss(url)
        response = await self._fetch_with_retries(url, headers, max_bytes, range)
        if self.cache is not None and response.status in (200, 206):
            self.cache.store(key, response)
        return response

    async def _fetch_with_retries(
        self, url: str, headers: dict[str, str], max_bytes: int, range: tuple[int, int | None] | None
    ) -> Response:
        attempt = 0
        while True:
            try:
                async with self._semaphore:
                    self.stats.requests += 1
                    response = await self.transport.get(
                        url, headers, timeout=self.timeout, max_bytes=max_bytes, range=range
                    )
            except TransportError as exc:
                _note(f"GET {redact(url)} -> {exc.kind}")
                if exc.kind == "too-large" or attempt >= self.retries:
                    self.stats.failures += 1
                    raise
            else:
                _note(f"GET {redact(url)}{'' if range is None else ' (range)'} -> {response.status}")
                self.stats.bytes += len(response.content)
                status = str(response.status)
                self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
                if response.status not in RETRY_STATUS or attempt >= self.retries:
                    return response
            attempt += 1
            self.stats.retries += 1
            # Exponential backoff with jitter so retries of many requests do not arrive together.
            await asyncio.sleep(self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random()))
