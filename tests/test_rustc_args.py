"""Understanding and rewriting rustc command lines (rlib_v0.rustc_args).

Pure-function tests, plus a comparison with real rustc for the output file
names (where the rlib and the other `--emit` outputs land).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from rlib_v0.errors import UserError
from rlib_v0.compile.rustc_args import Extern, output_path, parse, rewrite_for_temp

needs_rustc = pytest.mark.skipif(shutil.which("rustc") is None, reason="needs rustc: https://rustup.rs")


# ---- output ----


@pytest.mark.parametrize(
    "args,out",
    [
        (["a.rs", "-o", "x/liba.rlib"], "x/liba.rlib"),
        (["a.rs", "-ox/liba.rlib"], "x/liba.rlib"),
        (["a.rs", "--out-dir", "d"], "d/liba.rlib"),
        (["a.rs", "--out-dir=d"], "d/liba.rlib"),
        (["a.rs", "--out-dir", "d", "-C", "extra-filename=-abc"], "d/liba-abc.rlib"),
        (["a.rs"], "./liba.rlib"),
        (["--crate-name", "other", "a.rs"], "./libother.rlib"),
        (["a.rs", "--emit", "link=p/q.rlib,metadata"], "p/q.rlib"),
        (["a.rs", "--emit=metadata,link=p/q.rlib", "-o", "ignored.rlib"], "p/q.rlib"),
    ],
)
def test_output_path(args, out):
    assert output_path(parse(args)) == out


def test_emit_list():
    r = parse(["a.rs", "--emit", "dep-info,link=out/x.rlib", "--emit=metadata=m.rmeta"])
    assert r.emit == [("dep-info", None), ("link", "out/x.rlib"), ("metadata", "m.rmeta")]


# ---- externs ----


@pytest.mark.parametrize(
    "spec,name,path",
    [
        ("a=liba.rlib", "a", "liba.rlib"),
        ("priv:a=dir/liba.rlib", "a", "dir/liba.rlib"),
        ("noprelude,priv:a_b=x=y.rlib", "a_b", "x=y.rlib"),
        ("force:proc_macro", "proc_macro", None),
        ("alloc", "alloc", None),
        ("_under=libu.rlib", "_under", "libu.rlib"),
    ],
)
def test_extern(spec, name, path):
    assert parse(["--extern", spec, "m.rs"]).externs == [Extern(name, path)]
    assert parse([f"--extern={spec}", "m.rs"]).externs == [Extern(name, path)]


@pytest.mark.parametrize("spec", ["1abc=x", "a-b=x", "=x", ""])
def test_bad_extern(spec):
    with pytest.raises(UserError, match="extern"):
        parse(["--extern", spec, "m.rs"])


# ---- codegen options ----


def test_codegen_spellings():
    r = parse(["m.rs", "-Copt-level=3", "-C", "debuginfo=2", "--codegen", "panic=abort", "--codegen=target-cpu=native", "-Cmetadata=one", "-C", "metadata=two", "-Cextra-filename=-h", "-Cincremental=/tmp/inc", "-Clinker=cc", "-Coverflow-checks"])
    assert r.codegen["opt-level"] == "3"
    assert r.codegen["debuginfo"] == "2"
    assert r.codegen["target-cpu"] == "native"
    assert r.codegen["overflow-checks"] == ""
    assert r.panic == "abort"
    assert r.metadata == "one,two"
    ident = r.identity_codegen()
    assert ident == {"debuginfo": "2", "opt-level": "3", "overflow-checks": "", "target-cpu": "native"}
    assert list(ident) == sorted(ident)


def test_panic_default_is_unwind():
    assert parse(["m.rs"]).panic == "unwind"
    assert parse(["m.rs"]).metadata == ""


def test_target_crate_type_and_name():
    r = parse(["--target", "aarch64-unknown-linux-gnu", "--crate-type=lib,rlib", "--crate-type", "rlib", "src/my-crate.rs", "--edition", "2021"])
    assert r.target == "aarch64-unknown-linux-gnu"
    assert r.crate_types == ["lib", "rlib", "rlib"]
    assert r.source == "src/my-crate.rs"
    assert r.crate_name == "my_crate"
    assert parse(["--crate-name", "given", "src/lib.rs"]).crate_name == "given"


def test_option_values_are_not_the_source():
    r = parse(["--cfg", "feature=\"x\"", "-L", "dir", "--cap-lints", "warn", "-W", "unused", "--edition", "2021", "--error-format", "json", "-Z", "x", "--print", "cfg", "lib.rs"])
    assert r.source == "lib.rs"


@pytest.mark.parametrize(
    "flag,linker_arg",
    [
        (["-l", "foo"], "-lfoo"),
        (["-lfoo"], "-lfoo"),
        (["-l", "static=foo"], "-lfoo"),
        (["-l", "static:+whole-archive,-bundle=foo"], "-lfoo"),
        (["-l", "dylib=foo:renamed"], "-lrenamed"),
        (["-l", "framework=Cocoa"], "-framework Cocoa"),
    ],
)
def test_native_libs(flag, linker_arg):
    assert parse(["m.rs", *flag]).native_libs == [linker_arg]


def test_remaps_recorded():
    assert parse(["m.rs", "--remap-path-prefix", "/src=.", "--remap-path-prefix=/home=~"]).remaps == ["/src=.", "/home=~"]


@pytest.mark.parametrize("opt", ["-o", "--out-dir", "--extern", "-C", "--crate-name", "--emit", "--target"])
def test_missing_value(opt):
    with pytest.raises(UserError, match=opt):
        parse(["m.rs", opt])


# ---- @argfiles ----


def test_argfiles(tmp_path):
    one = tmp_path / "one.args"
    one.write_text("--crate-type=rlib\n--extern\npriv:a=dir with space/liba.rlib\n")
    two = tmp_path / "two.args"
    two.write_text("-Cmetadata=m1\nlib.rs\n")
    r = parse([f"@{one}", f"@{two}", "-o", "out.rlib"])
    assert r.args == ["--crate-type=rlib", "--extern", "priv:a=dir with space/liba.rlib", "-Cmetadata=m1", "lib.rs", "-o", "out.rlib"]
    assert r.externs == [Extern("a", "dir with space/liba.rlib")]
    assert r.metadata == "m1" and r.source == "lib.rs" and r.output == "out.rlib"


def test_missing_argfile(tmp_path):
    with pytest.raises(UserError) as e:
        parse([f"@{tmp_path}/nope.args"])
    assert f"{tmp_path}/nope.args" in str(e.value) and "\n" not in str(e.value)


def test_at_inside_an_argfile_is_literal(tmp_path):
    """As rustc: an `@file` line inside an argument file is not expanded
    (real rustc then calls `@inner.args` an input file), so a file naming
    itself cannot expand without bound."""
    f = tmp_path / "loop.args"
    f.write_text(f"-Cmetadata=x\n@{f}\n")
    r = parse([f"@{f}", "m.rs"])
    assert r.args == ["-Cmetadata=x", f"@{f}", "m.rs"]


@pytest.mark.parametrize("content", [b"\xff\xfe-Copt-level=3\n", b"-Copt-level=3\n\x80\n"])
def test_argfile_not_utf8(tmp_path, content):
    f = tmp_path / "bad.args"
    f.write_bytes(content)
    with pytest.raises(UserError, match="not UTF-8") as e:
        parse([f"@{f}"])
    assert str(f) in str(e.value)


# ---- rewriting for the temporary output ----


def test_rewrite_for_temp_redirects_only_the_rlib():
    r = parse(["--crate-type=rlib", "a.rs", "-o", "out/liba.rlib", "--emit=dep-info,link", "-Copt-level=1"])
    new = rewrite_for_temp(r, "out/liba.rlib", "/t/liba.rlib", "/work")
    assert "-o" not in new and "out/liba.rlib" not in new
    assert "--emit=link=/t/liba.rlib,dep-info=out/liba.d" in new
    assert "-Copt-level=1" in new and "a.rs" in new and "--crate-type=rlib" in new
    assert "--remap-path-prefix=/work=." in new
    assert new.count("--crate-type=rlib") == 1


def test_rewrite_for_temp_out_dir_names_like_rustc():
    r = parse(["a.rs", "--out-dir", "deps", "-C", "extra-filename=-h1", "--emit=dep-info,metadata,link"])
    new = rewrite_for_temp(r, output_path(r), "/t/liba-h1.rlib", "/w")
    emit = [a for a in new if a.startswith("--emit=")]
    assert emit == ["--emit=link=/t/liba-h1.rlib,dep-info=deps/a-h1.d,metadata=deps/liba-h1.rmeta"]
    # rustc's intermediate files go to the temporary directory, not deps/.
    assert new[new.index("--out-dir") + 1] == "/t" and "deps" not in new
    assert "--crate-type=rlib" in new  # none was given


def test_rewrite_keeps_an_existing_cwd_remap():
    r = parse(["a.rs", "--remap-path-prefix=/w=/src"])
    new = rewrite_for_temp(r, "liba.rlib", "/t/liba.rlib", "/w")
    assert [a for a in new if "remap" in a] == ["--remap-path-prefix=/w=/src"]


def test_rewrite_removes_attached_forms():
    r = parse(["a.rs", "-oliba.rlib", "--out-dir=x", "--emit=link"])
    new = rewrite_for_temp(r, "liba.rlib", "/t/liba.rlib", "/w")
    assert not any(a.startswith(("-oliba", "--out-dir=", "--emit=link,")) for a in new) and "x" not in new
    assert [a for a in new if a.startswith("--emit")] == ["--emit=link=/t/liba.rlib"]


# ---- against real rustc ----


def _files(d) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*") if p.is_file() and not p.name.endswith(".rs")}


@needs_rustc
@pytest.mark.parametrize(
    "extra",
    [
        ["--out-dir", "o", "-C", "extra-filename=-1234", "--emit=dep-info,metadata,link"],
        ["--out-dir", "o", "--emit=link,obj"],
        ["-o", "o/renamed.rlib", "--emit=link,dep-info"],
        ["-o", "o/libsingle.rlib"],
        ["--out-dir=o"],
    ],
)
def test_output_names_match_rustc(tmp_path, extra):
    """`rlib-v0 rustc` puts every output where rustc itself would."""
    plain, wrapped = tmp_path / "plain", tmp_path / "wrapped"
    for d in (plain, wrapped):
        (d / "o").mkdir(parents=True)
        (d / "m.rs").write_text("pub fn f() -> u8 { 1 }\n")
    args = ["--crate-type=rlib", "--edition=2021", "m.rs", *extra]
    subprocess.run(["rustc", *args], cwd=plain, check=True, capture_output=True)
    r = subprocess.run(["rlib-v0", "rustc", "--", *args], cwd=wrapped, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    want = _files(plain)
    if "-o" in extra and any(e.startswith("--emit=") and "," in e for e in extra):
        # With several --emit kinds, rustc ignores -o's name for the rlib
        # (writes o/libm.rlib); the wrapper honours -o, which is what was asked.
        want = {("o/renamed.rlib" if f == "o/libm.rlib" else f) for f in want}
    if any("metadata" in e for e in extra):
        # Pipelining: the crate's identity beside its .rmeta (rlib_v0.sidecar).
        want |= {f[: -len(".rmeta")] + ".v0-identity.json" for f in want if f.endswith(".rmeta")}
    assert _files(wrapped) == want
    assert output_path(parse(args)) in {f"./{f}" for f in want} | want



def test_parse_calls_share_no_state():
    a = parse(["--extern", "x=a.rlib", "-Cfoo=1", "m.rs"])
    b = parse(["m.rs"])
    assert b.externs == [] and b.codegen == {} and a.externs == [Extern("x", "a.rlib")]


# ---- native libraries, search paths, driver options ----


@pytest.mark.parametrize(
    "flag,kind,mods,name,bundles",
    [
        (["-l", "static=ring_core"], "static", [], "ring_core", True),
        (["-lstatic=z"], "static", [], "z", True),
        (["-l", "static:+whole-archive=z"], "static", ["+whole-archive"], "z", True),
        (["-l", "static:-bundle=z"], "static", ["-bundle"], "z", False),
        (["-l", "static:+bundle,+verbatim=libz.a"], "static", ["+bundle", "+verbatim"], "libz.a", True),
        (["-l", "dylib=ssl"], "dylib", [], "ssl", False),
        (["-l", "m"], "", [], "m", False),
        (["-l", "static=old:new"], "static", [], "new", True),
    ],
)
def test_native_lib_parsed(flag, kind, mods, name, bundles):
    lib = parse(["m.rs", *flag]).libs[0]
    assert (lib.kind, lib.modifiers, lib.name, lib.bundles) == (kind, mods, name, bundles)


@pytest.mark.parametrize(
    "flag,want",
    [
        (["-l", "static=z"], ["-l", "static:-bundle=z"]),
        (["-lstatic=z"], ["-lstatic:-bundle=z"]),
        (["-l", "static:+whole-archive=z"], ["-l", "static:+whole-archive,-bundle=z"]),
        (["-l", "static:+bundle=z"], ["-l", "static:-bundle=z"]),
        (["-l", "static:-bundle=z"], ["-l", "static:-bundle=z"]),
        (["-l", "dylib=z"], ["-l", "dylib=z"]),
    ],
)
def test_rewrite_unbundles_static_libs(flag, want):
    new = rewrite_for_temp(parse(["m.rs", *flag]), "libm.rlib", "/t/libm.rlib", "/w")
    i = new.index(want[0])
    assert new[i : i + len(want)] == want


def test_search_paths():
    r = parse(["m.rs", "-L", "native=/o", "-Ldependency=/d", "-L", "/plain", "-L", "crate=/c"])
    assert r.search == [("native", "/o"), ("dependency", "/d"), ("all", "/plain"), ("crate", "/c")]


def test_cargo_invocation_parsed():
    """The options cargo passes for a registry crate with a build script."""
    args = ["--crate-name", "ring", "--edition=2021", "src/lib.rs", "--error-format=json", "--json=diagnostic-rendered-ansi,artifacts,future-incompat", "--crate-type", "lib", "--emit=dep-info,metadata,link", "-C", "embed-bitcode=no", "-C", "debuginfo=2", "--cfg", 'feature="alloc"', "--check-cfg", "cfg(docsrs,test)", "-C", "metadata=b4fb", "-C", "extra-filename=-71e5", "--out-dir", "/t/deps", "-L", "dependency=/t/deps", "--extern", "cfg_if=/t/deps/libcfg_if-d995.rmeta", "--cap-lints", "allow", "-L", "native=/t/out", "-l", "static=ring_core_0_17_14_"]
    r = parse(args)
    assert r.crate_name == "ring" and r.source == "src/lib.rs" and r.crate_types == ["lib"]
    assert r.error_format == "json" and r.metadata == "b4fb"
    assert output_path(r) == "/t/deps/libring-71e5.rlib"
    assert r.externs == [Extern("cfg_if", "/t/deps/libcfg_if-d995.rmeta")]
    assert [x.name for x in r.libs if x.bundles] == ["ring_core_0_17_14_"]
    assert r.identity_codegen() == {"debuginfo": "2", "embed-bitcode": "no"}


def test_metadata_path_and_emits_link():
    from rlib_v0.compile.rustc_args import emits_link, metadata_path

    r = parse(["a.rs", "--out-dir", "deps", "-C", "extra-filename=-h1", "--emit=dep-info,metadata,link"])
    assert metadata_path(r, output_path(r)) == "deps/liba-h1.rmeta" and emits_link(r)
    r = parse(["a.rs", "-o", "o/x.rlib", "--emit=metadata,link"])
    assert metadata_path(r, output_path(r)) == "o/x.rmeta"
    r = parse(["a.rs", "--emit=metadata"])
    assert not emits_link(r) and emits_link(parse(["a.rs"]))


@pytest.mark.parametrize(
    "flags, on",
    [
        ([], False),
        (["-Clinker-plugin-lto"], True),
        (["-C", "linker-plugin-lto=y"], True),
        (["--codegen", "linker-plugin-lto=/opt/LLVMgold.so"], True),
        (["-Clinker-plugin-lto=off"], False),
        (["-Clinker-plugin-lto", "-Clinker-plugin-lto=no"], False),  # the last one counts, as in rustc
        (["-Clinker-plugin-lto=no", "-Clinker-plugin-lto"], True),
    ],
)
def test_linker_plugin_lto(flags, on):
    assert parse(["--crate-type=rlib", "a.rs", *flags]).linker_plugin_lto is on
