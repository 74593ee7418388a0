"""Which platform an environment was installed for: Pyodide (emscripten/wasm32) or the host.

A lock's marker environment and wheel tags must agree with what is installed, so the default target is read
from the environment itself: the installed wheels' platform tags (PEP 425 / PEP 783 ``pyemscripten_*``, the
older ``pyodide_*`` and ``emscripten_*``), micropip's and loadPackage's ``PYODIDE_*`` records, and the running
interpreter when it is Pyodide.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence

from indexer.installed.model import Distribution, TargetName

#: The one copy of the Pyodide this project targets when neither a running Pyodide nor a base lock says which:
#: Pyodide 314's lockfile ``info``. Every other Pyodide fact (marker values, the symbol target, a lock's
#: ``info``) is derived from an ``info`` like this one, the running Pyodide's or a base lock's.
PYODIDE_INFO: dict[str, str] = {
    "abi_version": "2026_0",
    "arch": "wasm32",
    "platform": "emscripten_5_0_3",
    "python": "3.14.2",
}


def pyodide_python(info: Mapping[str, object] | None = None) -> tuple[int, int, int]:
    """The CPython version of the Pyodide that ``info`` describes (default :data:`PYODIDE_INFO`)."""
    text = str((info or PYODIDE_INFO).get("python") or PYODIDE_INFO["python"])
    parts = [int(p) for p in text.split(".")[:3] if p.isdigit()] + [0, 0, 0]
    return parts[0], parts[1], parts[2]


def pyodide_marker_environment(info: Mapping[str, object] | None = None) -> dict[str, str]:
    """PEP 508 marker values inside the Pyodide that ``info`` describes (``platform`` = ``emscripten_X_Y_Z``)."""
    major, minor, micro = pyodide_python(info)
    platform = str((info or PYODIDE_INFO).get("platform") or PYODIDE_INFO["platform"])
    emscripten = ".".join(platform.removeprefix("emscripten_").split("_"))
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{major}.{minor}.{micro}",
        "os_name": "posix",
        "platform_machine": str((info or PYODIDE_INFO).get("arch") or "wasm32"),
        "platform_release": emscripten,
        "platform_system": "Emscripten",
        "platform_version": "#1",
        "python_full_version": f"{major}.{minor}.{micro}",
        "platform_python_implementation": "CPython",
        "python_version": f"{major}.{minor}",
        "sys_platform": "emscripten",
    }

_PYODIDE_PLATFORMS = ("pyemscripten_", "pyodide_", "emscripten_")


def is_pyodide_tag(tag: str) -> bool:
    """``tag`` is a full wheel tag (``cp314-cp314-pyemscripten_2026_0_wasm32``) of a Pyodide platform."""
    platform = tag.rsplit("-", 1)[-1]
    return platform.startswith(_PYODIDE_PLATFORMS)


def is_platform_specific(tag: str) -> bool:
    return tag.rsplit("-", 1)[-1] != "any"


def pyodide_evidence(dist: Distribution) -> str | None:
    """Why ``dist`` looks installed for Pyodide, or None."""
    tags = [t for t in dist.wheel_tags if is_pyodide_tag(t)]
    if tags:
        return f"WHEEL tag {tags[0]}"
    files = dist.installer_files  # read even when direct_url.json decided the source kind
    if any(e.startswith("PYODIDE_") for e in dist.source.evidence) or files.pyodide_source or files.pyodide_url:
        return "PYODIDE_* installer record"
    if (dist.installer or "") in ("micropip", "pyodide.loadPackage"):
        return f"INSTALLER {dist.installer}"
    return None


def host_evidence(dist: Distribution) -> str | None:
    """Why ``dist`` looks installed for a non-Pyodide platform (a platform-specific non-emscripten tag)."""
    tags = [t for t in dist.wheel_tags if is_platform_specific(t) and not is_pyodide_tag(t)]
    return f"WHEEL tag {tags[0]}" if tags else None


def detect_target(dists: Iterable[Distribution]) -> TargetName:
    """``pyodide`` inside Pyodide or when any installed dist shows a Pyodide platform; else ``host``.

    Pure-Python wheels (``py3-none-any``) say nothing; an environment of only those is judged by the
    interpreter running this code.
    """
    if sys.platform == "emscripten":
        return "pyodide"
    dists = list(dists)
    if any(pyodide_evidence(d) for d in dists):
        return "pyodide"
    return "host"


def contradicting(dists: Sequence[Distribution], target: TargetName) -> list[tuple[Distribution, str]]:
    """Dists whose installed wheel tags contradict ``target``, each with the evidence (for a one-line error)."""
    out: list[tuple[Distribution, str]] = []
    for d in dists:
        evidence = host_evidence(d) if target == "pyodide" else pyodide_evidence(d)
        if evidence and (target == "pyodide" or evidence.startswith("WHEEL")):
            out.append((d, evidence))
    return out
