"""Core metadata (METADATA / PKG-INFO) parsed with packaging.metadata, never crashing on bad input.

Invalid fields are reported one problem each and dropped; the rest still yields a ``Metadata``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from packaging.metadata import ExceptionGroup, InvalidMetadata, Metadata, RawMetadata, parse_email

from indexer.installed.model import Problem

#: Values read of one multiple-use field (Requires-Dist, Classifier...): real projects have at most a few hundred.
MAX_FIELD_VALUES = 2000


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
    for key, value in raw.items():
        if isinstance(value, list) and len(value) > MAX_FIELD_VALUES:
            # Validation is linear per value but repeated per bad one: a count cap keeps the time bounded.
            why = f"{len(value)} values, only the first {MAX_FIELD_VALUES} read"
            result.problems.append(Problem("metadata-too-large", f"{label}: METADATA field {key!r} has {why}"))
            raw[key] = value[:MAX_FIELD_VALUES]  # type: ignore[literal-required]
    result.raw = dict(raw)
    raw_dict: dict[str, Any] = dict(raw)
    # Retry validation without each value that failed, so one bad value costs only itself.
    for _ in range(len(raw_dict) + 1):
        try:
            result.metadata = Metadata.from_raw(RawMetadata(**raw_dict), validate=True)  # type: ignore[typeddict-item]
            break
        except ExceptionGroup as group:
            dropped = False
            for err in _leaves(group):
                name = getattr(err, "field", None)
                if "introduced in metadata version" in str(err) and raw_dict.get("metadata_version") != "2.5":
                    # A valid field under too old a Metadata-Version (setuptools wrote License-File under 2.1 for
                    # years): worth a note, not worth losing the field. Read it as the newest version would.
                    result.problems.append(Problem("metadata-field-too-new", f"{label}: {err}"))
                    raw_dict["metadata_version"] = "2.5"
                    dropped = True
                    continue
                result.problems.append(Problem("metadata-invalid", f"{label}: {err}"))
                field_key = name.replace("-", "_") if isinstance(name, str) else None  # errors name the email field
                if field_key in raw_dict and field_key not in ("name", "version", "metadata_version"):
                    _drop_invalid(raw_dict, field_key)
                    dropped = True
                elif field_key == "metadata_version" and "metadata_version" in raw_dict:
                    raw_dict["metadata_version"] = "2.5"  # read the fields, the problem is already reported
                    dropped = True
            if not dropped:
                break
    return result


def _drop_invalid(raw: dict[str, Any], key: str) -> None:
    """Drop the invalid entries of a field: all of a single-valued one, only the bad items of a list."""
    value = raw[key]
    if isinstance(value, list) and len(value) > 1:
        kept = [item for item in value if _valid_alone(key, item)]
        if kept:
            raw[key] = kept
            return
    del raw[key]


def _valid_alone(key: str, item: Any) -> bool:
    probe = {"metadata_version": "2.5", "name": "probe", "version": "0", key: [item]}
    try:
        Metadata.from_raw(RawMetadata(**probe), validate=True)  # type: ignore[typeddict-item]
    except ExceptionGroup:
        return False
    return True


def _leaves(group: BaseException) -> list[BaseException]:
    if isinstance(group, ExceptionGroup):
        out: list[BaseException] = []
        for exc in group.exceptions:
            out.extend(_leaves(exc))
        return out
    return [group]


__all__ = ["InvalidMetadata", "ParsedMetadata", "parse_metadata"]
