"""Hostile and broken dist-infos: every problem reported with the dist's name, nothing followed, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexer.installed import Distribution, FileKind, inspect
from indexer.installed.safe_io import METADATA_LIMIT, RECORD_LIMIT
from tests.inspect.binaries import wasm_module
from tests.inspect.installs import tree_snapshot, uv_install
from tests.support.wheels import build_wheel


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """Two real installs: ``victim`` (to be damaged by the test) and ``bystander`` (must stay intact)."""
    wheels = tmp_path / "wheels"
    victim = build_wheel(
        wheels,
        "victim",
        "1.0",
        {"victim/__init__.py": "", "victim/core.py": ""},
        metadata={"Requires-Dist": "bystander"},
    )
    bystander = build_wheel(wheels, "bystander", "2.0", {"bystander.py": ""})
    target = tmp_path / "site"
    uv_install(target, str(victim), str(bystander))
    return target


def _dist_info(site: Path) -> Path:
    return next(site.glob("victim-*.dist-info"))


def _inspect(site: Path) -> tuple[Distribution, Distribution]:
    before = tree_snapshot(site)
    env = inspect([site])
    assert tree_snapshot(site) == before, "inspect must never write into a site dir"
    victim, bystander = env.get("victim"), env.get("bystander")
    assert victim is not None and bystander is not None
    assert bystander.problems == [] and bystander.imports == ["bystander"]
    return victim, bystander


def _codes(dist: Distribution) -> set[str]:
    return {p.code for p in dist.problems}


def test_missing_record_falls_back_to_files_on_disk(site: Path) -> None:
    (_dist_info(site) / "RECORD").unlink()
    victim, _ = _inspect(site)
    assert {"record-missing", "imports-guessed"} <= _codes(victim)
    assert victim.import_evidence == "files-on-disk"
    assert victim.imports == ["victim"]
    assert {f.path for f in victim.files} == {"victim/__init__.py", "victim/core.py"}
    assert all("victim" in p.message for p in victim.problems)


def test_missing_record_with_top_level_txt(site: Path) -> None:
    (_dist_info(site) / "RECORD").unlink()
    (_dist_info(site) / "top_level.txt").write_text("victim\n")
    victim, _ = _inspect(site)
    assert (victim.import_evidence, victim.imports) == ("top-level-txt", ["victim"])


def test_bad_record_rows_are_reported_one_by_one(site: Path) -> None:
    record = _dist_info(site) / "RECORD"
    good = record.read_text()
    record.write_text(
        good
        + "only,two\n"
        + "victim/x.py,md5=AAAA,1\n"
        + "victim/y.py,sha256=!!notbase64!!,1\n"
        + "victim/z.py,sha256=AAAA,1\n"  # decodes, wrong digest length
        + "victim/w.py,,-5\n"
        + "victim/__init__.py,,\n"  # duplicate row
    )
    victim, _ = _inspect(site)
    assert {"record-bad-row", "record-bad-hash", "record-bad-size", "record-duplicate"} <= _codes(victim)
    assert len([p for p in victim.problems if p.code == "record-bad-hash"]) == 3
    assert victim.imports == ["victim"]


def test_record_that_is_not_csv_text(site: Path) -> None:
    (_dist_info(site) / "RECORD").write_bytes(b"\xff\xfe\x00garbage\x00,\x00\n\x00\x00")
    victim, _ = _inspect(site)
    assert _codes(victim) & {"record-bad-csv", "record-bad-row"}
    assert "record-empty" in _codes(victim)
    assert (victim.imports, victim.import_evidence) == (["victim"], "files-on-disk")


def test_paths_leaving_the_site_dir_are_reported_not_followed(site: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.cpython-311-x86_64-linux-gnu.so").write_bytes(wasm_module(["PyInit_evil"]))
    record = _dist_info(site) / "RECORD"
    record.write_text(
        record.read_text()
        + "../outside/evil.cpython-311-x86_64-linux-gnu.so,,\n"
        + "victim/../../outside/evil.py,,\n"
        + f"{outside}/abs.py,,\n"
        + "../../bin/victim-cli,,\n"  # a --target dir owns nothing above itself: reported too
    )
    victim, _ = _inspect(site)
    escapes = [p for p in victim.problems if p.code == "record-path-escapes"]
    assert len(escapes) == 3
    assert "record-path-absolute" in _codes(victim)
    outside_files = [f for f in victim.files if f.location is None]
    assert len(outside_files) == 4
    assert all(f.module is None for f in outside_files)
    assert victim.imports == ["victim"]
    cli = next(f for f in victim.files if f.path.endswith("victim-cli"))
    assert cli.kind is FileKind.SCRIPT


def test_scheme_paths_under_the_prefix_are_expected_climbing_past_it_is_not(tmp_path: Path) -> None:
    """In ``<prefix>/lib/pythonX.Y/site-packages`` installers write scripts, headers and data under the prefix
    (``../../../bin/x``, ``../../../include/...``, ``../../../share/...``); a path that climbs past the prefix is
    hostile even when it ends in a ``bin/`` directory."""
    wheel = build_wheel(tmp_path / "w", "victim", "1.0", {"victim/__init__.py": ""})
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    uv_install(site, str(wheel))
    record = next(site.glob("victim-1.0.dist-info")) / "RECORD"
    record.write_text(
        record.read_text()
        + "../../../bin/victim-cli,,\n"
        + "../../../include/site/python3.11/victim/victim.h,,\n"
        + "../../../share/jupyter/labextensions/victim/package.json,,\n"
        + "../../../../../usr/bin/evil,,\n"
        + "../../../../outside.py,,\n"
    )
    (victim,) = inspect([site]).distributions
    escapes = sorted(p.message.split("'")[1] for p in victim.problems if p.code == "record-path-escapes")
    assert escapes == ["../../../../../usr/bin/evil", "../../../../outside.py"]
    assert all(f.location is None for f in victim.files if f.path.startswith(".."))  # recorded, never followed
    assert victim.imports == ["victim"]


def test_pip_target_scripts_are_expected_climbing_past_its_home_is_not(tmp_path: Path) -> None:
    """``pip install --target`` writes RECORD relative to a home scheme (``../../bin/tool``) and moves ``bin/``
    into the target: those rows are pip's layout, not a problem; climbing further still is."""
    from tests.inspect.installs import pip_install

    files = {"victim/__init__.py": "", "victim-1.0.data/scripts/victim-cli": "#!python\nprint(1)\n"}
    wheel = build_wheel(tmp_path / "w", "victim", "1.0", files)
    site = tmp_path / "target"
    pip_install(site, "--no-index", str(wheel))
    assert (site / "bin" / "victim-cli").is_file()
    record = next(site.glob("victim-1.0.dist-info")) / "RECORD"
    assert "../../bin/victim-cli," in record.read_text()
    record.write_text(record.read_text() + "../../../outside.py,,\n")
    (victim,) = inspect([site]).distributions
    escapes = [p.message.split("'")[1] for p in victim.problems if p.code == "record-path-escapes"]
    assert escapes == ["../../../outside.py"]


def test_symlink_out_of_the_site_dir_is_not_read(site: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.so"
    outside.write_bytes(wasm_module(["PyInit__ext"]))
    os.symlink(outside, site / "victim" / "_ext.cpython-314-wasm32-emscripten.so")
    record = _dist_info(site) / "RECORD"
    record.write_text(record.read_text() + "victim/_ext.cpython-314-wasm32-emscripten.so,,\n")
    victim, _ = _inspect(site)
    ext = next(f for f in victim.files if f.path.endswith(".so"))
    assert ext.location is None
    assert "record-path-escapes" in _codes(victim)


@pytest.mark.parametrize(
    ("metadata", "code"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "metadata-not-utf8"),
        (b"Metadata-Version: 2.1\nName: victim\nVersion: not a version!\n", "metadata-invalid"),
        (b"Metadata-Version: 2.1\nName: victim\nVersion: 1.0\nRequires-Dist: ??? bad\n", "requirement-invalid"),
        (b"Metadata-Version: 99\nName: victim\nVersion: 1.0\n", "metadata-invalid"),
        (b"Version: 1.0\n", "metadata-invalid"),
    ],
    ids=["binary", "bad-version", "bad-requirement", "unknown-metadata-version", "no-name"],
)
def test_invalid_metadata_is_reported_and_the_rest_still_works(site: Path, metadata: bytes, code: str) -> None:
    (_dist_info(site) / "METADATA").write_bytes(metadata)
    victim, _ = _inspect(site)
    assert code in _codes(victim)
    assert "metadata-modified" in _codes(victim)  # RECORD's hash of METADATA no longer matches
    assert victim.imports == ["victim"]
    assert victim.canonical_name == "victim"


def test_bad_requirement_keeps_the_valid_ones(site: Path) -> None:
    (_dist_info(site) / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: victim\nVersion: 1.0\nRequires-Dist: ??? bad\nRequires-Dist: bystander>=2\n"
    )
    victim, _ = _inspect(site)
    by_text = {r.requirement: r for r in victim.requires}
    assert by_text["??? bad"].error and by_text["??? bad"].name == ""
    assert by_text["bystander>=2"].satisfied is True


def test_binary_garbage_in_installer(site: Path) -> None:
    (_dist_info(site) / "INSTALLER").write_bytes(b"\x00\xff\xfe\x1b[31mevil\x07")
    victim, _ = _inspect(site)
    assert victim.installer is None
    assert "installer-not-text" in _codes(victim)


def test_control_characters_in_installer(site: Path) -> None:
    (_dist_info(site) / "INSTALLER").write_text("pip\x1b[2J\n")
    victim, _ = _inspect(site)
    assert victim.installer is None and "installer-not-text" in _codes(victim)


@pytest.mark.parametrize(
    ("name", "size"),
    [("METADATA", METADATA_LIMIT + 1), ("RECORD", RECORD_LIMIT + 1), ("INSTALLER", 10**9), ("direct_url.json", 10**8)],
)
def test_huge_files_are_not_read(site: Path, name: str, size: int) -> None:
    # Sparse files: the size is real to stat() and open(), the disk cost is not.
    with open(_dist_info(site) / name, "wb") as f:
        f.truncate(size)
    victim, _ = _inspect(site)
    assert "file-too-large" in _codes(victim)
    assert any(name in p.message for p in victim.problems if p.code == "file-too-large")


def test_invalid_direct_url_json(site: Path) -> None:
    (_dist_info(site) / "direct_url.json").write_text("{not json")
    victim, _ = _inspect(site)
    assert "json-invalid" in _codes(victim)
    assert victim.source.kind == "index"  # uv, by name as far as anything valid says


def test_dist_info_without_metadata(site: Path) -> None:
    (_dist_info(site) / "METADATA").unlink()
    victim, _ = _inspect(site)
    assert "metadata-missing" in _codes(victim)
    assert (victim.name, victim.version) == ("victim", "1.0")


def test_duplicate_distribution_in_two_site_dirs(site: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    uv_install(other, str(next((tmp_path / "wheels").glob("victim-*.whl"))))
    env = inspect([site, other])
    assert [d.site_dir for d in env.distributions if d.canonical_name == "victim"] == [site, other]
    assert "duplicate-distribution" in {p.code for p in env.problems}


def test_egg_info_is_flagged(site: Path) -> None:
    egg = site / "legacy-0.5-py3.11.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: legacy\nVersion: 0.5\n")
    (egg / "installed-files.txt").write_text("../legacy/__init__.py\nPKG-INFO\n")
    (site / "legacy").mkdir()
    (site / "legacy" / "__init__.py").write_text("")
    env = inspect([site])
    legacy = env.get("legacy")
    assert legacy is not None and legacy.format == "egg-info"
    assert "egg-info" in _codes(legacy)
    assert legacy.imports == ["legacy"]


def test_flat_egg_info_file(site: Path) -> None:
    (site / "flat-2.0-py3.11.egg-info").write_text("Metadata-Version: 1.0\nName: flat\nVersion: 2.0\n")
    (site / "flat.py").write_text("")
    env = inspect([site])
    flat = env.get("flat")
    assert flat is not None and (flat.format, flat.version) == ("egg-info", "2.0")
    assert (flat.imports, flat.import_evidence) == (["flat"], "files-on-disk")


def test_one_bad_value_costs_only_itself(site: Path) -> None:
    """A malformed Requires-Dist entry is reported; the parsed Metadata keeps the valid entries and other fields."""
    (_dist_info(site) / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: victim\nVersion: 1.0\nSummary: still here\n"
        "Requires-Dist: six (((\nRequires-Dist: bystander>=2\n"
    )
    victim, _ = _inspect(site)
    assert victim.metadata is not None
    assert victim.metadata.summary == "still here"
    assert [str(r) for r in victim.metadata.requires_dist or []] == ["bystander>=2"]
    invalid = [p.message for p in victim.problems if p.code == "metadata-invalid"]
    assert len(invalid) == 1 and "six (((" in invalid[0]


def test_field_newer_than_declared_version_is_noted_and_kept(tmp_path: Path) -> None:
    """setuptools wrote License-File under Metadata-Version 2.1 for years: a note, and the field is still read."""
    metadata = "Metadata-Version: 2.1\nName: victim\nVersion: 1.0\nLicense-File: LICENSE\nLicense-File: NOTICE\n"
    wheel = build_wheel(tmp_path / "w", "victim", "1.0", {"victim/__init__.py": ""}, raw_metadata=metadata)
    site = tmp_path / "site"
    uv_install(site, str(wheel))
    (dist,) = inspect([site]).distributions
    assert dist.metadata is not None and dist.metadata.license_files == ["LICENSE", "NOTICE"]
    assert _codes(dist) == {"metadata-field-too-new"}
