"""The notebook views on CPython: hostile names and reasons are escaped, credentials never shown."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from indexer.emit.html import environment_html, freeze_html, requirements
from indexer.installed.model import Distribution, Environment, Source
from indexer.resolve.model import FileResolution

EVIL = "<script>alert(1)</script>"


def _result(*resolutions: FileResolution) -> SimpleNamespace:
    return SimpleNamespace(resolutions=list(resolutions), report={}, problems=[f"a problem {EVIL}"])


def _locked() -> FileResolution:
    res = FileResolution("good", "good", "1.0", method="index", url="https://u:secret@host.test/files/good-1.0.whl")
    res.sha256 = "ab" * 32
    return res


def test_environment_html_escapes_what_the_environment_says() -> None:
    source = Source(kind="url", url="https://user:pw@host.test/evil.whl")
    dist = Distribution(EVIL, "evil", "1.0", Path("/x/evil.dist-info"), Path("/x"), installer=EVIL, source=source)
    dist.imports = [EVIL]
    html = environment_html(Environment([Path("/x")], [dist]))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "pw@" not in html and "host.test/evil.whl" in html


def test_freeze_html_marks_unlockable_rows_with_their_escaped_reason_and_hides_credentials() -> None:
    bad = FileResolution("bad", "bad", "2.0").unlockable("not-on-index", f"not on https://u:secret@idx.test/ {EVIL}")
    html = freeze_html(_result(_locked(), bad))
    row = next(r for r in html.split("<tr") if "<td>bad</td>" in r)
    assert 'class="mpx-unlockable"' in row and "not on https://idx.test/" in row
    assert "secret" not in html and "<script>" not in html
    assert "locked 1 of 2 distribution(s); 1 unlockable" in html


def test_requirements_lists_every_distribution_with_a_reason_line_before_the_unlockable() -> None:
    bad = FileResolution("bad", "bad", "2.0").unlockable("no-hash", "nothing records\na hash")
    assert requirements(_result(_locked(), bad)) == (
        "# bad 2.0: not locked: nothing records a hash\nbad==2.0\ngood==1.0\n"
    )

