"""`rlib-v0 link`'s command line: declared once (cli.verbs), parsed before
anything of the link path is imported."""

from __future__ import annotations

from ..cli.verbs import FLAG, MANY, REST_AFTER_DASHES, Opt, Verb


def main(opts: dict, linker: list[str]) -> int:
    from .run import run

    return run(linker, opts.get("debug", False), opts.get("whole-archive", []), opts.get("reproduce"), opts.get("plan-graph"), opts.get("verify-content", False), opts.get("export-rust", False))


LINK = Verb(
    "link",
    "Deduplicate, order and check the Rust archives of a link, then run the linker.",
    "rlib-v0 link [--debug] [--verify-content] [--whole-archive CRATE]... [--reproduce DIR] [--plan-graph FILE.dot|svg] [--export-rust] -- LINKER_COMMAND...",
    (
        Opt(("--debug",), "print the plan; explain failures in crate terms; implies --verify-content (also RLIB_V0_LINK_DEBUG=1)", FLAG),
        Opt(("--verify-content",), "read each Rust archive whole and check every member against its marker (by default only its size is)", FLAG),
        Opt(("--whole-archive",), "link this crate with --whole-archive (static initializers)", MANY, "CRATE"),
        Opt(("--reproduce",), "write a self-contained reproducer directory", metavar="DIR"),
        Opt(("--plan-graph",), "draw the plan (.dot, or .svg through Graphviz), coloured by what a failed link blames", metavar="FILE"),
        Opt(("--export-rust",), "a shared object (or -rdynamic executable) keeps exporting its crates' and std's Rust symbols (by default they are hidden)", FLAG),
    ),
    REST_AFTER_DASHES,
    "LINKER_COMMAND",
    "the whole linker command, after `--`",
    main,
)
