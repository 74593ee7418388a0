"""Index URLs from pip's own configuration, so the CLI never needs a hard-coded default host.

pip reads, later files overriding earlier ones: the site-wide files, the user files, the
virtualenv's ``pip.conf``, then ``PIP_CONFIG_FILE``; environment variables override files. Within a
file ``[install]`` overrides ``[global]``. (pip's "Configuration" documentation.)
"""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Mapping
from pathlib import Path


def config_files(environ: Mapping[str, str]) -> list[Path]:
    files: list[Path] = []
    xdg_dirs = environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
    files += [Path(d) / "pip" / "pip.conf" for d in xdg_dirs if d]
    files.append(Path("/etc/pip.conf"))
    home = Path(environ.get("HOME", os.path.expanduser("~")))
    files.append(home / ".pip" / "pip.conf")
    files.append(Path(environ.get("XDG_CONFIG_HOME", str(home / ".config"))) / "pip" / "pip.conf")
    venv = environ.get("VIRTUAL_ENV") or (sys.prefix if sys.prefix != sys.base_prefix else None)
    if venv:
        files.append(Path(venv) / "pip.conf")
    if environ.get("PIP_CONFIG_FILE") and environ["PIP_CONFIG_FILE"] != os.devnull:
        files.append(Path(environ["PIP_CONFIG_FILE"]))
    return files


def pip_index_urls(environ: Mapping[str, str] | None = None) -> list[str]:
    """``index-url`` then every ``extra-index-url``, as pip would use them; [] when nothing is configured."""
    env = os.environ if environ is None else environ
    if env.get("PIP_CONFIG_FILE") == os.devnull:
        files: list[Path] = []
    else:
        files = config_files(env)
    index: str | None = None
    extra: list[str] = []
    for path in files:
        parser = configparser.RawConfigParser()
        try:
            if not parser.read(path, encoding="utf-8"):
                continue
        except (configparser.Error, UnicodeDecodeError):
            continue
        for section in ("global", "install"):
            if parser.has_option(section, "index-url"):
                index = parser.get(section, "index-url").strip() or index
            if parser.has_option(section, "extra-index-url"):
                extra = parser.get(section, "extra-index-url").split()
    if env.get("PIP_INDEX_URL"):
        index = env["PIP_INDEX_URL"].strip()
    if env.get("PIP_EXTRA_INDEX_URL"):
        extra = env["PIP_EXTRA_INDEX_URL"].split()
    if env.get("PIP_NO_INDEX", "").lower() in ("1", "true", "yes", "on"):
        return []
    urls = ([index] if index else []) + [u for u in extra if u != index]
    return urls
