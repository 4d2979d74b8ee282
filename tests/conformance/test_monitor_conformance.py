"""Differential tests: monitor device commands against virsh 9.0.

domblklist, domiflist, domblkinfo, domblkstat, domifstat, domif-getlink,
dommemstat, domcontrol, domblkerror, domtime and domifaddr (vsh/commands/monitor/) on
test:///default, tests/fixtures/domains/node.xml and the testnode fixtures.

The test driver's block and interface counters, and dommemstat's
``last_update``, follow the host clock: digits of those lines are normalised
on both sides.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFAULT = "test:///default"
NODE = f"test://{FIXTURES / 'domains' / 'node.xml'}"
TESTNODE = f"test://{FIXTURES / 'testnode' / 'testnode.xml'}"

_COUNTERS = re.compile(
    r"^(.*(?:rd_req|rd_bytes|wr_req|wr_bytes|rx_bytes|rx_packets|tx_bytes|tx_packets"
    r"|rx_errs|rx_drop|tx_errs|tx_drop|errs|last_update|operations:|read:|written:"
    r"|count:)\s+)[0-9]+$",
    re.M,
)


def counters(text: str) -> str:
    return _COUNTERS.sub(r"\1N", text)


def same(uri: str, script: str) -> None:
    assert_same(["-c", uri, script], normalise=counters)


COMMANDS = [
    *("domblklist", "domiflist", "domblkinfo", "domblkstat", "domifstat"),
    *("domif-getlink", "dommemstat", "domcontrol", "domblkerror", "domtime"),
    "domifaddr",
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    same(DEFAULT, f"help {name}; {name} --help")


DEFAULT_CASES = [
    # domblklist
    "domblklist test",
    "domblklist test --details",
    "domblklist test --inactive --details",
    "domblklist 1 --inactive",
    "domblklist nosuch",
    "domblklist ''",
    "domblklist",
    "domblklist test extra",
    # domiflist
    "domiflist test",
    "domiflist test --inactive",
    "domiflist nosuch",
    # domblkinfo
    "domblkinfo test",
    "domblkinfo test vda",
    "domblkinfo test vda --human",
    "domblkinfo test --device vda",
    "domblkinfo test --all",
    "domblkinfo test --all --human",
    "domblkinfo test --all --device vda",
    "domblkinfo test --device ''",
    "domblkinfo test nosuch",
    "domblkinfo nosuch vda",
    # domblkstat
    "domblkstat test",
    "domblkstat test --human",
    "domblkstat test vda",
    "domblkstat test vda --human",
    "domblkstat test ''",
    "domblkstat test nosuch",
    "domblkstat nosuch vda",
    # domifstat
    "domifstat test testnet0",
    "domifstat test aa:bb:cc:dd:ee:ff",
    "domifstat test vnet0",
    "domifstat test ''",
    "domifstat test",
    # domif-getlink
    "domif-getlink test testnet0",
    "domif-getlink test aa:bb:cc:dd:ee:ff",
    "domif-getlink test AA:BB:CC:DD:EE:FF",
    "domif-getlink test aa:bb:cc:dd:ee:00",
    "domif-getlink test vnet0",
    "domif-getlink test vnet0 --config",
    "domif-getlink test testnet0 --persistent",
    "domif-getlink test ''",
    "domif-getlink test",
    # dommemstat
    "dommemstat test",
    "dommemstat test --period 5",
    "dommemstat test --period -1",
    "dommemstat test --period x",
    "dommemstat test --period ''",
    "dommemstat test --period 5 --config",
    "dommemstat test --period 5 --live",
    "dommemstat test --current --live",
    "dommemstat test --current --config",
    "dommemstat test 5",
    "dommemstat nosuch",
    # domcontrol, domblkerror
    "domcontrol test",
    "domcontrol nosuch",
    "domblkerror test",
    "domblkerror nosuch",
    # domtime
    "domtime test",
    "domtime test --pretty",
    "domtime test --now",
    "domtime test --sync",
    "domtime test 5",
    "domtime test --time x",
    "domtime test --time ''",
    "domtime test --time 5 --now",
    "domtime test --time 5 --sync",
    "domtime test --sync --now",
    "domtime nosuch",
    "domtime test 5; domtime test; domtime test --pretty",
    # domifaddr
    "domifaddr test",
    "domifaddr test --full",
    "domifaddr test --source agent",
    "domifaddr test --source arp",
    "domifaddr test --source lease",
    "domifaddr test --source x",
    "domifaddr test --source ''",
    "domifaddr test vnet0",
    "domifaddr test testnet0",
    "domifaddr test ''",
    "domifaddr nosuch",
    "domifaddr nosuch --source x",
    # an inactive domain
    "destroy test; domcontrol test; domblkerror test; dommemstat test",
    "destroy test; domblkstat test vda; domifstat test testnet0; domblkinfo test --all",
    "destroy test; domtime test; domif-getlink test testnet0; domblklist test --details",
    "destroy test; domifaddr test",
    # the failure names the domain as given: an id or UUID stays one (issue 12)
    "domblkstat 1 nosuch",
    "domblkstat 6695eb01-f6a4-8304-79aa-97f2502e193f nosuch",
    "domblkstat --domain 1 --device ''",
    "domifstat 1 nosuch",
    "domifstat 6695eb01-f6a4-8304-79aa-97f2502e193f nosuch",
    "destroy test; domblkstat 6695eb01-f6a4-8304-79aa-97f2502e193f vda",
    "destroy test; domifstat 6695eb01-f6a4-8304-79aa-97f2502e193f testnet0",
    "destroy test; dommemstat 6695eb01-f6a4-8304-79aa-97f2502e193f",
    # --all and --device are exclusive by presence: an empty device counts (generated)
    "domblkinfo 1 --all ''",
    "domblkinfo test --all --device=",
    "domtime test --time '' --now",
]


@pytest.mark.parametrize("script", DEFAULT_CASES)
def test_default(script: str) -> None:
    same(DEFAULT, script)


FIXTURE_CASES = [
    (NODE, "domblklist fv0 --details"),
    (NODE, "domiflist fv0"),
    (NODE, "domblkinfo fv0 --all"),
    (TESTNODE, "domblklist fv0 --details"),
    (TESTNODE, "domblklist fc4 --details --inactive"),
    (TESTNODE, "domiflist fv0"),
    (TESTNODE, "domiflist fc4"),
    (TESTNODE, "domblkinfo fv0 --all"),
    (TESTNODE, "domblkinfo fv0 --all --human"),
    (TESTNODE, "domblkinfo fc4 --all"),
    (TESTNODE, "domblkerror fc4"),
    (TESTNODE, "dommemstat fc4"),
    (TESTNODE, "domifaddr fc4"),
]


@pytest.mark.parametrize(("uri", "script"), FIXTURE_CASES)
def test_fixtures(uri: str, script: str) -> None:
    same(uri, script)


def test_quiet_tables() -> None:
    same(DEFAULT, "domblklist test")
    assert_same(["-q", "-c", DEFAULT, "domblklist test --details; domiflist test"])
    assert_same(["-q", "-c", DEFAULT, "domblkinfo test --all; domifaddr test"])


MORE_CASES = [
    "domcontrol ''",
    "domcontrol 1",
    "domcontrol 6695eb01-f6a4-8304-79aa-97f2502e193f",
    "domcontrol test extra",
    "suspend test; domcontrol test",
    "domblkerror ''",
    "domblkerror 1",
    "destroy test; domblkerror test",
    "domif-getlink nosuch testnet0",
    "domif-getlink test testnet0 --config; domif-getlink test testnet0 --live",
    "domtime test --time 0",
    "domifaddr test --source bogus",
    "domifaddr test --interface nosuch",
    "dommemstat test --config --live",
]


@pytest.mark.parametrize("script", MORE_CASES)
def test_more_default(script: str) -> None:
    same(DEFAULT, script)


def test_more_fixtures() -> None:
    same(TESTNODE, "domblklist fc4 --details")
    same(NODE, "domblklist node --details; domiflist node")


def test_readonly_getters() -> None:
    same(DEFAULT, "domcontrol test; domblkerror test; domif-getlink test testnet0")
    assert_same(
        ["-r", "-c", DEFAULT, "domcontrol test; domblkerror test; domif-getlink test testnet0"],
        normalise=counters,
    )
