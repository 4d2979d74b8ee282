"""The one place that opens, closes and reconnects the libvirt connection.

Mirrors virsh: libvirt's default error printer is silenced, an event loop
thread runs keepalive and the close callback, a dead connection is reopened
before the next command that needs one (``error: Reconnected to the
hypervisor``), and authentication prompts appear only on a terminal, so a
cron job fails fast instead of hanging.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import sys
import threading
import weakref
from typing import TYPE_CHECKING, Any

import libvirt

from vsh.core.errors import libvirt_message
from vsh.core.session import INFO
from vsh.virt.errors import is_disconnect

if TYPE_CHECKING:
    from vsh.core.session import Session


def _ignore_error(_ctx: object, _err: object) -> None:
    """libvirt-python prints every error to stderr unless a handler is set."""


libvirt.registerErrorHandler(_ignore_error, None)

_event_loop_lock = threading.Lock()
_event_loop_started = False


def start_event_loop() -> None:
    """Register libvirt's default event implementation and run it in a thread.

    Needed before the first open for keepalive and the close callback
    (virsh's vshEventLoop).  Idempotent.
    """
    global _event_loop_started
    with _event_loop_lock:
        if _event_loop_started:
            return
        libvirt.virEventRegisterDefaultImpl()

        def run() -> None:
            while True:
                libvirt.virEventRunDefaultImpl()

        threading.Thread(target=run, name="libvirt-events", daemon=True).start()
        _event_loop_started = True


def _auth_callback(interactive: bool) -> list[Any]:
    """virConnectAuthPtrDefault's role: prompt for credentials, on a terminal only."""

    def callback(creds: list[list[Any]], _opaque: object) -> int:
        if not interactive:
            return -1  # never block a cron job on a prompt
        import getpass

        for cred in creds:
            kind, prompt = cred[0], cred[1]
            default = cred[3] if len(cred) > 3 else None
            text = f"{prompt}: " if not default else f"{prompt} [{default}]: "
            try:
                if kind in (libvirt.VIR_CRED_PASSPHRASE, libvirt.VIR_CRED_NOECHOPROMPT):
                    answer = getpass.getpass(text)
                else:
                    sys.stderr.write(text)
                    sys.stderr.flush()
                    answer = sys.stdin.readline().rstrip("\n")
            except (EOFError, KeyboardInterrupt):
                return -1
            cred[4] = answer or default or ""
        return 0

    kinds = [
        libvirt.VIR_CRED_AUTHNAME,
        libvirt.VIR_CRED_ECHOPROMPT,
        libvirt.VIR_CRED_REALM,
        libvirt.VIR_CRED_PASSPHRASE,
        libvirt.VIR_CRED_NOECHOPROMPT,
        libvirt.VIR_CRED_EXTERNAL,
    ]
    return [kinds, callback, None]


class Connection:
    """Owns the session's libvirt connection (virshReconnect and friends)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.uri: str | None = session.settings.uri
        self.readonly = session.settings.readonly
        self.current: libvirt.virConnect | None = None
        self.disconnected = 0
        # Per-connection feature probes (virsh's useSnapshotOld and friends).
        self.features: dict[str, bool] = {}

    # -- callbacks ----------------------------------------------------------------
    def _on_close(self, conn: libvirt.virConnect, reason: int, _opaque: object) -> None:
        if reason == libvirt.VIR_CONNECT_CLOSE_REASON_CLIENT:
            return
        texts = {
            libvirt.VIR_CONNECT_CLOSE_REASON_ERROR: "Disconnected from %s due to I/O error",
            libvirt.VIR_CONNECT_CLOSE_REASON_EOF: "Disconnected from %s due to end of file",
            libvirt.VIR_CONNECT_CLOSE_REASON_KEEPALIVE: (
                "Disconnected from %s due to keepalive timeout"
            ),
        }
        try:
            uri = conn.getURI()
        except libvirt.libvirtError:
            uri = "(null)"  # virsh: NULLSTR(virConnectGetURI(conn))
        text = texts.get(reason)
        self.session.error(text % uri if text else "unknown reason")
        self.disconnected += 1

    # -- open / close -------------------------------------------------------------
    def _open(self, uri: str | None, readonly: bool) -> libvirt.virConnect | None:
        return open_connection(self.session, uri, readonly)

    def close(self) -> None:
        conn, self.current = self.current, None
        if conn is None:
            return
        with contextlib.suppress(libvirt.libvirtError):
            conn.unregisterCloseCallback()
        try:
            leaked = conn.close()
        except libvirt.libvirtError:
            self.session.error("Failed to disconnect from the hypervisor")
            return
        if leaked > 0:
            self.session.error(
                "One or more references were leaked after disconnect from the hypervisor"
            )

    def reconnect(
        self, uri: str | None = None, readonly: bool = False, force: bool = False
    ) -> bool:
        """Close any connection and open ``uri`` (default: the current one)."""
        if not readonly and uri is None:
            readonly = self.readonly
        connected = self.current is not None
        if connected:
            self.close()
        conn = self._open(uri if uri is not None else self.uri, readonly)
        if conn is None:
            if self.disconnected:
                self.session.error("Failed to reconnect to the hypervisor")
            else:
                self.session.error("failed to connect to the hypervisor")
            return False
        self.current = conn
        if uri is not None:
            self.uri = uri
        self.readonly = readonly
        try:
            conn.registerCloseCallback(self._on_close, None)
        except libvirt.libvirtError:
            self.session.error("Unable to register disconnect callback")
        if connected and not force:
            self.session.error("Reconnected to the hypervisor")
        self.disconnected = 0
        self.features.clear()
        return True

    def ensure(self) -> libvirt.virConnect | None:
        """virsh's connection handler: (re)connect if needed, then check liveness."""
        if (self.current is None or self.disconnected) and not self.reconnect():
            return None
        conn = self.current
        try:
            alive = conn is not None and conn.isAlive() != 0
        except libvirt.libvirtError:
            alive = True  # dead only when libvirt says so
        if not alive:
            self.session.error("no valid connection")
            return None
        self.session.last_error = None
        return conn

    def mark_disconnected(self) -> None:
        self.disconnected += 1

    def note_error(self, err: libvirt.libvirtError) -> None:
        """A command failed with ``err``: if it says the connection died, reconnect next time."""
        if is_disconnect(err):
            self.mark_disconnected()


def open_connection(
    session: Session,
    uri: str | None,
    readonly: bool,
    opened: libvirt.virConnect | None = None,
) -> libvirt.virConnect | None:
    """virshConnect: open ``uri`` with keepalive as the global options ask;
    None on failure, the libvirt error left in ``session.last_error``.
    Also how migrate opens its destination.  ``opened``: ``uri`` already
    opened ahead (:func:`open_ahead`); only the rest of virshConnect is left."""
    settings = session.settings
    interval, count = 5, 6
    forced = False
    if settings.keepalive_interval >= 0:
        interval, forced = settings.keepalive_interval, True
    if settings.keepalive_count >= 0:
        count, forced = settings.keepalive_count, True
    start_event_loop()
    flags = libvirt.VIR_CONNECT_RO if readonly else 0
    interactive = os.isatty(0) and not session.detached
    if opened is not None:
        conn = opened
    else:
        try:
            conn = libvirt.openAuth(uri, _auth_callback(interactive), flags)
        except libvirt.libvirtError as err:
            session.last_error = err
            return None
    if interval > 0:
        keepalive_error: libvirt.libvirtError | None = None
        try:
            failed = conn.setKeepAlive(interval, count) != 0
        except libvirt.libvirtError as err:
            failed, keepalive_error = True, err
        if failed and forced:
            session.error("Cannot setup keepalive on connection as requested, disconnecting")
            conn.close()
            # virsh then reports why (the test driver: "this function is not
            # supported by the connection driver: virConnectSetKeepAlive").
            session.last_error = keepalive_error
            return None
        if failed:
            session.debug(INFO, "Failed to setup keepalive on connection\n")
        session.last_error = None
    return conn


def report(session: Session) -> None:
    """Print the pending libvirt error, as virsh's vshReportError does."""
    err, session.last_error = session.last_error, None
    if err is not None:
        session.error(libvirt_message(err))


# -- opening ahead -------------------------------------------------------------------
# A command that will open a second connection later (migrate's destination,
# after the source connection and the domain look-up, as virsh orders them)
# may start opening it while the session connects: the two handshakes then
# overlap instead of adding up.  Only where opening has no effect of its own
# (quiet_uri), never with a prompt (a refused authentication is simply opened
# again in its turn, which prompts then, if it must), and the result is used
# only when the command gets there: what it prints, and when, is unchanged.


def quiet_uri(uri: str) -> bool:
    """A URI that opening cannot make prompt or start anything: no host (a local
    socket: no ssh, no TLS), no transport but ``unix``, and not a session
    daemon, which libvirt would spawn; or the test driver."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return False
    driver, _, transport = scheme.partition("+")
    host, _, path = rest.partition("/")
    if transport not in ("", "unix") or host:
        return False
    return driver == "test" or path.partition("?")[0].rstrip("/") == "system"


class _Opening:
    """``libvirt.openAuth`` running in a thread; a connection nobody takes is closed."""

    def __init__(self, uri: str) -> None:
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.conn: libvirt.virConnect | None = None
        self.dropped = False
        # not threading.Thread: its start waits until the thread runs, and
        # that wait (a millisecond or two) is what opening ahead saves
        _thread.start_new_thread(self._open, (uri,))

    def _open(self, uri: str) -> None:
        conn: libvirt.virConnect | None = None
        try:  # a failure is opened again in its turn, which says why
            with contextlib.suppress(Exception):
                conn = libvirt.openAuth(uri, _auth_callback(False), 0)
        finally:
            with self.lock:
                if not self.dropped:
                    self.conn, conn = conn, None
            if conn is not None:
                _close_quietly(conn)
            self.done.set()  # never left waiting for

    def take(self) -> libvirt.virConnect | None:
        self.done.wait()
        conn, self.conn = self.conn, None
        return conn

    def drop(self) -> None:
        with self.lock:
            self.dropped = True
            conn, self.conn = self.conn, None
        if conn is not None:
            _close_quietly(conn)


def _close_quietly(conn: libvirt.virConnect) -> None:
    with contextlib.suppress(libvirt.libvirtError):
        conn.close()


_openings: weakref.WeakKeyDictionary[Session, dict[str, _Opening]] = weakref.WeakKeyDictionary()


def open_ahead(session: Session, uri: str) -> None:
    """Start opening ``uri`` (read-write) for ``session``, if it is a quiet URI."""
    if not quiet_uri(uri):
        return
    pending = _openings.setdefault(session, {})
    if uri not in pending:
        start_event_loop()  # before any open, as for every connection
        pending[uri] = _Opening(uri)


def take_ahead(session: Session, uri: str) -> libvirt.virConnect | None:
    """The connection opened ahead for ``uri`` (waiting for it), or None."""
    opening = _openings.get(session, {}).pop(uri, None)
    return opening.take() if opening is not None else None


def drop_ahead(session: Session) -> None:
    """Close whatever was opened ahead and not taken (the command ended sooner)."""
    for opening in _openings.pop(session, {}).values():
        opening.drop()
