#!/usr/bin/env bash
# Installs what rlib-v0 and its tests need on a Debian machine that has
# Python 3.11+, gcc/g++ and rustc/cargo: the lld and mold linkers (Debian
# packages) and the Python package with its test, benchmark and plot extras
# (its one runtime dependency, LIEF, is for `rlib-v0 size`).
# Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v ld.lld >/dev/null 2>&1 || missing+=(lld)
command -v mold >/dev/null 2>&1 || missing+=(mold)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)      # link --plan-graph FILE.svg
command -v cmake >/dev/null 2>&1 || missing+=(cmake)       # the CMake module and its tests
command -v ninja >/dev/null 2>&1 || missing+=(ninja-build)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} from Debian packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: warning: ${missing[*]} missing; install with: sudo apt-get install ${missing[*]} (tests for them will skip)" >&2
  fi
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test,bench,plot]'
echo "setup: rlib-v0 $(python3 -c 'import rlib_v0; print(rlib_v0.__version__)') installed; linkers: $(for l in ld.bfd ld.gold ld.lld mold; do command -v $l >/dev/null && printf '%s ' $l; done)"
