"""The link memo (link/speculate.py): a command linked before starts its
remembered linker command at once, and the plan made meanwhile decides.

Real rustc, cc and ld.  The linker is a logging script in front of `cc`,
so a test sees every linker process the wrapper starts (the speculative
one included) and what it was given.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import assert_user_error

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "prelude_ext" / "py"))
from rlib_v0.link import linker_cmd, memo, speculate  # noqa: E402

A_RS = "pub fn twice(x: u64) -> u64 { x * 2 }\n"
B_RS = '#[no_mangle]\npub extern "C" fn b_entry(x: u64) -> u64 { a::twice(x) + 1 }\n'
MAIN_C = '#include <stdio.h>\n#include <stdint.h>\nuint64_t b_entry(uint64_t);\nint main(void) { printf("%llu\\n", (unsigned long long)b_entry(20)); return 0; }\n'


@pytest.fixture(scope="module")
def crates(build_crate, std_bundle, compile_c):
    a = build_crate("a", A_RS)
    b = build_crate("b", B_RS, deps=[a])
    return {"a": a, "b": b, "bundle": std_bundle(), "main": compile_c(MAIN_C, "memo_main")}


@pytest.fixture
def logged_cc(tmp_path):
    """(a linker script that logs each start, then runs cc; its log)."""
    log = tmp_path / "linker.log"
    script = tmp_path / "logged-cc"
    script.write_text(f'#!/bin/sh\necho "$$ $*" >> {log}\nexec cc "$@"\n')
    script.chmod(0o755)
    return script, log


def _args(line: str) -> str:
    """A logged linker command, its temporary output name made constant."""
    return re.sub(r"\.rlib-v0-link-\d+-[0-9a-f]+", "TMP", line.split(" ", 1)[1])


# `rlib-v0 link` whose plan, before reading any input, waits (up to 10 s)
# for the linker log to grow and writes how many linker starts it saw:
# a speculative start is then seen for sure, however loaded the machine.
_PLAN_WATCHER = """
import os, sys, time
import rlib_v0.link.inputs as inputs
log, seen = sys.argv[1], sys.argv[2]
count = lambda: len(open(log).read().splitlines()) if os.path.exists(log) else 0
before = count()
find = inputs.find_rust_inputs
def watched(*a, **k):
    end = time.monotonic() + 10
    while count() == before and time.monotonic() < end:
        time.sleep(0.005)
    open(seen, "w").write(str(count() - before))
    return find(*a, **k)
inputs.find_rust_inputs = watched
if sys.argv[3] in ("lean", "launcher"):  # as Buck2 and install-launchers' programs start it: the remembered linker before the package
    import rlib_v0.link.memo as memo
    first = memo.start_remembered
    def start_remembered(argv):
        first(argv)
        if memo._started is not None:
            open(seen + ".before-import", "w").close()  # started before the package was imported
    memo.start_remembered = start_remembered
    if sys.argv[3] == "launcher":  # sys.argv[4]: the launcher; then the verb's own arguments
        import runpy
        sys.argv = [os.environ["LAUNCHER"]] + sys.argv[5:]
        runpy.run_path(sys.argv[0], run_name="__main__")
    from rlib_v0 import lean
    lean.start(sys.argv[4:])
from rlib_v0.cli import main
sys.exit(main(sys.argv[4:]))
"""


def link_watched(line: list, log: Path, env: dict, tmp_path: Path, via: str = "cli") -> tuple[subprocess.CompletedProcess, int]:
    """(the link, how many linker processes had started when its plan
    began); `via` "lean": started as lean.py starts it; "launcher": as the
    `rlib-v0-link` program of `rlib-v0 install-launchers` starts it."""
    if via == "launcher":
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "rlib_v0", "install-launchers", str(bin_dir)], check=True, capture_output=True, env=dict(os.environ, PYTHONPATH=str(Path(speculate.__file__).parents[2])))
        env = dict(env, LAUNCHER=str(bin_dir / "rlib-v0-link"))
    seen = tmp_path / "seen"
    py = str(Path(speculate.__file__).parents[2])
    before_import = Path(str(seen) + ".before-import")
    before_import.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-c", _PLAN_WATCHER, str(log), str(seen), via, "link", "--", *map(str, line)], env=dict(os.environ, PYTHONPATH=py, **env), capture_output=True, text=True)
    assert before_import.exists() == (via != "cli"), f"{via}: the remembered linker was {'' if before_import.exists() else 'not '}started before the package was imported"
    return proc, int(seen.read_text())


def starts(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def memo_files(cache: Path) -> list[Path]:
    d = cache / "rlib-v0" / "link-memo"
    return sorted(d.iterdir()) if d.exists() else []


def test_relink_uses_memo_and_a_changed_plan_relinks(crates, logged_cc, link, run_exe, tmp_path):
    script, log = logged_cc
    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    out = tmp_path / "out"
    out.mkdir()
    exe = out / "app"
    # Dependency last on the line: the plan reorders (b before a) and adds
    # std's system libraries, so the final command is not the given one.
    line = [script, crates["main"], crates["a"], crates["b"], crates["bundle"], "-o", exe]
    first = link(line, env=env)
    assert first.returncode == 0, first.stderr
    assert run_exe(exe).stdout.strip() == "41"
    [entry] = memo_files(cache)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
    remembered = entry.read_bytes()
    inode = entry.stat().st_ino
    assert len(starts(log)) == 1

    # The same command again (as the CLI and as lean.py start it): its
    # linker started before the plan was made, one linker process per
    # link, the memo as it was.
    for n, via in enumerate(("cli", "lean", "launcher"), 2):
        os.unlink(exe)
        again, early = link_watched(line, log, env, tmp_path, via)
        assert again.returncode == 0, again.stderr
        assert early == 1
        assert run_exe(exe).stdout.strip() == "41"
        assert len(starts(log)) == n
        assert entry.read_bytes() == remembered
        assert entry.stat().st_ino == inode, "a kept relink rewrote its memo entry"
    assert sorted(p.name for p in out.iterdir()) == ["app"]

    # A memo that no longer matches the plan (here: edited to another
    # order): its link is started, then killed; the planned one runs.
    entry_memo = memo.Memo(str(entry.parent), [str(a) for a in line], memo.NO_OPTIONS)
    head_len = len(remembered) - len(remembered.split(entry_memo.data, 1)[1])
    head, rest = remembered[:head_len], remembered[head_len:]
    args = rest.split(b"\0")
    ia, ib = args.index(os.fsencode(str(crates["a"]))), args.index(os.fsencode(str(crates["b"])))
    args[ia], args[ib] = args[ib], args[ia]
    entry.write_bytes(head + b"\0".join(args))
    entry.chmod(0o600)
    os.unlink(exe)
    third, early = link_watched(line, log, env, tmp_path)
    assert third.returncode == 0, third.stderr
    assert early == 1
    assert run_exe(exe).stdout.strip() == "41"
    assert entry.read_bytes() == remembered, "the memo is rewritten with the planned command"
    assert sorted(p.name for p in out.iterdir()) == ["app"], "the killed link left files behind"
    assert len(starts(log)) == 6
    assert "TMP" in _args(starts(log)[4]) and _args(starts(log)[4]) != _args(starts(log)[0]), "the edited memo's command ran first"
    assert _args(starts(log)[-1]) == _args(starts(log)[0])


_EARLY_WITHOUT_OS = """
import sys
sys.path.insert(0, sys.argv[1])
import rlib_v0.link.memo as memo
memo.start_remembered(sys.argv[2:])
started, os_loaded = memo._started is not None, "os" in sys.modules
if started:
    s = memo.take()
    s.abandon()
    if s.tmp_dir:  # the link's to remove (link/run.py), as it reuses it for the planned link
        memo.remove_private_tmp(s.tmp_dir)
print(started, os_loaded)
"""


def test_relink_starts_its_linker_before_os_is_imported(crates, logged_cc, link, tmp_path):
    """Under `python3 -S` (lean.py, the launchers) `os` is not loaded, and
    loading it would cost the remembered linker's start ~1.4 ms: the memo's
    whole start path (cache directory, key, entry, spawn) runs without it."""
    script, log = logged_cc
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    exe = tmp_path / "app"
    line = [script, crates["main"], crates["a"], crates["b"], crates["bundle"], "-o", exe]
    first = link(line, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    py = str(Path(speculate.__file__).parents[2])
    early = subprocess.run([sys.executable, "-S", "-c", _EARLY_WITHOUT_OS, py, "--", *map(str, line)], cwd=tmp_path, env=dict(os.environ, **env), capture_output=True, text=True)
    assert early.returncode == 0, early.stderr
    assert early.stdout.split() == ["True", "False"], "the remembered linker did not start, or `os` was imported before it did"
    # (Abandoned at once, it may be killed before its script logs a start.)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".rlib-v0-link-")) == [], "the abandoned link left its output"


def test_memo_others_could_write_is_not_used(crates, logged_cc, link, run_exe, tmp_path):
    script, log = logged_cc
    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    exe = tmp_path / "app"
    line = [script, crates["main"], crates["b"], crates["a"], crates["bundle"], "-o", exe]
    assert link(line, env=env).returncode == 0
    [entry] = memo_files(cache)
    # Another command (a linker that is not the user's) in a memo anyone
    # may write: never started.
    marker = tmp_path / "ran"
    evil = tmp_path / "evil"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\n")
    evil.chmod(0o755)
    m = memo.Memo(str(entry.parent), [str(a) for a in line], memo.NO_OPTIONS)
    entry.write_bytes(entry.read_bytes().split(m.data, 1)[0] + m.data + os.fsencode(str(tmp_path / "app")) + b"\0" + b"\0".join([os.fsencode(str(evil)), b"x"]))
    entry.chmod(0o666)
    proc = link(line, env=env)
    assert proc.returncode == 0, proc.stderr
    assert run_exe(exe).stdout.strip() == "41"
    assert not marker.exists()
    assert len(starts(log)) == 2


@pytest.fixture
def slow_when_flagged(tmp_path):
    """(a linker script that, once `flag` exists, sleeps in a child whose
    command line holds `token` before it links; flag; token)."""
    token = f"{30 + os.getpid() % 1000 / 1000:.3f}"
    flag = tmp_path / "slow"
    script = tmp_path / "slow-cc"
    script.write_text(f'#!/bin/sh\nif [ -e {flag} ]; then sleep {token} & wait $!; fi\nexec cc "$@"\n')
    script.chmod(0o755)
    return script, flag, token


def test_refused_link_kills_the_remembered_one(crates, slow_when_flagged, link, tmp_path):
    """The memo's linker starts, the plan then refuses (an rlib changed
    since its marker): the linker and its children are killed before the
    wrapper exits, and nothing is written."""
    script, flag, token = slow_when_flagged
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    b = tmp_path / "libb.rlib"
    b.write_bytes(crates["b"].read_bytes())
    out = tmp_path / "out"
    out.mkdir()
    exe = out / "app"
    line = [script, crates["main"], b, crates["a"], crates["bundle"], "-o", exe]
    assert link(line, env=env).returncode == 0
    os.unlink(exe)
    with open(b, "ab") as f:
        f.write(b"\0" * 8)  # the archive is no longer what its marker says
    flag.touch()
    started = time.monotonic()
    proc = link(line, env=env)
    assert_user_error(proc, str(b))
    assert time.monotonic() - started < 25, "the wrapper waited for the remembered link"
    assert list(out.iterdir()) == []
    assert not _processes_with(token), "a process of the killed link is still running"


def _processes_with(token: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if token.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(int(pid))
            except OSError:
                pass
    return found


def test_kill_tree_kills_grandchildren(tmp_path):
    token = f"{40 + os.getpid() % 1000 / 1000:.3f}"
    ready = tmp_path / "ready"
    proc = subprocess.Popen(["sh", "-c", f"sleep {token} & touch {ready}; wait"])
    for _ in range(500):
        if ready.exists() and _processes_with(token):
            break
        time.sleep(0.01)
    assert _processes_with(token)
    speculate.kill_tree(proc.pid)
    assert proc.poll() is not None
    assert not _processes_with(token)


@pytest.mark.parametrize(
    "line, ok",
    [
        (["cc", "main.o", "liba.rlib", "-o", "app"], True),
        (["c++", "-B/x", "-fuse-ld=lld", "-o", "out", "a.o", "liba.rlib", "libstd.a"], True),
        # What CMake's C++ link rule gives (flags, rpath, libraries).
        (["/usr/bin/c++", "-O2", "-g", "-DNDEBUG", "-rdynamic", "CMakeFiles/app.dir/main.cpp.o", "-o", "app", "-Wl,-rpath,/opt/lib", "libfoo.rlib", "-lpthread", "-ldl"], True),
        (["cc", "-fPIE", "-pie", "-Wl,--as-needed,-z,relro,-z,now", "-Wl,--gc-sections", "-pthread", "a.o", "-o", "app"], True),
        (["cc", "a.o", "-o", "app", "-Wl,-Map=app.map"], False),
        (["cc", "a.o", "-o", "app", "-Wl,-Map,app.map"], False),
        (["cc", "a.o", "-o", "app", "-Xlinker", "--print-map"], False),
        (["cc", "-flto", "a.o", "-o", "app"], False),
        (["cc", "-save-temps", "a.o", "-o", "app"], False),
        (["cc", "-v", "a.o", "-o", "app"], False),
        (["cc", "-MD", "a.o", "-o", "app"], False),
        (["cc", "a.o", "-o", "app", "-Wl,--dependency-file=app.d"], False),
        (["cc", "a.o", "-o", "app", "-Wl,--trace"], False),
        (["ld.lld", "a.o", "-o", "app", "-L/usr/lib", "-lc", "--gc-sections"], True),
        (["ld.lld", "a.o", "-o", "app", "--reproduce=r.tar"], False),
        (["ld", "a.o", "-o", "app", "-Map", "app.map"], False),
        (["mold", "a.o", "-o", "app", "--plugin", "x.so"], False),
        (["cc", "a.o", "-o", "app", "-Wl,@more.rsp"], False),
        (["cc", "a.o", "-o", "app", "-Xlinker", "@more.rsp"], False),
        (["cc", "a.o", "-o", "app", "-Wl,-o,other"], False),
        (["cc", "a.o", "-o", "app", "-Wl,--output=other"], False),
        (["cc", "-fuse-ld=lld", "a.o", "-o", "app", "-Wl,--plugin-opt=opt-remarks-filename=r.yaml"], False),
        (["ld.lld", "a.o", "-o", "app", "-plugin-opt=-save-temps"], False),
    ],
)
def test_side_effect_free(line, ok):
    assert speculate.side_effect_free(linker_cmd.parse(line)) is ok


def test_no_memo_without_a_cache_or_for_debug_links(crates, link, tmp_path):
    cache = tmp_path / "cache"
    line = ["cc", crates["main"], crates["b"], crates["a"], crates["bundle"], "-o", tmp_path / "app"]
    assert link(line, env={"XDG_CACHE_HOME": str(cache), "RLIB_V0_NO_CACHE": "1"}).returncode == 0
    assert link(line, env={"XDG_CACHE_HOME": str(cache)}, debug=True).returncode == 0
    assert link(line + ["-Wl,-Map=" + str(tmp_path / "m.map")], env={"XDG_CACHE_HOME": str(cache)}).returncode == 0
    assert memo_files(cache) == []
    assert link(line, env={"XDG_CACHE_HOME": str(cache)}).returncode == 0
    assert len(memo_files(cache)) == 1


def test_prune_keeps_the_memo_bounded(tmp_path, monkeypatch):
    d = tmp_path / "memo"
    monkeypatch.setattr(memo, "_MAX_ENTRIES", 8)
    for n in range(12):
        m = memo.Memo(str(d), ["cc", f"x{n}.o", "-o", "app"], "")
        m.store("app", ["cc", f"x{n}.o", "-o", "/t/out"], "/t/out")
        os.utime(m.path, ns=(n * 10**9, n * 10**9))
    names = sorted(p.name for p in d.iterdir())
    assert 4 <= len(names) <= 8
    newest = memo.Memo(str(d), ["cc", "x11.o", "-o", "app"], "")
    assert newest.read() == ("app", ["cc", "x11.o", "-o", memo._OUT])
    assert memo.Memo(str(d), ["cc", "x0.o", "-o", "app"], "").read() is None, "the oldest entries go"


def test_an_entry_is_used_only_for_its_own_command(tmp_path):
    """Two commands whose keys collide (the key is a residue: swapping two
    equal-length arguments 127 bytes apart keeps it): neither gets the
    other's command."""
    pad = "x" * (127 - len("liba.a") - 2)  # the two names start 127 bytes apart
    one = ["cc", "liba.a", pad, "libb.a", "-o", "app"]
    two = ["cc", "libb.a", pad, "liba.a", "-o", "app"]
    m1, m2 = memo.Memo(str(tmp_path), one, ""), memo.Memo(str(tmp_path), two, "")
    assert m1.key == m2.key
    m1.store("app", ["cc", "liba.a", "libb.a", "-o", "/t/x"], "/t/x")
    assert m1.read() is not None
    assert m2.read() is None


def test_memo_entry_that_is_a_fifo_or_in_a_deleted_directory(tmp_path, monkeypatch):
    d = tmp_path / "memo"
    d.mkdir()
    m = memo.Memo(str(d), ["cc", "a.o", "-o", "app"], "")
    os.mkfifo(m.path, 0o600)
    assert m.read() is None  # and it did not block
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    memo.start_remembered(["--", "cc", "a.o", "-o", "app"])  # no traceback: nothing started
    assert memo.take() is None


@pytest.mark.parametrize("memo_on, whole_group", [(True, True), (False, True), (False, False)], ids=["memo-group", "group", "wrapper-alone"])
def test_signal_to_wrapper_leaves_nothing(crates, slow_when_flagged, link, tmp_path, memo_on, whole_group):
    """SIGTERM while the link runs, the remembered one or the planned one: to
    the build's process group (what `make` and Buck2 do on Ctrl-C or a
    cancel), or to the wrapper alone (`kill PID`, a timeout).  The wrapper
    exits 143 and its linker, with every process the linker started, is
    gone; nothing is left beside the output or in TMPDIR."""
    script, flag, token = slow_when_flagged
    cache = tmp_path / "cache"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    line = [str(script), str(crates["main"]), str(crates["b"]), str(crates["a"]), str(crates["bundle"]), "-o", str(out / "app")]
    env = dict(os.environ, TMPDIR=str(tmp), PYTHONPATH=str(Path(speculate.__file__).parents[2]))
    env.update({"XDG_CACHE_HOME": str(cache)} if memo_on else {"RLIB_V0_NO_CACHE": "1"})
    if memo_on:
        assert link(line, env=env).returncode == 0
        os.unlink(out / "app")
    flag.touch()
    p = subprocess.Popen([sys.executable, "-m", "rlib_v0", "link", "--", *line], env=env, start_new_session=True, stderr=subprocess.PIPE)
    for _ in range(1000):
        if _processes_with(token):
            break
        time.sleep(0.01)
    assert _processes_with(token)
    if whole_group:
        os.killpg(p.pid, signal.SIGTERM)
    else:
        os.kill(p.pid, signal.SIGTERM)
    _, err = p.communicate(timeout=20)
    assert p.returncode == 128 + signal.SIGTERM, err
    assert b"Traceback" not in err, err
    assert not _processes_with(token), "a process of the link is still running"
    assert list(out.iterdir()) == []
    assert list(tmp.iterdir()) == []


def test_killed_link_leaves_no_temporary_files(crates, link, tmp_path):
    """The memo's `cc` link is refused and killed while it runs, a few times:
    the driver's and collect2's files in TMPDIR and the linker's beside the
    output are cleaned up (they end by SIGTERM, whose handlers remove them)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "TMPDIR": str(tmp)}
    out = tmp_path / "out"
    out.mkdir()
    for n in range(3):
        b = tmp_path / f"libb{n}.rlib"
        b.write_bytes(crates["b"].read_bytes())
        line = ["cc", crates["main"], b, crates["a"], crates["bundle"], "-o", out / "app"]
        assert link(line, env=env).returncode == 0
        os.unlink(out / "app")
        with open(b, "ab") as f:
            f.write(b"\0" * 8)
        assert_user_error(link(line, env=env), str(b))
        assert list(out.iterdir()) == []
        assert list(tmp.iterdir()) == []


@pytest.fixture
def littering_cc(tmp_path):
    """(a linker script that writes down its TMPDIR, leaves a file in it,
    then links with cc; or, once `flag` exists, ignores SIGTERM and sleeps
    in a child whose command line holds `token` (SIGKILL ends it); or, once
    `fatal` exists, dies of SIGKILL; where it writes its TMPDIR; flag; fatal; token)."""
    seen = tmp_path / "linker-tmpdir"
    flag = tmp_path / "stubborn"
    fatal = tmp_path / "fatal"
    token = f"{50 + os.getpid() % 1000 / 1000:.3f}"
    script = tmp_path / "littering-cc"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$TMPDIR" >> {seen}\n'
        'echo x > "${TMPDIR:-/tmp}/cc-leftover.$$"\n'
        f"if [ -e {fatal} ]; then kill -9 $$; fi\n"
        f"if [ -e {flag} ]; then trap '' TERM; sleep {token} & wait $!; fi\n"
        'exec cc "$@"\n'
    )
    script.chmod(0o755)
    return script, seen, flag, fatal, token


def test_linker_temporaries_go_with_the_link(crates, littering_cc, link, tmp_path):
    """The linker runs with TMPDIR a directory of the wrapper's own inside
    the user's: what it leaves there, whether it succeeds or dies of
    SIGKILL (no clean-up of its own runs), is removed with the link."""
    script, seen, _, fatal, _ = littering_cc
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    env = {"RLIB_V0_NO_CACHE": "1", "TMPDIR": str(tmp)}
    line = [script, crates["main"], crates["b"], crates["a"], crates["bundle"], "-o", out / "app"]
    assert link(line, env=env).returncode == 0
    assert (out / "app").exists()
    linker_tmp = Path(seen.read_text().split()[-1])
    assert linker_tmp.parent == tmp and linker_tmp.name.startswith("rlib-v0-link-"), linker_tmp
    assert list(tmp.iterdir()) == []
    fatal.touch()
    proc = link(line, env=env)
    assert proc.returncode == 128 + signal.SIGKILL, proc.stderr
    assert "killed by signal 9" in proc.stderr
    assert list(out.iterdir()) == []
    assert list(tmp.iterdir()) == []


def test_killed_remembered_link_leaves_its_temporaries_nowhere(crates, littering_cc, link, tmp_path):
    """The memo's linker ignores SIGTERM with a file in its TMPDIR; the plan
    refuses: it is killed (SIGKILL after 2 s) and the file goes with the
    wrapper's directory."""
    script, seen, flag, _, token = littering_cc
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "TMPDIR": str(tmp)}
    b = tmp_path / "libb.rlib"
    b.write_bytes(crates["b"].read_bytes())
    line = [script, crates["main"], b, crates["a"], crates["bundle"], "-o", out / "app"]
    assert link(line, env=env).returncode == 0
    os.unlink(out / "app")
    with open(b, "ab") as f:
        f.write(b"\0" * 8)
    flag.touch()
    assert_user_error(link(line, env=env), str(b))
    starts = seen.read_text().split()
    assert len(starts) == 2, "the remembered linker did not start"
    assert all(Path(t).parent == tmp for t in starts), starts
    assert not _processes_with(token), "a process of the killed link is still running"
    assert list(out.iterdir()) == []
    assert list(tmp.iterdir()) == []
