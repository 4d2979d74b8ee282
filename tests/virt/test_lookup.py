"""vsh.virt.lookup: virsh's domain lookup order, messages, state and completers.

Expected behaviour is virsh-util.c's (virshLookupDomainInternal,
virshDomainState) and the test driver's known contents.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, session_with
from vsh.core.errors import VshError
from vsh.core.session import Session, Settings
from vsh.virt import lookup

NODE = "test://" + str(Path(__file__).resolve().parents[1] / "fixtures" / "domains" / "node.xml")
TEST_UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"


@pytest.fixture
def session() -> Iterator[Session]:
    s = Session(Settings(uri="test:///default"), out=io.StringIO(), err=io.StringIO())
    assert s.connection.reconnect()
    yield s
    s.connection.close()


@pytest.fixture
def node() -> Iterator[Session]:
    s = Session(Settings(uri=NODE), out=io.StringIO(), err=io.StringIO())
    assert s.connection.reconnect()
    yield s
    s.connection.close()


def test_by_id_uuid_name(session: Session) -> None:
    assert lookup.domain(session, "1").name() == "test"
    assert lookup.domain(session, TEST_UUID).name() == "test"
    assert lookup.domain(session, "test").name() == "test"
    assert lookup.domain(session, " 1").name() == "test"  # strtol skips blanks


def test_flags_restrict_the_ways(session: Session) -> None:
    with pytest.raises(VshError) as exc:
        lookup.domain(session, "1", lookup.BY_NAME | lookup.BY_UUID)
    assert exc.value.messages == ["failed to get domain '1'"]
    with pytest.raises(VshError):
        lookup.domain(session, "test", lookup.BY_ID | lookup.BY_UUID)
    with pytest.raises(VshError):
        lookup.domain(session, TEST_UUID, lookup.BY_ID | lookup.BY_NAME)


def test_not_found_leaves_no_libvirt_error(session: Session) -> None:
    with pytest.raises(VshError) as exc:
        lookup.domain(session, "nosuch")
    assert exc.value.messages == ["failed to get domain 'nosuch'"]
    assert exc.value.cause is None
    assert session.last_error is None


def test_empty_name_is_an_option_error(session: Session) -> None:
    with pytest.raises(VshError) as exc:
        lookup.domain(session, "")
    assert exc.value.messages == ["Failed to get option 'domain': Option argument is empty"]


def test_numbers_that_are_not_ids(session: Session) -> None:
    # Negative, overflowing and partial numbers are not tried as ids.
    for name in ("-1", "4294967298", "1x", "0x1"):
        with pytest.raises(VshError):
            lookup.domain(session, name)


def test_id_beats_a_domain_named_like_a_number(node: Session) -> None:
    # The node has a shut-off domain named "42" and running domains 1..8.
    assert lookup.domain(node, "42").name() == "42"
    assert lookup.domain(node, "1").name() == "web"
    # A name shaped like a UUID: tried as UUID first (no match), then as name.
    name = "00000000-0000-4000-8000-000000000001"
    assert lookup.domain(node, name).name() == "web"  # that is web's UUID
    assert lookup.domain(node, name, lookup.BY_NAME).UUIDString().endswith("00d")


def test_debug_lines(session: Session) -> None:
    session.settings.debug = 0
    lookup.domain(session, "test", cmd="dominfo")
    assert session.out.getvalue() == (  # type: ignore[attr-defined]
        "dominfo: found option <domain>: test\ndominfo: <domain> trying as domain NAME\n"
    )
    session.out = io.StringIO()
    lookup.domain(session, TEST_UUID, cmd="domid")
    assert session.out.getvalue() == (
        f"domid: found option <domain>: {TEST_UUID}\ndomid: <domain> trying as domain UUID\n"
    )
    session.out = io.StringIO()
    lookup.domain(session, "1")  # virshLookupDomainBy: no option line, "unknown"
    assert session.out.getvalue() == "unknown: <domain> looks like ID\n"


def test_debug_lines_hidden_by_default(session: Session) -> None:
    lookup.domain(session, "test", cmd="dominfo")
    assert session.out.getvalue() == ""  # type: ignore[attr-defined]


def test_domain_state(session: Session) -> None:
    dom = lookup.domain(session, "test")
    # test:///default starts "test" with no reason: virsh shows "running (unknown)".
    assert lookup.domain_state(session, dom) == (libvirt.VIR_DOMAIN_RUNNING, 0)


def test_domain_state_falls_back_to_info_and_remembers() -> None:
    s = session_with(None)
    dom = Fake(state=lv_error(libvirt.VIR_ERR_NO_SUPPORT), info=[3, 0, 0, 1, 0])
    assert lookup.domain_state(s, dom) == (3, -1)
    assert lookup.domain_state(s, dom) == (3, -1)
    assert len(dom.called("state")) == 1  # not asked again on this connection
    assert len(dom.called("info")) == 2


def test_domain_state_other_errors_propagate() -> None:
    s = session_with(None)
    dom = Fake(state=lv_error(libvirt.VIR_ERR_NO_DOMAIN), info=[1, 0, 0, 1, 0])
    with pytest.raises(libvirt.libvirtError):
        lookup.domain_state(s, dom)
    assert not dom.called("info")


def test_completers(node: Session) -> None:
    running = lookup.complete_domain_names(node, libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
    assert "web" in running and "saved" not in running
    shutoff = lookup.complete_domain_names(node, libvirt.VIR_CONNECT_LIST_DOMAINS_SHUTOFF)
    assert "saved" in shutoff and "web" not in shutoff
    uuids = lookup.complete_domain_uuids(node, 0)
    assert "00000000-0000-4000-8000-000000000001" in uuids
    assert len(uuids) == len(lookup.complete_domain_names(node, 0))


def test_completers_without_connection() -> None:
    s = session_with(None)
    assert lookup.complete_domain_names(s) == []
    assert lookup.complete_domain_uuids(s) == []
    dead = Fake(isAlive=0, listAllDomains=[])
    assert lookup.complete_domain_names(session_with(dead)) == []
    failing = Fake(isAlive=1, listAllDomains=lv_error(libvirt.VIR_ERR_RPC))
    assert lookup.complete_domain_names(session_with(failing)) == []
