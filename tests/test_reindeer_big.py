"""A monorepo-sized third-party set through reindeer with rlib-v0's macros.

tests/reindeer_big/third-party: the crates a C++ service takes (tokio with
hyper and reqwest on rustls/ring, serde, clap, tracing, regex, rayon, chrono,
uuid, zstd over zstd-sys's C, flate2 over libz-sys and the system zlib,
rusqlite with SQLite's bundled C, openssl over the system OpenSSL, prost,
tonic, axum...: ~280 crates for Linux, 41 build scripts), pinned by its
Cargo.lock, vendored and buckified at test time. A first-party
`rust_v0_library` (app/lib.rs) uses them behind a C API, and a stock
`cxx_binary` runs it: an HTTP request served by hyper on 127.0.0.1 and
fetched by reqwest, the body compressed with zstd and gzip, stored in and
read back from SQLite, hashed with ring, OpenSSL and sha2.

The repository is kept between runs under the test cache
(`$RLIB_V0_TEST_CACHE`, else ~/.cache/rlib-v0-tests): the vendored crates are
reused while Cargo.lock, Cargo.toml, reindeer.toml, the fixups and reindeer
are unchanged; buck-out too, but Buck2 reruns every action after its daemon
restarts (it has no local action cache), so a second run is incremental only
with RLIB_V0_TEST_KEEP_DAEMON=1 (the daemon is then left up). CI runs
dev with the default link mode; `RLIB_V0_TEST_FULL=1` adds release, bare
links through the wrapper (`link_check=wrapper`; compile is the default), pipelined compiles and a remote build
(NativeLink), which bench/buck2_reindeer.py also times.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest

from buck2_util import Buck2, require_buck2
from nativelink_util import NativeLink, require_nativelink
from reindeer_util import cached_buck2, prepare

HERE = Path(__file__).parent
SET = HERE / "reindeer_big"
FULL = os.environ.get("RLIB_V0_TEST_FULL", "") == "1"
FULL_HINT = "the big set's other configurations run with RLIB_V0_TEST_FULL=1 (and in bench/buck2_reindeer.py)"


def expected_line() -> str:
    """What app/main.cpp prints, computed here: the served JSON body is known,
    so its SHA-256 is too."""
    body = json.dumps({"greeting": "hello-42", "path": "/v1/items", "items": list(range(1, 41))}, separators=(",", ":")).encode()
    sha = hashlib.sha256(body).hexdigest()[:12]
    # prost: "hello-42" (2 + 8 bytes), count 820 (1 + 2), Timestamp{1_700_000_000} (2 + 6).
    return (
        f"service: http=200 path=/v1/items json_items=40 sum=820 digits=1 zstd=true gzip=true sqlite_rows=6 sha256={sha} "
        "openssl=agrees date=2024-02-29 uuid=v4 prost=21 template=hello-42! toml_workers=2 semver=1.2.3 base64=cmxpYi12MA== lru=2 "
        "dashmap=1 mime=application/json tracing_events=2\n"
    )


def require_system_libraries() -> None:
    """openssl-sys and libz-sys find the system's OpenSSL and zlib with pkg-config."""
    import shutil
    import subprocess

    ok = shutil.which("pkg-config") and subprocess.run(["pkg-config", "--exists", "openssl", "zlib"]).returncode == 0
    if not ok:
        pytest.skip("needs pkg-config and the OpenSSL and zlib development files: apt-get install pkg-config libssl-dev zlib1g-dev (scripts/setup.sh installs them)")


@pytest.fixture(scope="module")
def repo():
    exe = require_buck2()
    require_system_libraries()
    root = prepare("reindeer_big", {"third-party": SET / "third-party", "app": SET / "app"})
    yield from cached_buck2(exe, root, "rlib-v0-reindeer-big")


def test_service_runs_from_cxx(repo: Buck2) -> None:
    """dev, the default link mode (compile): the C++ service over ~280 crates."""
    assert repo.run_target("//app:service", timeout=3600) == expected_line()


def test_link_plan_has_every_crate_once_and_no_macro_or_build_script(repo: Buck2) -> None:
    (log,) = repo.outputs("//app:service_rs[link-debug]", extra=("-c", "rust_v0.link_debug=true")).values()
    text = (repo.repo / log).read_text()
    # (name, -C metadata): two versions of a crate are two crates (base64 0.22 and 0.23).
    linked = re.findall(r"^\s+\d+\. crate (\S+) \((\S+)\)", text, re.M)
    assert len(linked) == len(set(linked)), sorted({c for c in linked if linked.count(c) > 1})
    assert len(linked) >= 200, len(linked)
    crates = [name for name, _ in linked]
    for c in ("service", "tokio", "hyper", "reqwest", "rustls", "ring", "openssl", "openssl_sys", "rusqlite", "libsqlite3_sys", "zstd_sys", "libz_sys", "flate2", "prost", "tonic", "axum"):
        assert c in crates, c
    for macro in ("serde_derive", "tokio_macros", "clap_derive", "thiserror_impl", "prost_derive", "async_trait", "tracing_attributes", "proc_macro2", "syn", "quote", "build_script_build"):
        assert macro not in crates, macro
    # C compiled by build scripts, placed after the crate that asked for it.
    for lib, crate in (("libsqlite3.a", "libsqlite3_sys"), ("libzstd.a", "zstd_sys")):
        assert re.search(rf"native static library \S+/{lib} after crate {crate}$", text, re.M), (lib, text[-3000:])
    assert repo.run_target("//app:service_rs") == expected_line()


def test_links_metadata_reaches_dependent_build_scripts(repo: Buck2) -> None:
    """openssl-sys's build script tells openssl's (DEP_OPENSSL_VERSION_NUMBER):
    the system OpenSSL 3 becomes openssl's `ossl300` cfg."""
    outs = repo.outputs("//third-party:openssl-sys-0.9-build-script-main-run[metadata]", "//third-party:openssl-0.10-build-script-run[rustc_flags]")
    meta = (repo.repo / outs["root//third-party:openssl-sys-0.9-build-script-main-run[metadata]"]).read_text()
    version = re.search(r"^DEP_OPENSSL_VERSION_NUMBER=([0-9a-f]+)$", meta, re.M)
    assert version, meta
    flags = (repo.repo / outs["root//third-party:openssl-0.10-build-script-run[rustc_flags]"]).read_text().splitlines()
    if int(version.group(1), 16) >= 0x3000_0000:
        assert "--cfg=ossl300" in flags, flags


@pytest.mark.skipif(not FULL, reason=FULL_HINT)
@pytest.mark.parametrize(
    "mode",
    [("--target-platforms", "toolchains//platforms:release"), ("-c", "rust_v0.link_check=wrapper"), ("-c", "rust_v0.pipelined=true")],
    ids=["release", "wrapper-links", "pipelined"],
)
def test_service_other_configurations(repo: Buck2, mode: tuple[str, str]) -> None:
    assert repo.run_target("//app:service", *mode, timeout=3600) == expected_line()


@pytest.mark.skipif(not FULL, reason=FULL_HINT)
def test_builds_remotely(repo: Buck2, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every action on NativeLink, local execution off: build scripts running
    cc and pkg-config, the metadata between them, the C libraries they made."""
    exe = require_nativelink()
    local = repo.repo / ".buckconfig.local"
    with NativeLink(exe, tmp_path_factory.mktemp("nativelink")) as server:
        local.write_text(server.buckconfig())
        try:
            with Buck2(repo.exe, repo.repo, isolation="pytest-re-big") as b:
                b.build("//app:service", timeout=7200)
                ran = b.executors()
                assert ran and all(w.startswith("re(") or w == "cache" for w in ran.values()), {a: w for a, w in ran.items() if not w.startswith("re(")}
                assert b.run_target("//app:service") == expected_line()
        finally:
            local.unlink()
