"""Reading and rewriting linker command lines (rlib_v0.linker_cmd), pure functions.

Response-file syntax is checked against GNU binutils' own reader (libiberty's
`buildargv`, as used by ld, gcc and nm): `nm @file` names every argument it
cannot open, which shows exactly how binutils split the file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from rlib_v0.link import linker_cmd
from rlib_v0.errors import UserError
from rlib_v0.link.linker_cmd import expand_response_files, is_direct_linker, parse, parse_response_file, quote_response_arg

hypothesis = pytest.importorskip("hypothesis", reason="pip install hypothesis (or pip install -e '.[test]')")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

needs_nm = pytest.mark.skipif(shutil.which("nm") is None, reason="needs GNU nm: apt-get install binutils")
needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler driver: apt-get install gcc")

# ---- response files ----

args_strategy = st.lists(st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=20), max_size=12)


@settings(max_examples=300, deadline=None)
@given(args_strategy, st.sampled_from(["\n", " ", "\t", " \n "]))
def test_quote_parse_round_trip(args, sep):
    text = sep.join(quote_response_arg(a) for a in args)
    assert parse_response_file(text) == args


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", []),
        ("   \n\t ", []),
        ("a b\nc", ["a", "b", "c"]),
        ("'a b' \"c d\"", ["a b", "c d"]),
        (r"a\ b c\\d", ["a b", "c\\d"]),
        ("x'y z'w", ["xy zw"]),
        ("'' \"\"", ["", ""]),
        ("'it\"s' \"it's\"", ['it"s', "it's"]),
        ("-Wl,--whole-archive liba.rlib\n-o 'my app'\n", ["-Wl,--whole-archive", "liba.rlib", "-o", "my app"]),
    ],
)
def test_parse_response_file_cases(text, expected):
    assert parse_response_file(text) == expected


def _nm_split(tmp_path, text: str) -> list[str]:
    """How binutils splits a response file: nm reports each name it cannot open."""
    rsp = tmp_path / "t.rsp"
    rsp.write_text(text, encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir(exist_ok=True)
    r = subprocess.run(["nm", "@" + str(rsp)], cwd=empty, capture_output=True, text=True)
    return [m.group(1) for m in re.finditer(r"^nm: '(.*?)': No such file$", r.stderr, re.M | re.S)]


@needs_nm
@pytest.mark.parametrize("text", ["'a b' \"c\\\"d\" e\\ f  g'h i'j \"\" plain", "one\ntwo\\\nthree", "\"x 'y' z\" 'p \"q\" r'", "back\\\\slash tab\\\there"])
def test_parse_response_file_matches_binutils(tmp_path, text):
    assert parse_response_file(text) == _nm_split(tmp_path, text)


_nm_safe_arg = st.text(st.characters(blacklist_characters="\0\n\r/", blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(lambda a: not a.startswith(("-", "@")) and a.strip(".") != "")


@needs_nm
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_nm_safe_arg, min_size=1, max_size=6))
def test_quoting_read_back_by_binutils(tmp_path, args):
    text = "\n".join(quote_response_arg(a) for a in args) + "\n"
    assert _nm_split(tmp_path, text) == args


@needs_cc
def test_quoted_response_file_links_with_real_driver(tmp_path):
    """The wrapper's own response files (quote_response_arg) work with gcc/ld."""
    d = tmp_path / "dir with 'quotes' and \"spaces\""
    d.mkdir()
    src = d / "main.c"
    src.write_text("int main(void) { return 0; }\n")
    obj = d / "m a\\in.o"
    subprocess.run(["cc", "-c", str(src), "-o", str(obj)], check=True)
    out = d / "my app"
    rsp = tmp_path / "link.rsp"
    rsp.write_text("\n".join(quote_response_arg(a) for a in [str(obj), "-o", str(out)]) + "\n")
    subprocess.run(["cc", "@" + str(rsp)], check=True)
    assert out.exists() and subprocess.run([str(out)]).returncode == 0


def test_expand_response_files_nested(tmp_path):
    inner = tmp_path / "inner.rsp"
    inner.write_text("liba.rlib 'lib b.rlib'\n")
    outer = tmp_path / "outer.rsp"
    outer.write_text(f"main.o @{inner} -o app\n")
    args, files = expand_response_files(["-v", f"@{outer}", "libc.a"])
    assert args == ["-v", "main.o", "liba.rlib", "lib b.rlib", "-o", "app", "libc.a"]
    assert files == [str(outer), str(inner)]


def test_missing_response_file_is_left_for_the_linker(tmp_path):
    # binutils too treats `@name` as a plain argument when no such file exists.
    args, files = expand_response_files([f"@{tmp_path}/nope.rsp", "x.o"])
    assert args == [f"@{tmp_path}/nope.rsp", "x.o"] and files == []


def test_self_including_response_file_terminates(tmp_path):
    rsp = tmp_path / "loop.rsp"
    rsp.write_text(f"a.o @{rsp}\n")
    # gcc and GNU ld fail on it ("too many @-files encountered"): so do we, in one line.
    with pytest.raises(UserError, match="includes itself") as e:
        expand_response_files([f"@{rsp}"])
    assert str(rsp) in str(e.value)


def test_response_file_naming_another_many_times_is_bounded(tmp_path):
    # Not a cycle, but exponential: 8 references per level, 10 levels.
    for level in range(10):
        nxt = f"@{tmp_path / f'l{level + 1}.rsp'}" if level < 9 else "x.o"
        (tmp_path / f"l{level}.rsp").write_text(" ".join([nxt] * 8))
    with pytest.raises(UserError, match="too many @-files"):
        expand_response_files([f"@{tmp_path / 'l0.rsp'}"])


def test_response_file_with_non_utf8_bytes(tmp_path):
    rsp = tmp_path / "l.rsp"
    rsp.write_bytes(b"main.o lib\xff.rlib -o app\n")
    cmd = parse(["cc", f"@{rsp}"])
    assert os.fsencode(cmd.argv[2]) == b"lib\xff.rlib"


def test_parse_uses_response_file_contents(tmp_path):
    rsp = tmp_path / "l.rsp"
    rsp.write_text("main.o\nliba.rlib\n-o\n'out dir/app'\n")
    cmd = parse(["cc", f"@{rsp}"])
    assert cmd.used_response_files
    assert cmd.argv == ["cc", "main.o", "liba.rlib", "-o", "out dir/app"]
    assert [cmd.argv[i] for i in cmd.inputs] == ["main.o", "liba.rlib"]
    assert linker_cmd.output_path(cmd) == "out dir/app"


# ---- driver or linker ----


@pytest.mark.parametrize("argv0", ["ld", "ld.bfd", "ld.gold", "ld.lld", "mold", "ld.mold", "/usr/bin/ld", "/usr/bin/ld.lld", "x86_64-linux-gnu-ld", "aarch64-linux-gnu-ld.bfd", "x86_64-linux-gnu-ld.gold", "aarch64-linux-gnu-ld.lld", "aarch64-linux-gnu-ld", "ld.lld-14", "rust-lld", "aarch64-linux-gnu-ld.mold"])
def test_direct_linkers(argv0):
    assert is_direct_linker(argv0)
    assert parse([argv0, "a.o"]).direct


@pytest.mark.parametrize("argv0", ["cc", "gcc", "c++", "g++", "clang", "clang++", "/usr/bin/cc", "x86_64-linux-gnu-gcc-12", "/opt/llvm/bin/clang-18", "aarch64-linux-gnu-g++", "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-gcc-12"])
def test_compiler_drivers(argv0):
    assert not is_direct_linker(argv0)
    assert not parse([argv0, "a.o"]).direct


def test_linker_flag_spelling():
    assert parse(["cc", "a.o"]).linker_flag("--whole-archive") == ["-Wl,--whole-archive"]
    assert parse(["cc", "a.o"]).linker_flag("--a", "--b") == ["-Wl,--a,--b"]
    assert parse(["ld", "a.o"]).linker_flag("--whole-archive") == ["--whole-archive"]


def test_empty_command_is_a_user_error():
    with pytest.raises(UserError, match="no linker command"):
        parse([])


# ---- inputs and output ----


def _inputs(cmd):
    return [cmd.argv[i] for i in cmd.inputs]


def test_driver_inputs_skip_option_values():
    cmd = parse(["cc", "-L", "libdir", "main.o", "-l", "m", "-Xlinker", "-Map", "-Xlinker", "map.txt", "-T", "script.ld", "liba.rlib", "-lpthread", "-Wl,-z,now", "-x", "none", "libstd_bundle.a", "-o", "app"])
    assert _inputs(cmd) == ["main.o", "liba.rlib", "libstd_bundle.a"]
    assert linker_cmd.output_path(cmd) == "app"


def test_direct_linker_inputs_skip_option_values():
    cmd = parse(["ld.bfd", "-m", "elf_x86_64", "-dynamic-linker", "/lib64/ld-linux-x86-64.so.2", "-z", "relro", "-plugin", "/usr/lib/liblto_plugin.so", "crt1.o", "main.o", "liba.rlib", "-L/usr/lib", "-lc", "--output", "app"])
    assert _inputs(cmd) == ["crt1.o", "main.o", "liba.rlib"]
    assert linker_cmd.output_path(cmd) == "app"


@pytest.mark.parametrize(
    "argv,out,rewritten",
    [
        (["cc", "m.o", "-o", "app"], "app", ["cc", "m.o", "-o", "NEW"]),
        (["cc", "m.o", "-oapp"], "app", ["cc", "m.o", "-oNEW"]),
        (["cc", "m.o", "--output=dir/app"], "dir/app", ["cc", "m.o", "--output=NEW"]),
        (["ld", "m.o", "--output", "app"], "app", ["ld", "m.o", "--output", "NEW"]),
        (["ld", "-o", "a1", "m.o", "-o", "a2"], "a2", ["ld", "-o", "a1", "m.o", "-o", "NEW"]),  # the last -o wins
        (["cc", "m.o"], None, ["cc", "m.o"]),
    ],
)
def test_output_detection_and_rewrite(argv, out, rewritten):
    cmd = parse(argv)
    assert linker_cmd.output_path(cmd) == out
    assert linker_cmd.with_output(cmd, "NEW") == rewritten
    assert cmd.output_index not in cmd.inputs


def test_output_is_not_an_input():
    cmd = parse(["cc", "main.o", "-o", "app.rlib"])
    assert _inputs(cmd) == ["main.o"]


# ---- --whole-archive regions ----


def _whole(cmd):
    return sorted(cmd.argv[i] for i in cmd.whole_archive_inputs)


def test_whole_archive_region_driver():
    cmd = parse(["cc", "main.o", "-Wl,--whole-archive", "liba.rlib", "libb.rlib", "-Wl,--no-whole-archive", "libc.rlib", "std.a"])
    assert _whole(cmd) == ["liba.rlib", "libb.rlib"]
    assert _inputs(cmd) == ["main.o", "liba.rlib", "libb.rlib", "libc.rlib", "std.a"]


def test_whole_archive_region_in_combined_wl():
    cmd = parse(["cc", "-Wl,--as-needed,--whole-archive", "x.a", "-Wl,--no-whole-archive,--no-as-needed", "y.a"])
    assert _whole(cmd) == ["x.a"]


def test_whole_archive_region_xlinker():
    cmd = parse(["cc", "-Xlinker", "--whole-archive", "x.a", "-Xlinker", "--no-whole-archive", "y.a"])
    assert _whole(cmd) == ["x.a"]
    assert _inputs(cmd) == ["x.a", "y.a"]


def test_whole_archive_region_direct_single_and_double_dash():
    cmd = parse(["ld", "--whole-archive", "x.a", "--no-whole-archive", "y.a", "-whole-archive", "z.a", "-no-whole-archive"])
    assert _whole(cmd) == ["x.a", "z.a"]


def test_whole_archive_region_left_open_runs_to_the_end():
    cmd = parse(["cc", "a.o", "-Wl,--whole-archive", "x.a", "y.a"])
    assert _whole(cmd) == ["x.a", "y.a"]



def test_argv0_is_never_the_output_option():
    # Found by the fuzzer: a program named `-o` made `--output=x` look like a
    # separate output argument, and the rewritten output was lost.
    cmd = parse(["-o", "--output=x"])
    assert linker_cmd.output_path(cmd) == "x"
    assert linker_cmd.with_output(cmd, "new") == ["-o", "--output=new"]


def test_output_after_an_option_value_that_looks_like_o():
    # Found by the fuzzer: `-o -o --output=x` (the first -o's value is "-o");
    # the inline `--output=` was taken for the value of an `-o` option.
    cmd = parse(["cc", "-o", "-o", "--output=x"])
    assert linker_cmd.output_path(cmd) == "x"
    assert linker_cmd.with_output(cmd, "new")[-1] == "--output=new"


def test_response_file_with_nul_byte(tmp_path):
    rsp = tmp_path / "l.rsp"
    rsp.write_bytes(b"main.o a\0b.rlib -o app\n")
    with pytest.raises(UserError, match="NUL byte") as e:
        parse(["cc", f"@{rsp}"])
    assert str(rsp) in str(e.value)


def test_link_args_files_are_dropped_other_response_files_kept(tmp_path):
    """A crate's link-args file (what a link without the wrapper needs) is
    not the wrapper's input: it derives the same from the markers, and would
    otherwise put a crate's native libraries and guard object on the line
    twice. Any other @file is expanded as before."""
    la = tmp_path / "libx.rlib-v0-link-args"
    la.write_text("-Wl,-u,sym\nguard.o\n")
    other = tmp_path / "other.rsp"
    other.write_text("b.o @" + str(la) + "\n")
    argv, files = expand_response_files(["a.o", f"@{la}", f"@{other}"])
    assert argv == ["a.o", "b.o"]
    assert files == [str(other)]
    cmd = parse(["cc", "a.o", f"@{other}", "-o", "out"])
    assert "guard.o" not in cmd.argv and "-Wl,-u,sym" not in cmd.argv


def test_rustc_options_parse_link_args():
    from rlib_v0.compile.wrapper import parse_rustc_options

    assert parse_rustc_options(["--rustc", "r", "--link-args", "f", "--", "x.rs"]) == ({"rustc": "r", "link-args": "f"}, ["x.rs"])
    assert parse_rustc_options(["--link-args=f", "x.rs"]) == ({"link-args": "f"}, ["x.rs"])
    for bad in (["--link-args"], ["--link-args="], ["--link-arg", "f"]):
        with pytest.raises(UserError):
            parse_rustc_options(bad)


# ---- the note after a failed link (link_notes) ----


@pytest.mark.parametrize(
    "argv,stderr,target",
    [
        (["cc", "a.o", "-o", "app"], "collect2: fatal error: cannot find 'ld'", None),  # no -fuse-ld: nothing to add
        (["ld.lld", "-fuse-ld=lld", "a.o"], "collect2: fatal error: cannot find 'ld'", None),  # not a driver
        (["cc", "-fuse-ld=lld", "a.o"], "a.o: undefined reference to `f'", None),  # another failure
        (["cc", "-fuse-ld=/opt/ld", "a.o"], "collect2: fatal error: cannot find 'ld'", None),  # a path, not a name
        (["cc", "a.o"], "ld: a.o: error adding symbols: file in wrong format", None),  # no std bundle: no target to name
        (["cc", "a.o"], "ld: skipping incompatible /usr/lib32/libm.so when searching for -lm\nld: a.o: undefined reference to `f'", "x86_64-unknown-linux-gnu"),  # a warning, not the failure
    ],
)
def test_no_note_when_it_does_not_apply(argv, stderr, target):
    from rlib_v0.link.notes import failed_link_note

    assert failed_link_note(parse(argv), stderr, target) is None


def test_other_machine_note_names_the_target():
    from rlib_v0.link.notes import failed_link_note

    note = failed_link_note(parse(["cc", "a.o"]), "ld.lld: error: liba.rlib(a.o) is incompatible with elf64-x86-64", "aarch64-unknown-linux-gnu")
    assert note.startswith("rlib-v0: note: ") and "built for aarch64-unknown-linux-gnu" in note and "aarch64-linux-gnu-gcc" in note
