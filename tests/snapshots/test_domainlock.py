"""vsh.snapshots.domainlock: one flock per domain UUID, released by the kernel."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from vsh.snapshots import domainlock
from vsh.snapshots.domainlock import Busy, DomainLock

UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"


def test_lock_dir_prefers_xdg_runtime_dir(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert domainlock.lock_dir() == tmp_path / "vsh"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    expected = "/run/vsh" if os.geteuid() == 0 else f"vsh-{os.geteuid()}"
    assert str(domainlock.lock_dir()).endswith(expected)


def test_second_holder_is_busy_then_free(tmp_path) -> None:
    first = DomainLock(UUID, directory=tmp_path)
    with first:
        assert first.path == tmp_path / f"rotate-{UUID}.lock"
        assert first.path.read_text() == f"{os.getpid()}\n"
        with pytest.raises(Busy):
            DomainLock(UUID, directory=tmp_path).acquire()
        DomainLock("other-uuid", directory=tmp_path).acquire()  # another domain: free
    with DomainLock(UUID, directory=tmp_path):
        pass
    assert first.path.exists()  # never removed (see the module's docs)


def test_waits_up_to_the_deadline(tmp_path) -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with DomainLock(UUID, directory=tmp_path):
        waiter = DomainLock(UUID, 0.35, directory=tmp_path, clock=lambda: now[0], sleep=sleep)
        with pytest.raises(Busy):
            waiter.acquire()
    assert slept == pytest.approx([0.1, 0.1, 0.1, 0.05])


def test_kernel_releases_the_lock_of_a_killed_process(tmp_path) -> None:
    code = (
        "import sys, time\n"
        "from vsh.snapshots.domainlock import DomainLock\n"
        f"DomainLock({UUID!r}, directory=__import__('pathlib').Path({str(tmp_path)!r})).acquire()\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
        with pytest.raises(Busy):
            DomainLock(UUID, directory=tmp_path).acquire()
    finally:
        proc.kill()
        proc.wait()
    start = time.monotonic()
    with DomainLock(UUID, 5, directory=tmp_path):
        pass
    assert time.monotonic() - start < 2
