"""Inspect: every installed distribution, where it came from, and what it lets you import (offline).

``inspect(paths)`` (also ``indexer.inspect(paths)``) scans site directories
and returns an :class:`Environment`. Pure stdlib + packaging: it runs unchanged inside Pyodide.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Literal

from indexer.installed.model import (
    Distribution,
    Environment,
    FileKind,
    InstalledFile,
    Problem,
    Requirement,
    Source,
    TargetName,
)


def inspect(
    paths: Iterable[str | os.PathLike[str]] | None = None,
    *,
    target: TargetName | Literal["auto"] = "host",
    progress: Callable[[Distribution], None] | None = None,
) -> Environment:
    """Scan ``paths`` (default: the running interpreter's sys.path directories) for distributions.

    ``target`` chooses the marker environment Requires-Dist is evaluated in: ``"host"`` (the running
    interpreter) or ``"pyodide"`` (Pyodide 314); ``"auto"`` takes the one the installed wheels show
    (:func:`indexer.installed.target.detect_target`). Problems are collected, never raised.
    """
    env = new_environment(paths, target)
    for dist in read_distributions(env):
        if progress is not None:
            progress(dist)
    finish(env, target)
    return env


def new_environment(
    paths: Iterable[str | os.PathLike[str]] | None, target: TargetName | Literal["auto"] = "host"
) -> Environment:
    """An empty :class:`Environment` of ``paths`` (default: the running interpreter's), to be filled by
    :func:`read_distributions` and completed by :func:`finish` (what :func:`inspect` does in one call)."""
    from indexer.installed.scan import default_site_dirs

    if target not in ("host", "pyodide", "auto"):
        raise ValueError(f"target must be 'host', 'pyodide' or 'auto', not {target!r}")
    site_dirs = default_site_dirs() if paths is None else [Path(p) for p in paths]
    return Environment(site_dirs=site_dirs, target="host" if target == "auto" else target)


def read_distributions(env: Environment) -> Iterator[Distribution]:
    """Read each distribution of ``env``'s site dirs into ``env``, yielding it as soon as it is read (freeze
    starts resolving it while the rest are read). Each is complete but for its evaluated requirements."""
    from indexer.installed.names import shown
    from indexer.installed.scan import find_dist_dirs, read_distribution

    seen: dict[str, Distribution] = {}
    for site_dir in env.site_dirs:
        try:
            dist_dirs = find_dist_dirs(site_dir, env.problems)
        except OSError as exc:
            env.problems.append(Problem("site-dir-unreadable", f"{shown(str(site_dir))}: {exc.strerror or exc}"))
            continue
        for dist_dir in dist_dirs:
            dist = read_distribution(dist_dir, site_dir)
            first = seen.setdefault(dist.canonical_name, dist)
            if first is not dist:
                # importlib.metadata returns the first one found on sys.path; the other is shadowed.
                msg = f"{dist.name} {dist.version} at {dist.path} is shadowed by {first.version} at {first.path}"
                dist.problems.append(Problem("duplicate-distribution", msg))
                env.problems.append(Problem("duplicate-distribution", msg))
            env.distributions.append(dist)
            yield dist


def finish(env: Environment, target: TargetName | Literal["auto"] = "host") -> None:
    """What needs every distribution: the target (``"auto"``), requirements evaluated for it, shared names."""
    from indexer.installed.requires import evaluate_requirements

    if target == "auto":
        from indexer.installed.target import detect_target

        env.target = detect_target(env.distributions)
    env.problems.extend(evaluate_requirements(env.distributions, env.target))
    env.problems.extend(_shared_import_names(env.distributions))


def _shared_import_names(dists: list[Distribution]) -> list[Problem]:
    """Two distributions that both claim one import name overwrite each other's files."""
    owners: dict[str, list[Distribution]] = {}
    for d in dists:
        for name in d.imports:
            owners.setdefault(f"{d.site_dir}\0{name}", []).append(d)
    problems = []
    for key, ds in owners.items():
        if len(ds) > 1:
            name = key.split("\0", 1)[1]
            who = ", ".join(f"{d.name} {d.version}" for d in ds)
            problems.append(Problem("import-name-shared", f"import name {name!r} is provided by {who}"))
    return problems


__all__ = [
    "Distribution",
    "Environment",
    "FileKind",
    "InstalledFile",
    "Problem",
    "Requirement",
    "Source",
    "finish",
    "inspect",
    "new_environment",
    "read_distributions",
]
