"""Rust symbol demangling (legacy and v0 / RFC 2603) and crate attribution.

Output follows the "alternate" human-readable style of `rustc-demangle`
(`{:#}`): no legacy hash, no crate disambiguators, no integer-literal type
suffixes.  Everything here is pure stdlib, self-contained and cheap to import (plain
slotted classes, no `dataclasses`, whose `inspect` import cost every compile
~16 ms), because the linker wrapper imports this module on every link and
`rlib-v0 rustc` on nearly every compile.

Two schemes coexist in one link on stable rustc: user crates use the legacy
(`_ZN...17h<hash>E`) scheme, while the precompiled standard library uses v0
(`_R...`).  Both are handled; anything else is treated as a foreign (C/C++)
name and passed through untouched.
"""

from __future__ import annotations


__all__ = ["SymbolCrates", "demangle", "is_rust_symbol", "path_crate", "symbol_crates"]


# The records below are slotted classes as `records.Record` makes them, but
# spell out their `==`, hash and repr: this module is standalone (loadable
# as one file, tests/test_demangle.py), so it imports nothing of the package.


class SymbolCrates:
    """Which crates a symbol belongs to / mentions.  Compared and hashed by
    the first three fields (the crate ids are extra detail)."""

    __slots__ = ("path_crate", "instantiating_crate", "crates", "path_crate_id", "instantiating_crate_id", "crate_ids")

    def __init__(
        self,
        path_crate: str | None,
        instantiating_crate: str | None,
        crates: frozenset[str],
        path_crate_id: tuple[str, int] | None = None,
        instantiating_crate_id: tuple[str, int] | None = None,
        crate_ids: frozenset[tuple[str, int]] = frozenset(),
    ) -> None:
        # Crate of the item's path: first crate root (v0, in encoding order, so
        # an impl's own path wins) or first legacy segment (for legacy
        # `<X as Y>::m`, the crate of X's path).  None for non-Rust names.
        self.path_crate = path_crate
        # v0 only: crate named after the generic arguments of an instance, i.e.
        # the crate that instantiated (and, with share-generics, exports) it.
        self.instantiating_crate = instantiating_crate
        # Every crate named anywhere in the symbol.
        self.crates = crates
        # v0 only: (name, disambiguator) of the path crate, of the instantiating
        # crate, and of every crate named: the disambiguator tells two builds
        # (or versions) of one crate apart, which the name alone cannot.
        self.path_crate_id = path_crate_id
        self.instantiating_crate_id = instantiating_crate_id
        self.crate_ids = crate_ids

    def _compared(self) -> tuple:
        return (self.path_crate, self.instantiating_crate, self.crates)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        return "SymbolCrates(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"


_NOT_RUST = SymbolCrates(None, None, frozenset())


def demangle(sym: str) -> str:
    """Human-readable form of a Rust symbol; other names come back unchanged."""
    result = _analyse(sym) if isinstance(sym, str) else None
    return sym if result is None else result.text


def is_rust_symbol(sym: str) -> bool:
    """True for well-formed legacy (with hash) or v0 Rust symbols."""
    return isinstance(sym, str) and _analyse(sym) is not None


def symbol_crates(sym: str) -> SymbolCrates:
    """Crate attribution of a symbol (see `SymbolCrates`)."""
    result = _analyse(sym) if isinstance(sym, str) else None
    return _NOT_RUST if result is None else result.crates


# --------------------------------------------------------------------------
# Shared front end


class _Demangled:
    """One parse yields both answers; cached, as callers ask for both."""

    __slots__ = ("text", "crates")

    def __init__(self, text: str, crates: SymbolCrates) -> None:
        self.text = text  # the human-readable form
        self.crates = crates  # its crate attribution


class _Invalid(Exception):
    """Internal: the input is not a well-formed symbol of the scheme tried."""


# LLVM appends `.llvm.<digits>` when it renames internal symbols for ThinLTO;
# it carries no meaning for the reader, so it is dropped (as rustc-demangle
# and libiberty do).  Other `.`-suffixes (`.cold`, `.0`) are kept verbatim.
# (No `re` here: importing it costs each compile ~7 ms; these few
# patterns are plain string tests.)
_LLVM_HASH = frozenset("0123456789abcdefABCDEF@")


def _llvm_suffix_start(sym: str) -> int:
    """Where `sym` ends in `.llvm.[0-9A-Fa-f@]*`, else -1 (only the last
    `.llvm.` can start one: an earlier one has a `.` after it)."""
    i = sym.rfind(".llvm.")
    return i if i >= 0 and all(c in _LLVM_HASH for c in sym[i + 6 :]) else -1


def _suffix_ok(suffix: str) -> bool:
    """A kept suffix must look like symbol text (`.` and printable ASCII), else the name is not Rust."""
    return not suffix or (suffix[0] == "." and all("!" <= c <= "~" for c in suffix))


# Parses by symbol; a plain dict rather than `functools.lru_cache`, whose
# import (collections, operator...) costs each compile ~3 ms.  Emptied when
# full: a link's symbols repeat within one archive, rarely across them.
_ANALYSED: dict[str, _Demangled | None] = {}
_ANALYSED_MAX = 8192


def _analyse(sym: str) -> _Demangled | None:
    try:
        return _ANALYSED[sym]
    except KeyError:
        pass
    if len(_ANALYSED) >= _ANALYSED_MAX:
        _ANALYSED.clear()
    found = _ANALYSED[sym] = _parse(sym)
    return found


_analyse.cache_clear = _ANALYSED.clear  # as lru_cache's (the fuzzer resets it)


def _parse(sym: str) -> _Demangled | None:
    cut = _llvm_suffix_start(sym)
    base = sym[:cut] if cut >= 0 else sym
    try:
        if base.startswith("_R"):
            return _v0(base[2:])
        if base.startswith("__R"):  # Mach-O adds an underscore
            return _v0(base[3:])
        if base.startswith("R"):  # some Windows tools strip the underscore
            return _v0(base[1:])
        if base.startswith("_ZN"):
            return _legacy(base[3:])
        if base.startswith("__ZN"):
            return _legacy(base[4:])
        if base.startswith("ZN"):
            return _legacy(base[2:])
    except (_Invalid, RecursionError):
        # RecursionError is only a backstop: the depth limit below keeps
        # real and hostile inputs well under Python's stack limit.
        return None
    return None


# --------------------------------------------------------------------------
# Legacy scheme: `_ZN` {<len><bytes>} `E`, last segment `h<16 hex>`.

_HEX_LOWER = frozenset("0123456789abcdef")
_LEGACY_ESCAPES = {
    "SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">",
    "LP": "(", "RP": ")", "C": ",",
}
_IDENT_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_IDENT = _IDENT_START | frozenset("0123456789")


def _path_starts(text: str) -> list[str]:
    r"""The identifiers that start a path in demangled legacy text
    (`core::...`): an ASCII identifier followed by `::`, not preceded by a
    word character (`str.isalnum` or `_`) or `:` (the regex
    `(?<![\w:])([A-Za-z_][A-Za-z0-9_]*)::`, in order)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in _IDENT_START and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_:")):
            j = i + 1
            while j < n and text[j] in _IDENT:
                j += 1
            if text.startswith("::", j):
                out.append(text[i:j])
                i = j + 2
                continue
            i = j
            continue
        i += 1
    return out


def _legacy(inner: str) -> _Demangled:
    segments, suffix = _legacy_split(inner)
    parts = [_legacy_segment(s) for s in segments[:-1]]

    first = parts[0]
    if first.startswith("<"):
        # `<X as Y>::m`: the first path inside is X's (or Y's if X has none).
        found = _path_starts(first)
        path_crate = found[0] if found else None
    else:
        path_crate = first
    crates = {c for p in parts for c in _path_starts(p)}
    if path_crate:
        crates.add(path_crate)
    return _Demangled("::".join(parts) + suffix, SymbolCrates(path_crate, None, frozenset(crates)))


def path_crate(sym: str) -> str | None:
    """`symbol_crates(sym).path_crate`.  A legacy name's is its first
    segment's, so only that segment is decoded (after the whole name is
    checked as `_legacy` checks it): `rlib-v0 rustc`'s check asks this of
    the hundreds of `<X as Y>::m` names a crate defines, after rustc, on
    its critical path."""
    found = _ANALYSED.get(sym)
    if found is not None or not isinstance(sym, str):
        return None if found is None else found.crates.path_crate
    cut = _llvm_suffix_start(sym)
    base = sym[:cut] if cut >= 0 else sym
    if not base.startswith("_ZN"):  # (`_parse` tries `_R` first: no `_ZN` name starts so)
        return symbol_crates(sym).path_crate
    try:
        segments, _ = _legacy_split(base[3:])
    except (_Invalid, RecursionError):
        return None
    first = _legacy_segment(segments[0])
    if first.startswith("<"):
        starts = _path_starts(first)
        return starts[0] if starts else None
    return first


def _legacy_split(inner: str) -> tuple[list[str], str]:
    """(the segments, the suffix) of a legacy name after its `_ZN`; the
    last segment is the hash.  _Invalid unless it is a well-formed one."""
    if not inner or not inner.isascii():
        raise _Invalid
    segments: list[str] = []
    i, n = 0, len(inner)
    while True:
        if i >= n:
            raise _Invalid
        if inner[i] == "E":
            i += 1
            break
        j = i
        while j < n and inner[j].isdigit():
            j += 1
        if j == i or j - i > 9:  # also keeps int() away from huge digit runs
            raise _Invalid
        end = j + int(inner[i:j])
        if end > n:
            raise _Invalid
        segments.append(inner[j:end])
        i = end
    suffix = inner[i:]
    # Requiring the hash keeps plain C++ names such as `_ZN3foo3barE` out.
    h = segments[-1] if segments else ""
    if len(segments) < 2 or len(h) != 17 or h[0] != "h" or not all(c in _HEX_LOWER for c in h[1:]) or not _suffix_ok(suffix):
        raise _Invalid
    return segments, suffix


def _legacy_segment(seg: str) -> str:
    # The mangler prefixes `_` so an identifier never starts with `$`.
    if seg.startswith("_$"):
        seg = seg[1:]
    out: list[str] = []
    i, n = 0, len(seg)
    while i < n:
        c = seg[i]
        if c == ".":
            if seg.startswith("..", i):
                out.append("::")
                i += 2
            else:
                out.append(".")
                i += 1
        elif c == "$":
            close = seg.find("$", i + 1)
            decoded = _legacy_escape(seg[i + 1 : close]) if close > 0 else None
            if decoded is None:
                out.append(seg[i:])  # unknown escape: keep the rest verbatim
                break
            out.append(decoded)
            i = close + 1
        else:
            j = i
            while j < n and seg[j] not in ".$":
                j += 1
            out.append(seg[i:j])
            i = j
    return "".join(out)


def _legacy_escape(code: str) -> str | None:
    if code in _LEGACY_ESCAPES:
        return _LEGACY_ESCAPES[code]
    digits = code[1:]
    if code[:1] != "u" or not digits or len(digits) > 6:
        return None
    if any(d not in "0123456789abcdef" for d in digits):
        return None
    cp = int(digits, 16)
    if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
        return None
    # Like rustc-demangle: any char except control characters.
    return None if cp < 0x20 or 0x7F <= cp < 0xA0 else chr(cp)


# --------------------------------------------------------------------------
# v0 scheme (RFC 2603 plus the const extensions rustc emits).

_BASIC_TYPES = {
    "a": "i8", "b": "bool", "c": "char", "d": "f64", "e": "str", "f": "f32",
    "h": "u8", "i": "isize", "j": "usize", "l": "i32", "m": "u32",
    "n": "i128", "o": "u128", "s": "i16", "t": "u16", "u": "()", "v": "...",
    "x": "i64", "y": "u64", "z": "!", "p": "_",
}
_UNSIGNED_CONST = frozenset("htmyoj")
_SIGNED_CONST = frozenset("aslxni")
# rustc mangles these float types as undisambiguated crate roots (`C4f128`);
# they are types, not crates.
_PSEUDO_CRATES = frozenset({"f16", "f128"})
_HEX = frozenset("0123456789abcdef")
_BASE62 = {c: i for i, c in enumerate(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")}

# Nesting bound: deep enough for real symbols, far below Python's stack.
_MAX_DEPTH = 160
# Backrefs can make output exponential in input size; bound total work.
_MAX_STEPS = 200_000
_MAX_OUTPUT = 1 << 20


def _v0(inner: str) -> _Demangled:
    # Paths start with an uppercase tag; a leading digit would be an
    # encoding version other than 0, which does not exist yet.
    if not inner or not ("A" <= inner[0] <= "Z") or not inner.isascii():
        raise _Invalid
    p = _V0Printer(inner)
    p.path(in_value=True)
    path_crates = len(p.crates)
    instantiating = None
    if p.pos < len(inner) and "A" <= inner[p.pos] <= "Z":
        # The instantiating crate is parsed but, like rustc-demangle, not shown.
        p.printing = False
        p.path(in_value=False)
        if len(p.crates) > path_crates:
            instantiating = p.crates[path_crates]
    suffix = inner[p.pos :]
    if not _suffix_ok(suffix):
        raise _Invalid
    path_crate = p.crates[0] if path_crates else None
    ids = p.crate_ids
    crates = SymbolCrates(path_crate, instantiating, frozenset(p.crates), ids[0] if path_crates else None, ids[path_crates] if instantiating else None, frozenset(ids))
    return _Demangled("".join(p.out) + suffix, crates)


class _V0Printer:
    """Recursive-descent parser that prints while it parses.

    Backrefs (`B<offset>`) are followed by re-parsing from the referenced
    offset, so there is no separate syntax tree.
    """

    def __init__(self, sym: str) -> None:
        self.sym = sym
        self.pos = 0
        self.out: list[str] = []
        self.out_len = 0
        self.printing = True
        self.depth = 0
        self.steps = 0
        self.bound_lifetimes = 0
        self.crates: list[str] = []
        self.crate_ids: list[tuple[str, int]] = []  # parallel to `crates`, with disambiguators

    # -- low level ---------------------------------------------------------

    def emit(self, s: str) -> None:
        # Counted even when not printing, so hidden parts share the budget.
        self.out_len += len(s)
        if self.out_len > _MAX_OUTPUT:
            raise _Invalid
        if self.printing:
            self.out.append(s)

    def peek(self) -> str:
        return self.sym[self.pos] if self.pos < len(self.sym) else ""

    def eat(self, c: str) -> bool:
        if self.pos < len(self.sym) and self.sym[self.pos] == c:
            self.pos += 1
            return True
        return False

    def next(self) -> str:
        if self.pos >= len(self.sym):
            raise _Invalid
        c = self.sym[self.pos]
        self.pos += 1
        return c

    def enter(self) -> None:
        self.depth += 1
        self.steps += 1
        if self.depth > _MAX_DEPTH or self.steps > _MAX_STEPS:
            raise _Invalid

    def leave(self) -> None:
        self.depth -= 1

    def base62(self) -> int:
        """`_` is 0; otherwise base-62 digits + `_` encode value + 1."""
        if self.eat("_"):
            return 0
        value = 0
        while True:
            c = self.next()
            if c == "_":
                return value + 1
            digit = _BASE62.get(c)
            if digit is None:
                raise _Invalid
            value = value * 62 + digit
            if value > 1 << 64:
                raise _Invalid

    def opt_base62(self, tag: str) -> int:
        return self.base62() + 1 if self.eat(tag) else 0

    def decimal(self) -> int:
        c = self.next()
        if not c.isdigit():
            raise _Invalid
        if c == "0":  # no leading zeros: "0" is a complete number
            return 0
        start = self.pos - 1
        while self.peek().isdigit():
            self.pos += 1
        if self.pos - start > 9:  # longer than any symbol could be
            raise _Invalid
        return int(self.sym[start : self.pos])

    def ident(self) -> str:
        punycode = self.eat("u")
        length = self.decimal()
        self.eat("_")  # separator, present when the bytes start with a digit or `_`
        start, end = self.pos, self.pos + length
        if end > len(self.sym):
            raise _Invalid
        self.pos = end
        raw = self.sym[start:end]
        if not punycode:
            return raw
        # Rust uses `_` instead of Punycode's `-` as delimiter.
        cut = raw.rfind("_")
        basic, encoded = (raw[:cut], raw[cut + 1 :]) if cut >= 0 else ("", raw)
        if not encoded:
            raise _Invalid
        decoded = _punycode_decode(basic, encoded)
        if decoded is None:
            return "punycode{" + (basic + "-" if basic else "") + encoded + "}"
        return decoded

    def hex_nibbles(self) -> str:
        start = self.pos
        while self.pos < len(self.sym) and self.sym[self.pos] in _HEX:
            self.pos += 1
        nibbles = self.sym[start : self.pos]
        if not self.eat("_"):
            raise _Invalid
        return nibbles

    def backref(self, parse, *args):
        """Run `parse(*args)` at the offset named by a `B<offset>` just eaten."""
        start = self.pos - 1
        target = self.base62()
        if target >= start:  # backrefs only point backwards
            raise _Invalid
        self.enter()
        saved = self.pos
        self.pos = target
        result = parse(*args)
        self.pos = saved
        self.leave()
        return result

    def sep_list(self, parse, sep: str) -> int:
        count = 0
        while not self.eat("E"):
            if count:
                self.emit(sep)
            parse()
            count += 1
        return count

    # -- paths -------------------------------------------------------------

    def path(self, in_value: bool) -> None:
        self.enter()
        tag = self.next()
        if tag == "C":
            disambiguator = self.opt_base62("s")
            name = self.ident()
            if disambiguator or name not in _PSEUDO_CRATES:
                self.crates.append(name)
                self.crate_ids.append((name, disambiguator))
            self.emit(name)
        elif tag == "N":
            ns = self.next()
            if not ns.isalpha():
                raise _Invalid
            self.path(in_value)
            disambiguator = self.opt_base62("s")
            name = self.ident()
            if ns.isupper():
                # Special namespaces (closures, shims, ...) are shown in braces.
                kind = {"C": "closure", "S": "shim"}.get(ns, ns)
                self.emit("::{" + kind + (":" + name if name else "") + f"#{disambiguator}}}")
            elif name:
                self.emit("::" + name)
        elif tag in "MXY":
            if tag != "Y":
                # The impl's own path only disambiguates; it is not shown,
                # but its crate still counts for attribution.
                self.opt_base62("s")
                printing, self.printing = self.printing, False
                self.path(in_value=False)
                self.printing = printing
            self.emit("<")
            self.type()
            if tag != "M":
                self.emit(" as ")
                self.path(in_value=False)
            self.emit(">")
        elif tag == "I":
            self.path(in_value)
            self.emit("::<" if in_value else "<")
            self.sep_list(self.generic_arg, ", ")
            self.emit(">")
        elif tag == "B":
            self.backref(self.path, in_value)
        else:
            raise _Invalid
        self.leave()

    def path_open_generics(self) -> bool:
        """Print a path; if it has generic args, leave the `<...` open.

        `dyn Trait<A, Assoc = T>` lists associated-type bindings inside the
        trait's generic argument list.
        """
        if self.eat("B"):
            return self.backref(self.path_open_generics)
        if self.eat("I"):
            self.enter()
            self.path(in_value=False)
            self.emit("<")
            self.sep_list(self.generic_arg, ", ")
            self.leave()
            return True
        self.path(in_value=False)
        return False

    def generic_arg(self) -> None:
        if self.eat("L"):
            self.lifetime(self.base62())
        elif self.eat("K"):
            self.const(in_value=False)
        else:
            self.type()

    # -- lifetimes and binders ----------------------------------------------

    def lifetime(self, index: int) -> None:
        if index == 0:
            self.emit("'_")
            return
        depth = self.bound_lifetimes - index  # de Bruijn index -> binder level
        if depth < 0:
            raise _Invalid
        self.emit("'" + (chr(ord("a") + depth) if depth < 26 else f"_{depth}"))

    def binder(self) -> int:
        """Parse an optional `for<...>` binder; return how many it bound."""
        count = self.opt_base62("G")
        if count:
            if count > 1 << 16:
                raise _Invalid
            self.emit("for<")
            for i in range(count):
                if i:
                    self.emit(", ")
                self.bound_lifetimes += 1
                self.lifetime(1)
            self.emit("> ")
        return count

    # -- types -------------------------------------------------------------

    def type(self) -> None:
        self.enter()
        tag = self.next()
        basic = _BASIC_TYPES.get(tag)
        if basic is not None:
            self.emit(basic)
        elif tag in "RQ":
            self.emit("&")
            if self.eat("L"):
                index = self.base62()
                if index:
                    self.lifetime(index)
                    self.emit(" ")
            if tag == "Q":
                self.emit("mut ")
            self.type()
        elif tag == "P":
            self.emit("*const ")
            self.type()
        elif tag == "O":
            self.emit("*mut ")
            self.type()
        elif tag == "A":
            self.emit("[")
            self.type()
            self.emit("; ")
            self.const(in_value=True)
            self.emit("]")
        elif tag == "S":
            self.emit("[")
            self.type()
            self.emit("]")
        elif tag == "T":
            self.emit("(")
            if self.sep_list(self.type, ", ") == 1:
                self.emit(",")
            self.emit(")")
        elif tag == "F":
            self.fn_sig()
        elif tag == "D":
            self.emit("dyn ")
            bound = self.binder()
            self.sep_list(self.dyn_trait, " + ")
            self.bound_lifetimes -= bound
            if not self.eat("L"):
                raise _Invalid
            index = self.base62()
            if index:
                self.emit(" + ")
                self.lifetime(index)
        elif tag == "B":
            self.backref(self.type)
        else:
            self.pos -= 1  # any other type is a named path
            self.path(in_value=False)
        self.leave()

    def fn_sig(self) -> None:
        bound = self.binder()
        if self.eat("U"):
            self.emit("unsafe ")
        if self.eat("K"):
            if self.eat("C"):
                abi = "C"
            else:
                abi = self.ident()
                if not abi or not abi.isascii():
                    raise _Invalid
            # The mangler turns `-` into `_` (e.g. "C-unwind" -> "C_unwind").
            self.emit('extern "' + abi.replace("_", "-") + '" ')
        self.emit("fn(")
        self.sep_list(self.type, ", ")
        self.emit(")")
        if not self.eat("u"):  # `-> ()` is implied
            self.emit(" -> ")
            self.type()
        self.bound_lifetimes -= bound

    def dyn_trait(self) -> None:
        is_open = self.path_open_generics()
        while self.eat("p"):
            self.emit(", " if is_open else "<")
            is_open = True
            name = self.ident()
            self.emit(name + " = ")
            self.type()
        if is_open:
            self.emit(">")

    # -- constants ---------------------------------------------------------

    def const(self, in_value: bool) -> None:
        self.enter()
        tag = self.next()
        braced = False

        def brace() -> None:
            # Non-literal expressions need `{...}` in generic-arg position.
            nonlocal braced
            if not in_value:
                braced = True
                self.emit("{")

        if tag == "p":
            self.emit("_")
        elif tag in _UNSIGNED_CONST:
            self.emit(_uint_text(self.hex_nibbles()))
        elif tag in _SIGNED_CONST:
            if self.eat("n"):
                self.emit("-")
            self.emit(_uint_text(self.hex_nibbles()))
        elif tag == "b":
            value = _small_uint(self.hex_nibbles())
            if value not in (0, 1):
                raise _Invalid
            self.emit("true" if value else "false")
        elif tag == "c":
            value = _small_uint(self.hex_nibbles())
            if value is None or value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                raise _Invalid
            self.emit(_quote(chr(value), "'"))
        elif tag == "e":
            brace()
            self.emit("*")  # a `str` value; the literal itself is `&str`
            self.emit(_quote(self.str_literal(), '"'))
        elif tag in "RQ":
            if tag == "R" and self.eat("e"):
                self.emit(_quote(self.str_literal(), '"'))
            else:
                brace()
                self.emit("&" if tag == "R" else "&mut ")
                self.const(in_value=True)
        elif tag == "A":
            brace()
            self.emit("[")
            self.sep_list(lambda: self.const(True), ", ")
            self.emit("]")
        elif tag == "T":
            brace()
            self.emit("(")
            if self.sep_list(lambda: self.const(True), ", ") == 1:
                self.emit(",")
            self.emit(")")
        elif tag == "V":
            brace()
            self.path(in_value=True)
            kind = self.next()
            if kind == "T":
                self.emit("(")
                self.sep_list(lambda: self.const(True), ", ")
                self.emit(")")
            elif kind == "S":
                self.emit(" { ")
                self.sep_list(self.const_field, ", ")
                self.emit(" }")
            elif kind != "U":
                raise _Invalid
        elif tag == "B":
            self.backref(self.const, in_value)
        else:
            raise _Invalid
        if braced:
            self.emit("}")
        self.leave()

    def const_field(self) -> None:
        self.opt_base62("s")
        self.emit(self.ident() + ": ")
        self.const(in_value=True)

    def str_literal(self) -> str:
        nibbles = self.hex_nibbles()
        if len(nibbles) % 2:
            raise _Invalid
        try:
            return bytes.fromhex(nibbles).decode("utf-8")
        except ValueError:  # UnicodeDecodeError is a ValueError
            raise _Invalid from None


def _small_uint(nibbles: str) -> int | None:
    digits = nibbles.lstrip("0")
    if len(digits) > 16:
        return None
    return int(digits, 16) if digits else 0


def _uint_text(nibbles: str) -> str:
    value = _small_uint(nibbles)
    # Values beyond u64 are shown in hex, as rustc-demangle does.
    return str(value) if value is not None else "0x" + nibbles


_CHAR_ESCAPES = {"\0": "\\0", "\t": "\\t", "\r": "\\r", "\n": "\\n", "\\": "\\\\"}


def _quote(text: str, quote: str) -> str:
    """Quote like Rust's `{:?}` (escape_debug) for chars and strings."""
    out = [quote]
    for ch in text:
        if ch in _CHAR_ESCAPES:
            out.append(_CHAR_ESCAPES[ch])
        elif ch == quote:
            out.append("\\" + ch)
        elif ch.isprintable() and not _combining(ch):
            out.append(ch)
        else:
            out.append(f"\\u{{{ord(ch):x}}}")
    out.append(quote)
    return "".join(out)


def _combining(ch: str) -> bool:
    """Approximates Rust's Grapheme_Extend test (such chars get escaped)."""
    if ch.isascii():
        return False
    import unicodedata  # lazily: only char/str constants need it

    return unicodedata.category(ch) in ("Mn", "Me")


# --------------------------------------------------------------------------
# Punycode (RFC 3492) for non-ASCII identifiers.

def _punycode_decode(basic: str, encoded: str) -> str | None:
    """Decode; None if `encoded` is not valid Punycode."""
    base, tmin, tmax = 36, 1, 26
    out = list(basic)
    n, i, bias = 128, 0, 72
    pos = 0
    while pos < len(encoded):
        old_i, weight, k = i, 1, base
        while True:
            if pos >= len(encoded):
                return None
            c = encoded[pos]
            pos += 1
            if "a" <= c <= "z":
                digit = ord(c) - ord("a")
            elif "0" <= c <= "9":
                digit = ord(c) - ord("0") + 26
            else:
                return None
            i += digit * weight
            if i > 1 << 32:
                return None
            t = tmin if k <= bias else tmax if k >= bias + tmax else k - bias
            if digit < t:
                break
            weight *= base - t
            k += base
        count = len(out) + 1
        bias = _punycode_adapt(i - old_i, count, old_i == 0)
        n += i // count
        i %= count
        if n > 0x10FFFF or 0xD800 <= n <= 0xDFFF:
            return None
        out.insert(i, chr(n))
        i += 1
    return "".join(out)


def _punycode_adapt(delta: int, count: int, first: bool) -> int:
    delta //= 700 if first else 2
    delta += delta // count
    k = 0
    while delta > 455:  # ((base - tmin) * tmax) // 2
        delta //= 35  # base - tmin
        k += 36
    return k + (36 * delta) // (delta + 38)
