"""What pip would use on this machine: its index URLs and its TLS trust, so freeze needs no flag and names no host.

pip reads, later files overriding earlier ones: the site-wide files, the user files, the
virtualenv's ``pip.conf``, then ``PIP_CONFIG_FILE``; environment variables override files. Within a
file ``[install]`` overrides ``[global]``. (pip's "Configuration" documentation.)

Where the configuration names no index, pip uses its own built-in default; we read that default from
the pip installed in this interpreter at run time (:func:`pip_default_index`), so no index host is
ever spelled in this tree.
"""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

_TRUE = ("1", "true", "yes", "on")


def config_files(environ: Mapping[str, str], platform: str = sys.platform) -> list[Path]:
    """pip's configuration files in the order it reads them (later ones win): site-wide, user, the
    virtualenv's, then ``PIP_CONFIG_FILE`` -- with the folders pip uses on Linux, macOS and Windows."""
    home = Path(environ.get("HOME") or environ.get("USERPROFILE") or os.path.expanduser("~"))
    name = "pip.ini" if platform == "win32" else "pip.conf"
    files: list[Path] = []
    if platform == "win32":
        files.append(Path(environ.get("PROGRAMDATA", "C:\\ProgramData")) / "pip" / name)
        files.append(home / "pip" / name)  # legacy per-user file
        files.append(Path(environ.get("APPDATA", str(home / "AppData" / "Roaming"))) / "pip" / name)
    elif platform == "darwin":
        files.append(Path("/Library/Application Support/pip") / name)
        files.append(home / ".pip" / name)
        files.append(home / ".config" / "pip" / name)
        files.append(home / "Library" / "Application Support" / "pip" / name)
    else:
        xdg_dirs = environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
        files += [Path(d) / "pip" / name for d in xdg_dirs if d]
        files.append(Path("/etc") / name)
        files.append(home / ".pip" / name)
        files.append(Path(environ.get("XDG_CONFIG_HOME", str(home / ".config"))) / "pip" / name)
    venv = environ.get("VIRTUAL_ENV") or (sys.prefix if sys.prefix != sys.base_prefix else None)
    if venv:
        files.append(Path(venv) / name)
    if environ.get("PIP_CONFIG_FILE") and environ["PIP_CONFIG_FILE"] != os.devnull:
        files.append(Path(environ["PIP_CONFIG_FILE"]))
    return files


@dataclass(frozen=True)
class PipSetting:
    value: str
    where: str  # "PIP_CERT", "/etc/pip.conf [global]", ...


def pip_settings(names: tuple[str, ...], environ: Mapping[str, str] | None = None) -> dict[str, PipSetting]:
    """The last value pip would see for each option in ``names`` (files in pip's order, then ``PIP_*``)."""
    env = os.environ if environ is None else environ
    files = [] if env.get("PIP_CONFIG_FILE") == os.devnull else config_files(env)
    found: dict[str, PipSetting] = {}
    for path in files:
        parser = configparser.RawConfigParser()
        try:
            if not parser.read(path, encoding="utf-8"):
                continue
        except (configparser.Error, UnicodeDecodeError, OSError):
            continue
        for section in ("global", "install"):
            for name in names:
                if parser.has_option(section, name):
                    found[name] = PipSetting(parser.get(section, name).strip(), f"{path} [{section}]")
    for name in names:
        var = "PIP_" + name.upper().replace("-", "_")
        if env.get(var):
            found[name] = PipSetting(env[var].strip(), var)
    return found


def pip_index_urls(environ: Mapping[str, str] | None = None) -> list[str]:
    """``index-url`` then every ``extra-index-url``, as pip would use them; [] when nothing is configured."""
    return _configured(environ)[0]


def _configured(environ: Mapping[str, str] | None) -> tuple[list[str], str, bool]:
    """(configured URLs, where they came from, whether pip's default index applies)."""
    found = pip_settings(("index-url", "extra-index-url", "no-index"), environ)
    if "no-index" in found and found["no-index"].value.lower() in _TRUE:
        return [], f"pip's no-index ({found['no-index'].where})", False
    index = found["index-url"].value if "index-url" in found and found["index-url"].value else None
    extra = found["extra-index-url"].value.split() if "extra-index-url" in found else []
    urls = ([index] if index else []) + [u for u in extra if u != index]
    where = ", ".join(f"{found[n].where}" for n in ("index-url", "extra-index-url") if n in found)
    return urls, f"pip's configuration ({where})" if where else "", index is None


def pip_default_index() -> tuple[str | None, str]:
    """pip's built-in default index URL, read from the pip installed in this interpreter, and where from.

    pip keeps it in one constant (``pip._internal.models.index.PyPI``, since pip 10). Importing that module
    of the host's own pip runs only pip's code, never the analysed environment's, costs ~30 ms and needs no
    network; a subprocess (``python -m pip``) could not print the default without a network request.
    """
    try:
        from pip import __version__ as version
        from pip._internal.models.index import PyPI
    except Exception:  # no pip, or a pip whose internals moved: say so, never guess a host
        return None, f"pip is not installed in {sys.executable}, so its default index is unknown"
    url = getattr(PyPI, "simple_url", None)
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None, f"pip {version} in {sys.executable} does not name a default index"
    return url, f"pip {version}'s default index"


def default_index_urls(environ: Mapping[str, str] | None = None) -> tuple[list[str], str]:
    """The index URLs pip would use here and where they came from (for the CLI's one-line notice).

    pip's configuration first; where it names no ``index-url``, pip's own default goes first, as pip does
    (extra index URLs are added to it, not instead of it). ``([], why)`` when there is none.
    """
    urls, where, use_default = _configured(environ)
    if not use_default:
        return urls, where
    default, default_where = pip_default_index()
    if default is None:
        return urls, where or default_where
    return [default] + [u for u in urls if u != default], ", ".join(w for w in (default_where, where) if w)


def pip_proxy(environ: Mapping[str, str] | None = None) -> str | None:
    """pip's ``proxy`` setting (config files or ``PIP_PROXY``); None lets ``HTTP(S)_PROXY``/``NO_PROXY`` decide,
    as pip does (its ``--proxy`` replaces the environment's proxies)."""
    found = pip_settings(("proxy",), environ).get("proxy")
    return found.value if found is not None and found.value else None


@dataclass(frozen=True)
class Trust:
    """The certificates TLS connections are verified against, and where that choice came from."""

    context: ssl.SSLContext
    source: str  # "pip's cert (PIP_CERT)", "SSL_CERT_FILE=/path", "the system trust store", ...


def trust(environ: Mapping[str, str] | None = None) -> Trust:
    """The trust pip (and requests, which pip is built on) would use, as one ``ssl.SSLContext``.

    In pip's order: its ``cert`` setting (config files or ``PIP_CERT``), ``REQUESTS_CA_BUNDLE`` /
    ``CURL_CA_BUNDLE``, then ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` (OpenSSL's own variables), then the
    system store: through ``truststore`` when installed (what pip uses: the OS verifier on macOS and
    Windows), else OpenSSL's default paths, else certifi's bundle when the platform has no store at all.
    An unreadable bundle raises ``ValueError`` naming it.
    """
    import ssl

    env = os.environ if environ is None else environ
    cert = pip_settings(("cert",), env).get("cert")
    if cert is not None and cert.value:
        return Trust(_bundle_context(cert.value), f"pip's cert {cert.value} ({cert.where})")
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if env.get(var):
            return Trust(_bundle_context(env[var]), f"{var}={env[var]}")
    for var in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        if env.get(var):
            path = env[var]
            if var == "SSL_CERT_FILE":
                return Trust(_bundle_context(path), f"{var}={path}")
            context = ssl.create_default_context(capath=path)
            return Trust(context, f"{var}={path}")
    try:
        import truststore
    except ImportError:
        pass
    else:
        return Trust(truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "the system trust store (truststore)")
    context = ssl.create_default_context()
    paths = ssl.get_default_verify_paths()
    if context.cert_store_stats()["x509_ca"] or (paths.capath and os.path.isdir(paths.capath)):
        return Trust(context, "the system trust store")
    try:
        import certifi
    except ImportError:
        return Trust(context, "the system trust store (empty here)")
    return Trust(_bundle_context(certifi.where()), f"certifi's bundle {certifi.where()} (no system store)")


def _bundle_context(path: str) -> ssl.SSLContext:
    import ssl

    try:
        if os.path.isdir(path):
            return ssl.create_default_context(capath=path)
        return ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"cannot read the CA bundle {path}: {getattr(exc, 'strerror', None) or exc}") from exc
