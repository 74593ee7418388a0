"""One shared HTTP client for a whole freeze: bounded concurrency, retries, caps, de-duplication, cache.

Every request a freeze makes goes through one :class:`Client`, so the report can say exactly how
many requests and bytes a lock cost, and ``--offline`` can replay them from the on-disk cache.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.fsutil import atomic_write, cache_root, private_dir
from indexer.jsonable import fields_json
from indexer.resolve.transport import (
    DEFAULT_TRANSPORT,
    Response,
    Transport,
    TransportError,
    default_transport,
    in_pyodide,
)
from indexer.urls import redact, redact_secrets, url_secrets

#: Status codes worth another try: the server may recover (RFC 9110 §15.6).
RETRY_STATUS = frozenset({500, 502, 503, 504, 429})
DEFAULT_CONCURRENCY = 64
#: Requests in flight per transport, measured in bench/freeze_bench.py: httpx's pool slows down past ~16
#: connections; aiohttp keeps scaling to 64 and beyond.
CONCURRENCY_BY_TRANSPORT = {"aiohttp": 64, "httpx": 16}
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
#: Bytes of immutable responses kept in memory for the rest of a run (a wheel's tail read twice is read once).
MEMO_BYTES = 32 * 1024 * 1024


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
    bytes: int = 0  # body bytes on the wire (compressed when the server gzipped them)
    retries: int = 0
    cache_hits: int = 0
    revalidated: int = 0  # 304 Not Modified: the cached body was still right
    failures: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return fields_json(self, by_status=dict(sorted(self.by_status.items())))


class DiskCache:
    """Responses on disk, one file per request key (CPython only).

    Private to the user (folders 0700, files 0600) and free of secrets: keys and stored URLs are
    redacted (:func:`cache_key`), and any credential the request URL carried is replaced in the body by a
    placeholder that :meth:`load` puts back from the current request. Written atomically (temp file +
    ``os.replace``) so an interrupted freeze never leaves a torn entry.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: set[Path] = set()

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.root / digest[:2] / f"{digest}.entry"

    def load(self, key: str, url: str) -> Cached | None:
        """The entry for ``key`` with the secrets of ``url`` (this request's) restored; None if absent or torn.

        One file per entry: a JSON header line, then the body (one open and one read per cache hit).
        """
        try:
            with open(self._path(key), "rb") as f:
                head = json.loads(f.readline())
                body = f.read()
            if head.get("key") != key or hashlib.sha256(body).hexdigest() != head.get("sha256"):
                return None
            headers = {str(k): str(v) for k, v in dict(head["headers"]).items()}
            response = Response(int(head["status"]), str(head["url"]), headers, _restore(body, url_secrets(url)))
            return Cached(response, float(head.get("stored", 0)))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, key: str, url: str, response: Response) -> None:
        path = self._path(key)
        body = _hide(response.content, url_secrets(url))
        head = {
            "key": key,
            "status": response.status,
            "url": redact_secrets(response.url),
            "headers": {k: v for k, v in response.headers.items() if k in _KEPT_HEADERS},
            "sha256": hashlib.sha256(body).hexdigest(),
            "stored": time.time(),
        }
        try:
            if path.parent not in self._made:
                private_dir(self.root)
                private_dir(path.parent)
                self._made.add(path.parent)
            atomic_write(path, json.dumps(head).encode("utf-8") + b"\n" + body, mode=0o600)
        except OSError:
            pass  # a cache that cannot be written only costs a later --offline run


@dataclass(frozen=True)
class Cached:
    response: Response
    stored: float  # time.time() when fetched or last revalidated

    def fresh(self, now: float) -> bool:
        """Whether Cache-Control lets this page be reused without asking (``max-age`` not passed, no ``no-cache``)."""
        directives = [d.strip().lower() for d in self.response.headers.get("cache-control", "").split(",")]
        if any(d in ("no-cache", "no-store", "must-revalidate") for d in directives) and not any(
            d.startswith("immutable") for d in directives
        ):
            return False
        for d in directives:
            name, _, value = d.partition("=")
            if name.strip() in ("max-age", "s-maxage") and value.strip().isdigit():
                return now - self.stored < int(value)
        return False

    def validators(self) -> dict[str, str]:
        """Conditional-request headers for revalidation (RFC 9110 §13.1)."""
        out: dict[str, str] = {}
        if "etag" in self.response.headers:
            out["If-None-Match"] = self.response.headers["etag"]
        if "last-modified" in self.response.headers:
            out["If-Modified-Since"] = self.response.headers["last-modified"]
        return out


_KEPT_HEADERS = ("content-type", "content-range", "content-length", "last-modified", "etag", "cache-control")
_PLACEHOLDER = "{{micropip-ext-secret-{}}}"


def _hide(body: bytes, secrets: list[str]) -> bytes:
    for i, secret in enumerate(secrets):
        body = body.replace(secret.encode("utf-8"), _PLACEHOLDER.format(i).encode())
    return body


def _restore(body: bytes, secrets: list[str]) -> bytes:
    if b"{micropip-ext-secret-" not in body:
        return body
    for i, secret in enumerate(secrets):
        body = body.replace(_PLACEHOLDER.format(i).encode(), secret.encode("utf-8"))
    return body


#: Request headers that never go into a cache key (they hold credentials, or only ask for revalidation).
_UNKEYED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "if-none-match", "if-modified-since"})


def cache_key(
    url: str, headers: Mapping[str, str], range: tuple[int, int | None] | None, content_id: str | None
) -> str:
    """What identifies a response in the cache: the redacted URL (or the file's hash), Accept, the range."""
    kept = sorted((k.lower(), v) for k, v in headers.items() if k.lower() not in _UNKEYED_HEADERS)
    where = f"content:{content_id}" if content_id else redact_secrets(url)
    return json.dumps([where, kept, range])


def default_cache_dir() -> Path:
    """The HTTP cache: ``http`` under the project's one cache root (:func:`indexer.fsutil.cache_root`)."""
    return cache_root() / "http"


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
        transport_kind: str = DEFAULT_TRANSPORT,
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
        # Immutable answers of this run (ranges, .metadata), so a second read costs nothing without a cache;
        # MEMO_BYTES in all, at most.
        self._memo: dict[str, Response] = {}
        self._memo_room = MEMO_BYTES

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
        content_id: str | None = None,
    ) -> Response:
        """GET with de-duplication: concurrent calls for the same request share one network fetch.

        ``immutable`` responses (content fixed by a hash: PEP 658 metadata files, byte ranges of a wheel)
        are served from the cache whenever it has them and never fetched twice; ``content_id`` (e.g.
        ``sha256:<hex>`` of the file) keys them by content, so a mirror's copy is not fetched again.
        Other responses (project pages) are reused while their ``Cache-Control`` allows, then revalidated
        with their ``ETag`` / ``Last-Modified`` (a 304 costs no body).
        """
        hdrs = dict(headers or {})
        key = cache_key(url, hdrs, range, content_id if immutable else None)
        pending = self._inflight.get(key)
        if pending is not None:
            _note(f"GET {redact(url)} (shared with a request in flight)")
            return await asyncio.shield(pending)
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            response = await self._get_cached(key, url, hdrs, max_bytes or self.max_bytes, range, immutable)
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

    async def _get_cached(
        self,
        key: str,
        url: str,
        headers: dict[str, str],
        max_bytes: int,
        range: tuple[int, int | None] | None,
        immutable: bool,
    ) -> Response:
        if immutable and key in self._memo:
            self.stats.cache_hits += 1
            _note(f"cache {redact(url)} -> {self._memo[key].status}")
            return self._memo[key]
        hit = self.cache.load(key, url) if self.cache is not None else None
        if hit is not None and (self.offline or immutable or hit.fresh(time.time())):
            self.stats.cache_hits += 1
            _note(f"cache {redact(url)} -> {hit.response.status}")
            return hit.response
        if self.offline:
            raise OfflineMiss(url)
        conditional = {**headers, **hit.validators()} if hit is not None else headers
        response = await self._fetch_with_retries(url, conditional, max_bytes, range)
        if hit is not None and response.status == 304:
            self.stats.revalidated += 1
            merged = {**hit.response.headers, **{k: v for k, v in response.headers.items() if k in _KEPT_HEADERS}}
            response = Response(hit.response.status, hit.response.url, merged, hit.response.content)
        if self.cache is not None and response.status in (200, 206):
            self.cache.store(key, url, response)
        if immutable and response.status in (200, 206) and self._memo_room >= len(response.content):
            self._memo[key] = response
            self._memo_room -= len(response.content)
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
                if not exc.retry or attempt >= self.retries:
                    self.stats.failures += 1
                    raise
            else:
                _note(f"GET {redact(url)}{'' if range is None else ' (range)'} -> {response.status}")
                self.stats.bytes += response.wire_bytes  # what the network carried (gzip counts compressed)
                status = str(response.status)
                self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
                if response.status not in RETRY_STATUS or attempt >= self.retries:
                    return response
            attempt += 1
            self.stats.retries += 1
            # Exponential backoff with jitter so retries of many requests do not arrive together.
            await asyncio.sleep(self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random()))
