"""Pure parts of vsh.commands.domain.devices: virsh's address parser, XML
escaping, virBuffer indentation and MAC comparison."""

from __future__ import annotations

import pytest

from vsh.commands.domain import devices as dd


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pci:12.34.56.78", ("pci", [0x12, 0x34, 0x56, 0x78], False)),
        ("pci:0x1.2.3.4junk", ("pci", [1, 2, 3, 4], False)),
        ("pci: 1.2.3.4", ("pci", [1, 2, 3, 4], False)),
        ("ide:1:2:3", ("ide", [1, 2, 3], False)),
        ("usb:12.34", ("usb", [12, 34], False)),
        ("ccw:fe.0.1", ("ccw", [0xFE, 0, 1], False)),
        ("scsi:0.0.18446744073709551615", ("scsi", [0, 0, 2**64 - 1], False)),
    ],
)
def test_parse_address(text: str, expected: tuple[str, list[int], bool]) -> None:
    assert dd.parse_address(text, False) == expected


@pytest.mark.parametrize(
    "text",
    ["pci", "pci:1", "pci:-1.2.3.4", "pci:100000000.0.0.0", "test:1.2.3", "usb:1", "ide:a.b.c"],
)
def test_parse_address_rejects(text: str) -> None:
    assert dd.parse_address(text, False) is None


def test_multifunction_only_for_pci() -> None:
    assert dd.parse_address("pci:0.0.1.0", True) == ("pci", [0, 0, 1, 0], True)
    assert dd.parse_address("usb:0.1", True) == ("usb", [0, 1], False)


def test_format_address() -> None:
    buf = dd._Buffer(2)
    dd.format_address(buf, ("pci", [1, 2, 3, 4], True))
    dd.format_address(buf, ("ccw", [0xFE, 0, 1], False))
    assert buf.text() == (
        "  <address type='pci' domain='0x0001' bus='0x02' slot='0x03' function='0x4'"
        " multifunction='on'/>\n"
        "  <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>\n"
    )


def test_escape_drops_control_characters() -> None:
    assert dd._escape("a<b>&'\"\x01\tc") == "a&lt;b&gt;&amp;&apos;&quot;\tc"


def test_format_element() -> None:
    out = dd._Buffer()
    dd._format_element(out, "empty", dd._Buffer(), None)
    assert out.text() == ""
    attrs = dd._Buffer()
    attrs.add(" a='1'")
    children = dd._Buffer(2)
    children.add("<c/>\n")
    dd._format_element(out, "e", attrs, children)
    assert out.text() == "<e a='1'>\n  <c/>\n</e>\n"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("52:54:00:AA:bb:0c", "52:54:0:aa:BB:c", True),
        ("00:00:00:00:00:00", "0:0:0:0:0:0", True),
        ("52:54:00:aa:bb:cc", "52:54:00:aa:bb:cd", False),
    ],
)
def test_mac_equal(a: str, b: str, same: bool) -> None:
    assert dd._mac_equal(a, b) is same


def test_wwn() -> None:
    assert dd._valid_wwn("0x1234567890abcdef")
    assert dd._valid_wwn("1234567890ABCDEF")
    assert not dd._valid_wwn("0x1234")
    assert not dd._valid_wwn("1234567890abcdeg")
