"""vsh.virt.domxml: libxml2's UTF-8 complaint and the lxml parse of domain XML.

Expected results follow libvirt 9.0's C source and libxml2's messages as
virsh 9.0 prints them.
"""

from __future__ import annotations

from vsh.virt.domxml import parse_xml, utf8_problem


def test_utf8_problem_matches_libvirt() -> None:
    assert utf8_problem("<a>é</a>") is None
    raw = b'<domain type="test"><name>bad\xe9</name><memory>1024</memory></domain>'
    text = raw.decode("utf-8", "surrogateescape")
    # virsh: "(domain_definition):1: Input is not proper UTF-8, indicate encoding !"
    # then the 4 bytes at the error, the line, and a pointer to the byte.
    assert utf8_problem(text) == (
        "(domain_definition):1: Input is not proper UTF-8, indicate encoding !\n"
        "Bytes: 0xE9 0x3C 0x2F 0x6E\n"
        '<domain type="test"><name>bad\ufffd</name><memory>1024</memory></domain>\n'
        + "-" * len('<domain type="test"><name>bad')
        + "^"
    )
    second = "<a>\n\t<b>\udce9</b>\n</a>"
    problem = utf8_problem(second)
    assert problem is not None
    assert problem.startswith("(domain_definition):2: ")
    assert problem.endswith("\t<b>\ufffd</b>\n\t---^")


def test_parse_xml_lookups() -> None:
    root = parse_xml(
        "<domain><devices><disk><source file='/a'/><target dev='vda'/></disk>"
        "<disk><target dev='vdb'/></disk></devices></domain>"
    )
    assert root is not None
    disks = root.xpath("./devices/disk")
    assert isinstance(disks, list)
    assert [d.xpath("string(./target/@dev)") for d in disks] == ["vda", "vdb"]
    assert [d.xpath("string(./source/@file)") for d in disks] == ["/a", ""]
    assert parse_xml("<domain>") is None
