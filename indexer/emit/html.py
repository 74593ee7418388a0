"""Notebook views of inspect() and freeze() results: HTML tables and a requirements-style listing.

Tables show every installed distribution; in a freeze result the rows that could not be locked are marked and
carry their reason, so a notebook user sees at once what the lock leaves out and why. Everything shown is
escaped (names, versions and reasons come from the analysed environment) and URLs are redacted.

The views are plain functions of the result objects (duck-typed on their public attributes). The result
classes' ``_repr_html_`` calls them (any Jupyter front end, JupyterLite included, renders them with no set-up),
and :func:`register` also installs them as IPython HTML formatters (``%load_ext micropip_ext``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from indexer.urls import redact, scrub

_STYLE = (
    "<style>.mpx-table{border-collapse:collapse;font-size:90%}.mpx-table th,.mpx-table td{padding:2px 8px;"
    "text-align:left;vertical-align:top}.mpx-unlockable{background:rgba(220,50,47,.12)}"
    ".mpx-reason{color:#b22}</style>"
)


def _table(headers: Sequence[str], rows: Iterable[tuple[Sequence[str], str]]) -> str:
    """``rows`` are (already escaped cells, CSS class of the row)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        f'<tr class="{cls}">' + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>" for cells, cls in rows
    )
    return f'<table class="mpx-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _problems(problems: Iterable[Any]) -> str:
    items = [escape(str(getattr(p, "message", p))) for p in problems]
    if not items:
        return ""
    return "<details><summary>{} problem(s)</summary><ul>{}</ul></details>".format(
        len(items), "".join(f"<li>{i}</li>" for i in items)
    )


def environment_html(env: Any) -> str:
    """An ``Environment`` (``micropip_ext.inspect()``) as a table: name, version, installer, source, imports."""
    rows = []
    for dist in env.distributions:
        source = dist.source
        where = redact(source.url or source.index or "")
        rows.append(
            (
                [
                    escape(dist.name),
                    escape(dist.version),
                    escape(dist.installer or ""),
                    escape(source.kind) + (f"<br><small>{escape(where)}</small>" if where else ""),
                    escape(", ".join(dist.imports)),
                ],
                "",
            )
        )
    summary = f"<p>{len(env.distributions)} distribution(s) in {len(env.site_dirs)} site dir(s)</p>"
    table = _table(["name", "version", "installer", "source", "imports"], rows)
    return _STYLE + summary + table + _problems(env.problems)


def freeze_html(result: Any) -> str:
    """A freeze result as a table; unlockable rows are marked and give their reason."""
    rows = []
    for res in sorted(result.resolutions, key=lambda r: (r.locked, r.canonical_name)):
        data = res.to_json()
        if res.locked:
            url = data.get("url") or data.get("filename") or ""
            cells = [escape(str(url)), escape((res.sha256 or "")[:12]), escape(res.method or "")]
            row_class = ""
        else:
            reason = f'<span class="mpx-reason">{escape(scrub(res.reason or ""))}</span>'
            cells = ["", "", reason]
            row_class = "mpx-unlockable"
        mark = "&#10003;" if res.locked else "&#10007;"
        rows.append(([escape(res.name), escape(res.version), mark, *cells], row_class))
    summary = result.report.get("summary", {})
    head = "<p>locked {} of {} distribution(s); {} unlockable</p>".format(
        summary.get("locked", sum(r.locked for r in result.resolutions)),
        summary.get("distributions", len(result.resolutions)),
        sum(not r.locked for r in result.resolutions),
    )
    table = _table(["name", "version", "locked", "file", "sha256", "how / why not"], rows)
    return _STYLE + head + table + _problems(result.report.get("problems", []))


def requirements(result: Any) -> str:
    """``name==version`` per installed distribution, as ``pip freeze`` prints; an unlockable one is preceded by
    a ``# reason`` line (it is pinned, but no fetchable file proves it)."""
    lines: list[str] = []
    for res in sorted(result.resolutions, key=lambda r: r.canonical_name):
        if not res.locked:
            lines.append(f"# {res.name} {res.version}: not locked: {' '.join(scrub(res.reason or '').split())}")
        lines.append(f"{res.name}=={res.version}")
    return "\n".join(lines) + "\n"


def register(ip: Any) -> None:
    """Render inspect() and freeze() results as HTML in this IPython shell."""
    from indexer.freeze.core import FreezeResult
    from indexer.installed.model import Environment

    html = ip.display_formatter.formatters["text/html"]
    html.for_type(Environment, environment_html)
    html.for_type(FreezeResult, freeze_html)
