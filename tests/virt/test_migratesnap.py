"""migrate --with-snapshots, libvirt side, on the test driver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from tests.fixtures.onedomain import open_node
from vsh.snapshots.migrationplan import Moment
from vsh.virt.migratesnap import SourceSnapshots, destination_problems, source_moments


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[libvirt.virConnect]:
    """A private test driver: test:///default's state is shared by every open
    connection in the process, and other tests may hold one."""
    c = open_node(tmp_path)
    yield c
    c.close()


def _snap(dom: libvirt.virDomain, name: str, disk: str = "") -> None:
    disks = f"<disks><disk name='vda' snapshot='{disk}'/></disks>" if disk else ""
    dom.snapshotCreateXML(f"<domainsnapshot><name>{name}</name>{disks}</domainsnapshot>", 0)


def test_source_moments_tree_and_current(conn: libvirt.virConnect) -> None:
    dom = conn.lookupByName("test")
    _snap(dom, "a")
    _snap(dom, "b")
    dom.revertToSnapshot(dom.snapshotLookupByName("a"), 0)
    _snap(dom, "c")
    dom.revertToSnapshot(dom.snapshotLookupByName("b"), 0)
    got = source_moments(dom)
    read = SourceSnapshots(dom)
    # one read: the same tree, from the XML, with where each snapshot lives
    assert [(m.name, m.parent, m.current) for m in read.moments] == [
        (m.name, m.parent, m.current) for m in got
    ]
    assert {m.location for m in read.moments} == {"internal"}
    assert [x.split("<name>")[1].split("<")[0] for x in read.xmls] == [m.name for m in got]
    assert {m.name: m.parent for m in got} == {"a": None, "b": "a", "c": "a"}
    assert [m.name for m in got if m.current] == ["b"]
    assert [m.name for m in got].index("a") == 0


def test_destination_problems(conn: libvirt.virConnect) -> None:
    dom = conn.lookupByName("test")
    uuid = dom.UUIDString()
    assert destination_problems(conn, uuid, "test") == []
    assert destination_problems(conn, "00000000-0000-0000-0000-00000000abcd", "nope") == []
    _snap(dom, "stale")
    (msg,) = destination_problems(conn, "00000000-0000-0000-0000-00000000abcd", "test")
    assert "'test' with 1 snapshot(s)" in msg
    assert len(destination_problems(conn, uuid, "other")) == 1


def test_parent_and_location_read() -> None:
    from vsh.virt.migratesnap import _parent_and_location as read

    xml = "<domainsnapshot><disks><disk name='vda' snapshot='external'/></disks></domainsnapshot>"
    assert read(xml) == (None, "external")
    assert read(
        "<domainsnapshot><parent><name>p</name></parent><memory snapshot='internal'/>"
        "</domainsnapshot>"
    ) == ("p", "internal")
    assert read("<domainsnapshot/>") == (None, "")
    assert read("<domainsnapshot") == (None, "")
    assert Moment("x").location == ""


def test_journal_with_checkpoints_then_redefined(tmp_path: Path) -> None:
    """The journal carries the checkpoints; redefining it puts them back
    (the test driver holds checkpoints only while a domain has no snapshot)."""
    import os
    import stat

    from vsh.virt import checkpointstore
    from vsh.virt.migratesnap import (
        plan_lines,
        redefine_journal,
        remove_checkpoint_metadata,
        source_checkpoints,
        write_journal,
    )

    conn = open_node(tmp_path)
    try:
        dom = conn.lookupByName("test")
        for name in ("c1", "c2"):
            dom.checkpointCreateXML(f"<domaincheckpoint><name>{name}</name></domaincheckpoint>")
        chks = source_checkpoints(dom)
        assert chks == [Moment("c1"), Moment("c2", "c1")]
        assert plan_lines([], "shared", chks) == [
            "Snapshots to move, in redefine order (0):",
            "Current: (none)",
            "Checkpoints to move, in redefine order (2):",
            "  c1",
            "  c2 (parent 'c1')",
            "Storage: shared",
        ]
        path = write_journal(dom, tmp_path / "journal", checkpoints=True)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        remove_checkpoint_metadata(dom, chks)
        assert checkpointstore.existing(dom) == {}
        assert redefine_journal(conn, dom, path) == []
        assert source_checkpoints(dom) == chks
        assert redefine_journal(conn, dom, path) == []  # existing ones are skipped
    finally:
        conn.close()
