"""The ``vsh`` entry point: hand the command to the warm server, or run it here.

Lean on purpose: before it knows whether the server can run the command, this
module imports only C modules of the standard library (``_socket``,
``_signal``), ``struct``, and the argv scanner of :mod:`vsh.core.globalopts`.
Everything heavy (libvirt, click, the command table) is already imported in
the server; the worker it forks writes straight to this process's descriptors,
which travel with the request (SCM_RIGHTS).

What stays in this process (:func:`in_process_reason`): the interactive shell,
commands read from stdin (one start-up serves them all), and anything that
needs the controlling terminal, which a worker cannot have
(consoles, editors, ``--interactive`` secrets, remote URIs that may prompt for
a password); ``VSH_WARM=0`` or ``warm = false`` in ``config.toml``; libvirt's
own logging variables, which libvirt reads once when it is loaded.

``VSH_WARM=force`` (for tests) starts the server and waits for it instead of
running the first command here, and reports a warm path that fails where the
normal mode would silently run in-process.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal (with enum) costs 3 ms
import _socket
import os
import struct
import sys

from vsh.warm import paths, wire

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

FORWARDED = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP, _signal.SIGQUIT)
# libvirt reads these once, when the library loads (virLogSetFromEnv)
LIBVIRT_INIT_VARS = ("LIBVIRT_DEBUG", "LIBVIRT_LOG_FILTERS", "LIBVIRT_LOG_OUTPUTS")
URI_VARS = ("VSH_DEFAULT_CONNECT_URI", "VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI")
CONTROL = ("--warm-status", "--warm-stop")
START_WAIT = 10.0  # VSH_WARM=force: seconds to wait for a new server
START_TRIES = 3  # VSH_WARM=force: servers started at most while waiting
FLEET = "fleet mode"
# The shell that starts the server after its client's end (EOF on its stdin),
# and 50 ms later: whoever waited for the client (a shell's prompt, a script's
# next command) gets the CPU back before the server's start-up takes it.  A
# sleep that takes no fractions fails at once: no delay, nothing else.
WAIT_THEN_EXEC = 'read x; sleep 0.05; exec "$@" </dev/null'


class Unavailable(Exception):
    """The server cannot run this command (the message says why).

    ``start``: none is running; this command, run in-process, starts one in
    the background once it has ended (:func:`start_after`).
    """

    start = False


class Stale(Unavailable):
    """The server is another build of vsh; it has gone away."""


class Lost(Exception):
    """The worker started but its end was never reported: never run it again."""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] and args[0] in CONTROL and len(args) == 1:
        return control(args[0])
    mode = os.environ.get("VSH_WARM", "")
    reason = in_process_reason(args, mode)
    if reason is None:
        try:
            status = run_warm(args, force=mode == "force")
        except Lost as why:
            sys.stderr.write(f"error: warm server: {why}\n")
            status = 1
        except Unavailable as why:
            if mode == "force":
                sys.stderr.write(f"error: warm path unavailable: {why}\n")
                return 1
            debug_note(args, str(why))
            status = in_process(args, reason, mode)
            if why.start:
                # after the command, so that the server's start-up does not
                # share the CPU with it; the server waits for this process's end
                for stream in (sys.stdout, sys.stderr):
                    try:  # noqa: SIM105 (contextlib costs the client 3 ms)
                        stream.flush()
                    except (OSError, ValueError):
                        pass
                start_after(stale=isinstance(why, Stale))
            return status
        return leave(status) if argv is None else status
    return in_process(args, reason, mode)


def leave(status: int) -> int:
    """The end of a warm run in the ``vsh`` process itself: exit now.

    Everything this process had to do is done (the worker wrote the output);
    the interpreter's own teardown would only add a few milliseconds to every
    command.  Nothing here registers atexit handlers or keeps buffered output
    apart from stdout and stderr, which are flushed first.
    """
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105 (contextlib costs the client 3 ms)
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(status & 0xFF)


def in_process(args: list[str], reason: str | None = None, mode: str = "") -> int:
    from vsh.cli import main as cli_main

    return cli_main(args)


def debug_note(args: list[str], why: str) -> None:
    """With -d, say why the warm path was not taken (otherwise silent)."""
    if any(a == "-d" or a.startswith(("-d", "--debug")) for a in args):
        sys.stderr.write(f"warm: {why}\n")


# -- where the command runs -------------------------------------------------------------
def in_process_reason(args: list[str], mode: str) -> str | None:
    """Why this command must run in this process, or None for the warm path."""
    if mode == "0" or (mode != "force" and config_disables()):
        return "turned off"
    if any(os.environ.get(name) for name in LIBVIRT_INIT_VARS):
        return "libvirt logging variables are set"
    from vsh.core import globalopts
    from vsh.core.terminal import needs_terminal

    # fleet mode (-H) runs in a worker too: its hosts are threads there
    fleet = globalopts.fleet_requested(args)
    rest: list[str] = []
    uris: list[str] = []
    try:
        for letter, value, _long in globalopts.getopt(args, rest, fleet=fleet):
            if letter == "c" and value is not None:
                uris.append(value)
    except Exception:  # a bad option: the front end's own error message
        return "global option error"
    if not rest:
        if os.isatty(0) and os.isatty(1):
            return FLEET if fleet else "interactive shell"
        # One start-up serves every line anyway, and a Ctrl-C that arrives with
        # the end of the input must win over it, as it does in-process: a
        # forwarded signal could come after the worker has seen the EOF.
        return "commands on stdin"
    words = [w for arg in rest for w in arg.replace(";", " ").split()]
    for word in words:
        if needs_terminal(word) or word == "--interactive":
            return f"{word} needs the terminal"
    uris += [w for w in words if "://" in w]
    uris += [os.environ.get(name, "") for name in URI_VARS]
    if any(may_prompt(uri) for uri in uris) and has_terminal():
        return "a remote connection may prompt on the terminal"
    return None


def may_prompt(uri: str) -> bool:
    """A URI whose transport can ask for a password (ssh, tls/tcp with SASL)."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return False
    transport = scheme.partition("+")[2]
    if transport:
        return transport not in ("unix",)
    return not rest.startswith("/")  # a host name: remote over tls


def has_terminal() -> bool:
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return False
    return True


def config_disables() -> bool:
    """``warm = false`` in ``$XDG_CONFIG_HOME/vsh/config.toml``."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.environ.get("HOME", "/"), ".config")
    path = os.path.join(base, "vsh", "config.toml")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return False
    import tomllib

    try:
        return tomllib.loads(data.decode("utf-8", "replace")).get("warm", True) is False
    except tomllib.TOMLDecodeError:
        return False  # the front end does not read this file; a bad one changes nothing


# -- talking to the server -------------------------------------------------------------
def connect(*, start: bool, force: bool) -> _socket.socket:
    """A connection to this user's server (checked), starting one if asked."""
    try:
        directory = paths.ensure_private(paths.directory(), create=start)
    except FileNotFoundError:
        raise Unavailable("no runtime directory") from None
    except (OSError, paths.Unsafe) as exc:
        raise Unavailable(str(exc)) from None
    path = os.path.join(directory, paths.SOCKET_NAME)
    try:
        return open_socket(path)
    except Unavailable as why:
        if not start:
            raise
        if not force:
            why.start = True
            raise
    return wait_for_server(directory, path)


def claim(directory: str) -> int | None:
    """The server lock, taken for a server this client is about to start (its
    descriptor), or None: a server holds it, one still loading vsh (the
    commands of a tight loop must not each start another) or one leaving."""
    import fcntl

    try:
        fd = os.open(
            os.path.join(directory, paths.LOCK_NAME), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
        )
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def open_socket(path: str) -> _socket.socket:
    try:
        paths.check_private(path, _is_socket, "socket")
    except FileNotFoundError:
        raise Unavailable("server not running") from None
    except (OSError, paths.Unsafe) as exc:
        raise Unavailable(str(exc)) from None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
        cred = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
        _pid, uid, _gid = struct.unpack("3i", cred)
        if uid != os.geteuid():
            raise Unavailable(f"the server runs as UID {uid}")
    except OSError as exc:
        sock.close()
        raise Unavailable(f"cannot connect: {exc.strerror or exc}") from None
    except Unavailable:
        sock.close()
        raise
    return sock


def _is_socket(mode: int) -> bool:
    return (mode & 0o170000) == 0o140000


def wait_for_server(directory: str, path: str) -> _socket.socket:
    """VSH_WARM=force: the server's connection, once it listens.  A server is
    started whenever none holds the lock: at once if none runs, or when one
    that was leaving (stopped, stale) has gone."""
    import time

    deadline = time.monotonic() + START_WAIT
    tries = START_TRIES
    while True:
        try:
            return open_socket(path)
        except Unavailable:
            if time.monotonic() > deadline:
                raise
        if tries and (lock := claim(directory)) is not None:
            tries -= 1
            spawn_server(lock, after=False)
        time.sleep(0.01)


def start_after(*, stale: bool) -> None:
    """The end of a command run here because no server ran: start one, unless
    another client is (it holds the lock).  Only a stale server, on its way
    out, may hold it too: then a server that waits for the lock."""
    directory = paths.directory()
    lock = claim(directory)
    if lock is not None or stale:
        spawn_server(lock, after=lock is not None)


def spawn_server(lock: int | None, *, after: bool) -> int | None:
    """Start the server in the background, in its own session, on /dev/null
    (its process ID, None if it could not be started).

    ``lock``: the server lock this client took (:func:`claim`); the server
    inherits it and holds it from its first instant (this process closes
    its own descriptor).  None: the server waits for the lock itself.

    ``after``: this process is about to end (it ran its command itself).
    Then a shell starts first and waits for that end (EOF on a pipe whose
    write end only this process holds) before it becomes the server: Python's
    start-up and the server's imports never share the CPU with this process
    nor with whoever resumes when it ends (``WAIT_THEN_EXEC``).
    """
    env = {k: v for k, v in os.environ.items() if k not in LIBVIRT_INIT_VARS}
    # -P: the vsh of this client, not one in its working directory
    server = [sys.executable, "-P", "-m", "vsh.warm.server"]
    if lock is not None:
        os.set_inheritable(lock, True)
        server += ["--lock-fd", str(lock)]
    try:
        if after:
            try:
                return spawn_after_exit(server, env)
            except OSError:
                pass  # no /bin/sh: Python at once, then
        return os.posix_spawn(
            sys.executable, server, env, file_actions=on_devnull(wire.STDIO), setsid=True
        )
    except OSError:
        return None  # this command runs here anyway; the next one tries again
    finally:
        if lock is not None:
            os.close(lock)


def spawn_after_exit(argv: list[str], env: dict[str, str]) -> int:
    """``argv`` started by a shell once this process has ended: the shell's
    stdin is a pipe whose write end this process keeps (close-on-exec) until then."""
    ending, kept = os.pipe()
    actions: list[tuple[object, ...]] = [(os.POSIX_SPAWN_DUP2, ending, 0)]
    actions += on_devnull(wire.STDIO[1:])
    shell = ["sh", "-c", WAIT_THEN_EXEC, "sh", *argv]
    try:
        return os.posix_spawn("/bin/sh", shell, env, file_actions=actions, setsid=True)
    except OSError:
        os.close(kept)
        raise
    finally:
        os.close(ending)


def on_devnull(fds: Sequence[int]) -> list[tuple[object, ...]]:
    return [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in fds]


def run_warm(args: list[str], *, force: bool) -> int:
    """Run the command in a worker; its exit status (128+N if killed by signal N)."""
    for fd in wire.STDIO:
        try:
            os.fstat(fd)
        except OSError:
            raise Unavailable(f"descriptor {fd} is closed") from None
    try:
        return send_run(connect(start=True, force=force), args, force=force)
    except Stale:
        if not force:
            raise
    # forced: the stale server is leaving; a fresh one starts once it has gone
    directory = paths.directory()
    path = os.path.join(directory, paths.SOCKET_NAME)
    return send_run(wait_for_server(directory, path), args, force=force)


def send_run(sock: _socket.socket, args: list[str], *, force: bool) -> int:
    try:
        cwd = os.getcwdb()
    except OSError:
        sock.close()
        raise Unavailable("no working directory") from None
    umask = os.umask(0o022)
    os.umask(umask)
    fields = wire.run_fields(sys.argv[0] if sys.argv else "vsh", args, cwd, umask)
    request = wire.encode_request("run", wire.identity(), fields)
    rights = struct.pack("3i", *wire.STDIO)
    try:
        sent = sock.sendmsg([request], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
        if sent < len(request):
            sock.sendall(request[sent:])
    except OSError as exc:
        sock.close()
        raise Unavailable(f"cannot send: {exc.strerror or exc}") from None
    return relay(sock, force=force)


def relay(sock: _socket.socket, *, force: bool) -> int:
    """Forward signals to the worker until it reports how it ended."""
    worker = [0]

    def forward(signum: int, _frame: object) -> None:
        if worker[0]:
            try:  # noqa: SIM105 (contextlib costs the client 3 ms)
                os.killpg(worker[0], signum)
            except OSError:
                pass

    previous = {sig: _signal.signal(sig, forward) for sig in FORWARDED}
    buffer = b""
    try:
        while True:
            try:
                chunk = sock.recv(4096)
            except OSError as exc:
                if worker[0]:
                    raise Lost(f"worker {worker[0]}: {exc.strerror or exc}") from None
                raise Unavailable(f"lost the server: {exc.strerror or exc}") from None
            if not chunk:
                if worker[0]:
                    raise Lost(f"worker {worker[0]} ended without an exit status")
                raise Unavailable("the server hung up")
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                word, _, value = line.decode("ascii", "replace").partition(" ")
                if word == "pid":
                    worker[0] = int(value)
                elif word == "exit":
                    return int(value)
                elif word == "signal":
                    return 128 + int(value)
                elif word == "stale":
                    stale = Stale("the server was another build of vsh")
                    stale.start = True
                    raise stale
                elif word == "refused":
                    raise Unavailable(f"refused: {value}")
    finally:
        sock.close()
        for sig, handler in previous.items():
            _signal.signal(sig, handler)


# -- --warm-status / --warm-stop ---------------------------------------------------------------
def control(option: str) -> int:
    kind = "status" if option == "--warm-status" else "stop"
    path = os.path.join(paths.directory(), paths.SOCKET_NAME)
    try:
        sock = open_socket(path)
    except Unavailable as why:
        sys.stdout.write(f"warm server: not running ({why}; socket {path})\n")
        return 0 if kind == "stop" else 1
    reply = b""
    try:
        sock.sendall(wire.encode_request(kind, wire.identity()))
        while chunk := sock.recv(4096):
            reply += chunk
    finally:
        sock.close()
    for line in reply.decode("utf-8", "replace").splitlines():
        word, _, value = line.partition(" ")
        if word == "status":
            sys.stdout.write(f"warm server: running ({value}; socket {path})\n")
        elif word == "stopping":
            sys.stdout.write(f"warm server: stopped ({value})\n")
    return 0
