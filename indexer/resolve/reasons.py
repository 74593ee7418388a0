"""Why a distribution could not be locked: one typed code per cause, shared by resolve, emit and the report.

Code that decides what to do next compares these codes (or the typed fields of a resolution), never the
wording of a message: messages are for people and may change. Inspect's problem codes that already say a
distribution cannot be proved map onto these codes in :data:`FROM_INSPECT_PROBLEM`.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

ReasonCode = Literal[
    "local-build",  # the installed files are not any index file of that version: built here or elsewhere
    "local-path",  # installed from a local directory or checkout (PEP 610 dir_info)
    "editable",  # an editable install (PEP 610 dir_info.editable): the code lives in a working tree
    "local-file",  # the proved file lives on this machine (file:, emfs:, a path) and no --base-url maps it
    "vcs",  # installed from a VCS checkout (PEP 610 vcs_info)
    "modified",  # installed files (METADATA or, with --verify record, any file) changed after install
    "no-hash",  # nothing records a hash that could prove which file this is
    "not-on-index",  # the project or the installed version is on no configured index
    "index-data",  # the index lists this version, but its entries are invalid (bad hash, URL, file name)
    "bad-record",  # an installer record is malformed (a hash that is no sha256 digest, a URL of no fetchable scheme)
    "index-unreachable",  # an index could not be read (after retries)
    "no-index",  # no index configured and no installer record of the file
    "egg-info",  # legacy install format without RECORD hashes or WHEEL tags
    "unverified",  # a candidate file was found but its proof could not be completed (its RECORD unreadable)
    "error",  # an unexpected failure while resolving this distribution (a bug: the message says what)
]

REASON_CODES: Final[frozenset[str]] = frozenset(get_args(ReasonCode))

#: Inspect problem codes (``indexer.installed``) that already settle a distribution as unlockable.
FROM_INSPECT_PROBLEM: Final[dict[str, ReasonCode]] = {
    "metadata-modified": "modified",
    "egg-info": "egg-info",
}
