#!/usr/bin/env bash
# Vendor Viz.js (Graphviz compiled to WebAssembly; MIT, https://github.com/mdaines/viz-js) for the dependency
# graph (micropip_ext/_graph.py): the npm tarball, pinned by its registry integrity, is cached in .cache/npm-vendor
# (so a second run works offline) and its self-contained builds land in build/vendor/viz/:
#   viz.js (ES module: `import { instance } from ".../viz.js"`) and viz-global.js (a <script> defining `Viz`).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=@viz-js/viz
VERSION=3.31.0
INTEGRITY=sha512-r7zlQdRvcwvIpjHGgs+KNWHeE/P5/Dq7k8ZAKaMCbZqomxCBJV78gVuQYaHzFVca+kB0mX0fMW9UFevCOBG50A==
CACHE=.cache/npm-vendor
OUT=build/vendor/viz
TGZ=$CACHE/viz-js-viz-$VERSION.tgz

if [[ -f $OUT/.setup-stamp && $(cat "$OUT/.setup-stamp") == "$INTEGRITY" ]]; then
  echo "== vendor: viz.js $VERSION up to date"; exit 0
fi
echo "== vendor: viz.js $VERSION ($PACKAGE) into $OUT"
mkdir -p "$CACHE"
[[ -f $TGZ ]] || (cd "$CACHE" && npm pack "$PACKAGE@$VERSION" --silent >/dev/null)
got="sha512-$(openssl dgst -sha512 -binary "$TGZ" | base64 -w0)"
if [[ $got != "$INTEGRITY" ]]; then
  rm -f "$TGZ"
  echo "vendor_viz: error: $TGZ does not match the pinned integrity ($got)" >&2
  exit 1
fi
rm -rf "$OUT"
mkdir -p "$OUT"
tar xzf "$TGZ" -C "$OUT" --strip-components=2 package/dist/viz.js package/dist/viz-global.js
echo "$INTEGRITY" > "$OUT/.setup-stamp"
