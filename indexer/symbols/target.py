"""The interpreter a symbol index describes: its version and ``sys.platform``.

``sys.version_info`` / ``sys.platform`` branches in package code are evaluated for this target, not for
whatever runs the indexer, so an index built on CPython can describe Pyodide (3.14, emscripten).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from indexer.installed.target import pyodide_python

#: What the targeted Pyodide runs (from the one copy of its facts, installed/target.py).
PYODIDE_VERSION = pyodide_python()
PYODIDE_PLATFORM = "emscripten"


@dataclass(frozen=True)
class Target:
    version: tuple[int, int, int]
    platform: str

    @classmethod
    def running(cls) -> Target:
        """The interpreter running now (inside Pyodide that is Pyodide itself)."""
        v = sys.version_info
        return cls((v.major, v.minor, v.micro), sys.platform)

    @classmethod
    def pyodide(cls) -> Target:
        return cls(PYODIDE_VERSION, PYODIDE_PLATFORM)

    @classmethod
    def parse(cls, text: str) -> Target:
        """``"3.14"``, ``"3.14-emscripten"`` or ``"pyodide"``; the platform defaults to the running one."""
        if text.strip().lower() == "pyodide":
            return cls.pyodide()
        version_text, _, platform = text.partition("-")
        try:
            parts = [int(p) for p in version_text.split(".")]
        except ValueError:
            raise ValueError(f"not a target: {text!r} (expected e.g. 3.14, 3.14-emscripten, pyodide)") from None
        if not 1 <= len(parts) <= 3:
            raise ValueError(f"not a target: {text!r}")
        parts += [0] * (3 - len(parts))
        return cls((parts[0], parts[1], parts[2]), platform or sys.platform)

    @property
    def is_running(self) -> bool:
        """True when stdlib facts (``hasattr(typing, "X")``) can be read from the running interpreter."""
        v = sys.version_info
        return self.version[:2] == (v.major, v.minor) and self.platform == sys.platform

    def key(self) -> str:
        return f"{self.version[0]}.{self.version[1]}.{self.version[2]}-{self.platform}"
