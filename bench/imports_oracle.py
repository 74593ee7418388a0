"""Oracle: the import names inspect infers for real wheels vs what Python's import system would find.

Each wheel is unpacked as an installer would (PEP 427: root files into the site dir, ``.data/purelib`` and
``.data/platlib`` merged into it, the other schemes outside it, RECORD rewritten to the installed paths), one
wheel per site dir. The truth is computed WITHOUT importing anything from the wheel:

- the top-level names ``pkgutil.iter_modules`` finds on the site dir and on every directory a ``.pth`` file in it
  adds (its path lines only, as ``site.addpackage`` reads them; ``import`` lines are not run), with extension
  modules of any interpreter counted (``*.cpython-311-x86_64-linux-gnu.so``, ``*.abi3.so``, ``*.pyd``), not just
  the running one's; a ``.so`` / ``.pyd`` is a module only when it exports ``PyInit_<name>`` (a plain shared
  library such as ``libfoo.so`` fails to import), and only identifiers that are no keyword count (mypyc's
  ``<hash>__mypyc`` runtime is reachable through importlib only, never an ``import`` statement);
- a ``site-packages`` / ``dist-packages`` folder below the site dir is a path entry too: cmeel's ``.pth`` runs a
  start-up hook that adds ``cmeel.prefix/lib/python3.X/site-packages`` (the one ``.pth`` import line modelled);
- a directory that is itself a ``.pth`` path entry is a sys.path entry, not a package (a Windows wheel's
  ``win32\\lib`` line is read with its separator);
- namespace packages are descended: a directory without ``__init__`` holding a module somewhere below (PEP 420),
  or a package whose ``__init__.py`` calls ``pkgutil.extend_path`` / ``declare_namespace`` and defines nothing
  else (a package that also defines functions, as nats and mujoco do, is imported by its own name); its children are
  the names. A directory with no module below it is no import name at all.

inspect's answer is ``Distribution.imports`` of the one dist in that site dir (PEP 794 metadata is stripped first
when ``--ignore-pep794`` is given; by default a wheel that declares names is judged on what it declares).
Per wheel: exact (same set), precision, recall; overall the exact share and micro precision / recall; the misses
are listed with what was extra and what was missing.

``--installer pip`` installs with ``pip install --no-deps --target`` instead (compatible wheels only). That puts
scripts (``bin/``) and data files (``share/``) inside the target dir, where a real environment keeps them outside
sys.path, so a ``bin/tool.py`` shows there as a missing ``bin.tool``: an artefact of ``--target``, not an import
name (inspect follows RECORD, which places them outside the site dir).

Reproduce:
    .venv/bin/python bench/imports_oracle.py                      # the ~887 wheels in /opt/pypi/files
    .venv/bin/python bench/imports_oracle.py --fetch /tmp/extra --wheels /opt/pypi/files --wheels /tmp/extra
    .venv/bin/python bench/imports_oracle.py --wheels DIR --json out.json   # any wheels; every outcome as JSON
(each wheel is unpacked in .cache/imports-oracle/ and removed once judged; ``--keep`` keeps the trees for the next
run: ~15 GB for the 1,025 wheels. A run takes ~3.5 minutes here.)

Figures (2026-11-30, /opt/pypi/files + EXTRA = 1,025 wheels; "names" = micro over all names, "per wheel" = mean):
    before (e82d659): exact 1018/1025 = 0.9932; names precision 0.8417 recall 0.8831; per wheel 0.9933 / 0.9933
                      misses: pywin32 (.pth path entries read as packages: win32.win32api for win32api);
                      pin, coal, eigenpy (cmeel prefix site-packages: nothing found); nats-py, mujoco, fla-core
                      (a package that extends its __path__ AND defines its API reported as a namespace)
    after:            exact 1025/1025 = 1.0000; names precision 1.0000 recall 1.0000; per wheel 1.0000 / 1.0000
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import keyword
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.installed import inspect  # noqa: E402

#: The second sample (beyond the ~887 wheels in /opt/pypi/files): odd layouts picked on purpose (namespace
#: packages old and new, .pth files, data files, stubs, Windows and macOS wheels, vendored prefixes). ``--fetch DIR``
#: downloads them with pip (``name==version``, ``@platform`` for another OS's wheel).
EXTRA = [
    "altgraph==0.17.5",
    "ansible-core==2.19.14",
    "antlr4-python3-runtime==4.13.2",
    "apache-libcloud==3.9.1",
    "azure-core==1.41.0",
    "azure-storage-blob==12.31.1",
    "backports.functools-lru-cache==2.0.0",
    "backports.weakref==1.0.post1",
    "behave==1.3.3",
    "brotli==1.2.1",
    "capstone==5.0.9",
    "cftime==1.6.6.1",
    "cmake==4.4.5",
    "comtypes==1.4.17",
    "configparser==7.3.0",
    "cramjam==2.14.0",
    "distlib==0.4.4",
    "ecdsa==0.19.2",
    "flufl-lock==10.0.0",
    "gevent==26.9.0",
    "google-cloud-core==2.8.0",
    "googleapis-common-protos==1.56.0",
    "greenlet==3.5.6",
    "grpcio-tools==1.85.1",
    "h5py==3.16.0",
    "httplib2==0.32.1",
    "ibm-db==3.3.0",
    "importlib-resources==7.1.0",
    "ipykernel==7.4.0",
    "ipywidgets==8.1.9",
    "jaraco-functools==4.6.0",
    "jeepney==0.9.0",
    "jupyterlab-widgets==3.0.17",
    "keyring==25.7.0",
    "keyrings.alt==5.0.2",
    "lief==1.0.0",
    "logilab-common==2.1.0",
    "lxml-stubs==0.5.1",
    "lz4==4.4.5",
    "macholib==1.16.4",
    "mkl==2026.2.0",
    "mock==5.2.0",
    "more-itertools==11.2.1",
    "mypy-protobuf==5.1.0",
    "nbconvert==7.17.2",
    "netcdf4==1.7.5.1.post1",
    "nose==1.3.7",
    "oauth2client==4.1.3",
    "opencensus==0.11.4",
    "opentelemetry-instrumentation==0.66b2",
    "oracledb==26.1.0",
    "pandas-stubs==3.1.0.261029",
    "paste==3.10.1",
    "pastedeploy==3.1.0",
    "pefile==2024.8.26",
    "pkginfo==2.0",
    "pkgutil-resolve-name==1.3.10",
    "plone-api==3.0.3",
    "ply==3.11",
    "products-cmfcore==3.9",
    "protobuf==3.20.3",
    "psutil==7.2.2",
    "psycopg-binary==3.3.9",
    "psycopg2-binary==2.9.13",
    "pyasn1-modules==0.4.2",
    "pybind11==3.1.0",
    "pycparser==3.12",
    "pycurl==7.49.0",
    "pydispatcher==2.0.7",
    "pyexcel-io==0.6.8",
    "pygit2==1.21.0",
    "pyglet==2.1.19",
    "pygobject-stubs==2.1.0",
    "pyhamcrest==2.1.0",
    "pyinstaller-hooks-contrib==2026.9",
    "pyinstaller==6.22.3",
    "pyjwt==2.15.1",
    "pymsgbox==2.0.1",
    "pymupdf==2.0",
    "pymysql==1.2.4",
    "pyobjc-core==13.0@macosx_11_0_arm64",
    "pyobjc-framework-cocoa==13.0@macosx_11_0_arm64",
    "pyodbc==5.5.0",
    "pyopengl==3.1.10",
    "pyperclip==1.11.0",
    "pyproj==3.7.2",
    "pyqt5-sip==12.20.0",
    "pyqt5-stubs==5.15.6.0",
    "pyqt6-sip==13.13.0",
    "pyreadline3==3.5.6",
    "pyserial==3.5",
    "pysnmp==7.1.30",
    "pytest-xdist==3.8.0",
    "python-dateutil==4.0.0",
    "python-jose==3.5.0",
    "python-magic==0.4.27",
    "python-xlib==0.33",
    "pythonnet==3.2.1",
    "pyusb==1.3.1",
    "pywavelets==1.9.0",
    "pywin32-ctypes==0.2.3",
    "pywin32==312@win_amd64",
    "pywinpty==3.1.2@win_amd64",
    "pyxdg==0.28",
    "repoze-lru==0.8",
    "robotframework==7.5",
    "rsa==4.9.1",
    "ruamel-yaml-clib==0.2.15",
    "ruamel.yaml==0.17.21",
    "secretstorage==3.5.0",
    "setproctitle==1.3.8",
    "singledispatch==4.1.2",
    "sip==6.17.2",
    "six==1.17.0",
    "sqlalchemy==2.1.9",
    "suds-community==1.2.0",
    "tflite-runtime==2.14.0",
    "twine==7.0.0",
    "twisted==26.10.0",
    "types-protobuf==7.35.1.20260906",
    "types-pywin32==312.0.0.20261104",
    "types-requests==2.33.0.20261030",
    "types-setuptools==84.2.0.20261104",
    "tzdata==2026.6",
    "ujson==6.1.0",
    "unicorn==2.1.4",
    "uritemplate==4.2.0",
    "uvloop==0.23.0",
    "web-py==0.76",
    "xlrd==2.0.2",
    "xlwt==1.3.0",
    "z3-solver==5.4.1.0",
    "z3c-form==6.1",
    "zc-lockfile==4.0",
    "zipp==4.1.2",
    "zope-event==6.2",
    "zstandard==0.25.0",
]

_EXTENSION = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?:\.[^.]+)?\.(?:so|pyd)$")
_MODULE_FILE = re.compile(r"\.(py|pyc|so|pyd)$")
_NAMESPACE_INIT = re.compile(rb"extend_path\s*\(|declare_namespace\s*\(")


@dataclass
class Outcome:
    wheel: str
    truth: list[str]
    ours: list[str]
    extra: list[str]
    missing: list[str]
    evidence: str

    @property
    def exact(self) -> bool:
        return not self.extra and not self.missing


def unpack(wheel: Path, site: Path) -> None:
    """Install ``wheel`` into ``site`` as an installer would (no scripts run, no bytecode compiled)."""
    site.mkdir(parents=True, exist_ok=True)
    moved: dict[str, str] = {}
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            name = info.filename
            if name.endswith("/"):
                continue
            top, _, rest = name.partition("/")
            if top.endswith(".data") and rest:
                scheme, _, sub = rest.partition("/")
                rel = sub if scheme in ("purelib", "platlib") else f"../_{scheme}/{sub}"
            else:
                rel = name
            moved[name] = rel
            dest = (site / rel).resolve()
            if not str(dest).startswith(str(site.parent.resolve())):
                continue  # a member escaping the tree: not written
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
    _rewrite_record(site, moved)


def _rewrite_record(site: Path, moved: dict[str, str]) -> None:
    """RECORD rows renamed to the installed paths (what pip writes for ``.data`` members)."""
    for record in site.glob("*.dist-info/RECORD"):
        rows = list(csv.reader(io.StringIO(record.read_text("utf-8", "replace"))))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for row in rows:
            if row:
                row[0] = moved.get(row[0], row[0])
            writer.writerow(row)
        record.write_text(out.getvalue(), "utf-8")


def pth_entries(site: Path) -> list[Path]:
    """Directories the site dir's ``.pth`` files add to sys.path (``site.addpackage``'s rules, nothing run)."""
    found: list[Path] = []
    for pth in sorted(site.glob("*.pth")):
        for line in pth.read_text("utf-8", "replace").splitlines():
            if not line.strip() or line.startswith("#") or line.startswith(("import ", "import\t")):
                continue
            path = (site / line.rstrip().replace("\\", "/")).resolve()
            if path.is_dir() and path not in found and str(path).startswith(str(site.resolve())):
                found.append(path)
    return found


def nested_site_dirs(site: Path) -> list[Path]:
    """``*/site-packages`` and ``*/dist-packages`` below ``site`` (a prefix a start-up hook puts on sys.path)."""
    found = []
    for root, dirs, _ in os.walk(site):
        found += [Path(root, d).resolve() for d in dirs if d in ("site-packages", "dist-packages")]
    return sorted(found)


def truth(site: Path) -> set[str]:
    """Import names Python would find in ``site`` and its ``.pth`` path entries (nothing imported)."""
    entries = pth_entries(site) + nested_site_dirs(site)
    names: set[str] = set()
    for directory in [site.resolve(), *entries]:
        _walk(directory, "", set(entries), names)
    return names


def _walk(directory: Path, prefix: str, entries: set[Path], names: set[str]) -> None:
    for info in pkgutil.iter_modules([str(directory)]):
        if not _is_name(info.name) or _is_library(directory, info.name, info.ispkg):
            continue
        if info.ispkg and _declares_namespace(directory / info.name):
            _walk(directory / info.name, f"{prefix}{info.name}.", entries, names)
        else:
            names.add(prefix + info.name)
    with os.scandir(directory) as it:
        for entry in it:
            m = _EXTENSION.match(entry.name)
            if m and entry.is_file() and _is_name(m.group("name")) and _exports_init(Path(entry.path), m.group("name")):
                names.add(prefix + m.group("name"))  # any interpreter's extension suffix
            elif (
                entry.is_dir()
                and _is_name(entry.name)
                and entry.name != "__pycache__"
                and Path(entry.path).resolve() not in entries
                and not any(Path(entry.path, f"__init__.{s}").exists() for s in ("py", "pyc"))
                and not any(_EXTENSION.match(f) and f.startswith("__init__.") for f in os.listdir(entry.path))
                and _has_module_below(Path(entry.path))
            ):
                _walk(Path(entry.path), f"{prefix}{entry.name}.", entries, names)  # PEP 420


def _is_name(name: str) -> bool:
    """What an ``import`` statement can name: an identifier that is no keyword."""
    return name.isidentifier() and not keyword.iskeyword(name)


def _is_library(directory: Path, name: str, ispkg: bool) -> bool:
    """A module pkgutil found that is only a shared library (no ``PyInit_<name>``): never importable."""
    if ispkg:
        return False
    libs = [p for p in directory.glob(f"{name}.*") if p.suffix in (".so", ".pyd")]
    mods = [p for p in directory.glob(f"{name}.*") if p.suffix in (".py", ".pyc")]
    return bool(libs) and not mods and not any(_exports_init(p, name) for p in libs)


def _exports_init(path: Path, name: str) -> bool:
    try:
        return f"PyInit_{name}".encode() in path.read_bytes()
    except OSError:
        return False


def _declares_namespace(package: Path) -> bool:
    """An ``__init__.py`` that extends its path and defines nothing else: no ``def``, ``class``, relative import
    or other assignment (nats and mujoco extend their path but are packages users import by name)."""
    init = package / "__init__.py"
    try:
        data = init.read_bytes() if init.stat().st_size <= 16 * 1024 else b""
    except OSError:
        return False
    if not _NAMESPACE_INIT.search(data):
        return False
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return True
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return False
        if isinstance(node, ast.ImportFrom) and node.level:
            return False
        if isinstance(node, ast.Assign) and any(
            not (isinstance(t, ast.Name) and t.id in ("__path__", "__all__")) for t in node.targets
        ):
            return False
    return True


def _has_module_below(directory: Path) -> bool:
    # a __pycache__ entry is only loaded for the source beside it (PEP 3147): alone it makes nothing importable
    return any(
        _MODULE_FILE.search(f) for root, _, files in os.walk(directory) if "__pycache__" not in root for f in files
    )


def pip_install(wheel: Path, site: Path) -> None:
    """``pip install --no-deps --target``: scripts land in ``site/bin``, data files in ``site``, bytecode compiled."""
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--disable-pip-version-check"]
    subprocess.run([*cmd, "--target", str(site), str(wheel)], check=True, capture_output=True)


def judge(wheel: Path, work: Path, ignore_pep794: bool, installer: str = "unpack") -> Outcome:
    site = work / wheel.name / "site"
    if not (work / wheel.name / ".complete").exists():
        shutil.rmtree(work / wheel.name, ignore_errors=True)
        (pip_install if installer == "pip" else unpack)(wheel, site)
        (work / wheel.name / ".complete").write_text("")
    if ignore_pep794:  # a separate work tree: the default one keeps the wheel's METADATA
        for meta in site.glob("*.dist-info/METADATA"):
            text = meta.read_text("utf-8", "replace")
            meta.write_text(re.sub(r"(?m)^Import-Name(space)?:.*\n", "", text), "utf-8")
    env = inspect([site])
    dists = env.distributions
    ours = sorted({n for d in dists for n in d.imports + d.private_imports})
    evidence = ",".join(sorted({d.import_evidence for d in dists})) or "no-dist"
    want = truth(site)
    return Outcome(wheel.name, sorted(want), ours, sorted(set(ours) - want), sorted(want - set(ours)), evidence)


def fetch(directory: Path) -> None:
    """Download :data:`EXTRA` into ``directory`` with pip (wheels only, no dependencies), one platform at a time."""
    groups: dict[str, list[str]] = {}
    for spec in EXTRA:
        requirement, _, platform = spec.partition("@")
        groups.setdefault(platform, []).append(requirement)
    for platform, requirements in groups.items():
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(directory),
        ]
        if platform:
            cmd += ["--platform", platform, "--python-version", "3.11"]
        subprocess.run([*cmd, *requirements], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheels", type=Path, action="append", help="directory of wheels (repeatable)")
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "imports-oracle")
    parser.add_argument("--limit", type=int, default=0, help="judge only the first N wheels (sorted by name)")
    parser.add_argument("--ignore-pep794", action="store_true", help="strip Import-Name fields: judge inference")
    parser.add_argument("--installer", choices=("unpack", "pip"), default="unpack", help="how each wheel is installed")
    parser.add_argument("--match", default="", help="judge only wheels whose file name matches this regex")
    parser.add_argument("--json", type=Path, help="write every outcome here")
    parser.add_argument("--keep", action="store_true", help="keep each unpacked tree in --work for the next run")
    parser.add_argument("--fetch", type=Path, help="first download the second sample (EXTRA) into this directory")
    args = parser.parse_args(argv)
    if args.fetch:
        fetch(args.fetch)
    dirs = args.wheels or [Path("/opt/pypi/files")]
    wheels = sorted(p for d in dirs for p in d.glob("*.whl"))
    wheels = [w for w in wheels if re.search(args.match, w.name)]
    if args.limit:
        wheels = wheels[: args.limit]
    work = args.work / "no-pep794" if args.ignore_pep794 else args.work
    work = work / "pip" if args.installer == "pip" else work
    outcomes = []
    for wheel in wheels:
        try:
            outcomes.append(judge(wheel, work, args.ignore_pep794, args.installer))
            if not args.keep:
                shutil.rmtree(work / wheel.name, ignore_errors=True)  # 1,025 unpacked wheels take ~15 GB
        except (OSError, zipfile.BadZipFile, ValueError, subprocess.CalledProcessError) as exc:
            print(f"skipped {wheel.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    report(outcomes)
    if args.json:
        args.json.write_text(json.dumps([asdict(o) | {"exact": o.exact} for o in outcomes], indent=1))
    return 0


def report(outcomes: list[Outcome]) -> None:
    hits = sum(len(set(o.ours) & set(o.truth)) for o in outcomes)
    said = sum(len(o.ours) for o in outcomes)
    true = sum(len(o.truth) for o in outcomes)
    exact = sum(o.exact for o in outcomes)
    for o in outcomes:
        if not o.exact:
            print(f"MISS {o.wheel} [{o.evidence}] extra={o.extra[:8]} missing={o.missing[:8]}")
    n = len(outcomes) or 1
    # per wheel (macro): a wheel with nothing to import scores 1 when we say nothing as well
    mean_p = sum(len(set(o.ours) & set(o.truth)) / len(o.ours) if o.ours else float(not o.truth) for o in outcomes)
    mean_r = sum(len(set(o.ours) & set(o.truth)) / len(o.truth) if o.truth else float(not o.ours) for o in outcomes)
    print(
        f"wheels {len(outcomes)}  exact {exact}/{len(outcomes)} = {exact / n:.4f}  "
        f"names: precision {hits / (said or 1):.4f} recall {hits / (true or 1):.4f}  "
        f"per wheel: precision {mean_p / n:.4f} recall {mean_r / n:.4f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
