"""vsh.commands.domain.images: the success paths the test driver lacks.

Outputs and errors on the test driver are compared with virsh in
tests/conformance/test_images_conformance.py; here, managed save XML and the
native formats against fakes returning what libvirt documents, and the
arguments of the calls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from vsh.commands.domain import images
from vsh.core.session import Session

XML = "<domain type='test'>\n  <name>d</name>\n  <memory unit='KiB'>1024</memory>\n</domain>\n"


def _session(dom: Fake, **conn: object) -> Session:
    return session_with(Fake(lookupByName=dom, lookupByID=dom, lookupByUUIDString=dom, **conn))


def test_managedsave_dumpxml_prints_the_xml_and_filters_it() -> None:
    dom = Fake(name="d", managedSaveGetXMLDesc=XML)
    s = _session(dom)
    assert run_script(s, "managedsave-dumpxml d --security-info")
    assert output(s) == (XML + "\n", "")
    assert dom.called("managedSaveGetXMLDesc") == [(1,)]
    s = _session(dom)
    assert run_script(s, "managedsave-dumpxml d --xpath //memory")
    assert output(s)[0] == '<memory unit="KiB">1024</memory>\n\n'


def test_managedsave_define_reads_the_file_and_passes_flags(tmp_path: Path) -> None:
    xml = tmp_path / "d.xml"
    xml.write_text(XML)
    dom = Fake(name="d", managedSaveDefineXML=0)
    s = _session(dom)
    assert run_script(s, f"managedsave-define d {xml} --paused")
    assert output(s) == ("Managed save state file of domain 'd' updated.\n\n", "")
    assert dom.called("managedSaveDefineXML") == [(XML, 4)]  # VIR_DOMAIN_SAVE_PAUSED
    failing = Fake(name="d", managedSaveDefineXML=lv_error(1, "internal error: no"))
    s = _session(failing)
    assert not run_script(s, f"managedsave-define d {xml}")
    assert (
        output(s)[1] == "error: Failed to update d XML configuration\nerror: internal error: no\n"
    )


def test_managedsave_edit_defines_the_edited_xml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "ed.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/1024/2048/' \"$1\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    dom = Fake(name="d", managedSaveGetXMLDesc=XML, managedSaveDefineXML=0)
    s = _session(dom)
    assert run_script(s, "managedsave-edit d --running")
    assert output(s) == (
        "Managed save image of Domain 'd' XML configuration edited.\n\n",
        "",
    )
    assert dom.called("managedSaveDefineXML") == [(XML.replace("1024", "2048"), 2)]  # SAVE_RUNNING
    monkeypatch.setenv("EDITOR", "true")
    s = _session(dom)
    assert run_script(s, "managedsave-edit d")
    assert output(s)[0] == "Managed save image of domain 'd' XML configuration not changed.\n\n"


def test_native_formats_print_what_libvirt_returns(tmp_path: Path) -> None:
    argv = "LC_ALL=C /usr/bin/qemu-system-x86_64 -name d\n"
    config = tmp_path / "argv"
    config.write_text(argv)
    dom = Fake(name="d", XMLDesc=XML)
    s = _session(dom, domainXMLFromNative=XML, domainXMLToNative=argv)
    assert run_script(s, f"domxml-from-native qemu-argv {config}")
    assert run_script(s, "domxml-to-native qemu-argv --domain d")
    assert output(s) == (XML + "\n" + argv + "\n", "")
    conn = s.conn
    assert conn.called("domainXMLFromNative") == [("qemu-argv", argv, 0)]
    assert conn.called("domainXMLToNative") == [("qemu-argv", XML, 0)]


def test_dump_formats_are_virshs_enum() -> None:
    assert images.complete_dump_formats(session_with(None)) == [
        "elf",
        "kdump-zlib",
        "kdump-lzo",
        "kdump-snappy",
        "win-dmp",
    ]
