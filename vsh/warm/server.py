"""The warm server: imports vsh once, then forks a worker per command.

``python -m vsh.warm.server`` (the client starts it in the background).  One
server per user: it holds ``warm.lock`` (flock) for its whole life, so a
second one started at the same moment simply leaves.  Before it listens it
imports libvirt, click, the front end and every command module, but opens no
connection, starts no thread and never imports rich or prompt_toolkit: each
worker starts from that same pristine state.

The worker of the next command is forked in advance (the *spare*): it resets
what it inherited and starts libvirt's event loop while nobody waits, then
blocks on a socket pair until the server hands it a request with the
client's descriptors (SCM_RIGHTS).  Forking a 40 MiB process and that set-up
are then off the client's clock.  The next spare is forked, in the server's
loop where no client's descriptor is open, once no worker runs, or once the
newest has run for SPARE_AFTER: forked at once beside a command that has
just started, it took the CPU that command and its libvirt daemon needed
(on two cores, 2 to 3 ms of a ``list`` and 5 ms of a ``migrate``).

It accepts only peers with its own UID (SO_PEERCRED); it answers a request
from another build of vsh (or after a source file it loaded has changed) with
``stale`` and goes away, so it never outlives an upgrade; it exits after
``VSH_WARM_IDLE`` seconds (``warm_idle`` in ``config.toml``, default 600)
without a command.  Problems go to ``warm.log`` in its directory.

``--lock-fd N``: the lock, taken by the client that starts this server and
inherited.  A client that found no server runs its command in-process and
then starts one through a shell that waits for the client's end: Python
starts only then, so that the two never share the CPU, while the lock, held
from the client's claim on, keeps other clients from starting more.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import selectors
import signal
import socket
import struct
import sys
import time
from collections.abc import Iterable

from vsh.warm import paths, wire
from vsh.warm.wire import ProtocolError, Request

# the front end, libvirt (through vsh.virt.conn), bash's Tab (`vsh complete`),
# the worker itself and what it and the front end import late (redact: each
# one-word command string; fleet mode's host runner); then
# every command module from the registry
PRELOAD = (
    "vsh.cli",
    "vsh.core.runner",
    "vsh.core.redact",
    "vsh.virt.conn",
    "vsh.completion.engine",
    "vsh.warm.worker",
    "vsh.fleet.main",
)
IDLE_DEFAULT = 600.0
READ_TIMEOUT = 5.0
SPARE_AFTER = 1.0  # seconds a worker runs before the next spare is forked beside it
LOCK_PATIENCE = 5.0  # seconds a new server waits for a leaving one
FDS_SPACE = socket.CMSG_SPACE(struct.calcsize("i") * (len(wire.STDIO) + 1))


class Server:
    def __init__(self, directory: str, idle: float, lock_fd: int = -1) -> None:
        self.directory = directory
        self.path = os.path.join(directory, paths.SOCKET_NAME)
        self.idle = idle
        self.started = time.monotonic()
        self.last_active = self.started
        self.handed_at = self.started  # when the newest worker got its command
        self.workers: dict[int, socket.socket] = {}
        self.stopping = False
        self.identity = ""
        self.sources: dict[str, int] = {}
        self.selector = selectors.DefaultSelector()
        self.listener: socket.socket | None = None
        self.socket_inode = 0
        self.wake_r, self.wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.lock_fd = lock_fd
        self.spare: Spare | None = None

    # -- life cycle ---------------------------------------------------------------------
    def run(self) -> int:
        lock = os.path.join(self.directory, paths.LOCK_NAME)
        if not handed_lock(self.lock_fd, lock):
            self.lock_fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        if not take_lock(self.lock_fd):  # at once when handed over
            return 0  # another server has it and stays
        preload()
        self.identity = wire.identity()
        self.sources = loaded_sources()
        self.listen()
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, _note_signal)
        signal.set_wakeup_fd(self.wake_w)
        self.selector.register(self.wake_r, selectors.EVENT_READ, "wake")
        try:
            self.loop()
        finally:
            self.unlisten()
        return 0

    def listen(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # left by a server that died; we hold the lock
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            listener.bind(self.path)
        finally:
            os.umask(old)
        listener.listen(128)
        self.socket_inode = os.stat(self.path).st_ino
        self.listener = listener
        self.selector.register(listener, selectors.EVENT_READ, "accept")

    def unlisten(self) -> None:
        """Stop accepting; remove the socket if it is still ours; no spare."""
        self.drop_spare()
        if self.listener is None:
            return
        self.selector.unregister(self.listener)
        self.listener.close()
        self.listener = None
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_ino == self.socket_inode:
                os.unlink(self.path)

    def loop(self) -> None:
        while True:
            if self.stopping and self.listener is not None:
                self.unlisten()
            if self.stopping and not self.workers:
                return
            spare_wait = self.spare_wait()
            if spare_wait == 0:
                self.spare = self.fork_spare()  # here, where no client's descriptor is open
                spare_wait = None
            timeout = spare_wait
            if not self.workers and not self.stopping:
                timeout = self.last_active + self.idle - time.monotonic()
                if timeout <= 0:
                    return
            for key, _events in self.selector.select(timeout):
                if key.data == "wake":
                    self.on_signals()
                elif key.data == "accept":
                    self.accept()
                else:
                    self.on_client_readable(key.data)

    def spare_wait(self) -> float | None:
        """Seconds until the next spare is due: 0 now, None when none is wanted."""
        if self.spare is not None or self.listener is None:
            return None
        if not self.workers:
            return 0.0
        return max(0.0, self.handed_at + SPARE_AFTER - time.monotonic())

    # -- events ----------------------------------------------------------------------------
    def on_signals(self) -> None:
        with contextlib.suppress(BlockingIOError):
            signals = os.read(self.wake_r, 512)
            if any(s != signal.SIGCHLD for s in signals):
                # SIGTERM and friends: leave now; running workers report their own end
                self.stopping = True
                self.workers.clear()
        self.reap()

    def reap(self) -> None:
        while self.workers or self.spare is not None:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.finished(pid, status)

    def finished(self, pid: int, status: int) -> None:
        """A reaped worker: tell its client how it ended, forget it."""
        if self.spare is not None and pid == self.spare.pid:
            self.drop_spare()  # it died waiting (killed): the loop forks another
            return
        conn = self.workers.pop(pid, None)
        if conn is None:
            return  # a spare discarded earlier
        self.last_active = time.monotonic()
        if os.WIFSIGNALED(status):
            line = f"signal {os.WTERMSIG(status)}\n"
        else:
            line = f"exit {os.waitstatus_to_exitcode(status)}\n"
        with contextlib.suppress(OSError):
            conn.sendall(line.encode())
        with contextlib.suppress(KeyError):  # gone already if the client hung up
            self.selector.unregister(conn)
        conn.close()

    def on_client_readable(self, pid: int) -> None:
        """The client of a running worker went away (or misbehaved): end the worker."""
        conn = self.workers.get(pid)
        if conn is None:
            return
        with contextlib.suppress(BlockingIOError, OSError):
            if conn.recv(1, socket.MSG_DONTWAIT):
                return  # clients send nothing after the request; ignore it
        self.selector.unregister(conn)
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done, status = pid, 0
        if done:
            self.finished(pid, status)  # it had ended: its own line reached the client
            return
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGTERM)  # as a terminal hang-up would

    def accept(self) -> None:
        if self.listener is None:
            return  # closed by a request handled in the same round
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self.last_active = time.monotonic()
        fds: list[int] = []
        try:
            conn.settimeout(READ_TIMEOUT)
            cred = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            _pid, uid, _gid = struct.unpack("3i", cred)
            if uid != os.geteuid():
                conn.sendall(f"refused UID {uid} is not {os.geteuid()}\n".encode())
                return
            request, fds = read_request(conn)
            if request.kind == "status":
                conn.sendall(self.status_line().encode())
            elif request.kind == "stop":
                self.leave()
                conn.sendall(f"stopping pid={os.getpid()}\n".encode())
            elif request.kind != "run":
                conn.sendall(b"refused unknown request\n")
            elif request.ident != self.identity or self.sources_changed():
                self.leave()
                conn.sendall(b"stale\n")
            elif len(fds) != len(wire.STDIO):
                conn.sendall(b"refused descriptors missing\n")
            else:
                self.fork_worker(request, fds, conn)
                conn = None  # type: ignore[assignment]  # now the worker's
        except (OSError, ProtocolError) as exc:
            log(f"request dropped: {exc}")
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if conn is not None:
                conn.close()

    def leave(self) -> None:
        """Stop accepting before the reply: the next command finds no socket
        (and the lock held until this process has gone)."""
        self.stopping = True
        self.unlisten()

    def fork_worker(self, request: Request, fds: list[int], conn: socket.socket) -> None:
        """Hand the command to the spare (forked and set up in advance, off the
        client's clock), or to a child forked now if there is none."""
        conn.settimeout(None)
        handed = [*fds, conn.fileno()]
        spare, self.spare = self.spare, None
        for attempt in range(2):
            if spare is None:
                # the client's descriptors are open here: a new child must not keep them
                spare = self.fork_spare(extra=handed)
            try:
                # before the worker can write its own "exit" line (the client
                # takes the last "pid" line, should a dead spare be replaced)
                conn.sendall(f"pid {spare.pid}\n".encode())
            except OSError:
                self.spare = spare  # the client has gone: the spare waits for the next one
                raise
            if spare.hand_over(request, handed):
                break
            spare.discard()
            spare = None
            if attempt:
                raise OSError("no worker took the command")
        assert spare is not None
        spare.channel.close()
        self.workers[spare.pid] = conn
        self.handed_at = time.monotonic()
        self.selector.register(conn, selectors.EVENT_READ, spare.pid)

    def fork_spare(self, extra: Iterable[int] = ()) -> Spare:
        """A child that waits for the next command (:func:`worker.stand_by`)."""
        channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        inherited = [self.lock_fd, self.wake_r, self.wake_w, self.selector_fd()]
        if self.listener is not None:
            inherited.append(self.listener.fileno())
        inherited += [c.fileno() for c in self.workers.values()]
        inherited += [channel.fileno(), *extra]
        pid = os.fork()
        if pid == 0:
            from vsh.warm import worker

            worker.stand_by(theirs, inherited, read_request)
        theirs.close()
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also done in the child: whichever runs first
        return Spare(pid, channel)

    def drop_spare(self) -> None:
        spare, self.spare = self.spare, None
        if spare is not None:
            spare.discard()

    def selector_fd(self) -> int:
        return int(self.selector.fileno())

    # -- state ----------------------------------------------------------------------------------
    def sources_changed(self) -> bool:
        """A loaded vsh module changed on disk since the server imported it."""
        for path, mtime in self.sources.items():
            try:
                if os.stat(path).st_mtime_ns != mtime:
                    return True
            except OSError:
                return True
        return False

    def status_line(self) -> str:
        import vsh

        uptime = time.monotonic() - self.started
        return (
            f"status pid={os.getpid()} version={vsh.__version__} uptime={uptime:.0f}s "
            f"workers={len(self.workers)} spare={self.spare.pid if self.spare else '-'} "
            f"idle-exit={self.idle:.0f}s\n"
        )


class Spare:
    """A forked child of the server waiting for a command on ``channel``."""

    def __init__(self, pid: int, channel: socket.socket) -> None:
        self.pid = pid
        self.channel = channel

    def hand_over(self, request: Request, fds: list[int]) -> bool:
        """Send the request and its descriptors; False if the child is gone."""
        message = wire.HEADER.pack(wire.MAGIC, len(request.payload)) + request.payload
        rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))]
        try:
            sent = self.channel.sendmsg([message], rights)
            if sent < len(message):
                self.channel.sendall(message[sent:])
        except OSError:
            return False
        return True

    def discard(self) -> None:
        """Close the channel: the child sees its end and leaves (reaped as any child)."""
        self.channel.close()


def take_lock(fd: int, patience: float = LOCK_PATIENCE) -> bool:
    """The server lock, waiting a little: a stale server is on its way out."""
    deadline = time.monotonic() + patience
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)


def _note_signal(_signum: int, _frame: object) -> None:
    """Nothing: set_wakeup_fd writes the signal number to the wake pipe."""


def read_request(conn: socket.socket) -> tuple[Request, list[int]]:
    """The request and the descriptors that came with it."""
    data, ancillary, _flags, _addr = conn.recvmsg(65536, FDS_SPACE)
    fds: list[int] = []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(payload) - len(payload) % 4
            fds += list(struct.unpack(f"{usable // 4}i", payload[:usable]))
    try:
        while len(data) < wire.HEADER.size:
            more = conn.recv(wire.HEADER.size - len(data))
            if not more:
                raise ProtocolError("short header")
            data += more
        length = wire.parse_header(data)
        want = wire.HEADER.size + length
        while len(data) < want:
            more = conn.recv(min(want - len(data), 1 << 20))
            if not more:
                raise ProtocolError("short request")
            data += more
        return Request(data[wire.HEADER.size : want]), fds
    except BaseException:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        raise


def handed_lock(fd: int, path: str) -> bool:
    """Whether ``fd`` (``--lock-fd``) is the lock file at ``path``; it is then
    kept from the workers' commands (close-on-exec), otherwise closed."""
    if fd < 0:
        return False
    try:
        mine, theirs = os.fstat(fd), os.lstat(path)
        if (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino):
            os.set_inheritable(fd, False)
            return True
    except OSError:
        pass
    with contextlib.suppress(OSError):
        os.close(fd)
    return False


def lock_argument(args: list[str]) -> int:
    """``--lock-fd N``: the inherited lock's descriptor (-1: none given)."""
    if len(args) == 2 and args[0] == "--lock-fd" and args[1].isdigit() and int(args[1]) > 2:
        return int(args[1])
    return -1


def preload() -> None:
    """Import what every command needs, so that a worker imports nothing."""
    import importlib

    from vsh.core import registry

    modules = {entry.module for entry in registry.entries().values()}
    for module in (*PRELOAD, *sorted(modules)):
        importlib.import_module(module)


def loaded_sources() -> dict[str, int]:
    """Every loaded vsh module's file and its modification time."""
    found = {}
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if (name == "vsh" or name.startswith("vsh.")) and path:
            with contextlib.suppress(OSError):
                found[path] = os.stat(path).st_mtime_ns
    return found


LOG_PATH: list[str] = []


def log(text: str) -> None:
    if not LOG_PATH:
        return
    with contextlib.suppress(OSError):
        fd = os.open(LOG_PATH[0], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a") as handle:
            handle.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} [{os.getpid()}] {text}\n")


def idle_seconds() -> float:
    value = os.environ.get("VSH_WARM_IDLE", "")
    if not value:
        base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(
            os.environ.get("HOME", "/"), ".config"
        )
        try:
            import tomllib

            with open(os.path.join(base, "vsh", "config.toml"), "rb") as handle:
                value = str(tomllib.load(handle).get("warm_idle", ""))
        except (OSError, ValueError):
            value = ""
    try:
        return max(1.0, float(value)) if value else IDLE_DEFAULT
    except ValueError:
        return IDLE_DEFAULT


def main() -> int:
    lock_fd = lock_argument(sys.argv[1:])
    # whatever the client inherited (a caller's pipe, say) must not stay open
    # here for ten minutes: a reader waiting for its EOF would wait as long
    if lock_fd > 3:
        os.closerange(3, lock_fd)
    os.closerange(max(3, lock_fd + 1), os.sysconf("SC_OPEN_MAX"))
    try:
        directory = paths.ensure_private(paths.directory(), create=True)
    except (OSError, paths.Unsafe):
        return 1
    LOG_PATH.append(os.path.join(directory, paths.LOG_NAME))
    os.chdir("/")  # never pin a caller's directory
    try:
        return Server(directory, idle_seconds(), lock_fd).run()
    except Exception as exc:
        log(f"server failed: {type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
