"""migrate --with-snapshots on the test driver: the checks and the dry run
(the test driver cannot migrate)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from tests.commands.fakes import output, run_script, session_with
from vsh.core.session import Session


@pytest.fixture
def s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    conn = libvirt.open("test:///default")
    yield session_with(conn)
    conn.close()


def _empty_node(tmp_path: Path) -> str:
    node = tmp_path / "node.xml"
    node.write_text("<node/>")
    return f"test://{node}"


def _tree(s: Session) -> None:
    assert run_script(s, "snapshot-create-as test a")
    assert run_script(s, "snapshot-create-as test b")
    assert run_script(s, "snapshot-revert test a")
    assert run_script(s, "snapshot-create-as test c")
    assert run_script(s, "snapshot-revert test b")


def test_dry_run_prints_the_plan(s: Session, tmp_path: Path) -> None:
    _tree(s)
    dest = _empty_node(tmp_path)
    assert run_script(s, f"migrate test {dest} --with-snapshots --dry-run")
    out = output(s)[0].split("Domain snapshot b reverted\n\n")[-1]
    assert out.rstrip("\n").splitlines() == [
        "Snapshots to move, in redefine order (3):",
        "  a",
        "  c (parent 'a')",  # siblings in the server's listing order
        "  b (parent 'a')",
        "Current: b",
        "Storage: shared",
    ]
    assert s.conn.lookupByName("test").snapshotNum(0) == 3  # nothing changed


def test_checks_reported_all_at_once(s: Session) -> None:
    _tree(s)
    assert not run_script(
        s,
        "migrate test test:///default --with-snapshots --dry-run --copy-storage-all "
        "--metadata-uri bogus:///x",
    )
    err = output(s)[1].splitlines()
    assert err[0].startswith("error: migrate: the destination is not reachable through bogus:///x")
    assert err[1].startswith("error: migrate: --copy-storage-all cannot carry internal snapshots")


def test_stale_metadata_on_destination_refused(s: Session) -> None:
    _tree(s)
    # test:///default in one process is one shared driver: the destination
    # "already has" the domain with its snapshots
    assert not run_script(s, "migrate test test:///default --with-snapshots --dry-run")
    assert output(s)[1] == (
        "error: migrate: the destination already has domain 'test' with 3 snapshot(s) "
        "and 0 checkpoint(s)\n"
    )


def test_lock_held_refused(s: Session, tmp_path: Path) -> None:
    from vsh.snapshots.domainlock import DomainLock
    from vsh.virt.hostkey import host_key

    dest = _empty_node(tmp_path)
    uuid = s.conn.lookupByName("test").UUIDString()
    with DomainLock(uuid, purpose="migrate", host=host_key(s.conn)):
        assert not run_script(s, f"migrate test {dest} --with-snapshots --dry-run")
    assert "another migrate --with-snapshots of this domain is running" in output(s)[1]


def test_new_options_need_with_snapshots(s: Session) -> None:
    assert not run_script(s, "migrate test test:///default --dry-run")
    assert output(s)[1] == "error: Option --with-snapshots is required by option --dry-run\n"


def test_failed_migration_restores_the_source(
    s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the test driver refuses metadata-only deletes: the move fails at the removal
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    _tree(s)
    dom = s.conn.lookupByName("test")
    before = sorted(
        (x.getName(), x.getParent().getName() if x.getName() != "a" else None)
        for x in dom.listAllSnapshots(0)
    )
    dest = _empty_node(tmp_path)
    assert not run_script(s, f"migrate test {dest} --with-snapshots")
    err = output(s)[1]
    assert err == (
        "snapshot metadata restored on the source\n"
        "error: unsupported flags (0x2) in function testDomainSnapshotDelete\n"
    )
    after = sorted(
        (x.getName(), x.getParent().getName() if x.getName() != "a" else None)
        for x in dom.listAllSnapshots(0)
    )
    assert after == before
    assert dom.snapshotCurrent(0).getName() == "b"
    assert list((tmp_path / "state" / "vsh" / "migrations").iterdir()) == []


def test_destination_failure_keeps_the_journal(
    s: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a migration that "succeeded" but left no guest on the destination
    from vsh.commands.domain import migration
    from vsh.virt import migratesnap

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(migratesnap, "remove_metadata", lambda dom, read: None)
    monkeypatch.setattr(migration, "_migrate_now", lambda *args: True)
    _tree(s)
    dest = _empty_node(tmp_path)
    assert not run_script(s, f"migrate test {dest} --with-snapshots")
    (journal,) = (tmp_path / "state" / "vsh" / "migrations").iterdir()
    assert journal.stat().st_mode & 0o777 == 0o600
    err = output(s)[1].splitlines()
    assert err[0].startswith("error: migrate: ")
    assert err[-1] == (
        f"error: migrate: the journal is kept; finish with: vsh -c {dest} "
        f"snapshot-redefine test {journal} --skip-existing"
    )
