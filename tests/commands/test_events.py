"""vsh/commands/events.py: virsh's event names and line formats."""

from __future__ import annotations

import libvirt

from vsh.commands import events


def test_event_names_follow_libvirt_ids() -> None:
    assert len(events.EVENT_NAMES) == libvirt.VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE + 1
    assert events.EVENT_NAMES[libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE] == "lifecycle"
    assert events.EVENT_NAMES[libvirt.VIR_DOMAIN_EVENT_ID_TUNABLE] == "tunable"
    assert events.EVENT_NAMES[-1] == "memory-device-size-change"


def test_formats() -> None:
    fmt = events._FORMATS
    assert fmt["lifecycle"]("lifecycle", "d", (5, 1)) == (
        "event 'lifecycle' for domain 'd': Stopped Destroyed\n"
    )
    assert fmt["lifecycle"]("lifecycle", "d", (99, 0)) == (
        "event 'lifecycle' for domain 'd': unknown unknown\n"
    )
    assert fmt["reboot"]("reboot", "d", ()) == "event 'reboot' for domain 'd'\n"
    assert fmt["block-job-2"]("block-job-2", "d", ("vda", 2, 0)) == (
        "event 'block-job-2' for domain 'd': Block Copy for vda completed\n"
    )
    assert fmt["tunable"]("tunable", "d", ({"a": 1, "b": True},)) == (
        "event 'tunable' for domain 'd':\n\ta: 1\n\tb: 1\n"
    )
    assert fmt["disk-change"]("disk-change", "d", (None, "/x", "ide0", 1)) == (
        "event 'disk-change' for domain 'd' disk ide0: (null) -> /x: dropped\n"
    )
