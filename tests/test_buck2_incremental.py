"""End-to-end: what Buck2 re-runs after an edit, and debug output of a failing link.

Works on its own copy of the repository, since it edits files.
"""

from __future__ import annotations

import pytest

from buck2_util import Buck2, copy_repo, require_buck2

TARGETS = ("//examples/diamond:main", "//examples/cxx_diamond:main", "//examples/two_versions:main")


@pytest.fixture(scope="module")
def buck2(tmp_path_factory: pytest.TempPathFactory):
    exe = require_buck2()
    with Buck2(exe, copy_repo(tmp_path_factory.mktemp("repo"))) as b:
        b.build(*TARGETS)
        yield b


def ran_actions(b: Buck2) -> list[str]:
    # what-ran lists cache hits too; only executed actions count here.
    return [line for line in b.what_ran() if "\tcache" not in line]


def test_noop_rebuild_runs_nothing(buck2: Buck2) -> None:
    buck2.build(*TARGETS)
    assert ran_actions(buck2) == []


def test_leaf_change_reruns_only_its_dependents(buck2: Buck2) -> None:
    base = buck2.repo / "examples" / "diamond" / "base.rs"
    base.write_text(base.read_text().replace('format!("{who}#{n}")', 'format!("{who}@{n}")'))
    buck2.build(*TARGETS)
    ran = ran_actions(buck2)
    labels = {name: [line for line in ran if f"root//examples/diamond:{name} " in line] for name in ("base", "left", "right", "main")}
    # The edited crate, both crates above it, the main object and the link...
    for name in ("base", "left", "right"):
        assert labels[name], f"{name} did not rebuild:\n" + "\n".join(ran)
    assert len(labels["main"]) >= 2, "main object and link:\n" + "\n".join(ran)
    # ...and nothing else: not the std bundle, not the other examples.
    others = [line for line in ran if "root//examples/diamond:" not in line]
    assert others == [], "unexpected actions:\n" + "\n".join(others)
    assert buck2.run_target("//examples/diamond:main") == "diamond: left@1 right@2\n"


BROKEN_BUCK = """
load("@prelude_ext//:defs.bzl", "rust_v0_binary", "rust_v0_library")

rust_v0_library(
    name = "needs_c",
    srcs = ["needs_c.rs"],
)

rust_v0_binary(
    name = "main",
    srcs = ["main.rs"],
    deps = [":needs_c"],
)
"""

NEEDS_C = """
extern "C" {
    fn rlib_v0_symbol_nobody_defines() -> i32;
}

pub fn call() -> i32 {
    unsafe { rlib_v0_symbol_nobody_defines() }
}
"""


def test_failing_link_keeps_debug_output(buck2: Buck2) -> None:
    pkg = buck2.repo / "examples" / "broken"
    pkg.mkdir()
    (pkg / "BUCK").write_text(BROKEN_BUCK)
    (pkg / "needs_c.rs").write_text(NEEDS_C)
    (pkg / "main.rs").write_text("fn main() { println!(\"{}\", needs_c::call()); }\n")
    debug = ("-c", "rust_v0.link_debug=true")

    failed = buck2.build(*debug, "//examples/broken:main", check=False)
    assert failed.returncode != 0
    assert "rlib_v0_symbol_nobody_defines" in failed.stderr

    outs = buck2.outputs("//examples/broken:main[link-debug]", extra=debug)
    log = next(iter(outs.values())).read_text()
    assert "rlib-v0 link plan" in log
    assert "crate needs_c (root//examples/broken:needs_c)" in log
    assert "rlib_v0_symbol_nobody_defines" in log
