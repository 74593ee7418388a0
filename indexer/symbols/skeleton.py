"""Cheap module skeletons: top-level ``def``/``class`` bodies replaced by ``...`` before parsing.

Most of a module's text is function and class bodies, which the index never reads (only names bound
at module level matter), yet ``ast.parse`` pays for every token. Top-level statements start at column 0,
so regular expressions find them at C speed; each ``def``/``class`` chunk (with its decorators) becomes a
one-line stub on the same line number. A chunk that may hold part of a multi-line string (odd count of
triple quotes) is kept verbatim; anything else doubtful returns None, and a skeleton that does not parse
makes the caller parse the full source: a skeleton is an optimisation only (tests/symbols/
test_skeleton.py checks that both give the same bindings on every installed file). Module
``__getattr__`` and ``__dir__`` are kept whole (their bodies name the lazy-import tables, PEP 562), and
so are functions that mention ``__all__`` (helpers such as numpy's ``extend_all``).
"""

from __future__ import annotations

import re

_STATEMENT = re.compile(r"^[^\s#)\]}]", re.M)  # a column-0 line that may start a statement
_NAME = re.compile(r"(?:async[ \t]+)?(def|class)[ \t]+(\w+)")
_KEEP = frozenset({"__getattr__", "__dir__"})


def _balanced(chunk: str) -> bool:
    return chunk.count('"""') % 2 == 0 and chunk.count("'''") % 2 == 0


def skeleton(source: str) -> str | None:
    """``source`` with top-level function/class bodies elided, or None if that is not clearly safe."""
    starts = [m.start() for m in _STATEMENT.finditer(source)]
    n = len(starts)
    pieces: list[str] = []
    pos = 0
    i = 0
    while i < n:
        start = starts[i]
        first = source[start]
        if first not in "@dac":
            i += 1
            continue
        j = i
        while j < n and source[starts[j]] == "@":
            j += 1
        if j == n:
            return None
        m = _NAME.match(source, starts[j])
        if m is None:
            if first == "@":
                return None  # a decorator on something we do not recognise
            i += 1
            continue
        k = j + 1
        end = starts[k] if k < n else len(source)
        if not _balanced(source[start:end]):
            # a multi-line string with column-0 lines, or a triple quote inside a one-line string: keep
            # this chunk verbatim (the parser sees the real text); a wrong cut later fails to parse
            i = k
            continue
        name = m.group(2)
        if name in _KEEP or (m.group(1) == "def" and "__all__" in source[start:end]):
            i = k  # kept whole: a lazy loader, or a helper that edits __all__ (numpy's extend_all)
            continue
        chunk = source[start:end]
        before = source.count("\n", start, starts[j])
        stub = f"class {name}: ..." if m.group(1) == "class" else f"def {name}(): ..."
        pieces.append(source[pos:start])
        pieces.append("\n" * before + stub + "\n" * max(1, chunk.count("\n") - before))
        pos = end
        i = k
    pieces.append(source[pos:])
    return "".join(pieces)
