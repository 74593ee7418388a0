"""Read a project page of a simple repository: PEP 691 JSON, or PEP 503 HTML as the fallback.

The format is decided by the response's Content-Type, never by what was asked for: servers may
ignore the Accept header (PEP 691, "Content negotiation").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

#: PEP 691: prefer JSON, accept HTML; ``text/html`` is the legacy alias of v1+html.
ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
JSON_TYPES = frozenset({"application/vnd.pypi.simple.v1+json"})
HTML_TYPES = frozenset({"application/vnd.pypi.simple.v1+html", "text/html"})


class PageError(Exception):
    """A project page that cannot be read (unsupported API version, unknown content type, bad JSON)."""


@dataclass(frozen=True)
class IndexFile:
    """One file of a project as the index lists it."""

    filename: str
    url: str  # absolute (resolved against the page URL), fragment removed
    hashes: Mapping[str, str] = field(default_factory=dict)  # lower-case hex digests
    requires_python: str | None = None
    core_metadata: bool | Mapping[str, str] = False  # PEP 658/714: True, or {"sha256": hex}
    yanked: bool | str = False
    size: int | None = None
    upload_time: str | None = None
    problem: str | None = None  # why this entry cannot be believed (bad hash or URL); never locked then

    @property
    def metadata_sha256(self) -> str | None:
        if isinstance(self.core_metadata, Mapping):
            value = self.core_metadata.get("sha256")
            return value.lower() if isinstance(value, str) else None
        return None

    @property
    def has_metadata(self) -> bool:
        return bool(self.core_metadata)

    @property
    def sha256(self) -> str | None:
        return self.hashes.get("sha256")


@dataclass(frozen=True)
class ProjectPage:
    name: str
    url: str
    files: tuple[IndexFile, ...]
    api_version: str
    format: str  # "json" | "html"


#: Which file names to keep (by name alone, before any other work on the entry); None keeps every file.
Wanted = Callable[[str], bool] | None


def parse_project_page(content: bytes, content_type: str, page_url: str, *, wanted: Wanted = None) -> ProjectPage:
    """Parse a project page; relative file URLs resolve against ``page_url`` (the final URL).

    ``wanted`` filters entries by file name first: a page listing thousands of files costs little work
    for the few that can matter (one version of one project).
    """
    if content_type in JSON_TYPES:
        return _parse_json(content, page_url, wanted)
    if content_type in HTML_TYPES:
        return _parse_html(content, page_url, wanted)
    raise PageError(f"unexpected Content-Type {content_type or '(none)'!r} for a project page")


def _check_api_version(version: str) -> None:
    # PEP 691 / PEP 629: a client must fail on a major version it does not know.
    major = version.split(".", 1)[0]
    if not major.isdigit():
        raise PageError(f"unreadable api-version {version!r}")
    if int(major) != 1:
        raise PageError(f"unsupported simple API version {version} (this client speaks 1.x)")


_HEX = re.compile("[0-9a-f]+")


def _hash_map(value: Any) -> tuple[dict[str, str], str | None]:
    """Hex digests of the algorithms this client knows, each checked for syntax; unknown algorithms are
    ignored (PEP 503/691 let indexes add any). Returns the digests and what was malformed, if anything."""
    if not isinstance(value, Mapping):
        return {}, None
    out: dict[str, str] = {}
    for key, digest in value.items():
        algo = str(key).lower()
        if algo not in hashlib.algorithms_guaranteed or algo.startswith("shake_"):
            continue
        text = digest.lower() if isinstance(digest, str) else ""
        if len(text) != 2 * hashlib.new(algo).digest_size or not _HEX.fullmatch(text):
            return {}, f"malformed {algo} {str(digest)[:80]!r}"
        out[algo] = text
    return out, None


def _check_url(url: str) -> str | None:
    """Files are fetched and locked by URL: only http(s) is believed (never javascript:, data:, file:)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return None
    return f"URL scheme {scheme + ':' if scheme else '(none)'} is not http(s)"


def _size(value: Any) -> int | None:
    """PEP 700 ``size``: a non-negative integer, else not believed."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _parse_json(content: bytes, page_url: str, wanted: Wanted) -> ProjectPage:
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise PageError(f"invalid JSON project page: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise PageError("JSON project page without a 'files' list")
    meta = data.get("meta")
    version = str(meta.get("api-version", "1.0")) if isinstance(meta, dict) else "1.0"
    _check_api_version(version)
    files: list[IndexFile] = []
    for entry in data["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            continue
        filename = entry.get("filename")
        if wanted is not None and isinstance(filename, str) and not wanted(filename):
            continue
        url, _ = urldefrag(urljoin(page_url, entry["url"]))
        if not isinstance(filename, str):
            filename = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        # PEP 714: "core-metadata" is the key; "dist-info-metadata" is the older alias.
        core = entry.get("core-metadata", entry.get("dist-info-metadata", False))
        hashes, bad_hash = _hash_map(entry.get("hashes"))
        core_metadata: bool | Mapping[str, str] = bool(core)
        if isinstance(core, dict):
            core_metadata, bad_core = _hash_map(core)
            bad_hash = bad_hash or (f"core-metadata: {bad_core}" if bad_core else None)
        yanked = entry.get("yanked", False)
        size = entry.get("size")
        upload = entry.get("upload-time")
        requires_python = entry.get("requires-python")
        files.append(
            IndexFile(
                filename=filename,
                url=url,
                hashes=hashes,
                requires_python=requires_python if isinstance(requires_python, str) else None,
                core_metadata=core_metadata,
                yanked=yanked if isinstance(yanked, str) and yanked else bool(yanked),
                size=_size(size),
                upload_time=upload if isinstance(upload, str) else None,
                problem=_check_url(url) or bad_hash,
            )
        )
    return ProjectPage(str(data.get("name", "")), page_url, tuple(files), version, "json")


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.base: str | None = None
        self.api_version = "1.0"
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a":
            self._current, self._text = attributes, []
        elif tag == "base" and attributes.get("href") and self.base is None:
            self.base = attributes["href"]
        elif tag == "meta" and attributes.get("name") == "pypi:repository-version":
            self.api_version = attributes.get("content") or "1.0"

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append((self._current, "".join(self._text).strip()))
            self._current = None


def _hash_fragment(value: str | None) -> tuple[dict[str, str], str | None]:
    """``sha256=<hex>`` (PEP 503 fragment and PEP 658 attribute value) -> ``{"sha256": hex}``, checked."""
    if not value or "=" not in value:
        return {}, None
    algo, _, digest = value.partition("=")
    return _hash_map({algo: digest})


def _parse_html(content: bytes, page_url: str, wanted: Wanted) -> ProjectPage:
    parser = _AnchorParser()
    parser.feed(content.decode("utf-8", errors="replace"))
    parser.close()
    _check_api_version(parser.api_version)
    base = urljoin(page_url, parser.base) if parser.base else page_url
    files: list[IndexFile] = []
    for attrs, text in parser.anchors:
        href = attrs.get("href")
        if not href or (wanted is not None and text and not wanted(text)):
            continue
        url, fragment = urldefrag(urljoin(base, href))
        filename = text or unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        # PEP 714: data-core-metadata, else the legacy data-dist-info-metadata alias.
        raw = attrs["data-core-metadata"] if "data-core-metadata" in attrs else attrs.get("data-dist-info-metadata")
        core_metadata: bool | Mapping[str, str]
        hashes, bad_hash = _hash_fragment(fragment)
        if raw is None:
            core_metadata = False
        elif raw.lower() == "true" or raw == "":
            core_metadata = True
        else:
            core_hashes, bad_core = _hash_fragment(raw)
            core_metadata = core_hashes or True
            bad_hash = bad_hash or (f"data-core-metadata: {bad_core}" if bad_core else None)
        yanked_raw = attrs.get("data-yanked")
        files.append(
            IndexFile(
                filename=filename,
                url=url,
                hashes=hashes,
                requires_python=attrs.get("data-requires-python"),
                core_metadata=core_metadata,
                yanked=(yanked_raw or True) if "data-yanked" in attrs else False,
                problem=_check_url(url) or bad_hash,
            )
        )
    name = urlsplit(page_url).path.rstrip("/").rsplit("/", 1)[-1]
    return ProjectPage(name, page_url, tuple(files), parser.api_version, "html")
