"""Write a file so that it is either complete or absent, readable by its owner only.

The data goes to a temporary file in the *same directory* (so the final
rename never crosses a file system), created with mode 0600 from the start
(``O_CREAT|O_EXCL``, never a window with wider permissions).  On commit the
temporary file is flushed and ``fsync``'d, then moved into place, then the
directory is ``fsync``'d so the new name itself is durable.

* Without ``overwrite`` the move is ``link()`` + ``unlink()``: ``link`` fails
  if the target appeared meanwhile, so an existing file is never replaced
  even by a race (file systems without hard links fall back to a checked
  ``rename``).
* With ``overwrite`` it is ``rename()``, which atomically replaces the old
  file.  A symbolic link at the target is replaced, not followed.
* Any error or interruption before the move (ENOSPC, EIO, Ctrl-C) removes
  the temporary file; the target is left as it was.
* SIGKILL cannot be caught: it may leave a temporary file named
  ``.<name>.<random>.vsh-tmp`` next to the target, but never a partial
  target.

The module keeps ``_os_write`` and friends as module attributes so tests can
inject faults such as ENOSPC without touching the real ``os`` module.
"""

from __future__ import annotations

import contextlib
import errno
import os
from types import TracebackType

__all__ = ["TEMP_SUFFIX", "AtomicFile", "fsync_directory"]

TEMP_SUFFIX = ".vsh-tmp"
_BUFFER = 1 << 20  # flush to the kernel every MiB

# Indirections for fault injection in tests.
_os_write = os.write
_os_fsync = os.fsync
_os_link = os.link
_os_replace = os.replace


def fsync_directory(path: str) -> None:
    """fsync a directory so renames and links in it survive a crash."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        _os_fsync(fd)
    except OSError as exc:
        # Some file systems cannot fsync a directory; nothing more can be done.
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


class AtomicFile:
    """``with AtomicFile(path) as f: f.write(text)`` - all or nothing.

    ``write`` accepts ``str`` (encoded as UTF-8) or bytes.  Leaving the
    block normally commits; leaving it by any exception (including
    KeyboardInterrupt) discards.  ``commit``/``discard`` may also be
    called directly.
    """

    def __init__(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.directory = os.path.dirname(self.path)
        self.overwrite = overwrite
        self.temp_path: str | None = None
        self._fd: int | None = None
        self._buffer = bytearray()
        self.committed = False
        self.bytes_written = 0

    # -- life cycle ------------------------------------------------------------
    def open(self) -> AtomicFile:
        if os.path.isdir(self.path):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), self.path)
        if not self.overwrite and os.path.lexists(self.path):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), self.path)
        base = os.path.basename(self.path)[:200]
        for _ in range(100):
            temp = os.path.join(self.directory, f".{base}.{os.urandom(4).hex()}{TEMP_SUFFIX}")
            try:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
                self._fd = os.open(temp, flags | getattr(os, "O_NOFOLLOW", 0), 0o600)
            except FileExistsError:
                continue
            self.temp_path = temp
            break
        else:  # pragma: no cover - 100 collisions of 32 random bits
            raise FileExistsError(errno.EEXIST, "cannot create a temporary file", self.directory)
        # The umask may only remove bits, but be explicit: owner read/write only.
        os.fchmod(self._fd, 0o600)
        return self

    def __enter__(self) -> AtomicFile:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    # -- writing ---------------------------------------------------------------
    def write(self, data: str | bytes) -> None:
        if self._fd is None:
            raise ValueError("write to a closed AtomicFile")
        self._buffer += data.encode("utf-8") if isinstance(data, str) else data
        if len(self._buffer) >= _BUFFER:
            self._flush()

    def _flush(self) -> None:
        assert self._fd is not None
        while self._buffer:
            done = _os_write(self._fd, self._buffer)
            self.bytes_written += done
            del self._buffer[:done]

    def commit(self) -> None:
        """Flush, fsync, move into place, fsync the directory."""
        if self._fd is None or self.temp_path is None:
            raise ValueError("commit of a closed AtomicFile")
        try:
            self._flush()
            _os_fsync(self._fd)
            fd, self._fd = self._fd, None
            os.close(fd)
            self._place()
        except BaseException:
            self.discard()
            raise
        self.temp_path = None
        self.committed = True
        fsync_directory(self.directory)

    def _place(self) -> None:
        assert self.temp_path is not None
        if self.overwrite:
            _os_replace(self.temp_path, self.path)
            return
        try:
            _os_link(self.temp_path, self.path)
        except FileExistsError:
            raise
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            # No hard links here (vfat, some FUSE): check, then rename.
            if os.path.lexists(self.path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), self.path) from None
            _os_replace(self.temp_path, self.path)
            return
        os.unlink(self.temp_path)

    def discard(self) -> None:
        """Drop the temporary file; the target is untouched."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        temp, self.temp_path = self.temp_path, None
        if temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
        self._buffer.clear()
