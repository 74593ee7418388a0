"""The Pyodide this process runs in, as freeze's defaults: its lockfile (the base lock) and its ``info``.

A lock written inside Pyodide (a ``pyodide venv``'s ``python -m indexer freeze``, a notebook) is for the
runtime that wrote it, so its ``info`` and base entries come from that runtime, never from a built-in
constant: the lockfile Pyodide booted with (``pyodide_js._api.lockfile_info`` / ``lockfile_packages``),
else facts the interpreter reports about itself.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunningPyodide:
    info: dict[str, Any]  # the lockfile's `info` (python, platform, abi_version, arch, ...)
    packages: dict[str, Any]  # the lockfile's `packages` (may be empty when Pyodide exposes none)
    base_url: str | None  # http(s) URL the lockfile's relative file names resolve against, else None

    @property
    def lock(self) -> dict[str, Any]:
        return {"info": dict(self.info), "packages": dict(self.packages)}


def running_pyodide() -> RunningPyodide | None:
    """The running Pyodide's lockfile and base URL; None on CPython."""
    if sys.platform != "emscripten":
        return None
    info: dict[str, Any] = {}
    packages: dict[str, Any] = {}
    base: str | None = None
    try:
        import pyodide_js

        api = pyodide_js._api
        info = _to_py(getattr(api, "lockfile_info", None))
        packages = _to_py(getattr(api, "lockfile_packages", None))
        base = str(getattr(pyodide_js, "lockfileBaseUrl", "") or "") or None
    except (ImportError, AttributeError):  # a Pyodide without the JS API (e.g. a bare emscripten build)
        pass
    if not info:
        info = info_from_interpreter()
    if base is not None and not base.startswith(("http://", "https://")):
        base = None  # a local directory (node): not a URL a lock can name
    return RunningPyodide(info=info, packages=packages, base_url=base)


def _to_py(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    converted = value.to_py() if hasattr(value, "to_py") else value
    return dict(converted) if isinstance(converted, dict) else {}


def info_from_interpreter() -> dict[str, Any]:
    """``info`` from what the interpreter says about itself (for a Pyodide that exposes no lockfile)."""
    import platform
    import sysconfig

    info: dict[str, Any] = {"python": platform.python_version(), "arch": platform.machine() or "wasm32"}
    emscripten = getattr(sys, "_emscripten_info", None)
    if emscripten is not None:
        info["platform"] = "emscripten_" + "_".join(str(part) for part in emscripten.emscripten_version)
    abi = sysconfig.get_config_var("PYODIDE_ABI_VERSION")
    if abi:
        info["abi_version"] = str(abi)
    return info
