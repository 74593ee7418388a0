"""Requires-Dist evaluated in a target environment, with extras propagated, and consistency problems.

A dist's dependencies are the Requires-Dist entries whose marker is true with ``extra == ""``, plus,
for every extra someone requested of it (directly or transitively), those true with that extra.
Extra names compare normalized (PEP 685); packaging's marker evaluation does that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packaging.markers import Marker, UndefinedComparison, UndefinedEnvironmentName, default_environment
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from indexer.installed.model import Distribution, Problem, Requirement, TargetName


def marker_environment(target: TargetName) -> dict[str, str]:
    if target == "pyodide":
        from indexer.installed.target import pyodide_marker_environment

        return pyodide_marker_environment()
    return {k: str(v) for k, v in default_environment().items()}


def _evaluate(marker: Marker, env: Mapping[str, str], extra: str) -> bool:
    return marker.evaluate({**env, "extra": extra})


_Parsed = list[tuple[str, PackagingRequirement | None, str | None]]  # (as written, parsed, parse error)


def evaluate_requirements(dists: Iterable[Distribution], target: TargetName) -> list[Problem]:
    """Fill ``requires`` and ``requested_extras`` of every dist; return environment-level problems."""
    env = marker_environment(target)
    dists = list(dists)
    by_name: dict[str, Distribution] = {}
    for d in dists:
        by_name.setdefault(d.canonical_name, d)  # first on the path wins, as importlib.metadata does
    parsed = _parse_all(dists)
    _propagate_extras(dists, by_name, parsed, env)
    problems: list[Problem] = []
    for d in dists:
        d.requires = [_evaluate_one(d, text, req, err, env, by_name, problems) for text, req, err in parsed[id(d)]]
    return problems


def _parse_all(dists: list[Distribution]) -> dict[int, _Parsed]:
    """Requires-Dist of every dist, parsed once per distinct string (packaging's parse reused when it did one)."""
    parsed: dict[int, _Parsed] = {}
    cache: dict[str, tuple[PackagingRequirement | None, str | None]] = {}  # same strings recur across dists
    for d in dists:
        entries: _Parsed = []
        validated = d.metadata.requires_dist if d.metadata is not None else None
        if validated is not None and len(validated) == len(d.requires_dist):
            # packaging already parsed them while validating METADATA: don't parse twice.
            entries = [(text, req, None) for text, req in zip(d.requires_dist, validated, strict=True)]
        else:
            for text in d.requires_dist:
                if text not in cache:
                    try:
                        cache[text] = (PackagingRequirement(text), None)
                    except InvalidRequirement as exc:
                        cache[text] = (None, " ".join(str(exc).split()))  # packaging's message spans lines
                entries.append((text, *cache[text]))
        parsed[id(d)] = entries
    return parsed


def _propagate_extras(
    dists: list[Distribution], by_name: dict[str, Distribution], parsed: dict[int, _Parsed], env: Mapping[str, str]
) -> None:
    """Requested extras to a fixed point: an extra can switch on a requirement that asks another dist for one."""
    changed = True
    while changed:
        changed = False
        for d in dists:
            if by_name.get(d.canonical_name) is not d:
                continue
            for _text, req, _err in parsed[id(d)]:
                target_dist = by_name.get(canonicalize_name(req.name)) if req is not None and req.extras else None
                if req is None or target_dist is None:
                    continue
                if _brought_by(req, env, d.requested_extras)[0] is True:
                    _check_extras_exist(d, req, target_dist)
                    new = {canonicalize_name(e) for e in req.extras} - target_dist.requested_extras
                    if new:
                        target_dist.requested_extras |= new
                        changed = True


def _evaluate_one(
    d: Distribution,
    text: str,
    req: PackagingRequirement | None,
    err: str | None,
    env: Mapping[str, str],
    by_name: dict[str, Distribution],
    problems: list[Problem],
) -> Requirement:
    """One Requires-Dist of ``d`` evaluated for the target; missing / conflicting ones reported on both levels."""
    if req is None:
        d.problems.append(Problem("requirement-invalid", f"{d.name}: Requires-Dist {text!r}: {err}"))
        return Requirement(requirement=text, name="", error=err)
    result, extra, marker_error = _brought_by(req, env, d.requested_extras)
    r = Requirement(
        requirement=text,
        name=canonicalize_name(req.name),
        marker=str(req.marker) if req.marker is not None else None,
        marker_result=result,
        extra=extra,
        specifier=str(req.specifier),
        extras=sorted(req.extras),
        error=marker_error,
    )
    if marker_error is not None:
        d.problems.append(Problem("marker-error", f"{d.name}: {text!r}: {marker_error}"))
    installed = by_name.get(r.name)
    r.installed_version = installed.version if installed is not None else None
    if result is not True:
        return r
    if installed is None:
        r.satisfied = False
        msg = f"{d.name} {d.version} requires {text.split(';')[0].strip()}, which is not installed"
        d.problems.append(Problem("requirement-missing", msg))
        problems.append(Problem("requirement-missing", msg))
        return r
    r.satisfied = _contains(req, installed.version)
    if r.satisfied is False:
        msg = (
            f"{d.name} {d.version} requires {text.split(';')[0].strip()}, "
            f"but {installed.name} {installed.version} is installed"
        )
        d.problems.append(Problem("requirement-conflict", msg))
        problems.append(Problem("requirement-conflict", msg))
    return r


def _check_extras_exist(d: Distribution, req: PackagingRequirement, target: Distribution) -> None:
    """Report extras asked of a dist that does not define them (Provides-Extra, PEP 685 normalized names)."""
    provided = target.metadata.provides_extra if target.metadata is not None else None
    if provided is None:
        return
    known = {canonicalize_name(e) for e in provided}
    for extra in sorted(req.extras):
        problem = Problem(
            "requirement-extra-unknown",
            f"{d.name} {d.version} asks {target.name} {target.version} for extra {extra!r}, which it does not provide",
        )
        if canonicalize_name(extra) not in known and problem not in d.problems:
            d.problems.append(problem)


def _brought_by(
    req: PackagingRequirement, env: Mapping[str, str], requested: set[str]
) -> tuple[bool | None, str | None, str | None]:
    """(marker result, the requested extra that made it true, evaluation error)."""
    if req.marker is None:
        return True, None, None
    try:
        if _evaluate(req.marker, env, ""):
            return True, None, None
        for extra in sorted(requested):
            if _evaluate(req.marker, env, extra):
                return True, extra, None
    except (UndefinedComparison, UndefinedEnvironmentName, ValueError, TypeError) as exc:
        return None, None, f"marker {str(req.marker)!r} cannot be evaluated: {exc}"
    return False, None, None


def _contains(req: PackagingRequirement, version: str) -> bool | None:
    try:
        v = Version(version)
    except InvalidVersion:
        return None
    return req.specifier.contains(v, prereleases=True)
