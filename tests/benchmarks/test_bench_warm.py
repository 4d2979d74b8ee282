"""benchmarks/bench_warm.py: the shell loop, the server's memory, stopping a
server that is still starting, and one quick run of every figure."""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest

from benchmarks import bench_warm
from benchmarks.framework import Context, Unavailable


def test_loop_script_runs_the_program_count_times(tmp_path: Path) -> None:
    tally = tmp_path / "tally"
    fake = tmp_path / "fake"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {tally}\n')
    fake.chmod(0o755)
    subprocess.run(["sh", "-c", bench_warm.loop_script(str(fake), 7)], check=True)
    assert tally.read_text() == "-c test:///default list\n" * 7


def test_stop_waits_for_a_server_that_holds_the_lock(tmp_path: Path) -> None:
    ctx = Context(workdir=tmp_path, verbose=False)
    lock = ctx.runtime_dir() / "vsh" / "warm.lock"
    lock.parent.mkdir(mode=0o700)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a "server" that never listens nor leaves
    try:
        with pytest.raises(Unavailable, match="did not stop"):
            ctx.stop_warm_server(timeout=0.3)
    finally:
        os.close(fd)
    ctx.stop_warm_server(timeout=0.3)  # released: returns at once


def test_every_figure_once(tmp_path: Path) -> None:
    ctx = Context(workdir=tmp_path, repeat=1, min_repeat=1, memory_repeat=1, verbose=False)
    results = bench_warm.run(ctx)
    names = [r.name for r in results]
    assert names == [
        "vsh list, warm / virsh list",
        "bash Tab round trip (complete -- dominfo t), warm / virsh's",
        f"{bench_warm.LOOP_COUNT} one-shot list commands in a shell loop, warm / virsh",
        "warm server resident memory",
        "vsh list, cold (starts the server) / in-process (VSH_WARM=0)",
    ]
    assert all(r.unavailable is None for r in results), [r.unavailable for r in results]
    memory = results[3]
    assert memory.ok and memory.note.endswith(" MiB")
    assert not (ctx.runtime_dir() / "vsh" / "warm.sock").exists()  # stopped at the end
