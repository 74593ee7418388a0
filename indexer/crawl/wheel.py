"""Import names of one wheel, from its METADATA (PEP 794) or its member list, with inspect's rules.

The member list of a wheel is the list of paths its RECORD names (PEP 427 requires every member in RECORD), so
the same classification and namespace descent as ``inspect`` applies (:mod:`indexer.installed.imports`). What
differs from an installed RECORD: ``<name>.data/purelib|platlib/`` members install at the top (PEP 427) and
are importable there; extension modules are judged by their suffix (no binary to read); a pkgutil-style
namespace ``__init__.py`` is read only when it is a candidate (small, beside no module of its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from indexer.installed.editable import pth_path_lines
from indexer.installed.imports import declared_imports, files_from_paths, infer_imports_with, relative_path_entries
from indexer.installed.metadata import parse_metadata
from indexer.installed.model import FileKind, InstalledFile

#: A pkgutil / pkg_resources namespace ``__init__.py`` is one line plus perhaps a licence header.
NAMESPACE_INIT_MAX = 2048
PTH_MAX = 64 * 1024  # a .pth read for path lines (pywin32's is 185 bytes; editable ones are small too)
MAX_MEMBERS = 100_000  # a wheel listing more is refused (bounded work per wheel)


#: How a shard's names were obtained (its ``names_from``; None when they could not be read).
FROM_METADATA = "metadata"  # PEP 794 fields of the wheel's METADATA (an index's .metadata file, or in the wheel)
FROM_DIRECTORY = "zip-directory"  # the member list, from the zip central directory read by Range
FROM_WHEEL = "wheel"  # the member list, from the whole wheel


@dataclass
class Shard:
    """What the crawl records for one wheel (``OUT_DIR/shards/<sha256>.json``).

    ``sha256_verified`` says whether the bytes the names came from are known to be the ones a sha256 names: a
    ``.metadata`` file checked against the index's ``core-metadata`` hash, a whole wheel against the shard's
    sha256 (a local wheel's is computed from the file itself). A central directory read by Range cannot be
    checked (only the whole file has a published hash), so ``zip-directory`` names are never verified.
    """

    filename: str
    project: str
    version: str
    sha256: str
    imports: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    retry: bool = False  # the failure may be transient: a re-run redoes this wheel
    names_from: str | None = None  # FROM_METADATA, FROM_DIRECTORY or FROM_WHEEL
    sha256_verified: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "filename": self.filename,
            "project": self.project,
            "version": self.version,
            "sha256": self.sha256,
            "imports": sorted(set(self.imports)),
            "namespaces": sorted(set(self.namespaces)),
            "names_from": self.names_from,
            "sha256_verified": self.sha256_verified,
        }
        if self.problems:
            data["problems"] = list(self.problems)
        if self.retry:
            data["retry"] = True
        return data


def install_path(member: str) -> str | None:
    """Where a wheel member lands in site-packages, or None when it is not under site-packages (PEP 427)."""
    top, _, rest = member.partition("/")
    if not top.endswith(".data"):
        return member
    scheme, _, inner = rest.partition("/")
    return inner if scheme in ("purelib", "platlib") and inner else None


def member_files(members: Iterable[tuple[str, int | None]]) -> tuple[list[InstalledFile], dict[str, str]]:
    """Classified files of a wheel, and install path -> member name (to read a member back)."""
    placed: dict[str, str] = {}
    sizes: list[tuple[str, int | None]] = []
    for name, size in members:
        if name.endswith("/"):
            continue  # a directory entry
        path = install_path(name)
        if path is not None and path not in placed:
            placed[path] = name
            sizes.append((path, size))
    return files_from_paths(sizes), placed


def namespace_candidates(files: list[InstalledFile]) -> list[InstalledFile]:
    """``__init__.py`` files that may declare a pkgutil namespace: small, and no module file beside them."""
    dirs_with_modules = {
        f.path.rpartition("/")[0]
        for f in files
        if f.kind is FileKind.SOURCE and not f.path.rpartition("/")[2].startswith("__init__.")
    }
    return [
        f
        for f in files
        if f.kind is FileKind.SOURCE
        and f.module is not None
        and f.path.endswith("/__init__.py")
        and f.size is not None
        and 0 < f.size <= NAMESPACE_INIT_MAX
        and f.path.rpartition("/")[0] not in dirs_with_modules
    ]


def pth_candidates(files: list[InstalledFile]) -> list[InstalledFile]:
    """Top-level ``.pth`` files small enough to read: their path lines move modules to the top (pywin32's ``win32``)."""
    return [
        f
        for f in files
        if "/" not in f.path and f.path.endswith(".pth") and f.size is not None and 0 < f.size <= PTH_MAX
    ]


def infer(
    files: list[InstalledFile], namespace_inits: set[str], pth_bodies: Iterable[bytes] = ()
) -> tuple[list[str], list[str]]:
    """(import names, namespaces) given which ``__init__.py`` paths declare a namespace and the ``.pth`` bodies
    (read, never run: inspect's rules, so an installed wheel and its crawled shard agree)."""
    entries = [entry for body in pth_bodies for entry in relative_path_entries(pth_path_lines(body))]
    return infer_imports_with(files, lambda f: f.path in namespace_inits, entries)


@dataclass
class Declared:
    """PEP 794 names a METADATA declares, and the project it names (PEP 658: must be the one listed)."""

    imports: list[str]
    namespaces: list[str]
    problems: list[str]
    name: str | None

    def shard(self, base: tuple[str, str, str, str], *, verified: bool) -> Shard:
        """The shard these names make for the wheel ``base`` names (filename, project, version, sha256)."""
        return Shard(
            *base,
            imports=self.imports,
            namespaces=self.namespaces,
            problems=self.problems,
            names_from=FROM_METADATA,
            sha256_verified=verified,
        )


def declared(metadata: bytes, label: str) -> Declared | None:
    """PEP 794 fields of METADATA (public import names, namespaces), None when it has none."""
    parsed = parse_metadata(metadata, label)
    result = declared_imports(parsed.raw, label)
    if result is None:
        return None
    public, _private, namespaces, problems = result
    name = parsed.raw.get("name")
    return Declared(public, namespaces, [p.message for p in problems], name if isinstance(name, str) else None)
