"""Names on disk: ``{name}-{version}.dist-info`` / ``.egg-info`` directory names, and showing untrusted names safely.

The one dist-info name parser (binary distribution format, "The .dist-info directory"; egg-info adds
``-pyX.Y`` and may omit the version). Every caller that splits a dist-info name uses this one.
"""

from __future__ import annotations

import os

DIST_INFO = ".dist-info"
EGG_INFO = ".egg-info"


def parse_dist_info_name(dir_name: str) -> tuple[str, str] | None:
    """``(name, version)`` from ``name-version.dist-info`` or ``name[-version[-pyX.Y]].egg-info``; None otherwise.

    Names and versions are returned as written (not normalised); the version is ``""`` when absent.
    """
    if dir_name.endswith(DIST_INFO):
        stem = dir_name[: -len(DIST_INFO)]
        name, sep, version = stem.partition("-")
        return (name, version) if name and sep and version else None
    if dir_name.endswith(EGG_INFO):
        stem = dir_name[: -len(EGG_INFO)]
        name, _, rest = stem.partition("-")
        return (name, rest.split("-", 1)[0]) if name else None
    return None


def parse_wheel_name(filename: str) -> tuple[str, str, frozenset[str]] | None:
    """``(canonical name, version, tags)`` of a wheel file name (binary distribution format), or None."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename
    from packaging.version import InvalidVersion

    if len(filename) > 1024:
        return None
    try:
        name, version, _build, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion, ValueError):
        return None
    return str(name), str(version), frozenset(str(t) for t in tags)


def is_dist_dir_name(dir_name: str) -> bool:
    """True for a name ending in ``.dist-info`` or ``.egg-info`` (whether or not it parses)."""
    return dir_name.endswith((DIST_INFO, EGG_INFO))


def shown(name: str | bytes) -> str:
    """``name`` printable on any terminal and in UTF-8 JSON: undecodable bytes and control characters escaped.

    File names are bytes on POSIX; Python carries undecodable ones as lone surrogates (PEP 383), which
    cannot be printed or written as UTF-8. Messages name entries through this.
    """
    raw = name if isinstance(name, bytes) else os.fsencode(name) if _has_surrogates(name) else None
    text = raw.decode("utf-8", "backslashreplace") if raw is not None else str(name)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in text)
