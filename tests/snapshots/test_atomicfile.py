"""vsh.snapshots.atomicfile: complete or absent, mode 0600, never a partial file."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from vsh.snapshots import atomicfile
from vsh.snapshots.atomicfile import TEMP_SUFFIX, AtomicFile


def leftovers(directory) -> list[str]:
    return [n for n in os.listdir(directory) if n.endswith(TEMP_SUFFIX)]


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_content_with_mode_0600(tmp_path) -> None:
    target = tmp_path / "out.xml"
    old_umask = os.umask(0)
    try:
        with AtomicFile(target) as f:
            f.write("héllo ")
            f.write(b"bytes\n")
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == "héllo bytes\n".encode()
    assert mode(target) == 0o600
    assert leftovers(tmp_path) == []


def test_large_content_spanning_buffers(tmp_path) -> None:
    target = tmp_path / "big"
    chunk = "x" * 100_000 + "\n"
    with AtomicFile(target) as f:
        for _ in range(50):  # 5 MB, several internal flushes
            f.write(chunk)
    assert target.stat().st_size == 50 * len(chunk)


def test_existing_file_refused_without_overwrite(tmp_path) -> None:
    target = tmp_path / "out.xml"
    target.write_text("keep me")
    with pytest.raises(FileExistsError):
        AtomicFile(target).open()
    assert target.read_text() == "keep me"
    assert leftovers(tmp_path) == []


def test_target_appearing_meanwhile_is_not_clobbered(tmp_path) -> None:
    target = tmp_path / "out.xml"
    with pytest.raises(FileExistsError), AtomicFile(target) as f:
        f.write("new")
        target.write_text("someone else's")  # a race after the early check
    assert target.read_text() == "someone else's"
    assert leftovers(tmp_path) == []


def test_overwrite_replaces_and_tightens_mode(tmp_path) -> None:
    target = tmp_path / "out.xml"
    target.write_text("old")
    target.chmod(0o644)
    with AtomicFile(target, overwrite=True) as f:
        f.write("new")
    assert target.read_text() == "new"
    assert mode(target) == 0o600


def test_overwrite_replaces_a_symlink_instead_of_following_it(tmp_path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    link = tmp_path / "link.xml"
    link.symlink_to(victim)
    with AtomicFile(link, overwrite=True) as f:
        f.write("bundle")
    assert victim.read_text() == "precious"
    assert not link.is_symlink()
    assert link.read_text() == "bundle"


def test_directory_target_refused(tmp_path) -> None:
    with pytest.raises(IsADirectoryError):
        AtomicFile(tmp_path).open()


def test_missing_directory(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        AtomicFile(tmp_path / "no" / "such" / "file").open()


def test_exception_in_block_leaves_nothing(tmp_path) -> None:
    target = tmp_path / "out.xml"
    with pytest.raises(RuntimeError), AtomicFile(target) as f:
        f.write("partial" * 1000)
        raise RuntimeError("boom")
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_ctrl_c_in_block_leaves_nothing(tmp_path) -> None:
    target = tmp_path / "out.xml"
    with pytest.raises(KeyboardInterrupt), AtomicFile(target) as f:
        f.write("partial")
        raise KeyboardInterrupt
    assert not target.exists()
    assert leftovers(tmp_path) == []


def enospc(*_args: object) -> int:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("overwrite", [False, True])
def test_disk_full_keeps_old_file_and_cleans_up(tmp_path, monkeypatch, overwrite) -> None:
    target = tmp_path / "out.xml"
    if overwrite:
        target.write_text("previous export")
    monkeypatch.setattr(atomicfile, "_os_write", enospc)
    with pytest.raises(OSError) as info, AtomicFile(target, overwrite=overwrite) as f:
        f.write("new export")
    assert info.value.errno == errno.ENOSPC
    if overwrite:
        assert target.read_text() == "previous export"
    else:
        assert not target.exists()
    assert leftovers(tmp_path) == []


def test_disk_full_mid_stream(tmp_path, monkeypatch) -> None:
    """The first MiB is written, the next write fails: still nothing visible."""
    real = os.write
    calls = []

    def write(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(atomicfile, "_os_write", write)
    target = tmp_path / "out.xml"
    with pytest.raises(OSError), AtomicFile(target) as f:
        for _ in range(3):
            f.write(b"y" * (1 << 20))
    assert len(calls) == 2
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_partial_writes_are_completed(tmp_path, monkeypatch) -> None:
    real = os.write
    monkeypatch.setattr(atomicfile, "_os_write", lambda fd, data: real(fd, bytes(data[:7])))
    target = tmp_path / "out"
    with AtomicFile(target) as f:
        f.write("0123456789" * 10)
    assert target.read_text() == "0123456789" * 10


@pytest.mark.parametrize("step", ["_os_fsync", "_os_link"])
def test_failure_before_rename_leaves_nothing(tmp_path, monkeypatch, step) -> None:
    def fail(*_args: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(atomicfile, step, fail)
    target = tmp_path / "out.xml"
    with pytest.raises(OSError), AtomicFile(target) as f:
        f.write("data")
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_failed_replace_keeps_old_file(tmp_path, monkeypatch) -> None:
    def fail(*_args: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(atomicfile, "_os_replace", fail)
    target = tmp_path / "out.xml"
    target.write_text("old")
    with pytest.raises(OSError), AtomicFile(target, overwrite=True) as f:
        f.write("new")
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_file_and_directory_are_fsynced(tmp_path, monkeypatch) -> None:
    synced: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(atomicfile, "_os_fsync", fsync)
    with AtomicFile(tmp_path / "out") as f:
        f.write("x")
    assert synced == ["file", "dir"]


def test_no_hard_links_falls_back_to_checked_rename(tmp_path, monkeypatch) -> None:
    def no_link(*_args: object) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(atomicfile, "_os_link", no_link)
    target = tmp_path / "out"
    with AtomicFile(target) as f:
        f.write("x")
    assert target.read_text() == "x"
    assert leftovers(tmp_path) == []


def test_sigkill_mid_write_leaves_no_partial_target(tmp_path) -> None:
    """A writer killed with SIGKILL half-way never leaves a partial target."""
    target = tmp_path / "out.xml"
    script = textwrap.dedent(
        f"""
        import sys, time
        from vsh.snapshots.atomicfile import AtomicFile
        with AtomicFile({str(target)!r}) as f:
            for i in range(4):
                f.write("<x>" + "z" * (1 << 20) + "</x>\\n")  # flushed to the temp file
            print("written", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "written"
        temps = leftovers(tmp_path)
        assert len(temps) == 1 and os.path.getsize(tmp_path / temps[0]) >= 4 << 20
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not target.exists()
    # Only the recognisable temporary file may remain.
    assert all(n.startswith(".out.xml.") for n in leftovers(tmp_path))


def test_write_after_commit_refused(tmp_path) -> None:
    f = AtomicFile(tmp_path / "x").open()
    f.write("a")
    f.commit()
    with pytest.raises(ValueError):
        f.write("b")
    assert f.committed


def test_slow_writer_target_never_visible_before_commit(tmp_path) -> None:
    target = tmp_path / "out"
    f = AtomicFile(target).open()
    for _ in range(3):
        f.write("x" * (1 << 20))
        time.sleep(0.01)
        assert not target.exists()
    f.commit()
    assert target.stat().st_size == 3 << 20
