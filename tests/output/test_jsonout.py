"""Tests for vsh.output.jsonout (vsh's own --json output; first principles)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from vsh.output.jsonout import render_json


def test_layout() -> None:
    obj = {"name": "s1", "children": ["s2", "s3"], "current": True, "parent": None}
    assert render_json(obj) == (
        "{\n"
        '  "name": "s1",\n'
        '  "children": [\n'
        '    "s2",\n'
        '    "s3"\n'
        "  ],\n"
        '  "current": true,\n'
        '  "parent": null\n'
        "}\n"
    )


def test_keeps_insertion_order_and_unicode() -> None:
    assert render_json({"z": "日本\t😀", "a": 1}) == '{\n  "z": "日本\\t😀",\n  "a": 1\n}\n'


def test_empty_containers() -> None:
    assert render_json({}) == "{}\n"
    assert render_json([]) == "[]\n"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(_json)
def test_round_trips(obj: object) -> None:
    text = render_json(obj)
    assert text.endswith("\n")
    assert json.loads(text) == obj
