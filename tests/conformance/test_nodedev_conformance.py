"""Differential tests: the node device commands against virsh 9.0 (the ones
tests/conformance/test_misc_conformance.py does not cover: nodedev-info,
nodedev-create, nodedev-define, nodedev-undefine, nodedev-start,
nodedev-destroy, nodedev-autostart, nodedev-detach (and its alias
nodedev-dettach), nodedev-reattach, nodedev-reset, nodedev-event).

test:///default has "computer" and the FC host "scsi_host1" under it; its
driver creates and destroys vHBAs (a scsi_host under scsi_host1) and
refuses the rest (define, undefine, start, autostart, detach, reattach,
reset, the WWN look-up), which is compared as virsh reports it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"

COMMANDS = [
    *("nodedev-create", "nodedev-destroy", "nodedev-detach", "nodedev-reattach"),
    *("nodedev-reset", "nodedev-event", "nodedev-define", "nodedev-undefine"),
    *("nodedev-start", "nodedev-autostart", "nodedev-info", "nodedev-dettach"),
]

VHBA = """<device>
  <parent>scsi_host1</parent>
  <capability type='scsi_host'>
    <capability type='fc_host'>
      <wwnn>2000000012341234</wwnn>
      <wwpn>1000000012341234</wwpn>
    </capability>
  </capability>
</device>
"""


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


def test_help_group() -> None:
    assert_same(["-c", DEFAULT, "help nodedev"])


@pytest.mark.parametrize(
    "script",
    [
        "nodedev-info computer",
        "nodedev-info scsi_host1",
        "nodedev-info --device scsi_host1",
        "nodedev-info nope",
        "nodedev-info ''",
        "nodedev-info 2000000012341234,1000000012341234",
        "nodedev-info a,b,c",
        "nodedev-info 20000000123412,1000000012341234",
        "nodedev-info",
        "nodedev-destroy computer",
        "nodedev-destroy --name nope",
        "nodedev-undefine computer",
        "nodedev-undefine nope",
        "nodedev-start computer",
        "nodedev-start nope",
        "nodedev-start ''",
        "nodedev-autostart computer",
        "nodedev-autostart computer --disable",
        "nodedev-autostart nope",
        "nodedev-detach computer",
        "nodedev-detach computer --driver vfio",
        "nodedev-detach computer --driver ''",
        "nodedev-dettach computer",
        "nodedev-detach nope",
        "nodedev-detach 2000000012341234,1000000012341234",
        "nodedev-reattach scsi_host1",
        "nodedev-reattach nope",
        "nodedev-reset scsi_host1",
        "nodedev-reset ''",
    ],
)
def test_scenarios(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize(
    "script",
    [
        "nodedev-create vhba.xml; nodedev-info scsi_host2; nodedev-dumpxml scsi_host2",
        "nodedev-create vhba.xml --validate; nodedev-destroy scsi_host2; nodedev-info scsi_host2",
        "-q nodedev-create vhba.xml; nodedev-destroy --name scsi_host2",
        "nodedev-create bad.xml",
        "nodedev-create missing.xml",
        "nodedev-create ''",
        "nodedev-define vhba.xml",
        "nodedev-define bad.xml",
        "nodedev-define missing.xml",
    ],
)
def test_create(script: str, tmp_path: Path) -> None:
    (tmp_path / "vhba.xml").write_text(VHBA)
    (tmp_path / "bad.xml").write_text("<device")
    assert_same(["-c", DEFAULT, script], cwd=str(tmp_path))


@pytest.mark.parametrize(
    "script",
    [
        "nodedev-event --list",
        "nodedev-event --list --event bogus",
        "nodedev-event",
        "nodedev-event --event bogus",
        "nodedev-event --event ''",
        "nodedev-event --event lifecycle --timeout 0",
        "nodedev-event --event lifecycle --timeout abc",
        "nodedev-event --event lifecycle --timeout 1",
        "nodedev-event --event update --timeout 1 --loop --timestamp",
        "nodedev-event --event lifecycle --device computer --timeout 1",
        "nodedev-event --event lifecycle --device nope --timeout 1",
        "nodedev-event --event lifecycle --device '' --timeout 1",
        "nodedev-event --all",
    ],
)
def test_event(script: str) -> None:
    assert_same(["-c", DEFAULT, script])
