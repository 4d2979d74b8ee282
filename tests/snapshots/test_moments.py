"""Tests for vsh.snapshots.moments: XML scanning, orders, trees, times, XML building.

Expected values come from virsh 9.0.0 (captured as noted) or from the
libvirt 9.0 sources (tools/virsh-snapshot.c, vsh.c).
"""

from __future__ import annotations

import random
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsh.core.errors import VshError
from vsh.snapshots import moments
from vsh.snapshots.moments import Entry

# `snapshot-create-as test s1 'my <desc> & "q"'; snapshot-dumpxml test s1`
SNAP_XML = """<domainsnapshot>
  <name>s1</name>
  <description>my &lt;desc&gt; &amp; &quot;q&quot;</description>
  <state>running</state>
  <creationTime>1795694876</creationTime>
  <memory snapshot='internal'/>
  <disks>
    <disk name='vda' snapshot='internal'/>
  </disks>
  <domain type='test'>
    <name>test</name>
    <description>the domain's own</description>
    <memory unit='KiB'>8388608</memory>
  </domain>
</domainsnapshot>
"""

# A snapgen fixture's child snapshot (`snapshot-dumpxml dom0 快照-3`), trimmed.
CHILD_XML = """<domainsnapshot>
  <name>快照-3</name>
  <state>paused</state>
  <parent>
    <name>snap 1 with spaces</name>
  </parent>
  <creationTime>1700000180</creationTime>
  <memory snapshot='internal'/>
  <domain type='test'>
    <name>dom0</name>
  </domain>
</domainsnapshot>
"""

EXTERNAL_XML = """<domainsnapshot>
  <name>ext</name>
  <state>disk-snapshot</state>
  <creationTime>1700000000</creationTime>
  <memory snapshot='no'/>
  <disks>
    <disk name='vda' snapshot='external' type='file'>
      <driver type='qcow2'/>
      <source file='/var/lib/libvirt/images/dom0.snap1.qcow2'/>
    </disk>
  </disks>
  <domain type='test'>
    <name>dom0</name>
  </domain>
</domainsnapshot>
"""


# ---------------------------------------------------------------------------
# scan


def test_scan_top_level_fields_only() -> None:
    f = moments.scan(SNAP_XML)
    assert f.name == "s1"
    assert f.description == 'my <desc> & "q"'  # not the domain's description
    assert f.state == "running"
    assert f.parent is None
    assert f.creation == "1795694876"
    assert f.has_memory and not f.external
    assert f.location == "internal"


def test_scan_parent_and_unicode() -> None:
    f = moments.scan(CHILD_XML)
    assert (f.name, f.parent, f.state) == ("快照-3", "snap 1 with spaces", "paused")


def test_scan_external_location() -> None:
    assert moments.scan(EXTERNAL_XML).location == "external"
    memory_external = SNAP_XML.replace(
        "<memory snapshot='internal'/>", "<memory snapshot='external' file='/m'/>"
    )
    assert moments.scan(memory_external).external


def test_scan_location_without_memory_element() -> None:
    # Pre-1.0.1 XML: external exactly when the state is disk-snapshot.
    old = "<domainsnapshot><name>a</name><state>disk-snapshot</state></domainsnapshot>"
    assert moments.scan(old).external
    assert not moments.scan(old.replace("disk-snapshot", "running")).external


def test_scan_ignores_the_embedded_domain() -> None:
    # Nothing inside <domain> counts, even when the top level lacks it.
    xml = (
        "<domainsnapshot><name>a</name><domain type='t'><state>x</state>"
        "<parent><name>p</name></parent><memory snapshot='external'/></domain></domainsnapshot>"
    )
    f = moments.scan(xml)
    assert f.state is None and f.parent is None and not f.has_memory


def test_scan_entities_are_only_the_predefined_ones() -> None:
    xml = "<domainsnapshot><name>a&#38;b&#x3c;&unknown;</name></domainsnapshot>"
    assert moments.scan(xml).name == "a&b<&unknown;"


def test_scan_is_linear_on_hostile_input() -> None:
    # A DOCTYPE with entity definitions is neither loaded nor expanded.
    bomb = (
        '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        "<domainsnapshot><name>&b;</name><state>running</state></domainsnapshot>"
    )
    assert moments.scan(bomb).name == "&b;"
    big = "<domainsnapshot>" + "<x>" * 200_000
    start = time.perf_counter()
    moments.scan(big)
    assert time.perf_counter() - start < 1


def test_empty_elements_are_absent() -> None:
    f = moments.scan("<domainsnapshot><name></name><state></state></domainsnapshot>")
    assert f.name is None and f.state is None


def test_row_fields() -> None:
    assert moments.row_fields(CHILD_XML, True) == ("paused", "1700000180", "snap 1 with spaces")
    assert moments.row_fields(CHILD_XML, False) == ("paused", "1700000180", None)
    assert moments.row_fields("<domainsnapshot><name>a</name></domainsnapshot>", True) is None


def test_parent_from_xml() -> None:
    assert moments.parent_from_xml(CHILD_XML) == "snap 1 with spaces"
    assert moments.parent_from_xml(SNAP_XML) is None


# ---------------------------------------------------------------------------
# ordering


def test_sort_key_is_ascii_strcasecmp() -> None:
    names = ["x", "ünï", "B", "a", "_u", "Z", "snap-10", "snap-9", "A1"]
    entries = moments.sort_by_name([Entry(n) for n in names])
    # strcasecmp folds A-Z only; '_' (0x5f) sorts after letters folded to
    # lower case? No: 'a' is 0x61 > 0x5f; non-ASCII bytes come last.
    assert [e.name for e in entries] == ["_u", "a", "A1", "B", "snap-10", "snap-9", "x", "Z", "ünï"]


def test_sort_is_stable_for_case_twins() -> None:
    entries = moments.sort_by_name([Entry("b"), Entry("A"), Entry("a"), Entry("B")])
    assert [e.name for e in entries] == ["A", "a", "b", "B"]


def test_parents_first_keeps_server_sibling_order() -> None:
    # Server order puts children before parents; siblings c2 before c1.
    entries = [
        Entry("c2", parent="r"),
        Entry("g", parent="c1"),
        Entry("c1", parent="r"),
        Entry("r"),
    ]
    assert [e.name for e in moments.parents_first(entries)] == ["r", "c2", "c1", "g"]


def test_parents_first_with_outside_parent() -> None:
    # `--from X --descendants`: X is not listed, its children act as roots.
    entries = [Entry("b", parent="a"), Entry("a", parent="X"), Entry("z", parent="X")]
    assert [e.name for e in moments.parents_first(entries)] == ["a", "b", "z"]


def test_parents_first_deep_chain_no_recursion() -> None:
    n = 20_000
    entries = [Entry(f"s{i}", parent=f"s{i - 1}" if i else None) for i in reversed(range(n))]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        out = moments.parents_first(entries)
    finally:
        sys.setrecursionlimit(limit)
    assert [e.name for e in out] == [f"s{i}" for i in range(n)]


def test_family_counts() -> None:
    names = ["r", "a", "b", "c", "x"]
    parents = {"r": None, "a": "r", "b": "a", "c": "r", "x": None}
    kids, desc = moments.family_counts(names, parents)
    assert kids == {"r": 2, "a": 1, "b": 0, "c": 0, "x": 0}
    assert desc == {"r": 3, "a": 1, "b": 0, "c": 0, "x": 0}


# ---------------------------------------------------------------------------
# trees


def _tree(entries: list[Entry]) -> str:
    out: list[str] = []
    moments.print_tree(entries, out.append)
    return "".join(out)


def _reference_tree(entries: list[Entry]) -> str:
    """vshTreePrintInternal, recursive and quadratic, as in tools/vsh.c."""
    out: list[str] = []

    def walk(i: int, last: int, root: bool, indent: str) -> None:
        name = entries[i].name
        out.append(f"{indent}{'' if root else '+- '}{name}\n")
        if not root:
            indent += (" " if i == last else "|") + " "
        kids = [j for j, e in enumerate(entries) if e.parent == name]
        if kids:
            out.append(f"{indent}  |\n")
        for j in kids:
            walk(j, kids[-1], False, indent + "  ")
        if not kids and i == last:
            out.append(f"{indent}\n")

    for i, e in enumerate(entries):
        if e.parent is None:
            walk(i, i, True, "")
    return "".join(out)


def test_tree_of_upstream_scenario() -> None:
    # tests/virsh-snapshot: `snapshot-list test --tree`, list in name order.
    parents = {"s1": None, "s2": "s3", "s3": "s1", "s4": "s6", "s5": "s6", "s6": "s3"}
    parents |= {"s7": "s1", "s8": "s7"}
    entries = [Entry(n, parent=p) for n, p in sorted(parents.items())]
    assert _tree(entries) == (
        "s1\n  |\n  +- s3\n  |   |\n  |   +- s2\n  |   +- s6\n  |       |\n"
        "  |       +- s4\n  |       +- s5\n  |         \n  +- s7\n      |\n      +- s8\n"
        "        \n"
    )


def test_tree_skips_entries_whose_parent_is_not_listed() -> None:
    entries = [Entry("a"), Entry("b", parent="gone"), Entry("c", parent="b")]
    assert _tree(entries) == "a\n\n"


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=30), st.randoms())
def test_tree_matches_virsh_algorithm(links: list[int], rnd: random.Random) -> None:
    entries = [Entry(f"n{i}", parent=f"n{p % i}" if i and p else None) for i, p in enumerate(links)]
    rnd.shuffle(entries)
    assert _tree(entries) == _reference_tree(entries)


@pytest.mark.parametrize("shape", ["chain", "wide"])
def test_tree_of_10000(shape: str) -> None:
    n = 10_000
    if shape == "chain":
        entries = [Entry(f"s{i:05}", parent=f"s{i - 1:05}" if i else None) for i in range(n)]
    else:
        entries = [Entry(f"s{i:05}", parent="s00000" if i else None) for i in range(n)]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        text = _tree(entries)
    finally:
        sys.setrecursionlimit(limit)
    lines = text.split("\n")
    if shape == "chain":
        assert lines[-3] == " " * (4 * (n - 1) - 2) + "+- s09999"
        assert lines[-2] == " " * (4 * (n - 1))
    else:
        assert lines[-3] == "  +- s09999"
        assert lines[-2] == "    "
        assert text.count("\n") == 2 + (n - 1) + 1


def test_tree_order_is_depth_first_in_list_order() -> None:
    entries = [Entry("a"), Entry("b", parent="a"), Entry("c"), Entry("d", parent="a")]
    entries.append(Entry("e", parent="b"))
    assert [e.name for e in moments.tree_order(entries)] == ["a", "b", "e", "d", "c"]


# ---------------------------------------------------------------------------
# times


@pytest.fixture
def tz(monkeypatch: pytest.MonkeyPatch):
    def set_tz(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_tz
    monkeypatch.undo()
    time.tzset()


def test_times_in_local_zone(tz) -> None:
    tz("UTC")
    assert moments.local_time(1700000000) == "2023-11-14 22:13:20 +0000"
    assert moments.iso_time(1700000000) == "2023-11-14T22:13:20+00:00"
    tz("Asia/Kolkata")
    assert moments.local_time(1700000000) == "2023-11-15 03:43:20 +0530"
    assert moments.iso_time(1700000000) == "2023-11-15T03:43:20+05:30"
    tz("America/New_York")
    assert moments.table_time(" 1700000000") == "2023-11-14 17:13:20 -0500"


def test_creation_time_parsing() -> None:
    assert moments.parse_llong("  -12") == -12
    assert moments.parse_llong("+7") == 7
    for bad in ("", "1x", "1.5", "0x10", "99999999999999999999", " "):
        assert moments.parse_llong(bad) is None
    assert moments.table_time("nope") is None
    assert moments.local_time(10**18) is None


# ---------------------------------------------------------------------------
# XML building


def test_snapshot_xml_reference() -> None:
    # tests/virsh-optparse, `snapshot-create-as --print-xml` (complex case).
    xml = moments.snapshot_xml(
        None, "1<2", "file=d,,e", ["vda,file=a&b,,c,snapshot=external", "vdb"]
    )
    assert xml == (
        "<domainsnapshot>\n"
        "  <description>1&lt;2</description>\n"
        "  <memory file='d,e'/>\n"
        "  <disks>\n"
        "    <disk name='vda' snapshot='external'>\n"
        "      <source file='a&amp;b,c'/>\n"
        "    </disk>\n"
        "    <disk name='vdb'/>\n"
        "  </disks>\n"
        "</domainsnapshot>\n"
    )


def test_snapshot_diskspec_corner_cases() -> None:
    # Captured from virsh: raw attribute values, block sources, empty spec.
    assert moments.snapshot_diskspec_xml("vda,snapshot=a'b<,driver=q&,stype=block,file=/x<y") == (
        "    <disk name='vda' snapshot='a'b<' type='block'>\n"
        "      <driver type='q&'/>\n"
        "      <source dev='/x&lt;y'/>\n"
        "    </disk>\n"
    )
    assert moments.snapshot_diskspec_xml("") == "    />\n"
    assert moments.snapshot_diskspec_xml(",snapshot=no") == "    <disk name='' snapshot='no'/>\n"
    with pytest.raises(VshError) as exc:
        moments.snapshot_diskspec_xml("vda,stype=weird")
    assert exc.value.messages == [
        "Unknown storage type: 'weird'",
        "unable to parse diskspec: vda,stype=weird",
    ]
    for bad in (",", "vda,snapshot=a,snapshot=b", "vda,bogus"):
        with pytest.raises(VshError, match="unable to parse diskspec"):
            moments.snapshot_diskspec_xml(bad)


def test_memspec() -> None:
    assert moments.memspec_xml("/abs,snapshot=a'") == "  <memory snapshot='a&apos;' file='/abs'/>\n"
    assert moments.memspec_xml("snapshot=no") == "  <memory snapshot='no'/>\n"
    for bad in ("bogus", "file=a,/b", ","):
        with pytest.raises(VshError, match="unable to parse memspec"):
            moments.memspec_xml(bad)


def test_checkpoint_xml() -> None:
    xml = moments.checkpoint_xml("x", "d<", ["vda,checkpoint=a'b<,bitmap=q&", "vdb"])
    assert xml == (
        "<domaincheckpoint>\n"
        "  <name>x</name>\n"
        "  <description>d&lt;</description>\n"
        "  <disks>\n"
        "    <disk name='vda' checkpoint='a'b<' bitmap='q&'/>\n"
        "    <disk name='vdb'/>\n"
        "  </disks>\n"
        "</domaincheckpoint>\n"
    )
    with pytest.raises(VshError, match="unable to parse diskspec: vda,snapshot=x"):
        moments.checkpoint_xml(None, None, ["vda,snapshot=x"])


def test_xml_escape_drops_control_characters() -> None:
    assert moments.xml_escape("a\x01b\tc\n<'\">&") == "ab\tc\n&lt;&apos;&quot;&gt;&amp;"


def test_utf8_error_matches_the_servers_report() -> None:
    # `snapshot-create test FILE` on virsh 9.0 with a Latin-1 byte in the file.
    text = b"<domainsnapshot>\n  <name>caf\xe9</name></domainsnapshot>".decode(
        "utf-8", "surrogateescape"
    )
    assert moments.utf8_error(text, "(domain_snapshot)") == (
        "(domain_snapshot):2: Input is not proper UTF-8, indicate encoding !\n"
        "Bytes: 0xE9 0x3C 0x2F 0x6E\n"
        "  <name>caf\udce9</name></domainsnapshot>\n"
        "-----------^"
    )
    assert moments.utf8_error("<ok>ünï</ok>", "(domain_snapshot)") is None
