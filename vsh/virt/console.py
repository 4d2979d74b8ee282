"""virsh's interactive console (virsh-console.c): the domain's character
device through a non-blocking libvirt stream, the terminal raw, the global
``-e`` escape character ending the session.
"""

from __future__ import annotations

import os
import select
import sys
from typing import Any

import libvirt

from vsh.core.errors import VshError
from vsh.core.session import Session
from vsh.virt import lookup

L = libvirt


def escape_char(setting: str) -> int:
    """virshGetEscapeChar: ``^X`` is Ctrl-X, anything else its first character."""
    if setting.startswith("^") and len(setting) > 1:
        return ord(setting[1].upper()) & 0x1F
    data = setting.encode("utf-8", "surrogateescape")
    return data[0] if data else 0


def run_console(s: Session, dom: libvirt.virDomain, devname: str | None, flags: int) -> bool:
    """cmdRunConsole: checks, banner, then the interactive session."""
    try:
        state, _reason = lookup.domain_state(s, dom)
    except libvirt.libvirtError as err:
        s.last_error = err
        s.error("Unable to get domain status")
        return False
    if state == L.VIR_DOMAIN_SHUTOFF:
        s.error("The domain is not running")
        return False
    if not os.isatty(0):
        s.error("Cannot run interactive console without a controlling TTY")
        return False
    escape = s.settings.escape
    s.print_extra(f"Connected to domain '{dom.name()}'\n")
    s.print_extra(f"Escape character is {escape}")
    if escape.startswith("^"):
        s.print_extra(f" (Ctrl + {escape[1:2]})")
    s.print_extra("\n")
    s.out.flush()
    return _console_session(s, dom, devname, flags, escape_char(escape))


def _console_session(
    s: Session, dom: libvirt.virDomain, devname: str | None, flags: int, esc: int
) -> bool:
    import termios
    import tty

    fd_in = sys.stdin.fileno()
    fd_out = sys.stdout.fileno()
    try:
        saved = termios.tcgetattr(fd_in)
        tty.setraw(fd_in)
    except termios.error as exc:
        s.error(f"unable to make terminal raw: {exc.args[-1]}")
        return False
    error: Any = None
    graceful = False
    stream = None
    try:
        stream = s.conn.newStream(L.VIR_STREAM_NONBLOCK)
        dom.openConsole(devname, stream, flags)
        pending = b""
        while True:
            readable, _, _ = select.select([fd_in], [], [], 0.02)
            if readable:
                data = os.read(fd_in, 1024)
                if not data:
                    error = VshError("internal error: EOF on stdin")
                    break
                if data[0] == esc:
                    graceful = True
                    break
                pending += data
            if pending:
                sent = stream.send(pending)
                if sent > 0:
                    pending = pending[sent:]
            while True:
                got = stream.recv(4096)
                if got == -2:
                    break
                if isinstance(got, bytes) and not got:
                    graceful = True
                    break
                if isinstance(got, bytes):
                    os.write(fd_out, got)
            if graceful:
                break
    except libvirt.libvirtError as err:
        error = err
    except OSError as exc:
        error = VshError(f"cannot write to stdout: {exc.strerror}")
    finally:
        if stream is not None:
            try:
                if graceful:
                    stream.finish()
                else:
                    stream.abort()
            except libvirt.libvirtError:
                pass
        termios.tcsetattr(fd_in, termios.TCSAFLUSH, saved)
    if error is None:
        return True
    if isinstance(error, VshError):
        raise error
    s.last_error = error
    return False
