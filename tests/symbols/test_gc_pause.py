"""The collector pause used on the symbol index's hot paths leaves the process as it found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from indexer.symbols.gc_pause import paused, paused_steps


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_paused_disables_inside_and_restores_after() -> None:
    gc.enable()
    with paused():
        assert not gc.isenabled()
        with paused():  # nested: still off, and the inner exit does not turn it on
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_restores_after_an_exception() -> None:
    gc.enable()
    with pytest.raises(ValueError), paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_program_that_turned_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()


def test_paused_steps_makes_and_converts_in_a_pause_and_yields_outside() -> None:
    gc.enable()
    seen: list[bool] = []

    def produce() -> Iterator[int]:
        for i in range(3):
            seen.append(gc.isenabled())  # making the item
            yield i

    def convert(item: int) -> str:
        seen.append(gc.isenabled())
        return str(item * 2)

    out = []
    for text in paused_steps(produce(), convert):
        out.append((text, gc.isenabled()))  # the consumer runs with the collector as it was
    assert out == [("0", True), ("2", True), ("4", True)]
    assert seen == [False] * 6
    assert gc.isenabled()
