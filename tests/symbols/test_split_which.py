"""Output that scales (issue 11): a manifest plus one file per distribution, `which` reading only the shards
its answer needs, and `which` and `symbols` agreeing on every name (one code path)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from indexer.symbols import SymbolIndex, Target, iter_catalog
from indexer.symbols.cache import ShardCache
from indexer.symbols.which import lookup
from tests.symbols.conftest import Installer, build_index

ROOT = Path(__file__).resolve().parents[2]


def _three(install: Installer) -> Path:
    install("one", "1.0", {"one/__init__.py": "from ._core import f, Klass\n", "one/_core.py": (
        "def f(): pass\nclass Klass: pass\n")})  # fmt: skip
    install("two", "2.0", {"two/__init__.py": "from one import f\n__all__ = ['f', 'g']\ndef g(): pass\n"})
    return install("three", "3.0", {"three/__init__.py": "import json\nVALUE = json.dumps\n"})


def _cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MICROPIP_EXT_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "indexer", *args], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip


def test_split_output_is_a_manifest_and_one_file_per_distribution(install: Installer, tmp_path: Path) -> None:
    site = _three(install)
    out = tmp_path / "index"
    done = _cli("symbols", str(site), "--format", "split", "-o", str(out), "--no-progress", cache=tmp_path / "c")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "micropip-ext-symbols-manifest/1"
    assert manifest["index_format"] == "micropip-ext-symbols/1"
    entries = {e["name"]: e for e in manifest["distributions"]}
    assert entries["two"] == {"name": "two", "version": "2.0", "file": "two.json", "modules": 1, "symbols": 2,
                              "objects": 1, "members": 0, "unresolved": 0, "references": ["one"]}  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "one.json", "three.json", "two.json"]
    whole = build_index(site)
    for name, entry in entries.items():
        assert json.loads((out / entry["file"]).read_text()) == whole["distributions"][name]
    single = tmp_path / "all.json"
    done = _cli("symbols", str(site), "-o", str(single), "--no-progress", cache=tmp_path / "c")
    assert done.returncode == 0, done.stderr
    streamed = json.loads(single.read_text())
    assert streamed["distributions"] == whole["distributions"]
    assert streamed["stats"]["from_cache"] == 3


def test_which_reads_only_the_shards_its_answer_passes_through(install: Installer, tmp_path: Path) -> None:
    site = _three(install)
    cache = ShardCache(tmp_path / "cache")
    target = Target.running()
    build_index(site, cache=cache)  # cold: every shard is written
    refs = list(iter_catalog([site], target, cache))
    assert all(ref.cached and ref.shard is None for ref in refs)
    index = SymbolIndex(refs, target)
    [answer] = lookup(index, "two.f")
    assert answer == {"name": "two.f", "kind": "function", "defined_in": "one._core.f", "distribution": "one",
                      "version": "1.0", "provided_by": "two"}  # fmt: skip
    assert sorted(ref.name for ref in refs if ref.shard is not None) == ["one", "two"]


def test_which_and_symbols_agree_on_every_name(install: Installer, tmp_path: Path) -> None:
    site = _three(install)
    target = Target.running()
    index = SymbolIndex(list(iter_catalog([site], target)), target)
    data = index.to_json()
    checked = 0
    for dist, body in data["distributions"].items():
        for module, mod in body["modules"].items():
            for name, entry in mod["symbols"].items():
                [answer] = lookup(index, f"{module}.{name}")
                assert (answer["kind"], answer["defined_in"], answer["distribution"]) == (
                    entry["kind"], entry["defined_in"], entry["distribution"]), (dist, module, name)
                checked += 1
    assert checked == 8  # one and one._core: f, Klass (`_core` is private); two: f, g; three: json, VALUE


def test_output_paths_are_checked_before_any_work(tmp_path: Path) -> None:
    cache = tmp_path / "c"
    at_dir = _cli("symbols", str(tmp_path), "-o", str(tmp_path), cache=cache)
    assert at_dir.returncode == 2
    assert at_dir.stderr.strip().splitlines() == [
        f"indexer symbols: error: -o {tmp_path}: is a directory (json is one file; --format split writes a "
        "directory)"
    ]
    missing = _cli("symbols", str(tmp_path), "-o", str(tmp_path / "no" / "x.json"), cache=cache)
    assert missing.returncode == 2 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    split = _cli("symbols", str(tmp_path), "--format", "split", cache=cache)
    assert split.returncode == 2 and split.stderr.strip().endswith("--format split needs -o DIRECTORY")
    assert not cache.exists()  # nothing was read or written


def test_private_modules_are_marked_private(install: Installer) -> None:
    site = install("goog", "1.0", {
        "google/_upb/__init__.py": "",
        "google/_upb/_message.py": "class Message: pass\n",
        "google/protobuf/__init__.py": "from google._upb._message import Message\n",
    })
    modules = build_index(site)["distributions"]["goog"]["modules"]
    assert modules["google._upb._message"]["private"] is True and modules["google._upb"]["private"] is True
    assert "private" not in modules["google.protobuf"]


def test_an_unchanged_environment_reuses_its_resolved_index(install: Installer, tmp_path: Path) -> None:
    site = _three(install)
    cache = tmp_path / "c"
    outputs = []
    for run in range(2):
        out = tmp_path / f"run{run}.json"
        done = _cli("symbols", str(site), "-o", str(out), "--no-progress", cache=cache)
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0].replace(b'"from_cache": 0', b'"from_cache": 3') == outputs[1]
    [resolved] = (cache / "symbols" / "resolved").iterdir()
    assert (resolved / "done.json").is_file()
    # one distribution changes: a new environment key, the index is resolved again and says so
    install("one", "1.1", {"one/__init__.py": "class f: pass\nclass Klass: pass\n"})
    changed = tmp_path / "changed.json"
    assert _cli("symbols", str(site), "-o", str(changed), "--no-progress", cache=cache).returncode == 0
    two = json.loads(changed.read_text())["distributions"]["two"]["modules"]["two"]["symbols"]
    assert two["f"] == {"kind": "class", "defined_in": "one.f", "distribution": "one", "version": "1.1",
                        "explicit": True}  # fmt: skip
    assert len(list((cache / "symbols" / "resolved").iterdir())) == 2


def test_a_reader_that_stops_early_gets_no_traceback(install: Installer, tmp_path: Path) -> None:
    site = install("wide", "1.0", {"wide/__init__.py": "".join(f"def function_number_{i}(): pass\n"
                                                               for i in range(5000))})  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MICROPIP_EXT_CACHE": str(tmp_path / "c")}
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "symbols", str(site), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10) == b'{\n "format'
    proc.stdout.close()  # `symbols | head -c 10`
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert b"Traceback" not in err
