"""vsh.commands.nodedev: virsh's device tree and --json."""

from __future__ import annotations

import json

from tests.commands.fakes import Fake, output, run_script, session_with
from tests.conformance.harness import run_virsh, run_vsh
from vsh.commands.nodedev import _forward, render_devices_tree
from vsh.virt.eventwait import EventWait


def _tree(names: list[str], parents: list[str | None]) -> str:
    out: list[str] = []
    render_devices_tree(names, parents, out.append)
    return "".join(out)


def test_tree_layout() -> None:
    # the layout of vshTreePrint: children in list order, orphans left out
    text = _tree(["a", "b", "c", "computer", "x"], ["computer", "a", "computer", None, "gone"])
    # derived by hand from vshTreePrintInternal (tools/vsh.c)
    assert text == "computer\n  |\n  +- a\n  |   |\n  |   +- b\n  |     \n  +- c\n    \n"


def test_deep_chain_is_iterative() -> None:
    names = ["computer"] + [f"d{i}" for i in range(5000)]
    parents: list[str | None] = [None, "computer"] + [f"d{i}" for i in range(4999)]
    assert _tree(names, parents).count("+- ") == 5000


def test_nodedev_list_json_fails_like_text() -> None:
    """The test driver refuses the active/inactive flags virsh 9.0 passes."""
    args = ["-c", "test:///default"]
    text = run_vsh([*args, "nodedev-list --all"])
    as_json = run_vsh([*args, "nodedev-list --all --json"])
    assert as_json.status == text.status == 1
    assert as_json.err == text.err
    assert as_json.err == run_virsh([*args, "nodedev-list --all"]).err
    assert as_json.err.startswith("error: Failed to list node devices\nerror: ")


def test_nodedev_info_json() -> None:
    out = run_vsh(["-c", "test:///default", "nodedev-info scsi_host1 --json"])
    assert out.status == 0
    # the test driver answers none of isActive/isPersistent/autostart: null
    assert json.loads(out.out) == {
        "name": "scsi_host1",
        "parent": "computer",
        "active": None,
        "persistent": None,
        "autostart": None,
    }
    root = run_vsh(["-c", "test:///default", "nodedev-info computer --json"])
    assert json.loads(root.out)["parent"] is None


def test_nodedev_info_text_from_answers() -> None:
    dev = Fake(name="d", parent=None, isActive=0, isPersistent=1, autostart=1)
    s = session_with(Fake(nodeDeviceLookupByName=lambda n: dev))
    assert run_script(s, "nodedev-info d")
    assert output(s)[0] == (
        "Name:           d\nParent:         \nActive:         no\n"
        "Persistent:     yes\nAutostart:      yes\n\n"
    )


def test_nodedev_event_lines() -> None:
    events = EventWait(session_with(None), loop=True, stamped=False)
    dev = Fake(name="mdev_1")
    _forward(events, "lifecycle")(None, dev, 2, 0, None)
    _forward(events, "lifecycle")(None, dev, 9, 0, None)
    _forward(events, "update")(None, dev, None)
    lines = [events._lines.get_nowait() for _ in range(3)]
    assert lines == [
        "event 'lifecycle' for node device mdev_1: Defined\n",
        "event 'lifecycle' for node device mdev_1: unknown\n",
        "event 'update' for node device mdev_1\n",
    ]


def test_nodedev_detach_driver_picks_the_flags_api() -> None:
    dev = Fake(name="pci_0000_00_01_0", detachFlags=0, dettach=0)
    s = session_with(Fake(nodeDeviceLookupByName=lambda n: dev))
    assert run_script(s, "nodedev-detach pci_0000_00_01_0 --driver vfio; nodedev-dettach x")
    assert dev.called("detachFlags") == [("vfio", 0)]
    assert dev.called("dettach") == [()]
    assert output(s) == ("Device pci_0000_00_01_0 detached\n\nDevice x detached\n\n", "")
