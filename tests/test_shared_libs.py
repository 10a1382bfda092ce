"""Shared objects over v0 rlibs: each `.so` exports its C/C++ API and hides
every Rust and std symbol inside it (docs/shared-libraries.md).

Two C++ plugins, each over its own version of one crate (`verlib`,
`-C metadata=v1` / `v2`) and over one shared crate (`counter`: a process-wide
counter and a thread-local), linked by `rlib-v0 link -- c++ -shared` with
ld.bfd, gold, lld and mold.  Exported symbols are read with pyelftools (the
independent ELF reader) and compared exactly: the plugin's own objects'
exports (the same linker making a `.so` of them alone: the user's API plus
what the linker itself defines) and the crates' `#[no_mangle]` /
`#[export_name]` items, nothing else.  The plugins are loaded together with
`dlopen(RTLD_GLOBAL)` in both orders: each keeps its own counter.  The same
plugins linked with `--export-rust` (every Rust symbol exported, as a
staticlib in a `.so` does) share one counter: what the hiding prevents.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import LINKERS, assert_user_error

elftools = pytest.importorskip("elftools.elf.elffile", reason="needs pyelftools: pip install -e '.[test]'")

VERLIB_RS = """
/// This build's version: 1 or 2.
pub fn version() -> u32 { %d }
#[inline(never)]
pub fn describe() -> String { format!("verlib {}", version()) }
"""

COUNTER_RS = """
use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};
static COUNT: AtomicU32 = AtomicU32::new(0);
/// Process-wide state: shared by whoever calls this copy of the crate.
#[inline(never)]
pub fn bump() -> u32 { COUNT.fetch_add(1, Ordering::SeqCst) + 1 }
thread_local! { pub static DEPTH: Cell<u32> = const { Cell::new(0) }; }
/// Inlined into its callers, which then name the crate's thread-local
/// (a global TLS symbol: the hide object must say STT_TLS for bfd and gold).
#[inline]
pub fn enter() -> u32 { DEPTH.with(|d| { d.set(d.get() + 1); d.get() }) }
"""

# The crate each plugin's C++ calls: unmangled entry points only.
USER_RS = """
#[no_mangle]
pub extern "C" fn PFX_version() -> u32 { verlib::version() }
#[export_name = "PFX_bump_counter"]
pub extern "C" fn bump() -> u32 { counter::bump() }
#[no_mangle]
pub extern "C" fn PFX_enter() -> u32 { counter::enter() + verlib::describe().len() as u32 * 0 }
"""

PLUGIN_H = """
#include <stdexcept>
namespace PFX {
struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
    ~Error() override;
};
template <class T> T scaled(T x);
unsigned checked(int x);
}
"""

# A C API and a C++ API (a class with a key function, explicit template
# instantiations, an exception type) over the Rust crates.
PLUGIN_CPP = PLUGIN_H + """
#include <string>
extern "C" unsigned USER_version(void);
extern "C" unsigned USER_bump_counter(void);
extern "C" unsigned USER_enter(void);
namespace PFX {
Error::~Error() = default;
template <class T> T scaled(T x) { return x * static_cast<T>(USER_version()); }
template int scaled<int>(int);
template double scaled<double>(double);
unsigned checked(int x) {
    if (x < 0) throw Error("PFX: negative " + std::to_string(x));
    return USER_version() * 100 + static_cast<unsigned>(x);
}
}
extern "C" unsigned PFX_version(void) { return USER_version(); }
extern "C" unsigned PFX_bump(void) { return USER_bump_counter(); }
extern "C" unsigned PFX_enter(void) { return USER_enter(); }
"""

# Loads the plugins given as PATH:PREFIX, in that order, RTLD_GLOBAL, then
# calls each: version, the shared crate's counter, its thread-local.
HOST_C = r"""
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
typedef unsigned (*fn)(void);
static fn get(void *h, const char *pfx, const char *what) {
    char name[128];
    snprintf(name, sizeof name, "%s_%s", pfx, what);
    fn f = (fn)dlsym(h, name);
    if (!f) { fprintf(stderr, "dlsym %s: %s\n", name, dlerror()); }
    return f;
}
int main(int argc, char **argv) {
    void *h[8]; char *pfx[8];
    for (int i = 1; i < argc && i < 9; i++) {
        char *colon = strrchr(argv[i], ':');
        *colon = 0;
        pfx[i - 1] = colon + 1;
        h[i - 1] = dlopen(argv[i], RTLD_NOW | RTLD_GLOBAL);
        if (!h[i - 1]) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
    }
    for (int i = 0; i < argc - 1; i++) {
        fn v = get(h[i], pfx[i], "version"), b = get(h[i], pfx[i], "bump"), e = get(h[i], pfx[i], "enter");
        if (!v || !b || !e) return 1;
        printf("%s version=%u bump=%u enter=%u\n", pfx[i], v(), b(), e());
    }
    return 0;
}
"""

# Links against both plugins: templates, an exception thrown in a plugin
# and caught here by its type.
CXX_HOST = PLUGIN_H.replace("PFX", "plugin1") + PLUGIN_H.replace("PFX", "plugin2") + r"""
#include <cstdio>
int main() {
    std::printf("%d %.1f %d\n", plugin1::scaled<int>(21), plugin1::scaled<double>(1.5), plugin2::scaled<int>(21));
    try {
        plugin2::checked(-3);
        std::puts("no exception");
    } catch (const plugin2::Error &e) {
        std::printf("caught plugin2::Error: %s\n", e.what());
    }
    try {
        plugin1::checked(-4);
    } catch (const plugin2::Error &) {
        std::puts("wrong type");
    } catch (const std::runtime_error &e) {
        std::printf("caught runtime_error: %s\n", e.what());
    }
    std::printf("%u %u\n", plugin1::checked(5), plugin2::checked(6));
    return 0;
}
"""

PLUGINS = {"plugin1": ("use_old", 1), "plugin2": ("use_new", 2)}


def is_rust_name(name: str) -> bool:
    """The test's own oracle: v0-mangled, legacy-mangled with its hash, or
    rustc's internals (`__rust*`, std's personality routine)."""
    return name.startswith("_R") or re.search(r"17h[0-9a-f]{16}E$", name) is not None or name.startswith("__rust") or name == "rust_eh_personality"


def exports(path: Path) -> dict[str, str | None]:
    """Defined, non-local, default/protected-visibility symbols of `.dynsym`
    (pyelftools), name -> its version (None when unversioned)."""
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as f:
        e = ELFFile(f)
        versions: dict[int, str] = {}
        vd = e.get_section_by_name(".gnu.version_d")
        if vd is not None:
            for verdef, auxes in vd.iter_versions():
                versions[verdef["vd_ndx"]] = next(iter(auxes)).name
        vs = e.get_section_by_name(".gnu.version")
        out: dict[str, str | None] = {}
        for n, s in enumerate(e.get_section_by_name(".dynsym").iter_symbols()):
            if s["st_shndx"] == "SHN_UNDEF" or s["st_info"]["bind"] == "STB_LOCAL":
                continue
            if s["st_other"]["visibility"] not in ("STV_DEFAULT", "STV_PROTECTED"):
                continue
            ndx = vs.get_symbol(n)["ndx"] if vs is not None else None
            out[s.name] = versions.get(ndx) if isinstance(ndx, int) and ndx > 1 else None
    return out


@pytest.fixture(scope="module")
def crates(build_crate):
    """name -> rlib: verlib v1 and v2, counter, use_old (v1), use_new (v2)."""
    v1 = build_crate("verlib", VERLIB_RS % 1, flags=["-C", "metadata=v1"])
    v2 = build_crate("verlib", VERLIB_RS % 2, flags=["-C", "metadata=v2"])
    counter = build_crate("counter", COUNTER_RS, flags=["-C", "metadata=c1"])
    out = {"verlib-v1": v1, "verlib-v2": v2, "counter": counter}
    for plugin, (user, version) in PLUGINS.items():
        out[user] = build_crate(user, USER_RS.replace("PFX", user), deps={"verlib": v1 if version == 1 else v2, "counter": counter}, flags=["-C", f"metadata={user}"])
    return out


def plugin_object(compile_c, plugin: str) -> Path:
    user = PLUGINS[plugin][0]
    return compile_c(PLUGIN_CPP.replace("PFX", plugin).replace("USER", user), name=plugin, cxx=True, flags=["-fPIC"])


def plugin_inputs(crates, plugin: str) -> list[Path]:
    user, version = PLUGINS[plugin]
    return [crates[user], crates[f"verlib-v{version}"], crates["counter"]]


def link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld: str, plugin: str, out: Path, extra=(), export_rust: bool = False) -> Path:
    argv = ["c++", *fuse_ld(ld), "-shared", plugin_object(compile_c, plugin), *plugin_inputs(crates, plugin), std_bundle(), *extra, "-o", out]
    proc = link(argv, export_rust=export_rust)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


def baseline(fuse_ld, compile_c, ld: str, plugin: str, out: Path) -> dict[str, str | None]:
    """What the same linker exports for a `.so` of the plugin's object alone
    (no Rust: its API, plus anything the linker defines itself)."""
    proc = subprocess.run(["c++", *fuse_ld(ld), "-shared", str(plugin_object(compile_c, plugin)), "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return exports(out)


def no_mangle_names(plugin: str) -> set[str]:
    user = PLUGINS[plugin][0]
    return {f"{user}_version", f"{user}_bump_counter", f"{user}_enter"}


@pytest.mark.parametrize("ld", LINKERS)
def test_plugin_exports_its_api_and_no_rust(ld, crates, compile_c, std_bundle, fuse_ld, link, tmp_path):
    for plugin in PLUGINS:
        so = link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld, plugin, tmp_path / f"lib{plugin}.so")
        got = exports(so)
        want = set(baseline(fuse_ld, compile_c, ld, plugin, tmp_path / f"base-{plugin}.so")) | no_mangle_names(plugin)
        assert set(got) == want, (sorted(set(got) - want)[:20], sorted(want - set(got)))
        # The C++ API is there: the class's typeinfo and vtable, the
        # template instances, the function that throws.
        assert {f"_ZTIN{len(plugin)}{plugin}5ErrorE", f"_ZTVN{len(plugin)}{plugin}5ErrorE", f"_ZN{len(plugin)}{plugin}6scaledIiEET_S1_", f"_ZN{len(plugin)}{plugin}7checkedEi"} <= set(got)
        assert not [n for n in got if is_rust_name(n)]
    # Without the hiding (what a Rust staticlib in a .so gives): std and
    # the crates exported wholesale.
    leaky = link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld, "plugin1", tmp_path / "libleaky.so", export_rust=True)
    rust = [n for n in exports(leaky) if is_rust_name(n)]
    assert len(rust) > 1000 and any("verlib" in n for n in rust) and any("7counter4bump" in n for n in rust)


@pytest.fixture(scope="module")
def host(compile_c, e2e_dir):
    obj = compile_c(HOST_C, name="plugin_host")
    exe = obj.parent / "plugin_host"
    subprocess.run(["cc", str(obj), "-o", str(exe), "-ldl"], check=True)
    return exe


@pytest.mark.parametrize("ld", LINKERS)
def test_plugins_load_together_in_both_orders(ld, crates, compile_c, std_bundle, fuse_ld, link, host, run_exe, tmp_path):
    hidden = {p: link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld, p, tmp_path / f"lib{p}.so") for p in PLUGINS}
    leaky = {p: link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld, p, tmp_path / f"libleaky{p}.so", export_rust=True) for p in PLUGINS}
    for order in (["plugin1", "plugin2"], ["plugin2", "plugin1"]):
        proc = run_exe(host, *[f"{hidden[p]}:{p}" for p in order])
        assert proc.returncode == 0, proc.stderr
        # Each its own verlib and its own copy of counter (its own count,
        # its own thread-local).
        assert proc.stdout.splitlines() == [f"{p} version={PLUGINS[p][1]} bump=1 enter=1" for p in order]
        # Exported, the second plugin's calls into counter bind to the
        # first's: one counter for both.
        proc = run_exe(host, *[f"{leaky[p]}:{p}" for p in order])
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == [f"{order[0]} version={PLUGINS[order[0]][1]} bump=1 enter=1", f"{order[1]} version={PLUGINS[order[1]][1]} bump=2 enter=2"]


@pytest.mark.parametrize("ld", LINKERS)
def test_cxx_api_with_templates_and_exceptions(ld, crates, compile_c, std_bundle, fuse_ld, link, run_exe, tmp_path):
    for p in PLUGINS:
        link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld, p, tmp_path / f"lib{p}.so")
    obj = compile_c(CXX_HOST, name="cxx_host", cxx=True)
    exe = tmp_path / "cxx_host"
    proc = subprocess.run(["c++", *fuse_ld(ld), str(obj), f"-L{tmp_path}", "-lplugin1", "-lplugin2", f"-Wl,-rpath,{tmp_path}", "-o", str(exe)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert run_exe(exe).stdout.splitlines() == [
        "21 1.5 42",
        "caught plugin2::Error: plugin2: negative -3",
        "caught runtime_error: plugin1: negative -4",
        "105 206",
    ]


VERSION_SCRIPT = """PLUGIN1_1.0 {
  global:
    plugin1_*;
    extern "C++" { "plugin1::checked(int)"; };
  local: *;
};
"""


@pytest.mark.parametrize("ld", LINKERS)
def test_user_version_script_is_merged(ld, crates, compile_c, std_bundle, fuse_ld, link, host, run_exe, tmp_path):
    """A named version script: its globals exported at its version, its
    `local: *` obeyed (the crate's #[no_mangle] names go too), no Rust.
    An anonymous `global: *` one: the same exports as without a script."""
    script = tmp_path / "plugin1.map"
    script.write_text(VERSION_SCRIPT)
    so = link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld, "plugin1", tmp_path / "libplugin1.so", extra=[f"-Wl,--version-script,{script}"])
    got = {n: v for n, v in exports(so).items() if v != n}  # bfd and gold also export the version's name
    assert got == {"plugin1_version": "PLUGIN1_1.0", "plugin1_bump": "PLUGIN1_1.0", "plugin1_enter": "PLUGIN1_1.0", "_ZN7plugin17checkedEi": "PLUGIN1_1.0"}
    proc = run_exe(host, f"{so}:plugin1")
    assert proc.stdout == "plugin1 version=1 bump=1 enter=1\n", proc.stderr
    everything = tmp_path / "all.map"
    everything.write_text("{ global: *; };\n")
    plain = link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld, "plugin1", tmp_path / "libplain.so")
    scripted = link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld, "plugin1", tmp_path / "libscripted.so", extra=[f"-Wl,--version-script,{everything}"])
    assert set(exports(scripted)) == set(exports(plain))
    assert not [n for n in exports(scripted) if is_rust_name(n)]


@pytest.mark.parametrize("ld", LINKERS)
def test_user_dynamic_list_is_respected(ld, crates, compile_c, std_bundle, fuse_ld, link, tmp_path):
    """`--dynamic-list` on a shared object (which symbols stay preemptible):
    the exports are those without it; naming a Rust symbol does not export it."""
    plain = link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld, "plugin1", tmp_path / "libplain.so")
    rust_name = next(n for n in exports(link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld, "plugin1", tmp_path / "libleaky.so", export_rust=True)) if "7counter4bump" in n)
    dl = tmp_path / "dyn.list"
    dl.write_text(f"{{ plugin1_version; {rust_name}; }};\n")
    so = link_plugin(link, fuse_ld, compile_c, crates, std_bundle, ld, "plugin1", tmp_path / "libdl.so", extra=[f"-Wl,--dynamic-list,{dl}"])
    assert set(exports(so)) == set(exports(plain))


EXE_C = r"""
#include <stdio.h>
unsigned use_old_version(void);
unsigned use_old_bump_counter(void);
int main(void) { printf("%u %u\n", use_old_version(), use_old_bump_counter()); return 0; }
"""


def test_executable_link_is_unchanged(crates, compile_c, std_bundle, link, run_exe, tmp_path):
    """No -shared, no -rdynamic: the wrapper's command is what it was (no
    hide object, no --exclude-libs, no symbol table read)."""
    exe = tmp_path / "app"
    proc = link(["cc", compile_c(EXE_C, name="exe_main"), *plugin_inputs(crates, "plugin1"), std_bundle(), "-o", exe], debug=True)
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stderr.splitlines() if "linker command:" in ln)
    assert "hide.o" not in line and "--exclude-libs" not in line and "hiding" not in proc.stderr
    assert run_exe(exe).stdout == "1 1\n"


@pytest.mark.parametrize("ld", LINKERS)
def test_rdynamic_executable_follows_the_rule(ld, crates, compile_c, std_bundle, fuse_ld, link, run_exe, tmp_path):
    argv = ["cc", *fuse_ld(ld), "-rdynamic", compile_c(EXE_C, name="exe_main"), *plugin_inputs(crates, "plugin1"), std_bundle()]
    exe = tmp_path / "app"
    proc = link([*argv, "-o", exe])
    assert proc.returncode == 0, proc.stderr
    got = exports(exe)
    assert "main" in got and {"use_old_version", "use_old_bump_counter", "use_old_enter"} <= set(got)
    assert not [n for n in got if is_rust_name(n)]
    assert run_exe(exe).stdout == "1 1\n"
    proc = link([*argv, "-o", tmp_path / "leaky"], export_rust=True)
    assert proc.returncode == 0, proc.stderr
    assert len([n for n in exports(tmp_path / "leaky") if is_rust_name(n)]) > 1000


def test_debug_and_verify_tell_the_rust_exports(crates, compile_c, std_bundle, fuse_ld, link, rlib_v0, tmp_path):
    argv = ["c++", "-shared", plugin_object(compile_c, "plugin1"), *plugin_inputs(crates, "plugin1"), std_bundle()]
    proc = link([*argv, "-o", tmp_path / "libp.so"], debug=True)
    assert proc.returncode == 0, proc.stderr
    n = len(exports(tmp_path / "libp.so"))
    assert f"  exports: {n} symbols, none of them Rust" in proc.stderr.splitlines()
    assert "Rust symbols of 3 crates by a hidden-reference object" in proc.stderr
    assert "every symbol of libstd_bundle.a by --exclude-libs" in proc.stderr
    ok = rlib_v0("verify", tmp_path / "libp.so")
    assert ok.returncode == 0 and f"ok (shared object: exports {n} symbols, none of them Rust)" in ok.stdout, ok.stdout
    proc = link([*argv, "-o", tmp_path / "libleaky.so"], export_rust=True, debug=True)
    assert proc.returncode == 0, proc.stderr
    leaky = exports(tmp_path / "libleaky.so")
    rust = sorted(x for x in leaky if is_rust_name(x))
    assert f"  exports: {len(leaky)} symbols, {len(rust)} of them Rust:" in proc.stderr.splitlines()
    listed = [ln.split()[0] for ln in proc.stderr.splitlines() if ln.startswith("    ") and ln.strip().split()[0] in rust]
    assert listed == rust
    bad = rlib_v0("verify", "--json", tmp_path / "libleaky.so")
    assert bad.returncode == 1
    import json

    (rep,) = json.loads(bad.stdout)
    assert rep["kind"] == "shared object" and not rep["ok"] and rep["rust_exports"] == rust
    text = rlib_v0("verify", tmp_path / "libleaky.so").stdout
    assert f"FAILED (shared object: exports {len(leaky)} symbols, {len(rust)} of them Rust)" in text
    assert "(verlib::describe)" in proc.stderr and "(counter::bump)" in proc.stderr


def test_is_rust_internal_agrees_with_the_demangler(crates, std_bundle):
    """The cheap test on the shared-link path against the full demangler,
    on every global definition of std and of the crates."""
    from rlib_v0.formats import archive, elf
    from rlib_v0.rustc_symbols import ALLOCATOR_NAMES, PANIC_RUNTIME_NAMES
    from rlib_v0.demangle import is_rust_symbol
    from rlib_v0.compile.hide import is_rust_internal

    names: set[str] = set()
    for path in [std_bundle(), *crates.values()]:
        names |= {s for s, _ in archive.scan(str(path)).read_symbol_index()}
    assert len(names) > 2000
    for name in sorted(names):
        want = is_rust_symbol(name) or name.startswith("__rust") or name in ALLOCATOR_NAMES + PANIC_RUNTIME_NAMES
        assert is_rust_internal(name.encode()) == want, name
    # Names a crate may choose for itself stay.
    for name in ("plugin_init", "PyInit_foo", "Java_com_x_Y_call", "_ZN3foo3barEv", "_Rfoo", "_ZN3foo17hxyzE"):
        assert not is_rust_internal(name.encode()), name
    del elf


NATIVE_C = "unsigned nat_secret(void) { return 41; }\n"
NATIVE_RS = """
extern "C" { fn nat_secret() -> u32; }
#[no_mangle]
pub extern "C" fn natuser_value() -> u32 { 1 + unsafe { nat_secret() } }
"""


@pytest.mark.parametrize("ld", LINKERS)
def test_native_static_libraries_of_crates_are_hidden(ld, build_crate, compile_c, std_bundle, fuse_ld, link, tmp_path, e2e_dir):
    """A crate's `-l static=` library (its build script's C code) is the
    crate's inside, as a cdylib has it: not exported."""
    native = e2e_dir / "native-nat"
    native.mkdir(exist_ok=True)
    obj = compile_c(NATIVE_C, name="nat", flags=["-fPIC"])
    if not (native / "libnat.a").exists():
        subprocess.run(["ar", "rcs", str(native / "libnat.a"), str(obj)], check=True)
    crate = build_crate("natuser", NATIVE_RS, flags=["-l", "static=nat", "-L", f"native={native}"])
    api = compile_c('unsigned natuser_value(void);\nunsigned api_value(void) { return natuser_value(); }\n', name="nat_api", flags=["-fPIC"])
    so = tmp_path / "libnat_api.so"
    proc = link(["cc", *fuse_ld(ld), "-shared", api, crate, std_bundle(), "-o", so], debug=True)
    assert proc.returncode == 0, proc.stderr
    assert "libnat.a" in next(ln for ln in proc.stderr.splitlines() if "hiding" in ln)
    got = set(exports(so))
    assert {"api_value", "natuser_value"} <= got and "nat_secret" not in got
    assert not [n for n in got if is_rust_name(n)]


def test_bundle_name_that_exclude_libs_cannot_spell(crates, compile_c, std_bundle, link, tmp_path, sha256_files):
    odd = tmp_path / "libstd,bundle.a"
    shutil.copy(std_bundle(), odd)
    inputs = plugin_inputs(crates, "plugin1")
    before = sha256_files([odd, *inputs])
    proc = link(["c++", "-shared", plugin_object(compile_c, "plugin1"), *inputs, odd, "-o", tmp_path / "libp.so"])
    assert_user_error(proc, str(odd), "--exclude-libs")
    assert not (tmp_path / "libp.so").exists()
    assert sha256_files([odd, *inputs]) == before
    # An executable does not need the name: it links.
    proc = link(["cc", compile_c(EXE_C, name="exe_main"), *inputs, odd, "-o", tmp_path / "app"])
    assert proc.returncode == 0, proc.stderr


def test_second_copy_of_a_crate_in_a_shared_library_is_refused(crates, compile_c, std_bundle, link, tmp_path, sha256_files):
    """A library on the line that exports the crates' Rust symbols (linked
    the old way): hidden references meeting its definitions fail the link
    with gold and mold, and lld 14 writes a `.so` that calls address 0;
    the wrapper refuses, naming both copies."""
    proc = link(["c++", "-shared", plugin_object(compile_c, "plugin1"), *plugin_inputs(crates, "plugin1"), std_bundle(), "-o", tmp_path / "libleaky.so"], export_rust=True)
    assert proc.returncode == 0, proc.stderr
    inputs = plugin_inputs(crates, "plugin2")
    before = sha256_files(inputs)
    out = tmp_path / "libplugin2.so"
    for given in ([f"-L{tmp_path}", "-lleaky"], [tmp_path / "libleaky.so"]):
        proc = link(["c++", "-shared", plugin_object(compile_c, "plugin2"), *given, *inputs, std_bundle(), "-o", out])
        line = assert_user_error(proc, "libleaky.so", str(crates["counter"]), "--export-rust")
        assert " (e.g. counter::" in line
        assert not out.exists()
    assert sha256_files(inputs) == before
    proc = link(["c++", "-shared", plugin_object(compile_c, "plugin2"), f"-L{tmp_path}", "-lleaky", *inputs, std_bundle(), "-o", out], export_rust=True)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def compile_mode(tmp_path_factory, rlib_v0):
    """The crates and the bundle built with `--link-args`, as the Buck2
    rules build them for `link_check = "compile"`."""
    d = tmp_path_factory.mktemp("compile-mode")
    (d / "counter.rs").write_text(COUNTER_RS)
    (d / "verlib.rs").write_text(VERLIB_RS % 1)
    (d / "use_old.rs").write_text(USER_RS.replace("PFX", "use_old"))

    def crate(name: str, *extra: str) -> None:
        proc = rlib_v0("rustc", f"--link-args={d}/lib{name}.rlib-v0-link-args", "--", "--edition=2021", "--crate-type=rlib", f"--crate-name={name}", f"-Cmetadata={name}", str(d / f"{name}.rs"), "-o", str(d / f"lib{name}.rlib"), *extra)
        assert proc.returncode == 0, proc.stderr

    crate("verlib")
    crate("counter")
    crate("use_old", "--extern", f"verlib={d}/libverlib.rlib", "--extern", f"counter={d}/libcounter.rlib")
    proc = rlib_v0("std-bundle", "-o", d / "libstd_bundle.a", "--link-args", d / "libstd_bundle.rlib-v0-link-args")
    assert proc.returncode == 0, proc.stderr
    return d


@pytest.mark.parametrize("ld", LINKERS)
def test_compile_mode_shared_link(ld, compile_mode, compile_c, fuse_ld, host, run_exe, tmp_path):
    """The bare driver, each archive followed by its link-args file and,
    for a shared object, its `.shared` one: the same exports as the wrapper gives."""
    d = compile_mode
    line = []
    for name in ("use_old", "verlib", "counter"):
        line += [f"{d}/lib{name}.rlib", f"@{d}/lib{name}.rlib-v0-link-args", f"@{d}/lib{name}.shared.rlib-v0-link-args"]
    line += [f"{d}/libstd_bundle.a", f"@{d}/libstd_bundle.rlib-v0-link-args", f"@{d}/libstd_bundle.shared.rlib-v0-link-args"]
    so = tmp_path / "libplugin1.so"
    proc = subprocess.run(["c++", *fuse_ld(ld), "-shared", str(plugin_object(compile_c, "plugin1")), *line, "-o", str(so)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    got = exports(so)
    assert set(got) == set(baseline(fuse_ld, compile_c, ld, "plugin1", tmp_path / "base.so")) | no_mangle_names("plugin1")
    assert run_exe(host, f"{so}:plugin1").stdout == "plugin1 version=1 bump=1 enter=1\n"
    assert (d / "libstd_bundle.shared.rlib-v0-link-args").read_text() == "-Wl,--exclude-libs,libstd_bundle.a\n"


@pytest.mark.parametrize(
    "argv, exports",
    [
        (["cc", "-shared", "a.o", "-o", "x.so"], True),
        (["c++", "-Wl,-shared", "a.o"], True),
        (["cc", "-Wl,--shared", "a.o"], True),
        (["cc", "-Xlinker", "-shared", "a.o"], True),
        (["cc", "-rdynamic", "a.o"], True),
        (["cc", "-Wl,-E", "a.o"], True),
        (["cc", "-Wl,--export-dynamic", "a.o"], True),
        (["cc", "-Wl,--export-dynamic", "-Wl,--no-export-dynamic", "a.o"], False),
        (["ld.lld", "-shared", "a.o"], True),
        (["ld", "-Bshareable", "a.o"], True),
        (["mold", "-E", "a.o"], True),
        (["ld.bfd", "--export-dynamic", "a.o"], True),
        # Executables that export nothing, or what a list names; partial links.
        (["cc", "a.o", "-o", "app"], False),
        (["cc", "-pie", "a.o"], False),
        (["cc", "-static-pie", "a.o"], False),
        (["cc", "-shared-libgcc", "a.o"], False),
        (["cc", "-Wl,--dynamic-list,d.list", "a.o"], False),
        (["cc", "-E", "a.c"], False),  # the driver's -E: preprocess
        (["cc", "-r", "a.o", "-o", "b.o"], False),
        (["ld", "-r", "-E", "a.o"], False),
        (["ld", "-o", "-shared", "a.o"], False),  # -shared is the output's name there
    ],
)
def test_which_links_export(argv, exports):
    from rlib_v0.link.linker_cmd import parse

    assert parse(argv).exports is exports


CORPUS_HOST_C = r"""
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
    if (!h) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
    int (*run)(void) = (int (*)(void))dlsym(h, "corpus_main");
    if (!run) { fprintf(stderr, "dlsym: %s\n", dlerror()); return 1; }
    return run();
}
"""


def _unmangled_definitions(rlib: str) -> set[str]:
    """The names a crate chose (#[no_mangle], #[export_name]): its objects'
    global default-visibility definitions that are not Rust-mangled (pyelftools)."""
    import io

    from elftools.elf.elffile import ELFFile

    from rlib_v0.formats import archive

    toc = archive.scan(rlib)
    out: set[str] = set()
    with open(rlib, "rb") as f:
        for m in toc.members:
            data = toc.read(m, f)
            if data[:4] != b"\x7fELF":
                continue
            symtab = ELFFile(io.BytesIO(data)).get_section_by_name(".symtab")
            for s in symtab.iter_symbols() if symtab else ():
                if s["st_shndx"] != "SHN_UNDEF" and s["st_info"]["bind"] in ("STB_GLOBAL", "STB_WEAK") and s["st_other"]["visibility"] == "STV_DEFAULT" and not is_rust_name(s.name):
                    out.add(s.name)
    return out


@pytest.mark.parametrize("ld", LINKERS)
def test_so_over_the_cargo_corpus(ld, cargo_corpus, compile_c, std_bundle, fuse_ld, link, run_exe, tmp_path):
    """A `.so` over a real crate set (tests/cargo_corpus, built by cargo:
    serde, regex, ring with its C and assembly library, ...): its API and
    the crates' C entry points exported, nothing of Rust, std or ring's C
    library; loaded with dlopen, it prints what the executable prints."""
    from cargo_util import CORPUS, EXPECTED

    b = cargo_corpus("dev")
    api = compile_c((CORPUS / "main.c").read_text(), name="corpus_so", flags=["-fPIC", "-Dmain=corpus_main"])
    so = tmp_path / "libcorpus.so"
    proc = link(["cc", *fuse_ld(ld), "-shared", api, *b.rlibs, std_bundle(), "-o", so])
    assert proc.returncode == 0, proc.stderr[-4000:]
    base = tmp_path / "base.so"
    subprocess.run(["cc", *fuse_ld(ld), "-shared", str(api), "-o", str(base)], check=True)
    chosen = set().union(*(_unmangled_definitions(r) for r in b.rlibs))
    assert {"capi_json_shift", "capi_crypto_sha256_hex", "capi_sys_cbrt"} <= chosen
    got = set(exports(so))
    assert got == set(exports(base)) | chosen, (sorted(got - set(exports(base)) - chosen)[:20], sorted((set(exports(base)) | chosen) - got))
    assert not [n for n in got if is_rust_name(n) or n.startswith("ring_core_")]
    host = compile_c(CORPUS_HOST_C, name="corpus_host")
    exe = tmp_path / "host"
    subprocess.run(["cc", str(host), "-o", str(exe), "-ldl"], check=True)
    assert run_exe(exe, so).stdout == EXPECTED


def test_fifo_inputs_on_a_shared_link_do_not_hang(crates, compile_c, std_bundle, link, tmp_path):
    """The shared-library check opens no FIFO (a `.rlib` one is refused first,
    as on any link); neither does `verify`."""
    import os

    fifo = tmp_path / "libcounter.rlib"
    os.mkfifo(fifo)
    user, version = PLUGINS["plugin1"]
    proc = link(["c++", "-shared", plugin_object(compile_c, "plugin1"), crates[user], crates[f"verlib-v{version}"], fifo, std_bundle(), "-o", tmp_path / "libp.so"])
    assert_user_error(proc, str(fifo))
    from conftest import TOOL

    proc = subprocess.run([*TOOL, "verify", str(fifo)], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
