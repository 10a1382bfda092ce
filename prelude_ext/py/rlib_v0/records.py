"""`dataclass`, `field` and `asdict` for the modules on the link path.

`rlib-v0 link` runs on every link of a build, so its start-up is most of
its cost.  The standard `dataclasses` module imports `inspect` (and with it
`ast`, `dis`, `tokenize`, `enum`...) and compiles source code for every
class it decorates: together that was the largest part of the wrapper's
start-up (bench/run.py measures it).  This module gives the same
declarations the same behaviour for what this package uses — fields from
annotations, defaults, `field(default_factory=...)`, `frozen=True`,
positional or keyword construction, `==`, `repr`, `hash` of frozen records,
`asdict` — with no imports and no code generation.

Modules off the link path (verify, explain, rustc_args, ...) keep using the
standard `dataclasses`.
"""

from __future__ import annotations

_MISSING = object()


class _Field:
    __slots__ = ("default", "default_factory")

    def __init__(self, default: object, default_factory: object) -> None:
        self.default = default
        self.default_factory = default_factory


def field(*, default: object = _MISSING, default_factory: object = _MISSING) -> object:
    return _Field(default, default_factory)


_set = object.__setattr__


class FrozenInstanceError(AttributeError):
    pass


def dataclass(cls: type | None = None, *, frozen: bool = False):
    """Decorate `cls` like `dataclasses.dataclass(frozen=frozen)`."""

    def wrap(cls: type) -> type:
        return _process(cls, frozen)

    return wrap if cls is None else wrap(cls)


def _process(cls: type, frozen: bool) -> type:
    fields: list[tuple[str, object, object]] = []  # (name, default, factory)
    for klass in reversed(cls.__mro__[1:]):
        fields += [f for f in getattr(klass, "__record_fields__", ()) if f[0] not in {g[0] for g in fields}]
    for name in cls.__dict__.get("__annotations__", {}):
        default, factory = cls.__dict__.get(name, _MISSING), _MISSING
        if isinstance(default, _Field):
            default, factory = default.default, default.default_factory
            if default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, default)
        fields = [f for f in fields if f[0] != name] + [(name, default, factory)]
    seen_default = False
    for name, default, factory in fields:
        if default is not _MISSING or factory is not _MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {name!r} follows default argument")
    names = tuple(f[0] for f in fields)
    name_set = frozenset(names)
    cls.__record_fields__ = tuple(fields)
    cls.__match_args__ = names

    def __init__(self, *args, **kwargs):
        # Fast paths (the link path builds thousands of records): every field
        # given, all positionally or all by keyword.  Attributes are set one
        # by one, in field order: updating __dict__ wholesale would be quicker
        # here but makes every later attribute read slower (the instance
        # loses CPython's inline attribute values).
        if not kwargs:
            if len(args) == len(names):
                for name, value in zip(names, args):
                    _set(self, name, value)
                return
        elif not args and len(kwargs) == len(names) and kwargs.keys() == name_set:
            for name in names:
                _set(self, name, kwargs[name])
            return
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__}() takes {len(fields)} positional arguments but {len(args)} were given")
        for n, (name, default, factory) in enumerate(fields):
            if n < len(args):
                if name in kwargs:
                    raise TypeError(f"{cls.__name__}() got multiple values for argument {name!r}")
                value = args[n]
            elif name in kwargs:
                value = kwargs.pop(name)
            elif default is not _MISSING:
                value = default
            elif factory is not _MISSING:
                value = factory()
            else:
                raise TypeError(f"{cls.__name__}() missing required argument: {name!r}")
            _set(self, name, value)
        if kwargs:  # every field's keyword was taken above
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {next(iter(kwargs))!r}")

    def __repr__(self) -> str:
        return f"{cls.__qualname__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in names)

    cls.__init__ = __init__
    cls.__repr__ = __repr__
    cls.__eq__ = __eq__
    if frozen:

        def __setattr__(self, name, value):
            raise FrozenInstanceError(f"cannot assign to field {name!r}")

        def __delattr__(self, name):
            raise FrozenInstanceError(f"cannot delete field {name!r}")

        def __hash__(self) -> int:
            return hash(tuple(getattr(self, n) for n in names))

        cls.__setattr__ = __setattr__
        cls.__delattr__ = __delattr__
        cls.__hash__ = __hash__
    else:
        cls.__hash__ = None  # like dataclasses: eq without frozen is unhashable
    return cls


def is_record(obj: object) -> bool:
    return hasattr(type(obj), "__record_fields__")


def asdict(obj: object) -> dict:
    """Like `dataclasses.asdict`: records, lists, tuples and dicts recursively."""
    if not is_record(obj):
        raise TypeError("asdict() should be called on record instances")
    return _convert(obj)


def _convert(v: object) -> object:
    if is_record(v):
        return {n: _convert(getattr(v, n)) for n, _, _ in type(v).__record_fields__}
    if isinstance(v, list):
        return [_convert(x) for x in v]
    if isinstance(v, tuple):
        return type(v)(_convert(x) for x in v)
    if isinstance(v, dict):
        return {_convert(k): _convert(x) for k, x in v.items()}
    return v


def replace(obj: object, **changes: object) -> object:
    """Like `dataclasses.replace`."""
    values = {n: getattr(obj, n) for n, _, _ in type(obj).__record_fields__}
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {sorted(unknown)[0]!r}")
    values.update(changes)
    return type(obj)(**values)
