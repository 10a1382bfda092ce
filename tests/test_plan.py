"""The link plan (rlib_v0.plan): dedup, ordering and checks, on hand-built markers."""

from __future__ import annotations

import itertools

import pytest

from rlib_v0 import plan as P
from rlib_v0.errors import UserError
from rlib_v0.identity import KIND_RLIB, KIND_STD_BUNDLE, Dep, Identity, crate_id

hypothesis = pytest.importorskip("hypothesis", reason="pip install hypothesis (or pip install -e '.[test]')")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HOST = "x86_64-unknown-linux-gnu"
COMMIT = "59807616e1fa2540724bfbac14d7976d7e4a3860"


def ident(crate: str, meta: str = "", deps: tuple[Identity, ...] = (), *, commit: str = COMMIT, target: str = HOST, panic: str = "unwind", content: str | None = None, libs: tuple[str, ...] = ()) -> Identity:
    return Identity(
        kind=KIND_RLIB,
        crate=crate,
        metadata=meta,
        crate_id=crate_id(crate, meta, target),
        rustc_version=f"rustc 1.95.0 ({commit[:9]})",
        rustc_release="1.95.0",
        rustc_commit=commit,
        target=target,
        panic=panic,
        deps=[Dep(d.crate, d.crate, d.crate_id) for d in deps],
        content_hash=content if content is not None else f"content-of-{crate}-{meta}",
        native_libs=list(libs),
    )


def bundle(panic: str = "unwind", *, commit: str = COMMIT, target: str = HOST, content: str | None = None) -> Identity:
    return Identity(
        kind=KIND_STD_BUNDLE,
        crate="std",
        metadata=f"bundle-{panic}",
        crate_id=crate_id("std", f"bundle-{panic}", target),
        rustc_version=f"rustc 1.95.0 ({commit[:9]})",
        rustc_release="1.95.0",
        rustc_commit=commit,
        target=target,
        panic=panic,
        content_hash=content or f"bundle-{panic}-{commit}-{target}",
        native_libs=["-lgcc_s", "-lc"],
    )


def inputs(*pairs: tuple[str, Identity], whole: set[int] = frozenset()) -> list[P.RustInput]:
    return [P.RustInput(n + 1, path, i, n in whole) for n, (path, i) in enumerate(pairs)]


def names(plan: P.Plan) -> list[str]:
    return [c.ident.crate + (f"@{c.ident.metadata}" if c.ident.metadata else "") for c in plan.crates]


A = ident("a")
B = ident("b", deps=(A,))
C = ident("c", deps=(A,))
STD = bundle()


# ---- ordering ----


def test_diamond_any_input_order():
    for perm in itertools.permutations([("liba.rlib", A), ("libb.rlib", B), ("libc.rlib", C)]):
        plan = P.make_plan(inputs(*perm, ("std.a", STD)))
        got = names(plan)
        assert got.index("a") > got.index("b") and got.index("a") > got.index("c")
        # b and c are unrelated: they keep their order of first appearance.
        first = [i.crate for _, i in perm if i.crate in "bc"]
        assert [n for n in got if n in "bc"] == first
        assert plan.bundle.path == "std.a"


def test_independent_crates_keep_command_line_order():
    xs = [ident(n) for n in "qwertz"]
    plan = P.make_plan(inputs(*[(f"lib{x.crate}.rlib", x) for x in xs], ("std.a", STD)))
    assert names(plan) == list("qwertz")


def test_chain_is_reversed_when_given_deps_first():
    a, b = ident("a"), None
    b = ident("b", deps=(a,))
    c = ident("c", deps=(b,))
    plan = P.make_plan(inputs(("a", a), ("b", b), ("c", c), ("s", STD)))
    assert names(plan) == ["c", "b", "a"]


def _smallest_topological_order(crates: list[Identity]) -> list[str]:
    """Reference: of all orders with every crate before its deps, the one that
    is lexicographically smallest by first-appearance position."""
    pos = {c.crate_id: n for n, c in enumerate(crates)}
    best = None
    for perm in itertools.permutations(range(len(crates))):
        at = {crates[p].crate_id: k for k, p in enumerate(perm)}
        if all(at[c.crate_id] < at[d.crate_id] for c in crates for d in c.deps):
            best = perm if best is None or perm < best else best
    assert best is not None
    return [crates[p].crate for p in best] if pos else []


@st.composite
def dags(draw, max_n: int = 6):
    n = draw(st.integers(1, max_n))
    made: list[Identity] = []
    for k in range(n):
        deps = draw(st.lists(st.sampled_from(made), unique_by=lambda i: i.crate_id, max_size=3)) if made else []
        made.append(ident(f"k{k}", deps=tuple(deps)))
    order = draw(st.permutations(made))
    dup = draw(st.lists(st.sampled_from(made), max_size=4))
    return list(order), dup


@settings(max_examples=200, deadline=None)
@given(dags())
def test_order_property(dag):
    crates, dups = dag
    seq = crates + dups
    plan = P.make_plan(inputs(*[(f"lib{c.crate}.rlib", c) for c in seq], ("std.a", STD)))
    got = names(plan)
    # Each crate once, every crate before all of its dependencies.
    assert sorted(got) == sorted(c.crate for c in crates)
    at = {n: k for k, n in enumerate(got)}
    for c in crates:
        for d in c.deps:
            d_name = next(x.crate for x in crates if x.crate_id == d.crate_id)
            assert at[c.crate] < at[d_name]
    # Ties keep first appearance: the smallest such order.
    assert got == _smallest_topological_order(crates)
    assert len(plan.dropped) == len(dups)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_an_order_already_topological_is_kept(data):
    """A list that already has every crate before its dependencies (what a
    build system that knows the graph passes, e.g. Buck2's link line) comes
    out as given, whatever the graph: nothing to reorder, at any size."""
    n = data.draw(st.integers(1, 80))
    made: list[Identity] = []
    for k in range(n):
        deps = data.draw(st.lists(st.sampled_from(made), unique_by=lambda i: i.crate_id, max_size=4)) if made else []
        made.append(ident(f"k{k}", deps=tuple(deps)))
    # Dependencies were made first: a random linear extension, dependents first.
    left = {c.crate_id: c for c in made}
    needed_by = {c.crate_id: {d.crate_id for d in c.deps} for c in made}
    users = {c.crate_id: sum(c.crate_id in needed_by[u] for u in needed_by) for c in made}
    order: list[Identity] = []
    while left:
        ready = sorted(cid for cid in left if users[cid] == 0)
        cid = data.draw(st.sampled_from(ready))
        order.append(left.pop(cid))
        for d in needed_by[cid]:
            users[d] -= 1
    plan = P.make_plan(inputs(*[(f"lib{c.crate}.rlib", c) for c in order], ("std.a", STD)))
    assert names(plan) == [c.crate for c in order]


def test_cycle_is_reported():
    x = ident("x")
    y = ident("y", deps=(x,))
    x_cyclic = ident("x", deps=(y,))
    with pytest.raises(UserError, match="cycle.*x, y"):
        P.make_plan(inputs(("x", x_cyclic), ("y", y), ("s", STD)))


# ---- dedup ----


def test_same_file_twice_is_linked_once():
    plan = P.make_plan(inputs(("liba.rlib", A), ("libb.rlib", B), ("liba.rlib", A), ("std.a", STD)))
    assert names(plan) == ["b", "a"]
    assert [(d.path, d.kept) for d in plan.dropped] == [("liba.rlib", "liba.rlib")]
    assert "same file" in plan.dropped[0].reason
    assert plan.rust_arg_indexes == [1, 2, 3, 4]


def test_same_crate_under_two_paths_is_linked_once():
    plan = P.make_plan(inputs(("x/liba.rlib", A), ("y/liba.rlib", ident("a")), ("std.a", STD)))
    assert [c.path for c in plan.crates] == ["x/liba.rlib"]
    assert plan.dropped[0].path == "y/liba.rlib" and "another path" in plan.dropped[0].reason


def test_two_versions_of_a_crate_are_two_crates():
    a1, a2 = ident("a", "v1"), ident("a", "v2")
    plan = P.make_plan(inputs(("a1.rlib", a1), ("a2.rlib", a2), ("std.a", STD)))
    assert names(plan) == ["a@v1", "a@v2"] and plan.dropped == []


def test_same_crate_different_contents_is_an_error():
    other = ident("a", content="different")
    with pytest.raises(UserError) as e:
        P.make_plan(inputs(("one/liba.rlib", A), ("two/liba.rlib", other), ("std.a", STD)))
    msg = str(e.value)
    assert "crate a" in msg and "one/liba.rlib" in msg and "two/liba.rlib" in msg


def test_duplicate_inherits_whole_archive():
    plan = P.make_plan(inputs(("liba.rlib", A), ("liba.rlib", A), ("std.a", STD), whole={1}))
    assert len(plan.crates) == 1 and plan.crates[0].whole_archive


def test_same_bundle_twice_is_dropped():
    plan = P.make_plan(inputs(("liba.rlib", A), ("s1.a", STD), ("s2.a", bundle())))
    assert plan.bundle.path == "s1.a"
    assert [(d.path, d.kept) for d in plan.dropped] == [("s2.a", "s1.a")]


# ---- checks ----


def _err(*pairs, **kw) -> str:
    with pytest.raises(UserError) as e:
        P.make_plan(inputs(*pairs), **kw)
    assert "\n" not in str(e.value)
    return str(e.value)


def test_two_different_bundles():
    msg = _err(("liba.rlib", A), ("u.a", STD), ("ab.a", bundle("abort")))
    assert "two std bundles" in msg and "u.a" in msg and "ab.a" in msg


def test_no_bundle():
    assert "no std bundle" in _err(("liba.rlib", A))


def test_bundle_alone_is_fine():
    plan = P.make_plan(inputs(("std.a", STD)))
    assert plan.crates == [] and plan.bundle.path == "std.a"


def test_no_rust_inputs_is_an_empty_plan():
    plan = P.make_plan([])
    assert plan.crates == [] and plan.bundle is None and plan.native_libs == []


def test_mixed_rustc():
    old = ident("a", commit="0123456789abcdef0123456789abcdef01234567")
    msg = _err(("liba.rlib", old), ("std.a", STD))
    assert "liba.rlib" in msg and "crate a" in msg and "rustc" in msg and "012345678" in msg and "std.a" in msg


def test_other_target():
    msg = _err(("liba.rlib", A), ("std.a", bundle(target="aarch64-unknown-linux-gnu")))
    assert "x86_64-unknown-linux-gnu" in msg and "aarch64-unknown-linux-gnu" in msg and "liba.rlib" in msg
    assert " by rustc " not in msg  # the rustc is the same: not named as a difference
    assert "`rlib-v0 std-bundle --target x86_64-unknown-linux-gnu`" in msg


def test_other_rustc_and_target_named_together():
    """A cross build's crates linked with the host's bundle of another rustc:
    both differences in the one line, in the order crate, bundle."""
    other = "0123456789abcdef0123456789abcdef01234567"
    msg = _err(("liba.rlib", A), ("std.a", bundle(commit=other, target="aarch64-unknown-linux-gnu")))
    assert f"is built by rustc 1.95.0 ({COMMIT[:9]}) for x86_64-unknown-linux-gnu, but the std bundle std.a by rustc 1.95.0 ({other[:9]}) for aarch64-unknown-linux-gnu" in msg, msg
    assert "--rustc RUSTC --target x86_64-unknown-linux-gnu" in msg


def test_mixed_panic():
    msg = _err(("liba.rlib", ident("a", panic="abort")), ("std.a", STD))
    assert "panic" in msg and "abort" in msg and "crate a" in msg


def test_missing_dependency():
    msg = _err(("libb.rlib", B), ("std.a", STD))
    assert "crate b" in msg and "crate a" in msg and "libb.rlib" in msg


def test_dependency_on_another_version_is_missing():
    b_wants_v1 = ident("b", deps=(ident("a", "v1"),))
    msg = _err(("libb.rlib", b_wants_v1), ("liba.rlib", ident("a", "v2")), ("std.a", STD))
    assert "depends on crate a" in msg


def test_whole_archive_crates():
    plan = P.make_plan(inputs(("liba.rlib", A), ("libb.rlib", B), ("std.a", STD)), {"a"})
    assert {c.ident.crate: c.whole_archive for c in plan.crates} == {"a": True, "b": False}
    assert "not on the link line" in _err(("liba.rlib", A), ("std.a", STD), whole_archive_crates={"zzz"})


def test_native_libs_deduplicated_then_bundle():
    x = ident("x", libs=("-lssl", "-lz"))
    y = ident("y", deps=(x,), libs=("-lz", "-lm", "-lz"))  # a crate naming one twice (libz-sys)
    plan = P.make_plan(inputs(("x", x), ("y", y), ("s", STD)))
    assert plan.native_libs == ["-lz", "-lm", "-lssl", "-lgcc_s", "-lc"]


def test_describe_mentions_everything():
    plan = P.make_plan(inputs(("liba.rlib", A), ("libb.rlib", B), ("liba.rlib", A), ("std.a", STD)))
    text = plan.describe()
    for s in ("crate b", "crate a", "libb.rlib", "std.a", "dropped liba.rlib", "-lgcc_s"):
        assert s in text


@pytest.mark.parametrize(
    "long_names,expected",
    [
        (b"std-0123456789abcdef.std.a1b2c3-cgu.0.rcgu.o/\n", True),
        (b"foo.o/\nstd-0123456789abcdef.std.a1b2c3-cgu.0.rcgu.o/\n", True),
        (b"libstd-0123456789abcdef.std.x/\n", False),
        (b"mystd-0123456789abcdef.std.x/\n", False),
        (b"a.b.c-cgu.0.rcgu.o/\n", False),
        (b"", False),
    ],
)
def test_is_rust_staticlib(long_names, expected):
    assert P.is_rust_staticlib(long_names) is expected


def test_test_bundle_supersedes_the_plain_bundle():
    """A rust_v0_test link: the libraries bring the plain bundle, the test
    brings std + libtest; the latter is kept, the former dropped with a reason."""

    plain = bundle()
    with_test = bundle(content="bundle-with-libtest")
    with_test.with_test = True
    a = ident("a")
    plan = P.make_plan(inputs(("a.rlib", a), ("libstd.a", plain), ("libstd_test.a", with_test)))
    assert plan.bundle.path == "libstd_test.a"
    assert [(d.path, d.kept) for d in plan.dropped] == [("libstd.a", "libstd_test.a")]
    # Another panic strategy is no superset: still two bundles, refused.
    other = bundle("abort", content="abort-with-libtest")
    other.with_test = True
    with pytest.raises(UserError, match="two std bundles"):
        P.make_plan(inputs(("a.rlib", a), ("libstd.a", plain), ("libstd_test.a", other)))
    # Two plain bundles: refused as before.
    with pytest.raises(UserError, match="two std bundles"):
        P.make_plan(inputs(("a.rlib", a), ("libstd.a", plain), ("libstd2.a", bundle(content="other"))))
