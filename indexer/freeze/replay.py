"""Replay: an ``indexer freeze --offline`` whose inputs have not changed writes and prints what the last one did.

An offline freeze is a pure function of the code that runs, the command line and environment, and the files it
reads: dist-infos, the site directories' listings, extension modules inspect opens, pip's configuration, the
cache entries. So after a successful offline run the CLI keeps a *run record* in the freeze cache
(``<cache>/replay/<key>.json``): the identity of every input and the run's outputs (lock text, report, terminal
lines). A later offline run with the same key checks every identity before importing any step (this module
needs only os, sys, json, hashlib) and, if all match, replays the outputs with the time refreshed.

What the inputs are is not listed by hand: a Python audit hook (PEP 578) sees every ``open``, ``os.scandir`` and
``os.listdir`` the full run makes, whichever module makes it, plus the files of every module that ran (the
tool's own code, its dependencies: a new version is a new input). A file's identity is its stat (size, mtime
and ctime in ns, inode, device, mode); a directory's is the hash of its sorted listing, so a distribution added
or removed changes it, while rewriting ``-o`` beside it does not. Anything uncertain falls through to the full
run: a changed or missing input, a record that does not parse, an input that changed while the run read it, a
subprocess or socket during the run (inputs the hook cannot see), ``--verify record`` (it reads file contents).

A path the run only stats (``os.path.isfile``), never opening or listing it, is seen through its folder's
listing when the run listed that folder (each dist-info, the site directories). Not seen, and so not replayed
right: an editable install's sub-package gaining an ``__init__.py``, a RECORD-listed extension module that was
missing coming back, a ``sys.path`` directory that did not exist being created. Each is rare; each is one full
run away (any other change, or deleting ``<cache>/replay``).

Only offline runs are recorded: an online run's outputs depend on the indexes' answers, which no stat sees.
The record holds no secret: the key is a hash, the lock and report are the scrubbed texts the run wrote, the
lines are scrubbed; the folder is 0700 and the file 0600, like the HTTP cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SCHEMA = 1
#: Largest run record read (a report of thousands of distributions is a few MB).
RECORD_LIMIT = 64 * 1024 * 1024
#: Records kept per cache (one per distinct command line); the least recently written beyond this are removed.
KEEP = 16
#: Environment variables that can change a freeze's inputs or options (pip's configuration, the cache location,
#: Python's path and flags, the locale of error messages). Only their hash is kept.
_ENV_PREFIXES = (
    "PIP_", "PYTHON", "MICROPIP_EXT", "XDG_", "VIRTUAL_ENV", "CONDA_PREFIX", "SSL_CERT_", "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE", "HOME", "USERPROFILE", "APPDATA", "PROGRAMDATA", "LANG", "LC_",
)  # fmt: skip
#: Audit events after which a run's outputs may depend on something no file identity captures.
_SPOILING = frozenset(
    {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "socket.connect"}
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC

Identity = list[Any] | None


def identity(path: str) -> Identity:
    """What must be equal for ``path`` to be the same input: its stat, or its listing for a directory; None if
    absent (an absent file is an input too: INSTALLER appearing changes the result)."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            names = "\0".join(sorted(os.listdir(path)))
            return ["dir", hashlib.sha256(names.encode("utf-8", "surrogateescape")).hexdigest()]
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, st.st_mode]


def run_key(settings: Mapping[str, Any]) -> str:
    """The hash of everything a run depends on besides files: the parsed command line (paths made absolute),
    the tool's version, the interpreter and its ``sys.path``, the working directory, the relevant environment."""
    from indexer import __version__

    environ = sorted((k, v) for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES))
    payload = {
        "schema": SCHEMA,
        "version": __version__,
        "settings": dict(settings),
        "python": [sys.executable, sys.version, sys.platform, list(sys.path), os.getcwd()],
        "environ": environ,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode("utf-8")).hexdigest()


class Transcript:
    """What a run showed and wrote: the lines it said (``summary_at`` marks the summary, whose time is
    refreshed on replay), the lock text, and the report (``None`` when none was asked for)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.summary_at: int | None = None
        self.lock: str | None = None
        self.report: dict[str, Any] | None = None

    def say(self, line: str, *, summary: bool = False) -> None:
        from indexer.console import say
        from indexer.urls import scrub

        if summary:
            self.summary_at = len(self.lines)
        self.lines.append(scrub(line))
        say(line)

    def to_json(self) -> dict[str, Any]:
        return {"lines": self.lines, "summary_at": self.summary_at, "lock": self.lock, "report": self.report}

    @classmethod
    def from_json(cls, data: Any) -> Transcript | None:
        """The transcript in a record, or None if any part has the wrong shape."""
        out = cls()
        if not isinstance(data, dict):
            return None
        lines, at, lock, report = data.get("lines"), data.get("summary_at"), data.get("lock"), data.get("report")
        if not (isinstance(lines, list) and all(isinstance(line, str) for line in lines)):
            return None
        if not (isinstance(at, int) and 0 <= at < len(lines)) or not isinstance(lock, str):
            return None
        if report is not None and not (isinstance(report, dict) and isinstance(report.get("summary"), dict)):
            return None
        out.lines, out.summary_at, out.lock, out.report = lines, at, lock, report
        return out


class Recorder:
    """The inputs of a full run, seen by an audit hook while it is the current recorder."""

    def __init__(self) -> None:
        self.reads: dict[str, Identity] = {}  # path -> identity when first read
        self.written: set[str] = set()
        self.spoiled: str | None = None  # the first event after which inputs are unknown
        self._busy = False

    def event(self, event: str, args: tuple[Any, ...]) -> None:
        if self._busy:
            return  # our own listdir while taking an identity
        self._busy = True
        try:
            if event == "open":
                path, mode, flags = args
                writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    isinstance(flags, int) and bool(flags & _WRITE_FLAGS)
                )
                self._note(path, writing)
            elif event in ("os.scandir", "os.listdir"):
                self._note(args[0] if args and args[0] is not None else ".", False)
            elif event in _SPOILING and self.spoiled is None:
                self.spoiled = event
        finally:
            self._busy = False

    def _note(self, path: Any, writing: bool) -> None:
        if isinstance(path, int) or path is None:
            return  # an open file descriptor: its path was seen when it was opened
        full = os.path.abspath(os.fsdecode(path))
        if writing:
            self.written.add(full)
        elif full not in self.reads and not full.endswith(".pyc"):  # bytecode: its source's identity covers it
            self.reads[full] = identity(full)

    def inputs(self) -> list[tuple[str, Identity]] | None:
        """Every input with its identity now, or None if one changed while the run read it (no record then)."""
        if self.spoiled is not None:
            return None
        out: dict[str, Identity] = {}
        for path, before in list(self.reads.items()):
            if path in self.written:
                continue
            now = identity(path)
            if now != before:
                return None
            out[path] = now
        for module in list(sys.modules.values()):  # code imported before the hook was installed
            file = getattr(module, "__file__", None)
            if isinstance(file, str) and not file.endswith(".pyc"):
                full = os.path.abspath(file)
                if full not in out:
                    out[full] = identity(full)
        return sorted(out.items())


_current: Recorder | None = None
_hooked = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    recorder = _current
    if recorder is not None:
        recorder.event(event, args)


def start() -> Recorder:
    """A recorder seeing every file the process reads from now until :func:`stop` (one hook per process)."""
    global _current, _hooked
    if not _hooked:
        sys.addaudithook(_hook)
        _hooked = True
    _current = Recorder()
    return _current


def stop() -> None:
    global _current
    _current = None


def record_path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / "replay" / f"{key}.json"


def load(cache_dir: Path, key: str) -> Transcript | None:
    """The transcript to replay for ``key``, or None: no record, a record that does not parse, or any input
    whose identity differs from the recorded one. Never raises: uncertainty is a full run."""
    try:
        data = json.loads(_read_bounded(record_path(cache_dir, key)))
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or data.get("key") != key:
            return None
        inputs = data.get("inputs")
        if not isinstance(inputs, list) or not inputs:
            return None
        for path, recorded in inputs:
            if not isinstance(path, str) or identity(path) != recorded:
                return None
        return Transcript.from_json(data.get("transcript"))
    except Exception:  # any surprise in a record (torn, hand-edited, hostile) means a full run
        return None


def _read_bounded(path: Path) -> bytes:
    """The record's bytes; a FIFO, device or oversized file planted in its place is never read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > RECORD_LIMIT:
            raise ValueError("run record is not a regular file of a sane size")
        return f.read(RECORD_LIMIT + 1)


def save(cache_dir: Path, key: str, recorder: Recorder, transcript: Transcript) -> bool:
    """Keep the run record for ``key`` (private, atomic); False when the run cannot be replayed (an input changed
    while it ran, a subprocess or socket was used) or the record cannot be written (a later run is just full)."""
    from indexer.fsutil import atomic_write, private_dir

    inputs = recorder.inputs()
    if inputs is None or transcript.summary_at is None or transcript.lock is None:
        return False
    record = {"schema": SCHEMA, "key": key, "inputs": inputs, "transcript": transcript.to_json()}
    try:
        private_dir(Path(cache_dir))
        folder = private_dir(Path(cache_dir) / "replay")
        path = record_path(cache_dir, key)
        if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
            os.unlink(path)  # atomic_write writes through a FIFO or device (for `-o /dev/null`): not here
        atomic_write(path, json.dumps(record), mode=0o600)
        _prune(folder)
    except OSError:
        return False
    return True


def _prune(folder: Path) -> None:
    records = []
    for entry in os.scandir(folder):
        if entry.name.endswith(".json") and entry.is_file(follow_symlinks=False):
            records.append((entry.stat(follow_symlinks=False).st_mtime_ns, entry.path))
    for _, path in sorted(records, reverse=True)[KEEP:]:
        with contextlib.suppress(OSError):
            os.unlink(path)
