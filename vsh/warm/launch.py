"""Fleet mode's launcher (:mod:`vsh.core.launch`): each host's one-shot vsh as a
request to the warm server, without a client process per host.

The request is a ``run`` request as the client sends it, with the host's
arguments and environment and three fresh descriptors: the fleet's stdin
source and the write ends of two pipes the fleet reads.  The worker's ``pid``
line comes back at once (it leads its own process group, which fleet mode
signals); its ``exit N`` or ``signal N`` line at the end.  Anything unusual
(no server, another build, a refusal) declines, and fleet mode starts a
process for that host instead.
"""

from __future__ import annotations

import os
import socket
import stat
import struct
import subprocess
import time
from collections.abc import Mapping
from typing import IO

from vsh.warm import paths, wire

PID_WAIT = 5.0  # seconds for the server's pid line


class WarmProcess:
    """A worker running one host's vsh (the part of Popen that fleet mode uses)."""

    def __init__(self, sock: socket.socket, pid: int, stdout: IO[bytes], stderr: IO[bytes]) -> None:
        self.sock = sock
        self.pid = pid
        self.stdout: IO[bytes] | None = stdout
        self.stderr: IO[bytes] | None = stderr
        self.returncode: int | None = None
        self.buffer = b""

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        while True:
            try:
                chunk = self.sock.recv(4096)
            except BlockingIOError:
                return None
            except OSError:
                chunk = b""
            if not chunk:  # the worker's end was never reported (a lost worker)
                return self._ended(-9)
            self.buffer += chunk
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                word, _, value = line.decode("ascii", "replace").partition(" ")
                if word == "exit":
                    return self._ended(int(value))
                if word == "signal":
                    return self._ended(-int(value))

    def _ended(self, code: int) -> int:
        self.returncode = code
        self.sock.close()
        return code

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("vsh (warm worker)", timeout or 0)
            time.sleep(0.01)
        return code


def launch(args: list[str], env: Mapping[str, str], stdin_fd: int) -> WarmProcess | None:
    """Run ``vsh ARGS`` in a warm worker; None when the server cannot."""
    try:
        directory = paths.ensure_private(paths.directory(), create=False)
        path = os.path.join(directory, paths.SOCKET_NAME)
        paths.check_private(path, stat.S_ISSOCK, "socket")
    except (OSError, paths.Unsafe):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        sock.settimeout(PID_WAIT)
        sock.connect(path)
        cred = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        _pid, uid, _gid = struct.unpack("3i", cred)
        if uid != os.geteuid():
            raise OSError("server of another user")
        fields = _fields(args, env)
        request = wire.encode_request("run", wire.identity(), fields)
        rights = struct.pack("3i", stdin_fd, out_w, err_w)
        sent = sock.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, rights)])
        if sent < len(request):
            sock.sendall(request[sent:])
        pid, rest = _pid_line(sock)
    except (OSError, ValueError):
        pid, rest = None, b""
    finally:
        os.close(out_w)
        os.close(err_w)
    if pid is None:
        sock.close()
        os.close(out_r)
        os.close(err_r)
        return None
    sock.setblocking(False)
    stdout, stderr = os.fdopen(out_r, "rb", buffering=0), os.fdopen(err_r, "rb", buffering=0)
    process = WarmProcess(sock, pid, stdout, stderr)
    process.buffer = rest
    return process


def _fields(args: list[str], env: Mapping[str, str]) -> list[bytes]:
    umask = os.umask(0o022)
    os.umask(umask)
    return [
        os.getcwdb(),
        f"{umask:o}".encode(),
        b"vsh",
        str(len(args)).encode(),
        *(os.fsencode(a) for a in args),
        *(os.fsencode(k) + b"=" + os.fsencode(v) for k, v in env.items()),
    ]


def _pid_line(sock: socket.socket) -> tuple[int | None, bytes]:
    """The worker's pid from the first reply line (None: stale, refused, gone)."""
    buffer = b""
    while b"\n" not in buffer:
        chunk = sock.recv(4096)
        if not chunk:
            return None, b""
        buffer += chunk
    line, rest = buffer.split(b"\n", 1)
    word, _, value = line.decode("ascii", "replace").partition(" ")
    if word != "pid":  # stale (another build: the fallback's client starts a new one), refused
        return None, b""
    return int(value), rest
