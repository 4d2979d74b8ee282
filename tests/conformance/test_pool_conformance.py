"""Differential tests: storage pool commands against virsh 9.0.

Each case runs the same command line through /usr/bin/virsh and vsh and
compares stdout, stderr and exit status byte for byte.  Multi-step scenarios
are one script word (the test driver's state lives in one process).

Connections: ``test:///default`` (pool "default-pool", running, no volumes)
and libvirt's tests/fixtures/testnode/testnode.xml (the same pool, with
"default-vol").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFAULT = "test:///default"
TESTNODE = f"test://{FIXTURES / 'testnode' / 'testnode.xml'}"
POOL_UUID = "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"  # test:///default's default-pool
NODE_POOL_UUID = "35bb2ad9-388a-cdfe-461a-b8907f6e53fe"  # testnode.xml's default-pool

COMMANDS = [
    *("pool-autostart", "pool-build", "pool-create-as", "pool-create", "pool-define-as"),
    *("pool-define", "pool-delete", "pool-destroy", "pool-dumpxml", "pool-info", "pool-list"),
    *("pool-name", "pool-refresh", "pool-start", "pool-undefine", "pool-uuid"),
    "pool-capabilities",
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


LIST_SCRIPTS = [
    "pool-list",
    "pool-list --all",
    "pool-list --inactive",
    "pool-list --details",
    "pool-list --all --details",
    "pool-list --name",
    "pool-list --uuid",
    "pool-list --uuid --name",
    "pool-list --persistent",
    "pool-list --transient",
    "pool-list --autostart",
    "pool-list --no-autostart",
    "pool-list --type dir",
    "pool-list --type dir,logical --details",
    "pool-list --type fs",
    "pool-list --type bogus",
    "pool-list --type dir,,x",
    "pool-list --type ''",
    "pool-list --all --inactive",
    "pool-list --details --uuid",
    "pool-list --details --name",
]


@pytest.mark.parametrize("script", LIST_SCRIPTS)
@pytest.mark.parametrize("uri", [DEFAULT, TESTNODE])
def test_pool_list(uri: str, script: str) -> None:
    assert_same(["-c", uri, script])


def test_pool_list_quiet_and_readonly() -> None:
    assert_same(["-q", "-c", DEFAULT, "pool-list --all --details; pool-list"])
    assert_same(["-r", "-c", DEFAULT, "pool-list --all --details; pool-info default-pool"])


INFO_SCRIPTS = [
    "pool-info default-pool",
    "pool-info default-pool --bytes",
    f"pool-info {POOL_UUID}",
    f"pool-info --pool {POOL_UUID} --bytes",
    "pool-info nope",
    "pool-info ''",
    "pool-info",
    "pool-dumpxml default-pool",
    "pool-dumpxml default-pool --inactive",
    "pool-dumpxml default-pool --xpath //target/path",
    "pool-dumpxml default-pool --xpath //permissions --wrap",
    "pool-dumpxml default-pool --xpath ''",
    "pool-dumpxml nope",
    f"pool-name {POOL_UUID}",
    "pool-name default-pool",
    "pool-uuid default-pool",
    f"pool-uuid {POOL_UUID}",
    "pool-capabilities",
]


@pytest.mark.parametrize("script", INFO_SCRIPTS)
def test_pool_info_and_xml(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_testnode_pool() -> None:
    assert_same(
        [
            "-c",
            TESTNODE,
            f"pool-info default-pool; pool-info {NODE_POOL_UUID} --bytes; "
            "pool-dumpxml default-pool; pool-list --all --details",
        ]
    )


def random_uuids(text: str) -> str:
    """Pools defined without a UUID get a random one (in 'already exists' errors)."""
    return re.sub(r"with uuid [0-9a-f-]{36}", "with uuid <random>", text)


DEFINE_XML = """<pool type='dir'>
  <name>filepool</name>
  <target><path>/tmp/filepool</path></target>
</pool>
"""


LIFECYCLE_SCRIPTS = [
    "pool-define-as p2 dir --target /tmp/p2 --print-xml",
    "pool-define-as p2 dir --target /tmp/p2; pool-list --all --details; pool-start p2; "
    "pool-list --all --details; pool-autostart p2; pool-list --autostart; "
    "pool-autostart p2 --disable; pool-list --all --no-autostart; pool-refresh p2; "
    "pool-destroy p2; pool-build p2; pool-build p2 --overwrite; pool-delete p2; "
    "pool-undefine p2; pool-list --all",
    "pool-create-as p3 dir --target /tmp/p3 --build; pool-list --transient --details; "
    "pool-info p3; pool-undefine p3; pool-destroy p3; pool-info p3",
    "pool-create-as p3 dir --overwrite --no-overwrite",
    "pool-start default-pool --overwrite --no-overwrite",
    "pool-start default-pool",
    "pool-destroy default-pool; pool-info default-pool; pool-list --inactive --details; "
    "pool-list --details; pool-refresh default-pool; pool-start default-pool --build; "
    "pool-info default-pool",
    "pool-define-as --name x --type dir --source-host h --source-path p --source-dev d "
    "--source-name n --target t --source-format f --auth-type chap --auth-username u "
    "--secret-usage s --adapter-wwnn a --adapter-wwpn b --adapter-parent-wwnn c "
    "--adapter-parent-wwpn e --source-protocol-ver 3 --source-initiator iqn --print-xml",
    "pool-define-as x scsi --adapter-name host0 --auth-type chap --auth-username u "
    "--secret-uuid 0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f --print-xml",
    "pool-define-as x scsi --adapter-wwnn a --adapter-wwpn b --adapter-parent p --print-xml",
    "pool-define-as x scsi --adapter-wwnn a --adapter-wwpn b "
    "--adapter-parent-fabric-wwn f --print-xml",
    "pool-define-as x dir --secret-usage a --secret-uuid b",
    "pool-define-as x dir --source-host ''",
    "pool-define-as '' dir",
    "pool-define-as x bogus",
    "pool-create-as x bogus",
    "pool-autostart nope; pool-build nope; pool-delete nope; pool-destroy nope; "
    "pool-refresh nope; pool-start nope; pool-undefine nope",
    "pool-create /nonexistent.xml",
    "pool-define /nonexistent.xml",
]


@pytest.mark.parametrize("script", LIFECYCLE_SCRIPTS)
def test_pool_lifecycle(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_pool_define_and_create_from_file(tmp_path: Path) -> None:
    xml = tmp_path / "pool.xml"
    xml.write_text(DEFINE_XML)
    assert_same(
        [
            "-c",
            DEFAULT,
            f"pool-define {xml}; pool-list --all; pool-undefine filepool; "
            f"pool-define {xml} --validate; pool-create {xml}; pool-create {xml} --build; "
            "pool-list --all --details",
        ],
        normalise=random_uuids,
    )
    bad = tmp_path / "bad.xml"
    bad.write_text("<pool>")
    assert_same(["-c", DEFAULT, f"pool-define {bad}; pool-create {bad}"])


READONLY_SCRIPTS = [
    "pool-define-as p2 dir --target /tmp/p2",
    "pool-create-as p2 dir --target /tmp/p2",
    "pool-destroy default-pool",
    "pool-autostart default-pool",
    "pool-undefine default-pool",
    "pool-refresh default-pool",
    "pool-dumpxml default-pool",
]


@pytest.mark.parametrize("script", READONLY_SCRIPTS)
def test_pool_readonly(script: str) -> None:
    assert_same(["-r", "-c", DEFAULT, script])


def test_pool_debug_lines() -> None:
    assert_same(["-d", "0", "-c", DEFAULT, f"pool-info {POOL_UUID}; pool-list --details"])


MORE_SCRIPTS = [
    "pool-build default-pool",
    "pool-build default-pool --overwrite --no-overwrite",
    "pool-build default-pool --overwrite",
    "pool-build default-pool --no-overwrite",
    "pool-destroy default-pool; pool-build default-pool",
    "pool-destroy default-pool; pool-build default-pool --overwrite; pool-list --all",
    "pool-delete default-pool",
    "pool-destroy default-pool; pool-delete default-pool; pool-list --all",
    "pool-destroy default-pool; pool-delete default-pool --bogus",
    "pool-autostart default-pool; pool-info default-pool",
    "pool-autostart default-pool --disable; pool-info default-pool",
    "pool-destroy default-pool; pool-refresh default-pool",
    "pool-destroy default-pool; pool-start default-pool --build --overwrite --no-overwrite",
    "pool-destroy default-pool; pool-undefine default-pool; pool-list --all",
    "pool-list --details --all",
    "pool-list --type dir,logical",
    "pool-dumpxml default-pool --inactive --xpath //name",
    "pool-define-as p2 bogus",
    "pool-define-as p2 dir --print-xml --source-host h --source-path /p --source-dev /d "
    "--source-name n --target /t",
    "pool-info nosuch; pool-dumpxml nosuch; pool-start nosuch",
]


@pytest.mark.parametrize("script", MORE_SCRIPTS)
def test_more_pool_scripts(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize(
    "script",
    ["pool-build default-pool", "pool-delete default-pool", "pool-define-as p2 dir --target /tmp"],
)
def test_more_pool_readonly(script: str) -> None:
    assert_same(["-r", "-c", DEFAULT, script])
