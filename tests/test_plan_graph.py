"""`rlib-v0 link --plan-graph FILE.dot|svg`: the link plan drawn by Graphviz.

Real crates, real links: the graph names every crate, the bundle, native
libraries after their crate and dropped inputs; after a failed link the
inputs the explanation blames are coloured.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import assert_user_error

A_RS = "pub fn base(x: u64) -> u64 { x + 1 }\n"
B_RS = '#[no_mangle] pub extern "C" fn b_entry(x: u64) -> u64 { a::base(x) * 2 }\n'
C_RS = '#[no_mangle] pub extern "C" fn c_entry(x: u64) -> u64 { a::base(x) * 3 }\n'
MAIN_C = "#include <stdint.h>\n#include <stdio.h>\nuint64_t b_entry(uint64_t); uint64_t c_entry(uint64_t);\nint main(void) { printf(\"%llu\\n\", (unsigned long long)(b_entry(1) + c_entry(2))); return 0; }\n"
CLASH_RS = '#[no_mangle] pub extern "C" fn b_entry(x: u64) -> u64 { x }\n'
NATIVE_C = "unsigned long long native_twice(unsigned long long x) { return 2 * x; }\n"
NATIVE_RS = 'extern "C" { fn native_twice(x: u64) -> u64; }\n#[no_mangle] pub extern "C" fn n_entry(x: u64) -> u64 { unsafe { native_twice(x) } }\n'


@pytest.fixture(scope="module")
def crates(build_crate, std_bundle, compile_c, tmp_path_factory):
    a = build_crate("a", A_RS, flags=["-C", "metadata=graph-a"])
    native_dir = tmp_path_factory.mktemp("graph-native")
    obj = native_dir / "twice.o"
    subprocess.run(["cc", "-c", "-x", "c", "-", "-o", str(obj)], input=NATIVE_C, text=True, check=True)
    subprocess.run(["ar", "rcs", str(native_dir / "libtwice.a"), str(obj)], check=True)
    return {
        "a": a,
        "b": build_crate("b", B_RS, [a], flags=["-C", "metadata=graph-b"]),
        "c": build_crate("c", C_RS, [a], flags=["-C", "metadata=graph-c"]),
        "clash": build_crate("clash", CLASH_RS, flags=["-C", "metadata=graph-clash"]),
        "n": build_crate("n", NATIVE_RS, flags=["-C", "metadata=graph-n", "-l", "static=twice", "-L", f"native={native_dir}"]),
        "bundle": std_bundle(),
        "main": compile_c(MAIN_C, "graph_main"),
    }


def _svg_texts(svg: str) -> str:
    """The text Graphviz drew (one <text> element per label line)."""
    return html.unescape("\n".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot: apt-get install graphviz")
def test_svg_names_every_crate(crates, link, run_exe, tmp_path: Path) -> None:
    exe, svg = tmp_path / "app", tmp_path / "plan.svg"
    proc = link(["cc", crates["main"], crates["b"], crates["a"], crates["c"], crates["a"], crates["n"], crates["bundle"], "-o", exe, "-Wl,--undefined=n_entry"], plan_graph=svg)
    assert proc.returncode == 0, proc.stderr
    assert run_exe(exe).stdout == "13\n"
    text = _svg_texts(svg.read_text())
    for crate, meta in (("a", "graph-a"), ("b", "graph-b"), ("c", "graph-c"), ("n", "graph-n")):
        assert re.search(rf"^\d+\. {crate}$", text, re.M), (crate, text)
        assert meta in text
    assert "std bundle (std)" in text
    assert "native libtwice.a" in text  # after its crate
    assert "dropped liba.rlib" in text and "the same file given again" in text
    assert "the link failed" not in text


def test_dot_colours_what_a_failed_link_blames(crates, link, tmp_path: Path) -> None:
    """Two crates export b_entry (linked whole): both red, no output."""
    exe, dot = tmp_path / "app", tmp_path / "plan.dot"
    proc = link(["cc", crates["main"], crates["b"], crates["a"], crates["c"], crates["clash"], crates["bundle"], "-o", exe], whole_archive=["b", "clash"], plan_graph=dot)
    assert proc.returncode != 0 and not exe.exists()
    assert "rlib-v0: explanation of the link failure" in proc.stderr
    nodes = {m.group(1): m.group(2) for m in re.finditer(r'^\s+(\w+) \[label="([^"]*)"', dot.read_text(), re.M)}
    red = {n for n, line in re.findall(r'^\s+(\w+) (\[.*fillcolor="#f4a6a6".*)$', dot.read_text(), re.M)}
    blamed = {nodes[n].split("\\n")[0].split(". ", 1)[1] for n in red if not n.startswith("legend")}
    assert blamed == {"b", "clash"}, blamed
    assert all("also defined elsewhere: b_entry" in nodes[n] for n in red if not n.startswith("legend"))
    assert "the link failed" in dot.read_text()


def test_missing_crate_is_drawn(crates, build_crate, compile_c, link, tmp_path: Path) -> None:
    """main.o calls a Rust-mangled function of crate d, which is not on the
    line: main.o orange, crate d a dashed node."""
    d = build_crate("d", "#[inline(never)] pub fn d_helper(x: u64) -> u64 { x * 3 }\n", flags=["-C", "metadata=graph-d"])
    out = subprocess.run(["readelf", "-sW", str(d)], capture_output=True, text=True).stdout
    (sym,) = [f[7] for f in (ln.split() for ln in out.splitlines()) if len(f) >= 8 and f[3] == "FUNC" and f[4] == "GLOBAL" and f[6] != "UND" and "d_helper" in f[7]]
    main = compile_c(f'#include <stdint.h>\nuint64_t d_helper(uint64_t) __asm__("{sym}");\nuint64_t b_entry(uint64_t);\nint main(void) {{ return (int)(b_entry(1) + d_helper(2)); }}\n', "graph_needs_d")
    dot = tmp_path / "plan.dot"
    proc = link(["cc", main, crates["b"], crates["a"], crates["bundle"], "-o", tmp_path / "app"], plan_graph=dot)
    assert proc.returncode != 0
    text = dot.read_text()
    assert re.search(r'input0 \[label="graph_needs_d\.o\\nneeds, unresolved: d::d_helper", shape=component, fillcolor="#ffcc80"\]', text), text
    assert re.search(r'missing0 \[label="crate d\\nnot on the link line\\ndefines: d::d_helper"', text), text


@pytest.mark.parametrize("case", ["ext", "dir", "isdir"])
def test_bad_graph_path_refused_before_linking(case, crates, link, tmp_path: Path) -> None:
    target = {"ext": tmp_path / "plan.png", "dir": tmp_path / "no" / "plan.dot", "isdir": tmp_path}[case]
    exe = tmp_path / "app"
    proc = link(["cc", crates["main"], crates["b"], crates["a"], crates["c"], crates["bundle"], "-o", exe], plan_graph=target)
    assert_user_error(proc, "--plan-graph")
    assert not exe.exists()
    assert not list(tmp_path.glob("plan.*"))
