"""URL helpers every step shares: credentials never leave the process in any output."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

_ENV_PLACEHOLDER = re.compile(r"^\$\{[A-Za-z0-9_-]+\}$")


def redact(url: str) -> str:
    """Return ``url`` with any user:password removed.

    Follows the rule PEP 610 gives for ``direct_url.json``: strip credentials, but keep an
    environment-variable placeholder (``${TOKEN}``) and the conventional ``git`` user of
    ``git@host`` VCS URLs, which are not secrets.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    if password and _ENV_PLACEHOLDER.match(password) and (not user or _ENV_PLACEHOLDER.match(user)):
        return url
    if not password and (_ENV_PLACEHOLDER.match(user) or user == "git"):
        return url
    return urlunsplit(SplitResult(parts.scheme, hostport, parts.path, parts.query, parts.fragment))


#: Query parameters that carry secrets in index and signed-file URLs: never a cache key's or file's content.
_SECRET_PARAMS = re.compile(r"(?i)(token|auth|key|secret|password|passwd|signature|sig|credential|session)")


def redact_secrets(url: str) -> str:
    """``url`` without user:password and with secret-looking query values blanked (for keys and stored URLs)."""
    url = redact(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    cleaned = [(k, "" if _SECRET_PARAMS.search(k) else v) for k, v in pairs]
    return urlunsplit(parts._replace(query=urlencode(cleaned))) if cleaned != pairs else url


def url_secrets(url: str) -> list[str]:
    """The credential strings ``url`` carries (password, token-like user names, secret query values)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found: list[str] = []
    if redact(url) != url:
        userinfo = parts.netloc.rpartition("@")[0]
        found += [userinfo, *userinfo.split(":", 1)]
    found += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if _SECRET_PARAMS.search(k)]
    forms = {s for v in found if len(v) >= 4 for s in (v, unquote(v), quote(unquote(v), safe=""))}
    return sorted(forms, key=len, reverse=True)  # longest first: a password inside user:password stays whole


def has_credentials(url: str) -> bool:
    return redact(url) != url


def normalize_index_url(url: str) -> str:
    """A simple-API base URL with exactly one trailing slash (PEP 503 project pages hang off it)."""
    return url.rstrip("/") + "/"


def project_url(index_url: str, project: str) -> str:
    """The project page for ``project`` on ``index_url`` (PEP 503 normalized name).

    Supports micropip's ``{package_name}`` placeholder form of index URL.
    """
    from packaging.utils import canonicalize_name

    name = canonicalize_name(project)
    if "{package_name}" in index_url:
        return index_url.replace("{package_name}", name)
    return f"{normalize_index_url(index_url)}{name}/"


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s\"']+@")


def scrub(text: str) -> str:
    """Remove any ``user:password@`` left in a URL anywhere in ``text``: the last guard before output.

    Every URL is already passed through :func:`redact` where it is built; this also catches one
    quoted inside a library's error message.
    """
    if "@" not in text:  # nothing to remove (the common case: a lock of 100 KB costs no regex scan)
        return text
    return _USERINFO.sub(r"\1", text)
