"""Differential tests: backup-begin and backup-dumpxml (vsh/commands/backup.py)
against virsh 9.0 on test:///default.

The test driver implements neither virDomainBackupBegin nor
virDomainBackupGetXMLDesc: these compare option handling, the reading of the
backup and checkpoint XML files (before the call) and the error paths; the
success output is unit-tested against a fake in tests/commands/test_backup.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"


@pytest.mark.parametrize("name", ["backup-begin", "backup-dumpxml"])
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


def test_group_help() -> None:
    assert_same(["help backup"])


def test_begin_reads_files_first(tmp_path: Path) -> None:
    backup = tmp_path / "backup.xml"
    backup.write_text("<domainbackup/>\n")
    checkpoint = tmp_path / "checkpoint.xml"
    checkpoint.write_text("<domaincheckpoint/>\n")
    missing = tmp_path / "missing.xml"
    assert_same(
        [
            "-c",
            DEFAULT,
            f"backup-begin test; backup-begin test {backup}; backup-begin test {missing};"
            f" backup-begin test {backup} {checkpoint} --reuse-external;"
            f" backup-begin test {backup} {missing}; backup-begin test --checkpointxml {missing};"
            f" backup-begin test {tmp_path}; backup-begin test --checkpointxml={tmp_path};"
            f" backup-begin test ''; backup-begin test {backup} --checkpointxml '';"
            f" backup-begin test '' {missing}; backup-begin nosuch {missing}; backup-begin '';"
            " backup-begin",
        ]
    )


CASES = [
    "backup-dumpxml test; backup-dumpxml test --xpath ''; backup-dumpxml test --xpath / --wrap;"
    " backup-dumpxml nosuch; backup-dumpxml nosuch --xpath ''; backup-dumpxml ''; backup-dumpxml",
    "backup-dumpxml test /; backup-begin test a b c",
    "destroy test; backup-begin test; backup-dumpxml test",
]


@pytest.mark.parametrize("script", CASES)
def test_default(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_readonly_and_quiet() -> None:
    assert_same(["-r", "-c", DEFAULT, "backup-begin test --reuse-external; backup-dumpxml test"])
    assert_same(["-q", "-c", DEFAULT, "backup-begin test; backup-dumpxml test"])
