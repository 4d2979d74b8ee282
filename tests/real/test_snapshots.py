"""Snapshots on a real QEMU guest: internal with memory, disk-only external, revert, delete,
and the list views (``--tree``, ``--topological``) over real metadata.

The guest's state is checked from outside libvirt as well: internal snapshots in the
qcow2 (``qemu-img snapshot -l -U``), overlays on disk, and the serial console (a revert
that restores memory does not boot the guest again, so no new ready line appears).
"""

from __future__ import annotations

import subprocess

import pytest

from tests.real.util import ok, same, virsh, vsh
from tests.realstack.stack import QEMU_IMG, READY_LINE

pytestmark = pytest.mark.real


def _messages_match(stack, domain, make_args, name_a, name_b):
    """virsh does ``make_args(name_a)``, vsh ``make_args(name_b)``: same words, other name."""
    expected = virsh(stack, *make_args(name_a))
    actual = vsh(stack, *make_args(name_b))
    assert actual.status == expected.status == 0, actual.err or expected.err
    assert actual.out == expected.out.replace(name_a, name_b)
    assert actual.err == expected.err.replace(name_a, name_b)
    return actual


def test_internal_snapshot_with_memory_of_running_guest(real_stack, guests):
    guests("sn-int", start=True)
    out = _messages_match(
        real_stack,
        "sn-int",
        lambda n: ["snapshot-create-as", "sn-int", n, "--description", "with memory"],
        "by-virsh",
        "by-vsh",
    )
    assert "by-vsh" in out.out
    assert real_stack.qcow2_snapshots("sn-int") == ["by-virsh", "by-vsh"]
    info = same(real_stack, "snapshot-info", "sn-int", "by-vsh")
    assert "State:          running\n" in info.out
    assert "Location:       internal\n" in info.out
    assert "Current:        yes\n" in info.out
    xml = same(real_stack, "snapshot-dumpxml", "sn-int", "by-vsh").out
    assert "<state>running</state>" in xml
    assert "<memory snapshot='internal'/>" in xml
    assert "<description>with memory</description>" in xml
    assert same(real_stack, "snapshot-parent", "sn-int", "by-vsh").out == "by-virsh\n"
    assert real_stack.domstate("sn-int") == "running"


def test_disk_only_external_snapshot(real_stack, guests):
    g = guests("sn-ext", start=True)
    out = ok(vsh(real_stack, "snapshot-create-as", "sn-ext", "e1", "--disk-only"))
    assert "e1" in out.out
    overlay = g.disk.with_suffix(".e1")
    assert overlay.exists()
    assert f"<source file='{overlay}'" in real_stack.virsh("dumpxml", "sn-ext").stdout
    backing = subprocess.run(
        [QEMU_IMG, "info", "-U", str(overlay)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert f"backing file: {g.disk}" in backing
    info = same(real_stack, "snapshot-info", "sn-ext", "e1")
    assert "State:          disk-snapshot\n" in info.out
    assert "Location:       external\n" in info.out
    assert same(real_stack, "snapshot-list", "sn-ext", "--external", "--name").out == "e1\n\n"
    assert same(real_stack, "snapshot-list", "sn-ext", "--internal", "--name").out == "\n"
    # libvirt 9.0 cannot revert to it, in virsh's words
    refused = same(real_stack, "snapshot-revert", "sn-ext", "e1")
    assert refused.status == 1 and "revert to external snapshot not supported" in refused.err
    # deleting an external leaf commits the overlay back into the base image (9.0.0)
    out = ok(vsh(real_stack, "snapshot-delete", "sn-ext", "e1"))
    assert out.out == "Domain snapshot e1 deleted\n\n"
    assert not overlay.exists()
    assert f"<source file='{g.disk}'" in real_stack.virsh("dumpxml", "sn-ext").stdout
    # the guest kept running through all of it: it still answers the power button
    ok(vsh(real_stack, "shutdown", "sn-ext"))
    real_stack.wait_state("sn-ext", "shut off", timeout=30)


def test_external_snapshot_over_internal_one(real_stack, guests):
    g = guests("sn-mix", start=True)
    ok(vsh(real_stack, "snapshot-create-as", "sn-mix", "i0"))
    ok(vsh(real_stack, "snapshot-create-as", "sn-mix", "e1", "--disk-only"))
    overlay = g.disk.with_suffix(".e1")
    assert same(real_stack, "snapshot-list", "sn-mix", "--tree").out.startswith("i0\n")
    # both deletes are refused by libvirt 9.0 (and change nothing)
    refused = same(real_stack, "snapshot-delete", "sn-mix", "i0")
    assert refused.status == 1 and "not the same as disk image currently used" in refused.err
    refused = same(real_stack, "snapshot-delete", "sn-mix", "e1")
    assert refused.status == 1 and "internal snapshot as parent" in refused.err
    assert overlay.exists() and real_stack.qcow2_snapshots("sn-mix") == ["i0"]
    # only the metadata can go; the data stays
    ok(vsh(real_stack, "snapshot-delete", "sn-mix", "e1", "--metadata"))
    assert real_stack.virsh("snapshot-list", "sn-mix", "--name").stdout == "i0\n\n"
    assert overlay.exists()


def test_revert_restores_memory_and_state(real_stack, guests):
    guests("sn-rev", start=True)
    ok(vsh(real_stack, "snapshot-create-as", "sn-rev", "live"))
    ok(vsh(real_stack, "destroy", "sn-rev"))
    ok(vsh(real_stack, "snapshot-create-as", "sn-rev", "off"))  # of the shut-off guest
    assert same(real_stack, "snapshot-info", "sn-rev", "off").out.count("State:          shutoff")
    boots = real_stack.serial_text("sn-rev").count(READY_LINE)

    out = ok(vsh(real_stack, "snapshot-revert", "sn-rev", "live"))
    assert real_stack.domstate("sn-rev") == "running"
    # the memory image came back: the guest resumed in its idle loop, it did not boot
    assert real_stack.serial_text("sn-rev").count(READY_LINE) == boots
    assert same(real_stack, "snapshot-current", "sn-rev", "--name").out == "live\n"
    expected = virsh(real_stack, "snapshot-revert", "sn-rev", "live")
    assert (out.status, out.out, out.err) == (expected.status, expected.out, expected.err)

    ok(vsh(real_stack, "snapshot-revert", "sn-rev", "live", "--paused"))
    assert real_stack.domstate("sn-rev") == "paused"
    ok(vsh(real_stack, "snapshot-revert", "sn-rev", "off"))
    assert real_stack.domstate("sn-rev") == "shut off"
    ok(vsh(real_stack, "snapshot-revert", "sn-rev", "live", "--running"))
    assert real_stack.domstate("sn-rev") == "running"
    # restored device state includes the enabled power button: shutdown still works
    ok(vsh(real_stack, "shutdown", "sn-rev"))
    real_stack.wait_state("sn-rev", "shut off", timeout=30)


def test_delete_internal_snapshots(real_stack, guests):
    guests("sn-del", start=True)
    for name in ("s1", "s2", "s3"):
        ok(vsh(real_stack, "snapshot-create-as", "sn-del", name))
    for name in ("sib-a", "sib-b"):  # two leaves under s1 (current pointer moved, no revert)
        real_stack.virsh("snapshot-current", "sn-del", "s1")
        ok(vsh(real_stack, "snapshot-create-as", "sn-del", name))
    _messages_match(
        real_stack, "sn-del", lambda n: ["snapshot-delete", "sn-del", n], "sib-a", "sib-b"
    )
    out = ok(vsh(real_stack, "snapshot-delete", "sn-del", "s2"))
    assert "s2" in out.out
    assert same(real_stack, "snapshot-parent", "sn-del", "s3").out == "s1\n"  # re-parented
    assert real_stack.qcow2_snapshots("sn-del") == ["s1", "s3"]
    ok(vsh(real_stack, "snapshot-delete", "sn-del", "s1", "--children"))
    assert real_stack.virsh("snapshot-list", "sn-del", "--name").stdout == "\n"
    assert real_stack.qcow2_snapshots("sn-del") == []
    assert real_stack.domstate("sn-del") == "running"


# m-root ─┬─ c-child ── b-grand
#         └─ a-second ─ z-leaf        (name order differs from topological order)
TREE = [
    ("m-root", None),
    ("c-child", "m-root"),
    ("b-grand", "c-child"),
    ("a-second", "m-root"),
    ("z-leaf", "a-second"),
]


def build_tree(stack, domain, tree=TREE, current=None):
    """Internal snapshots of a running guest, shaped by reverting to each parent first."""
    for name, parent in tree:
        if parent is not None:
            stack.virsh("snapshot-current", domain, parent)  # metadata only: no revert needed
        stack.virsh("snapshot-create-as", domain, name)
    if current:
        stack.virsh("snapshot-current", domain, current)


def test_snapshot_list_tree_and_topological(real_stack, guests):
    guests("sn-tree", start=True)
    build_tree(real_stack, "sn-tree", current="a-second")
    tree = same(real_stack, "snapshot-list", "sn-tree", "--tree").out
    assert tree.splitlines()[0] == "m-root"
    topo = same(real_stack, "snapshot-list", "sn-tree", "--topological", "--name").out.split()
    assert sorted(topo) == sorted(n for n, _ in TREE)
    for name, parent in TREE:
        if parent:
            assert topo.index(parent) < topo.index(name)
    same(real_stack, "snapshot-list", "sn-tree")
    same(real_stack, "snapshot-list", "sn-tree", "--topological")
    same(real_stack, "snapshot-list", "sn-tree", "--parent", "--topological")
    same(real_stack, "snapshot-list", "sn-tree", "--roots")
    same(real_stack, "snapshot-list", "sn-tree", "--leaves", "--name")
    same(real_stack, "snapshot-list", "sn-tree", "--no-leaves", "--name")
    same(real_stack, "snapshot-list", "sn-tree", "--from", "m-root", "--tree")
    same(
        real_stack,
        "snapshot-list",
        "sn-tree",
        "--from",
        "c-child",
        "--descendants",
        "--topological",
        "--name",
    )
    same(real_stack, "snapshot-list", "sn-tree", "--current", "--tree")
    same(real_stack, "snapshot-list", "sn-tree", "--current", "--descendants", "--name")
    assert same(real_stack, "snapshot-current", "sn-tree", "--name").out == "a-second\n"
    # the tree is real: every snapshot is in the qcow2
    assert sorted(real_stack.qcow2_snapshots("sn-tree")) == sorted(n for n, _ in TREE)
