"""Every reader bounded: RECORD rows and fields, JSON depth; a limit hit is a problem of that dist only (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.installed import inspect
from indexer.installed.record import MAX_FIELD, MAX_ROWS, parse_record
from tests.inspect.installs import uv_install
from tests.support.wheels import build_wheel


def test_a_malformed_csv_line_costs_only_itself() -> None:
    text = 'a.py,,\n"b\0.py",,\nc.py,,\n' + "d" * (MAX_FIELD + 1) + ",,\n" + "e.py,,\n"
    record = parse_record(text, "demo 1.0")
    assert [(row.path, row.normalized) for row in record.rows] == [
        ("a.py", "a.py"),
        ("b\0.py", None),
        ("c.py", "c.py"),
        ("e.py", "e.py"),
    ]
    codes = [p.code for p in record.problems]
    assert codes == ["record-path-unsafe", "record-bad-row"]
    assert all(len(p.message) < 300 for p in record.problems)


def test_field_larger_than_the_csv_module_accepts() -> None:
    text = "a.py,,\n" + "x" * 200_000 + ",,\nb.py,,\n"
    record = parse_record(text, "demo 1.0")
    assert [row.path for row in record.rows] == ["a.py", "b.py"]
    assert [p.code for p in record.problems] == ["record-bad-csv"]
    assert "field larger than field limit" in record.problems[0].message


def test_too_many_rows_stops_with_one_problem() -> None:
    text = "".join(f"m{i}.py,,\n" for i in range(MAX_ROWS + 5))
    record = parse_record(text, "demo 1.0")
    assert len(record.rows) == MAX_ROWS
    assert [p.code for p in record.problems] == ["record-too-large"]


def test_many_bad_lines_stop_after_a_hundred_problems() -> None:
    text = "".join("x" * 140_000 + ",,\n" for _ in range(150))  # each line over the csv module's field limit
    record = parse_record(text, "demo 1.0")
    assert record.rows == []
    assert len(record.problems) == 101
    assert record.problems[-1].message == "demo 1.0: RECORD has too many bad lines; rest not read"


def test_deeply_nested_direct_url_json_is_one_problem(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    site = tmp_path / "site"
    uv_install(site, str(build_wheel(wheels, "victim", "1.0", {"victim.py": ""})))
    uv_install(site, str(build_wheel(wheels, "bystander", "1.0", {"bystander.py": ""})))
    (next(site.glob("victim-*.dist-info")) / "direct_url.json").write_text("[" * 200_000 + "]" * 200_000)
    env = inspect([site])
    victim, bystander = env.get("victim"), env.get("bystander")
    assert victim is not None and bystander is not None
    assert [p.message for p in victim.problems if p.code == "json-invalid"] == [
        "victim 1.0: direct_url.json is nested too deeply"
    ]
    assert victim.imports == ["victim"] and bystander.imports == ["bystander"]
    assert json.dumps(env.to_json())


def test_metadata_with_endless_requirements_reads_the_first_ones(tmp_path: Path) -> None:
    from indexer.installed.metadata import MAX_FIELD_VALUES

    wheels = tmp_path / "wheels"
    site = tmp_path / "site"
    uv_install(site, str(build_wheel(wheels, "victim", "1.0", {"victim.py": ""})))
    dist_info = next(site.glob("victim-*.dist-info"))
    lines = "".join(f"Requires-Dist: dep{i}>=1; python_version > '3'\n" for i in range(50_000))
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: victim\nVersion: 1.0\n" + lines)
    (victim,) = inspect([site]).distributions
    assert [p.code for p in victim.problems if p.code.startswith("metadata")] == [
        "metadata-too-large",
        "metadata-modified",
    ]
    assert len(victim.requires) == MAX_FIELD_VALUES
    assert victim.requires[-1].name == f"dep{MAX_FIELD_VALUES - 1}"
