"""The cyclic garbage collector held off while one unit of work allocates many objects that live briefly.

Parsing a module builds an AST of up to a million nodes and a shard read back from JSON is as many dicts
and lists: every 700 allocations CPython runs a young collection that walks them, promotes the survivors,
and every so often a full collection walks the whole heap (on a 180-distribution environment this was a
third of the CPU of a cold run). That data holds no reference cycles (ASTs, bindings and JSON are trees):
reference counting frees it all, so the collector finds nothing there. :func:`paused` disables it for one
distribution, one shard or one distribution's JSON, never across a ``yield`` (a caller's code between
two units runs with the collector as it was), and re-enables it only if it was on: pauses nest, and a
program that turned it off itself keeps it off.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def paused() -> Iterator[None]:
    """No automatic cyclic collection inside the ``with`` block (reference counting still frees memory)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def paused_steps(items: Iterator[T], convert: Callable[[T], R]) -> Iterator[R]:
    """``convert(item)`` for each item of ``items``, making the item and converting it in one pause.

    For a generator of large, short-lived values (one distribution's JSON): the value is dropped before the
    collector runs again, so it never walks it; what is yielded should be small or untracked (text).
    """
    while True:
        with paused():
            try:
                item = next(items)
            except StopIteration:
                return
            result = convert(item)
            del item
        yield result
