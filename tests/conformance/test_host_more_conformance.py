"""Differential tests: node information commands against virsh 9.0.

nodeinfo, capabilities, domcapabilities, sysinfo, freecell, nodememstats,
nodecpustats, maxvcpus, cpu-models on test:///default and testnode.xml.
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
    *("nodeinfo", "capabilities", "domcapabilities", "sysinfo", "freecell"),
    *("nodememstats", "nodecpustats", "maxvcpus", "cpu-models"),
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


@pytest.mark.parametrize("uri", [DEFAULT, NODE])
@pytest.mark.parametrize(
    "script",
    [
        "nodeinfo",
        "capabilities",
        "sysinfo",
        "freecell",
        "freecell --all",
        "freecell --cellno 0",
        "freecell 1",
        "nodecpustats",
        "nodecpustats --cpu 0",
        "nodecpustats 3",
        "maxvcpus",
        "maxvcpus --type test",
        "cpu-models x86_64",
        "cpu-models i686",
    ],
)
def test_node_commands(uri: str, script: str) -> None:
    assert_same(["-c", uri, script])


@pytest.mark.parametrize(
    "script",
    [
        "domcapabilities",
        "domcapabilities --virttype kvm --arch x86_64",
        "domcapabilities test /bin/true i686 pc",
        "domcapabilities --machine ''",
        "freecell --cellno 5",
        "freecell --cellno x",
        "freecell --cellno ''",
        "freecell --all --cellno 1",
        "nodememstats",
        "nodememstats --cell 0",
        "nodememstats --cell x",
        "nodecpustats --cpu x",
        "nodecpustats --cpu ''",
        "maxvcpus --type ''",
        "cpu-models foo",
        "cpu-models ''",
        "cpu-models",
        "nodeinfo extra",
        "sysinfo --bogus",
    ],
)
def test_node_errors(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_percent() -> None:
    """One second of sampling; the test driver's counters do not move (-nan)."""
    assert_same(["-c", DEFAULT, "nodecpustats --percent"])


@pytest.mark.parametrize("flag", ["-q", "-r"])
def test_quiet_and_readonly(flag: str) -> None:
    assert_same([flag, "-c", DEFAULT, "nodeinfo; freecell --all; cpu-models i686; maxvcpus"])


MORE_CASES = [
    "capabilities --xpath //host/uuid",
    "capabilities --xpath //arch --wrap",
    "capabilities --xpath ''",
    "capabilities --xpath '//['",
    "capabilities --wrap",
    "capabilities extra",
    "sysinfo extra",
    "sysinfo --xpath //x",
    "domcapabilities --emulatorbin /usr/bin/qemu --xpath //path",
    "domcapabilities --xpath //domain --wrap",
    "domcapabilities --virttype test --xpath ''",
    "domcapabilities a b c d e",
    "cpu-models x86_64 --all",
    "cpu-models aarch64",
    "cpu-models --arch i686",
    "maxvcpus test",
    "maxvcpus --type kvm",
    "maxvcpus --type bogus",
    "nodememstats --cell -1",
    "nodememstats --cell 99",
    "nodecpustats --cpu 99",
    "nodecpustats --cpu -1",
    # libvirt's own argument check (the Python binding loses its message)
    "freecell --cellno -1",
    "freecell -2",
    "freecell --all --cellno 0",
]


@pytest.mark.parametrize("script", MORE_CASES)
def test_more_node_cases(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_node_xml_readonly() -> None:
    assert_same(["-r", "-c", DEFAULT, "capabilities; domcapabilities; sysinfo"])
    assert_same(["-c", NODE, "nodeinfo --cell 0"])
