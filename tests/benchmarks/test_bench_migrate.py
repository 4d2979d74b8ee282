"""benchmarks/bench_migrate.py without real daemons: command lines, the guest
going there and back, N/A paths.  The benchmark itself needs two private
libvirtd (``make bench``); nothing here starts one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import Any

import pytest

from benchmarks import bench_migrate
from benchmarks.framework import Context, Sample, Unavailable


def test_migrate_argv_moves_the_guest_live_over_loopback() -> None:
    argv = bench_migrate.migrate_argv(["/usr/bin/virsh"], "qemu:///a", "qemu:///b")
    assert argv == [
        "/usr/bin/virsh",
        "-c",
        "qemu:///a",
        "migrate",
        bench_migrate.GUEST,
        "qemu:///b",
        "--live",
        "--unsafe",
        "--migrateuri",
        "tcp://127.0.0.1",
    ]


def test_the_floor_is_python_becoming_virsh_itself() -> None:
    """The floor's process is virsh once Python has started: virsh's own output
    and status, for the same arguments (here, ones that need no daemon)."""
    virsh = shutil.which("virsh") or "/usr/bin/virsh"
    floor = bench_migrate.floor_program(sys.executable, virsh)
    assert floor[0] == sys.executable
    for args in (["--version"], ["-c", "test:///default", "list", "--all"], ["no-such-cmd"]):
        direct = subprocess.run([virsh, *args], capture_output=True, text=True)
        through = subprocess.run([*floor, *args], capture_output=True, text=True)
        assert (through.stdout, through.stderr, through.returncode) == (
            direct.stdout, direct.stderr, direct.returncode,
        )  # fmt: skip


def test_runs_alternate_directions_whoever_runs() -> None:
    shuttle = bench_migrate.Shuttle("A", "B")
    seen: list[tuple[str, str, str]] = []

    def fake(argv: list[str], capture: bool = False) -> Sample:
        seen.append((argv[0], argv[2], argv[5]))
        return Sample(0.5)

    vsh = bench_migrate.contender("vsh", ["vsh"], shuttle, fake)
    virsh = bench_migrate.contender("virsh", ["virsh"], shuttle, fake)
    for run in (vsh, virsh, virsh, vsh):
        run()
    assert seen == [("vsh", "A", "B"), ("virsh", "B", "A"), ("virsh", "A", "B"), ("vsh", "B", "A")]


def test_a_failed_run_makes_the_figure_unavailable_and_leaves_the_guest() -> None:
    shuttle = bench_migrate.Shuttle("A", "B")

    def fail(argv: list[str], capture: bool = False) -> Sample:
        return Sample(0.1, status=1, stderr=b"error: operation failed: migration\n")

    with pytest.raises(Unavailable, match="vsh: error: operation failed: migration"):
        bench_migrate.contender("vsh", ["vsh"], shuttle, fail)()
    assert shuttle.route() == ("A", "B")


def test_unavailable_stacks_report_the_figure_na(monkeypatch: Any, tmp_path: Any) -> None:
    from tests.realstack import stack as stack_mod

    def refuse(self: Any, timeout: float = 120) -> None:
        raise stack_mod.StackUnavailable("needs root (private mount namespace)\nmore detail")

    stopped: list[bool] = []
    monkeypatch.setattr(bench_migrate, "spawn", lambda *a, **k: Sample(0.01))  # vsh has migrate
    monkeypatch.setattr(stack_mod.Stack, "start", refuse)
    monkeypatch.setattr(stack_mod.Stack, "stop", lambda self, timeout=30: stopped.append(True))
    [result] = bench_migrate.run(Context(workdir=tmp_path, verbose=False))
    assert (result.name, result.status, result.target) == ("migrate --live", "N/A", 1.0)
    assert result.unavailable and "needs root" in result.unavailable
    assert "more detail" not in result.unavailable
    assert stopped == [True, True]  # both scratch directories removed


def test_vsh_without_migrate_is_na(monkeypatch: Any, tmp_path: Any) -> None:
    failed = Sample(0.01, status=1, stderr=b"error: command 'migrate' doesn't exist\n")
    monkeypatch.setattr(bench_migrate, "spawn", lambda *a, **k: failed)
    [result] = bench_migrate.run(Context(workdir=tmp_path, verbose=False))
    assert result.status == "N/A" and "vsh has no migrate yet" in (result.unavailable or "")
