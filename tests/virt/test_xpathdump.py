"""Tests for vsh.virt.xpathdump: ``--xpath``/``--wrap`` through the system libxml2.

Expected strings were printed by virsh 9.0 (`snapshot-dumpxml test s1
--xpath ...` after `snapshot-create-as test s1 'd<x'` on test:///default).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vsh.core.errors import VshError
from vsh.virt import xpathdump

XML = """<domainsnapshot>
  <name>s1</name>
  <description>d&lt;x</description>
  <domain type='test'>
    <name>test</name>
    <os>
      <type arch='i686'>hvm</type>
      <boot dev='hd'/>
    </os>
  </domain>
</domainsnapshot>
"""


def dump(xpath: str | None, wrap: bool = False) -> str:
    out: list[str] = []
    xpathdump.dump(out.append, XML, "domain-snapshot", xpath, wrap)
    return "".join(out)


def test_without_xpath_the_document_is_printed_as_is() -> None:
    assert dump(None) == XML


def test_nodes_are_reserialised_like_libxml2() -> None:
    assert dump("/domainsnapshot/name") == "<name>s1</name>\n"
    assert dump("//os") == '<os>\n  <type arch="i686">hvm</type>\n  <boot dev="hd"/>\n</os>\n'
    assert dump("/domainsnapshot/description/text()") == "d&lt;x\n"
    assert dump("//nomatch") == ""


def test_wrap() -> None:
    assert (
        dump("//name", wrap=True) == "<nodes>\n  <name>s1</name>\n  <name>test</name>\n</nodes>\n"
    )
    assert dump("//nomatch", wrap=True) == "<nodes/>\n"


def test_non_node_results_are_refused() -> None:
    with pytest.raises(VshError) as exc:
        dump("string(//name)")
    assert exc.value.messages == ["internal error: Incorrect xpath 'string(//name)'"]


def test_invalid_expression_prints_nothing() -> None:
    # libxml2 itself reports "XPath error : Invalid expression" on stderr.
    assert dump("//[") == ""


def test_invalid_expression_wraps_no_nodes() -> None:
    """virsh goes on with an empty node set: --wrap prints <nodes/> (generated case)."""
    assert dump("//[", wrap=True) == "<nodes/>\n"


# ---------------------------------------------------------------------------
# libxml2 2.9's serialiser after virsh's blank-dropping parse (moved from the
# lxml imitation that used to live in vsh/commands/domain/lifecycle.py)

DOC = (
    "<domain type='test'>"
    '<name>n &amp; &lt;m&gt; é "q"</name>'
    "<devices>\n  <disk type='file' a='x&#10;y&#9;z é &lt;&gt;&quot;'><target dev='vda'/></disk>"
    "<empty></empty><mixed>t<b/>u</mixed><!-- c --><?pi data?></devices>"
    "<blank>  </blank>"
    "</domain>"
)


def dump_of(xml: str, xpath: str | None, wrap: bool = False) -> str:
    out: list[str] = []
    xpathdump.dump(out.append, xml, "domain", xpath, wrap)
    return "".join(out)


def test_document_without_xpath_is_verbatim() -> None:
    assert dump_of("<a  x='1'>\n</a>", None) == "<a  x='1'>\n</a>"


def test_elements_reformatted() -> None:
    # Blank text dropped at parse, two-space indent, attributes in double
    # quotes with control characters and non-ASCII as character references.
    assert dump_of(DOC, "//disk") == (
        '<disk type="file" a="x&#10;y&#9;z &#xE9; &lt;&gt;&quot;">\n'
        '  <target dev="vda"/>\n'
        "</disk>\n"
    )


def test_text_escaping_keeps_utf8() -> None:
    assert dump_of(DOC, "/domain/name") == '<name>n &amp; &lt;m&gt; é "q"</name>\n'
    assert dump_of(DOC, "//name/text()") == 'n &amp; &lt;m&gt; é "q"\n'


def test_mixed_content_is_not_indented() -> None:
    out = dump_of(DOC, "//devices")
    assert "<mixed>t<b/>u</mixed>" in out
    assert "  <empty/>\n" in out
    assert "  <!-- c -->\n  <?pi data?>\n</devices>\n" in out
    # A blank-only text with no element sibling is content, not layout.
    assert dump_of(DOC, "//blank") == "<blank>  </blank>\n"


def test_attributes_comments_and_pis() -> None:
    assert dump_of(DOC, "//target/@dev | //disk/@type") == ' type="file"\n dev="vda"\n'
    assert dump_of(DOC, "//comment()") == "<!-- c -->\n"
    assert dump_of(DOC, "//processing-instruction()") == "<?pi data?>\n"


def test_empty_node_set() -> None:
    assert dump_of(DOC, "/nothing") == ""
    assert dump_of(DOC, "/nothing", wrap=True) == "<nodes/>\n"


def test_wrap_text_and_attributes() -> None:
    assert dump_of(DOC, "//target", wrap=True) == '<nodes>\n  <target dev="vda"/>\n</nodes>\n'
    # Text merges with its neighbours and switches formatting off.
    assert dump_of(DOC, "//name/text() | //target", wrap=True) == (
        '<nodes>n &amp; &lt;m&gt; é "q"<target dev="vda"/></nodes>\n'
    )
    # Copied attributes land on <nodes>; a later namesake replaces an earlier one.
    assert dump_of(DOC, "//@type | //@dev", wrap=True) == '<nodes type="file" dev="vda"/>\n'
    assert dump_of("<a><b t='1'/><c t='2'/></a>", "//@t", wrap=True) == '<nodes t="2"/>\n'


def test_namespaces() -> None:
    xml = (
        "<domain><metadata><app:a xmlns:app='urn:a' app:k='v'><app:b/>"
        "<c xmlns='urn:c'><d/></c></app:a></metadata></domain>"
    )
    # A node dumped alone keeps only its own declarations (as xmlNodeDump).
    assert dump_of(xml, "//*[local-name()='b']") == "<app:b/>\n"
    assert dump_of(xml, "//*[local-name()='d']") == "<d/>\n"
    assert dump_of(xml, "//*[local-name()='a']") == (
        '<app:a xmlns:app="urn:a" app:k="v">\n  <app:b/>\n  <c xmlns="urn:c">\n'
        "    <d/>\n  </c>\n</app:a>\n"
    )
    # A copy under <nodes> declares what it uses (xmlDocCopyNode).
    assert dump_of(xml, "//*[local-name()='b'] | //*[local-name()='d']", wrap=True) == (
        '<nodes>\n  <app:b xmlns:app="urn:a"/>\n  <d xmlns="urn:c"/>\n</nodes>\n'
    )


def test_document_node() -> None:
    xml = "<domain a='é'><name>x</name></domain>"
    assert dump_of(xml, "/") == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<domain a="é">\n  <name>x</name>\n</domain>\n\n'
    )
    assert dump_of(xml, "/", wrap=True) == (
        '<nodes>\n<?xml version="1.0" encoding="UTF-8"?>\n<domain a="&#xE9;">\n'
        "  <name>x</name>\n</domain>\n\n</nodes>\n"
    )


def test_namespace_nodes() -> None:
    # xmlNodeDump writes nothing for the xml: namespace node, virXMLNodeToString
    # returns NULL and virsh prints "(null)".
    assert dump_of(DOC, "namespace::*") == "(null)\n"
    xml = "<p:domain xmlns:p='urn:p'/>"
    assert dump_of(xml, "namespace::*") == '(null)\n xmlns:p="urn:p"\n'
    # virsh 9.0 crashes copying them under <nodes>; vsh leaves them out.
    assert (
        dump_of(xml, "namespace::* | /*", wrap=True)
        == '<nodes>\n  <p:domain xmlns:p="urn:p"/>\n</nodes>\n'
    )


def test_non_node_set_is_an_error() -> None:
    for expr in ("count(//disk)", "string(//name)", "true()", "1 div 0"):
        with pytest.raises(VshError) as exc:
            dump_of(DOC, expr)
        assert exc.value.messages == [f"internal error: Incorrect xpath '{expr}'"]


@pytest.mark.parametrize(
    ("xpath", "stderr"),
    [
        ("//[", "XPath error : Invalid expression\n//[\n  ^\n"),
        ("//b[", "XPath error : Invalid expression\n"),
        (
            "foo()",
            "xmlXPathCompOpEval: function foo not found\nXPath error : Unregistered function\n",
        ),
        ("x:foo()", "xmlXPathCompOpEval: function foo bound to undefined prefix x\n"),
        ("//x:name", "XPath error : Undefined namespace prefix\n"),
    ],
)
def test_bad_expression_is_reported_by_libxml2(
    capfd: pytest.CaptureFixture[str], xpath: str, stderr: str
) -> None:
    # virsh 9.0 (libxml2 2.9.14): libxml2 writes to stderr, the command succeeds.
    assert dump_of(DOC, xpath) == ""
    assert capfd.readouterr() == ("", stderr)


def test_not_well_formed() -> None:
    with pytest.raises(VshError) as exc:
        dump_of("<domain>", "/")
    assert exc.value.messages == ["XML error: failed to parse xml document 'domain'"]


def test_repeated_wraps_keep_memory_sound() -> None:
    # The document node and attributes copied under <nodes> are freed with it.
    for _ in range(200):
        dump_of(DOC, "/ | //@* | //text() | //comment() | namespace::*", wrap=True)
    assert dump_of(DOC, "//target", wrap=True) == '<nodes>\n  <target dev="vda"/>\n</nodes>\n'


# ---------------------------------------------------------------------------
# parse(): virXPathString / virXPathNodeSet look-ups


def test_parse_and_xpath_results() -> None:
    root = xpathdump.parse(XML)
    assert root is not None
    names = root.xpath("//name")
    assert isinstance(names, list) and len(names) == 2
    assert [n.xpath("string(.)") for n in names] == ["s1", "test"]
    assert root.xpath("string(./description)") == "d<x"
    assert root.xpath("string(./nothing)") == ""
    assert root.xpath("count(//name)") == 2.0
    assert root.xpath("boolean(//os)") is True
    with pytest.raises(VshError):
        root.xpath("//[")


def test_typed_look_ups() -> None:
    root = xpathdump.parse(XML)
    assert root is not None
    names = root.nodes("//name")
    assert [n.string("string(.)") for n in names] == ["s1", "test"]
    assert root.nodes("//nothing") == []
    assert root.string("string(./description)") == "d<x"
    assert root.string("string(./nothing)") == ""
    # Another kind of result is the caller's mistake, reported as virsh does.
    for wrong in ("string(//name)", "count(//name)", "boolean(//os)"):
        with pytest.raises(VshError, match="Incorrect xpath"):
            root.nodes(wrong)
    for wrong in ("//name", "count(//name)", "boolean(//os)"):
        with pytest.raises(VshError, match="Incorrect xpath"):
            root.string(wrong)


def test_parsed_nodes_keep_their_document() -> None:
    import gc

    root = xpathdump.parse(XML)
    assert root is not None
    boot = root.xpath("//boot")
    del root
    gc.collect()
    assert isinstance(boot, list)
    assert boot[0].xpath("string(@dev)") == "hd"


def test_parse_rejects_bad_documents() -> None:
    assert xpathdump.parse("<a>") is None
    assert xpathdump.parse("") is None
    assert xpathdump.parse("<a></b>") is None


# ---------------------------------------------------------------------------
# node_to_string(): virXMLNodeToString, as detach-disk / detach-interface send it

DISK = (
    "<domain>\n  <devices>\n"
    "    <disk type='file'>\n"
    "      <source file='/a'/>\n"
    "      <backingStore type='file'><source file='/b'/></backingStore>\n"
    "      <target dev='vda'/>\n"
    "      <backingStore/>\n"
    "    </disk>\n"
    "  </devices>\n</domain>"
)


def _disk() -> xpathdump.Node:
    root = xpathdump.parse(DISK)
    assert root is not None
    disks = root.xpath("./devices/disk")
    assert isinstance(disks, list)
    return disks[0]


def test_node_to_string_keeps_the_source_layout() -> None:
    # Blank text is kept by parse(), so xmlNodeDump adds no indentation of its
    # own: the element comes back as written, attributes in double quotes,
    # without the indentation in front of its start tag.
    assert xpathdump.node_to_string(_disk()) == (
        '<disk type="file">\n'
        '      <source file="/a"/>\n'
        '      <backingStore type="file"><source file="/b"/></backingStore>\n'
        '      <target dev="vda"/>\n'
        "      <backingStore/>\n"
        "    </disk>"
    )


def test_node_to_string_of_a_copy_without_a_child() -> None:
    disk = _disk()
    # Only the first <backingStore> goes (virshDiskDropBackingStore); its
    # neighbouring blank text stays.
    assert xpathdump.node_to_string(disk, copy_without="backingStore") == (
        '<disk type="file">\n'
        '      <source file="/a"/>\n'
        "      \n"
        '      <target dev="vda"/>\n'
        "      <backingStore/>\n"
        "    </disk>"
    )
    # The document itself is untouched.
    assert disk.xpath("count(./backingStore)") == 2.0
    assert xpathdump.node_to_string(disk, copy_without="nothing") == xpathdump.node_to_string(disk)


# ---------------------------------------------------------------------------
# safety: no network, no DTD, no entity substitution


def test_parser_options() -> None:
    opts = xpathdump.PARSE_OPTIONS
    assert opts & xpathdump.XML_PARSE_NONET
    assert not opts & (
        xpathdump.XML_PARSE_NOENT | xpathdump.XML_PARSE_DTDLOAD | xpathdump.XML_PARSE_HUGE
    )


def test_no_entity_substitution() -> None:
    xml = '<!DOCTYPE d [<!ENTITY e "EXPANDED">]><d><name>&e;</name></d>'
    # The tree keeps the reference (no XML_PARSE_NOENT) ...
    assert dump_of(xml, "//name") == "<name>&e;</name>\n"
    # ... whose XPath string value is the internal entity's own text, as for
    # virsh's virXPathString: the document's content, nothing read from outside.
    root = xpathdump.parse(xml)
    assert root is not None and root.xpath("string(//name)") == "EXPANDED"


def test_no_external_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("TOP SECRET")
    xml = f'<!DOCTYPE d [<!ENTITY e SYSTEM "file://{secret}">]><d><name>&e;</name></d>'
    assert dump_of(xml, "//name") == "<name>&e;</name>\n"
    assert "TOP SECRET" not in dump_of(xml, "/")
    root = xpathdump.parse(xml)
    assert root is not None and root.xpath("string(//name)") == ""


def test_no_external_dtd(tmp_path: Path) -> None:
    dtd = tmp_path / "d.dtd"
    dtd.write_text('<!ATTLIST d extra CDATA "FROM-DTD">\n<!ENTITY e "FROM-DTD">\n')
    xml = f'<!DOCTYPE d SYSTEM "file://{dtd}"><d/>'
    assert dump_of(xml, "//@extra") == ""
    assert "FROM-DTD" not in dump_of(xml, "/")
    root = xpathdump.parse(xml)
    assert root is not None and root.xpath("count(//@extra)") == 0.0


def test_entity_expansion_bomb_is_not_expanded() -> None:
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    xml = f"<!DOCTYPE d [{entities}]><d><name>&l9;</name></d>"
    try:
        out = dump_of(xml, "//name")
    except VshError:
        return  # libxml2's amplification guard refused the document
    assert out == "<name>&l9;</name>\n"


# ---------------------------------------------------------------------------
# libxml2 missing


@pytest.fixture
def no_libxml2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    import ctypes.util

    monkeypatch.setattr(xpathdump, "SONAME", "libvsh-no-such-library.so.0")
    monkeypatch.setattr(ctypes.util, "find_library", lambda _name: None)
    xpathdump._load.cache_clear()
    yield
    xpathdump._load.cache_clear()


@pytest.mark.usefixtures("no_libxml2")
def test_missing_libxml2_is_a_clear_error() -> None:
    with pytest.raises(VshError) as exc:
        dump_of(DOC, "//name")
    assert exc.value.messages == [
        "cannot load libxml2 for XPath evaluation: libvsh-no-such-library.so.0: "
        "cannot open shared object file: No such file or directory"
    ]
    with pytest.raises(VshError):
        xpathdump.parse(DOC)
    # Without --xpath nothing needs libxml2.
    assert dump_of(DOC, None) == DOC


@pytest.mark.usefixtures("no_libxml2")
def test_missing_libxml2_fails_the_command() -> None:
    from tests.commands.fakes import Fake, output, run_script, session_with

    dom = Fake(name="d", ID=-1, UUIDString="u", XMLDesc=DOC)
    s = session_with(Fake(lookupByName=dom, lookupByID=dom, lookupByUUIDString=dom))
    assert not run_script(s, "dumpxml d --xpath //name")
    out, err = output(s)
    assert out == "\n"
    assert err.startswith("error: cannot load libxml2 for XPath evaluation: ")
    assert err.count("\n") == 1


def test_libxml2_without_a_needed_function(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(xpathdump._SIGNATURES, "xmlNoSuchFunctionInLibxml2", (None, []))
    xpathdump._load.cache_clear()
    try:
        with pytest.raises(VshError) as exc:
            dump_of(DOC, "//name")
        assert "xmlNoSuchFunctionInLibxml2" in exc.value.messages[0]
        assert exc.value.messages[0].startswith("cannot load libxml2 for XPath evaluation: ")
    finally:
        monkeypatch.undo()
        xpathdump._load.cache_clear()
    assert dump_of(DOC, "//target") == '<target dev="vda"/>\n'


def test_extract_renames_a_bare_copy_of_the_chosen_element() -> None:
    doc = (
        "<container><caps><mode name='a' supported='yes'><model>M</model></mode>"
        "<cpu x='1'/></caps></container>"
    )
    assert xpathdump.extract(doc, "f.xml", "//mode|//cpu", bare="mode", rename="cpu") == [
        "<cpu>\n  <model>M</model>\n</cpu>",
        '<cpu x="1"/>',
    ]


def test_extract_reports_libvirts_parse_error() -> None:
    with pytest.raises(VshError) as raised:
        xpathdump.extract("<container><cpu\n</container>", "f.xml", "//cpu")
    assert raised.value.messages == ["f.xml:2: error parsing attribute name\n</container>\n^"]


def test_node_edits_as_libxml2_makes_them() -> None:
    from vsh.virt.xpathdump import node_to_string, parse

    root = parse("<d><i><link state='down'/></i><m><r>1</r></m></d>")
    assert root is not None
    link = root.nodes("./i/link")[0]
    assert link.has_prop("state") and not link.has_prop("link")
    link.set_prop("state", "up")
    root.nodes("./i")[0].new_child("x").set_prop("a", "1", new=True)
    root.nodes("./m/r")[0].set_content("2")
    # No blank text in the source: xmlNodeDump's format=1 indents it.
    assert node_to_string(root) == (
        '<d>\n  <i>\n    <link state="up"/>\n    <x a="1"/>\n  </i>\n'
        "  <m>\n    <r>2</r>\n  </m>\n</d>"
    )
