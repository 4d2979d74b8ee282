"""Differential tests: interface, node device, secret and nwfilter commands
against virsh 9.0 (iface-list, iface-dumpxml, nodedev-list, nodedev-dumpxml,
secret-list, secret-dumpxml, nwfilter-list, nwfilter-dumpxml).

The test driver has no secrets or network filters: those commands are
checked on their error paths (virsh's fallbacks and messages).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"
NODE = "test://" + str(
    Path(__file__).resolve().parents[1] / "fixtures" / "testnode" / "testnode.xml"
)

COMMANDS = [
    *("iface-list", "iface-dumpxml", "nodedev-list", "nodedev-dumpxml"),
    *("secret-list", "secret-dumpxml", "nwfilter-list", "nwfilter-dumpxml"),
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


@pytest.mark.parametrize("uri", [DEFAULT, NODE])
@pytest.mark.parametrize(
    "script",
    [
        "iface-list",
        "iface-list --all",
        "iface-list --inactive",
        "nodedev-list",
        "nodedev-list --all",
        "nodedev-list --tree --all",
        "nodedev-list --all --cap pci",
        "nodedev-list --all --cap scsi_host,system",
        "secret-list",
        "nwfilter-list",
    ],
)
def test_lists(uri: str, script: str) -> None:
    assert_same(["-c", uri, script])


@pytest.mark.parametrize(
    "script",
    [
        "iface-list --all --inactive",
        "iface-dumpxml eth1",
        "iface-dumpxml aa:bb:cc:dd:ee:ff",
        "iface-dumpxml --inactive eth1 --xpath //mac/@address",
        "iface-dumpxml eth1 --xpath //mac --wrap",
        "iface-dumpxml eth1 --xpath ''",
        "iface-dumpxml nope",
        "iface-dumpxml 00:11:22:33:44:55",
        "iface-dumpxml ''",
        "nodedev-list --tree",
        "nodedev-list --inactive",
        "nodedev-list --all --inactive",
        "nodedev-list --tree --inactive",
        "nodedev-list --tree --cap pci",
        "nodedev-list --cap bogus",
        "nodedev-list --all --cap ''",
        "nodedev-dumpxml computer",
        "nodedev-dumpxml scsi_host1 --xpath //name --wrap",
        "nodedev-dumpxml computer --xpath ''",
        "nodedev-dumpxml nope",
        "nodedev-dumpxml a,b",
        "nodedev-dumpxml a,b,c",
        "nodedev-dumpxml 0x1234567890abcdef,1234567890abcdef",
        "nodedev-dumpxml ''",
        "secret-list --ephemeral",
        "secret-list --no-private --no-ephemeral",
        "secret-dumpxml x",
        "secret-dumpxml 6695eb01-f6a4-8304-79aa-97f2502e193f",
        "secret-dumpxml ''",
        "nwfilter-dumpxml x",
        "nwfilter-dumpxml 6695eb01-f6a4-8304-79aa-97f2502e193f --xpath //x",
    ],
)
def test_single(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize("flag", ["-q", "-r"])
def test_quiet_and_readonly(flag: str) -> None:
    assert_same([flag, "-c", DEFAULT, "iface-list --all; nodedev-list --tree --all; secret-list"])


@pytest.mark.parametrize(
    "script",
    [
        "nwfilter-list --bogus",
        "nwfilter-dumpxml ''",
        "nwfilter-dumpxml x --xpath ''",
        "nwfilter-dumpxml x --wrap",
        "secret-dumpxml x --xpath //x",
        "secret-list --private --no-private",
        "secret-list --bogus",
        "iface-list --bogus",
        "nodedev-dumpxml test-scsi-host-vport --inactive",
        "nodedev-dumpxml scsi_host1 --inactive",
    ],
)
def test_more_single(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize(
    "script",
    [
        "nwfilter-dumpxml clean-traffic",
        "secret-list --ephemeral --no-ephemeral",
        "nodedev-dumpxml nosuch",
    ],
)
def test_more_testnode(script: str) -> None:
    assert_same(["-c", NODE, script])


def test_more_readonly() -> None:
    assert_same(["-r", "-c", DEFAULT, "nwfilter-dumpxml x; secret-dumpxml x; iface-dumpxml eth1"])
