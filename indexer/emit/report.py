"""The JSON report of a freeze: per distribution how it was attributed, or why it could not be."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from indexer.urls import redact, scrub

if TYPE_CHECKING:  # annotations only: a replayed freeze writes its report without importing the resolve step
    from indexer.resolve.client import Stats
    from indexer.resolve.model import FileResolution


def build_report(
    resolutions: Sequence[FileResolution],
    *,
    stats: Stats,
    index_urls: Sequence[str],
    problems: Sequence[str] = (),
    options: Mapping[str, Any] | None = None,
    elapsed: float | None = None,
) -> dict[str, Any]:
    locked = [r for r in resolutions if r.locked]
    unlockable = [r for r in resolutions if not r.locked]
    report = {
        "summary": {
            "distributions": len(resolutions),
            "locked": len(locked),
            "unlockable": len(unlockable),
            "by_method": _count((r.method or "unlockable") if r.locked else "unlockable" for r in resolutions),
            "by_reason": _count(r.reason_code for r in unlockable if r.reason_code),
            "elapsed_seconds": None if elapsed is None else round(elapsed, 3),
        },
        # micropip.freeze() keeps only dists with PYODIDE_URL (micropip installs) or in its lockfile:
        # everything else installed here it drops without a word.
        "micropip_freeze_drops": sorted(r.name for r in resolutions if r.method not in ("pyodide-url", "base-lock")),
        "indexes": [redact(u) for u in index_urls],
        "requests": stats.to_json(),
        "options": dict(options or {}),
        "problems": list(problems),
        "distributions": [r.to_json() for r in sorted(resolutions, key=lambda r: r.canonical_name)],
    }
    data: dict[str, Any] = json.loads(scrub(json.dumps(report)))  # no credentials, even in error messages
    return data


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return dict(sorted(counts.items()))


def dumps(report: Mapping[str, Any]) -> str:
    return scrub(json.dumps(report, indent=2)) + "\n"


def format_summary(report: Mapping[str, Any]) -> str:
    """A few human lines: counts, cost, what micropip.freeze() would have dropped, each unlockable reason."""
    summary, requests = report["summary"], report["requests"]
    lines = [
        f"locked {summary['locked']} of {summary['distributions']} installed distributions "
        f"({requests['requests']} requests, {requests['bytes']} bytes, {requests['cache_hits']} from cache)",
        "by method: " + ", ".join(f"{k} {v}" for k, v in summary["by_method"].items()),
    ]
    drops = report.get("micropip_freeze_drops") or []
    if drops:
        lines.append(f"micropip.freeze() would have dropped {len(drops)}: {', '.join(drops)}")
    lines += [
        f"unlockable: {d['name']} {d['version']}: {d['reason']}" for d in report["distributions"] if not d["locked"]
    ]
    return "\n".join(lines)
