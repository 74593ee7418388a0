"""Cheap module skeletons: function bodies replaced by ``...`` before parsing.

Most of a module's text is function and method bodies, which the index never reads (only names bound at
module level and class members matter), yet ``ast.parse`` pays for every token. Top-level statements start
at column 0, so regular expressions find them at C speed; each top-level ``def`` chunk (with its decorators)
becomes a one-line stub on the same line number, and in a ``class`` chunk each method keeps its decorators
and becomes ``def name(): ...`` (lines kept, so line numbers stay). A chunk that may hold part of a multi-line
string (odd count of triple quotes) is kept verbatim; anything else doubtful returns None, and a skeleton
that does not parse makes the caller parse the full source: a skeleton is an optimisation only
(tests/symbols/test_skeleton.py checks that both give the same bindings and members on every installed
file). Module ``__getattr__`` and ``__dir__`` are kept whole (their bodies name the lazy-import tables,
PEP 562), and so are functions that mention ``__all__`` (helpers such as numpy's ``extend_all``) or call
``setattr`` (docutils adds members to its visitor classes in one, :mod:`.patched`).
"""

from __future__ import annotations

import re

# Patterns start with a literal ("\n", "def") so the regex engine can skip ahead at C speed: a multi-line
# "^" is tried at every character (five times slower over the ~170 MB of a large environment).
_STATEMENT = re.compile(r"\n[^\s#)\]}]")  # a column-0 line (after its newline) that may start a statement
_NOT_STATEMENT = " \t\n\r\f\v#)]}"
_NAME = re.compile(r"(?:async[ \t]+)?(def|class)[ \t]+(\w+)")
_KEEP = frozenset({"__getattr__", "__dir__"})
_DEF = re.compile(r"def[ \t]+(\w+)")
_METHOD_INDENT = re.compile(r"([ \t]+)(?:async[ \t]+)?")  # what precedes `def` on a method's line
_MAX_INDENT = 256
_DEDENT: dict[int, re.Pattern[str]] = {}  # indent -> the first line indented no deeper (compiled once)
_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'" r'|"(?:[^"\\\n]|\\.)*"')  # a one-line string literal
_KEEP_BODY = re.compile(r"__all__|setattr\(")  # a def whose body edits __all__ or sets class members


def _balanced(text: str, start: int, end: int) -> bool:
    return text.count('"""', start, end) % 2 == 0 and text.count("'''", start, end) % 2 == 0


def _triple_quotes(text: str, start: int, end: int) -> int:
    return text.count('"""', start, end) + text.count("'''", start, end)


def skeleton(source: str) -> str | None:
    """``source`` with top-level function/class bodies elided, or None if that is not clearly safe."""
    starts = [m.start() + 1 for m in _STATEMENT.finditer(source)]
    if source and source[0] not in _NOT_STATEMENT:
        starts.insert(0, 0)
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
        if not _balanced(source, start, end):
            # a multi-line string with column-0 lines, or a triple quote inside a one-line string: keep
            # this chunk verbatim (the parser sees the real text); a wrong cut later fails to parse
            i = k
            continue
        name = m.group(2)
        if name in _KEEP or (m.group(1) == "def" and _KEEP_BODY.search(source, start, end)):
            # kept whole: a lazy loader, a helper that edits __all__ (numpy's extend_all) or sets class members
            i = k
            continue
        if m.group(1) == "class":
            # the class body is read (its members are indexed); only its methods' bodies are elided
            body = _class_skeleton(source[starts[j] : end])
            if body is not None:
                pieces.append(source[pos : starts[j]])
                pieces.append(body)
                pos = end
            i = k  # else kept verbatim
            continue
        before = source.count("\n", start, starts[j])
        pieces.append(source[pos:start])
        pieces.append("\n" * before + f"def {name}(): ..." + "\n" * max(1, source.count("\n", start, end) - before))
        pos = end
        i = k
    pieces.append(source[pos:])
    return "".join(pieces)


def _class_skeleton(chunk: str) -> str | None:
    """A class chunk with every method reduced to ``def name(): ...`` (decorators kept, line count kept);
    None if unsure. Members need a method's name and decorators only: signatures (a stub's are most of its
    text) and bodies go."""
    out: list[str] = []
    pos = 0
    quotes = 0  # triple quotes in the text kept verbatim so far: odd means a `def` line inside a string
    while True:
        found = _method(chunk, pos)
        if found is None:
            break
        line, indent, name = found
        quotes += _triple_quotes(chunk, pos, line)
        header = _header_end(chunk, line) if quotes % 2 == 0 else None
        if header is None:
            return None
        body_start, code = header
        out.append(chunk[pos:line])
        header_lines = "\n" * chunk.count("\n", line, body_start)
        if not code.endswith(":"):
            # `def f(self): return 1`, a stub's `def f(self, x: int) -> str: ...`: one logical line
            if code.endswith("\\"):
                return None  # a backslash continuation: where the statement ends is not clear from lines
            out.append(f"{indent}def {name}(): ..." + header_lines)
            pos = body_start
            continue
        body_end = _body_end(chunk, body_start, len(indent))
        if body_end is None or body_end == body_start:
            return None
        out.append(f"{indent}def {name}():" + header_lines)
        out.append(indent + " ...\n" + "\n" * (chunk.count("\n", body_start, body_end) - 1))
        pos = body_end
    out.append(chunk[pos:])
    return "".join(out)


def _method(chunk: str, pos: int) -> tuple[int, str, str] | None:
    """(start of the line, indent, name) of the next indented ``def`` at or after line start ``pos``.

    The line start is looked for at most _MAX_INDENT characters back: a long line with many ``def `` in it
    costs linear time, and a method indented deeper than that is only left as it is."""
    search = pos
    while True:
        m = _DEF.search(chunk, search)
        if m is None:
            return None
        search = m.end()
        lowest = max(pos, m.start() - _MAX_INDENT)
        newline = chunk.rfind("\n", lowest, m.start())
        line = newline + 1 if newline >= 0 else pos if lowest == pos else -1  # pos itself starts a line
        prefix = _METHOD_INDENT.fullmatch(chunk, line, m.start()) if line >= 0 else None
        if prefix is not None:
            return line, prefix.group(1), m.group(1)


def _code(line: str) -> str:
    """A line's code: one-line string literals emptied (a ``#`` or bracket in them counts for nothing), the
    comment cut, trailing space stripped."""
    if "'" in line or '"' in line:
        line = _STRING.sub('""', line)
    return line.partition("#")[0].rstrip()


def _header_end(text: str, start: int) -> tuple[int, str] | None:
    """(offset after the ``def`` header starting at ``start``, its last line's code), brackets balanced."""
    depth = 0
    pos = start
    for _ in range(200):
        newline = text.find("\n", pos)
        end = len(text) if newline < 0 else newline + 1
        line = text[pos:end]
        if '"""' in line or "'''" in line:
            return None  # a multi-line string in a signature: not worth the risk
        code = _code(line)
        c = code.count
        depth += c("(") + c("[") + c("{") - c(")") - c("]") - c("}")
        if depth <= 0 and code:
            return end, code
        if end >= len(text):
            return None
        pos = end
    return None


def _body_end(text: str, start: int, indent: int) -> int | None:
    """The first line after a method body: indented no deeper than the ``def``, outside any string."""
    pattern = _DEDENT.get(indent)
    if pattern is None:
        pattern = _DEDENT.setdefault(indent, re.compile(rf"\n[ \t]{{0,{indent}}}(?=[^ \t\r\n#\f])"))
    m = pattern.search(text, start - 1 if start and text[start - 1] == "\n" else start)
    end = len(text) if m is None else m.start() + 1
    if _triple_quotes(text, start, end) % 2:
        # a dedented line inside a multi-line string, or a triple quote inside a one-line string ('"""'):
        # where the body ends is not clear from lines; the caller keeps the class verbatim
        return None
    return end
