"""What a test does when set-up's output is missing: fail naming the set-up step, never skip.

A skip would let a bare ``pytest`` on a checkout without set-up pass with little tested.
"""

from __future__ import annotations

import pytest

SETUP_HINT = "run `make setup` first"


def setup_missing(what: str, step: str = SETUP_HINT) -> None:
    """Fail the test: ``what`` should have been made by set-up; ``step`` says how to make it."""
    pytest.fail(f"{what}: {step}", pytrace=False)
