"""What an ELF file or archive is, read by pyelftools (independent of our
own reader): its machine, its `.comment`, which linker wrote it. Shared by
the cross-compilation tests (cargo's and Buck2's)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest


def parse(data: bytes):
    """pyelftools' reader on an ELF file's bytes."""
    elffile = pytest.importorskip("elftools.elf.elffile", reason="pip install pyelftools (a test dependency)")
    return elffile.ELFFile(io.BytesIO(data))


def machine(path) -> str:
    """e_machine: `EM_X86_64`, `EM_AARCH64`."""
    return parse(Path(path).read_bytes()).header.e_machine


def archive_machines(path) -> set[str]:
    """e_machine of every ELF member of an ar archive."""
    from rlib_v0.formats import archive, elf

    with open(path, "rb") as f:
        toc = archive.scan(str(path), f)
        return {parse(data).header.e_machine for m in toc.members if elf.is_elf(data := toc.read(m, f))}


def comment(path) -> str:
    """The `.comment` section, NULs as newlines: compilers and linkers sign it
    (`rustc version 1.96.0 (...)`, `Linker: LLD ...`)."""
    section = parse(Path(path).read_bytes()).get_section_by_name(".comment")
    return section.data().replace(b"\0", b"\n").decode("utf-8", "replace") if section is not None else ""


def linked_by(exe) -> str:
    """Which linker wrote `exe`, from what each leaves behind."""
    e = parse(Path(exe).read_bytes())
    section = e.get_section_by_name(".comment")
    text = section.data() if section is not None else b""
    if b"LLD" in text:
        return "lld"
    if b"mold" in text:
        return "mold"
    if e.get_section_by_name(".note.gnu.gold-version") is not None:
        return "gold"
    return "bfd"
