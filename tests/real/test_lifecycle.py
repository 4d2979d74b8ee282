"""Domain lifecycle through vsh on a real libvirtd + QEMU (TCG) guest.

The guest's boot sector (tests/realstack/bootsector.py) prints a ready line on its
serial console and powers off on the ACPI power button, so ``shutdown`` and
``reboot`` are observed in the guest, not just in libvirt's state.  Where a
mutating command's output can be compared, virsh runs it first, the change is
undone, and vsh runs it again: both must print the same bytes.
"""

from __future__ import annotations

import pytest

from tests.real.util import ok, virsh, vsh
from tests.realstack.stack import POWEROFF_LINE, READY_LINE

pytestmark = pytest.mark.real


def _both(stack, args, undo):
    """virsh ARGS, UNDO, vsh ARGS: the two outcomes must be identical."""
    expected = virsh(stack, *args)
    undo()
    actual = vsh(stack, *args)
    assert (actual.status, actual.out, actual.err) == (expected.status, expected.out, expected.err)
    return actual


def test_define_start_destroy_undefine(real_stack, guests):
    g = guests("lc-define", define=False)
    out = ok(vsh(real_stack, "define", str(g.xml)), "define")
    assert out.out == f"Domain 'lc-define' defined from {g.xml}\n\n"
    assert real_stack.domstate("lc-define") == "shut off"
    # define again (an update): same words as virsh
    _both(real_stack, ["define", str(g.xml)], lambda: None)

    out = ok(vsh(real_stack, "start", "lc-define"))
    assert out.out == "Domain 'lc-define' started\n\n"
    real_stack.wait_serial("lc-define", READY_LINE)
    assert real_stack.qemu_pids().get("lc-define")

    _both(real_stack, ["destroy", "lc-define"], lambda: real_stack.start_guest("lc-define"))
    reason = real_stack.virsh("domstate", "lc-define", "--reason").stdout
    assert reason == "shut off (destroyed)\n\n"
    assert "lc-define" not in real_stack.qemu_pids()

    out = ok(vsh(real_stack, "undefine", "lc-define"))
    assert out.out == "Domain 'lc-define' has been undefined\n\n"
    assert "lc-define" not in real_stack.virsh("list", "--all", "--name").stdout.split()


def test_start_twice_is_refused_like_virsh(real_stack, guests):
    guests("lc-twice", start=True)
    expected, actual = virsh(real_stack, "start", "lc-twice"), vsh(real_stack, "start", "lc-twice")
    assert actual.status == expected.status == 1
    assert actual.err == expected.err
    assert "already active" in actual.err


def test_suspend_resume(real_stack, guests):
    guests("lc-pause", start=True)
    qemu = real_stack.qemu_pids()["lc-pause"]
    out = _both(real_stack, ["suspend", "lc-pause"], lambda: real_stack.virsh("resume", "lc-pause"))
    assert out.out == "Domain 'lc-pause' suspended\n\n"
    assert real_stack.virsh("domstate", "lc-pause", "--reason").stdout == "paused (user)\n\n"

    out = _both(real_stack, ["resume", "lc-pause"], lambda: real_stack.virsh("suspend", "lc-pause"))
    assert out.out == "Domain 'lc-pause' resumed\n\n"
    assert real_stack.virsh("domstate", "lc-pause", "--reason").stdout == "running (unpaused)\n\n"
    assert real_stack.qemu_pids()["lc-pause"] == qemu  # the same QEMU, never restarted
    # the guest really runs again: it still answers the power button
    ok(vsh(real_stack, "shutdown", "lc-pause"))
    real_stack.wait_state("lc-pause", "shut off", timeout=30)


def test_shutdown_really_powers_off(real_stack, guests):
    guests("lc-shutdown", start=True)
    out = ok(vsh(real_stack, "shutdown", "lc-shutdown"))
    assert out.out == "Domain 'lc-shutdown' is being shutdown\n\n"
    real_stack.wait_state("lc-shutdown", "shut off", timeout=30)
    assert POWEROFF_LINE in real_stack.serial_text("lc-shutdown")  # the guest saw the button
    assert real_stack.virsh("domstate", "lc-shutdown", "--reason").stdout == (
        "shut off (shutdown)\n\n"
    )
    assert "lc-shutdown" not in real_stack.qemu_pids()
    # virsh prints the same words for the same request
    real_stack.start_guest("lc-shutdown")
    assert ok(virsh(real_stack, "shutdown", "lc-shutdown")).out == out.out
    real_stack.wait_state("lc-shutdown", "shut off", timeout=30)


def test_shutdown_of_shut_off_domain_fails_like_virsh(real_stack, guests):
    guests("lc-off")
    expected = virsh(real_stack, "shutdown", "lc-off")
    actual = vsh(real_stack, "shutdown", "lc-off")
    assert (actual.status, actual.out, actual.err) == (expected.status, expected.out, expected.err)
    assert actual.status == 1 and "not running" in actual.err


def test_reboot_really_reboots(real_stack, guests):
    guests("lc-reboot", start=True)
    qemu = real_stack.qemu_pids()["lc-reboot"]
    out = ok(vsh(real_stack, "reboot", "lc-reboot"))
    assert out.out == "Domain 'lc-reboot' is being rebooted\n\n"
    # ACPI power button → the guest powers off → libvirt resets it → it boots again
    real_stack.wait_serial("lc-reboot", READY_LINE, count=2, timeout=30)
    serial = real_stack.serial_text("lc-reboot")
    assert serial.index(POWEROFF_LINE) < serial.rindex(READY_LINE)
    assert real_stack.domstate("lc-reboot") == "running"
    assert real_stack.qemu_pids()["lc-reboot"] == qemu  # libvirt's fake reboot keeps QEMU
    assert ok(virsh(real_stack, "reboot", "lc-reboot")).out == out.out
    real_stack.wait_serial("lc-reboot", READY_LINE, count=3, timeout=30)


def test_destroy_paused_guest_and_undefine_running(real_stack, guests):
    guests("lc-destroy", start=True)
    ok(vsh(real_stack, "suspend", "lc-destroy"))
    out = ok(vsh(real_stack, "destroy", "lc-destroy"))
    assert out.out == "Domain 'lc-destroy' destroyed\n\n"
    assert real_stack.domstate("lc-destroy") == "shut off"
    # undefine of a running domain makes it transient: it vanishes at destroy
    real_stack.start_guest("lc-destroy")
    _both(
        real_stack,
        ["undefine", "lc-destroy"],
        lambda: real_stack.virsh("define", str(real_stack.guest("lc-destroy").xml)),
    )
    assert ok(vsh(real_stack, "dominfo", "lc-destroy")).out.count("Persistent:     no") == 1
    ok(vsh(real_stack, "destroy", "lc-destroy"))
    gone = vsh(real_stack, "domstate", "lc-destroy")
    assert gone.status == 1
    assert gone.err == virsh(real_stack, "domstate", "lc-destroy").err
