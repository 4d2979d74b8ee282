"""Unit tests for vsh.virt.yajljson: libvirt's JSON over the system's yajl."""

from __future__ import annotations

import pytest

from vsh.virt import yajljson
from vsh.virt.yajljson import JsonError, Number


def test_values_keep_libvirts_forms() -> None:
    value = yajljson.loads('{"n":1.0e5,"s":"a\\u0000b","l":[true,null],"o":{}}')
    assert value == {"n": "1.0e5", "s": "a", "l": [True, None], "o": {}}
    assert isinstance(value["n"], Number)
    assert not isinstance(value["s"], Number)


def test_duplicate_key_cancels_at_its_value() -> None:
    with pytest.raises(JsonError) as info:
        yajljson.loads('{"a":1,"a":2}')
    # the pointer sits 12 bytes in: after the second value, as virsh shows it
    assert str(info.value) == (
        'cannot parse json {"a":1,"a":2}: parse error: client cancelled parse via callback'
        " return value\n" + " " * 28 + '{"a":1,"a":2}\n' + " " * 21 + "(right here) ------^\n"
    )


@pytest.mark.parametrize(
    "text", ["", "{", "NaN", "{'a':1}", "[1,]", "/* c */ 1", '"\x01"', "1 2", '{"a":1}}']
)
def test_not_json_for_libvirt(text: str) -> None:
    with pytest.raises(JsonError, match=r"^cannot parse json "):
        yajljson.loads(text)
    assert not yajljson.parses_to_object(text)


def test_big_numbers_are_not_range_checked() -> None:
    assert yajljson.loads("[99999999999999999999999]") == ["99999999999999999999999"]


def test_compact_and_pretty_output_are_yajls() -> None:
    value = yajljson.loads('{"return":{},"x":[1.0e5,{"b":"é/\\u0001"}],"e":[]}')
    assert yajljson.dumps(value) == '{"return":{},"x":[1.0e5,{"b":"é/\\u0001"}],"e":[]}'
    assert yajljson.dumps(value, pretty=True) == (
        '{\n  "return": {\n\n  },\n  "x": [\n    1.0e5,\n    {\n      "b": "é/\\u0001"\n'
        '    }\n  ],\n  "e": [\n\n  ]\n}\n'
    )
    assert yajljson.dumps(yajljson.loads("5"), pretty=True) == "5\n"
    assert yajljson.dumps({"execute": "x", "arguments": {"a": 1}}) == (
        '{"execute":"x","arguments":{"a":1}}'
    )
