"""vsh.completion.providers: live names as plain strings, never printing, never connecting."""

from __future__ import annotations

import gc
from collections.abc import Callable

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, session_with
from tests.completion.conftest import ODD_SNAPSHOTS, run
from vsh.commands.domain.resources import complete_host_cpus, complete_vcpus
from vsh.completion import providers
from vsh.completion.providers import checkpoint_names, comma_list, snapshot_names
from vsh.core.session import Session, Settings


def test_snapshot_names_of_the_domain_given(snap_session: Session) -> None:
    assert sorted(snapshot_names(snap_session, 0, {"domain": "dom0"})) == sorted(ODD_SNAPSHOTS)


def test_snapshot_names_are_plain_strings(snap_session: Session) -> None:
    names = snapshot_names(snap_session, 0, {"domain": "dom0"})
    assert len(names) == len(ODD_SNAPSHOTS)  # an empty list would prove nothing
    assert [type(n) for n in names] == [str] * len(ODD_SNAPSHOTS)


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
    assert providers.interface_macs(session) == ["aa:bb:cc:dd:ee:ff"]
    assert "computer" in providers.nodedev_names(session)
    assert providers.volume_names(session, 0, {"pool": "default-pool"}) == []
    assert providers.volume_names(session, 0, {"pool": "nosuch"}) == []
    assert providers.secret_uuids(session) == []
    assert providers.nwfilter_binding_portdevs(session) == []  # the driver has none


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


# ---------------------------------------------------------------------------
# net-dhcp-leases --mac (virshNetworkDhcpMacCompleter); the test driver has no
# leases, so the network is a stand-in.

UUID = "00000000-0000-4000-8000-000000000042"
LEASES = [{"mac": "52:54:00:00:00:02", "ipaddr": "192.0.2.2"}, {"mac": "52:54:00:00:00:01"}]


def _lease_session(net: Fake, **conn: object) -> Session:
    methods = {"networkLookupByName": net, "networkLookupByUUIDString": net, **conn}
    return session_with(Fake(**methods))


def test_dhcp_lease_macs_in_server_order() -> None:
    net = Fake(DHCPLeases=LEASES)
    s = _lease_session(net)
    assert providers.dhcp_lease_macs(s, 0, {"network": "default"}) == [
        "52:54:00:00:00:02",
        "52:54:00:00:00:01",
    ]
    assert net.called("DHCPLeases") == [(None, 0)]  # every lease, the completer's flags


def test_dhcp_lease_macs_look_the_network_up_by_uuid_then_name() -> None:
    missing = lv_error(libvirt.VIR_ERR_NO_NETWORK, "Network not found")
    net = Fake(DHCPLeases=LEASES)
    s = _lease_session(net, networkLookupByUUIDString=missing)
    assert len(providers.dhcp_lease_macs(s, 0, {"network": UUID})) == 2
    conn = s.connection.current
    assert conn.called("networkLookupByUUIDString") == [(UUID,)]
    assert conn.called("networkLookupByName") == [(UUID,)]
    s = _lease_session(net)
    providers.dhcp_lease_macs(s, 0, {"network": "default"})
    assert s.connection.current.called("networkLookupByUUIDString") == []


def _reported(call: Callable[[], list[str]]) -> tuple[list[str], list[str], list[object]]:
    """(result, messages reported, libvirt errors kept) as the complete command sees them."""
    said: list[str] = []
    kept: list[object] = []
    t1 = providers.lookup_errors.set(said.append)
    t2 = providers.kept_errors.set(kept.append)
    try:
        return call(), said, kept
    finally:
        providers.kept_errors.reset(t2)
        providers.lookup_errors.reset(t1)


def test_dhcp_lease_mac_failures_are_virshs() -> None:
    missing = lv_error(libvirt.VIR_ERR_NO_NETWORK, "Network not found")
    s = _lease_session(Fake(), networkLookupByName=missing)
    # Silent in the shell ...
    assert providers.dhcp_lease_macs(s, 0, {"network": "nosuch"}) == []
    assert output(s) == ("", "")
    # ... and for `complete`, virsh's message plus the libvirt error kept.
    got = _reported(lambda: providers.dhcp_lease_macs(s, 0, {"network": "nosuch"}))
    assert got == ([], ["failed to get network 'nosuch'"], [missing])
    unsupported = lv_error(libvirt.VIR_ERR_NO_SUPPORT, "not supported")
    s = _lease_session(Fake(DHCPLeases=unsupported))
    got = _reported(lambda: providers.dhcp_lease_macs(s, 0, {"network": "default"}))
    assert got == ([], [], [unsupported])
    assert providers.dhcp_lease_macs(s, 0, {}) == []
    assert providers.dhcp_lease_macs(session_with(None), 0, {"network": "default"}) == []


# ---------------------------------------------------------------------------
# vcpupin --vcpu / --cpulist (virshDomainVcpuCompleter, virshDomainCpulistCompleter)


def test_vcpu_ids_come_from_the_inactive_maximum(session: Session) -> None:
    run(session, "setvcpus test 1 --config")  # the current count is not what counts
    assert complete_vcpus(session, 0, {"domain": "test"}) == ["0", "1"]
    run(session, "setvcpus test 1 --config --maximum")
    assert complete_vcpus(session, 0, {"domain": "test"}) == ["0"]
    assert complete_vcpus(session, 0, {}) == []
    assert complete_vcpus(session, 0, {"domain": "nosuch"}) == []


def test_vcpu_ids_with_a_domain_xml_failure() -> None:
    broken = lv_error(libvirt.VIR_ERR_INTERNAL_ERROR, "boom")
    s = session_with(Fake(lookupByName=Fake(XMLDesc=broken)))
    got = _reported(lambda: complete_vcpus(s, 0, {"domain": "d"}))
    assert got == ([], ["Failed to get domain description xml"], [broken])
    s = session_with(Fake(lookupByName=Fake(XMLDesc="<domain>")))
    got = _reported(lambda: complete_vcpus(s, 0, {"domain": "d"}))
    assert got == ([], ["Failed to parse domain description xml"], [])
    s = session_with(Fake(lookupByName=Fake(XMLDesc="<domain><vcpu>x</vcpu></domain>")))
    assert _reported(lambda: complete_vcpus(s, 0, {"domain": "d"})) == ([], [], [])


def test_host_cpus_as_a_comma_list(session: Session) -> None:
    every = [str(i) for i in range(8)]  # test:///default's host has 8 CPUs
    assert complete_host_cpus(session, 0, {}) == every
    assert complete_host_cpus(session, 0, {"cpulist": "1,"}) == [
        f"1,{i}" for i in every if i != "1"
    ]
    failing = lv_error(libvirt.VIR_ERR_NO_SUPPORT, "no map")
    s = session_with(Fake(getCPUMap=failing))
    assert _reported(lambda: complete_host_cpus(s, 0, {})) == ([], [], [failing])
    assert complete_host_cpus(session_with(None), 0, {}) == []


def test_vcpupin_values_in_the_shell(session: Session) -> None:
    from vsh.completion.engine import complete

    def shown(line: str) -> list[str]:
        return [c.display for c in complete(session, line)[1]]

    assert shown("vcpupin test --vcpu ") == ["0", "1"]
    assert shown("vcpupin test 1 5,") == [f"5,{i}" for i in (0, 1, 2, 3, 4, 6, 7)]


def test_help_offers_command_names(session: Session) -> None:
    from vsh.commands.builtins import complete_help_command
    from vsh.completion.engine import command_names

    names = complete_help_command(session)
    assert names == command_names()
    assert "snapshot-list" in names and "domain" not in names  # no group keywords


def test_interfaces_by_target_else_mac() -> None:
    xml = (
        "<domain><devices>"
        "<interface type='network'><mac address='52:54:00:00:00:01'/><target dev='vnet0'/>"
        "</interface>"
        "<interface type='user'><mac address='52:54:00:00:00:02'/></interface>"
        "<interface type='user'/>"
        "</devices></domain>"
    )
    s = session_with(Fake(lookupByName=Fake(XMLDesc=xml)))
    assert providers.complete_interfaces(s, 0, {"domain": "d"}) == [
        "vnet0",
        "52:54:00:00:00:02",
    ]
    assert providers.complete_interfaces(s, 0, {}) == []
