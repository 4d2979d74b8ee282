"""The state one vsh process carries from command to command.

Settings from the global options, the output streams (injectable, so tests
and the shell can capture them), the log file and the connection manager.
Commands receive the session as their first argument.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from vsh.errors import VshError

if TYPE_CHECKING:
    import libvirt

    from vsh.conn import Connection

# virsh's log levels (-d): 0 DEBUG .. 4 ERROR.
DEBUG, INFO, NOTICE, WARNING, ERROR = range(5)
_LEVEL_NAMES = {DEBUG: "DEBUG", INFO: "INFO", NOTICE: "INFO", WARNING: "WARNING", ERROR: "ERROR"}


@dataclass
class Settings:
    uri: str | None = None
    uri_given: bool = False  # -c was used: connect eagerly, as virsh does
    readonly: bool = False
    quiet: bool = False
    timing: bool = False
    debug: int = ERROR
    logfile: str | None = None
    keepalive_interval: int = -1  # -1: libvirt's default (5 s), not forced
    keepalive_count: int = -1  # -1: default (6), not forced
    escape: str = "^]"
    interactive: bool = False
    json: bool = False


@dataclass
class Session:
    settings: Settings = field(default_factory=Settings)
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    # The libvirt error a failing command leaves to be reported (vshReportError).
    last_error: libvirt.libvirtError | None = None
    _connection: Connection | None = None
    _log: TextIO | None = None

    # -- output (vshPrint / vshPrintExtra / vshError) ---------------------------
    def print(self, text: str) -> None:
        """Data output: always printed."""
        self.out.write(text)

    def print_extra(self, text: str) -> None:
        """Status output: suppressed by -q."""
        if not self.settings.quiet:
            self.out.write(text)

    def error(self, message: str) -> None:
        """``error: message`` on stderr; stdout first, so 2>&1 keeps the order."""
        self.log(ERROR, message)
        self.out.flush()
        self.err.write(f"error: {message}\n")
        self.err.flush()

    def debug(self, level: int, message: str) -> None:
        """virsh's vshDebug: shown on stdout at or above the -d level."""
        self.log(level, message)
        if level >= self.settings.debug:
            self.out.write(message)

    # -- log file (-l) ----------------------------------------------------------
    def open_log(self, path: str) -> None:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise VshError(f"failed to open the log file. {exc.strerror}") from exc
        self._log = os.fdopen(fd, "a", encoding="utf-8")
        self.settings.logfile = path

    def log(self, level: int, message: str) -> None:
        if self._log is None:
            return
        stamp = time.strftime("%Y.%m.%d %H:%M:%S")
        name = _LEVEL_NAMES.get(level, "ERROR")
        line = message if message.endswith("\n") else message + "\n"
        self._log.write(f"[{stamp} vsh {os.getpid()}] {name} {line}")
        self._log.flush()

    # -- connection -------------------------------------------------------------
    @property
    def connection(self) -> Connection:
        if self._connection is None:
            from vsh.conn import Connection

            self._connection = Connection(self)
        return self._connection

    @property
    def conn(self) -> libvirt.virConnect:
        """The open connection (the runner has ensured it before the command)."""
        conn = self.connection.current
        if conn is None:
            raise VshError("no valid connection")
        return conn

    def text(self, value: str | None, name: str) -> str | None:
        """virsh's vshCommandOptStringReq: an empty option value is an error."""
        if value == "":
            raise VshError(f"Failed to get option '{name}': Option argument is empty")
        return value
