"""`Record`: the base of every record class of the package (the one record style).

Each record class lists its fields in `__slots__` and writes its own
`__init__`; this base adds `==`, `repr` and `as_dict` over those slots, and
frozen-style value classes (used as keys) take `__hash__ = Record.hash_fields`.
No code generation and no imports: `dataclasses` imports `inspect` (with
`ast`, `dis`, `enum`...) and compiles code for every class it decorates,
which cost `rlib-v0 link` more than planning a 200-crate link; and slotted
instances are quicker to build and to read than `__dict__` ones (the link
path builds several per input archive). bench/run.py measures both.
"""


class Record:
    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # mutable by default; value classes opt in below

    def hash_fields(self) -> int:
        return hash(tuple(getattr(self, n) for n in self.__slots__))

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"

    def as_dict(self) -> dict:
        """Fields by name, records in them converted too (as `dataclasses.asdict`)."""
        return {n: _plain(getattr(self, n)) for n in self.__slots__}


def _plain(v: object) -> object:
    if isinstance(v, Record):
        return v.as_dict()
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v
