"""vsh.commands.backup: backup-begin's call (the XML it reads, the default
push backup, --reuse-external) and "Backup started", backup-dumpxml's XML and
--xpath, from a fake domain (the test driver implements no backups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import libvirt

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with

REUSE = libvirt.VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL
BACKUP_XML = """<domainbackup mode='push'>
  <disks>
    <disk name='vda' backup='yes' type='file'>
      <target file='/var/lib/libvirt/images/vda.backup'/>
      <driver type='qcow2'/>
    </disk>
  </disks>
</domainbackup>
"""


def _session(**dom_methods: Any) -> tuple[Any, Fake]:
    dom = Fake(**dom_methods)
    conn = Fake(lookupByName=dom, lookupByUUIDString=lv_error(42), lookupByID=lv_error(42))
    return session_with(conn), dom


def test_begin_without_xml_starts_libvirts_default_backup() -> None:
    s, dom = _session(backupBegin=0)
    assert run_script(s, "backup-begin d")
    assert output(s) == ("Backup started\n\n", "")
    assert dom.called("backupBegin") == [("<domainbackup/>", None, 0)]


def test_begin_passes_both_files_and_reuse_external(tmp_path: Path) -> None:
    backup = tmp_path / "b.xml"
    backup.write_text(BACKUP_XML)
    checkpoint = tmp_path / "c.xml"
    checkpoint.write_text("<domaincheckpoint><name>c1</name></domaincheckpoint>\n")
    s, dom = _session(backupBegin=0)
    assert run_script(s, f"backup-begin d {backup} {checkpoint} --reuse-external")
    assert output(s) == ("Backup started\n\n", "")
    assert dom.called("backupBegin") == [
        (BACKUP_XML, "<domaincheckpoint><name>c1</name></domaincheckpoint>\n", REUSE)
    ]


def test_begin_quiet_still_prints_started() -> None:
    # vshPrint, not vshPrintExtra: -q keeps the line
    s, _dom = _session(backupBegin=0)
    s.settings.quiet = True
    assert run_script(s, "backup-begin d")
    assert output(s)[0].startswith("Backup started\n")


def test_begin_failure_prints_libvirts_error_only() -> None:
    failure = lv_error(libvirt.VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: x")
    s, _dom = _session(backupBegin=failure)
    assert not run_script(s, "backup-begin d")
    assert output(s) == ("\n", "error: Requested operation is not valid: x\n")


def test_begin_missing_file_never_calls(tmp_path: Path) -> None:
    s, dom = _session(backupBegin=0)
    assert not run_script(s, f"backup-begin d --checkpointxml {tmp_path / 'no.xml'}")
    assert output(s)[1] == (
        f"error: Failed to open file '{tmp_path / 'no.xml'}': No such file or directory\n"
    )
    assert dom.called("backupBegin") == []


def test_dumpxml_prints_the_xml_and_xpath() -> None:
    s, dom = _session(backupGetXMLDesc=BACKUP_XML)
    assert run_script(s, "backup-dumpxml d")
    assert output(s) == (BACKUP_XML + "\n", "")
    assert dom.called("backupGetXMLDesc") == [(0,)]
    s, _dom = _session(backupGetXMLDesc=BACKUP_XML)
    assert run_script(s, "backup-dumpxml d --xpath //driver --wrap")
    # virsh's node dump (double quotes) inside its <nodes> root, as net-dumpxml shows
    assert output(s) == ('<nodes>\n  <driver type="qcow2"/>\n</nodes>\n\n', "")
