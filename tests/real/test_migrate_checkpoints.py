"""migrate --with-snapshots --with-checkpoints between two real libvirtd
daemons (``stack_pair``), and --dname with snapshots.

Checkpoints are made on the running guest (each one a persistent dirty
bitmap in its qcow2 v3 image); libvirt carries none of their metadata in a
migration by itself.
"""

from __future__ import annotations

import socket

import pytest

from tests.real.test_migration import LOCAL_URI, clean, fresh
from tests.real.util import ok, virsh, vsh
from tests.realstack.plugin import StackPair
from tests.realstack.stack import Stack

pytestmark = pytest.mark.real


def _checkpoints(stack: Stack, name: str) -> str:
    return ok(virsh(stack, "checkpoint-list", name, "--parent")).out


@pytest.mark.real(timeout=300)
def test_checkpoints_and_snapshots_move_together(stack_pair: StackPair) -> None:
    name = "mig-chk-live"
    src, dst = stack_pair.source, stack_pair.destination
    try:
        fresh(stack_pair, name, start=False)
        src.virsh(f"snapshot-create-as {name} s1; snapshot-create-as {name} s2")
        src.start_guest(name)
        for chk in ("c1", "c2", "c3"):
            ok(virsh(src, "checkpoint-create-as", name, chk))
        before = _checkpoints(src, name)
        assert before.count("\n") == 6  # header, rule, three checkpoints, blank line
        out = vsh(
            src,
            "migrate",
            name,
            dst.uri,
            "--live",
            "--unsafe",
            *LOCAL_URI,
            "--with-snapshots",
            "--with-checkpoints",
            timeout=240,
        )
        assert out.status == 0, out.err
        assert f"Moved 2 snapshots (current 's2') and 3 checkpoints to {dst.uri}\n" in out.out
        assert _checkpoints(dst, name) == before
        assert ok(virsh(dst, "snapshot-current", name, "--name")).out == "s2\n"
        # the source's definition stays (no --undefinesource) without the metadata
        assert ok(virsh(src, "checkpoint-list", name, "--name")).out.strip() == ""
        # the redefined checkpoints are usable: a new one chains onto c3
        ok(virsh(dst, "checkpoint-create-as", name, "c4"))
        assert ok(virsh(dst, "checkpoint-parent", name, "c4")).out == "c3\n"
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_dry_run_lists_checkpoints_and_changes_nothing(stack_pair: StackPair) -> None:
    name = "mig-chk-dry"
    src = stack_pair.source
    try:
        fresh(stack_pair, name)
        ok(virsh(src, "checkpoint-create-as", name, "c1"))
        ok(virsh(src, "checkpoint-create-as", name, "c2"))
        before = _checkpoints(src, name)
        out = vsh(
            src, "migrate", name, stack_pair.destination.uri, "--live",
            "--with-snapshots", "--with-checkpoints", "--dry-run",
        )  # fmt: skip
        assert out.status == 0, out.err
        assert out.out == (
            "Snapshots to move, in redefine order (0):\n"
            "Current: (none)\n"
            "Checkpoints to move, in redefine order (2):\n"
            "  c1\n"
            "  c2 (parent 'c1')\n"
            "Storage: shared\n"
            "\n"  # virsh's blank line after a one-shot command
        )
        assert _checkpoints(src, name) == before
        assert virsh(stack_pair.destination, "domstate", name).status == 1
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_dname_renames_the_embedded_domain(stack_pair: StackPair) -> None:
    name, new = "mig-chk-old", "mig-chk-new"
    src, dst = stack_pair.source, stack_pair.destination
    try:
        dst.remove_guest(new)
        fresh(stack_pair, name, start=False)
        src.virsh(f"snapshot-create-as {name} s1; snapshot-create-as {name} s2")
        src.start_guest(name)
        ok(virsh(src, "checkpoint-create-as", name, "c1"))
        out = vsh(
            src, "migrate", name, dst.uri, "--live", "--persistent", "--unsafe", *LOCAL_URI,
            "--dname", new, "--with-snapshots", "--with-checkpoints", timeout=240,
        )  # fmt: skip
        assert out.status == 0, out.err
        assert ok(virsh(dst, "snapshot-list", new, "--name")).out == "s1\ns2\n\n"
        for snap in ("s1", "s2"):
            xml = ok(virsh(dst, "snapshot-dumpxml", new, snap)).out
            embedded = xml.split("<domain ", 1)[1]
            assert f"<name>{new}</name>" in embedded and f"<name>{name}</name>" not in xml
        chk = ok(virsh(dst, "checkpoint-dumpxml", new, "c1")).out
        assert f"<name>{new}</name>" in chk and f"<name>{name}</name>" not in chk
        # reverting to a renamed snapshot keeps the guest's new name (QEMU
        # reverts no internal snapshot while the image has dirty bitmaps)
        ok(virsh(dst, "checkpoint-delete", new, "c1"))
        ok(virsh(dst, "snapshot-revert", new, "s1"))
        assert ok(virsh(dst, "domstate", new)).out == "shut off\n\n"
    finally:
        dst.remove_guest(new)
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_failed_migration_leaves_snapshots_and_checkpoints_as_they_were(
    stack_pair: StackPair,
) -> None:
    name = "mig-chk-fail"
    src = stack_pair.source
    try:
        fresh(stack_pair, name, start=False)
        src.virsh(f"snapshot-create-as {name} s1; snapshot-create-as {name} s2")
        src.virsh(f"snapshot-revert {name} s1")
        src.start_guest(name)
        ok(virsh(src, "checkpoint-create-as", name, "c1"))
        ok(virsh(src, "checkpoint-create-as", name, "c2"))
        before = (
            ok(virsh(src, "snapshot-list", name, "--parent")).out,
            ok(virsh(src, "snapshot-current", name, "--name")).out,
            _checkpoints(src, name),
        )
        # a loopback port held bound, not listening: the migration fails locally
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
            taken.bind(("127.0.0.1", 0))
            port = taken.getsockname()[1]
            out = vsh(
                src, "migrate", name, stack_pair.destination.uri, "--live", "--unsafe",
                "--migrateuri", f"tcp://127.0.0.1:{port}",
                "--with-snapshots", "--with-checkpoints", timeout=240,
            )  # fmt: skip
        assert out.status == 1
        assert "snapshot metadata restored on the source\n" in out.err
        assert before == (
            ok(virsh(src, "snapshot-list", name, "--parent")).out,
            ok(virsh(src, "snapshot-current", name, "--name")).out,
            _checkpoints(src, name),
        )
        assert before[1] == "s1\n" and before[2].count("\n") == 5
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_stale_checkpoint_on_the_destination_is_refused(stack_pair: StackPair) -> None:
    name = "mig-chk-stale"
    src, dst = stack_pair.source, stack_pair.destination
    try:
        fresh(stack_pair, name)
        ok(virsh(src, "checkpoint-create-as", name, "c1"))
        # an old definition of the guest on the destination still holds a checkpoint
        xml = ok(virsh(src, "dumpxml", name, "--inactive")).out
        chk = ok(virsh(src, "checkpoint-dumpxml", name, "c1")).out
        (dst.root / "stale.xml").write_text(xml)
        (dst.root / "stale-chk.xml").write_text(chk)
        ok(virsh(dst, "define", str(dst.root / "stale.xml")))
        ok(virsh(dst, "checkpoint-create", name, str(dst.root / "stale-chk.xml"), "--redefine"))
        before = _checkpoints(src, name)
        out = vsh(
            src, "migrate", name, dst.uri, "--live", "--unsafe", *LOCAL_URI,
            "--with-snapshots", "--with-checkpoints", timeout=240,
        )  # fmt: skip
        assert out.status == 1
        assert out.err == (
            f"error: migrate: the destination already has domain '{name}' with 0 snapshot(s)"
            " and 1 checkpoint(s)\n"
        )
        assert _checkpoints(src, name) == before
        assert ok(virsh(src, "domstate", name)).out == "running\n\n"
    finally:
        clean(stack_pair, name)
