"""One command in a forked child of the warm server (forked ahead as the spare).

The child takes the caller's place: its descriptors 0, 1 and 2, environment,
working directory and umask; Python's view of them is rebuilt the way the
interpreter builds it at start-up (text streams over the new descriptors,
line-buffered on a terminal and always on stderr, the caller's locale
encoding, ``TZ`` re-read).  Signals get Python's defaults back, and the child
leads a process group of its own, which the client signals.  Then the
front end runs exactly as it does in-process, and the child reports its exit
status on the connection before it exits.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from types import FrameType
from typing import Any

from vsh.warm.wire import STDIO, Request

# handlers the server installed, back to what a new interpreter has
DEFAULT_HANDLERS: dict[int, Callable[[int, FrameType | None], Any] | int] = {
    signal.SIGINT: signal.default_int_handler,
    signal.SIGTERM: signal.SIG_DFL,
    signal.SIGHUP: signal.SIG_DFL,
    signal.SIGQUIT: signal.SIG_DFL,
    signal.SIGCHLD: signal.SIG_DFL,
    signal.SIGPIPE: signal.SIG_IGN,  # Python's own choice: BrokenPipeError instead
}


def stand_by(
    channel: socket.socket,
    inherited: Iterable[int],
    receive: Callable[[socket.socket], tuple[Request, list[int]]],
) -> None:
    """The spare: everything a worker does before it knows its command, done
    while no command waits; then the request the server hands over on
    ``channel`` (``receive``: with the client's descriptors and the report
    connection), and :func:`run`.  Never returns; leaves quietly when the server goes."""
    try:
        _detach(inherited)
        # virsh starts its event loop before it knows its command, too
        from vsh.virt.conn import start_event_loop

        start_event_loop()
        request, fds = receive(channel)
    except BaseException:  # the server went away (EOF) or a signal ended the wait
        os._exit(0)
    if len(fds) != len(STDIO) + 1:
        os._exit(1)
    channel.close()
    run(request, fds[: len(STDIO)], fds[len(STDIO)])


def run(request: Request, fds: list[int], report: int) -> None:
    """Become the command; never returns (``os._exit`` with its status)."""
    status = 1
    try:
        status = _run(request, fds)
    except SystemExit as done:
        status = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except KeyboardInterrupt:
        status = 130
    except BaseException as exc:  # a bug in the worker itself: say so, as Python would
        import traceback

        traceback.print_exception(exc)
    finally:
        with_status = status & 0xFF
        _finish(report, with_status)
        os._exit(with_status)


def _detach(inherited: Iterable[int]) -> None:
    """Python's default signal handlers, a process group of its own, none of
    the server's descriptors."""
    signal.set_wakeup_fd(-1)
    for signum, handler in DEFAULT_HANDLERS.items():
        signal.signal(signum, handler)
    with contextlib.suppress(OSError):  # the server may have made it already (the race)
        os.setpgid(0, 0)
    for fd in inherited:
        with contextlib.suppress(OSError):
            os.close(fd)


def _run(request: Request, fds: list[int]) -> int:
    for target, fd in zip(STDIO, fds, strict=True):
        os.dup2(fd, target)
    for fd in fds:
        if fd not in STDIO:
            os.close(fd)
    _take_environment(request.env)
    with contextlib.suppress(OSError):  # a deleted directory: in-process it runs there anyway
        os.chdir(request.cwd)
    os.umask(request.umask)
    _rebuild_stdio(request.env)
    sys.argv = [request.argv0, *request.args]

    from vsh.cli import main

    return main(request.args)


def _take_environment(env: Mapping[bytes, bytes]) -> None:
    # As given: no PEP 538 LC_CTYPE=C.UTF-8 added for a C locale, since the
    # worker cannot turn on UTF-8 mode (sys.flags), and vsh.output.text reads
    # the coercion from both together; without either it sees the C locale.
    # Only the differences: the server's environment came from a client too,
    # and each change is a putenv or unsetenv (all 40 cost half a millisecond).
    current = os.environb
    for key in [k for k in current if k not in env]:
        del current[key]
    for key, value in env.items():
        if current.get(key) != value:
            current[key] = value
    time.tzset()
    try:
        import locale

        locale.setlocale(locale.LC_CTYPE, "")
    except Exception:
        pass


def _c_locale(env: Mapping[bytes, bytes]) -> bool:
    """Whether LC_CTYPE resolves to the C/POSIX locale (LC_ALL, LC_CTYPE, LANG)."""
    for name in (b"LC_ALL", b"LC_CTYPE", b"LANG"):
        value = env.get(name, b"")
        if value:
            return value in (b"C", b"POSIX")
    return True


def _stdio_codec(env: Mapping[bytes, bytes]) -> tuple[str, str]:
    """(encoding, errors) for stdin and stdout, as the interpreter chooses them."""
    forced = env.get(b"PYTHONIOENCODING", b"").decode("ascii", "replace")
    encoding, _, errors = forced.partition(":")
    if not encoding:
        import locale

        encoding = "utf-8" if _c_locale(env) else locale.getpreferredencoding(False)
    if not errors:
        utf8_mode = env.get(b"PYTHONUTF8") == b"1"
        errors = "surrogateescape" if _c_locale(env) or utf8_mode else "strict"
    return encoding, errors


def _rebuild_stdio(env: Mapping[bytes, bytes]) -> None:
    encoding, errors = _stdio_codec(env)
    streams = {
        0: ("stdin", "rb", errors),
        1: ("stdout", "wb", errors),
        2: ("stderr", "wb", "backslashreplace"),
    }
    unbuffered = bool(env.get(b"PYTHONUNBUFFERED"))  # python -u
    for fd, (name, mode, errs) in streams.items():
        raw = unbuffered and fd != 0
        binary = open(fd, mode, buffering=0 if raw else -1, closefd=False)  # noqa: SIM115
        text = io.TextIOWrapper(
            binary,  # FileIO when unbuffered, as the interpreter's
            encoding=encoding,
            errors=errs,
            newline="\n",
            line_buffering=not raw and (fd == 2 or (fd == 1 and os.isatty(fd))),
            write_through=raw,
        )
        setattr(sys, name, text)
        setattr(sys, f"__{name}__", text)


def _finish(report: int, status: int) -> None:
    """What interpreter exit does (atexit, flush), then the status line."""
    with contextlib.suppress(BaseException):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    with contextlib.suppress(OSError):
        os.write(report, f"exit {status}\n".encode())
