"""vsh.commands.interface and the MAC test of vsh.virt.lookup (virMacAddrParse)."""

from __future__ import annotations

import json

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from tests.conformance.harness import run_vsh
from vsh.commands.interface import bridge_xml, unbridge_xml
from vsh.core.errors import VshError
from vsh.virt.lookup import is_mac


def test_is_mac() -> None:
    assert is_mac("aa:bb:cc:dd:ee:ff")
    assert is_mac("0:1:2:3:4:5")
    assert is_mac("AA:BB:CC:DD:EE:FF ")  # anything <= ' ' may follow
    assert not is_mac("aa:bb:cc:dd:ee")
    assert not is_mac("aa:bb:cc:dd:ee:ff:00")
    assert not is_mac("aaa:bb:cc:dd:ee:ff")
    assert not is_mac(" aa:bb:cc:dd:ee:ff")
    assert not is_mac("eth1")
    assert not is_mac("")


def test_iface_list_json() -> None:
    out = run_vsh(["-c", "test:///default", "iface-list --all --json"])
    assert out.status == 0
    assert json.loads(out.out) == [{"name": "eth1", "active": True, "mac": "aa:bb:cc:dd:ee:ff"}]


# iface-bridge / iface-unbridge documents, derived from cmdInterfaceBridge and
# cmdInterfaceUnbridge (tools/virsh-interface.c): compared canonically.

ETH0 = (
    "<interface type='ethernet' name='eth0'><start mode='onboot'/>"
    "<mac address='52:54:00:00:00:01'/><protocol family='ipv4'><dhcp/></protocol>"
    "<vlan tag='42'/></interface>"
)
BR0 = (
    "<interface type='bridge' name='br0'><start mode='onboot'/>"
    "<protocol family='ipv4'><dhcp/></protocol>"
    "<bridge stp='on' delay='7'><interface type='ethernet' name='eth0'>"
    "<mac address='52:54:00:00:00:01'/><vlan tag='42'/></interface></bridge></interface>"
)


def _c14n(xml: str) -> str:
    from xml.etree.ElementTree import canonicalize

    return canonicalize(xml.split("?>", 1)[-1] if xml.startswith("<?xml") else xml)


def test_bridge_xml_moves_mac_bond_vlan_down() -> None:
    assert _c14n(bridge_xml(ETH0, "eth0", "br0", True, 7)) == _c14n(BR0)


def test_bridge_xml_no_stp_has_no_delay() -> None:
    out = _c14n(bridge_xml(ETH0, "eth0", "br0", False, 7))
    assert '<bridge stp="off">' in out


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<interface name='eth0'/>", "Existing device eth0 has no type"),
        ("<interface type='bridge' name='eth0'/>", "Existing device eth0 is already a bridge"),
        (
            "<interface type='ethernet' name='eth9'/>",
            "Interface name from config eth9 doesn't match given supplied name eth0",
        ),
        (
            "<interface type='ethernet'/>",
            "Interface name from config (null) doesn't match given supplied name eth0",
        ),
        ("<interface", "Failed to parse configuration of eth0"),
    ],
)
def test_bridge_xml_refusals(xml: str, message: str) -> None:
    with pytest.raises(VshError) as info:
        bridge_xml(xml, "eth0", "br0", True, 0)
    assert info.value.messages[0] == message


def test_unbridge_xml_is_bridge_xml_undone() -> None:
    xml, name = unbridge_xml(BR0, "br0")
    assert name == "eth0"
    # the attached interface's children move up, after the bridge's own; the
    # emptied <bridge> stays (virsh does not remove it)
    expected = (
        "<interface type='ethernet' name='eth0'><start mode='onboot'/>"
        "<protocol family='ipv4'><dhcp/></protocol>"
        "<bridge stp='on' delay='7'><interface type='ethernet' name='eth0'/></bridge>"
        "<mac address='52:54:00:00:00:01'/><vlan tag='42'/></interface>"
    )
    assert _c14n(xml) == _c14n(expected)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<interface name='br0'/>", "Existing device br0 has no type"),
        ("<interface type='ethernet' name='br0'/>", "Device br0 is not a bridge"),
        ("<interface type='bridge' name='br0'/>", "No bridge node in xml document"),
        (
            "<interface type='bridge' name='br0'><bridge/></interface>",
            "No interface attached to bridge",
        ),
        (
            "<interface type='bridge' name='br0'><bridge><interface type='ethernet' name='a'/>"
            "<interface type='ethernet' name='b'/></bridge></interface>",
            "Multiple interfaces attached to bridge",
        ),
        (
            "<interface type='bridge' name='br0'><bridge><interface type='ethernet'/>"
            "</bridge></interface>",
            "Device attached to bridge br0 has no name",
        ),
        (
            "<interface type='bridge' name='br0'><bridge><interface name='a'/>"
            "</bridge></interface>",
            "Attached device a has no type",
        ),
    ],
)
def test_unbridge_xml_refusals(xml: str, message: str) -> None:
    with pytest.raises(VshError) as info:
        unbridge_xml(xml, "br0")
    assert info.value.messages[0] == message


def _bridged_conn(defined: list[str]) -> Fake:
    eth0 = Fake(XMLDesc=ETH0, name="eth0", MACString="52:54:00:00:00:01")
    br = Fake(create=0, name="br0")

    def lookup_by_name(name: str) -> Fake:
        if name == "eth0":
            return eth0
        raise lv_error(libvirt.VIR_ERR_NO_INTERFACE, f"no interface named '{name}'")

    def define(xml: str, _flags: int) -> Fake:
        defined.append(xml)
        return br

    return Fake(interfaceLookupByName=lookup_by_name, interfaceDefineXML=define)


def test_iface_bridge_defines_and_starts() -> None:
    defined: list[str] = []
    conn = _bridged_conn(defined)
    s = session_with(conn)
    assert run_script(s, "iface-bridge eth0 br0 --delay 7")
    assert _c14n(defined[0]) == _c14n(BR0)
    assert output(s) == (
        "Created bridge br0 with attached device eth0\nBridge interface br0 started\n\n",
        "",
    )
    assert conn.calls[-1][0] == "interfaceDefineXML"


def test_iface_bridge_no_start() -> None:
    defined: list[str] = []
    s = session_with(_bridged_conn(defined))
    assert run_script(s, "iface-bridge eth0 br0 --no-start --no-stp")
    assert output(s) == ("Created bridge br0 with attached device eth0\n\n", "")
    assert "stp='off'" in defined[0].replace('"', "'")


def test_iface_unbridge_destroys_undefines_then_defines() -> None:
    order: list[str] = []
    eth0 = Fake(create=lambda _f: order.append("create eth0"), name="eth0")
    br = Fake(
        XMLDesc=BR0,
        name="br0",
        destroy=lambda _f: order.append("destroy br0"),
        undefine=lambda: order.append("undefine br0"),
    )

    def define(xml: str, _flags: int) -> Fake:
        order.append("define " + unbridge_xml(BR0, "br0")[1])
        assert _c14n(xml) == _c14n(unbridge_xml(BR0, "br0")[0])
        return eth0

    conn = Fake(interfaceLookupByName=lambda n: br, interfaceDefineXML=define)
    s = session_with(conn)
    assert run_script(s, "iface-unbridge br0")
    assert order == ["destroy br0", "undefine br0", "define eth0", "create eth0"]
    assert output(s) == (
        "Device eth0 un-attached from bridge br0\nInterface eth0 started\n\n",
        "",
    )


def test_iface_destroy_fails_after_destroying() -> None:
    """virsh 9.0's cmdInterfaceDestroy returns false even when the call worked."""
    out = run_vsh(["-c", "test:///default", "iface-destroy eth1; iface-list --all --json"])
    assert out.status == 0
    assert out.out.startswith("Interface eth1 destroyed\n")
    assert json.loads(out.out.split("\n\n", 1)[1])[0]["active"] is False
    alone = run_vsh(["-c", "test:///default", "iface-destroy eth1"])
    assert (alone.status, alone.err) == (1, "")


def test_iface_bridge_success_leaves_no_error_behind() -> None:
    """The failed look-up of the new name is no error once the bridge exists."""
    s = session_with(_bridged_conn([]))
    assert run_script(s, "iface-bridge eth0 br0 --no-start")
    assert s.last_error is None


def test_iface_bridge_refusal_shows_the_lookup_error() -> None:
    """virsh keeps the failed look-up of the new name as its last error."""
    s = session_with(_bridged_conn([]))
    assert not run_script(s, "iface-bridge eth0 br0 --delay x")
    assert output(s)[1] == (
        "error: Numeric value 'x' for <delay> option is malformed or out of range\n"
        "error: no interface named 'br0'\n"
    )
