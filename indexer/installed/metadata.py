"""Core metadata (METADATA / PKG-INFO) parsed with packaging.metadata, never crashing on bad input.

Invalid fields are reported one problem each and dropped; the rest still yields a ``Metadata``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from packaging.metadata import ExceptionGroup, InvalidMetadata, Metadata, RawMetadata, parse_email

from indexer.installed.model import Problem


@dataclass
class ParsedMetadata:
    raw: dict[str, Any] = field(default_factory=dict)  # every field parse_email understood, valid or not
    metadata: Metadata | None = None
    problems: list[Problem] = field(default_factory=list)


def parse_metadata(data: bytes, label: str) -> ParsedMetadata:
    """Parse METADATA bytes; ``label`` names the distribution in problem messages."""
    result = ParsedMetadata()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Core metadata is UTF-8 (core metadata spec); keep going with what can be read.
        result.problems.append(Problem("metadata-not-utf8", f"{label}: METADATA is not UTF-8: {exc.reason}"))
        text = data.decode("utf-8", "replace")
    raw, unparsed = parse_email(text)
    for key, values in unparsed.items():
        shown = ", ".join(repr(v)[:80] for v in values[:3])
        result.problems.append(Problem("metadata-unparsed", f"{label}: METADATA field {key!r} not understood: {shown}"))
    result.raw = dict(raw)
    raw_dict: dict[str, Any] = dict(raw)
    # Retry validation without each field that failed, so one bad field costs only itself.
    for _ in range(len(raw_dict) + 1):
        try:
            result.metadata = Metadata.from_raw(RawMetadata(**raw_dict), validate=True)  # type: ignore[typeddict-item]
            break
        except ExceptionGroup as group:
            dropped = False
            for err in _leaves(group):
                name = getattr(err, "field", None)
                result.problems.append(Problem("metadata-invalid", f"{label}: {err}"))
                if name in raw_dict and name not in ("name", "version", "metadata_version"):
                    del raw_dict[name]
                    dropped = True
                elif name == "metadata_version" and "metadata_version" in raw_dict:
                    raw_dict["metadata_version"] = "2.5"  # read the fields, the problem is already reported
                    dropped = True
            if not dropped:
                break
    return result


def _leaves(group: BaseException) -> list[BaseException]:
    if isinstance(group, ExceptionGroup):
        out: list[BaseException] = []
        for exc in group.exceptions:
            out.extend(_leaves(exc))
        return out
    return [group]


__all__ = ["InvalidMetadata", "ParsedMetadata", "parse_metadata"]
