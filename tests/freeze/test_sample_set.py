"""The pinned sample set (real wheels from a registry, pinned by sha256): pip --target installs, all proved.

Real METADATA files (namespace packages, dotted names, py2.py3 tag sets) rather than ones built for tests.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name, parse_wheel_filename

from indexer.freeze.core import freeze
from indexer.freeze.options import FreezeOptions
from tests.support.pyodide_installs import pip_target_install


def test_pip_installed_sample_set_is_locked_to_the_exact_files(
    tmp_path: Path, sample_index: Any, sample_wheels: list[Path]
) -> None:
    site = tmp_path / "site"
    wheels = {canonicalize_name(w.name.split("-")[0]): w for w in sample_wheels}
    pins = [f"{name}=={parse_wheel_filename(w.name)[1]}" for name, w in wheels.items()]  # the whole closure
    pip_target_install(pins, site, index_url=sample_index.index_url)
    sample_index.clear_log()
    result = asyncio.run(
        freeze([site], FreezeOptions(index_urls=(sample_index.index_url,), verify="record", transport="httpx"))
    )
    by_name = {r.canonical_name: r for r in result.resolutions}
    assert set(by_name) == set(wheels)
    for name, wheel in wheels.items():
        res = by_name[name]
        assert res.locked and res.method == "index", (name, res.reason)
        assert res.filename == wheel.name
        assert res.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert res.record_verified is True, (name, res.notes)
    # One project page per distribution and a few ranges of each wheel, never a whole wheel.
    wheel_requests = [r for r in sample_index.log if r.path.endswith(".whl")]
    assert wheel_requests and all(r.status == 206 for r in wheel_requests)
