"""vsh.core.record: equality, hashing and repr of plain value classes."""

from __future__ import annotations

import pytest

from vsh.core.record import FrozenRecord, Record, fresh


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


# -- declared fields: the generic __init__ ------------------------------------


class Problem(FrozenRecord):
    kind: str
    message: str
    names: tuple[str, ...] = ()


class Step(Record):
    name: str
    notes: list[str] = fresh(list)


class Job(FrozenRecord):
    _fields = ("domain",)
    domain: str
    handle: object = None


class Ranked(Problem):
    rank: int = 0


def test_declared_fields_become_slots_in_order() -> None:
    assert Problem.__slots__ == ("kind", "message", "names")
    assert Problem._fields == ("kind", "message", "names")
    with pytest.raises(AttributeError):
        Problem("a", "b").other = 1  # type: ignore[attr-defined]


def test_positional_keyword_and_default_arguments() -> None:
    assert Problem("a", "b") == Problem(kind="a", message="b", names=())
    assert Problem("a", message="b", names=("x",)).names == ("x",)
    assert repr(Problem("a", "b")) == "Problem(kind='a', message='b', names=())"


def test_fresh_default_per_instance() -> None:
    one, two = Step("a"), Step("b")
    one.notes.append("x")
    assert two.notes == []
    assert Step("c", ["y"]).notes == ["y"]


def test_wrong_arguments_raise_type_error() -> None:
    with pytest.raises(TypeError, match="missing argument 'message'"):
        Problem("a")
    with pytest.raises(TypeError, match="unexpected"):
        Problem("a", "b", colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="takes 3 arguments"):
        Problem("a", "b", (), 4)  # type: ignore[call-arg]


def test_fields_can_leave_out_a_declared_field() -> None:
    assert Job("d", handle=object()) == Job("d", handle=object())
    assert hash(Job("d")) == hash(Job("d", 1))


def test_subclass_appends_fields() -> None:
    assert Ranked("a", "b", (), 3).rank == 3
    assert Ranked._fields == ("kind", "message", "names", "rank")
    assert Ranked.__slots__ == ("rank",)
