"""vsh.virt.checkpointstore on a private test driver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from tests.fixtures.onedomain import open_node
from vsh.snapshots.redefine import TargetError
from vsh.virt import checkpointstore


@pytest.fixture
def dom(tmp_path: Path) -> Iterator[libvirt.virDomain]:
    conn = open_node(tmp_path)
    yield conn.lookupByName("test")
    conn.close()


def _chk(dom: libvirt.virDomain, name: str) -> None:
    dom.checkpointCreateXML(f"<domaincheckpoint><name>{name}</name></domaincheckpoint>", 0)


def test_listing_parents_first(dom: libvirt.virDomain) -> None:
    for name in ("c1", "c2", "c3"):
        _chk(dom, name)
    assert [c.getName() for c in checkpointstore.parents_first(dom)] == ["c1", "c2", "c3"]
    assert checkpointstore.existing(dom) == {"c1": None, "c2": "c1", "c3": "c2"}


def test_target_redefines_and_removes(dom: libvirt.virDomain) -> None:
    _chk(dom, "c1")
    xml = dom.checkpointLookupByName("c1").getXMLDesc(checkpointstore.XML_SECURE)
    target = checkpointstore.CheckpointTarget(dom.connect(), dom)
    # the test driver knows no REDEFINE_VALIDATE: it is never sent there
    assert target.flags == libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE
    target.remove("c1")
    assert checkpointstore.existing(dom) == {}
    target.define(xml)
    assert checkpointstore.existing(dom) == {"c1": None}
    with pytest.raises(TargetError, match="no domain checkpoint with matching name 'nope'"):
        target.remove("nope")
    with pytest.raises(TargetError, match="Premature end of data in tag domaincheckpoint"):
        target.define("<domaincheckpoint>")
