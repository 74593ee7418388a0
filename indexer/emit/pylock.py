"""Write pylock.toml (PEP 751) through ``packaging.pylock``, validated before a byte is written.

PEP 751 requires hashes for every wheel; a distribution resolution could not tie to a file cannot be
written as a wheel entry, so it is left out and reported (never emitted as a stub).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from packaging.markers import Marker
from packaging.pylock import Pylock, PylockValidationError
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from indexer.emit.pyodide_lock import DEFAULT_INFO, depends_of
from indexer.installed.model import Distribution
from indexer.resolve.model import FileResolution, is_sha256
from indexer.urls import redact

CREATED_BY = "micropip-ext"


@dataclass
class PylockResult:
    pylock: Pylock
    problems: list[str] = field(default_factory=list)
    table: Mapping[str, Any] | None = None  # the TOML table ``pylock`` was validated from

    def dumps(self) -> str:
        import tomli_w

        return tomli_w.dumps(dict(self.table if self.table is not None else self.pylock.to_dict()))


def pyodide_environment(info: Mapping[str, Any] | None) -> Marker:
    """The marker that selects the Pyodide platform this lock was taken in (PEP 751 ``environments``)."""
    python = str((info or DEFAULT_INFO).get("python", DEFAULT_INFO["python"]))
    major_minor = ".".join(python.split(".")[:2])
    return Marker(
        f'sys_platform == "emscripten" and platform_machine == "wasm32" and python_version == "{major_minor}"'
    )


def host_environment() -> Marker:
    """The marker that selects the interpreter running this code (a lock of a host environment)."""
    from packaging.markers import default_environment

    env = default_environment()
    return Marker(
        f'sys_platform == "{env["sys_platform"]}" and platform_machine == "{env["platform_machine"]}"'
        f' and python_version == "{env["python_version"]}"'
    )


def _upload_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def build_pylock(
    resolutions: Sequence[FileResolution],
    dists: Sequence[Distribution],
    *,
    info: Mapping[str, Any] | None = None,
    base_url: str | None = None,
    target: str = "pyodide",
) -> PylockResult:
    """``base_url`` (where the base lock lives) turns base-lock entries' relative file names into URLs.

    ``environments`` says where the lock applies: the Pyodide platform of ``info``, or with ``target="host"``
    the running interpreter, whose markers the dependencies were evaluated for.
    """
    by_name = {d.canonical_name: d for d in dists}
    problems: list[str] = []
    packages: list[dict[str, Any]] = []
    shown: list[str] = []  # "name version" of each package, for problems
    locked_names = {r.canonical_name for r in resolutions if r.locked and r.sha256}
    for res in sorted(resolutions, key=lambda r: r.canonical_name):
        dist = by_name.get(res.canonical_name)
        if dist is None:
            continue
        if not res.locked:  # already reported with its reason by resolution; not a lockfile problem
            continue
        url = res.url
        if res.method == "base-lock" and base_url and res.filename:
            url = urljoin(base_url, res.filename)
        if not url or not is_sha256(res.sha256) or not url.startswith(("http://", "https://")):
            problems.append(f"{dist.name} {dist.version}: no absolute file URL with a sha256 for pylock.toml")
            continue
        packages.append(_package(res, dist, url, locked_names))
        shown.append(f"{dist.name} {dist.version}")
    environments = [str(host_environment() if target == "host" else pyodide_environment(info))]
    table = _lock_table(environments, packages)
    try:
        lock = Pylock.from_dict(table)  # PEP 751: never write a lock that does not validate
    except PylockValidationError:
        # Find the entries that break it, one by one, so one bad entry (a base lock naming a file that is no
        # wheel) costs only itself; the whole lock is validated once in the common case, not once per entry.
        kept = []
        for package, who in zip(packages, shown, strict=True):
            problem = _invalid(package)
            if problem is None:
                kept.append(package)
            else:
                problems.append(f"{who}: left out of pylock.toml: {problem}")
        table = _lock_table(environments, kept)
        lock = Pylock.from_dict(table)
    return PylockResult(lock, problems, table)


def _lock_table(environments: list[str], packages: list[dict[str, Any]]) -> dict[str, Any]:
    """The pylock.toml table, keys in ``packaging.pylock``'s order (what ``Pylock.to_dict`` writes)."""
    table: dict[str, Any] = {"lock-version": "1.0", "environments": environments}
    return {**(table if environments else {"lock-version": "1.0"}), "created-by": CREATED_BY, "packages": packages}


def _package(res: FileResolution, dist: Distribution, url: str, locked_names: set[str]) -> dict[str, Any]:
    """One ``[[packages]]`` table (None values left out, as ``Pylock.to_dict`` does)."""
    try:
        version: str | None = str(Version(dist.version))
    except InvalidVersion:
        version = None
    deps = [{"name": n} for n in depends_of(dist) if n in locked_names]
    wheel = {
        "name": _filename(url),
        "upload-time": _upload_time(res.upload_time),
        "url": redact(url),
        "size": res.size if isinstance(res.size, int) and res.size >= 0 else None,
        "hashes": {"sha256": str(res.sha256)},
    }
    package = {
        "name": canonicalize_name(dist.name),
        "version": version,
        "dependencies": deps or None,
        "index": redact(res.index) if res.index else None,
        "wheels": [{k: v for k, v in wheel.items() if v is not None}],
    }
    return {k: v for k, v in package.items() if v is not None}


def _invalid(package: dict[str, Any]) -> str | None:
    """Why one package would make the lock invalid (PEP 751, as packaging checks it), or None."""
    try:
        Pylock.from_dict(_lock_table([], [package]))
    except PylockValidationError as exc:
        return str(exc)
    return None


def _filename(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])
