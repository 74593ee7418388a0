"""What inspect reports: one record per installed distribution, plus the environment around them.

Freeze and symbols consume these classes; fields are only ever added, never renamed.
Everything here is plain data: building it is the job of the other modules in this package.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from indexer.jsonable import fields_json

if TYPE_CHECKING:
    from packaging.metadata import Metadata

SourceKind = Literal["index", "url", "vcs", "directory", "editable", "distribution", "unknown"]
ImportEvidence = Literal["import-name", "record", "editable", "files-on-disk", "top-level-txt", "none"]
#: The marker environment a step works for: the running host interpreter or Pyodide (installed/target.py).
TargetName = Literal["host", "pyodide"]


class FileKind(enum.StrEnum):
    """Class of one installed file (what it is for, not just its suffix)."""

    SOURCE = "source"
    BYTECODE = "bytecode"
    STUB = "stub"
    EXTENSION = "extension"  # an importable extension module (exports PyInit_<name>)
    SHARED_LIBRARY = "shared_library"  # native code that is not a module (e.g. *.libs/*.so)
    RESOURCE = "resource"  # package data inside an importable package
    METADATA = "metadata"  # files of the .dist-info / .egg-info itself
    SCRIPT = "script"  # console scripts, *.data/scripts
    DATA = "data"  # *.data/{data,headers,purelib,platlib} left in place, .pth files
    OTHER = "other"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a distribution or the environment; ``code`` is stable, ``message`` for people."""

    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return fields_json(self)


@dataclass
class Source:
    """Where a distribution came from, and which files said so. URLs are always redacted."""

    kind: SourceKind = "unknown"
    url: str | None = None  # the wheel/archive/VCS/directory URL, if recorded
    index: str | None = None  # simple-API base URL of the index, if recorded
    sha256: str | None = None  # hex sha256 of the installed archive, if recorded
    evidence: list[str] = field(default_factory=list)  # e.g. ["INSTALLER", "direct_url.json"]
    vcs: str | None = None  # "git", ... for kind == "vcs"
    commit_id: str | None = None
    editable: bool = False
    subdirectory: str | None = None

    def to_json(self) -> dict[str, Any]:
        return fields_json(self)


@dataclass
class InstalledFile:
    """One RECORD row (or, without RECORD, one file found on disk)."""

    path: str  # exactly as written in RECORD (POSIX separators)
    location: Path | None  # resolved path inside the site dir; None if it escapes or is unsafe
    kind: FileKind
    hash: str | None = None  # "sha256=<urlsafe b64>" as in RECORD
    size: int | None = None
    module: str | None = None  # dotted module name if the file is importable (source/bytecode/extension)

    def to_json(self) -> dict[str, Any]:
        return fields_json(self)


@dataclass
class InstallerFiles:
    """The installer-written dist-info files as inspect read them (bounded, once); freeze reads these, not the disk.

    Each is None when absent, unreadable, too large or malformed (inspect reported why in the dist's problems).
    """

    direct_url: dict[str, Any] | None = None  # direct_url.json (PEP 610)
    provenance_url: dict[str, Any] | None = None  # provenance_url.json (PEP 710, draft)
    index: str | None = None  # our INDEX file: the simple-API base URL (redacted)
    pyodide_source: str | None = None  # micropip / pyodide.loadPackage
    pyodide_url: str | None = None
    pyodide_sha256: str | None = None
    uv_build: bool = False  # uv_build.json: built here from an sdist
    metadata_actual_sha256: str | None = None  # hex sha256 of METADATA / PKG-INFO as it is on disk now


@dataclass
class Requirement:
    """One Requires-Dist entry, evaluated in the target environment."""

    requirement: str  # the Requires-Dist string as written
    name: str  # canonical (PEP 503) name; "" if the string did not parse
    marker: str | None = None
    marker_result: bool | None = None  # None: the marker could not be evaluated (see ``error``)
    extra: str | None = None  # which requested extra brought it in (None: the base requirements)
    installed_version: str | None = None
    satisfied: bool | None = None  # None when not applicable (marker false) or not decidable
    specifier: str = ""
    extras: list[str] = field(default_factory=list)  # extras this requirement asks of ``name``
    error: str | None = None

    @property
    def applies(self) -> bool:
        return self.marker_result is True

    def to_json(self) -> dict[str, Any]:
        return fields_json(self)


@dataclass
class Distribution:
    """An installed distribution: identity, provenance, import names, files, dependencies, problems."""

    name: str
    canonical_name: str
    version: str
    path: Path  # the .dist-info / .egg-info directory (or file, for a flat egg-info)
    site_dir: Path
    format: Literal["dist-info", "egg-info"] = "dist-info"
    installer: str | None = None
    metadata_sha256: str | None = None  # hex sha256 of METADATA from RECORD; freeze matches by it
    wheel_tags: list[str] = field(default_factory=list)  # expanded from WHEEL "Tag:" lines
    source: Source = field(default_factory=Source)
    imports: list[str] = field(default_factory=list)  # public import names this dist provides (dotted)
    namespaces: list[str] = field(default_factory=list)  # namespace roots it shares with others
    import_evidence: ImportEvidence = "none"
    private_imports: list[str] = field(default_factory=list)  # PEP 794 "; private" names
    files: list[InstalledFile] = field(default_factory=list)
    requires: list[Requirement] = field(default_factory=list)
    requires_dist: list[str] = field(default_factory=list)  # Requires-Dist as written (invalid ones too)
    requested_extras: set[str] = field(default_factory=set)  # extras some other dist (or REQUESTED) asked for
    requested: bool = False  # REQUESTED file present (PEP 376): installed on purpose, not as a dependency
    pth_files: list[str] = field(default_factory=list)  # .pth files it installs (they change sys.path)
    problems: list[Problem] = field(default_factory=list)
    metadata: Metadata | None = None
    installer_files: InstallerFiles = field(default_factory=InstallerFiles)  # not serialised: see its doc

    def file_counts(self) -> dict[str, int]:
        counts = {kind.value: 0 for kind in FileKind}
        for f in self.files:
            counts[f.kind.value] += 1
        return counts

    def to_json(self, *, with_files: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "canonical_name": self.canonical_name,
            "version": self.version,
            "installer": self.installer,
            "format": self.format,
            "path": str(self.path),
            "site_dir": str(self.site_dir),
            "metadata_sha256": self.metadata_sha256,
            "wheel_tags": list(self.wheel_tags),
            "source": self.source.to_json(),
            "imports": list(self.imports),
            "namespaces": list(self.namespaces),
            "private_imports": list(self.private_imports),
            "import_evidence": self.import_evidence,
            "pth_files": list(self.pth_files),
            "requested": self.requested,
            "requested_extras": sorted(self.requested_extras),
            "files": self.file_counts(),
            "requires": [r.to_json() for r in self.requires],
            "problems": [p.to_json() for p in self.problems],
        }
        if with_files:
            data["file_list"] = [f.to_json() for f in self.files]
        return data


@dataclass
class Environment:
    """Everything inspect found in a set of site directories."""

    site_dirs: list[Path]
    distributions: list[Distribution] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # environment-wide: duplicates, unreadable dirs
    target: TargetName = "host"

    def get(self, name: str) -> Distribution | None:
        """The first distribution (sys.path order) with this name, compared canonically."""
        from packaging.utils import canonicalize_name

        wanted = canonicalize_name(name)
        return next((d for d in self.distributions if d.canonical_name == wanted), None)

    def _repr_html_(self) -> str:
        """A table in notebooks: every distribution with its installer, source and import names."""
        from indexer.emit.html import environment_html

        return environment_html(self)

    def to_json(self, *, with_files: bool = False) -> dict[str, Any]:
        return {
            "target": self.target,
            "site_dirs": [str(p) for p in self.site_dirs],
            "distributions": [d.to_json(with_files=with_files) for d in self.distributions],
            "problems": [p.to_json() for p in self.problems],
        }
