"""vsh.core.record: equality, hashing and repr of plain value classes."""

from __future__ import annotations

import pytest

from vsh.core.record import FrozenRecord, Record


class Point(FrozenRecord):
    __slots__ = ("x", "y")

    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y


class Bag(Record):
    __slots__ = ("items",)

    def __init__(self, items: list[int]) -> None:
        self.items = items


class Handle(FrozenRecord):
    __slots__ = ("handle", "name")
    _fields = ("name",)

    def __init__(self, name: str, handle: object = None) -> None:
        self.name = name
        self.handle = handle


class OtherPoint(FrozenRecord):
    __slots__ = ("x", "y")

    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y


def test_equality_is_by_value_and_type() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(2, 1)
    assert Point(1, 2) != OtherPoint(1, 2)
    assert Point(1, 2) != (1, 2)


def test_frozen_records_hash_by_value_mutable_ones_do_not_hash() -> None:
    assert {Point(1, 2), Point(1, 2)} == {Point(1, 2)}
    with pytest.raises(TypeError):
        hash(Bag([1]))


def test_repr_names_the_fields() -> None:
    assert repr(Point(1, 2)) == "Point(x=1, y=2)"
    assert repr(Bag([3])) == "Bag(items=[3])"


def test_fields_can_leave_out_a_slot() -> None:
    assert Handle("a", object()) == Handle("a", object())
    assert repr(Handle("a", 1)) == "Handle(name='a')"


def test_slots_only() -> None:
    with pytest.raises(AttributeError):
        Point(1, 2).z = 3  # type: ignore[attr-defined]
