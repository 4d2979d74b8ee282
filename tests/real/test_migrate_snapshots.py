"""migrate --with-snapshots between two real libvirtd daemons (``stack_pair``).

The guest's internal snapshots are made while it is shut off (disk-only
internal snapshots, fast on TCG), as a tree of 22 with three branches whose
current snapshot is an inner one, not the last created; then the guest
starts (live and ``--p2p``) or stays off (``--offline --persistent``) and
moves.  After a move the destination lists the same tree (``snapshot-list
--parent``, ``snapshot-current --name``), reverts to an inner snapshot, and
the source keeps no snapshot metadata.

vsh runs with a private ``XDG_STATE_HOME`` (where the journal goes) and
``XDG_RUNTIME_DIR`` (its lock), so a test can see whether a journal was
written and whether it was removed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance import harness
from tests.conformance.harness import Outcome
from tests.real.test_migration import LOCAL_URI, clean, fresh
from tests.real.util import ok, virsh
from tests.realstack.plugin import StackPair
from tests.realstack.stack import Stack

pytestmark = pytest.mark.real

REPO = Path(__file__).resolve().parents[2]

# A tree, not a chain: three branches off inner snapshots, 22 snapshots, and
# the current one (s06) is an inner one, not the last created.
TREE_SCRIPT = (
    ("create", "s01 s02 s03 s04 s05 s06 s07 s08"),
    ("revert", "s04"),
    ("create", "s09 s10 s11 s12 s13 s14"),
    ("revert", "s02"),
    ("create", "s15 s16 s17 s18"),
    ("revert", "s11"),
    ("create", "s19 s20 s21 s22"),
    ("revert", "s06"),
)
TREE_SIZE = 22
CURRENT = "s06"
INNER = "s11"  # reverted to on the destination: it has two children


def _tree(pair: StackPair, name: str, *, start: bool = True) -> None:
    """The guest with :data:`TREE_SCRIPT`'s snapshots, made while it is shut
    off (disk-only internal snapshots: no RAM to save), then started."""
    fresh(pair, name, start=False)
    steps: list[str] = []
    for verb, names in TREE_SCRIPT:
        for snap in names.split():
            steps.append(f"snapshot-{'create-as' if verb == 'create' else 'revert'} {name} {snap}")
    pair.source.virsh("; ".join(steps), timeout=180)
    if start:
        pair.source.start_guest(name)


def _state(stack: Stack, name: str) -> tuple[str, str]:
    listing = ok(virsh(stack, "snapshot-list", name, "--parent")).out
    current = virsh(stack, "snapshot-current", name, "--name")
    return listing, current.out + current.err


def _tree_state(pair: StackPair, name: str) -> tuple[str, str]:
    """The source's tree, checked to be the one :data:`TREE_SCRIPT` makes."""
    before = _state(pair.source, name)
    rows = [r for r in before[0].splitlines()[2:] if r.strip()]
    assert len(rows) == TREE_SIZE, before[0]
    assert before[1] == f"{CURRENT}\n"
    return before


def _env(home: Path) -> dict[str, str]:
    """vsh's journal and lock directories under ``home`` (in-process vsh: a
    warm server would keep its own environment)."""
    return {
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "VSH_WARM": "0",
    }


def _vsh(stack: Stack, home: Path, *args: str) -> Outcome:
    (home / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
    return harness.run_vsh(["-c", stack.uri, *args], timeout=240, env=_env(home))


def _journals(home: Path) -> list[Path]:
    return sorted((home / "state" / "vsh" / "migrations").glob("*.xml"))


def _migrate(pair: StackPair, home: Path, *args: str) -> Outcome:
    return _vsh(pair.source, home, "migrate", *args)


def _carried(pair: StackPair, name: str, before: tuple[str, str], home: Path, *revert: str) -> None:
    """The destination has the source's tree and current and can revert to
    an inner snapshot (``revert``: its options); the source keeps no
    metadata; no journal is left."""
    assert _state(pair.destination, name) == before
    assert ok(virsh(pair.source, "snapshot-list", name, "--name")).out.strip() == ""
    assert _journals(home) == []
    reverted = virsh(pair.destination, "snapshot-revert", name, INNER, *revert, timeout=120)
    ok(reverted, "revert on the destination")
    assert _state(pair.destination, name) == (before[0], f"{INNER}\n")


@pytest.mark.real(timeout=300)
def test_live_migration_carries_the_tree(stack_pair: StackPair, tmp_path: Path) -> None:
    name = "mig-snap-live"
    try:
        _tree(stack_pair, name)
        before = _tree_state(stack_pair, name)
        dest = stack_pair.destination.uri
        args = ("--live", "--persistent", "--unsafe", *LOCAL_URI, "--with-snapshots")
        out = _migrate(stack_pair, tmp_path, name, dest, *args)
        assert out.status == 0, out.err
        assert out.out == f"Moved {TREE_SIZE} snapshots (current '{CURRENT}') to {dest}\n\n"
        assert ok(virsh(stack_pair.destination, "domstate", name)).out == "running\n\n"
        _carried(stack_pair, name, before, tmp_path)
    finally:
        clean(stack_pair, name)


@contextlib.contextmanager
def _daemon_only_socket(stack: Stack, target: Path) -> Iterator[Path]:
    """A path to the ``target`` socket that only ``stack``'s libvirtd can
    follow: a symlink on a tmpfs mounted in the daemon's private mount
    namespace; this process sees an empty directory there."""
    pid = stack.pid("libvirtd")
    assert pid is not None
    hidden = stack.root / "peer"
    hidden.mkdir(exist_ok=True)
    enter = ["/usr/bin/nsenter", "-t", str(pid), "-m", "--"]
    script = 'mount -t tmpfs peer "$1" && ln -s "$2" "$1/sock"'
    subprocess.run(
        [*enter, "/bin/sh", "-c", script, "sh", str(hidden), str(target)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    try:
        yield hidden / "sock"
    finally:
        subprocess.run([*enter, "umount", str(hidden)], capture_output=True, timeout=30)


@pytest.mark.real(timeout=300)
def test_p2p_migration_uses_the_metadata_uri(stack_pair: StackPair, tmp_path: Path) -> None:
    """--p2p: DESTURI is the source daemon's view of the destination (here a
    socket path only that daemon can follow) and --metadata-uri this
    client's; without --metadata-uri the check refuses, changing nothing."""
    name = "mig-snap-p2p"
    try:
        _tree(stack_pair, name)
        before = _tree_state(stack_pair, name)
        with _daemon_only_socket(stack_pair.source, stack_pair.destination.socket) as path:
            daemons_view = f"qemu+unix:///system?socket={path}"
            assert not path.exists()
            assert harness.run_virsh(["-c", daemons_view, "uri"]).status == 1
            args = ("--live", "--p2p", "--unsafe", *LOCAL_URI, "--with-snapshots")
            refused = _migrate(stack_pair, tmp_path, name, daemons_view, *args)
            assert refused.status == 1
            assert f"error: migrate: the destination is not reachable through {daemons_view}: " in (
                refused.err
            )
            assert _state(stack_pair.source, name) == before
            assert _journals(tmp_path) == []
            dest = stack_pair.destination.uri
            out = _migrate(stack_pair, tmp_path, name, daemons_view, *args, "--metadata-uri", dest)
        assert out.status == 0, out.err
        assert out.out == f"Moved {TREE_SIZE} snapshots (current '{CURRENT}') to {dest}\n\n"
        assert ok(virsh(stack_pair.destination, "domstate", name)).out == "running\n\n"
        # transient there: reverting to a shut-off snapshot must start it again
        _carried(stack_pair, name, before, tmp_path, "--running")
        assert ok(virsh(stack_pair.destination, "domstate", name)).out == "running\n\n"
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_destination_unreachable_by_the_client_restores_the_source(
    stack_pair: StackPair, tmp_path: Path
) -> None:
    """Without --p2p this client opens DESTURI itself, after the removal:
    when only the daemon can reach it, the open fails with libvirt's error,
    the source gets its metadata back, and nothing is tried on the
    destination."""
    name = "mig-snap-noreach"
    try:
        _tree(stack_pair, name, start=False)
        before = _tree_state(stack_pair, name)
        with _daemon_only_socket(stack_pair.source, stack_pair.destination.socket) as path:
            daemons_view = f"qemu+unix:///system?socket={path}"
            dest = stack_pair.destination.uri
            args = ("--offline", "--persistent", "--with-snapshots", "--metadata-uri", dest)
            out = _migrate(stack_pair, tmp_path, name, daemons_view, *args)
        assert out.status == 1
        assert f"error: Failed to connect socket to '{path}': " in out.err
        assert "snapshot metadata restored on the source\n" in out.err
        assert "journal" not in out.err
        assert _state(stack_pair.source, name) == before
        assert "error: failed to get domain" in virsh(stack_pair.destination, "domstate", name).err
        assert _journals(tmp_path) == []
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_offline_persistent_then_revert_on_destination(
    stack_pair: StackPair, tmp_path: Path
) -> None:
    name = "mig-snap-off"
    try:
        _tree(stack_pair, name, start=False)
        before = _tree_state(stack_pair, name)
        dest = stack_pair.destination.uri
        args = ("--offline", "--persistent", "--with-snapshots")
        out = _migrate(stack_pair, tmp_path, name, dest, *args)
        assert out.status == 0, out.err
        assert out.out == f"Moved {TREE_SIZE} snapshots (current '{CURRENT}') to {dest}\n\n"
        assert ok(virsh(stack_pair.destination, "domstate", name)).out == "shut off\n\n"
        _carried(stack_pair, name, before, tmp_path)
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_failed_migration_restores_the_source(stack_pair: StackPair, tmp_path: Path) -> None:
    name = "mig-snap-fail"
    try:
        _tree(stack_pair, name)
        before = _tree_state(stack_pair, name)
        # a loopback port this test holds bound (not listening): the destination
        # QEMU cannot listen there and nothing accepts a connection to it, so the
        # migration fails without a packet leaving the machine
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
            taken.bind(("127.0.0.1", 0))
            port = taken.getsockname()[1]
            out = _migrate(
                stack_pair,
                tmp_path,
                *(name, stack_pair.destination.uri, "--live", "--unsafe"),
                *("--migrateuri", f"tcp://127.0.0.1:{port}", "--with-snapshots"),
            )
        assert out.status == 1
        assert f"error: unable to connect to server at '127.0.0.1:{port}'" in out.err
        assert "snapshot metadata restored on the source\n" in out.err
        assert _state(stack_pair.source, name) == before
        assert ok(virsh(stack_pair.source, "domstate", name)).out == "running\n\n"
        assert "error: failed to get domain" in virsh(stack_pair.destination, "domstate", name).err
        # the journal was written (the metadata really went) and removed after the restore
        assert (tmp_path / "state" / "vsh" / "migrations").is_dir()
        assert _journals(tmp_path) == []
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_copy_storage_with_internal_snapshots_refused(
    stack_pair: StackPair, tmp_path: Path
) -> None:
    name = "mig-snap-copy"
    try:
        _tree(stack_pair, name)
        before = _tree_state(stack_pair, name)
        out = _migrate(
            stack_pair,
            tmp_path,
            *(name, stack_pair.destination.uri, "--live", "--copy-storage-all"),
            *(*LOCAL_URI, "--with-snapshots"),
        )
        assert out.status == 1
        assert out.err.startswith(
            "error: migrate: --copy-storage-all cannot carry internal snapshots ("
        )
        assert _state(stack_pair.source, name) == before
        assert ok(virsh(stack_pair.source, "domstate", name)).out == "running\n\n"
        # refused before anything changed: no journal was ever written
        assert not (tmp_path / "state").exists()
    finally:
        clean(stack_pair, name)


@pytest.mark.real(timeout=300)
def test_stale_snapshot_on_destination_refused(stack_pair: StackPair, tmp_path: Path) -> None:
    name = "mig-snap-stale"
    try:
        _tree(stack_pair, name)
        before = _tree_state(stack_pair, name)
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
        stale = _state(stack_pair.destination, name)
        out = _migrate(
            stack_pair,
            tmp_path,
            *(name, stack_pair.destination.uri, "--live", "--unsafe"),
            *(*LOCAL_URI, "--with-snapshots"),
        )
        assert out.status == 1
        assert f"the destination already has domain '{name}' with 1 snapshot(s)" in out.err
        assert _state(stack_pair.source, name) == before
        assert _state(stack_pair.destination, name) == stale
        assert ok(virsh(stack_pair.source, "domstate", name)).out == "running\n\n"
        assert not (tmp_path / "state").exists()
    finally:
        clean(stack_pair, name)


# vsh, in-process, stopping itself (SIGSTOP) when it is about to migrate, that
# is after the journal and the metadata removal: the test kills it there
_STOPS_BEFORE_MIGRATING = """
import os, signal, sys
from vsh.virt import typedcall
from vsh.cli import main
def stop(real):
    def call(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGSTOP)
        return real(*args, **kwargs)
    return call
typedcall.migrate3 = stop(typedcall.migrate3)
typedcall.migrate_to_uri3 = stop(typedcall.migrate_to_uri3)
sys.exit(main(sys.argv[1:]))
"""


def _stopped(pid: int) -> bool:
    """Whether the process sits stopped (state T in /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "T"


@pytest.mark.real(timeout=300)
def test_killed_after_removal_recovered_from_the_journal(
    stack_pair: StackPair, tmp_path: Path
) -> None:
    """vsh SIGKILLed between the metadata removal and the migration leaves
    the journal (0600) and a source without metadata; ``snapshot-redefine
    DOMAIN JOURNAL --skip-existing`` puts the tree back as it was."""
    name = "mig-snap-kill"
    try:
        _tree(stack_pair, name, start=False)
        before = _tree_state(stack_pair, name)
        (tmp_path / "run").mkdir(mode=0o700, parents=True)
        dest = stack_pair.destination.uri
        argv = [sys.executable, "-c", _STOPS_BEFORE_MIGRATING, "-c", stack_pair.source.uri]
        argv += ["migrate", name, dest, "--offline", "--persistent", "--with-snapshots"]
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**Stack.env(), "PYTHONPATH": str(REPO), **_env(tmp_path)},
            cwd=REPO,
        )
        deadline = time.monotonic() + 120
        while proc.poll() is None and not _stopped(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # no clean-up of any kind
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, (out, err)
        assert ok(virsh(stack_pair.source, "snapshot-list", name, "--name")).out.strip() == ""
        assert "error: failed to get domain" in virsh(stack_pair.destination, "domstate", name).err
        journals = _journals(tmp_path)
        assert len(journals) == 1
        assert os.stat(journals[0]).st_mode & 0o777 == 0o600
        uuid = ok(virsh(stack_pair.source, "domuuid", name)).out.strip()
        assert journals[0].name.startswith(f"{uuid}-")
        # the README's recovery command
        redefine = ("snapshot-redefine", name, str(journals[0]), "--skip-existing")
        ok(_vsh(stack_pair.source, tmp_path, *redefine), "recovery")
        assert _state(stack_pair.source, name) == before
        # the kernel dropped the killed run's lock: the move can be run again; a
        # journal kept under the name of the second it runs in is not replaced
        kept = {j: j.read_bytes() for j in _journals(tmp_path)}
        now = int(time.time())
        for t in range(now - 1, now + 60):
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))
            decoy = journals[0].with_name(f"{uuid}-{stamp}.xml")
            if decoy not in kept:
                decoy.write_bytes(b"kept\n")
                kept[decoy] = b"kept\n"
        again = _migrate(stack_pair, tmp_path, name, dest, "--offline", "--persistent",
                         "--with-snapshots")  # fmt: skip
        assert again.status == 0, again.err
        assert _state(stack_pair.destination, name) == before
        assert {j: j.read_bytes() for j in _journals(tmp_path)} == kept
    finally:
        clean(stack_pair, name)
