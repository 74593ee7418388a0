"""JSON from dataclass fields, as ``packaging.pylock`` does: one place that turns models into JSON-ready dicts.

A model's ``to_json`` names only what differs from its fields (a redacted URL, a derived value, a field left
out), so adding a field to a model adds it to every output without a second field list to keep in step.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` as JSON-ready data: enums by value, paths as strings, sets sorted, models by their ``to_json``."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return to_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return fields_json(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    raise TypeError(f"{type(value).__name__} is not JSON-ready")


def fields_json(obj: Any, *, exclude: Iterable[str] = (), **overrides: Any) -> dict[str, Any]:
    """The dataclass ``obj`` as a dict in field order; ``overrides`` replace or add keys, ``exclude`` drops fields."""
    left_out = set(exclude)
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        if f.name in left_out:
            continue
        out[f.name] = overrides[f.name] if f.name in overrides else jsonable(getattr(obj, f.name))
    for key, value in overrides.items():
        out.setdefault(key, value)
    return out
