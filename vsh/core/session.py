"""The state one vsh process carries from command to command.

Settings from the global options, the output streams (injectable, so tests
and the shell can capture them), the log file and the connection manager.
Commands receive the session as their first argument.

The connection manager lives a layer up (:mod:`vsh.virt.conn`, which needs
the session for settings and error output): the session only knows it as
:class:`ConnectionManager` and makes it on first use with a *connector*,
given to the constructor or installed as the default by :mod:`vsh.virt`.
So core never imports libvirt plumbing, and libvirt loads only when a
command first needs the connection.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TextIO

from vsh.core.errors import VshError

if TYPE_CHECKING:
    import threading

    import libvirt

# virsh's log levels (-d): 0 DEBUG .. 4 ERROR.
DEBUG, INFO, NOTICE, WARNING, ERROR = range(5)
_LEVEL_NAMES = {DEBUG: "DEBUG", INFO: "INFO", NOTICE: "INFO", WARNING: "WARNING", ERROR: "ERROR"}


class Settings:
    """What the global options said (plain class: cheap on the start-up path)."""

    def __init__(
        self,
        uri: str | None = None,
        uri_given: bool = False,  # -c was used: connect eagerly, as virsh does
        readonly: bool = False,
        quiet: bool = False,
        timing: bool = False,
        debug: int = ERROR,
        logfile: str | None = None,
        keepalive_interval: int = -1,  # -1: libvirt's default (5 s), not forced
        keepalive_count: int = -1,  # -1: default (6), not forced
        escape: str = "^]",
        interactive: bool = False,
        json: bool = False,
    ) -> None:
        self.uri = uri
        self.uri_given = uri_given
        self.readonly = readonly
        self.quiet = quiet
        self.timing = timing
        self.debug = debug
        self.logfile = logfile
        self.keepalive_interval = keepalive_interval
        self.keepalive_count = keepalive_count
        self.escape = escape
        self.interactive = interactive
        self.json = json


class OutStream(Protocol):
    """Where standard output goes: a text stream, or the shell's pager over one."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...

    def isatty(self) -> bool: ...

    def fileno(self) -> int: ...


class ConnectionManager(Protocol):
    """What the session's connection manager offers (:class:`vsh.virt.conn.Connection`)."""

    uri: str | None
    readonly: bool
    current: libvirt.virConnect | None  # None until opened, and after a close
    disconnected: int
    features: dict[str, bool]  # per-connection feature probes

    def ensure(self) -> libvirt.virConnect | None: ...

    def reconnect(
        self, uri: str | None = None, readonly: bool = False, force: bool = False
    ) -> bool: ...

    def close(self) -> None: ...

    def mark_disconnected(self) -> None: ...

    def note_error(self, err: libvirt.libvirtError) -> None: ...


Connector = Callable[["Session"], ConnectionManager]

_default_connector: Connector | None = None


def set_default_connector(connector: Connector) -> None:
    """The connector of sessions made without one.

    Nothing installs one by import: the front end passes ``vsh.virt.connector``
    to its session, and a program embedding vsh (or a test suite) sets it here.
    """
    global _default_connector
    _default_connector = connector


class Session:
    def __init__(
        self,
        settings: Settings | None = None,
        out: OutStream | None = None,
        err: TextIO | None = None,
        connector: Connector | None = None,
        stdin: TextIO | None = None,
    ) -> None:
        self.settings = settings if settings is not None else Settings()
        self.out: OutStream = out if out is not None else sys.stdout
        self.err: TextIO = err if err is not None else sys.stderr
        self._stdin = stdin  # None: the process's, whatever sys.stdin is when read
        # A fleet host (vsh.fleet.runner) runs in a thread of a shared process:
        # no terminal, no process-wide state (fd 0, signals) is its to touch.
        self.detached = False
        # Its connection events for the fleet ("connected", "unreachable",
        # "lost"), and the flag the fleet raises when it stops waiting for it.
        self.fleet_events: list[str] | None = None
        self.abandoned: threading.Event | None = None
        # The libvirt error a failing command leaves to be reported (vshReportError).
        self.last_error: libvirt.libvirtError | None = None
        # The exit status a failing command asks for instead of 1 (vsh's own
        # commands: snapshot-rotate's 75 and its --check's 2 and 3); the runner
        # clears it before each command, the front end reads it after the last.
        self.exit_status: int | None = None
        self._connector = connector
        self._connection: ConnectionManager | None = None
        self._log: TextIO | None = None

    @property
    def stdin(self) -> TextIO:
        """Standard input: the process's, or a fleet host's own (its command lines)."""
        return self._stdin if self._stdin is not None else sys.stdin

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
        """virsh's vshDebug: logged and shown on stdout at or above the -d level."""
        if level >= self.settings.debug:
            self.log(level, message)
            self.out.write(message)

    # -- log file (-l) ----------------------------------------------------------
    def open_log(self, path: str) -> None:
        """Open (or switch to) the log file; virsh exits 1 when it cannot."""
        if self._log is not None:
            self._log.close()
            self._log, self.settings.logfile = None, None
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise VshError("failed to open the log file. check the log file path") from exc
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
    def connection(self) -> ConnectionManager:
        """The connection manager, made on first use (it does not connect by itself)."""
        if self._connection is None:
            connector = self._connector or _default_connector
            if connector is None:
                raise RuntimeError("no connector: import vsh.virt or pass one to Session")
            self._connection = connector(self)
        return self._connection

    @property
    def current_conn(self) -> libvirt.virConnect | None:
        """The open libvirt connection, if any; never makes or opens one."""
        return self._connection.current if self._connection is not None else None

    @property
    def readonly(self) -> bool:
        """Read-only: the connection's mode once there is one, else what -r said."""
        if self._connection is not None:
            return self._connection.readonly
        return self.settings.readonly

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
