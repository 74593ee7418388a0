#!/usr/bin/env bash
# Idempotent set-up: everything `make demo` / `make test` need, from a fresh Debian machine with CPython >= 3.11,
# Node >= 18 and only the package registries reachable. Each step writes a stamp file INSIDE what it builds,
# holding the sha256 of its inputs, and is skipped when the stamp matches (so deleting the output redoes the step).
# Downloads are pinned by sha256 and cached in .cache/ so a second run works without the registries.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=.setup-stamp

# Hash of the given files (names and contents); directories are walked.
inputs_hash() {
  find "$@" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}
fresh() { [[ -f "$1/$STAMP" && "$(cat "$1/$STAMP")" == "$2" ]]; }
say() { printf '== %s\n' "$*"; }

# pip ignores this machine's pip configuration (a constraint file, find-links, extra indexes): the pinned hashes in
# requirements/*.txt are the only truth. PIP_CERT is kept so TLS works behind the same CA bundle.
pip_isolated() {
  env $(env | sed -n 's/^\(PIP_[A-Z_]*\)=.*/\1/p' | grep -v '^PIP_CERT$' | sed 's/^/-u /') \
    PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip "$@"
}

step_venv() {
  local h; h=$(inputs_hash requirements/dev.txt pyproject.toml)
  if fresh "$VENV" "$h" && "$VENV/bin/python" -c 'import indexer' 2>/dev/null; then say "venv up to date"; return; fi
  say "venv: $VENV from requirements/dev.txt (--require-hashes)"
  [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
  pip_isolated install --quiet --require-hashes -r requirements/dev.txt
  # The project itself, editable, built with the pinned hatchling + editables from dev.txt (no registry needed).
  pip_isolated install --quiet --no-deps --no-build-isolation -e .
  echo "$h" > "$VENV/$STAMP"
}

step_npm() {
  local h; h=$(inputs_hash package.json package-lock.json)
  if fresh node_modules "$h"; then say "node_modules up to date"; return; fi
  say "npm ci (pyodide from package-lock.json)"
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  echo "$h" > node_modules/$STAMP
}

step_downloads() {
  say "pinned wheels (.cache/wheels)"
  "$VENV/bin/python" scripts/download_pinned.py requirements/pyodide-dist.txt .cache/wheels/pyodide-dist
  "$VENV/bin/python" scripts/download_pinned.py requirements/samples.txt .cache/wheels/samples
  say "accuracy wheels (.cache/accuracy-wheels): Pyodide's pure-Python packages, for inspect's accuracy check"
  "$VENV/bin/python" scripts/fetch_accuracy_wheels.py
  say "bench venv (.cache/bench-symbols-venv): requests, httpx, packaging, numpy for the symbols oracle and bench"
  "$VENV/bin/python" bench/symbols_bench.py --prepare
}

step_dist() {
  local h; h=$(inputs_hash package-lock.json requirements/pyodide-dist.txt scripts/make_pyodide_dist.py \
    pyproject.toml README.md indexer micropip_ext)
  if fresh build/pyodide-dist "$h"; then say "build/pyodide-dist up to date"; return; fi
  say "build/pyodide-dist (offline Pyodide distribution)"
  "$VENV/bin/python" scripts/make_pyodide_dist.py
  echo "$h" > build/pyodide-dist/$STAMP
}

step_pyodide_venv() {
  # A real `pyodide venv` for the `venv` test tier: sid's CPython 3.14 + pyodide-build over npm's Pyodide.
  scripts/make_pyodide_venv.sh
}

step_vendor_viz() {
  # Viz.js (Graphviz in wasm), pinned npm tarball -> build/vendor/viz/: draws the dependency graph offline.
  scripts/vendor_viz.sh
}

step_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then say "chromium present"; return; fi
  say "apt: chromium chromium-driver"
  local sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver
}

step_bench_symbols_large() {
  # ~140 pinned wheels (hash-checked) into .cache/bench-symbols-large-venv for `symbols_bench.py --large`;
  # the script skips the install while the venv's stamp matches requirements/bench-symbols-large.txt
  say "large bench venv (.cache/bench-symbols-large-venv): jupyterlab, pandas, scipy, django, ... (issue 11)"
  "$VENV/bin/python" bench/symbols_bench.py --large --prepare
}

start=$(date +%s)
step_venv
step_npm
step_downloads
step_dist
step_pyodide_venv
step_vendor_viz
step_chromium
step_bench_symbols_large
say "set-up done in $(( $(date +%s) - start )) s"
