"""vsh.commands.network: --json output and the lease ordering (virsh-network.c)."""

from __future__ import annotations

import json

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
