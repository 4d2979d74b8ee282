"""Unit tests for vsh.commands.domain.guest: the success paths the test
driver cannot reach (the guest agent's answers), against fakes returning
what libvirt documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.commands.fakes import Fake, output, run_script, session_with
from vsh.commands.domain import guest
from vsh.core.session import Session


def _session(dom: Fake) -> Session:
    return session_with(Fake(lookupByName=dom, lookupByID=dom, lookupByUUIDString=dom))


def _run(dom: Fake, script: str) -> tuple[bool, str, str]:
    s = _session(dom)
    ok = run_script(s, script)
    out, err = output(s)
    return ok, out, err


# virDomainGetGuestInfo's documented typed parameters (a subset, in its order)
GUEST_INFO: dict[str, Any] = {
    "user.count": 1,
    "user.0.name": "root",
    "user.0.login-time": 1588259400000,
    "os.id": "fedora",
    "timezone.name": "CET",
    "timezone.offset": 3600,
    "hostname": "guest1",
}


def test_guestinfo_prints_each_parameter_padded_to_20() -> None:
    dom = Fake(name="d", guestInfo=GUEST_INFO)
    ok, out, err = _run(dom, "guestinfo d")
    assert ok and err == ""
    assert out.splitlines()[:3] == [
        "user.count          : 1",
        "user.0.name         : root",
        "user.0.login-time   : 1588259400000",
    ]
    assert out.endswith("hostname            : guest1\n\n")
    assert dom.called("guestInfo") == [(0, 0)]


def test_guestinfo_types_are_flag_bits_and_json_keeps_types() -> None:
    import libvirt

    dom = Fake(name="d", guestInfo=GUEST_INFO)
    ok, out, _err = _run(dom, "guestinfo d --os --hostname --json")
    assert ok
    bits = libvirt.VIR_DOMAIN_GUEST_INFO_OS | libvirt.VIR_DOMAIN_GUEST_INFO_HOSTNAME
    assert dom.called("guestInfo") == [(bits, 0)]
    assert json.loads(out) == GUEST_INFO


def test_guestvcpus_query_and_set() -> None:
    params = {"vcpus": "0-3", "online": "0-1", "offlinable": "1-3"}
    dom = Fake(name="d", guestVcpus=params, setGuestVcpus=0)
    ok, out, _err = _run(dom, "guestvcpus d")
    assert ok and out == "vcpus          : 0-3\nonline         : 0-1\nofflinable     : 1-3\n\n"
    ok, out, _err = _run(dom, "guestvcpus d --json")
    assert ok and json.loads(out) == params
    ok, _out, _err = _run(dom, "guestvcpus d --cpulist 2-3 --disable; guestvcpus d 1 --enable")
    assert ok and dom.called("setGuestVcpus") == [("2-3", 0, 0), ("1", 1, 0)]


def test_domfsinfo_table_empty_and_json() -> None:
    infos = [("/", "sda1", "xfs", ["vda", "vdb"]), ("/mnt", "sdc", "ext4", [])]
    ok, out, _err = _run(Fake(name="d", fsInfo=infos), "domfsinfo d")
    assert ok
    assert out.splitlines() == [
        " Mountpoint   Name   Type   Target",
        "-------------------------------------",
        " /            sda1   xfs    vda,vdb",
        " /mnt         sdc    ext4   ",
        "",
    ]
    ok, out, _err = _run(Fake(name="d", fsInfo=infos), "domfsinfo d --json")
    assert json.loads(out)[0] == {
        "mountpoint": "/",
        "name": "sda1",
        "type": "xfs",
        "targets": ["vda", "vdb"],
    }
    ok, out, _err = _run(Fake(name="d", fsInfo=[]), "domfsinfo d")
    assert ok and out == "No filesystems are mounted in the domain\n"


def test_pm_suspend_and_wakeup_messages() -> None:
    import libvirt

    dom = Fake(name="d", pMSuspendForDuration=0, pMWakeup=0)
    ok, out, _err = _run(dom, "dompmsuspend d disk --duration 30; dompmwakeup d")
    assert ok
    assert out == "Domain 'd' successfully suspended\nDomain 'd' successfully woken up\n"
    assert dom.called("pMSuspendForDuration") == [(libvirt.VIR_NODE_SUSPEND_TARGET_DISK, 30, 0)]


def test_ssh_keys(tmp_path: Path) -> None:
    import libvirt

    dom = Fake(name="d", authorizedSSHKeysGet=["ssh-rsa AAA a@b", "ssh-ed25519 BBB c@d"])
    ok, out, _err = _run(dom, "get-user-sshkeys d root")
    assert ok and out == "ssh-rsa AAA a@bssh-ed25519 BBB c@d\n"  # virsh's "%s" per key
    keys = tmp_path / "keys"
    keys.write_text("ssh-rsa AAA a@b\nssh-ed25519 BBB c@d\n")
    dom = Fake(name="d", authorizedSSHKeysSet=0)
    ok, _out, _err = _run(
        dom, f"set-user-sshkeys d root --file {keys}; set-user-sshkeys d u --reset"
    )
    assert ok
    assert dom.called("authorizedSSHKeysSet") == [
        (
            "root",
            ["ssh-rsa AAA a@b", "ssh-ed25519 BBB c@d", ""],
            libvirt.VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND,
        ),
        ("u", [], 0),
    ]


def test_signal_numbers() -> None:
    assert guest.signal_number("9") == 9
    assert guest.signal_number("SIGKILL") == 9
    assert guest.signal_number("sig_term") == 15
    assert guest.signal_number("rt32") == 64
    assert guest.signal_number("nop") == 0
    assert guest.signal_number("sigfoo") == -1
    assert len(guest.SIGNAL_NAMES) == 65


def test_agent_timeout_default_is_block() -> None:
    import libvirt

    dom = Fake(name="d", agentSetResponseTimeout=0)
    ok, _out, _err = _run(dom, "guest-agent-timeout d; guest-agent-timeout d --timeout 7")
    assert ok
    assert dom.called("agentSetResponseTimeout") == [
        (libvirt.VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK, 0),
        (7, 0),
    ]
