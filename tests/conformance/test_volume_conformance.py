"""Differential tests: storage volume commands against virsh 9.0.

Same harness as the other conformance tests: stdout, stderr and exit status
byte for byte, multi-step scenarios as one script word.  The test driver has
no volume streams, resize or wipe: those commands are checked for virsh's
errors (and vol-download for removing the file it created).

Connections: ``test:///default`` (pool "default-pool", empty) and
tests/fixtures/testnode/testnode.xml ("default-pool" with "default-vol").
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFAULT = "test:///default"
TESTNODE = f"test://{FIXTURES / 'testnode' / 'testnode.xml'}"
POOL_UUID = "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"

COMMANDS = [
    *("vol-create-as", "vol-create", "vol-delete", "vol-download", "vol-dumpxml"),
    *("vol-info", "vol-key", "vol-list", "vol-name", "vol-path", "vol-pool"),
    *("vol-resize", "vol-upload", "vol-wipe"),
]

MK = "vol-create-as default-pool v1 1M; "


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


SIZES = [
    "0",
    "1",
    "1b",
    "1bytes",
    "1BYTE",
    "1k",
    "1K",
    "1KiB",
    "1kb",
    "1KB",
    "1M",
    "1MiB",
    "1G",
    "1gb",
    "1T",
    "1P",
    "1E",
    "15E",
    "16E",
    "20EiB",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999",
    "' 1M'",
    "+1M",
    "-1",
    "--capacity=-1M",
    "1X",
    "1kib",
    "1KiBs",
    "1Mb",
    "1 M",
    "0x10",
    "''",
    "abc",
    "1.5M",
    "1ü",
]


@pytest.mark.parametrize("size", SIZES)
def test_create_as_sizes(size: str) -> None:
    cap = size if size.startswith("--") else f"--capacity {size}"
    assert_same(["-c", DEFAULT, f"vol-create-as default-pool v1 {cap} --print-xml"])
    assert_same(["-c", DEFAULT, f"vol-create-as default-pool v1 1 --allocation {size} --print-xml"])


CREATE_SCRIPTS = [
    "vol-create-as default-pool v1 1M --allocation 1k --format qcow2 --print-xml",
    "vol-create-as default-pool v1 1M --allocation '' --print-xml",
    "vol-create-as default-pool v1 1M --format '' --print-xml",
    "vol-create-as default-pool '' 1M",
    "vol-create-as nope v1 1M",
    f"vol-create-as {POOL_UUID} v1 1M --prealloc-metadata; vol-list default-pool",
    MK + "vol-create-as default-pool v2 1G --backing-vol v1 --backing-vol-format raw --print-xml; "
    "vol-create-as default-pool v2 1G --backing-vol /default-pool/v1 --print-xml; "
    "vol-create-as default-pool v2 1G --backing-vol nope --print-xml; "
    "vol-create-as default-pool v2 1G --backing-vol v1; vol-list default-pool --details",
    MK + "vol-create-as default-pool v1 1M",
    MK + "vol-create-as default-pool V0 2G; vol-create-as default-pool a 3k; "
    "vol-list default-pool; vol-list default-pool --details; vol-list " + POOL_UUID,
]


@pytest.mark.parametrize("script", CREATE_SCRIPTS)
def test_create_as(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_debug_lines() -> None:
    assert_same(
        [
            "-d",
            "0",
            "-c",
            DEFAULT,
            MK + "vol-create-as default-pool v2 1G --backing-vol "
            "/default-pool/v1 --print-xml; vol-info v1 default-pool; vol-info /default-pool/v1",
        ]
    )


LOOKUP_SCRIPTS = [
    "vol-info nope",
    "vol-info nope default-pool",
    "vol-info nope --pool nope",
    "vol-info nope --pool ''",
    "vol-info ''",
    "vol-info",
    "vol-list nope",
    "vol-list",
    "vol-name nope",
    "vol-pool nope",
    "vol-key nope",
    "vol-path nope default-pool",
    "vol-dumpxml nope",
    "vol-delete nope",
    "vol-wipe nope",
    "vol-resize nope 1M",
    "vol-upload nope /etc/hostname",
    "vol-download nope /tmp/vsh-never-created",
]


@pytest.mark.parametrize("script", LOOKUP_SCRIPTS)
def test_lookup_errors(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


INFO_SCRIPTS = [
    "vol-info v1 default-pool",
    "vol-info v1 --pool default-pool --bytes",
    "vol-info /default-pool/v1",
    "vol-info /default-pool/v1 --physical",
    "vol-info /default-pool/v1 --bytes --physical",
    "vol-key v1 default-pool",
    "vol-key /default-pool/v1",
    "vol-path v1 default-pool",
    "vol-path /default-pool/v1",
    "vol-path v1",
    "vol-name /default-pool/v1",
    "vol-name v1",
    "vol-pool /default-pool/v1",
    "vol-pool /default-pool/v1 --uuid",
    "vol-dumpxml v1 default-pool",
    "vol-dumpxml /default-pool/v1 --xpath //capacity",
    "vol-dumpxml /default-pool/v1 --xpath //target/* --wrap",
    "vol-dumpxml /default-pool/v1 --xpath ''",
    "vol-list default-pool --details",
    f"vol-info v1 {POOL_UUID}",
]


@pytest.mark.parametrize("script", INFO_SCRIPTS)
def test_info(script: str) -> None:
    assert_same(["-c", DEFAULT, MK + script])
    assert_same(["-q", "-c", DEFAULT, MK + script])


def test_testnode() -> None:
    assert_same(
        [
            "-c",
            TESTNODE,
            "vol-list default-pool; vol-list default-pool --details; "
            "vol-info default-vol default-pool; vol-info /default-pool/default-vol --bytes; "
            "vol-dumpxml default-vol default-pool; vol-key default-vol default-pool; "
            "vol-pool /default-pool/default-vol",
        ]
    )


CHANGE_SCRIPTS = [
    "vol-delete v1 default-pool; vol-list default-pool",
    "vol-delete v1 default-pool --delete-snapshots",
    "vol-delete /default-pool/v1; vol-delete /default-pool/v1",
    "vol-wipe v1 default-pool",
    "vol-wipe v1 default-pool --algorithm nnsa",
    "vol-wipe v1 default-pool --algorithm zero",
    "vol-wipe v1 default-pool --algorithm bad",
    "vol-wipe v1 default-pool --algorithm ''",
    "vol-resize v1 2M default-pool",
    "vol-resize v1 2M default-pool --delta --allocate",
    "vol-resize v1 --capacity=-1M default-pool",
    "vol-resize v1 --capacity=' -1M' default-pool --shrink",
    "vol-resize v1 --capacity=-1X default-pool --shrink",
    "vol-resize v1 --capacity=-- default-pool --shrink",
    "vol-resize v1 1Q default-pool",
    "vol-resize v1 '' default-pool",
    "vol-upload v1 /etc/hostname default-pool",
    "vol-upload v1 /etc/hostname default-pool --sparse --offset 1 --length -1",
    "vol-upload v1 /nonexistent default-pool",
    "vol-upload v1 /etc/hostname default-pool --offset -1",
    "vol-upload v1 /etc/hostname default-pool --length x",
    "vol-download v1 /tmp/vsh-vt-dl default-pool --offset -1",
    "vol-download v1 /tmp/vsh-vt-dl default-pool --length 18446744073709551616",
    "vol-download v1 /nonexistent-dir/x default-pool",
]


@pytest.mark.parametrize("script", CHANGE_SCRIPTS)
def test_change(script: str) -> None:
    assert_same(["-c", DEFAULT, MK + script])


def test_download_removes_created_file(tmp_path: Path) -> None:
    target = tmp_path / "out"
    for _ in range(2):  # each run creates the file, fails, removes it
        assert_same(["-c", DEFAULT, MK + f"vol-download v1 {target} default-pool --sparse"])
        assert not target.exists()
    target.write_bytes(b"kept")  # an existing file is truncated and kept
    os.chmod(target, 0o640)
    assert_same(["-c", DEFAULT, MK + f"vol-download v1 {target} default-pool"])
    assert target.exists() and target.stat().st_size == 0
    assert target.stat().st_mode & 0o777 == 0o640


def test_create_from_file(tmp_path: Path) -> None:
    xml = tmp_path / "vol.xml"
    xml.write_text("<volume><name>fv</name><capacity>1024</capacity></volume>\n")
    bad = tmp_path / "bad.xml"
    bad.write_text("<volume>")
    assert_same(
        [
            "-c",
            DEFAULT,
            f"vol-create default-pool {xml}; vol-create default-pool {xml}; "
            f"vol-create default-pool {xml} --validate --prealloc-metadata; "
            f"vol-create default-pool {bad}; vol-create default-pool /nonexistent; "
            f"vol-create nope {xml}; vol-list default-pool --details",
        ]
    )


def test_inactive_pool() -> None:
    assert_same(
        [
            "-c",
            DEFAULT,
            MK + "pool-destroy default-pool; vol-info v1 default-pool; "
            "vol-list default-pool; vol-info /default-pool/v1",
        ]
    )


READONLY_SCRIPTS = [
    "vol-create-as default-pool v1 1M",
    "vol-create-as default-pool v1 1M --print-xml",
    "vol-list default-pool --details",
    "vol-delete nope default-pool",
]


@pytest.mark.parametrize("script", READONLY_SCRIPTS)
def test_readonly(script: str) -> None:
    assert_same(["-r", "-c", DEFAULT, script])


def test_readonly_existing_volume() -> None:
    assert_same(
        [
            "-r",
            "-c",
            TESTNODE,
            "vol-info default-vol default-pool; "
            "vol-delete default-vol default-pool; vol-wipe default-vol default-pool; "
            "vol-resize default-vol 2M default-pool; vol-dumpxml default-vol default-pool",
        ]
    )


V1 = "vol-create-as default-pool v1 1M"

MORE_SCRIPTS = [
    "vol-list nosuch",
    "vol-info --pool default-pool nosuch",
    f"{V1}; vol-info v1 --pool default-pool; vol-key v1 --pool default-pool; "
    "vol-path v1 --pool default-pool",
    f"{V1} --allocation 2M --format raw; vol-info --pool default-pool v1 --bytes",
    "vol-create-as default-pool v1 abc",
    "vol-create-as default-pool v1 -1",
    "vol-create-as nosuch v1 1M",
    f"{V1} --print-xml",
    f"{V1}; vol-resize v1 2M --pool default-pool; vol-info v1 --pool default-pool",
    f"{V1}; vol-resize v1 --pool default-pool -- -1M",
    f"{V1}; vol-resize v1 1K --pool default-pool --shrink",
    f"{V1}; vol-wipe v1 --pool default-pool",
    f"{V1}; vol-wipe v1 --pool default-pool --algorithm zero",
    f"{V1}; vol-wipe v1 --pool default-pool --algorithm bogus",
    f"{V1}; vol-delete v1 --pool default-pool; vol-list default-pool",
    f"{V1}; vol-delete v1 --pool default-pool --delete-snapshots",
    "vol-name nosuch; vol-pool nosuch; vol-key nosuch; vol-path nosuch",
    f"{V1}; vol-name /default-pool/v1; vol-pool /default-pool/v1; vol-pool /default-pool/v1 --uuid",
    f"{V1}; vol-dumpxml v1 --pool default-pool --xpath //capacity",
    "vol-upload v1 /nonexistent --pool default-pool",
]


@pytest.mark.parametrize("script", MORE_SCRIPTS)
def test_more_scripts(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_more_quiet() -> None:
    assert_same(["-q", "-c", DEFAULT, f"{V1}; vol-list default-pool --details"])
