#!/usr/bin/env bash
# Installs what rlib-v0 and its tests need on a Debian machine that has
# Python 3.11+, gcc/g++ and rustc/cargo (rustup):
# - the lld and mold linkers, graphviz, cmake and ninja (Debian packages);
# - pkg-config and the OpenSSL and zlib development files, which build scripts
#   of the big reindeer set find (openssl-sys, libz-sys: tests/reindeer_big);
# - for the cross-compilation tests: a second real rustc with a complete
#   aarch64 standard library (Debian's rustc-web 1.96 and
#   libstd-rust-web-dev:arm64, after `dpkg --add-architecture arm64`), the
#   aarch64 C/C++ cross compilers and qemu-user;
# - the Python package with its test, benchmark and plot extras (its one
#   runtime dependency, LIEF, is for `rlib-v0 size`).
# Idempotent and quiet: when everything is present, no package is touched.
# Not root, or no apt-get: a warning says what to install (those tests skip).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> what shows it is installed (a command, or an absolute path).
missing=()
need() {
  case "$2" in
    /*) [ -e "$2" ] ;;
    *) command -v "$2" >/dev/null 2>&1 ;;
  esac || missing+=("$1")
}
# A package of another architecture is known to dpkg only.
need_pkg() {
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ] || missing+=("$1")
}
need lld ld.lld
need mold mold
need graphviz dot
need cmake cmake
need ninja-build ninja
need pkg-config pkg-config
need gcc-aarch64-linux-gnu aarch64-linux-gnu-gcc
need g++-aarch64-linux-gnu aarch64-linux-gnu-g++
need qemu-user qemu-aarch64
if command -v dpkg-query >/dev/null 2>&1; then
  need_pkg libssl-dev
  need_pkg zlib1g-dev
  need_pkg rustc-web
  need_pkg libstd-rust-web-dev:arm64
else
  need libssl-dev /usr/include/openssl/ssl.h
  need zlib1g-dev /usr/include/zlib.h
  need rustc-web /usr/lib/rustlib/aarch64-unknown-linux-gnu/lib
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} from Debian packages"
    log=$(mktemp)
    # libstd-rust-web-dev:arm64 comes from the arm64 side of the same archive.
    if [[ " ${missing[*]} " == *":arm64 "* ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
      dpkg --add-architecture arm64
    fi
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
      tail -n 20 "$log" >&2
      echo "setup: warning: installing ${missing[*]} failed (above); the tests that need them will skip" >&2
    fi
    rm -f "$log"
  else
    arm=""
    [[ " ${missing[*]} " == *":arm64 "* ]] && arm="sudo dpkg --add-architecture arm64 && "
    echo "setup: warning: ${missing[*]} missing; install with: ${arm}sudo apt-get update && sudo apt-get install ${missing[*]} (tests for them will skip)" >&2
  fi
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test,bench,plot]'
echo "setup: rlib-v0 $(python3 -c 'import rlib_v0; print(rlib_v0.__version__)') installed; linkers: $(for l in ld.bfd ld.gold ld.lld mold; do command -v $l >/dev/null && printf '%s ' $l; done)"
