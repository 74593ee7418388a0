"""Find site directories and the distributions in them, and read each one into a Distribution.

This is the only module that walks the file system; every file it opens is bounded in size and
inside the site directory (RECORD paths that leave it are recorded, never followed).
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.tags import parse_tag
from packaging.utils import canonicalize_name

from indexer.installed.attribution import attribute, read_installer_files, read_small_text
from indexer.installed.binary import read_binary
from indexer.installed.classify import classify, extension_name, is_identifier
from indexer.installed.editable import editable_imports
from indexer.installed.imports import declared_imports, infer_imports
from indexer.installed.metadata import parse_metadata
from indexer.installed.model import Distribution, FileKind, InstalledFile, Problem
from indexer.installed.names import is_dist_dir_name, parse_dist_info_name, shown
from indexer.installed.record import Record, hex_digest, parse_record, prefix_depth
from indexer.installed.safe_io import (
    METADATA_LIMIT,
    RECORD_LIMIT,
    SMALL_FILE_LIMIT,
    TooLarge,
    is_within,
    read_limited,
    read_reported,
)

if TYPE_CHECKING:
    from packaging.metadata import Metadata

_WALK_LIMIT = 20_000  # files collected per dist when guessing from disk (no RECORD)
_DIST_LIMIT = 100_000  # distributions read from one site dir


def default_site_dirs() -> list[Path]:
    """Where installers put distributions in the running interpreter, plus every other ``sys.path`` directory
    that holds one (where importlib.metadata looks too). The one site-dir discovery: CLI, symbols, micropip_ext.

    ``""`` on sys.path is the working directory (in Pyodide ``/home/pyodide``, where ``pyodide.unpackArchive``
    extracts by default). Directories are taken once each (by real path), in sys.path order.
    """
    import site
    import sysconfig

    purelib = sysconfig.get_path("purelib")
    getsitepackages = getattr(site, "getsitepackages", None)  # absent in some virtualenv-patched site modules
    extra = getsitepackages() if getsitepackages is not None else []
    candidates = [purelib, *extra, *(p or os.getcwd() for p in sys.path)]
    out: list[Path] = []
    seen: set[str] = set()
    for entry in candidates:
        if not entry or not os.path.isdir(entry):
            continue
        real = os.path.realpath(entry)
        if real in seen:
            continue
        seen.add(real)
        if real == os.path.realpath(purelib) or _holds_distributions(entry):
            out.append(Path(os.path.normpath("/" + entry.lstrip("/")) if entry.startswith("//") else entry))
    return out


def _holds_distributions(directory: str) -> bool:
    try:
        with os.scandir(directory) as it:
            return any(is_dist_dir_name(entry.name) for entry in it)
    except OSError:
        return False


def find_dist_dirs(site_dir: Path, problems: list[Problem] | None = None) -> list[Path]:
    """``*.dist-info`` directories and ``*.egg-info`` directories or files directly in ``site_dir``.

    Raises OSError only when ``site_dir`` itself cannot be listed. An entry named like a distribution that
    is not one (a file or FIFO named ``*.dist-info``, a dangling or looping symlink, an undecodable name)
    costs only itself: it is skipped and, when ``problems`` is given, reported there.
    """
    found: list[Path] = []
    with os.scandir(site_dir) as it:
        for entry in it:
            if not is_dist_dir_name(entry.name):
                continue
            why = _not_a_dist_dir(entry)
            if why is None and len(found) >= _DIST_LIMIT:
                why = f"more than {_DIST_LIMIT} distributions in one site dir; the rest are not read"
            if why is None:
                found.append(Path(entry.path))
            elif problems is not None:
                problems.append(Problem("dist-entry-invalid", f"{shown(entry.path)}: {why}"))
    return sorted(found, key=lambda p: p.name)


def _not_a_dist_dir(entry: os.DirEntry[str]) -> str | None:
    """Why ``entry`` cannot be read as a distribution, or None if it can."""
    if shown(entry.name) != entry.name:
        return "the name is not printable UTF-8 (no installer writes such a name)"
    try:
        st = os.stat(entry.path)  # follows a symlink, as importlib.metadata would
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        if entry.is_symlink() and exc.errno == errno.ENOENT:
            return "dangling symlink"
        return exc.strerror or str(exc)
    if stat.S_ISDIR(st.st_mode):
        return None
    if stat.S_ISREG(st.st_mode):
        return None if entry.name.endswith(".egg-info") else "a file, not a directory"
    return "not a directory or regular file (a FIFO, socket or device)"


def _name_version_from_dir(dist_dir: Path) -> tuple[str, str]:
    parsed = parse_dist_info_name(dist_dir.name)
    if parsed is not None:
        return parsed
    return dist_dir.name.rsplit(".", 1)[0], ""


def read_distribution(dist_dir: Path, site_dir: Path) -> Distribution:
    """Everything inspect can learn offline about one installed distribution. Never raises for bad content.

    A dist-info that cannot be listed (no permission) or fails while being read is one distribution with an
    ``dist-info-unreadable`` problem, named from its directory; the site's other distributions are unaffected.
    """
    try:
        if os.path.isdir(dist_dir):
            with os.scandir(dist_dir):  # a directory we may not open fails here, before any half-read
                pass
        return _read_distribution(dist_dir, site_dir)
    except OSError as exc:
        return _unreadable(dist_dir, site_dir, exc.strerror or str(exc))
    except (ValueError, RecursionError) as exc:  # a reader's bound not yet written as a problem of its own
        return _unreadable(dist_dir, site_dir, f"{type(exc).__name__}: {shown(str(exc))[:200]}")


def _new_distribution(
    dist_dir: Path, site_dir: Path, name: str, version: str, metadata: Metadata | None = None
) -> Distribution:
    return Distribution(
        name=name,
        canonical_name=canonicalize_name(name),
        version=version,
        path=dist_dir,
        site_dir=site_dir,
        format="egg-info" if dist_dir.name.endswith(".egg-info") else "dist-info",
        metadata=metadata,
    )


def _unreadable(dist_dir: Path, site_dir: Path, why: str) -> Distribution:
    dist = _new_distribution(dist_dir, site_dir, *_name_version_from_dir(dist_dir))
    dist.problems.append(Problem("dist-info-unreadable", f"{shown(dist_dir.name)}: {why}"))
    return dist


def _read_distribution(dist_dir: Path, site_dir: Path) -> Distribution:
    is_egg = dist_dir.name.endswith(".egg-info")
    dir_name, dir_version = _name_version_from_dir(dist_dir)
    label = dist_dir.name
    problems: list[Problem] = []

    # --- metadata (core metadata spec) ---
    metadata_name = ("PKG-INFO" if os.path.isdir(dist_dir) else "") if is_egg else "METADATA"
    metadata_path = dist_dir / metadata_name if metadata_name else dist_dir
    reported = len(problems)
    metadata_bytes = read_reported(metadata_path, METADATA_LIMIT, label, problems)
    if metadata_bytes is None and len(problems) == reported:  # absent, rather than too large or unreadable
        problems.append(Problem("metadata-missing", f"{label}: no {metadata_name or 'metadata'} file"))
    parsed = parse_metadata(metadata_bytes, label) if metadata_bytes is not None else None
    if parsed is not None:
        problems.extend(parsed.problems)
    raw = parsed.raw if parsed is not None else {}
    meta = parsed.metadata if parsed is not None else None
    name = str(meta.name) if meta is not None else str(raw.get("name") or dir_name)
    version = str(meta.version) if meta is not None else str(raw.get("version") or dir_version)
    if parsed is not None and canonicalize_name(name) != canonicalize_name(dir_name):
        problems.append(Problem("name-mismatch", f"{label}: METADATA names {name!r}"))
    label = f"{name} {version}"
    actual_sha256 = hashlib.sha256(metadata_bytes).hexdigest() if metadata_bytes is not None else None

    dist = _new_distribution(dist_dir, site_dir, name, version, meta)
    requires_raw = raw.get("requires_dist")
    dist.requires_dist = [str(r) for r in requires_raw] if isinstance(requires_raw, list) else []
    if is_egg:
        problems.append(Problem("egg-info", f"{label}: legacy .egg-info install (no RECORD, no INSTALLER)"))

    if os.path.isdir(dist_dir):
        dist.installer = read_small_text(dist_dir, "INSTALLER", label, problems) or None
        dist.requested = os.path.isfile(dist_dir / "REQUESTED")
        dist.wheel_tags = _wheel_tags(dist_dir, label, problems)
        dist.installer_files = read_installer_files(dist_dir, label, problems)
        dist.source = attribute(dist_dir, dist.installer, dist.installer_files, label, problems)

    # --- files ---
    record = _read_record(dist_dir, site_dir, label, problems) if not is_egg else _read_egg_files(dist_dir, site_dir)
    if record is not None and not any(row.normalized for row in record.rows):
        # Nothing usable in it (e.g. binary garbage): as good as missing, so guess from the disk below.
        problems.extend(record.problems)
        problems.append(Problem("record-empty", f"{label}: RECORD lists no files"))
        record = None
    if record is not None:
        problems.extend(record.problems)
        dist.files = _files_from_record(record, site_dir, label, problems)
        metadata_rel = f"{dist_dir.name}/METADATA"
        recorded = record.hash_of(metadata_rel)
        dist.metadata_sha256 = hex_digest(recorded)
        if dist.metadata_sha256 is not None and metadata_bytes is not None and actual_sha256 != dist.metadata_sha256:
            problems.append(Problem("metadata-modified", f"{label}: METADATA differs from its RECORD hash"))
    dist.installer_files.metadata_actual_sha256 = actual_sha256
    dist.pth_files = [f.path for f in dist.files if f.kind is FileKind.DATA and f.path.endswith(".pth")]

    # --- import names: PEP 794, else RECORD (or an editable install's finder), else the disk ---
    _import_names(dist, raw, record, dir_name, label, problems)
    if dist.import_evidence != "import-name":
        editable = editable_imports(dist, label, problems)
        if editable is not None:
            dist.imports, dist.namespaces = editable
            dist.import_evidence = "editable"
    dist.problems = problems
    return dist


def _import_names(
    dist: Distribution,
    raw: dict[str, object],
    record: Record | None,
    dir_name: str,
    label: str,
    problems: list[Problem],
) -> None:
    """Fill ``imports`` / ``namespaces`` / ``import_evidence`` (and ``files`` when there is no RECORD)."""
    dist_dir, site_dir, is_egg = dist.path, dist.site_dir, dist.format == "egg-info"
    declared = declared_imports(raw, label)
    if declared is not None:
        dist.imports, dist.private_imports, dist.namespaces, name_problems = declared
        problems.extend(name_problems)
        dist.import_evidence = "import-name"
        if record is None:
            dist.files = _files_on_disk(site_dir, [n.split(".")[0] for n in dist.imports + dist.private_imports])
        else:
            problems.extend(_undelivered_names(dist, label))
    elif record is not None:
        dist.imports, dist.namespaces = infer_imports(dist.files, site_dir)
        dist.import_evidence = "record"
    else:
        top_level = read_small_text(dist_dir, "top_level.txt", label, problems) if os.path.isdir(dist_dir) else None
        if top_level:
            roots = [line.strip() for line in top_level.splitlines() if is_identifier(line.strip())]
            dist.import_evidence = "top-level-txt"
        else:
            roots = list(dict.fromkeys([dir_name, dir_name.lower(), dist.canonical_name.replace("-", "_")]))
            dist.import_evidence = "files-on-disk"
        dist.files = _files_on_disk(site_dir, roots)
        dist.imports, dist.namespaces = infer_imports(dist.files, site_dir)
        if not is_egg:
            problems.append(
                Problem(
                    "imports-guessed",
                    f"{label}: no RECORD; import names guessed from {dist.import_evidence}: "
                    + (", ".join(dist.imports) or "none found"),
                )
            )


def _undelivered_names(dist: Distribution, label: str) -> list[Problem]:
    """PEP 794 names with no module file under them in RECORD: the metadata promises what is not installed."""
    modules = {f.module for f in dist.files if f.module is not None and f.kind is not FileKind.STUB}
    out = []
    for name in dist.imports + dist.private_imports + dist.namespaces:
        if not any(m == name or m.startswith(name + ".") for m in modules):
            out.append(Problem("import-name-not-installed", f"{label}: Import-Name {name!r} has no installed module"))
    return out


def _wheel_tags(dist_dir: Path, label: str, problems: list[Problem]) -> list[str]:
    """Tags from WHEEL ``Tag:`` lines, compressed tag sets expanded (PEP 425)."""
    try:
        data = read_limited(dist_dir / "WHEEL", SMALL_FILE_LIMIT)
    except (TooLarge, OSError) as exc:
        problems.append(Problem("wheel-file-unreadable", f"{label}: WHEEL: {exc}"))
        return []
    return [] if data is None else parse_wheel_tags(data, label, problems)


_MAX_TAGS = 1024  # expanded tags per WHEEL file: compressed tag sets multiply out (PEP 425)


def parse_wheel_tags(data: bytes, label: str, problems: list[Problem]) -> list[str]:
    """Tags from WHEEL ``Tag:`` lines, compressed tag sets expanded (PEP 425), at most ``_MAX_TAGS``."""
    tags: list[str] = []
    for line in data.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() != "tag":
            continue
        value = value.strip()
        parts = value.split("-")
        expanded = 1
        for part in parts:
            expanded *= part.count(".") + 1
        if len(tags) + expanded > _MAX_TAGS:
            problems.append(Problem("wheel-tag-invalid", f"{label}: WHEEL lists more than {_MAX_TAGS} tags"))
            break
        try:
            tags.extend(str(t) for t in parse_tag(value))
        except ValueError:
            problems.append(Problem("wheel-tag-invalid", f"{label}: WHEEL tag {value[:100]!r}"))
    return list(dict.fromkeys(tags))


def _read_record(dist_dir: Path, site_dir: Path, label: str, problems: list[Problem]) -> Record | None:
    reported = len(problems)
    data = read_reported(dist_dir / "RECORD", RECORD_LIMIT, label, problems)
    if data is None:
        if len(problems) == reported:  # absent, rather than too large or unreadable
            problems.append(Problem("record-missing", f"{label}: no RECORD (PEP 376 requires one from installers)"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem("record-bad-csv", f"{label}: RECORD is not UTF-8"))
        text = data.decode("utf-8", "replace")
    return parse_record(text, label, _prefix_levels(site_dir))


@functools.lru_cache(maxsize=64)
def _prefix_levels(site_dir: Path) -> int:
    """:func:`prefix_depth`, or 2 for a ``pip install --target`` directory: pip installs into a home scheme
    (``<home>/lib/python``, ``<home>/bin``), writes RECORD relative to it (``../../bin/tool``), then moves
    ``bin/`` into the target, so a ``bin`` beside the packages marks that layout."""
    depth = prefix_depth(site_dir)
    return depth if depth else (2 if os.path.isdir(site_dir / "bin") else 0)


def _read_egg_files(dist_dir: Path, site_dir: Path) -> Record | None:
    """``installed-files.txt`` of an egg-info (paths relative to the egg-info dir), as RECORD rows."""
    try:
        data = read_limited(dist_dir / "installed-files.txt", RECORD_LIMIT) if os.path.isdir(dist_dir) else None
    except (TooLarge, OSError):
        return None
    if data is None:
        return None
    rel = dist_dir.name
    lines = [
        os.path.normpath(os.path.join(rel, line.strip())).replace(os.sep, "/")
        for line in data.decode("utf-8", "replace").splitlines()
        if line.strip()
    ]
    return parse_record("\n".join(_csv_row(p) for p in lines), dist_dir.name, prefix_depth(site_dir))


def _csv_row(path: str) -> str:
    return '"' + path.replace('"', '""') + '",,'


def _files_from_record(record: Record, site_dir: Path, label: str, problems: list[Problem]) -> list[InstalledFile]:
    paths = {row.normalized for row in record.rows if row.normalized is not None}
    files: list[InstalledFile] = []
    for row in record.rows:
        kind, module = classify(row.normalized, row.path, paths)
        location = None if row.normalized is None else site_dir / row.normalized
        f = InstalledFile(row.path, location, kind, row.hash, row.size, module)
        if kind is FileKind.EXTENSION:
            _confirm_extension(f, site_dir, label, problems)
        files.append(f)
    return files


def _confirm_extension(f: InstalledFile, site_dir: Path, label: str, problems: list[Problem]) -> None:
    """Read the binary: an extension module exports PyInit_<name>; otherwise it is a shared library."""
    if f.location is None or f.module is None:
        return
    if not os.path.isfile(f.location):
        problems.append(Problem("file-missing", f"{label}: {f.path} is in RECORD but not on disk"))
        return
    if not is_within(f.location, site_dir):
        problems.append(Problem("record-path-escapes", f"{label}: {f.path} links outside the site dir, not read"))
        f.location = None
        return
    info = read_binary(f.location)
    last = f.module.rsplit(".", 1)[-1]
    basename = f.path.rsplit("/", 1)[-1]
    init = f.module.rsplit(".", 1)[-1] if not basename.startswith("__init__.") else "__init__"
    if info.format == "unknown":
        problems.append(Problem("extension-not-binary", f"{label}: {f.path} is named like an extension, not a binary"))
        f.kind, f.module = FileKind.OTHER, None
    elif info.format == "wasm" and info.readable and not info.side_module:
        f.kind, f.module = FileKind.OTHER, None  # a wasm module without dylink.0 cannot be loaded as a side module
    elif info.readable and init not in info.init_names and last not in info.init_names:
        f.kind, f.module = FileKind.SHARED_LIBRARY, None
    elif not info.readable:
        tagged = (extension_name(basename) or ("", False))[1]
        if not tagged and basename.startswith("lib"):
            f.kind, f.module = FileKind.SHARED_LIBRARY, None


def _files_on_disk(site_dir: Path, roots: list[str]) -> list[InstalledFile]:
    """Files under ``site_dir`` that belong to the given top-level names (no RECORD to say so)."""
    rel_paths: list[str] = []
    try:
        entries = os.listdir(site_dir)
    except OSError:
        return []
    wanted = set(roots)
    for entry in sorted(entries):
        stem = entry.split(".", 1)[0]
        if stem not in wanted:
            continue
        full = site_dir / entry
        if os.path.isdir(full) and not os.path.islink(full):
            for dirpath, dirnames, filenames in os.walk(full):
                dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
                for fn in filenames:
                    rel_paths.append(os.path.relpath(os.path.join(dirpath, fn), site_dir).replace(os.sep, "/"))
                if len(rel_paths) > _WALK_LIMIT:
                    break
        elif os.path.isfile(full) and (entry.endswith((".py", ".pyc")) or extension_name(entry)):
            rel_paths.append(entry)
    paths = set(rel_paths)
    files = []
    for rel in rel_paths[:_WALK_LIMIT]:
        kind, module = classify(rel, rel, paths)
        files.append(InstalledFile(rel, site_dir / rel, kind, None, None, module))
    return files
