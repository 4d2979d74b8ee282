"""Declared --json shapes: how they read and what they accept."""

from __future__ import annotations

from vsh.core.jsonshape import (
    BOOL,
    INT,
    NULL,
    NUM,
    STR,
    array_of,
    choice,
    map_of,
    object_of,
    problems,
    prop,
    shape,
    type_text,
)

DOMAIN = shape(
    array_of(
        object_of(
            prop("id", INT, NULL),
            prop("name", STR),
            prop("state", choice("running", "shut off")),
            prop("stats", map_of(INT, key="field")),
            prop("note", STR, optional=True),
        )
    ),
    doc="  One object   per domain. ",
)


def test_doc_whitespace_is_normalised() -> None:
    assert DOMAIN.doc == "One object per domain."


def test_type_text() -> None:
    assert type_text((INT, NULL)) == "integer | null"
    assert type_text((choice("up", "down"),)) == '"up" | "down"'
    assert type_text((choice("ok", more=True),)) == '"ok" | ...'
    assert type_text((array_of(STR),)) == "array of strings"
    assert type_text((array_of(object_of()),)) == "array of objects"
    assert type_text((array_of(INT, NULL),)) == "array of (integer | null)"
    assert type_text((map_of(NUM, key="field"),)) == "object mapping field to number"


def test_a_conforming_document() -> None:
    doc = [
        {"id": 1, "name": "a", "state": "running", "stats": {"x": 1}},
        {"id": None, "name": "b", "state": "shut off", "stats": {}, "note": "n"},
    ]
    assert problems(DOMAIN, doc) == []
    assert problems(DOMAIN, []) == []


def test_missing_and_undeclared_keys() -> None:
    doc = [{"id": 1, "name": "a", "state": "running", "extra": True}]
    assert problems(DOMAIN, doc) == [
        "$[0]: undeclared key 'extra'",
        "$[0]: missing key 'stats'",
    ]


def test_wrong_types() -> None:
    doc = [{"id": "1", "name": None, "state": "paused", "stats": {"x": 1.5}}]
    assert problems(DOMAIN, doc) == [
        "$[0].id: '1' is none of: integer | null",
        "$[0].name: None is not string",
        '$[0].state: \'paused\' is not "running" | "shut off"',
        "$[0].stats.x: 1.5 is not integer",
    ]
    assert problems(DOMAIN, {}) == ["$: {} is not an array"]


def test_booleans_are_no_numbers() -> None:
    flags = shape(object_of(prop("n", INT), prop("x", NUM), prop("b", BOOL)))
    assert problems(flags, {"n": 1, "x": 2, "b": False}) == []
    assert problems(flags, {"n": 1, "x": 0.5, "b": True}) == []
    assert problems(flags, {"n": True, "x": False, "b": 0}) == [
        "$.n: True is not integer",
        "$.x: False is not number",
        "$.b: 0 is not boolean",
    ]


def test_alternatives() -> None:
    either = shape(object_of(prop("count", INT)), array_of(object_of(prop("target", STR))))
    assert problems(either, {"count": 3}) == []
    assert problems(either, [{"target": "vda"}]) == []
    assert problems(either, {"target": "vda"}) == [
        "$: {'target': 'vda'} is none of: object | array of objects"
    ]
