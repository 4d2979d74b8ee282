"""Drive an interactive program (virsh or vsh in shell mode) through a pseudo-terminal.

    with PtyShell([VIRSH, "-c", uri]) as sh:
        sh.expect("virsh # ")
        out = sh.command("list", prompt="virsh # ")

Every read has a timeout; close() kills the child (by its PID) if it does not exit.
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r")


def clean(text: str) -> str:
    """Drop terminal escape sequences and carriage returns."""
    return _ANSI.sub("", text)


class PtyShell:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cols: int = 200,
        rows: int = 50,
    ) -> None:
        master, slave = pty.openpty()
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env or os.environ),
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.fd = master
        self.buffer = ""  # everything read so far, raw
        self.pos = 0  # where the next expect() starts looking

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            data = b""
        if not data:
            raise EOFError(f"program exited; output so far:\n{clean(self.buffer)}")
        self.buffer += data.decode(errors="replace")
        return True

    def expect(self, pattern: str, timeout: float = 30) -> str:
        """Wait until ``pattern`` (a regex) appears after the last match; text before it."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            text = clean(self.buffer)
            match = regex.search(text, self.pos)
            if match:
                before = text[self.pos : match.start()]
                self.pos = match.end()
                return before
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{pattern!r} not seen within {timeout} s; output after the last match:\n"
                    f"{text[self.pos :]!r}"
                )
            with contextlib.suppress(EOFError):
                self._read(deadline - time.monotonic())
            if self.proc.poll() is not None:
                # drain what is left, then one last look
                with contextlib.suppress(EOFError, OSError):
                    while self._read(0.05):
                        pass
                text = clean(self.buffer)
                if regex.search(text, self.pos):
                    continue
                raise EOFError(
                    f"program exited ({self.proc.returncode}) before {pattern!r}; "
                    f"output after the last match:\n{text[self.pos :]!r}"
                )

    def settle(self, quiet: float = 0.3, timeout: float = 10) -> str:
        """Read until nothing arrives for ``quiet`` seconds; consume and return all of it.

        Use after asynchronous output (a shell may redraw its prompt after printing it),
        so the next expect() cannot match a stale prompt.
        """
        deadline = time.monotonic() + timeout
        with contextlib.suppress(EOFError):
            while time.monotonic() < deadline and self._read(quiet):
                pass
        text = clean(self.buffer)
        rest, self.pos = text[self.pos :], len(text)
        return rest

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def command(self, line: str, prompt: str, timeout: float = 30) -> str:
        """Type ``line`` + Enter, wait for the next prompt; the output in between (echo removed)."""
        self.send(line + "\n")
        out = self.expect(re.escape(prompt), timeout)
        if out.startswith(line):
            out = out[len(line) :]
        return out.lstrip("\n")

    def close(self, timeout: float = 10) -> int:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.send("quit\n")
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        return self.proc.returncode

    def __enter__(self) -> PtyShell:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
