"""Inspect's test tiers. ``accuracy`` (slow, needs `scripts/fetch_accuracy_wheels.py` once) is registered here
until pyproject.toml lists it with the other markers."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "accuracy: compares inferred import names with Pyodide's curated lockfile")
