"""vsh.completion.providers: live names as plain strings, never printing, never connecting."""

from __future__ import annotations

import gc

import libvirt
import pytest

from tests.completion.conftest import ODD_SNAPSHOTS, run
from vsh.completion import providers
from vsh.completion.providers import checkpoint_names, comma_list, snapshot_names
from vsh.session import Session, Settings


def test_snapshot_names_of_the_domain_given(snap_session: Session) -> None:
    assert sorted(snapshot_names(snap_session, 0, {"domain": "dom0"})) == sorted(ODD_SNAPSHOTS)


def test_snapshot_names_are_plain_strings(snap_session: Session) -> None:
    names = snapshot_names(snap_session, 0, {"domain": "dom0"})
    assert all(type(n) is str for n in names)


def test_domain_by_id_uuid_or_name(session: Session) -> None:
    run(session, "snapshot-create-as test s1")
    uuid = session.conn.lookupByName("test").UUIDString()
    for ref in ("test", "1", uuid):
        assert snapshot_names(session, 0, {"domain": ref}) == ["s1"]


def test_nothing_without_a_domain_or_connection(session: Session) -> None:
    assert snapshot_names(session, 0, {}) == []
    assert snapshot_names(session, 0, {"domain": ""}) == []
    assert snapshot_names(session, 0, {"domain": None}) == []
    assert snapshot_names(session, 0, None) == []
    offline = Session(Settings(uri="test:///default"))
    assert snapshot_names(offline, 0, {"domain": "test"}) == []
    assert offline.connection.current is None  # providers never connect
    assert providers.network_names(offline) == []


def test_an_unknown_domain_is_silent_unless_asked(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    assert snapshot_names(session, 0, {"domain": "nosuch"}) == []
    assert capsys.readouterr() == ("", "")
    seen: list[str] = []
    token = providers.lookup_errors.set(seen.append)
    try:
        assert checkpoint_names(session, 0, {"domain": "nosuch"}) == []
    finally:
        providers.lookup_errors.reset(token)
    assert seen == ["failed to get domain 'nosuch'"]


def test_checkpoint_names_of_a_domain_without_any(session: Session) -> None:
    assert checkpoint_names(session, 0, {"domain": "test"}) == []


def test_other_object_names(session: Session) -> None:
    assert providers.network_names(session) == ["default"]
    assert providers.pool_names(session) == ["default-pool"]
    assert providers.interface_names(session) == ["eth1"]
    assert "computer" in providers.nodedev_names(session)
    assert providers.volume_names(session, 0, {"pool": "default-pool"}) == []
    assert providers.volume_names(session, 0, {"pool": "nosuch"}) == []
    assert providers.secret_uuids(session) == []


def test_no_libvirt_object_outlives_a_call(snap_session: Session) -> None:
    """Plain strings only: a live virDomainSnapshot would pin the test driver's state."""
    gc.collect()
    before = sum(
        isinstance(o, libvirt.virDomainSnapshot | libvirt.virDomain) for o in gc.get_objects()
    )
    snapshot_names(snap_session, 0, {"domain": "dom0"})
    gc.collect()
    after = sum(
        isinstance(o, libvirt.virDomainSnapshot | libvirt.virDomain) for o in gc.get_objects()
    )
    assert after == before


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (None, ["a", "b", "c"]),
        ("", ["a", "b", "c"]),
        (" ", ["a", "b", "c"]),
        ("b", ["a", "b", "c"]),
        ("a,", ["a,b", "a,c"]),
        ("a,c,", ["a,c,b"]),
        ("a,c,x", ["a,c,b"]),
    ],
)
def test_comma_list(typed: str | None, expected: list[str]) -> None:
    """virshCommaStringListComplete."""
    assert comma_list(typed, ["a", "b", "c"]) == expected
