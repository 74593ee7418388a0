"""Which platform an environment was installed for: Pyodide (emscripten/wasm32) or the host, with the evidence.

Freeze defaults its target to what the site says (issue 14): a lock for Pyodide written over a CPython
venv claims emscripten while listing manylinux wheels. The evidence, strongest first:
- the running interpreter is Pyodide's (``sys.platform == "emscripten"``);
- installed wheels' WHEEL tags name an emscripten platform (``pyemscripten_*``, ``pyodide_*``, ``emscripten_*``);
- micropip's ``PYODIDE_*`` files or ``INSTALLER`` of ``micropip`` / ``pyodide.loadPackage``.
Anything else (pure wheels only, or host platform tags) is the host.
"""

from __future__ import annotations

import sys
from typing import NamedTuple

from indexer.installed.model import Distribution, Environment, Problem, Target

_PYODIDE_INSTALLERS = {"micropip", "pyodide.loadPackage"}


class DetectedTarget(NamedTuple):
    target: Target
    evidence: list[str]  # one line each, e.g. "numpy 2.2.0: WHEEL tag cp314-cp314-pyemscripten_2026_0_wasm32"


def is_pyodide_platform(tag: str) -> bool:
    """True for a tag (``py-abi-platform``) or platform naming emscripten / Pyodide."""
    platform = tag.rsplit("-", 1)[-1]
    return platform.startswith(("emscripten_", "pyodide_", "pyemscripten_"))


def _platform_tags(dist: Distribution) -> list[str]:
    return [t for t in dist.wheel_tags if not t.endswith("-any")]


def _pyodide_evidence(dist: Distribution) -> str | None:
    label = f"{dist.name} {dist.version}"
    tag = next((t for t in dist.wheel_tags if is_pyodide_platform(t)), None)
    if tag is not None:
        return f"{label}: WHEEL tag {tag}"
    files = dist.installer_files
    if files.pyodide_source or files.pyodide_url or files.pyodide_sha256:
        return f"{label}: micropip's PYODIDE_* files"
    if dist.installer in _PYODIDE_INSTALLERS:
        return f"{label}: INSTALLER {dist.installer}"
    return None


def detect_target(env: Environment) -> DetectedTarget:
    """``("pyodide", evidence)`` when anything says the site is Pyodide's, else ``("host", evidence)``."""
    if sys.platform == "emscripten":
        return DetectedTarget("pyodide", ["the running interpreter is Pyodide's (sys.platform is emscripten)"])
    pyodide = [line for d in env.distributions if (line := _pyodide_evidence(d)) is not None]
    if pyodide:
        return DetectedTarget("pyodide", pyodide)
    host = [f"{d.name} {d.version}: WHEEL tag {_platform_tags(d)[0]}" for d in env.distributions if _platform_tags(d)]
    return DetectedTarget("host", host or ["no installed wheel names an emscripten platform"])


def contradicting_wheels(env: Environment, target: Target) -> list[Problem]:
    """One ``wheel-contradicts-target`` problem per installed platform wheel that cannot run on ``target``.

    Pure wheels (``*-any``) run anywhere. For ``"pyodide"`` a wheel whose every platform tag is another
    platform's (manylinux, macosx, win...) contradicts; for ``"host"`` an emscripten-only wheel does.
    """
    problems = []
    for dist in env.distributions:
        tags = dist.wheel_tags
        if not tags or any(t.endswith("-any") for t in tags):
            continue
        fits = any(is_pyodide_platform(t) for t in tags)
        if target == "host":
            fits = not all(is_pyodide_platform(t) for t in tags)
        if not fits:
            problems.append(
                Problem(
                    "wheel-contradicts-target",
                    f"{dist.name} {dist.version}: installed wheel is {', '.join(tags[:3])}, not for {target}",
                )
            )
    return problems


__all__ = ["DetectedTarget", "contradicting_wheels", "detect_target", "is_pyodide_platform"]
