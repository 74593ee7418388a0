"""One real headless Chromium (Debian's, driven by Playwright without downloading a browser) loads Pyodide from
our local server, runs Python, and installs a wheel with micropip from the sample index on another origin (so
CORS, the ``.mjs``/``.wasm`` MIME types and PEP 691 negotiation are exercised the way a static deployment is)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from indexer.index.server import serve_in_thread

PAGE = """<!doctype html>
<meta charset="utf-8"><title>pyodide</title>
<script type="module">
  import { loadPyodide } from "/pyodide/pyodide.mjs";
  try {
    const pyodide = await loadPyodide({ indexURL: new URL("/pyodide/", location).href });
    await pyodide.loadPackage("micropip");
    const indexUrl = new URLSearchParams(location.search).get("index");
    await pyodide.runPythonAsync(`import micropip; await micropip.install("six", index_urls=["${indexUrl}"])`);
    window.result = pyodide.runPython(
      "import sys, six, micropip; f'{sys.platform} {micropip.__version__} {six.__version__} {6 * 7}'");
  } catch (e) {
    window.result = "error: " + e;
  }
</script>
"""


def test_chromium_loads_pyodide_from_local_server(
    chromium_page: Any, pyodide_dist_dir: Path, sample_index: Any, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(PAGE)
    with serve_in_thread(site, mounts={"pyodide": pyodide_dist_dir}) as server:
        index = sample_index.index_url.rstrip("/")
        chromium_page.goto(f"{server.url}index.html?index={index}")
        chromium_page.wait_for_function("window.result !== undefined", timeout=120_000)
        result = chromium_page.evaluate("window.result")
        wasm = [r for r in server.log if r.path.endswith(".wasm")]

    assert result == "emscripten 0.11.1 1.17.0 42", result
    assert wasm and wasm[0].content_type == "application/wasm"
    # six came from the sample index (another origin, so CORS headers were honoured), with its PEP 658 metadata.
    fetched = {r.path for r in sample_index.log if r.status == 200}
    assert "/files/six-1.17.0-py2.py3-none-any.whl" in fetched
    assert "/files/six-1.17.0-py2.py3-none-any.whl.metadata" in fetched
