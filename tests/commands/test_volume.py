"""vsh.commands.volume: virsh's scaled sizes, the ``--json`` extension.

Byte-for-byte agreement with virsh is in
tests/conformance/test_volume_conformance.py; here: vol_size's rules from
virshVolSize / virScaleInteger (src/util/virutil.c), the numeric options of
vol-upload/vol-download, and JSON.
"""

from __future__ import annotations

import json

import pytest

from tests.conformance.harness import run_vsh
from vsh.commands.volume import WIPE_ALGORITHMS, _ull_option, vol_size, vol_type_text
from vsh.core.errors import VshError

DEFAULT = "test:///default"
MK = "vol-create-as default-pool v1 1M; "


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("12", 12),
        (" 12", 12),
        ("+12", 12),
        ("1b", 1),
        ("1Bytes", 1),
        ("1k", 1024),
        ("1KiB", 1024),
        ("1kib", 1024),  # STRCASEEQ(suffix + 1, "iB")
        ("1kB", 1000),
        ("2M", 2 * 1024**2),
        ("2MB", 2 * 1000**2),
        ("1g", 1024**3),
        ("1T", 1024**4),
        ("1P", 1024**5),
        ("15E", 15 * 1024**6),
        ("0E", 0),
        ("18446744073709551615", 2**64 - 1),
    ],
)
def test_vol_size(text: str, value: int) -> None:
    assert vol_size(text) == value


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("", ["Malformed size "]),
        ("abc", ["Malformed size abc"]),
        ("-1", ["Malformed size -1"]),
        ("18446744073709551616", ["Malformed size 18446744073709551616"]),
        ("1X", ["Malformed size 1X", "invalid argument: unknown suffix 'X'"]),
        ("1KiBs", ["Malformed size 1KiBs", "invalid argument: unknown suffix 'KiBs'"]),
        ("1 k", ["Malformed size 1 k", "invalid argument: unknown suffix ' k'"]),
        ("16E", ["Malformed size 16E", "numerical overflow: value too large: 16E"]),
        ("20EiB", ["Malformed size 20EiB", "numerical overflow: value too large: 20EiB"]),
    ],
)
def test_vol_size_errors(text: str, messages: list[str]) -> None:
    with pytest.raises(VshError) as info:
        vol_size(text)
    assert info.value.messages == messages


def test_ull_options() -> None:
    assert _ull_option(None, "offset", wrap=False) == 0
    assert _ull_option("10", "offset", wrap=False) == 10
    # -1 wraps to ULLONG_MAX, handed to the binding as the same bits signed
    assert _ull_option("-1", "length", wrap=True) == -1
    with pytest.raises(VshError) as info:
        _ull_option("-1", "offset", wrap=False)
    assert info.value.messages == [
        "Numeric value '-1' for <offset> option is malformed or out of range"
    ]


def test_tables() -> None:
    assert [vol_type_text(i) for i in (-1, 0, 5, 6)] == ["unknown", "file", "ploop", "unknown"]
    assert WIPE_ALGORITHMS.index("trim") == 9


def _json(script: str) -> object:
    outcome = run_vsh(["-q", "-c", DEFAULT, script])
    assert outcome.status == 0, outcome
    assert outcome.err == ""
    return json.loads(outcome.out)


def test_vol_list_json() -> None:
    assert _json("vol-list default-pool --json") == []
    items = _json(MK + "vol-create-as default-pool A 2k; vol-list default-pool --json")
    assert items == [
        {
            "name": "A",
            "path": "/default-pool/A",
            "type": "file",
            "capacity_bytes": 2048,
            "allocation_bytes": 2048,
        },
        {
            "name": "v1",
            "path": "/default-pool/v1",
            "type": "file",
            "capacity_bytes": 1048576,
            "allocation_bytes": 1048576,
        },
    ]


def test_vol_info_json() -> None:
    assert _json(MK + "vol-info v1 default-pool --json") == {
        "name": "v1",
        "type": "file",
        "capacity_bytes": 1048576,
        "allocation_bytes": 1048576,
        "physical_bytes": None,
    }


def test_vol_info_json_physical_fails_like_virsh() -> None:
    outcome = run_vsh(["-c", DEFAULT, MK + "vol-info v1 default-pool --physical --json"])
    assert outcome.status == 1
    assert "virStorageVolGetInfoFlags" in outcome.err
    assert "Name:" not in outcome.out


def test_json_is_hidden_from_help() -> None:
    for name in ("vol-list", "vol-info"):
        assert "--json" not in run_vsh(["help", name]).out


def test_clone_xml_sets_the_name_as_libxml2_does() -> None:
    from vsh.commands.volume import clone_xml

    xml = "<volume type='file'>\n  <name>a</name>\n  <key>/p/a</key>\n</volume>\n"
    # xmlNodeSetContent, then libxml2's serialiser (double quotes, no
    # declaration, no trailing newline), as virsh's --print-xml shows it.
    assert (
        clone_xml(xml, "b")
        == '<volume type="file">\n  <name>b</name>\n  <key>/p/a</key>\n</volume>'
    )
    # the content is taken as XML text: entity references are read, '<' escaped
    assert "<name>x&amp;y&lt;z</name>" in (clone_xml(xml, "x&amp;y<z") or "")
    assert clone_xml("<pool><name>a</name></pool>", "b") is None
    assert clone_xml("not xml", "b") is None
