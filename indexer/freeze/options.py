"""Everything a freeze can be told, in one frozen object, validated once where it is built.

Each front end (the CLI, ``micropip_ext.freeze(**kw)``, the web page, the bench) builds one
:class:`FreezeOptions` and passes it down unchanged, as micropip carries its options in one
``Transaction``: a new option is one field here, not an edit in every layer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, get_args

from indexer.freeze.interface import FreezeError, check_http_url
from indexer.installed.model import TargetName
from indexer.jsonable import fields_json
from indexer.resolve.model import VERIFY_MODES, VerifyMode
from indexer.resolve.transport import DEFAULT_TRANSPORT, TRANSPORTS
from indexer.urls import redact

#: The marker environment Requires-Dist and wheel tags are judged in; ``None`` = detect from the environment.
TARGETS: tuple[TargetName, ...] = get_args(TargetName)


@dataclass(frozen=True)
class FreezeOptions:
    """What to lock against and how hard to prove it. Defaults are the ones a user who passes nothing gets."""

    #: Simple-API indexes to ask, in order (the installer's configuration; filled by the front end).
    index_urls: tuple[str, ...] = ()
    #: A pyodide-lock.json (``{"info", "packages"}``) whose entries are kept, and the URL it came from.
    base_lock: Mapping[str, Any] | None = None
    base_lock_url: str | None = None
    #: The lock's ``info`` (default: the base lock's, else the target's).
    info: Mapping[str, Any] | None = None
    #: Drop base-lock entries that are not installed.
    only_installed: bool = False
    #: Answer from the cache of an earlier run only.
    offline: bool = False
    #: HTTP cache directory (``None``: no cache).
    cache_dir: Path | None = None
    verify: VerifyMode = "auto"
    #: ``[PREFIX=]URL`` rules: where local files are published.
    base_urls: tuple[str, ...] = ()
    target: TargetName | None = None
    #: Requests in flight (``None``: the transport's measured default).
    concurrency: int | None = None
    #: Seconds per request, and tries after the first.
    timeout: float = 15.0
    retries: int = 2
    #: CPython HTTP client name (inside Pyodide the transport is always ``pyfetch``); the default is measured in
    #: bench/freeze_bench.py.
    transport: str = DEFAULT_TRANSPORT

    def __post_init__(self) -> None:
        # Sequences given as lists are stored as tuples, so the object stays hashable and really frozen.
        for name in ("index_urls", "base_urls"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise FreezeError(f"{name} must be a sequence of URLs, not one string")
            object.__setattr__(self, name, tuple(value))
        if self.cache_dir is not None and not isinstance(self.cache_dir, Path):
            object.__setattr__(self, "cache_dir", Path(self.cache_dir))
        self._validate()

    def _validate(self) -> None:
        for url in self.index_urls:
            check_http_url(url, what="index URL")
        if self.verify not in VERIFY_MODES:
            raise FreezeError(f"verify must be one of {', '.join(VERIFY_MODES)}, not {self.verify!r}")
        if self.target is not None and self.target not in TARGETS:
            raise FreezeError(f"target must be one of {', '.join(TARGETS)}, not {self.target!r}")
        if self.transport not in TRANSPORTS:
            raise FreezeError(f"transport must be one of {', '.join(TRANSPORTS)}, not {self.transport!r}")
        if self.concurrency is not None and (isinstance(self.concurrency, bool) or self.concurrency < 1):
            raise FreezeError(f"concurrency must be a whole number >= 1, not {self.concurrency!r}")
        if not (isinstance(self.timeout, int | float) and math.isfinite(self.timeout) and self.timeout > 0):
            raise FreezeError(f"timeout must be a finite number of seconds > 0, not {self.timeout!r}")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise FreezeError(f"retries must be a whole number >= 0, not {self.retries!r}")
        if self.base_lock is not None and not isinstance(self.base_lock.get("packages"), Mapping):
            raise FreezeError("base lock has no 'packages' table")

    def to_json(self) -> dict[str, Any]:
        """The options as the report shows them: credentials redacted, the base lock by where it came from."""
        return fields_json(
            self,
            base_lock=None if self.base_lock is None else "(given)",
            base_lock_url=redact(self.base_lock_url) if self.base_lock_url else None,
            index_urls=[redact(u) for u in self.index_urls],
            base_urls=[redact(u) for u in self.base_urls],
        )

    @classmethod
    def field_names(cls) -> frozenset[str]:
        return frozenset(f.name for f in fields(cls))


def options_from_keywords(base: FreezeOptions | None = None, **kw: Any) -> FreezeOptions:
    """Build options from keyword arguments, naming any keyword that is not an option (a typo, not a no-op)."""
    unknown = sorted(set(kw) - FreezeOptions.field_names())
    if unknown:
        raise TypeError(f"unknown freeze option(s): {', '.join(unknown)}")
    return replace(base or FreezeOptions(), **kw)
