"""vsh.virt.domstates: virsh's words for domain states and reasons
(virshDomainStateToString, virshDomainStateReasonToString)."""

from __future__ import annotations

import libvirt

from vsh.virt.domstates import reason_text, state_text


def test_state_words() -> None:
    assert [state_text(i) for i in range(8)] == [
        "no state",
        "running",
        "idle",
        "paused",
        "in shutdown",
        "shut off",
        "crashed",
        "pmsuspended",
    ]
    assert state_text(8) == "no state"
    assert state_text(-1) == "no state"


def test_reason_words() -> None:
    assert reason_text(libvirt.VIR_DOMAIN_RUNNING, 0) == "unknown"
    assert reason_text(libvirt.VIR_DOMAIN_RUNNING, 1) == "booted"
    assert reason_text(libvirt.VIR_DOMAIN_RUNNING, 11) == "post-copy failed"
    assert reason_text(libvirt.VIR_DOMAIN_PAUSED, 1) == "user"
    assert reason_text(libvirt.VIR_DOMAIN_PAUSED, 5) == "I/O error"
    assert reason_text(libvirt.VIR_DOMAIN_SHUTOFF, 1) == "shutdown"
    assert reason_text(libvirt.VIR_DOMAIN_SHUTOFF, 8) == "daemon"
    assert reason_text(libvirt.VIR_DOMAIN_CRASHED, 1) == "panicked"
    assert reason_text(libvirt.VIR_DOMAIN_SHUTDOWN, 1) == "user"
    # Unknown reasons and states, and GetInfo's missing reason (-1).
    assert reason_text(libvirt.VIR_DOMAIN_RUNNING, 99) == "unknown"
    assert reason_text(libvirt.VIR_DOMAIN_RUNNING, -1) == "unknown"
    assert reason_text(42, 0) == "unknown"
