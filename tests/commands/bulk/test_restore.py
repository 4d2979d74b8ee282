"""snapshot-restore (vsh.commands.bulk.restore) on libvirt's test driver.

Multi-step scenarios run in one session (see tests/commands/bulk/support.py).
"""

from __future__ import annotations

import json

import pytest

from tests.commands.bulk.support import Shell, current_of, libvirt, lv_error
from tests.fixtures.snapgen import build_domain, render_xml

# ---------------------------------------------------------------------------
# snapshot-restore
# ---------------------------------------------------------------------------


@pytest.fixture
def lab(tmp_path, shells):
    fixture = tmp_path / "lab.xml"
    doms = [build_domain(f"vm{i}", count=4, current=-1) for i in range(5)]
    doms.append(build_domain("other", count=2, name_pattern="x-%d"))
    fixture.write_text(render_xml(doms))
    return shells("test://" + str(fixture))


def test_restore_reverts_every_domain(lab) -> None:
    ok, out, err = lab.run("snapshot-restore", "snap-1", "vm0", "vm1", "vm2", "--parallel", "2")
    assert ok, err
    lines = out.splitlines()
    assert lines[0].split() == ["Domain", "Snapshot", "Result", "Seconds"]
    assert [line.split()[:3] for line in lines[2:5]] == [
        ["vm0", "snap-1", "reverted"],
        ["vm1", "snap-1", "reverted"],
        ["vm2", "snap-1", "reverted"],
    ]
    assert [current_of(lab.dom(f"vm{i}")) for i in range(5)] == [
        "snap-1", "snap-1", "snap-1", "snap-3", "snap-3",
    ]  # fmt: skip


def test_restore_one_failure_does_not_stop_the_others(lab, monkeypatch) -> None:
    real = libvirt.virDomain.revertToSnapshot

    def revert(self, snap, flags=0):
        if self.name() == "vm2":
            raise lv_error("internal error: disk on fire")
        return real(self, snap, flags)

    monkeypatch.setattr(libvirt.virDomain, "revertToSnapshot", revert)
    ok, out, err = lab.run("snapshot-restore", "snap-0", "--all", "--json")
    assert not ok
    rows = json.loads(out[: out.rindex("]") + 1])
    assert [(r["domain"], r["result"]) for r in rows] == [
        ("vm0", "reverted"),
        ("vm1", "reverted"),
        ("vm2", "failed"),
        ("vm3", "reverted"),
        ("vm4", "reverted"),
    ]  # fmt: skip  ("other" has no snap-0)
    assert err == (
        "error: domain 'vm2': failed to revert to snapshot 'snap-0': internal error: disk on fire\n"
    )
    assert current_of(lab.dom("vm4")) == "snap-0" and current_of(lab.dom("vm2")) == "snap-3"


def test_restore_unknown_domain_and_missing_snapshot(lab) -> None:
    ok, out, err = lab.run("snapshot-restore", "snap-2", "vm0", "nosuch", "other")
    assert not ok
    assert [line.split()[2] for line in out.splitlines()[2:5]] == ["reverted", "failed", "failed"]
    assert (
        "error: domain 'nosuch': failed to revert to snapshot 'snap-2':"
        " failed to get domain 'nosuch'" in err
    )
    assert (
        "error: domain 'other': failed to revert to snapshot 'snap-2': Domain snapshot not found"
        in err
    )


def test_restore_current_and_dry_run(lab) -> None:
    lab.dom("vm1").revertToSnapshot(lab.dom("vm1").snapshotLookupByName("snap-1"))
    ok, out, _ = lab.run("snapshot-restore", "--current", "vm0", "vm1", "--dry-run")
    assert ok
    assert [line.split() for line in out.splitlines()[2:4]] == [
        ["vm0", "snap-3", "would", "revert", "-"],
        ["vm1", "snap-1", "would", "revert", "-"],
    ]
    ok, out, err = lab.run("snapshot-restore", "--current", "--all")
    assert ok, err
    assert len(out.split("\n\n")[0].splitlines()) == 2 + 6


def test_restore_force_only_after_risky(lab, monkeypatch) -> None:
    real = libvirt.virDomain.revertToSnapshot
    force = libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE
    seen: list[int] = []

    def revert(self, snap, flags=0):
        seen.append(flags)
        if not flags & force:
            raise lv_error("revert requires force: risky", libvirt.VIR_ERR_SNAPSHOT_REVERT_RISKY)
        return real(self, snap, flags & ~force)

    monkeypatch.setattr(libvirt.virDomain, "revertToSnapshot", revert)
    ok, out, err = lab.run("snapshot-restore", "snap-0", "vm0")
    assert not ok and "revert requires force: risky" in err and seen == [0]
    ok, out, err = lab.run("snapshot-restore", "snap-0", "vm0", "--force", "--running")
    assert ok, err
    assert "reverted (forced)" in out
    running = libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING
    assert seen[1:] == [running, running | force]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["snap-0", "vm0", "--parallel", "0"], "--parallel must be between 1 and 64"),
        (["snap-0", "vm0", "--parallel", "x"],
         "Numeric value 'x' for <parallel> option is malformed or out of range"),
        (["snap-0"], "give the domains to revert, or --all"),
        (["snap-0", "vm0", "--all"], "--all and a list of domains are mutually exclusive"),
        (["--all"], "--snapshotname or --current is required"),
        (["nope", "--all"], "no domain has a snapshot named 'nope'"),
        (["snap-0", "vm0", "--running", "--paused"],
         "Options --running and --paused are mutually exclusive"),
    ],
)  # fmt: skip
def test_restore_usage_errors(lab, args, message) -> None:
    ok, _, err = lab.run("snapshot-restore", *args)
    assert not ok and err == f"error: {message}\n"


def test_restore_read_only(lab) -> None:
    ro = Shell(lab.session.settings.uri, readonly=True)
    try:
        ok, _, err = ro.run("snapshot-restore", "snap-0", "vm0")
        assert not ok and "read-only" in err
    finally:
        ro.close()
