"""Where a distribution came from, judged only from files in its dist-info.

Evidence, strongest first:
- ``direct_url.json`` (PEP 610): URL, VCS or local directory installs.
- ``provenance_url.json`` (PEP 710, draft) and our own ``INDEX`` file: the index file a name install used.
- micropip's ``PYODIDE_SOURCE`` / ``PYODIDE_URL`` / ``PYODIDE_SHA256``; ``pyodide.loadPackage`` installs.
- ``INSTALLER`` alone: pip and uv write direct_url.json for every install that is not by name, so
  without it a pip/uv install came from an index (which one is not recorded).
Every URL is redacted before it is stored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from indexer.installed.model import InstallerFiles, Problem, Source
from indexer.installed.safe_io import JSON_LIMIT, SMALL_FILE_LIMIT, read_reported
from indexer.urls import redact

_INDEX_INSTALLERS = {"pip", "uv", "poetry", "pdm", "pipenv", "installer"}


def read_small_text(dist_dir: Path, name: str, label: str, problems: list[Problem]) -> str | None:
    """First line-stripped text of a one-value dist-info file, or None (problems reported)."""
    data = read_reported(dist_dir / name, SMALL_FILE_LIMIT, label, problems)
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(f"{name.lower()}-not-text", f"{label}: {name} is not UTF-8 text"))
        return None
    text = text.strip()
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        problems.append(Problem(f"{name.lower()}-not-text", f"{label}: {name} contains control characters"))
        return None
    return text


def _read_json(dist_dir: Path, name: str, label: str, problems: list[Problem]) -> dict[str, Any] | None:
    data = read_reported(dist_dir / name, JSON_LIMIT, label, problems)
    return None if data is None else parse_url_json(data, name, label, problems)


def parse_url_json(data: bytes, name: str, label: str, problems: list[Problem]) -> dict[str, Any] | None:
    """A PEP 610 / PEP 710 JSON object with a string ``url``, or None with one ``json-invalid`` problem."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(Problem("json-invalid", f"{label}: {name} is not valid JSON: {str(exc)[:200]}"))
        return None
    except RecursionError:  # the size cap bounds the bytes; nesting depth is bounded by the parser's stack
        problems.append(Problem("json-invalid", f"{label}: {name} is nested too deeply"))
        return None
    if not isinstance(value, dict) or not isinstance(value.get("url"), str):
        problems.append(Problem("json-invalid", f"{label}: {name} has no string 'url'"))
        return None
    return value


def archive_sha256(info: Any) -> str | None:
    """sha256 hex from a PEP 610/710 ``archive_info`` (``hashes`` dict, or the legacy ``hash`` string)."""
    if not isinstance(info, dict):
        return None
    hashes = info.get("hashes")
    if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
        return hashes["sha256"].lower()
    legacy = info.get("hash")
    if isinstance(legacy, str) and legacy.startswith("sha256="):
        return legacy[7:].lower()
    return None


def read_installer_files(dist_dir: Path, label: str, problems: list[Problem]) -> InstallerFiles:
    """Read, once and bounded, the files installers leave beside METADATA (problems appended)."""
    return InstallerFiles(
        direct_url=_read_json(dist_dir, "direct_url.json", label, problems),
        provenance_url=_read_json(dist_dir, "provenance_url.json", label, problems),
        index=_first_line(read_small_text(dist_dir, "INDEX", label, problems)),
        pyodide_source=read_small_text(dist_dir, "PYODIDE_SOURCE", label, problems) or None,
        pyodide_url=read_small_text(dist_dir, "PYODIDE_URL", label, problems) or None,
        pyodide_sha256=(read_small_text(dist_dir, "PYODIDE_SHA256", label, problems) or "").lower() or None,
        uv_build=os.path.isfile(dist_dir / "uv_build.json"),
    )


def _first_line(text: str | None) -> str | None:
    return redact(text.splitlines()[0].strip()) if text else None


def attribute(
    dist_dir: Path, installer: str | None, files: InstallerFiles, label: str, problems: list[Problem]
) -> Source:
    """The Source of the dist whose dist-info is ``dist_dir``, from what :func:`read_installer_files` read."""
    source = Source()
    if installer is not None:
        source.evidence.append("INSTALLER")
    if os.path.isfile(dist_dir / "uv_cache.json"):
        source.evidence.append("uv_cache.json")
    if files.uv_build:
        source.evidence.append("uv_build.json")
    if files.index:
        source.index = files.index
        source.evidence.append("INDEX")

    if files.direct_url is not None:
        _from_direct_url(source, files.direct_url, label, problems)
        if files.provenance_url is not None:
            # PEP 710: provenance_url.json is never written next to direct_url.json.
            problems.append(
                Problem("provenance-conflict", f"{label}: both direct_url.json and provenance_url.json present")
            )
    elif files.provenance_url is not None:
        source.evidence.append("provenance_url.json")
        source.kind = "index"
        source.url = redact(files.provenance_url["url"])
        source.sha256 = archive_sha256(files.provenance_url.get("archive_info"))
    elif files.pyodide_source is not None:
        _from_pyodide(source, files, installer)
    elif installer == "pyodide.loadPackage":
        source.kind = "distribution"
    else:
        by_name = installer is not None and installer.lower() in _INDEX_INSTALLERS
        built_here = files.uv_build  # built from source locally: no index file to match
        if (by_name and not built_here) or files.index:
            source.kind = "index"
    return source


def _from_direct_url(source: Source, direct: dict[str, Any], label: str, problems: list[Problem]) -> None:
    """PEP 610: a URL, VCS or local directory install (``dir_info.editable``: an editable one)."""
    source.evidence.append("direct_url.json")
    source.url = redact(direct["url"])
    if isinstance(direct.get("subdirectory"), str):
        source.subdirectory = direct["subdirectory"]
    vcs_info, dir_info, archive_info = (direct.get(k) for k in ("vcs_info", "dir_info", "archive_info"))
    if isinstance(vcs_info, dict):
        source.kind = "vcs"
        source.vcs = vcs_info.get("vcs") if isinstance(vcs_info.get("vcs"), str) else None
        commit = vcs_info.get("commit_id")
        source.commit_id = commit if isinstance(commit, str) else None
    elif isinstance(dir_info, dict):
        source.editable = dir_info.get("editable") is True
        source.kind = "editable" if source.editable else "directory"
    elif isinstance(archive_info, dict) or archive_info is None:
        source.kind = "url"
        source.sha256 = archive_sha256(archive_info)
    if sum(isinstance(x, dict) for x in (vcs_info, dir_info, archive_info)) != 1:
        # PEP 610: exactly one of vcs_info, dir_info, archive_info.
        problems.append(
            Problem("direct-url-invalid", f"{label}: direct_url.json needs exactly one of vcs/dir/archive_info")
        )


def _from_pyodide(source: Source, files: InstallerFiles, installer: str | None) -> None:
    """micropip's ``PYODIDE_SOURCE`` (+ ``PYODIDE_URL`` / ``PYODIDE_SHA256``) or a ``pyodide.loadPackage`` install."""
    pyodide_source = files.pyodide_source or ""
    source.evidence.append("PYODIDE_SOURCE")
    if files.pyodide_url:
        source.evidence.append("PYODIDE_URL")
        source.url = redact(files.pyodide_url)
    if files.pyodide_sha256:
        source.evidence.append("PYODIDE_SHA256")
        source.sha256 = files.pyodide_sha256
    if pyodide_source == "pyodide":
        source.kind = "distribution"  # pyodide.loadPackage from the distribution's own lockfile
    elif pyodide_source == "pypi":
        # micropip writes "pypi" whenever the index gave a hash, whichever index that was.
        source.kind = "index"
    else:
        source.kind = "distribution" if installer == "pyodide.loadPackage" else "url"
        source.url = source.url or redact(pyodide_source)
