"""crawl on a real index served on 127.0.0.1 and a real Dask cluster of worker processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import distributed
import pytest

from indexer.console import CallbackProgress
from indexer.crawl.command import crawl
from tests.crawl.conftest import EXPECTED, WITHOUT_METADATA, Index, edit_page, shards_by_filename

MAP = {
    "alpha": [{"project": "alpha", "versions": ["1.0", "2.0"]}],
    "alpha_extra": [{"project": "alpha", "versions": ["2.0"]}],
    "datamod": [{"project": "datapkg", "versions": ["1.0"]}],
    "declared_mod": [{"project": "declared", "versions": ["1.0"]}],
    "fastext": [{"project": "fastext", "versions": ["1.0"]}],
    "nsroot.sub": [{"project": "nsdist", "versions": ["1.0"]}],
    "zope.x": [{"project": "zope-x", "versions": ["1.0"]}],
}


def _imports(shards: dict[str, dict[str, Any]]) -> dict[str, tuple[list[str], list[str]]]:
    return {name: (s["imports"], s["namespaces"]) for name, s in shards.items()}


def test_cli_over_a_scheduler_runs_every_project_on_the_workers(index: Index, cluster: Any, tmp_path: Path) -> None:
    index.server.latency = 0.05  # each task waits on the network, so both workers get a share
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "indexer", "crawl", index.server.index_url, "-o", str(out),
         "--scheduler", cluster.scheduler_address, "--json"],
        capture_output=True, text=True, timeout=300, env={**os.environ},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert _imports(shards_by_filename(out)) == EXPECTED
    assert json.loads((out / "imports.json").read_text()) == {"imports": MAP}
    with distributed.Client(cluster) as client:
        pids = client.run(os.getpid)  # worker address -> its process id
    assert set(summary["tasks_by_worker"]) == set(pids)
    assert set(summary["worker_pids"]) == set(pids.values())  # the work ran in the worker processes
    assert os.getpid() not in summary["worker_pids"]
    assert sum(summary["tasks_by_worker"].values()) == 7  # one task per project
    # The workers did the fetching: the client process made only the root-page request.
    assert summary["requests"] == summary["stats"]["requests"] + 1


def test_wheels_are_read_by_small_ranges_never_downloaded(index: Index, cluster: Any, tmp_path: Path) -> None:
    summary = crawl(index.server.index_url, tmp_path / "out", scheduler=cluster.scheduler_address)
    wheel_requests = index.wheel_requests()
    assert wheel_requests and all(r.headers.get("Range") and r.status == 206 for r in wheel_requests)
    sizes = {p.name: p.stat().st_size for p in index.wheels.iterdir()}
    for name in sizes:
        got = [r for r in wheel_requests if r.path.endswith("/" + name)]
        if name == "declared-1.0-py3-none-any.whl":
            assert got == []  # its .metadata declares PEP 794 names: no byte of the wheel is needed
        else:
            assert len(got) <= 2  # the tail; one more only for a namespace __init__ candidate
    metadata_reads = {r.path.rsplit("/", 1)[1] for r in index.server.log if r.path.endswith(".metadata")}
    assert metadata_reads == {f"{n}.metadata" for n in EXPECTED if n not in WITHOUT_METADATA}
    assert summary.counts == {"metadata": 1, "ranges": 7, "downloads": 0, "failed": 0}
    # How each shard's names were obtained: PEP 794 names from a .metadata file checked against the page's
    # sha256 (its header block, then the rest of it to hash); a member list read by Range cannot be checked.
    provenance = {n: (s["names_from"], s["sha256_verified"]) for n, s in shards_by_filename(tmp_path / "out").items()}
    assert provenance == {
        n: ("metadata", True) if n.startswith("declared-") else ("zip-directory", False) for n in EXPECTED
    }
    declared_reads = index.server.requests_for("*/declared-1.0-py3-none-any.whl.metadata")
    assert [r.headers.get("Range") for r in declared_reads] == ["bytes=0-4095", "bytes=4096-"]


def test_a_server_without_range_gives_the_same_shards_and_counts_downloads(
    no_range_index: Index, cluster: Any, tmp_path: Path
) -> None:
    summary = crawl(no_range_index.server.index_url, tmp_path / "out", scheduler=cluster.scheduler_address)
    shards = shards_by_filename(tmp_path / "out")
    assert _imports(shards) == EXPECTED
    assert all(r.status == 200 for r in no_range_index.wheel_requests())
    assert summary.counts["downloads"] == 7
    # Whole files can be checked: every wheel against its sha256, the .metadata file against core-metadata.
    assert {n: (s["names_from"], s["sha256_verified"]) for n, s in shards.items()} == {
        n: ("metadata" if n.startswith("declared-") else "wheel", True) for n in EXPECTED
    }


def test_a_whole_wheel_whose_sha256_is_not_the_index_s_gives_no_names(
    no_range_index: Index, cluster: Any, tmp_path: Path
) -> None:
    files = no_range_index.index_dir / "files"
    (files / "alpha-1.0-py3-none-any.whl").write_bytes((files / "alpha-2.0-py3-none-any.whl").read_bytes())
    out = tmp_path / "out"
    summary = crawl(no_range_index.server.index_url, out, scheduler=cluster.scheduler_address)
    swapped = shards_by_filename(out)["alpha-1.0-py3-none-any.whl"]
    assert swapped["imports"] == [] and swapped["retry"] is True and swapped["names_from"] is None
    assert swapped["problems"] == [
        "alpha-1.0-py3-none-any.whl: the whole wheel came (the server ignored Range) and its sha256 is not the one "
        "the index gives"
    ]
    assert summary.counts["failed"] == 1
    assert json.loads((out / "imports.json").read_text())["imports"]["alpha"] == [
        {"project": "alpha", "versions": ["2.0"]}
    ]


def _tampered(index_dir: Path) -> str:
    path = index_dir / "files" / "declared-1.0-py3-none-any.whl.metadata"
    path.write_bytes(path.read_bytes().replace(b"Import-Name: declared_mod", b"Import-Name: evil_mod__"))
    return "its .metadata file does not match the index's sha256; ignored"


def _unhashed(index_dir: Path) -> str:
    def bare_true(page: dict[str, Any]) -> None:
        page["files"][0]["core-metadata"] = True
        page["files"][0].pop("dist-info-metadata", None)

    edit_page(index_dir, "declared", bare_true)
    return ""


def _other_project(index_dir: Path) -> str:
    path = index_dir / "files" / "declared-1.0-py3-none-any.whl.metadata"
    path.write_bytes(path.read_bytes().replace(b"Name: declared", b"Name: squatter"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    def rehash(page: dict[str, Any]) -> None:
        page["files"][0]["core-metadata"] = {"sha256": digest}  # the page agrees with the file: the Name does not

    edit_page(index_dir, "declared", rehash)
    return "its .metadata file names project 'squatter', not 'declared'; ignored"


@pytest.mark.parametrize("change", [_tampered, _unhashed, _other_project])
def test_a_metadata_file_is_believed_only_when_it_matches_the_index(
    index: Index, cluster: Any, tmp_path: Path, change: Any
) -> None:
    problem = change(index.index_dir)
    out = tmp_path / "out"
    crawl(index.server.index_url, out, scheduler=cluster.scheduler_address)
    shard = shards_by_filename(out)["declared-1.0-py3-none-any.whl"]
    if not problem:  # a bare `core-metadata: true`: the names are used, and the shard says they are unchecked
        assert (shard["imports"], shard["names_from"], shard["sha256_verified"]) == (
            ["declared_mod"],
            "metadata",
            False,
        )
        assert "problems" not in shard
        return
    # The file cannot be believed: a problem of the shard, and the names come from the wheel's member list.
    assert (shard["imports"], shard["namespaces"]) == (["other"], [])
    assert (shard["names_from"], shard["sha256_verified"]) == ("zip-directory", False)
    assert shard["problems"] == [f"declared-1.0-py3-none-any.whl: {problem}"]
    assert "retry" not in shard
    mapping = json.loads((out / "imports.json").read_text())["imports"]
    assert "evil_mod__" not in mapping and "declared_mod" not in mapping
    assert mapping["other"] == [{"project": "declared", "versions": ["1.0"]}]


def test_rerun_revalidates_pages_and_redoes_only_a_deleted_shard(index: Index, cluster: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    crawl(index.server.index_url, out, scheduler=cluster.scheduler_address)
    first_map = (out / "imports.json").read_bytes()
    index.server.clear_log()
    again = crawl(index.server.index_url, out, scheduler=cluster.scheduler_address)
    assert again.shards_written == 0
    assert {r.status for r in index.server.log} == {304}  # root and every project page: revalidated
    assert (out / "imports.json").read_bytes() == first_map

    alpha = shards_by_filename(out)["alpha-1.0-py3-none-any.whl"]
    (out / "shards" / f"{alpha['sha256']}.json").unlink()
    index.server.clear_log()
    redo = crawl(index.server.index_url, out, scheduler=cluster.scheduler_address)
    assert redo.shards_written == 1
    assert {r.path.rsplit("/", 1)[1] for r in index.wheel_requests()} == {"alpha-1.0-py3-none-any.whl"}
    assert not [r for r in index.server.log if r.path.endswith(".metadata")]
    assert (out / "imports.json").read_bytes() == first_map


def test_the_map_lists_only_the_wheels_source_lists_this_run(index: Index, cluster: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    crawl(index.server.index_url, out, scheduler=cluster.scheduler_address)
    shard_files = sorted((out / "shards").iterdir())
    alpha_page = index.index_dir / "simple" / "alpha" / "index.json"
    alpha_listing = alpha_page.read_text()

    def drop_alpha_1(page: dict[str, Any]) -> None:
        page["files"] = [f for f in page["files"] if f["filename"] != "alpha-1.0-py3-none-any.whl"]

    def drop_zope_x(root: dict[str, Any]) -> None:
        root["projects"] = [p for p in root["projects"] if p["name"] != "zope-x"]

    edit_page(index.index_dir, "alpha", drop_alpha_1)  # a file deleted from a project
    edit_page(index.index_dir, "", drop_zope_x)  # a project deleted from the index
    for page in (index.index_dir / "simple" / "zope-x").iterdir():
        page.unlink()
    index.server.inject("/simple/fastext/", *([503] * 5))  # a page that fails this run, beyond the retries
    summary = crawl(index.server.index_url, out, scheduler=cluster.scheduler_address, retries=1)

    expected = {k: v for k, v in MAP.items() if k != "zope.x"}
    expected["alpha"] = [{"project": "alpha", "versions": ["2.0"]}]
    assert json.loads((out / "imports.json").read_text()) == {"imports": expected}  # fastext: its last listing
    assert summary.shards_written == 0 and sorted((out / "shards").iterdir()) == shard_files  # kept as a cache
    assert summary.problems == [
        "fastext: project page: HTTP 503 for "
        f"{index.server.index_url}fastext/; the last crawl's listing of its wheels stands"
    ]

    index.server.clear_faults()
    index.server.clear_log()
    alpha_page.write_text(alpha_listing)  # alpha-1.0 is listed again: its cached shard serves
    crawl(index.server.index_url, out, scheduler=cluster.scheduler_address, projects=["alpha"])
    assert index.wheel_requests() == []
    assert json.loads((out / "imports.json").read_text())["imports"] == {  # --projects: the map of those only
        "alpha": MAP["alpha"],
        "alpha_extra": MAP["alpha_extra"],
    }


def test_transient_errors_are_retried_and_a_failed_wheel_is_a_shard_with_problems(
    index: Index, cluster: Any, tmp_path: Path
) -> None:
    index.server.inject("*/alpha-2.0-py3-none-any.whl", 503, "reset")  # two failures, then the retry succeeds
    index.server.inject("*/zope_x-1.0-py3-none-any.whl", *([500] * 10))  # more failures than retries
    out = tmp_path / "out"
    summary = crawl(index.server.index_url, out, scheduler=cluster.scheduler_address, retries=2)
    shards = shards_by_filename(out)
    assert shards["alpha-2.0-py3-none-any.whl"]["imports"] == ["alpha", "alpha_extra"]
    failed = shards["zope_x-1.0-py3-none-any.whl"]
    assert failed["imports"] == [] and failed["retry"] is True
    assert len(failed["problems"]) == 1 and "zope_x-1.0-py3-none-any.whl" in failed["problems"][0]
    assert summary.counts["failed"] == 1
    assert len(shards) == len(EXPECTED)  # every other wheel still has its shard

    index.server.clear_faults()
    crawl(index.server.index_url, out, scheduler=cluster.scheduler_address)
    assert shards_by_filename(out)["zope_x-1.0-py3-none-any.whl"]["imports"] == ["zope.x"]


def test_a_corrupt_wheel_costs_only_itself(index: Index, cluster: Any, tmp_path: Path) -> None:
    (index.index_dir / "files" / "alpha-1.0-py3-none-any.whl").write_bytes(b"not a zip at all" * 100)
    out = tmp_path / "out"
    crawl(index.server.index_url, out, scheduler=cluster.scheduler_address)
    shards = shards_by_filename(out)
    bad = shards.pop("alpha-1.0-py3-none-any.whl")
    assert bad["imports"] == [] and "not a zip archive" in bad["problems"][0] and "retry" not in bad
    assert _imports(shards) == {k: v for k, v in EXPECTED.items() if k != "alpha-1.0-py3-none-any.whl"}


def test_a_directory_of_wheels_in_process_gives_the_same_shards(index: Index, tmp_path: Path) -> None:
    remote_out, local_out = tmp_path / "remote", tmp_path / "local"
    seen: list[tuple[int, int]] = []
    crawl(str(index.wheels), local_out, workers=1, progress=CallbackProgress(lambda *step: seen.append(step)))
    assert seen == [(n, 7) for n in range(8)]  # one step per project, as each finishes
    assert _imports(shards_by_filename(local_out)) == EXPECTED
    crawl(index.server.index_url, remote_out, workers=1)
    assert (local_out / "imports.json").read_bytes() == (remote_out / "imports.json").read_bytes()


def test_bad_sources_are_one_line_errors(tmp_path: Path) -> None:
    for source in (str(tmp_path / "missing"), "http://127.0.0.1:9/simple/"):
        proc = subprocess.run(
            [sys.executable, "-m", "indexer", "crawl", source, "-o", str(tmp_path / "o"), "--timeout", "2",
             "--retries", "0"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 2
        assert proc.stderr.startswith("indexer crawl: error: ") and proc.stderr.count("\n") == 1, proc.stderr


def test_projects_limits_the_crawl_to_the_named_projects(index: Index, cluster: Any, tmp_path: Path) -> None:
    summary = crawl(index.server.index_url, tmp_path / "out", scheduler=cluster.scheduler_address,
                    projects=["Alpha", "zope.x"])  # fmt: skip
    assert summary.projects == 2
    assert sorted(shards_by_filename(tmp_path / "out")) == [
        "alpha-1.0-py3-none-any.whl", "alpha-2.0-py3-none-any.whl", "zope_x-1.0-py3-none-any.whl"
    ]  # fmt: skip
    assert not index.server.requests_for("/simple/")  # the root listing is not needed


class _InterruptAfterFirst:
    """A progress reporter whose user presses Ctrl-C when the first project is done."""

    def start(self, total: int | None) -> None:
        return None

    def advance(self, n: int = 1) -> None:
        raise KeyboardInterrupt

    def close(self) -> None:
        return None


def test_an_interrupted_crawl_cancels_its_tasks_and_keeps_finished_shards(
    index: Index, cluster: Any, tmp_path: Path
) -> None:
    index.server.latency = 0.3  # the other projects are still being read when the first one finishes
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        crawl(index.server.index_url, out, scheduler=cluster.scheduler_address, progress=_InterruptAfterFirst())
    assert not (out / "imports.json").exists()  # the map is written by a complete run only
    assert 1 <= len(list((out / "shards").iterdir())) < len(EXPECTED)
    with distributed.Client(cluster) as client:
        deadline = time.monotonic() + 10
        while any(client.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(client.processing().values())  # nothing of the crawl runs on in the cluster


def test_a_listed_file_with_a_non_http_url_is_skipped_with_a_problem(
    index: Index, cluster: Any, tmp_path: Path
) -> None:
    def local_url(page: dict[str, Any]) -> None:
        page["files"][0]["url"] = "file:///etc/passwd"

    edit_page(index.index_dir, "alpha", local_url)  # alpha-1.0, the first file on the page
    out = tmp_path / "out"
    summary = crawl(index.server.index_url, out, scheduler=cluster.scheduler_address)
    assert "alpha-1.0-py3-none-any.whl" not in shards_by_filename(out)
    assert summary.problems == ["alpha-1.0-py3-none-any.whl: URL scheme file: is not http(s); skipped"]
    assert json.loads((out / "imports.json").read_text())["imports"]["alpha"] == [
        {"project": "alpha", "versions": ["2.0"]}
    ]


def test_pth_path_entries_name_modules_as_inspect_does(tmp_path: Path) -> None:
    """pywin32 ships ``pywin32.pth`` listing ``win32`` and ``win32\\lib``: Python imports ``win32api``, and so must
    the map say, from a directory of wheels and from an index read by Range alike (the .pth is read, never run)."""
    from indexer.index.build import build_index
    from indexer.index.server import IndexServer, run_in_thread
    from tests.support.wheels import build_wheel

    wheels = tmp_path / "wheels"
    build_wheel(wheels, "pywin32", "311", {
        "pywin32.pth": "# .pth file for the extensions\nwin32\nwin32\\lib\n\nimport pywin32_bootstrap\n",
        "win32/win32api.py": "",
        "win32/lib/win32con.py": "",
        "win32/lib/pywin32_bootstrap.py": "",
        "win32com/__init__.py": "",
    })  # fmt: skip
    build_index(wheels, tmp_path / "site")
    expected = (["pywin32_bootstrap", "win32api", "win32com", "win32con"], [])
    crawl(str(wheels), tmp_path / "local", workers=1)
    with run_in_thread(IndexServer(tmp_path / "site")) as server:
        crawl(server.index_url, tmp_path / "remote", workers=1)
    for out in ("local", "remote"):
        (shard,) = shards_by_filename(tmp_path / out).values()
        assert (shard["imports"], shard["namespaces"]) == expected, out
