"""Entry point: virsh's global options, then argv, script, stdin or shell mode.

Global options follow virsh's getopt rules (``+:c:d:e:hk:K:l:qrtvV``: they
stop at the first non-option, long names may be abbreviated; the table and
the scanner are :mod:`vsh.core.globalopts`).  After them:

* no words: the interactive shell on a terminal, else commands read from stdin;
* one word: a command string (``;``, newlines, quotes, comments);
* several words: one command, where ``;`` is plain data.

Status: the last command's success (0/1), 1 for any parse error, 130 for
Ctrl-C, and quietly 141 when stdout is closed early.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from vsh.core import globalopts
from vsh.core.errors import ExitStatus, VshError
from vsh.core.numbers import c_int
from vsh.core.session import ERROR, INFO, Session, Settings
from vsh.virt import connector

if TYPE_CHECKING:
    from vsh.core.grammar import ParsedCommand
    from vsh.fleet.main import FleetOptions
    from vsh.fleet.runner import HostRun

LIBVIRT_VERSION = "9.0.0"  # the virsh release whose behaviour vsh reproduces


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


def _escape_ok(value: str) -> bool:
    """One byte other than ``^``, or ``^`` and one of a-z @ A-Z [ \\ ] ^ _ (C strlen)."""
    raw = os.fsencode(value)
    if len(raw) == 1:
        return raw != b"^"
    return len(raw) == 2 and raw[:1] == b"^" and (0x61 <= raw[1] <= 0x7A or 0x40 <= raw[1] <= 0x5F)


def _version_long() -> str:
    return (
        f"Virsh command line tool of libvirt {LIBVIRT_VERSION}\n"
        "See web site at https://libvirt.org/\n\n"
        "Compiled with support for:\n"
        " Hypervisors: QEMU/KVM LXC LibXL OpenVZ VMware VirtualBox ESX Test\n"
        " Networking: Remote Network Bridging Interface udev Nwfilter\n"
        " Storage: Dir Disk Filesystem SCSI Multipath iSCSI iSCSI-direct LVM RBD Gluster ZFS\n"
        " Miscellaneous: Daemon Nodedev AppArmor SELinux Secrets Debug DTrace Readline\n"
    )


def parse_global(
    session: Session, argv: Sequence[str], fleet: FleetOptions | None = None
) -> list[str]:
    """Apply the global options to ``session``; return the remaining words.

    With ``fleet`` (-H was given), the fleet options are accepted too and go
    there, as do the virsh options each host's vsh must get.
    """
    settings = session.settings
    init_debug(session)  # virsh's vshInit reads the environment before the options
    rest: list[str] = []
    for letter, value, was_long in globalopts.getopt(argv, rest, fleet=fleet is not None):
        if fleet is not None and fleet.take(letter, value):
            continue
        if letter == "c":
            settings.uri, settings.uri_given = value, True
        elif letter == "d":
            assert value is not None
            level = c_int(value)
            if level is None:
                raise VshError(f"option {'--debug' if was_long else '-d'} takes a numeric argument")
            if not 0 <= level <= 4:
                session.error(f"ignoring debug level {level} out of range [0-4]")
            else:
                settings.debug = level
        elif letter == "e":
            assert value is not None
            if not _escape_ok(value):
                raise VshError(f"Invalid string '{value}' for escape sequence")
            settings.escape = value
        elif letter == "h":
            from vsh.core.helptext import usage

            session.print(usage())
            raise _Exit(ExitStatus.OK)
        elif letter in "kK":
            assert value is not None
            name = (
                ("--keepalive-interval" if letter == "k" else "--keepalive-count")
                if was_long
                else f"-{letter}"
            )
            number = c_int(value, 0)
            if number is None:
                raise VshError(f"Invalid value for option {name}")
            if number < 0:
                raise VshError(f"option {name} requires a positive integer argument")
            if letter == "k":
                settings.keepalive_interval = number
            else:
                settings.keepalive_count = number
        elif letter == "l":
            assert value is not None
            session.open_log(value)
        elif letter == "q":
            settings.quiet = True
        elif letter == "r":
            settings.readonly = True
        elif letter == "t":
            settings.timing = True
        elif letter == "v" and value != "long":
            session.print(LIBVIRT_VERSION + "\n")
            raise _Exit(ExitStatus.OK)
        elif letter in "vV":
            session.print(_version_long())
            raise _Exit(ExitStatus.OK)
    return rest


def init_debug(session: Session) -> None:
    """virsh's vshInitDebug, run before the options and again once they are applied.

    The environment's debug level counts only while the level is still the
    default (so a bad ``VIRSH_DEBUG`` is reported twice, and ``-d 4`` lets it
    in); the environment's log file only while no log file is open.
    """
    if session.settings.debug == ERROR:
        _debug_from_env(session)
    if session.settings.logfile is None:
        path = os.environ.get("VSH_LOG_FILE") or os.environ.get("VIRSH_LOG_FILE")
        if path:
            session.open_log(path)


def _debug_from_env(session: Session) -> None:
    for var in ("VSH_DEBUG", "VIRSH_DEBUG"):
        raw = os.environ.get(var)
        if raw is None:
            continue
        level = c_int(raw)
        if level is None or not 0 <= level <= 4:
            session.error(f"{var[:-6]}_DEBUG not set with a valid numeric value")
        else:
            session.settings.debug = level
        return


def default_uri() -> str | None:
    """URI precedence after -c: VSH_, then VIRSH_DEFAULT_CONNECT_URI; else libvirt decides."""
    return (
        os.environ.get("VSH_DEFAULT_CONNECT_URI")
        or os.environ.get("VIRSH_DEFAULT_CONNECT_URI")
        or None
    )


def run_main(argv: Sequence[str], session: Session) -> int:
    from vsh.core import runner

    fleet = None
    if globalopts.fleet_requested(argv):
        from vsh.fleet.main import FleetOptions

        fleet = FleetOptions()
    try:
        words = parse_global(session, argv, fleet)
    except _Exit as done:
        return done.status
    if fleet is not None:
        from vsh.fleet.main import run as run_fleet

        init_debug(session)
        return run_fleet(session, fleet, words, run_host, _fleet_shell)
    if not words:
        return _no_command(session)
    if len(words) == 1:
        session.debug(INFO, f'commands: "{runner.redacted(words[0])}"\n')
        if not words[0]:
            return ExitStatus.FAILED  # virsh refuses an empty command string, silently
        commands = runner.parse_script(session, words[0])
    else:
        commands = runner.parse_argv(session, words)
    if commands is None:
        return ExitStatus.FAILED
    init_debug(session)  # virsh's vshInitReload, after the commands are parsed
    runner.start_ahead(session, commands)
    if not _init_connection(session):
        fleet_report(session, "unreachable")
        return _unreachable_status(session, commands)
    fleet_report(session, "connected")
    ok = runner.run(session, commands)
    fleet_report_lost(session)
    if ok:
        return ExitStatus.OK
    return session.exit_status or ExitStatus.FAILED


def _unreachable_status(session: Session, commands: Sequence[ParsedCommand]) -> int:
    """1, as virsh, unless a lone vsh command asks for its own status (a monitoring check)."""
    if len(commands) == 1:
        cmd = commands[0].cmd
        hook = getattr(cmd, "unreachable", None)
        if hook is not None and not commands[0].help_requested:
            status = hook(session, commands[0].values)
            if status is not None:
                return int(status)
    return ExitStatus.FAILED


def _init_connection(session: Session) -> bool:
    """With -c, connect before anything runs (virsh); otherwise lazily.

    The environment's URI is only recorded here: the connection (and libvirt
    itself) is loaded by the first command that needs it.
    """
    if not session.settings.uri_given:
        session.settings.uri = default_uri()
        return True
    from vsh.virt.conn import report

    if session.connection.reconnect():
        return True
    report(session)
    return False


def _fleet_shell(
    session: Session,
    label: str,
    execute: Callable[[str], bool],
    names: Callable[[list[str]], list[str]],
) -> int:
    """The interactive fleet shell (vsh.fleet cannot reach the shell layer itself)."""
    session.settings.interactive = True
    from vsh.shell.fleetshell import run_fleet_shell

    return run_fleet_shell(session, label, execute, names)


def fleet_report(session: Session, event: str) -> None:
    """Tell a fleet run (``vsh -H``) what happened to this host's connection:
    ``connected``, ``unreachable`` or ``lost`` (a fleet host's session only).
    Nothing is printed: the host's output stays exactly a one-shot vsh's."""
    if session.fleet_events is not None:
        session.fleet_events.append(event)


def fleet_report_lost(session: Session) -> None:
    """``lost`` if the connection died while the commands ran (a killed daemon)."""
    if session.fleet_events is None or not session.settings.uri_given:
        return
    manager = session.connection
    conn = manager.current
    alive = True
    if conn is not None:
        try:
            alive = conn.isAlive() != 0
        except Exception:  # libvirt's own error; this process does not import libvirt here
            alive = False
    if manager.disconnected or not alive:
        fleet_report(session, "lost")


def _no_command(session: Session) -> int:
    init_debug(session)  # virsh's vshInitReload
    if not session.detached and sys.stdin.isatty() and sys.stdout.isatty():
        session.settings.interactive = True
        if not _init_connection(session):
            return ExitStatus.FAILED
        from vsh.shell.repl import run_shell

        return run_shell(session)
    if not _init_connection(session):
        fleet_report(session, "unreachable")
        return ExitStatus.FAILED
    fleet_report(session, "connected")
    status = run_stdin(session)
    fleet_report_lost(session)
    return status


def run_stdin(session: Session) -> int:
    """Piped stdin: run line by line, no banner or echo; 1 if anything failed.

    virsh exits 0 here whatever happened; cron jobs need to notice failures.
    """
    from vsh.core import runner

    all_ok = True
    for line in session.stdin:
        if not line.strip():
            continue
        # One line is one command string without its newline, as virsh's
        # readline hands it over: a trailing `\` is then "dangling".
        commands = runner.parse_script(session, line.removesuffix("\n"))
        if commands is None:
            all_ok = False
            continue
        if not runner.run(session, commands):
            all_ok = False
        if any(c.cmd.name in ("quit", "exit") for c in commands):
            break
    return ExitStatus.OK if all_ok else ExitStatus.FAILED


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    # Bytes that are not UTF-8 arrive as surrogates (PEP 383); write them back
    # as the same bytes, as virsh does, on stderr too (`unknown command: '\xff'`).
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):  # not None, not a test's replacement
            with contextlib.suppress(ValueError):
                stream.reconfigure(errors="surrogateescape")
    session = Session(Settings(debug=ERROR), connector=connector)
    status: int
    try:
        status = _run_reporting(args, session)
        sys.stdout.flush()
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):
            session.error("interrupted")
        status = ExitStatus.INTERRUPTED
    except BrokenPipeError:
        status = ExitStatus.BROKEN_PIPE
    if status == ExitStatus.BROKEN_PIPE or _stdout_broken():
        # Keep the interpreter from failing again while flushing at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = ExitStatus.BROKEN_PIPE
    return status


def _run_reporting(args: Sequence[str], session: Session) -> int:
    """run_main, its ``VshError`` reported as ``error:`` lines and status 1."""
    try:
        return run_main(args, session)
    except VshError as exc:
        for message in exc.messages:
            session.error(message)
        return ExitStatus.FAILED


def run_host(run: HostRun) -> int:
    """One fleet host's one-shot vsh, in its thread (:mod:`vsh.fleet.runner`).

    A session of its own over the host's buffers, as ``vsh ARGV`` with the
    host's command lines (if any) on its stdin: detached, so that it touches
    neither the terminal nor fd 0, and watched through its events.
    """
    session = Session(
        Settings(debug=ERROR),
        out=run.out,
        err=run.err,
        connector=connector,
        stdin=io.StringIO(run.stdin_text),
    )
    session.detached = True
    session.fleet_events = run.events
    session.abandoned = run.abandoned
    try:
        return _run_reporting(run.argv, session)
    finally:
        # its connection ends with it, silently, as a one-shot vsh's ends with its process
        conn = session.current_conn
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.unregisterCloseCallback()
            with contextlib.suppress(Exception):
                conn.close()


def _stdout_broken() -> bool:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    except (OSError, ValueError):
        return False
    return False


if __name__ == "__main__":
    sys.exit(main())
