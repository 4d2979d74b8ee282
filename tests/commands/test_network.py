"""vsh.commands.network: --json output and the lease ordering (virsh-network.c)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import libvirt

from tests.conformance.harness import run_vsh
from vsh.commands.network import leases_data

DEFAULT = "test:///default"


def test_net_list_json() -> None:
    out = run_vsh(["-c", DEFAULT, "net-list --all --json"])
    assert out.status == 0 and out.err == ""
    assert json.loads(out.out) == [
        {
            "name": "default",
            "uuid": "dd8fe884-6c02-601e-7551-cca97df1c5df",
            "active": True,
            "autostart": False,
            "persistent": True,
        }
    ]
    assert json.loads(run_vsh(["-c", DEFAULT, "net-list --inactive --json"]).out) == []


def test_net_info_json() -> None:
    out = run_vsh(["-c", DEFAULT, "net-info default --json"])
    assert json.loads(out.out) == {
        "name": "default",
        "uuid": "dd8fe884-6c02-601e-7551-cca97df1c5df",
        "active": True,
        "persistent": True,
        "autostart": False,
        "bridge": "virbr0",
    }


def test_json_hidden_from_help() -> None:
    assert "--json" not in run_vsh(["-c", DEFAULT, "net-list --help"]).out


def test_leases_sorted_by_mac_ignoring_case() -> None:
    v4 = libvirt.VIR_IP_ADDR_TYPE_IPV4
    leases = [
        {
            "expirytime": 5,
            "mac": "BB:00:00:00:00:01",
            "type": v4,
            "ipaddr": "10.0.0.2",
            "prefix": 24,
            "hostname": None,
            "clientid": None,
            "iface": "virbr0",
            "iaid": None,
        },
        {
            "expirytime": 7,
            "mac": "aa:00:00:00:00:01",
            "type": 1,
            "ipaddr": "fe80::1",
            "prefix": 64,
            "hostname": "h",
            "clientid": "c",
            "iface": "virbr0",
            "iaid": None,
        },
    ]
    rows = leases_data(leases)
    assert [r["mac"] for r in rows] == ["aa:00:00:00:00:01", "BB:00:00:00:00:01"]
    assert rows[0]["protocol"] == "ipv6" and rows[1]["protocol"] == "ipv4"
    assert rows[1] == {
        "expiry_time": 5,
        "mac": "BB:00:00:00:00:01",
        "protocol": "ipv4",
        "ip_address": "10.0.0.2",
        "prefix": 24,
        "hostname": None,
        "client_id": None,
    }


# ---------------------------------------------------------------------------
# ports, net-event and net-update through stand-ins (the test driver has no
# ports and cannot raise an event while virsh waits)


def _port(uuid: str, **more: object) -> Any:
    from tests.commands.fakes import Fake

    return Fake(UUIDString=uuid, **more)


def _session_with_net(**net_methods: object) -> tuple[Any, Any]:
    from tests.commands.fakes import Fake, session_with

    net = Fake(name="n1", **net_methods)
    conn = Fake(networkLookupByName=net)
    return session_with(conn), net


def test_port_list_sorted_by_uuid_in_every_form() -> None:
    from tests.commands.fakes import output, run_script

    first, second = "0a000000-0000-0000-0000-0000000000ff", "b0000000-0000-0000-0000-000000000000"
    for line, expected in (
        ("net-port-list n1 --uuid", f"{first}\n{second}\n\n"),
        ("net-port-list n1 --json", json.dumps([{"uuid": first}, {"uuid": second}], indent=2)),
        ("net-port-list n1", f" UUID\n{'-' * 39}\n {first}\n {second}\n\n"),
    ):
        s, _net = _session_with_net(listAllPorts=[_port(second), _port(first)])
        assert run_script(s, line)
        out, err = output(s)
        if "--json" in line:
            assert json.loads(out) == json.loads(expected)
        else:
            assert out == expected
        assert err == ""


def test_port_delete_failure_keeps_status_zero() -> None:
    """virsh's cmdNetworkPortDelete starts with ret = true and never clears it."""
    from tests.commands.fakes import lv_error, output, run_script

    port = _port("5d1b9a0e-7f3c-4e62-8a15-0c9e2f4b6a71", delete=lv_error(1, "busy"))
    s, _net = _session_with_net(portLookupByUUIDString=port)
    assert run_script(s, "net-port-delete n1 5d1b9a0e-7f3c-4e62-8a15-0c9e2f4b6a71")
    out, err = output(s)
    assert err == "error: Failed to delete network port 5d1b9a0e-7f3c-4e62-8a15-0c9e2f4b6a71\n"
    assert out == "\n"


def test_port_create_reports_the_new_uuid(tmp_path: Path) -> None:
    from tests.commands.fakes import output, run_script

    xml = tmp_path / "port.xml"
    xml.write_text("<networkport/>")
    created = _port("5d1b9a0e-7f3c-4e62-8a15-0c9e2f4b6a71")
    s, net = _session_with_net(portCreateXML=created)
    assert run_script(s, f"net-port-create n1 {xml} --validate")
    assert (
        output(s)[0] == f"Network port 5d1b9a0e-7f3c-4e62-8a15-0c9e2f4b6a71 created from {xml}\n\n"
    )
    assert net.called("portCreateXML") == [
        ("<networkport/>", libvirt.VIR_NETWORK_PORT_CREATE_VALIDATE)
    ]


def test_net_event_lines() -> None:
    """One-shot: the first lifecycle event ends the wait; its words are virsh's."""
    from tests.commands.fakes import Fake, output, run_script, session_with

    net = Fake(name="n1")

    def register(filtered: object, event_id: int, callback: Any, opaque: object) -> int:
        assert filtered is None and event_id == libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE
        callback(None, net, libvirt.VIR_NETWORK_EVENT_STOPPED, 0, opaque)
        callback(None, net, libvirt.VIR_NETWORK_EVENT_STARTED, 0, opaque)
        return 7

    conn = Fake(networkEventRegisterAny=register, networkEventDeregisterAny=0)
    s = session_with(conn)
    assert run_script(s, "net-event --event lifecycle --timeout 5")
    out, err = output(s)
    assert out == "event 'lifecycle' for network n1: Stopped\nevents received: 1\n\n"
    assert err == ""
    assert conn.called("networkEventDeregisterAny") == [(7,)]


def test_net_update_arguments() -> None:
    """The command and section words become libvirt's numbers; "add" is add-last."""
    from tests.commands.fakes import output, run_script

    s, net = _session_with_net(update=0, isActive=0)
    assert run_script(s, "net-update n1 add dns-srv '<srv/>' --parent-index 2")
    assert run_script(s, "net-update n1 modify ip-dhcp-range '<range/>' --live")
    assert net.called("update") == [
        (
            libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
            libvirt.VIR_NETWORK_SECTION_DNS_SRV,
            2,
            "<srv/>",
            libvirt.VIR_NETWORK_UPDATE_AFFECT_CURRENT,
        ),
        (
            libvirt.VIR_NETWORK_UPDATE_COMMAND_MODIFY,
            libvirt.VIR_NETWORK_SECTION_IP_DHCP_RANGE,
            -1,
            "<range/>",
            libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE,
        ),
    ]
    # no newline after virsh's report: the blank line is the shell's
    assert output(s)[0] == "Updated network n1 persistent config\nUpdated network n1 live state\n"


def test_xml_that_is_not_utf8(tmp_path: Path) -> None:
    """libvirt's checks before its parse still speak first; then the parse error
    is the one the real bytes get (Python cannot send them)."""
    from tests.commands.fakes import lv_error, output, run_script

    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<host name='\xff'/>\n")

    def parse_fails(*args: object) -> None:
        raise lv_error(libvirt.VIR_ERR_XML_DETAIL, "network_update_xml:1: StartTag")

    s, net = _session_with_net(update=parse_fails, isActive=1)
    assert not run_script(s, f"net-update n1 add ip-dhcp-host {bad}")
    assert net.called("update")[0][3] == "<"  # never the text itself
    err = output(s)[1]
    assert err.startswith(
        "error: Failed to update network n1\n"
        "error: network_update_xml:1: Input is not proper UTF-8, indicate encoding !\n"
        "Bytes: 0xFF 0x27 0x2F 0x3E\n"
    )
    s, _net = _session_with_net(
        portCreateXML=lv_error(libvirt.VIR_ERR_NO_SUPPORT, "this function is not supported")
    )
    assert not run_script(s, f"net-port-create n1 {bad}")
    assert output(s)[1] == (
        f"error: Failed to create network from {bad}\nerror: this function is not supported\n"
    )
