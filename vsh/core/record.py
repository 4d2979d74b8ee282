"""Plain value classes for the bulk snapshot path, without ``dataclasses``.

A ``@dataclass`` costs about a third of a millisecond at import (it writes
and compiles its methods); the twenty records that ``snapshot-redefine``
loads made that a visible share of the command's start-up.  A class
derived from :class:`Record` lists its fields in ``__slots__``, writes its
own ``__init__``, and gets equality and ``repr`` over ``_fields`` (default:
its slots).  :class:`FrozenRecord` adds hashing, for values that are never
changed after construction.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Record:
    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_fields" not in cls.__dict__:
            cls._fields = tuple(cls.__dict__.get("__slots__", ()))

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable: like a non-frozen dataclass

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({args})"


class FrozenRecord(Record):
    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())
