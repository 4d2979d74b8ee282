"""One ``flock(2)`` lock per domain UUID (and host), so two rotations never overlap.

The lock lives in a file under ``$XDG_RUNTIME_DIR/vsh/`` (``/run/vsh/`` for
root without it, else a private directory in the temporary directory).  The
kernel drops a flock when its holder dies, whatever the way: there are no
stale lock files to clean up, and the files themselves are never removed
(removing one while another process waits on it would let a third process
lock a new file at the same path).

Locks are per user and per host: root's cron job and a user's run look in
different directories.
"""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["Busy", "DomainLock", "lock_dir"]

POLL = 0.1  # seconds between tries while waiting


class Busy(Exception):
    """The lock is held by another process (after waiting as long as asked)."""


def lock_dir() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "vsh"
    if os.geteuid() == 0:
        return Path("/run/vsh")
    return Path(tempfile.gettempdir()) / f"vsh-{os.geteuid()}"


class DomainLock:
    """``with DomainLock(uuid, wait=5):`` holds the domain's lock or raises :class:`Busy`."""

    def __init__(
        self,
        uuid: str,
        wait: float = 0.0,
        *,
        directory: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        purpose: str = "rotate",
        host: str = "",
    ) -> None:
        # one lock file per purpose: a rotation may run while the guest migrates;
        # and per host (vsh.virt.hostkey): one UUID on two hosts is two guests
        where = f"{uuid}-{host}" if host else uuid
        self.path = (directory or lock_dir()) / f"{purpose}-{where}.lock"
        self.wait = wait
        self._clock = clock
        self._sleep = sleep
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        deadline = self._clock() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    os.close(fd)
                    raise
            left = deadline - self._clock()
            if left <= 0:
                os.close(fd)
                raise Busy(str(self.path))
            self._sleep(min(POLL, left))
        # Who holds it, for people looking (never read by vsh itself).
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> DomainLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
