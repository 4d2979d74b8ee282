"""vsh.snapshots.bundle: the bundle writer and the hardened, memory-bounded reader."""

from __future__ import annotations

import io
import os

import pytest

from tests.fixtures import journal
from vsh.snapshots import bundle
from vsh.snapshots.bundle import (
    BundleError,
    BundleWriter,
    FileSource,
    StreamSource,
    peek_header,
    scan,
)

UUID = "c7a13230-338b-57c9-a63d-0936973c9380"


def snapshot_xml(
    name: str,
    parent: str | None = None,
    *,
    state: str = "running",
    uuid: str = UUID,
    padding: int = 0,
    description: str | None = None,
) -> str:
    """Shaped like virDomainSnapshotGetXMLDesc output (names XML-escaped)."""
    esc = bundle.xml_attr  # quotes included; strip them for element text
    text = lambda v: esc(v)[1:-1]  # noqa: E731
    parts = ["<domainsnapshot>\n", f"  <name>{text(name)}</name>\n"]
    if description is not None:
        parts.append(f"  <description>{text(description)}</description>\n")
    parts.append(f"  <state>{state}</state>\n")
    if parent is not None:
        parts.append(f"  <parent>\n    <name>{text(parent)}</name>\n  </parent>\n")
    parts.append("  <creationTime>1700000000</creationTime>\n")
    parts.append("  <memory snapshot='internal'/>\n")
    parts.append(
        f"  <domain type='test'>\n    <name>dom0</name>\n    <uuid>{uuid}</uuid>\n"
        + ("    <!--" + "p" * padding + "-->\n" if padding else "")
        + "  </domain>\n"
    )
    parts.append("</domainsnapshot>\n")
    return "".join(parts)


def write_bundle(path, xmls: list[str], *, current: str | None = "s1", domain="dom0") -> str:
    out = io.StringIO()
    w = BundleWriter(
        out.write, domain=domain, uuid=UUID, current=current, count=len(xmls), secure=False
    )
    w.begin()
    for x in xmls:
        w.add(x)
    w.end()
    path.write_text(out.getvalue(), encoding="utf-8")
    return out.getvalue()


# ---------------------------------------------------------------------------
# writer
# ---------------------------------------------------------------------------


def test_writer_layout(tmp_path) -> None:
    text = write_bundle(tmp_path / "b.xml", [snapshot_xml("s0"), snapshot_xml("s1", "s0")])
    lines = text.splitlines()
    assert lines[0] == "<?xml version='1.0' encoding='UTF-8'?>"
    assert lines[1].startswith("<!--") and "--" not in lines[1][4:-3]
    assert lines[2].startswith(
        f"<snapshots version='1' domain='dom0' uuid='{UUID}' current='s1' count='2'"
        " security-info='no' created='"
    )
    assert lines[3] == "<domainsnapshot>"
    assert lines[-1] == "</snapshots>"
    # Snapshots are embedded verbatim, one after the other.
    assert snapshot_xml("s0") + snapshot_xml("s1", "s0") in text


def test_writer_omits_missing_current_and_escapes_attributes(tmp_path) -> None:
    out = io.StringIO()
    w = BundleWriter(
        out.write, domain="a'b\"<&>\n\x01z", uuid=UUID, current=None, count=0, secure=True
    )
    w.begin()
    header = out.getvalue().splitlines()[2]
    assert "current=" not in header
    assert "domain='a&apos;b&quot;&lt;&amp;&gt;&#10;z'" in header
    assert "security-info='yes'" in header


def test_writer_strips_declaration_and_refuses_garbage() -> None:
    out = io.StringIO()
    w = BundleWriter(out.write, domain="d", uuid=UUID, current=None, count=1, secure=False)
    with pytest.raises(ValueError):
        w.add(snapshot_xml("x"))  # before begin()
    w.begin()
    w.add("<?xml version='1.0'?>\n" + snapshot_xml("x").rstrip("\n"))
    assert "<?xml version='1.0'?>" not in out.getvalue()
    assert out.getvalue().endswith("</domainsnapshot>\n")
    with pytest.raises(BundleError):
        w.add("<domain/>")
    with pytest.raises(BundleError):
        w.add("<domainsnapshot><!DOCTYPE x></domainsnapshot>")
    w.end()
    with pytest.raises(ValueError):
        w.end()


# ---------------------------------------------------------------------------
# reader: good input
# ---------------------------------------------------------------------------


def test_round_trip_is_byte_exact(tmp_path) -> None:
    names = ["s0", "it's", 'say "x"', "amp&<lt>", "快照", "../up", "sp ace", "--dash"]
    xmls = [snapshot_xml(n, names[i - 1] if i else None) for i, n in enumerate(names)]
    xmls.append(snapshot_xml("desc", "s0", description="line1\n   line2\n\ttab"))
    path = tmp_path / "b.xml"
    write_bundle(path, xmls, current="快照")
    doc = scan(FileSource(str(path)))
    assert doc.header.kind == "bundle"
    assert (doc.header.domain, doc.header.uuid, doc.header.current) == ("dom0", UUID, "快照")
    assert doc.header.count == len(xmls) and doc.header.security_info is False
    assert doc.problems == []
    assert [r.name for r in doc.records] == [*names, "desc"]
    assert [r.parent for r in doc.records] == [None, *names[:-1], "s0"]
    for record, xml in zip(doc.records, xmls, strict=True):
        assert record.load() == xml
        assert record.state == "running" and record.has_creation_time
        assert (record.domain_type, record.domain_name, record.domain_uuid) == (
            "test",
            "dom0",
            UUID,
        )
    assert doc.records[2].label == f"{path}[2]"


@pytest.mark.parametrize("chunk", [1, 7, 64, 4096])
def test_offsets_survive_any_chunking(tmp_path, monkeypatch, chunk) -> None:
    monkeypatch.setattr(bundle, "CHUNK", chunk)
    xmls = [snapshot_xml(f"s{i}", f"s{i - 1}" if i else None) for i in range(5)]
    path = tmp_path / "b.xml"
    write_bundle(path, xmls)
    doc = scan(FileSource(str(path)))
    assert [r.load() for r in doc.records] == xmls


def test_single_dumpxml_document(tmp_path) -> None:
    path = tmp_path / "s.xml"
    path.write_text(snapshot_xml("s3", "s2", state="disk-snapshot"))
    doc = scan(FileSource(str(path)))
    assert doc.header.kind == "snapshot"
    assert doc.header.domain is None and doc.header.current is None
    (record,) = doc.records
    assert (record.name, record.parent, record.state) == ("s3", "s2", "disk-snapshot")
    assert record.load() == path.read_text()


def test_virsh_style_comments_and_whitespace_are_fine(tmp_path) -> None:
    # tests/virsh-snapshot feeds dumpxml output wrapped in marker comments.
    path = tmp_path / "s.xml"
    path.write_text("<!--MarkerA-->\n" + snapshot_xml("s2") + "<!--MarkerB-->\n\n")
    (record,) = scan(FileSource(str(path))).records
    assert record.name == "s2"


@pytest.mark.parametrize("chunk", [1, 5, 13])
def test_comments_and_instructions_between_snapshots(tmp_path, monkeypatch, chunk) -> None:
    monkeypatch.setattr(bundle, "CHUNK", chunk)
    xmls = [snapshot_xml("a"), snapshot_xml("b", "a")]
    path = tmp_path / "b.xml"
    path.write_text(
        "<!-- lead -->\n<snapshots>\n<!-- one -->\n"
        + xmls[0]
        + "<?pi some data?>\n  <!-- two -->  \n"
        + xmls[1]
        + "</snapshots>\n<!-- tail -->\n"
    )
    assert [r.load() for r in scan(FileSource(str(path))).records] == xmls


def test_stdin_is_spooled_for_the_second_pass() -> None:
    xmls = [snapshot_xml("a"), snapshot_xml("b", "a")]
    buf = io.StringIO()
    w = BundleWriter(buf.write, domain="d", uuid=UUID, current="b", count=2, secure=False)
    w.begin()
    for x in xmls:
        w.add(x)
    w.end()

    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, b) -> int:  # type: ignore[override]
            chunk = self.data.read(len(b))
            b[: len(chunk)] = chunk
            return len(chunk)

    source = StreamSource(io.BufferedReader(OneWay(buf.getvalue().encode())))
    try:
        doc = scan(source)
        assert doc.label == "<stdin>"
        assert [r.load() for r in doc.records] == xmls
    finally:
        source.close()


def test_peek_header_reads_only_the_root(tmp_path) -> None:
    path = tmp_path / "b.xml"
    write_bundle(path, [snapshot_xml("s1")], domain="web/1")
    text = path.read_text()
    path.write_text(text[: text.index("<domainsnapshot>") + 20])  # truncated after the root
    header = peek_header(FileSource(str(path)))
    assert (header.kind, header.domain, header.uuid, header.current) == (
        "bundle",
        "web/1",
        UUID,
        "s1",
    )


def test_memory_stays_bounded(tmp_path) -> None:
    """300 snapshots of ~64 KiB: the reader never holds more than about one."""
    xmls = [snapshot_xml(f"s{i}", f"s{i - 1}" if i else None, padding=64_000) for i in range(300)]
    path = tmp_path / "big.xml"
    write_bundle(path, xmls)
    size = path.stat().st_size
    assert size > 19_000_000
    doc = scan(FileSource(str(path)))
    assert len(doc.records) == 300
    assert doc.peak_buffer < 2 * len(xmls[0]) + 2 * bundle.CHUNK
    assert doc.records[-1].load() == xmls[-1]


def test_file_changed_between_passes(tmp_path) -> None:
    path = tmp_path / "b.xml"
    write_bundle(path, [snapshot_xml("s0"), snapshot_xml("s1", "s0")])
    doc = scan(FileSource(str(path)))
    path.write_text(path.read_text().replace("s1", "sX"))
    with pytest.raises(BundleError, match="changed while vsh was reading"):
        doc.records[1].load()


def test_file_gone_between_passes(tmp_path) -> None:
    path = tmp_path / "b.xml"
    write_bundle(path, [snapshot_xml("s0")])
    doc = scan(FileSource(str(path)))
    path.unlink()
    with pytest.raises(BundleError, match="cannot read again"):
        doc.records[0].load()


def test_ranges_come_through_one_descriptor_until_close(tmp_path) -> None:
    path = tmp_path / "b.xml"
    write_bundle(path, [snapshot_xml("s0"), snapshot_xml("s1", "s0")])
    source = FileSource(str(path))
    doc = scan(source)
    first = doc.records[0].load()
    path.unlink()  # the held descriptor still reads the scanned (digest-checked) bytes
    assert "<name>s1</name>" in doc.records[1].load()
    assert "<name>s0</name>" in first
    source.close()
    with pytest.raises(BundleError, match="cannot read again"):
        doc.records[0].load()


# ---------------------------------------------------------------------------
# reader: hostile and broken input
# ---------------------------------------------------------------------------

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<snapshots><domainsnapshot><name>&lol4;</name></domainsnapshot></snapshots>
"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE s [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<domainsnapshot><name>&xxe;</name></domainsnapshot>
"""

PARAMETER = """<?xml version="1.0"?>
<!DOCTYPE s [<!ENTITY % p SYSTEM "http://example.invalid/x.dtd"> %p;]>
<domainsnapshot><name>x</name></domainsnapshot>
"""

PLAIN_DTD = """<!DOCTYPE domainsnapshot>
<domainsnapshot><name>x</name></domainsnapshot>
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BOMB, "document type declaration"),
        (EXTERNAL, "document type declaration"),
        (PARAMETER, "document type declaration"),
        (PLAIN_DTD, "document type declaration"),
        ("<domainsnapshot><name>&undefined;</name></domainsnapshot>", "undefined entity"),
        ("this is not xml", "malformed XML: syntax error"),
        ("<snapshots><domainsnapshot>", "malformed XML: no element found"),
        ("<snapshots/>", "holds no snapshots"),
        ("<snapshots>\n</snapshots>", "holds no snapshots"),
        ("<domain type='kvm'><name>x</name></domain>", "unexpected root element <domain>"),
        ("<snapshots><snapshot/></snapshots>", "unexpected element <snapshot>"),
        ("<snapshots>junk<domainsnapshot/></snapshots>", "unexpected text"),
        ("<snapshots xmlns:q='urn:x'><domainsnapshot/></snapshots>", "namespace declarations"),
        ("<snapshots version='2'><domainsnapshot/></snapshots>", "unsupported bundle version"),
        ("<?xml version='1.0' encoding='ISO-8859-1'?><snapshots/>", "unsupported encoding"),
        ("<snapshots></snapshots><snapshots></snapshots>", "junk after document element"),
    ],
)
def test_refused_documents(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BundleError) as info:
        scan(FileSource(str(path)))
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_bomb_is_refused_quickly(tmp_path) -> None:
    # Ten more levels would be 10**13 "lol"s if anything expanded them.
    deep = BOMB.replace(
        "]>",
        "".join(f' <!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">\n' for i in range(5, 15)) + "]>",
    ).replace("&lol4;", "&lol14;")
    path = tmp_path / "bomb.xml"
    path.write_text(deep)
    with pytest.raises(BundleError, match="document type declaration"):
        scan(FileSource(str(path)))


def test_empty_and_missing_files(tmp_path) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    with pytest.raises(BundleError, match="empty file"):
        scan(FileSource(str(empty)))
    with pytest.raises(BundleError, match="cannot open"):
        scan(FileSource(str(tmp_path / "missing.xml")))
    with pytest.raises(BundleError, match="cannot"):
        scan(FileSource(str(tmp_path)))  # a directory


@pytest.mark.parametrize("cut", [10, 200, 500, 900, -30, -2])
def test_truncated_bundles_are_refused(tmp_path, cut: int) -> None:
    full = tmp_path / "full.xml"
    text = write_bundle(full, [snapshot_xml(f"s{i}") for i in range(3)])
    path = tmp_path / "cut.xml"
    path.write_text(text[:cut])
    with pytest.raises(BundleError, match="malformed XML"):
        scan(FileSource(str(path)))


def test_non_utf8_bytes_are_refused(tmp_path) -> None:
    path = tmp_path / "latin1.xml"
    path.write_bytes("<domainsnapshot><name>caf\xe9</name></domainsnapshot>".encode("latin-1"))
    with pytest.raises(BundleError, match="malformed XML"):
        scan(FileSource(str(path)))
    utf16 = tmp_path / "utf16.xml"
    utf16.write_text("<domainsnapshot><name>x</name></domainsnapshot>", encoding="utf-16")
    with pytest.raises(BundleError, match="not UTF-8"):
        scan(FileSource(str(utf16)))


def test_utf8_bom_is_fine(tmp_path) -> None:
    path = tmp_path / "bom.xml"
    path.write_bytes(b"\xef\xbb\xbf" + snapshot_xml("s").encode())
    (record,) = scan(FileSource(str(path))).records
    assert record.load() == snapshot_xml("s")


def test_deep_nesting_is_refused(tmp_path) -> None:
    path = tmp_path / "deep.xml"
    path.write_text("<domainsnapshot>" + "<a>" * 300 + "</a>" * 300 + "</domainsnapshot>")
    with pytest.raises(BundleError, match="nested deeper"):
        scan(FileSource(str(path)))


def test_deep_nesting_inside_the_embedded_domain_is_refused(tmp_path) -> None:
    path = tmp_path / "deep.xml"
    deep = "<a>" * 300 + "</a>" * 300
    path.write_text(
        "<domainsnapshot><name>s</name><domain type='kvm'><name>d</name>"
        + deep
        + "</domain></domainsnapshot>"
    )
    with pytest.raises(BundleError, match="nested deeper than 256 levels"):
        scan(FileSource(str(path)))


def test_only_the_embedded_domains_own_name_and_uuid_are_read(tmp_path) -> None:
    """Deeper <name>/<uuid> elements (metadata, devices) are not the domain's."""
    path = tmp_path / "b.xml"
    path.write_text(
        "<snapshots><domainsnapshot><name>s</name><state>shutoff</state>"
        "<creationTime>1</creationTime><domain type='kvm'>"
        "<metadata><x><name>inner</name><uuid>not-this</uuid></x></metadata>"
        "<name>dom</name><uuid>the-uuid</uuid><devices><name>dev</name></devices>"
        "</domain><parent><name>p</name></parent></domainsnapshot></snapshots>"
    )
    (record,) = scan(FileSource(str(path))).records
    assert (record.domain_type, record.domain_name, record.domain_uuid) == (
        "kvm",
        "dom",
        "the-uuid",
    )
    assert record.parent == "p"  # elements after the domain are still read


def test_oversized_snapshot_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(bundle, "MAX_SNAPSHOT_BYTES", 10_000)
    monkeypatch.setattr(bundle, "CHUNK", 1000)
    path = tmp_path / "huge.xml"
    write_bundle(path, [snapshot_xml("s0", padding=20_000)])
    with pytest.raises(BundleError, match="larger than"):
        scan(FileSource(str(path)))


def test_defective_snapshots_become_problems(tmp_path) -> None:
    path = tmp_path / "b.xml"
    path.write_text(
        "<snapshots>"
        "<domainsnapshot/>"
        "<domainsnapshot><state>running</state><creationTime>1</creationTime></domainsnapshot>"
        "<domainsnapshot><name>nostate</name><creationTime>1</creationTime></domainsnapshot>"
        "<domainsnapshot><name>notime</name><state>running</state></domainsnapshot>"
        "<domainsnapshot><name>ok</name><state>running</state><creationTime>1</creationTime>"
        "</domainsnapshot>"
        "</snapshots>"
    )
    doc = scan(FileSource(str(path)))
    assert [r.name for r in doc.records] == ["nostate", "notime", "ok"]
    assert [r.domain_type for r in doc.records] == [None, None, None]
    text = "\n".join(doc.problems)
    assert f"{path}[0]: empty <domainsnapshot/>" in text
    assert f"{path}[1]: snapshot without a <name>" in text
    assert "'nostate' has no <state>" in text
    assert "'notime' has no <creationTime>" in text


def test_first_name_wins_like_libvirt_xpath(tmp_path) -> None:
    path = tmp_path / "s.xml"
    path.write_text(
        "<domainsnapshot><name>first</name><name>second</name><state>running</state>"
        "<creationTime>1</creationTime><parent><name>p</name></parent>"
        "<domain type='kvm'><name>d</name><devices><disk><name>no</name></disk></devices>"
        "</domain></domainsnapshot>"
    )
    (r,) = scan(FileSource(str(path))).records
    assert (r.name, r.parent, r.domain_name, r.domain_uuid) == ("first", "p", "d", None)


def test_sources_close_cleanly(tmp_path) -> None:
    source = StreamSource(io.BytesIO(snapshot_xml("a").encode()))
    scan(source)
    source.close()
    assert source.spool.closed
    assert not os.path.exists(str(tmp_path / "anything"))


# ---------------------------------------------------------------------------
# checkpoints (journals of migrate --with-checkpoints)
# ---------------------------------------------------------------------------


def checkpoint_xml(name: str, parent: str | None = None, *, uuid: str = UUID) -> str:
    """Shaped like virDomainCheckpointGetXMLDesc output."""
    parent_xml = f"  <parent>\n    <name>{parent}</name>\n  </parent>\n" if parent else ""
    return (
        f"<domaincheckpoint>\n  <name>{name}</name>\n{parent_xml}"
        "  <creationTime>1700000100</creationTime>\n"
        f"  <disks>\n    <disk name='vda' checkpoint='bitmap' bitmap='{name}'/>\n  </disks>\n"
        f"  <domain type='kvm'>\n    <name>dom0</name>\n    <uuid>{uuid}</uuid>\n  </domain>\n"
        "</domaincheckpoint>\n"
    )


def write_journal(path, snaps: list[str], checkpoints: list[str]) -> str:
    return journal.write_journal(path, "dom0", UUID, snaps, checkpoints)


def test_checkpoints_round_trip_after_the_snapshots(tmp_path) -> None:
    chks = [checkpoint_xml("c1"), checkpoint_xml("c2", "c1")]
    text = write_journal(tmp_path / "j.xml", [snapshot_xml("s0")], chks)
    assert " checkpoints='2' " in text.splitlines()[2]
    doc = scan(FileSource(str(tmp_path / "j.xml")))
    assert [r.name for r in doc.records] == ["s0"]
    assert [(c.name, c.parent, c.domain_uuid) for c in doc.checkpoints] == [
        ("c1", None, UUID),
        ("c2", "c1", UUID),
    ]
    assert [c.load() for c in doc.checkpoints] == chks
    assert doc.checkpoints[1].label.endswith("j.xml[checkpoint 1]")
    assert doc.problems == []


def test_a_bundle_without_checkpoints_says_nothing_about_them(tmp_path) -> None:
    text = write_bundle(tmp_path / "b.xml", [snapshot_xml("s0")])
    assert "checkpoints" not in text
    assert scan(FileSource(str(tmp_path / "b.xml"))).checkpoints == []


def test_checkpoints_alone_make_a_usable_journal(tmp_path) -> None:
    write_journal(tmp_path / "j.xml", [], [checkpoint_xml("c1")])
    doc = scan(FileSource(str(tmp_path / "j.xml")))
    assert doc.records == [] and [c.name for c in doc.checkpoints] == ["c1"]


def test_writer_keeps_snapshots_before_checkpoints() -> None:
    out = io.StringIO()
    w = BundleWriter(out.write, domain="d", uuid=UUID, current=None, count=2, secure=True)
    w.begin()
    w.add(snapshot_xml("s0"))
    w.add_checkpoint(checkpoint_xml("c1"))
    w.add_checkpoint(checkpoint_xml("c2", "c1"))
    with pytest.raises(ValueError, match="after a checkpoint"):
        w.add(snapshot_xml("s1"))
    with pytest.raises(BundleError, match="does not start with <domaincheckpoint>"):
        w.add_checkpoint(snapshot_xml("s1"))
    w.end()
    assert out.getvalue().endswith("</domaincheckpoint>\n</snapshots>\n")


def test_checkpoint_without_name_is_a_problem_and_root_checkpoint_refused(tmp_path) -> None:
    text = write_journal(tmp_path / "j.xml", [snapshot_xml("s0")], [checkpoint_xml("c1")])
    (tmp_path / "j.xml").write_text(text.replace("<name>c1</name>", ""), encoding="utf-8")
    doc = scan(FileSource(str(tmp_path / "j.xml")))
    assert doc.checkpoints == []
    assert doc.problems == [f"{tmp_path / 'j.xml'}[checkpoint 0]: checkpoint without a <name>"]
    (tmp_path / "c.xml").write_text(checkpoint_xml("c1"), encoding="utf-8")
    with pytest.raises(BundleError, match="unexpected root element <domaincheckpoint>"):
        scan(FileSource(str(tmp_path / "c.xml")))
