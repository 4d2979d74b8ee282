"""Differential tests: emulatorpin, setvcpu, set-lifecycle-action,
domdirtyrate-calc (vsh/commands/domain/cpus.py) and domif-setlink,
detach-device-alias, domblkthreshold, update-memory-device
(vsh/commands/domain/hotplug.py) against virsh 9.0 on test:///default.

The test driver implements virDomainPinEmulator/GetEmulatorPinInfo and
virDomainSetLifecycleAction; for the others it answers "this function is not
supported", which is compared with virsh's, after each command's own
argument checks.  domif-setlink --print-xml and update-memory-device
--print-xml edit the XML without the missing API and are compared in full.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"
MAC = "aa:bb:cc:dd:ee:ff"
MEMDEV = Path(__file__).parent.parent / "fixtures" / "domains" / "memdev.xml"
DEFINE = f"define {MEMDEV}; "

COMMANDS = (
    "emulatorpin",
    "setvcpu",
    "set-lifecycle-action",
    "domdirtyrate-calc",
    "domif-setlink",
    "detach-device-alias",
    "domblkthreshold",
    "update-memory-device",
)


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


CASES = [
    # emulatorpin
    "emulatorpin test; emulatorpin test 0; emulatorpin test; emulatorpin test --config;"
    " emulatorpin test r --config; emulatorpin test --config; emulatorpin test --live",
    "emulatorpin test 1-3,^2 --live --config; emulatorpin test; emulatorpin test --current",
    "emulatorpin test ''; emulatorpin test x; emulatorpin test 99; emulatorpin test ^0",
    "emulatorpin test 5000; emulatorpin test --live --current; emulatorpin test --config --current",
    "emulatorpin nosuch; emulatorpin nosuch 0; emulatorpin ''",
    "destroy test; emulatorpin test; emulatorpin test --live; emulatorpin test 0",
    # setvcpu
    "setvcpu test 1 --enable; setvcpu test 1 --disable --config; setvcpu test 1",
    "setvcpu test 1 --enable --disable; setvcpu test '' --enable; setvcpu nosuch 1 --enable",
    "setvcpu test 1 --enable --current --live; setvcpu test 1 --disable --current --config",
    "setvcpu test",
    # set-lifecycle-action
    "set-lifecycle-action test poweroff restart; set-lifecycle-action test reboot destroy --live;"
    " set-lifecycle-action test crash coredump-restart --config; dumpxml test;"
    " dumpxml test --inactive",
    "set-lifecycle-action test foo bar; set-lifecycle-action test crash foo;"
    " set-lifecycle-action test '' restart; set-lifecycle-action test crash ''",
    "set-lifecycle-action nosuch crash preserve; set-lifecycle-action nosuch foo preserve",
    "set-lifecycle-action test crash preserve --current --live; set-lifecycle-action test crash",
    "set-lifecycle-action test 0 1; set-lifecycle-action test POWEROFF restart",
    # domdirtyrate-calc
    "domdirtyrate-calc test; domdirtyrate-calc test 5 --mode dirty-ring;"
    " domdirtyrate-calc test --seconds abc; domdirtyrate-calc test --seconds 2147483648",
    "domdirtyrate-calc test --seconds -1; domdirtyrate-calc test --mode bogus;"
    " domdirtyrate-calc test --mode ''; domdirtyrate-calc nosuch --seconds x",
    # domif-setlink
    f"domif-setlink test {MAC} up --print-xml; domif-setlink test {MAC.upper()} down"
    " --print-xml --config; domif-setlink test testnet0 up --persistent --print-xml",
    f"domif-setlink test {MAC} up; domif-setlink test {MAC} down --config",
    f"domif-setlink test {MAC} sideways; domif-setlink test {MAC} ''; domif-setlink test '' up",
    "domif-setlink test 00:11:22:33:44:55 up; domif-setlink nosuch x up",
    DEFINE + "domif-setlink memdev 52:54:00:11:22:33 up --print-xml;"
    " domif-setlink memdev 52:54:00:11:22:33 up; domif-setlink memdev testnet0 down --print-xml",
    "domif-setlink test",
    # detach-device-alias
    "detach-device-alias test ua-disk; detach-device-alias test net0 --config;"
    " detach-device-alias test '' ; detach-device-alias nosuch x",
    "detach-device-alias test x --current --live; detach-device-alias test",
    # domblkthreshold
    "domblkthreshold test vda 1G; domblkthreshold test vda 100; domblkthreshold test vda abc",
    "domblkthreshold test vda -1; domblkthreshold test vda 18446744073709551616;"
    " domblkthreshold test vda 1x; domblkthreshold test vda 99999999999E",
    "domblkthreshold test '' 1; domblkthreshold nosuch vda 1; domblkthreshold nosuch vda x",
    "domblkthreshold test vda",
    # update-memory-device
    "update-memory-device test; update-memory-device test --print-xml --node 0",
    DEFINE + "update-memory-device memdev --print-xml; update-memory-device memdev --node 0;"
    " update-memory-device memdev --alias ua-mem0 --print-xml;"
    " update-memory-device memdev --alias ua-mem0 --print-xml --requested-size 1000;"
    " update-memory-device memdev --alias ua-mem0 --print-xml --requested-size 1025b --config",
    DEFINE + "update-memory-device memdev --alias ua-mem0 --requested-size 1G;"
    " update-memory-device memdev --alias nosuch --print-xml;"
    " update-memory-device memdev --node 1 --print-xml;"
    " update-memory-device memdev --node -1; update-memory-device memdev --node abc",
    DEFINE + "update-memory-device memdev --alias ua-mem0 --requested-size abc;"
    " update-memory-device memdev --alias ua-mem0 --requested-size 1x;"
    " update-memory-device memdev --alias '' ; update-memory-device memdev --node 0 --alias x;"
    " update-memory-device memdev --live --current",
    "update-memory-device nosuch --node x",
]


@pytest.mark.parametrize("script", CASES)
def test_default(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_quiet() -> None:
    assert_same(
        [
            "-q",
            "-c",
            DEFAULT,
            f"emulatorpin test; domif-setlink test {MAC} up --print-xml; domdirtyrate-calc test",
        ]
    )


def test_readonly() -> None:
    assert_same(
        [
            "-r",
            "-c",
            DEFAULT,
            "emulatorpin test; emulatorpin test 0; setvcpu test 1 --enable;"
            " set-lifecycle-action test crash preserve; domdirtyrate-calc test;"
            f" domif-setlink test {MAC} up; domif-setlink test {MAC} up --print-xml;"
            " detach-device-alias test x; domblkthreshold test vda 1;"
            " update-memory-device test",
        ]
    )
