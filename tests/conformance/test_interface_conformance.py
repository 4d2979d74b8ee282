"""Differential tests: the host interface commands against virsh 9.0 (the ones
tests/conformance/test_misc_conformance.py does not cover: iface-define,
iface-undefine, iface-start, iface-destroy, iface-edit, iface-mac, iface-name,
iface-bridge, iface-unbridge, iface-begin, iface-commit, iface-rollback).

test:///default has one active interface, eth1 (aa:bb:cc:dd:ee:ff).  Its
driver refuses VIR_INTERFACE_XML_INACTIVE, so iface-edit, iface-bridge and
iface-unbridge end at that call there; their XML work is unit-tested in
tests/commands/test_interface.py.  Scenarios that change state are one
script word (one connection).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"

COMMANDS = [
    *("iface-begin", "iface-bridge", "iface-commit", "iface-define", "iface-destroy"),
    *("iface-edit", "iface-mac", "iface-name", "iface-rollback", "iface-start"),
    *("iface-unbridge", "iface-undefine"),
]

ETH2 = """<interface type='ethernet' name='eth2'>
  <start mode='onboot'/>
  <mac address='aa:bb:cc:dd:ee:01'/>
  <protocol family='ipv4'>
    <ip address='192.168.0.6' prefix='24'/>
  </protocol>
</interface>
"""


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


def test_help_group() -> None:
    assert_same(["-c", DEFAULT, "help interface"])


@pytest.mark.parametrize(
    "script",
    [
        "iface-mac eth1",
        "iface-mac aa:bb:cc:dd:ee:ff",  # by name only: a MAC is not looked up
        "iface-mac nope",
        "iface-mac ''",
        "iface-name aa:bb:cc:dd:ee:ff",
        "iface-name AA:BB:CC:DD:EE:FF",
        "iface-name eth1",  # by MAC only
        "iface-name 00:11:22:33:44:55",
        "iface-name",
        "iface-start eth1",
        "iface-start nope",
        "iface-destroy eth1",  # virsh 9.0 fails after "destroyed"
        "iface-destroy eth1; iface-list --all; iface-start eth1; iface-list",
        "iface-destroy aa:bb:cc:dd:ee:ff; iface-destroy eth1",
        "iface-undefine eth1; iface-list --all",
        "iface-undefine aa:bb:cc:dd:ee:ff; iface-undefine eth1",
        "iface-undefine ''",
        "iface-begin; iface-begin",
        "iface-commit",
        "iface-rollback",
        "iface-begin; iface-undefine eth1; iface-rollback; iface-list --all",
        "iface-begin; iface-undefine eth1; iface-commit; iface-list --all; iface-rollback",
        "iface-begin --x",
        "iface-commit extra",
        "-q iface-begin",
    ],
)
def test_scenarios(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize(
    "script",
    [
        "iface-bridge eth1 br0",
        "iface-bridge eth1 br0 --no-stp --delay 5 --no-start",
        "iface-bridge eth1 br0 --delay -1",  # the look-up of br0 left its error behind
        "iface-bridge eth1 br0 --delay abc",
        "iface-bridge eth1 eth1",
        "iface-bridge eth1 ''",
        "iface-bridge aa:bb:cc:dd:ee:ff br0",
        "iface-bridge nope br0",
        "iface-bridge eth1",
        "iface-unbridge eth1",
        "iface-unbridge eth1 --no-start",
        "iface-unbridge aa:bb:cc:dd:ee:ff",
        "iface-unbridge ''",
        "iface-unbridge",
    ],
)
def test_bridge(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize(
    "script",
    [
        "iface-define eth2.xml; iface-list --all; iface-name aa:bb:cc:dd:ee:01; iface-mac eth2",
        "iface-define eth2.xml --validate; iface-start eth2; iface-list",
        "iface-define eth2.xml; iface-undefine aa:bb:cc:dd:ee:01; iface-list --all",
        "iface-define eth2.xml; iface-define eth2.xml",
        "iface-define bad.xml",
        "iface-define missing.xml",
        "iface-define ''",
        "-q iface-define eth2.xml",
    ],
)
def test_define(script: str, tmp_path: Path) -> None:
    (tmp_path / "eth2.xml").write_text(ETH2)
    (tmp_path / "bad.xml").write_text("<interface")
    assert_same(["-c", DEFAULT, script], cwd=str(tmp_path))


@pytest.mark.parametrize("editor", ["true", "false"])
@pytest.mark.parametrize("target", ["eth1", "aa:bb:cc:dd:ee:ff", "nope"])
def test_edit(editor: str, target: str) -> None:
    """The test driver refuses the inactive XML: the edit ends there."""
    assert_same(["-c", DEFAULT, f"iface-edit {target}"], env={"EDITOR": editor})
