"""A Python handle to one real Pyodide runtime running in its own Node process.

Why not only pytest-pyodide: tests here must boot Pyodide with *custom lock options* (a frozen lockfile through
``lockFileContents`` / ``lockFileURL``, a ``packageBaseUrl``), inspect what got installed, and drive micropip the way
users do. One :class:`PyodideNode` is one Node process (``tests/support/pyodide_node.mjs``) holding one booted
runtime; booting takes ~3 s, so share handles with module- or session-scoped fixtures and boot a fresh one only
when the test is about booting.

Usage::

    with PyodideNode.boot(dist_dir) as py:                      # or lock_file_contents=..., options={...}
        py.load_package(["micropip"])
        py.run_async("import micropip; await micropip.install('six', index_urls=[URL])")
        assert py.run("import six; six.__version__") == "1.17.0"

* :meth:`run` / :meth:`run_async` evaluate code (the last expression is the value, as in a notebook cell) and
  return it decoded from JSON; a Python exception inside Pyodide is raised here as :class:`PyodideError` carrying
  the exception's type name and its Pyodide-side traceback.
* Each call runs in a fresh ``__main__``-like namespace unless you pass ``namespace="name"`` to share one.
* Python's stdout/stderr during the last call are in :attr:`PyodideNode.stdout` / :attr:`PyodideNode.stderr`.
"""

from __future__ import annotations

import base64
import collections
import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

DRIVER = Path(__file__).with_name("pyodide_node.mjs")
_MARK = "@@pyodide-node@@ "
DEFAULT_TIMEOUT = 120.0


class PyodideError(Exception):
    """A Python exception raised inside Pyodide (``kind == "python"``) or a JS error in the driver (``"js"``)."""

    def __init__(self, kind: str, type_name: str, message: str, traceback: str) -> None:
        super().__init__(f"{type_name}: {message}")
        self.kind = kind
        self.type_name = type_name
        self.message = message
        self.traceback = traceback

    def __str__(self) -> str:
        where = "inside Pyodide" if self.kind == "python" else "in the Node driver"
        tail = f"\n--- traceback {where} ---\n{self.traceback.rstrip()}" if self.traceback else ""
        return f"{self.type_name}: {self.message}{tail}"


class PyodideNodeDied(RuntimeError):
    """The Node process exited or stopped answering; the message carries the end of its stderr."""


class PyodideNode:
    """One Node process running one booted Pyodide runtime. Create with :meth:`boot`; close (or ``with``)."""

    def __init__(self, *, node: str = "node", env: Mapping[str, str] | None = None) -> None:
        exe = shutil.which(node)
        if exe is None:
            raise FileNotFoundError(f"{node!r} not found on PATH (Node >= 18 is needed for Pyodide tests)")
        self._proc = subprocess.Popen(
            [exe, str(DRIVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env={**os.environ, **(env or {})},
        )
        self._responses: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=200)
        self._next_id = 0
        self.stdout = ""
        self.stderr = ""
        self.info: dict[str, Any] = {}
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # -- construction -----------------------------------------------------------------------------------------

    @classmethod
    def boot(
        cls,
        dist_dir: Path | str,
        *,
        lock_file_contents: str | Mapping[str, Any] | None = None,
        lock_file_url: str | None = None,
        package_base_url: str | None = None,
        packages: Iterable[str] = (),
        options: Mapping[str, Any] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> PyodideNode:
        """Start Node and ``loadPyodide({indexURL: dist_dir, ...})``.

        ``lock_file_contents`` (a JSON string or a mapping) and ``lock_file_url`` replace the dist dir's own
        ``pyodide-lock.json``. Node prefixes ``package_base_url`` to every lock entry's ``file_name`` (even an
        absolute URL); it defaults to the lockfile's directory, and with ``lock_file_contents`` (which has no
        directory) to ``dist_dir``. ``packages`` are loaded during boot; ``options`` passes any other
        ``loadPyodide`` option verbatim.
        """
        handle = cls()
        opts: dict[str, Any] = dict(options or {})
        if lock_file_url is not None:
            opts["lockFileURL"] = lock_file_url
        if package_base_url is None and lock_file_contents is not None:
            package_base_url = str(Path(dist_dir).resolve()) + "/"
        if package_base_url is not None:
            opts["packageBaseUrl"] = package_base_url
        if packages:
            opts["packages"] = list(packages)
        request: dict[str, Any] = {"dist_dir": str(Path(dist_dir).resolve()), "options": opts}
        if lock_file_contents is not None:
            request["lock_file_contents"] = (
                lock_file_contents if isinstance(lock_file_contents, str) else json.dumps(lock_file_contents)
            )
        try:
            handle.info = handle._call("boot", timeout=timeout, **request)
        except BaseException:
            handle.close()
            raise
        return handle

    # -- operations -------------------------------------------------------------------------------------------

    def run(self, code: str, *, namespace: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Run synchronous Python code; return the value of its last expression, decoded from JSON."""
        return self._call("run", code=code, namespace=namespace, timeout=timeout, **{"async": False})

    def run_async(self, code: str, *, namespace: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Like :meth:`run`, but top-level ``await`` is allowed (``await micropip.install(...)``)."""
        return self._call("run", code=code, namespace=namespace, timeout=timeout, **{"async": True})

    def run_js(self, body: str, *, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Run the body of an async JS function with ``pyodide`` in scope; return its JSON-able result."""
        return self._call("run_js", code=body, timeout=timeout)

    def load_package(self, names: Iterable[str], *, check_integrity: bool = True) -> dict[str, list[str]]:
        """``pyodide.loadPackage(names)``; returns ``{"loaded": [...], "errors": [...], "messages": [...]}``.

        loadPackage does not throw on failure, so callers must look at ``errors`` (or use :meth:`require`).
        """
        result: dict[str, list[str]] = self._call(
            "load_package", names=list(names), check_integrity=check_integrity
        )
        return result

    def require(self, *names: str) -> list[str]:
        """Load packages from the lockfile and raise if any failed; returns the names loaded."""
        result = self.load_package(names)
        if result["errors"]:
            raise PyodideError("js", "LoadPackageError", "; ".join(result["errors"]), "\n".join(result["messages"]))
        return result["loaded"]

    def write_file(self, path: str, data: bytes | str) -> None:
        """Write a file in the Pyodide (Emscripten) file system, creating parent directories."""
        raw = data.encode() if isinstance(data, str) else data
        self._call("write_file", path=path, data=base64.b64encode(raw).decode())

    def read_file(self, path: str) -> bytes:
        """Read a file from the Pyodide file system."""
        return base64.b64decode(self._call("read_file", path=path))

    def unpack_archive(self, archive: Path | bytes, *, fmt: str = "wheel", extract_dir: str | None = None) -> None:
        """``pyodide.unpackArchive``: extract a wheel (or zip/tar) into site-packages or ``extract_dir``.

        Note that unpackArchive writes no INSTALLER file: a dist installed this way looks installer-less.
        """
        raw = archive if isinstance(archive, bytes) else Path(archive).read_bytes()
        self._call("unpack_archive", data=base64.b64encode(raw).decode(), format=fmt, extract_dir=extract_dir)

    def site_packages(self) -> str:
        """Path of Pyodide's site-packages directory."""
        path: str = self.run("import site; site.getsitepackages()[0]")
        return path

    # -- lifecycle --------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the Node process (closing stdin lets the driver exit; kill it if it does not)."""
        if self._proc.poll() is None:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.close()
                self._proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait(5)

    def __enter__(self) -> PyodideNode:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------------------------

    def _call(self, op: str, *, timeout: float = DEFAULT_TIMEOUT, **fields: Any) -> Any:
        if self._proc.poll() is not None:
            raise PyodideNodeDied(f"node exited with {self._proc.returncode}:\n{self._stderr_text()}")
        self._next_id += 1
        request = {"id": self._next_id, "op": op, **fields}
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
        except BrokenPipeError as exc:
            raise PyodideNodeDied(f"node went away:\n{self._stderr_text()}") from exc
        try:
            response = self._responses.get(timeout=timeout)
        except queue.Empty:
            self._proc.kill()
            raise PyodideNodeDied(f"{op}: no answer within {timeout} s (node killed):\n{self._stderr_text()}") from None
        if response is None:
            self._proc.wait(5)
            raise PyodideNodeDied(f"node exited with {self._proc.returncode} during {op}:\n{self._stderr_text()}")
        if response.get("id") != self._next_id:
            raise PyodideNodeDied(f"protocol error: expected answer {self._next_id}, got {response.get('id')}")
        self.stdout = response.get("stdout", "")
        self.stderr = response.get("stderr", "")
        if not response["ok"]:
            e = response["error"]
            raise PyodideError(e["kind"], e["type"], e["message"], e.get("traceback", ""))
        return response.get("value")

    def _read_stdout(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if line.startswith(_MARK):
                self._responses.put(json.loads(line[len(_MARK) :]))
            else:
                self._stderr_tail.append(line.rstrip("\n"))
        self._responses.put(None)

    def _read_stderr(self) -> None:
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            self._stderr_tail.append(line.rstrip("\n"))

    def _stderr_text(self) -> str:
        return "\n".join(list(self._stderr_tail)[-40:])
