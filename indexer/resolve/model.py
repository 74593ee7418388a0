"""What resolution says about one installed distribution: locked to a file, or unlockable and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from indexer.jsonable import fields_json
from indexer.resolve.reasons import ReasonCode
from indexer.urls import redact

#: How much proof a lock needs (``--verify``): "auto" proves every file no installer recorded with a hash by
#: the remote wheel's RECORD; "metadata" trusts the index's METADATA hash and WHEEL tags alone; "record"
#: also compares every installed file's bytes with the remote RECORD, installer record or not.
VerifyMode = Literal["auto", "metadata", "record"]
VERIFY_MODES: tuple[VerifyMode, ...] = ("auto", "metadata", "record")

#: How a distribution was attributed to a file.
Method = Literal[
    "pyodide-url",  # micropip's PYODIDE_URL + PYODIDE_SHA256
    "direct-url",  # PEP 610 direct_url.json with archive hashes
    "provenance",  # our INDEX + provenance_url.json (PEP 710 draft shape)
    "base-lock",  # a Pyodide-distribution package, taken from the base lockfile
    "pyodide-source",  # the URL pyodide.loadPackage recorded in PYODIDE_SOURCE, hashed by download
    "index",  # proved on an index by the PEP 658 metadata hash
]


def is_sha256(value: object) -> bool:
    """A lower-case hex sha256 digest (64 characters): the only hash a lock is written with."""
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


@dataclass
class FileResolution:
    """One installed distribution resolved to the file that reinstalls it, or unlockable with a reason."""

    name: str
    canonical_name: str
    version: str
    method: Method | None = None
    url: str | None = None  # the file's absolute URL (may carry credentials in memory; outputs redact)
    filename: str | None = None
    sha256: str | None = None  # hex of the wheel file
    size: int | None = None
    upload_time: str | None = None
    index: str | None = None  # simple-API base URL the file was found on
    proof: str | None = None  # what proved identity, e.g. "core-metadata sha256"
    reason_code: ReasonCode | None = None
    reason: str | None = None
    evidence: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    record_verified: bool | None = None  # True: the remote wheel's RECORD matched; None: not compared
    # An installer recorded this file AND its hash (PYODIDE_URL/SHA256, direct_url.json, provenance_url.json):
    # "auto" verification needs no RECORD proof for it.
    proved_by_installer: bool = False
    # A local wheel whose version an index has with other bytes: if it cannot be published, a local build.
    index_has_other_bytes: bool = False
    base_entry: dict[str, Any] | None = None  # the base-lock entry for method == "base-lock"
    requests: list[str] = field(default_factory=list)  # "GET <url> -> <status>" made to resolve this dist

    @property
    def locked(self) -> bool:
        return self.method is not None and self.reason_code is None

    def unlockable(self, code: ReasonCode, reason: str) -> FileResolution:
        self.reason_code, self.reason = code, reason
        return self

    def to_json(self) -> dict[str, Any]:
        return fields_json(
            self,
            exclude=("canonical_name", "base_entry"),
            url=None if self.url is None else redact(self.url),
            index=None if self.index is None else redact(self.index),
            locked=self.locked,
        )
