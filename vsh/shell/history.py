"""Shell history on disk, never more than ``size`` entries (``VSH_HISTSIZE``).

The file keeps prompt_toolkit's ``FileHistory`` format (an entry is a
``# timestamp`` line and its text on ``+`` lines), so either can read it.
Unlike ``FileHistory``, which only ever appends, the file is trimmed to the
newest ``size`` entries whenever it would exceed them, by rewriting it
atomically (a complete new file renamed over the old one, mode 0600).
Several shells may share the file: each append and trim happens under an
exclusive ``flock`` of the history directory, and a trim re-reads what the
others wrote.  The directory is private (0700): command lines can carry URIs
and names an admin may not want world-readable.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from prompt_toolkit.history import History

from vsh.core.record import FrozenRecord
from vsh.snapshots.atomicfile import AtomicFile

FILE_MODE = 0o600
DIR_MODE = 0o700


class Entry(FrozenRecord):
    stamp: str  # the "# ..." line, without its newline ("" if the file had none)
    text: str

    def render(self) -> str:
        stamp = self.stamp or "# " + str(datetime.datetime.now())
        body = "".join(f"+{line}\n" for line in self.text.split("\n"))
        return f"\n{stamp}\n{body}"


def parse(data: str) -> list[Entry]:
    """Entries of a history file, oldest first (as ``FileHistory`` reads them)."""
    entries: list[Entry] = []
    lines: list[str] = []
    stamp = ""
    for line in data.splitlines(keepends=True):
        if line.startswith("+"):
            lines.append(line[1:])
            continue
        if lines:
            entries.append(Entry(stamp, "".join(lines)[:-1]))
            lines, stamp = [], ""
        if line.startswith("#"):
            stamp = line.rstrip("\n")
    if lines:
        entries.append(Entry(stamp, "".join(lines)[:-1]))
    return entries


class TrimmedFileHistory(History):
    """A history file that really stays within ``size`` entries.

    ``redact`` rewrites each line before it is kept, in memory and on disk
    (the shell hides secret values: :func:`vsh.core.runner.redacted`).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        size: int,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__()
        self.redact = redact
        self.path = Path(path)
        self.size = max(0, size)
        self._known: tuple[int, int] | None = None  # (file size, entries) after our last write
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        with self._locked():
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
            try:
                if os.fstat(fd).st_mode & 0o077:
                    with contextlib.suppress(OSError):
                        os.fchmod(fd, FILE_MODE)
            finally:
                os.close(fd)
            self._trim(self._read())

    # -- prompt_toolkit's History interface ---------------------------------------------------
    def load_history_strings(self) -> Iterable[str]:
        """Newest first, as prompt_toolkit wants them."""
        entries = self._read()
        return [e.text for e in reversed(self._newest(entries))]

    def append_string(self, string: str) -> None:
        if self.redact is not None:
            string = self.redact(string)
        super().append_string(string)

    def store_string(self, string: str) -> None:
        if self.size == 0:
            return
        with self._locked():
            entries = self._count_or_read()
            rendered = Entry("", string).render()
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
            try:
                os.write(fd, rendered.encode("utf-8", "surrogateescape"))
                end = os.fstat(fd).st_size
            finally:
                os.close(fd)
            if isinstance(entries, int):
                count = entries + 1
                if count <= self.size:
                    self._known = (end, count)
                    return
            self._trim(self._read())

    # -- internals ---------------------------------------------------------------------------
    def _read(self) -> list[Entry]:
        try:
            data = self.path.read_bytes()
        except OSError:
            return []
        return parse(data.decode("utf-8", "surrogateescape"))

    def _newest(self, entries: list[Entry]) -> list[Entry]:
        return entries[max(0, len(entries) - self.size) :] if self.size else []

    def _count_or_read(self) -> int | None:
        """Entries on disk when nobody else wrote since our last write, else None."""
        try:
            size = self.path.stat().st_size
        except OSError:
            return None
        if self._known is not None and self._known[0] == size:
            return self._known[1]
        return None

    def _trim(self, entries: list[Entry]) -> None:
        keep = self._newest(entries)
        if len(keep) == len(entries):
            with contextlib.suppress(OSError):
                self._known = (self.path.stat().st_size, len(entries))
            return
        data = "".join(e.render() for e in keep).encode("utf-8", "surrogateescape")
        with AtomicFile(self.path, overwrite=True) as out:
            out.write(data)
        self._known = (len(data), len(keep))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock on the history directory (shared by every vsh shell)."""
        try:
            fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            yield
            return
        try:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
