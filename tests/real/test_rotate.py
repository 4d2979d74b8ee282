"""snapshot-rotate on a real QEMU guest: internal snapshots over several runs, overlapping
runs, a run killed half-way, and the --check statuses (UNKNOWN with the daemon stopped).

vsh runs as separate processes (as cron runs it), with a private lock directory.
Internal snapshots are checked from outside libvirt too (``qemu-img snapshot -l``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import libvirt
import pytest

from tests.realstack.stack import Stack
from vsh.snapshots.domainlock import DomainLock
from vsh.virt.hostkey import host_key

pytestmark = pytest.mark.real(timeout=600)

REPO = Path(__file__).resolve().parents[2]
LABEL = "nightly"


@pytest.fixture
def runtime(tmp_path) -> Path:
    path = tmp_path / "run"
    path.mkdir()
    return path


def _argv(stack: Stack, *args: str) -> list[str]:
    return [sys.executable, "-m", "vsh", "-q", "-c", stack.uri, "snapshot-rotate", *args]


def _env(runtime: Path) -> dict[str, str]:
    return {**Stack.env(), "PYTHONPATH": str(REPO), "XDG_RUNTIME_DIR": str(runtime)}


def rotate(stack: Stack, runtime: Path, *args: str, timeout: float = 180):
    return subprocess.run(
        _argv(stack, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(runtime),
        cwd=REPO,
    )


# vsh, in-process, that stops itself (SIGSTOP) right after its first snapshot deletion:
# the test kills it there, half-way, however fast the deletions run on the machine
_STOPS_AFTER_FIRST_DELETE = """
import os, signal, sys
import libvirt
from vsh.cli import main
deleted = libvirt.virDomainSnapshot.delete
def delete(self, flags=0):
    done = deleted(self, flags)
    os.kill(os.getpid(), signal.SIGSTOP)
    return done
libvirt.virDomainSnapshot.delete = delete
sys.exit(main(sys.argv[1:]))
"""


def start(stack: Stack, runtime: Path, *args: str, stop_after_delete: bool = False):
    argv = _argv(stack, *args)
    if stop_after_delete:
        argv[1:3] = ["-c", _STOPS_AFTER_FIRST_DELETE]
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(runtime),
        cwd=REPO,
    )


def snapshots(stack: Stack, domain: str) -> list[str]:
    out = stack.virsh("snapshot-list", domain, "--name", "--topological").stdout
    return [line for line in out.splitlines() if line]


def _host(stack: Stack) -> str:
    """The host part of the stack's lock names (its capabilities' host UUID)."""
    conn = libvirt.open(stack.uri)
    try:
        return host_key(conn)
    finally:
        conn.close()


def _stopped(pid: int) -> bool:
    """Whether the process sits stopped (state T in /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0] == "T"


def day(n: int) -> str:
    """--now for the n-th nightly run: in the future, since the snapshots made by the
    earlier runs are counted at their real creationTime (only the new one at --now)."""
    return f"2030-12-{n + 1:02}T02:15:00Z"


def test_running_guest_rotated_over_several_runs_keep_last_3(real_stack, guests, runtime):
    guests("rot-run", start=True)
    real_stack.virsh("snapshot-create-as", "rot-run", "by-hand", "--description", "mine")
    made = []
    for n in range(5):
        done = rotate(real_stack, runtime, "rot-run", "--label", LABEL, "--keep-last", "3",
                      "--now", day(n))  # fmt: skip
        assert done.returncode == 0, done.stderr
        made.append(f"{LABEL}-203012{n + 1:02}T021500Z")
        row = done.stdout.split()
        assert row[:2] == ["rot-run", made[-1]] and row[-1] == "ok"
        expected = ["by-hand", *made[-3:]]
        assert sorted(snapshots(real_stack, "rot-run")) == sorted(expected)
        # internal snapshots: the qcow2 holds exactly the same ones
        assert sorted(real_stack.qcow2_snapshots("rot-run")) == sorted(expected)
        assert real_stack.domstate("rot-run") == "running"
    current = real_stack.virsh("snapshot-current", "rot-run", "--name").stdout.strip()
    assert current == made[-1]
    info = real_stack.virsh("snapshot-info", "rot-run", made[-1]).stdout
    assert "Location:       internal" in info and "State:          running" in info


def test_two_overlapping_runs(real_stack, guests, runtime):
    guests("rot-two", start=True)
    uuid = real_stack.virsh("domuuid", "rot-two").stdout.strip()
    args = ("rot-two", "--label", LABEL, "--keep-last", "5", "--now", day(0))
    # another run holds the lock (taken here, so that no timing decides who is first):
    # without --wait, exit 75 and nothing changed
    with DomainLock(uuid, directory=runtime / "vsh", host=_host(real_stack)):
        busy = rotate(real_stack, runtime, *args)
        assert busy.returncode == 75, (busy.stdout, busy.stderr)
        assert "another snapshot-rotate holds its lock" in busy.stderr
        assert snapshots(real_stack, "rot-two") == []
        # with --wait, it waits for the holder, then runs
        waiting = start(real_stack, runtime, *args, "--wait", "120")
        time.sleep(3)
        assert waiting.poll() is None
        assert snapshots(real_stack, "rot-two") == []
    assert waiting.wait(120) == 0, waiting.communicate()
    assert snapshots(real_stack, "rot-two") == [f"{LABEL}-20301201T021500Z"]
    # two runs really at once, with --wait: the second finds its snapshot made (same
    # --now): no duplicate, whichever comes first
    args = ("rot-two", "--label", LABEL, "--keep-last", "5", "--now", day(1), "--wait", "120")
    a, b = start(real_stack, runtime, *args), start(real_stack, runtime, *args)
    assert [p.wait(180) for p in (a, b)] == [0, 0]
    assert snapshots(real_stack, "rot-two") == [
        f"{LABEL}-20301201T021500Z",
        f"{LABEL}-20301202T021500Z",
    ]


def test_killed_mid_run_then_run_again_converges(real_stack, guests, runtime):
    guests("rot-kill", start=True)
    for n in range(6):
        done = rotate(real_stack, runtime, "rot-kill", "--label", LABEL, "--keep-last", "10",
                      "--now", day(n))  # fmt: skip
        assert done.returncode == 0, done.stderr
    names = snapshots(real_stack, "rot-kill")
    assert len(names) == 6
    proc = start(real_stack, runtime, "rot-kill", "--label", LABEL, "--prune-only",
                 "--keep-last", "1", stop_after_delete=True)  # fmt: skip
    # kill it where it stopped itself, after its first deletion (SIGKILL: no clean-up)
    deadline = time.monotonic() + 120
    while proc.poll() is None and not _stopped(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    out, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, (out, err)  # killed half-way, not finished
    left = snapshots(real_stack, "rot-kill")
    assert names[-1] in left and len(left) < 6
    # the kernel dropped the lock: the next run needs no --wait, and converges
    done = rotate(real_stack, runtime, "rot-kill", "--label", LABEL, "--prune-only",
                  "--keep-last", "1")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert snapshots(real_stack, "rot-kill") == [names[-1]]
    assert real_stack.qcow2_snapshots("rot-kill") == [names[-1]]
    again = rotate(real_stack, runtime, "rot-kill", "--label", LABEL, "--prune-only",
                   "--keep-last", "1")  # fmt: skip
    assert again.returncode == 0 and again.stdout.split()[-2:] == ["0", "ok"]


def test_check_ok_warning_critical_unknown(real_stack, guests, runtime):
    guests("rot-chk", start=True)
    done = rotate(real_stack, runtime, "rot-chk", "--label", LABEL, "--keep-last", "2",
                  "--now", "2026-12-06T02:15:00Z")  # fmt: skip
    assert done.returncode == 0, done.stderr
    # the snapshot's creationTime is the real clock's: measure from it
    created = int(
        real_stack.virsh("snapshot-dumpxml", "rot-chk", f"{LABEL}-20261206T021500Z")
        .stdout.split("<creationTime>")[1]
        .split("<")[0]
    )

    def check(after: int, *more: str):
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created + after))
        return rotate(real_stack, runtime, "--check", "rot-chk", "--label", LABEL,
                      "--warn", "26h", "--crit", "50h", "--now", now, *more)  # fmt: skip

    ok = check(5 * 3600)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: 1 domain, newest 'nightly' snapshot 5h ago | 'rot-chk'=18000s")
    warning = check(30 * 3600)
    assert warning.returncode == 1
    assert warning.stdout.startswith(
        "WARNING: rot-chk newest 'nightly' snapshot is 1d 6h old (warn 1d2h)"
    )
    critical = check(51 * 3600)
    assert critical.returncode == 2
    assert critical.stdout.startswith(
        "CRITICAL: rot-chk newest 'nightly' snapshot is 2d 3h old (crit 2d2h)"
    )
    real_stack.stop_daemon()
    try:
        unknown = check(5 * 3600)
        assert unknown.returncode == 3, (unknown.stdout, unknown.stderr)
        assert unknown.stdout == f"UNKNOWN: cannot connect to {real_stack.uri}\n"
        assert "error: failed to connect to the hypervisor" in unknown.stderr
    finally:
        real_stack.start_daemon()
    assert check(5 * 3600).returncode == 0


def test_lock_files_are_per_domain_uuid_and_host(real_stack, guests, runtime):
    guests("rot-lock")
    done = rotate(real_stack, runtime, "rot-lock", "--label", LABEL, "--keep-last", "1")
    assert done.returncode == 0, done.stderr
    uuid = real_stack.virsh("domuuid", "rot-lock").stdout.strip()
    lock = runtime / "vsh" / f"rotate-{uuid}-{_host(real_stack)}.lock"
    assert lock.exists() and oct(os.stat(lock).st_mode & 0o777) == "0o600"


def test_undeletable_snapshot_stops_that_domain_with_libvirts_reason(real_stack, guests, runtime):
    guests("rot-ext", start=True)
    guests("rot-ok", start=True)
    for n, more in ((0, ()), (1, ("--disk-only",))):  # internal, then an external child
        done = rotate(real_stack, runtime, "rot-ext", "--label", LABEL, "--keep-last", "5",
                      "--now", day(n), *more)  # fmt: skip
        assert done.returncode == 0, done.stderr
    for n in range(3):
        done = rotate(real_stack, runtime, "rot-ok", "--label", LABEL, "--keep-last", "5",
                      "--now", day(n))  # fmt: skip
        assert done.returncode == 0, done.stderr
    before = snapshots(real_stack, "rot-ext")
    done = rotate(real_stack, runtime, "rot-ext", "rot-ok", "--label", LABEL, "--prune-only",
                  "--keep-last", "1")  # fmt: skip
    assert done.returncode == 1
    rows = [line.split() for line in done.stdout.splitlines() if line.strip()]
    assert rows == [["rot-ext", "-", "1", "0", "failed"], ["rot-ok", "-", "1", "2", "ok"]]
    assert done.stderr.startswith(
        f"error: domain 'rot-ext': cannot delete snapshot '{before[0]}': Operation not supported:"
    )
    assert snapshots(real_stack, "rot-ext") == before  # nothing half-done
    assert snapshots(real_stack, "rot-ok") == [f"{LABEL}-20301203T021500Z"]
