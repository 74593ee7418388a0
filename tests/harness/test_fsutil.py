"""indexer.fsutil.atomic_write: whole files or nothing, and never a device replaced (``-o /dev/null``)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from indexer.fsutil import atomic_write


def test_replaces_a_regular_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "lock.json"
    target.write_text("old")
    atomic_write(target, "new", mode=0o600)
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["lock.json"]


def test_a_fifo_is_written_into_not_replaced(tmp_path: Path) -> None:
    """A FIFO stands for every special file (/dev/null, a terminal): the writer must keep the node."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, b"through the pipe")
    reader.join(timeout=10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]

