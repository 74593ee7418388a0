#!/usr/bin/env bash
# Re-pin requirements/pyodide-dist.txt and requirements/samples.txt (versions + sha256 of the wheels only).
# Run by hand when changing a .in file; set-up never re-resolves, it only downloads what the .txt files pin.
# Markers are evaluated for Pyodide (sys_platform emscripten, Python 3.14), as micropip evaluates them there.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}
for name in pyodide-dist samples; do
  "$UV" pip compile --quiet --python-version 3.14 --python-platform wasm32-pyodide2024 \
    --only-binary :all: --generate-hashes --no-header \
    "requirements/$name.in" -o "requirements/$name.txt"
done
