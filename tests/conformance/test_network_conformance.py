"""Differential tests: network commands against virsh 9.0.

test:///default has one active, persistent network "default"; the fixtures
testnetdef.xml ("aaronnet") and testnetpriv.xml ("privnet") define more.
Scenarios that change state are one script word (one connection).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"
TESTNODE = Path(__file__).resolve().parents[1] / "fixtures" / "testnode"
NODE = f"test://{TESTNODE / 'testnode.xml'}"
NETDEF = TESTNODE / "testnetdef.xml"
NETPRIV = TESTNODE / "testnetpriv.xml"
UUID = "dd8fe884-6c02-601e-7551-cca97df1c5df"  # "default" on test:///default

COMMANDS = [
    *("net-autostart", "net-create", "net-define", "net-destroy", "net-dhcp-leases"),
    *("net-dumpxml", "net-info", "net-list", "net-name", "net-start", "net-undefine"),
    "net-uuid",
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


LIST = [
    "net-list",
    "net-list --all",
    "net-list --inactive",
    "net-list --name",
    "net-list --uuid",
    "net-list --table",
    "net-list --all --name --uuid",
    "net-list --name --table",
    "net-list --persistent",
    "net-list --transient",
    "net-list --autostart",
    "net-list --no-autostart",
    "net-list --all --persistent --no-autostart",
]


@pytest.mark.parametrize("uri", [DEFAULT, NODE])
@pytest.mark.parametrize("script", LIST)
def test_list(uri: str, script: str) -> None:
    assert_same(["-c", uri, script])


@pytest.mark.parametrize(
    "script",
    [
        "net-info default",
        f"net-info {UUID}",
        "net-info nope",
        "net-info ''",
        "net-info",
        "net-dumpxml default",
        "net-dumpxml --inactive default",
        "net-dumpxml default --xpath //ip",
        "net-dumpxml default --xpath //@address --wrap",
        "net-dumpxml default --xpath ''",
        "net-dumpxml default --xpath '//['",
        "net-dumpxml --xpath '[' --wrap --network=default",
        "net-dumpxml nope",
        "net-name default",
        f"net-name {UUID}",
        "net-name dd8fe884-6c02-601e-7551-cca97df1c5dx",
        "net-uuid default",
        f"net-uuid {UUID}",
        "net-dhcp-leases default",
        "net-dhcp-leases default --mac 52:54:00:00:00:01",
        "net-dhcp-leases default --mac ''",
        "net-dhcp-leases nope",
        "net-start default",
        "net-destroy nope",
        "net-define /nonexistent/net.xml",
        f"net-create {TESTNODE / 'testdomfc4.xml'}",
        "net-define ''",
    ],
)
def test_single(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize(
    "script",
    [
        "net-destroy default; net-list --all; net-info default; net-start default; net-list",
        "net-autostart default; net-list --autostart; net-info default; "
        "net-autostart --disable default; net-list --all",
        "net-destroy default; net-undefine default; net-list --all; net-info default",
        "net-undefine default; net-list --all --transient; net-destroy default; net-list --all",
        f"net-define {NETDEF}; net-list --all; net-start aaronnet; net-info aaronnet; "
        "net-dumpxml aaronnet; net-destroy aaronnet; net-undefine aaronnet; net-list --all",
        f"net-define --validate {NETDEF}; net-uuid aaronnet; net-autostart aaronnet; "
        "net-list --all --autostart",
        f"net-create {NETPRIV}; net-list --all --transient; net-info privnet; "
        "net-undefine privnet; net-destroy privnet; net-list --all --name",
        f"net-create --validate {NETPRIV}; net-create {NETPRIV}",
        f"net-define {NETDEF}; net-define {NETDEF}; net-list --all --uuid",
    ],
)
def test_scenarios(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize(
    "script",
    [
        "net-destroy default",
        "net-undefine default",
        "net-autostart default",
        "net-autostart --disable default",
        f"net-define {NETDEF}",
        f"net-create {NETPRIV}",
        "net-list --all; net-info default; net-dumpxml default",
    ],
)
def test_readonly(script: str) -> None:
    assert_same(["-r", "-c", DEFAULT, script])


def test_quiet() -> None:
    assert_same(["-q", "-c", DEFAULT, f"net-list --all; net-destroy default; net-define {NETDEF}"])


@pytest.mark.parametrize(
    "script",
    [
        "net-start nosuch",
        "net-start default --bogus",
        "net-destroy default; net-start default; net-list --all",
        "net-autostart nosuch",
        "net-autostart default; net-info default",
        "net-autostart default --disable; net-info default",
        "net-name nosuch",
        "net-uuid nosuch",
        "net-uuid ''",
        "net-dhcp-leases default --mac aa:bb:cc:dd:ee:ff",
        "net-list --all --name",
        "net-list --uuid --table",
        "net-list --persistent --transient --autostart --no-autostart",
        "net-dumpxml default --inactive --xpath //bridge",
        "net-create /nonexistent",
        "net-destroy default; net-destroy default",
        "net-undefine nosuch",
    ],
)
def test_more_single(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_more_readonly() -> None:
    assert_same(["-r", "-c", DEFAULT, "net-start default; net-uuid default; net-name x"])
