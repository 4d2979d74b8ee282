"""vsh.commands.domain.lifecycle: option parsing, undefine's logic and
XPath look-ups (``--xpath`` output itself is tested in tests/test_xpathdump.py).

Expected results follow libvirt 9.0's C source (virsh-domain.c, virfile.c,
virsh-util.c), or outputs captured from virsh 9.0; differential tests against
the binary itself are in tests/conformance/test_domain_conformance.py.

Stand-ins for libvirt objects come from tests/commands/fakes.py.
"""

from __future__ import annotations

from typing import Any

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from vsh.commands.domain import lifecycle as domain
from vsh.core.errors import VshError
from vsh.core.session import Session


def test_mode_flags() -> None:
    modes = domain._SHUTDOWN_MODES
    expecting = "'acpi', 'agent', 'initctl', 'signal', or 'paravirt'"
    assert domain._mode_flags(None, modes, expecting) == 0
    assert domain._mode_flags("acpi,agent", modes, expecting) == (
        libvirt.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN | libvirt.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT
    )
    with pytest.raises(VshError) as exc:
        domain._mode_flags("acpi,", modes, expecting)
    assert exc.value.messages == [f"Unknown mode  value, expecting {expecting}"]


# ---------------------------------------------------------------------------
# commands against stand-ins: paths the test driver never takes


def _dom(**more: Any) -> Fake:
    base: dict[str, Any] = {"name": "d", "ID": -1, "isActive": 0, "UUIDString": "u"}
    base.update(more)
    return Fake(**base)


def _session_for(dom: Fake, **conn: Any) -> Session:
    return session_with(Fake(lookupByName=dom, lookupByID=dom, lookupByUUIDString=dom, **conn))


def test_undefine_old_server_refuses_with_snapshots() -> None:
    # A server without virDomainUndefineFlags' snapshot flag: virsh's emulation.
    def snapshot_num(flags: int) -> int:
        if flags:  # VIR_DOMAIN_SNAPSHOT_LIST_METADATA is unknown there
            raise lv_error(libvirt.VIR_ERR_INVALID_ARG)
        return 2

    dom = _dom(
        hasManagedSaveImage=0,
        snapshotNum=snapshot_num,
        undefineFlags=lv_error(libvirt.VIR_ERR_NO_SUPPORT),
        undefine=0,
    )
    s = _session_for(dom)
    assert not run_script(s, "undefine d")
    assert output(s) == ("\n", "error: Refusing to undefine while 2 snapshots exist\n")
    s = _session_for(dom)
    assert not run_script(s, "undefine d --snapshots-metadata")
    assert output(s)[1] == "error: Unable to remove metadata of 2 snapshots\n"
    assert not dom.called("undefine")


def test_undefine_unsupported_flags_fall_back_to_plain_undefine() -> None:
    dom = _dom(
        hasManagedSaveImage=1,
        snapshotNum=0,
        undefineFlags=lv_error(libvirt.VIR_ERR_NO_SUPPORT),
        managedSaveRemove=0,
        undefine=0,
    )
    s = _session_for(dom)
    assert run_script(s, "undefine d --managed-save")
    assert output(s) == ("Domain 'd' has been undefined\n\n", "")
    assert dom.called("managedSaveRemove") == [(0,)]
    s = _session_for(dom)
    assert not run_script(s, "undefine d")
    assert output(s)[1] == "error: Refusing to undefine while domain managed save image exists\n"


def test_undefine_nvram_never_falls_back() -> None:
    dom = _dom(
        hasManagedSaveImage=0,
        snapshotNum=0,
        undefineFlags=lv_error(libvirt.VIR_ERR_NO_SUPPORT, "no nvram here"),
        undefine=0,
    )
    s = _session_for(dom)
    assert not run_script(s, "undefine d --nvram")
    assert output(s)[1] == "error: Failed to undefine domain 'd'\nerror: no nvram here\n"
    assert not dom.called("undefine")


def test_undefine_drops_pointless_flags() -> None:
    dom = _dom(hasManagedSaveImage=0, snapshotNum=0, undefineFlags=0)
    s = _session_for(dom)
    assert run_script(s, "undefine d --managed-save --snapshots-metadata --nvram")
    assert dom.called("undefineFlags") == [(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM,)]


def test_undefine_running_domain_keeps_everything() -> None:
    dom = _dom(isActive=1, ID=3, undefineFlags=0)
    s = _session_for(dom)
    assert run_script(s, "undefine d --managed-save --snapshots-metadata")
    assert not dom.called("hasManagedSaveImage") and not dom.called("snapshotNum")
    assert dom.called("undefineFlags") == [(0,)]


def test_undefine_volume_failures_fail_the_command() -> None:
    xml = (
        "<domain><devices><disk><source file='/p/a'/><target dev='vda'/></disk></devices></domain>"
    )
    vol = Fake(wipe=lv_error(libvirt.VIR_ERR_NO_SUPPORT, "no wipe"), delete=lv_error(1, "busy"))
    dom = _dom(hasManagedSaveImage=0, snapshotNum=0, undefineFlags=0, XMLDesc=xml)
    s = _session_for(dom, storageVolLookupByPath=vol)
    assert not run_script(s, "undefine d --remove-all-storage --wipe-storage")
    assert output(s) == (
        "Domain 'd' has been undefined\nWiping volume 'vda'(/p/a) ... \n",
        "error: Failed! Volume not removed.\nerror: no wipe\n",
    )
    s = _session_for(dom, storageVolLookupByPath=vol)
    assert not run_script(s, "undefine d --storage vda")
    assert output(s)[1] == ("error: Failed to remove storage volume 'vda'(/p/a)\nerror: busy\n")


def test_undefine_disk_without_target_fails_silently() -> None:
    xml = "<domain><devices><disk><source file='/p/a'/></disk></devices></domain>"
    dom = _dom(hasManagedSaveImage=0, snapshotNum=0, undefineFlags=0, XMLDesc=xml)
    s = _session_for(dom)
    assert not run_script(s, "undefine d --remove-all-storage")
    assert output(s) == ("\n", "")
    assert not dom.called("undefineFlags")


def test_start_force_boot_emulation() -> None:
    # A server that rejects VIR_DOMAIN_START_FORCE_BOOT: the managed save image
    # is removed, then the domain is started without the flag.
    def create_with_flags(flags: int) -> int:
        if flags & libvirt.VIR_DOMAIN_START_FORCE_BOOT:
            raise lv_error(libvirt.VIR_ERR_INVALID_ARG)
        return 0

    dom = _dom(
        createWithFlags=create_with_flags,
        hasManagedSaveImage=1,
        managedSaveRemove=0,
        create=0,
    )
    s = _session_for(dom)
    assert run_script(s, "start d --force-boot")
    assert output(s) == ("Domain 'd' started\n\n", "")
    assert dom.called("managedSaveRemove") == [(0,)]
    assert dom.called("create") == [()]  # no flag left: the oldest API


def test_start_force_boot_other_errors_are_reported_alone() -> None:
    dom = _dom(createWithFlags=lv_error(libvirt.VIR_ERR_OPERATION_FAILED, "nope"))
    s = _session_for(dom)
    assert not run_script(s, "start d --force-boot")
    assert output(s) == ("\n", "error: nope\n")


def test_domuuid_failure_still_succeeds() -> None:
    dom = _dom(UUIDString=lv_error(1, "no uuid"))
    s = _session_for(dom)
    assert run_script(s, "domuuid d")
    assert output(s) == ("\n", "error: failed to get domain UUID\n")


# ---------------------------------------------------------------------------
# dumpxml: --xpath / --wrap go through vsh.virt.xpathdump (tests/test_xpathdump.py)


def test_dumpxml_xpath_goes_through_libxml2() -> None:
    dom = _dom(XMLDesc="<domain type='test'><name>d</name><os><type>hvm</type></os></domain>")
    s = _session_for(dom)
    assert run_script(s, "dumpxml d --xpath //os --wrap")
    assert output(s) == ("<nodes>\n  <os>\n    <type>hvm</type>\n  </os>\n</nodes>\n\n", "")
    s = _session_for(dom)
    assert not run_script(s, "dumpxml d --xpath 'count(//os)'")
    assert output(s) == ("\n", "error: internal error: Incorrect xpath 'count(//os)'\n")


def test_xpath_support_is_loaded_lazily() -> None:
    import subprocess
    import sys

    code = (
        "import sys, vsh.commands.domain.lifecycle, vsh.commands.host; "
        "import vsh.commands.monitor.info, vsh.commands.monitor.listing; "
        "import vsh.commands.monitor.blocks, vsh.commands.monitor.interfaces; "
        "import vsh.commands.monitor.memory, vsh.commands.monitor.stats; "
        "print('vsh.virt.xpathdump' in sys.modules, 'json' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"]
