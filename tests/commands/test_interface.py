"""vsh.commands.interface and the MAC test of vsh.virt.lookup (virMacAddrParse)."""

from __future__ import annotations

import json

from tests.conformance.harness import run_vsh
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
