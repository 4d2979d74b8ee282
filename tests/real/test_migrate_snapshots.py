"""migrate --with-snapshots between two real libvirtd daemons (``stack_pair``).

The guest's internal snapshots are made while it is shut off (disk-only
internal snapshots, fast on TCG), as a tree whose current snapshot is not
the last one created; then the guest starts and moves.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.real.test_migration import LOCAL_URI, clean, fresh
from tests.real.util import ok, virsh, vsh
from tests.realstack.plugin import StackPair
from tests.realstack.stack import Stack

pytestmark = pytest.mark.real


def _tree(pair: StackPair, name: str) -> None:
    fresh(pair, name, start=False)
    script = (
        f"snapshot-create-as {name} s1; snapshot-create-as {name} s2; "
        f"snapshot-create-as {name} s3; snapshot-revert {name} s2; "
        f"snapshot-create-as {name} s4; snapshot-create-as {name} s5; "
        f"snapshot-revert {name} s3"
    )
    pair.source.virsh(script)
    pair.source.start_guest(name)


def _state(stack: Stack, name: str) -> tuple[str, str]:
    listing = ok(virsh(stack, "snapshot-list", name, "--parent")).out
    current = virsh(stack, "snapshot-current", name, "--name")
    return listing, current.out + current.err


@pytest.mark.real(timeout=300)
def test_live_migration_carries_the_tree(stack_pair: StackPair) -> None:
    name = "mig-snap-live"
    try:
        _tree(stack_pair, name)
        before = _state(stack_pair.source, name)
        assert before[1] == "s3\n"
        dest = stack_pair.destination.uri
        out = vsh(
            stack_pair.source,
            "migrate",
            name,
            dest,
            "--live",
            "--unsafe",
            *LOCAL_URI,
            "--with-snapshots",
            timeout=240,
        )
        assert out.status == 0, out.err
        assert f"Moved 5 snapshots (current 's3') to {dest}\n" in out.out
        assert _state(stack_pair.destination, name) == before
        assert ok(virsh(stack_pair.source, "snapshot-list", name, "--name")).out.strip() == ""
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_failed_migration_restores_the_source(stack_pair: StackPair) -> None:
    name = "mig-snap-fail"
    try:
        _tree(stack_pair, name)
        before = _state(stack_pair.source, name)
        # a loopback port this test holds bound (not listening): the destination
        # QEMU cannot listen there and nothing accepts a connection to it, so the
        # migration fails without a packet leaving the machine
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
            taken.bind(("127.0.0.1", 0))
            port = taken.getsockname()[1]
            out = vsh(
                stack_pair.source,
                "migrate",
                name,
                stack_pair.destination.uri,
                "--live",
                "--unsafe",
                "--migrateuri",
                f"tcp://127.0.0.1:{port}",
                "--with-snapshots",
                timeout=240,
            )
        assert out.status == 1
        assert "snapshot metadata restored on the source\n" in out.err
        assert _state(stack_pair.source, name) == before
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_copy_storage_with_internal_snapshots_refused(stack_pair: StackPair) -> None:
    name = "mig-snap-copy"
    try:
        _tree(stack_pair, name)
        before = _state(stack_pair.source, name)
        out = vsh(
            stack_pair.source,
            "migrate",
            name,
            stack_pair.destination.uri,
            "--live",
            "--copy-storage-all",
            *LOCAL_URI,
            "--with-snapshots",
        )
        assert out.status == 1
        assert "cannot carry internal snapshots" in out.err
        assert _state(stack_pair.source, name) == before
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_offline_persistent_then_revert_on_destination(stack_pair: StackPair) -> None:
    name = "mig-snap-off"
    try:
        _tree(stack_pair, name)
        stack_pair.source.virsh("destroy", name)
        before = _state(stack_pair.source, name)
        dest = stack_pair.destination.uri
        out = vsh(
            stack_pair.source,
            *("migrate", name, dest, "--offline", "--persistent", "--with-snapshots"),
            timeout=240,
        )
        assert out.status == 0, out.err
        assert _state(stack_pair.destination, name) == before
        ok(virsh(stack_pair.destination, "snapshot-revert", name, "s2"))
        assert _state(stack_pair.destination, name)[1] == "s2\n"
        assert ok(virsh(stack_pair.source, "snapshot-list", name, "--name")).out.strip() == ""
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_stale_snapshot_on_destination_refused(stack_pair: StackPair) -> None:
    name = "mig-snap-stale"
    try:
        _tree(stack_pair, name)
        before = _state(stack_pair.source, name)
        # an old inactive definition with a snapshot, under the same name
        xml = ok(virsh(stack_pair.source, "dumpxml", "--inactive", name)).out
        path = stack_pair.destination.root / "xml" / f"{name}-stale.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(xml)
        ok(virsh(stack_pair.destination, "define", str(path)))
        snap = (
            "<domainsnapshot><name>old</name><state>shutoff</state>"
            f"<creationTime>1</creationTime>{xml}</domainsnapshot>"
        )
        snap_path = path.with_suffix(".snap.xml")
        snap_path.write_text(snap)
        ok(virsh(stack_pair.destination, "snapshot-create", name, str(snap_path), "--redefine"))
        out = vsh(
            stack_pair.source,
            *("migrate", name, stack_pair.destination.uri, "--live", "--unsafe"),
            *LOCAL_URI,
            "--with-snapshots",
        )
        assert out.status == 1
        assert f"the destination already has domain '{name}' with 1 snapshot(s)" in out.err
        assert _state(stack_pair.source, name) == before
        assert ok(virsh(stack_pair.source, "domstate", name)).out == "running\n\n"
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_killed_after_removal_recovered_from_the_journal(
    stack_pair: StackPair, tmp_path: Path
) -> None:
    """What a SIGKILL between the removal and the migration leaves: the
    journal and a source without metadata; snapshot-redefine finishes it."""
    import libvirt

    from vsh.virt import migratesnap

    name = "mig-snap-kill"
    try:
        _tree(stack_pair, name)
        before = _state(stack_pair.source, name)
        conn = libvirt.open(stack_pair.source.uri)
        try:
            dom = conn.lookupByName(name)
            journal = migratesnap.write_journal(dom, tmp_path)
            migratesnap.remove_metadata(dom, migratesnap.source_moments(dom))
        finally:
            conn.close()
        assert os.stat(journal).st_mode & 0o777 == 0o600
        assert ok(virsh(stack_pair.source, "snapshot-list", name, "--name")).out.strip() == ""
        ok(vsh(stack_pair.source, "snapshot-redefine", name, journal, "--skip-existing"))
        assert _state(stack_pair.source, name) == before
    finally:
        clean(stack_pair, name)
