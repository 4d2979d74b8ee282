"""The one way to write a value class in vsh, without ``dataclasses``.

A ``@dataclass`` costs about a third of a millisecond at import (it writes
and compiles its methods); the twenty records that ``snapshot-redefine``
loads made that a visible share of the command's start-up.  A record lists
its fields as class annotations, in constructor order, with optional
defaults, as a dataclass does::

    class Problem(FrozenRecord):
        kind: str
        message: str
        names: tuple[str, ...] = ()
        notes: list[str] = fresh(list)   # a new list per instance

The metaclass turns the annotations into ``__slots__`` (no per-instance
dict), keeps the defaults out of the class (slots cannot have class values),
and a generic ``__init__`` binds positional and keyword arguments; nothing
is compiled.  :class:`Record` compares and prints by ``_fields`` (default:
every field; a class may name fewer, as ``restore.Job`` leaves out its
handle); :class:`FrozenRecord` also hashes by them.  A class may still write
its own ``__init__`` (with ``__slots__``) where construction does more than
store its arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, dataclass_transform

_MISSING = object()
_T = TypeVar("_T")


class _Fresh:
    """A default made by calling ``factory()`` for each instance (``fresh(list)``)."""

    __slots__ = ("factory",)

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory


if TYPE_CHECKING:
    # For type checkers a fresh default is a plain default of the factory's
    # type: a dataclass_transform field specifier would need keyword arguments.
    def fresh(factory: Callable[[], _T]) -> _T: ...

else:
    fresh = _Fresh  # a lower-case name: it reads as a function in a declaration


@dataclass_transform()
class _RecordMeta(type):
    def __new__(
        mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any], **kwargs: Any
    ) -> _RecordMeta:
        annotations = ns.get("__annotations__", {})
        own = tuple(n for n, t in annotations.items() if "ClassVar" not in str(t))
        defaults = {n: ns.pop(n) for n in own if n in ns}
        ns.setdefault("__slots__", own)
        cls = super().__new__(mcls, name, bases, ns, **kwargs)
        inherited: tuple[str, ...] = getattr(cls, "_init_fields", ())
        cls._init_fields = inherited + own  # type: ignore[attr-defined]
        cls._defaults = {**getattr(cls, "_defaults", {}), **defaults}  # type: ignore[attr-defined]
        if "_fields" not in ns:
            cls._fields = cls._init_fields or tuple(ns["__slots__"])  # type: ignore[attr-defined]
        return cls


class Record(metaclass=_RecordMeta):
    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()  # compared and shown
    _init_fields: ClassVar[tuple[str, ...]] = ()  # constructor order
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self._init_fields
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes {len(names)} arguments")
        for name, value in zip(names, args, strict=False):
            setattr(self, name, value)
        if len(args) == len(names) and not kwargs:
            return  # the common case: everything positional
        for name in names[len(args) :]:
            value = kwargs.pop(name, _MISSING)
            if value is _MISSING:
                value = self._defaults.get(name, _MISSING)
                if value is _MISSING:
                    raise TypeError(f"{type(self).__name__}() missing argument {name!r}")
                if isinstance(value, _Fresh):
                    value = value.factory()
            setattr(self, name, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected {', '.join(kwargs)}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable: like a non-frozen dataclass

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({args})"


class FrozenRecord(Record):
    __slots__ = ()

    # Turns back on the hashing Record switched off, as a frozen dataclass does.
    def __hash__(self) -> int:  # type: ignore[override]
        return hash(self._values())
