"""Class members of real packages (the large bench venv that set-up builds) against what ``dir()`` shows when the
same classes are really imported there (a subprocess of that venv's interpreter: nothing is imported here).

Each class stands for one way members are made: docutils' visitors get ``visit_*``/``depart_*`` from a function
run at import over a literal list, ``Figure`` inherits from a class that replaced an ``except ImportError``
import, numpy's ndarray and memmap are compiled (their members are in ``numpy/__init__.pyi``, memmap reaching
it through ``multiarray.pyi``'s re-export), starlette's TestClient subclasses httpx through an import
fallback, pydantic.v1's FieldInfo and packaging's Requirement have ``__slots__``, pygments' SchemeLexer binds
names in loops of its class body.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from indexer.symbols import SymbolIndex, Target, load_shards
from tests.support.setup_check import setup_missing

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".cache" / "bench-symbols-large-venv"
CLASSES = {
    "docutils.nodes.SparseNodeVisitor": "docutils",
    "docutils.nodes.GenericNodeVisitor": "docutils",
    "docutils.parsers.rst.directives.images.Figure": "docutils",
    "numpy.ndarray": "numpy",
    "numpy.memmap": "numpy",
    "starlette.testclient.TestClient": "starlette",
    "pydantic.v1.fields.FieldInfo": "pydantic",
    "packaging.requirements.Requirement": "packaging",
    "pygments.lexers.lisp.SchemeLexer": "pygments",
}
PROBE = """
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
from oracle_probe import class_members
out = {}
for path in sys.argv[2:]:
    module, _, name = path.rpartition(".")
    out[path] = sorted(class_members(getattr(importlib.import_module(module), name)))
print(json.dumps(out))
"""


def test_members_of_real_classes_are_what_dir_shows() -> None:
    python = VENV / "bin" / "python"
    if not python.exists():
        setup_missing("no .cache/bench-symbols-large-venv",
                      "run `make setup` (or bench/symbols_bench.py --large --prepare)")
    runtime = json.loads(subprocess.run(
        [str(python), "-c", PROBE, str(Path(__file__).parent), *CLASSES], check=True, capture_output=True,
        text=True, timeout=600,
    ).stdout)  # fmt: skip
    site = next((VENV / "lib").glob("python3*/site-packages"))
    target = Target.running()
    dists = {*CLASSES.values(), "httpx", "typing-extensions"}
    index = SymbolIndex(load_shards([site], target, only=dists), target)
    for public, theirs in runtime.items():
        module, _, name = public.rpartition(".")
        res = index.resolve_export(module, name)
        assert res.kind == "class", public
        members = index.class_json(res.path, None)["members"]
        on_class = {n for n, e in members.items() if e["kind"] != "instance_attribute"}
        assert set(theirs) <= set(members), (public, sorted(set(theirs) - set(members)))
        assert on_class <= set(theirs), (public, sorted(on_class - set(theirs)))
    visit = index.class_json("docutils.nodes.SparseNodeVisitor", None)["members"]["visit_paragraph"]
    assert visit == {"kind": "method", "defined_in": "docutils.nodes.SparseNodeVisitor.visit_paragraph",
                     "distribution": "docutils"}
    get = index.class_json("starlette.testclient.TestClient", None)["members"]["get"]
    assert get == {"kind": "method", "defined_in": "httpx._client.Client.get", "distribution": "httpx"}
    astype = index.class_json("numpy._core.memmap.memmap", None)["members"]["astype"]
    assert astype == {"kind": "method", "defined_in": "numpy.ndarray.astype", "distribution": "numpy"}
