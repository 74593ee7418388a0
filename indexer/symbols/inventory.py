"""Sphinx ``objects.inv`` version 2 for one distribution: a format documentation tools already read.

Layout (Sphinx's own writer): four ``#`` header lines, then zlib-compressed lines of
``name domain:role priority uri dispname``; ``$`` in the uri stands for the name and a dispname of
``-`` means "same as name". With no documentation site to point at, the uri is ``#$``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from typing import Any

_ROLES = {
    "module": "module",
    "class": "class",
    "function": "function",
    "variable": "data",
    "type_alias": "type",
    "attribute": "attribute",
}
_MEMBER_ROLES = {"method": "method", "property": "property", "attribute": "attribute",
                 "instance_attribute": "attribute", "class": "class"}
_SAFE = re.compile(r"^\S+$")


def entries(dist: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(dotted name, py role) for every public module, canonical object and public path of one distribution,
    and every public member of its classes (methods, properties, attributes, nested classes, inherited ones).

    A private module (``google._upb._message``, ``pkg._impl``) is not an import path to offer, so it has no
    ``py:module`` entry; an object defined in one is still listed under its canonical path beside its public
    ones, as Sphinx lists a ``:canonical:`` name, so references written from ``__module__`` resolve."""
    seen: set[str] = set()
    for module, body in dist["modules"].items():
        if module not in seen and not body.get("private"):  # the index marks private modules
            seen.add(module)
            yield module, "module"
    for path, obj in dist["objects"].items():
        role = _ROLES.get(obj["kind"])
        if role is None:
            continue
        for name in [*obj.get("public_paths", []), path]:
            if name not in seen:
                seen.add(name)
                yield name, role
            for member, entry in obj.get("members", {}).items():
                dotted = f"{name}.{member}"
                if dotted not in seen and entry["kind"] in _MEMBER_ROLES:
                    seen.add(dotted)
                    yield dotted, _MEMBER_ROLES[entry["kind"]]


def write_inventory(project: str, version: str, dist: dict[str, Any]) -> bytes:
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    lines = [f"{name} py:{role} 1 #$ -\n" for name, role in entries(dist) if _SAFE.match(name)]
    return header + zlib.compress("".join(lines).encode())


def read_inventory(data: bytes) -> tuple[dict[str, str], list[tuple[str, str, int, str, str]]]:
    """Header fields and rows of a v2 inventory (used by tests and ``which`` consumers)."""
    header: dict[str, str] = {}
    rest = data
    for _ in range(4):
        line, _, rest = rest.partition(b"\n")
        text = line.decode()
        if not text.startswith("# "):
            raise ValueError("not a Sphinx inventory")
        key, sep, value = text[2:].partition(": ")
        if sep:
            header[key] = value
        else:
            header.setdefault("format", text[2:])
    if header.get("format") != "Sphinx inventory version 2":
        raise ValueError(f"unsupported inventory: {header.get('format')!r}")
    rows = []
    for row in zlib.decompress(rest).decode().splitlines():
        name, domain_role, priority, uri, dispname = row.split(" ", 4)
        rows.append((name, domain_role, int(priority), uri, dispname))
    return header, rows
