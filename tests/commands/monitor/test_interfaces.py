"""vsh.commands.monitor.interfaces: domiflist, domifstat, domif-getlink and
domifaddr, with fakes for paths the test driver cannot reach, and their
``--json`` schemas.

Expected texts follow virsh-domain-monitor.c's rules; differential tests
against /usr/bin/virsh are in tests/conformance/test_monitor_conformance.py.
"""

from __future__ import annotations

import json
from typing import Any

import libvirt
import pytest

from tests.commands.fakes import Fake, output, run_script, session_with
from tests.conformance.harness import run_vsh
from vsh.commands.monitor import interfaces

DEFAULT = "test:///default"


def _session(xml: str, **dom_methods: Any) -> Any:
    dom = Fake(name="d", ID=1, XMLDesc=xml, **dom_methods)
    conn = Fake(lookupByID=dom, lookupByName=dom)
    return session_with(conn)


def _json(*script: str) -> Any:
    result = run_vsh(["-c", DEFAULT, *script])
    assert result.status == 0, result.err
    return json.loads(result.out)


@pytest.mark.parametrize(
    ("text", "mac"),
    [
        ("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"),
        ("a:b:c:d:e:f", "0a:0b:0c:0d:0e:0f"),
        ("vnet0", ""),
        ("aa:bb:cc:dd:ee", ""),
    ],
)
def test_mac_normal(text: str, mac: str) -> None:
    assert interfaces._mac_normal(text) == mac


def test_domiflist_missing_type() -> None:
    s = _session("<domain><devices><interface/></devices></domain>")
    assert not run_script(s, "domiflist d")
    assert output(s)[1] == "error: internal error: Incorrect number of cells in a table row\n"


def test_domif_getlink_multiple_and_state() -> None:
    xml = """<domain><devices>
<interface type='network'><target dev='v0'/><link state='down'/></interface>
<interface type='network'><mac address='aa:bb:cc:dd:ee:ff'/><target dev='v1'/></interface>
<interface type='network'><mac address='aa:bb:cc:dd:ee:ff'/></interface>
</devices></domain>"""
    s = _session(xml)
    assert run_script(s, "domif-getlink d v0")
    # cmdDomIfGetLink prints "%s %s" with no newline; the runner's "\n" ends
    # it (virsh -c test:///default domif-getlink test testnet0: "testnet0 up\n").
    assert output(s) == ("v0 down\n", "")
    s = _session(xml)
    assert not run_script(s, "domif-getlink d AA:BB:CC:DD:EE:FF")
    assert output(s)[1] == "error: multiple matching interfaces found\n"


def test_domifaddr_layout() -> None:
    v4, v6 = libvirt.VIR_IP_ADDR_TYPE_IPV4, libvirt.VIR_IP_ADDR_TYPE_IPV6
    addrs = {
        "eth0": {
            "hwaddr": "52:54:00:00:00:01",
            "addrs": [
                {"type": v4, "addr": "10.0.0.2", "prefix": 8},
                {"type": v6, "addr": "fe80::1", "prefix": 64},
            ],
        },
        "lo": {"hwaddr": None, "addrs": []},
    }
    rows = [
        " eth0       52:54:00:00:00:01    ipv4         10.0.0.2/8\n",
        " -          -                    ipv6         fe80::1/64\n",
        " lo         N/A                  N/A          N/A\n",
    ]
    s = _session("<domain/>", interfaceAddresses=addrs)
    assert run_script(s, "domifaddr d")
    assert "".join(rows) in output(s)[0]
    s = _session("<domain/>", interfaceAddresses=addrs)
    assert run_script(s, "domifaddr d --full --json")
    assert json.loads(output(s)[0])[0]["addresses"][1] == {
        "protocol": "ipv6",
        "address": "fe80::1",
        "prefix": 64,
    }
    s = _session("<domain/>", interfaceAddresses=addrs)
    assert run_script(s, "domifaddr d --full")
    assert " eth0       52:54:00:00:00:01    ipv6         fe80::1/64\n" in output(s)[0]


def test_json_schemas() -> None:
    assert _json("domiflist test --json") == [
        {
            "interface": "testnet0",
            "type": "network",
            "source": "default",
            "model": None,
            "mac": "aa:bb:cc:dd:ee:ff",
        }
    ]
    ifstat = _json("domifstat test testnet0 --json")
    assert list(ifstat) == ["interface", *interfaces._IFSTAT_FIELDS]
    assert _json("domifaddr test --json") == [
        {
            "name": "testnet0",
            "mac": "aa:bb:cc:dd:ee:ff",
            "addresses": [{"protocol": "ipv4", "address": "192.168.122.3", "prefix": 24}],
        }
    ]
    assert _json("domif-getlink test testnet0 --json") == {
        "interface": "testnet0",
        "state": "up",
    }


def test_json_hidden_from_help() -> None:
    for name in ("domiflist", "domifstat", "domif-getlink", "domifaddr"):
        assert "--json" not in run_vsh(["-c", DEFAULT, "help", name]).out
