"""vsh.virt.conn: the libvirt connection as virsh manages it (tools/virsh.c
virshConnect, virshReconnect, virshCatchDisconnect, virshConnectionHandler).

These run against libvirt's test driver in-process; the output of whole runs
is compared with virsh in tests/conformance/test_shell_conformance.py.
"""

from __future__ import annotations

import io
import subprocess
import threading

import libvirt
import pytest

from tests.conformance.harness import VSH, base_env
from vsh.core import runner
from vsh.core.command import command
from vsh.core.grammar import ParsedCommand
from vsh.core.session import ERROR, INFO, Session, Settings
from vsh.virt import conn as vconn

TEST_URI = "test:///default"


def make_session(**settings: object) -> Session:
    settings.setdefault("debug", ERROR)
    return Session(Settings(**settings), out=io.StringIO(), err=io.StringIO())  # type: ignore[arg-type]


def err(session: Session) -> str:
    return session.err.getvalue()  # type: ignore[attr-defined]


@pytest.fixture
def session() -> Session:
    s = make_session(uri=TEST_URI, uri_given=True)
    yield s
    s.connection.close()


@command("needs-conn", summary="uses the connection")
def needs_conn(s: Session) -> bool:
    s.print(s.conn.getHostname() and "ok")
    return True


def run(session: Session, cmd=needs_conn) -> bool:
    return runner.run(session, [ParsedCommand(cmd, {})])


# -- libvirt's own error printing ------------------------------------------------------------


def test_libvirt_default_error_printer_is_silenced(capfd: pytest.CaptureFixture[str]) -> None:
    assert vconn.libvirt is libvirt  # importing vsh.virt.conn registered the handler
    with pytest.raises(libvirt.libvirtError):
        libvirt.open("bogus:///x")
    captured = capfd.readouterr()
    assert "libvirt:" not in captured.err and captured.err == ""


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "bogus:///x", "echo", "a"],
        ["-c", TEST_URI, "dominfo nosuch; connect bogus:///x"],
        ["-k", "1", "-c", TEST_URI, "echo", "a"],
    ],
)
def test_no_libvirt_lines_on_stderr(args: list[str]) -> None:
    proc = subprocess.run([*VSH, *args], capture_output=True, text=True, env=base_env(), timeout=60)
    assert proc.stderr
    assert all(line.startswith("error: ") for line in proc.stderr.splitlines()), proc.stderr


# -- authentication ------------------------------------------------------------------------------


def test_auth_callback_refuses_without_a_terminal() -> None:
    kinds, callback, _opaque = vconn._auth_callback(False)
    creds = [[libvirt.VIR_CRED_AUTHNAME, "Username", None, None, None]]
    assert callback(creds, None) == -1
    assert creds[0][4] is None
    assert libvirt.VIR_CRED_PASSPHRASE in kinds and libvirt.VIR_CRED_AUTHNAME in kinds


def test_auth_callback_prompts_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    monkeypatch.setattr("sys.stdin", io.StringIO("alice\n\n"))
    prompts = io.StringIO()
    monkeypatch.setattr("sys.stderr", prompts)
    monkeypatch.setattr(getpass, "getpass", lambda prompt: "secret")
    _kinds, callback, _opaque = vconn._auth_callback(True)
    creds = [
        [libvirt.VIR_CRED_AUTHNAME, "Username", None, None, None],
        [libvirt.VIR_CRED_PASSPHRASE, "Password", None, None, None],
        [libvirt.VIR_CRED_ECHOPROMPT, "Realm", None, "default-realm", None],
    ]
    assert callback(creds, None) == 0
    assert [c[4] for c in creds] == ["alice", "secret", "default-realm"]
    assert prompts.getvalue() == "Username: Realm [default-realm]: "


def test_auth_file_connection_fails_fast_without_a_terminal(tmp_path) -> None:
    """libvirt's tests/virsh-auth.xml style driver: credentials needed, no tty: no wait."""
    xml = tmp_path / "auth.xml"
    xml.write_text("<node><auth><user>astrochicken</user></auth></node>")
    proc = subprocess.run(
        [*VSH, "-c", f"test://{xml}", "echo", "a"],
        capture_output=True,
        text=True,
        env=base_env(),
        stdin=subprocess.DEVNULL,
        timeout=30,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        1,
        "",
        "error: failed to connect to the hypervisor\n"
        "error: authentication failed: Username request failed\n",
    )


# -- connecting, keepalive -----------------------------------------------------------------------


def test_eager_connect_and_command(session: Session) -> None:
    assert session.connection.reconnect()
    assert err(session) == ""
    assert run(session)
    assert session.out.getvalue() == "ok\n"  # type: ignore[attr-defined]


def test_forced_keepalive_on_the_test_driver_fails_with_libvirts_reason() -> None:
    s = make_session(uri=TEST_URI, keepalive_interval=1)
    assert not s.connection.reconnect()
    assert err(s) == (
        "error: Cannot setup keepalive on connection as requested, disconnecting\n"
        "error: failed to connect to the hypervisor\n"
    )
    assert s.last_error is not None
    vconn.report(s)
    assert err(s).endswith(
        "error: this function is not supported by the connection driver: virConnectSetKeepAlive\n"
    )


@pytest.mark.parametrize(("debug", "shown"), [(ERROR, False), (INFO, True)])
def test_unforced_keepalive_failure_is_a_debug_message(debug: int, shown: bool) -> None:
    s = make_session(uri=TEST_URI, debug=debug)
    assert s.connection.reconnect()
    expected = "Failed to setup keepalive on connection\n" if shown else ""
    assert s.out.getvalue() == expected  # type: ignore[attr-defined]
    assert err(s) == "" and s.last_error is None
    s.connection.close()


def test_keepalive_disabled_with_zero() -> None:
    s = make_session(uri=TEST_URI, keepalive_interval=0, debug=INFO)
    assert s.connection.reconnect()
    assert s.out.getvalue() == "" and err(s) == ""  # type: ignore[attr-defined]
    s.connection.close()


# -- losing the connection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (
            libvirt.VIR_CONNECT_CLOSE_REASON_EOF,
            "Disconnected from test:///default due to end of file",
        ),
        (
            libvirt.VIR_CONNECT_CLOSE_REASON_ERROR,
            "Disconnected from test:///default due to I/O error",
        ),
        (
            libvirt.VIR_CONNECT_CLOSE_REASON_KEEPALIVE,
            "Disconnected from test:///default due to keepalive timeout",
        ),
        (99, "unknown reason"),
    ],
)
def test_reconnect_after_close_callback(session: Session, reason: int, text: str) -> None:
    connection = session.connection
    assert connection.reconnect()
    connection._on_close(connection.current, reason, None)  # as the event loop would
    assert err(session) == f"error: {text}\n"
    assert run(session)
    assert err(session) == f"error: {text}\nerror: Reconnected to the hypervisor\n"
    assert session.out.getvalue() == "ok\n"  # type: ignore[attr-defined]
    # only once
    assert run(session)
    assert err(session).count("Reconnected") == 1


def test_client_close_is_silent(session: Session) -> None:
    connection = session.connection
    assert connection.reconnect()
    connection._on_close(connection.current, libvirt.VIR_CONNECT_CLOSE_REASON_CLIENT, None)
    assert err(session) == "" and connection.disconnected == 0


def test_failed_reconnect(session: Session) -> None:
    connection = session.connection
    assert connection.reconnect()
    connection.uri = "test:///no/such/file.xml"
    connection.mark_disconnected()
    assert not run(session)
    lines = err(session).splitlines()
    assert lines[0] == "error: Failed to reconnect to the hypervisor"
    assert len(lines) == 2 and lines[1].startswith("error: ")


def test_dead_connection_is_not_usable(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = session.connection
    assert connection.reconnect()
    monkeypatch.setattr(libvirt.virConnect, "isAlive", lambda self: 0)
    assert not run(session)
    assert err(session) == "error: no valid connection\n"


def test_leaked_references_are_reported(session: Session) -> None:
    connection = session.connection
    assert connection.reconnect()
    dom = connection.current.lookupByName("test")  # type: ignore[union-attr]
    connection.close()
    assert err(session) == (
        "error: One or more references were leaked after disconnect from the hypervisor\n"
    )
    del dom


# -- read-only ------------------------------------------------------------------------------------


def test_readonly_connection_refuses_mutation() -> None:
    s = make_session(uri=TEST_URI, readonly=True)
    conn = s.connection.ensure()
    assert conn is not None
    dom = conn.lookupByName("test")
    with pytest.raises(libvirt.libvirtError) as info:
        dom.destroy()
    assert info.value.get_error_message() == (
        "operation forbidden: read only access prevents virDomainDestroy"
    )
    del dom
    s.connection.close()


def test_reconnect_keeps_readonly_unless_a_uri_is_given() -> None:
    s = make_session(uri=TEST_URI, readonly=True)
    connection = s.connection
    assert connection.reconnect() and connection.readonly
    assert connection.reconnect(force=True) and connection.readonly  # `connect`
    assert connection.reconnect(TEST_URI, force=True) and not connection.readonly
    assert connection.reconnect(TEST_URI, readonly=True, force=True) and connection.readonly
    assert err(s) == ""
    connection.close()


def test_note_error_marks_only_disconnects() -> None:
    connection = vconn.Connection(make_session())
    for code, marked in [(libvirt.VIR_ERR_NO_DOMAIN, 0), (libvirt.VIR_ERR_NO_CONNECT, 1)]:
        error = libvirt.libvirtError("x")
        error.err = (code, libvirt.VIR_FROM_NONE, "x", 2, None, None, None, 0, 0)
        connection.note_error(error)
        assert connection.disconnected == marked


# -- opening ahead (migrate's destination) ------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "quiet"),
    [
        ("qemu:///system", True),
        ("qemu+unix:///system?socket=/tmp/x/libvirt-sock", True),
        ("qemu+unix:///system/?socket=/s", True),
        ("test:///default", True),
        ("test:///tmp/some.xml", True),
        ("qemu:///session", False),  # libvirt may spawn a session daemon
        ("qemu+unix:///session?socket=/s", False),
        ("qemu+ssh://root@h/system", False),  # ssh may ask for a password
        ("qemu+tls://h/system", False),
        ("qemu+tcp:///system", False),  # SASL
        ("qemu://h/system", False),  # a host: TLS
        ("qemu+ext:///system?command=/bin/x", False),  # runs a program
        ("lxc:///", False),
        ("default", False),  # an alias
        ("", False),
    ],
)
def test_quiet_uri(uri: str, quiet: bool) -> None:
    assert vconn.quiet_uri(uri) is quiet


def test_a_connection_opened_ahead_is_taken_once() -> None:
    s = make_session()
    vconn.open_ahead(s, TEST_URI)
    opened = vconn.take_ahead(s, TEST_URI)
    assert opened is not None and opened.isAlive() == 1
    assert vconn.take_ahead(s, TEST_URI) is None  # taken: the next opens again
    conn = vconn.open_connection(s, TEST_URI, False, opened)
    assert conn is opened  # only the rest of virshConnect ran (keepalive: a debug line)
    assert err(s) == "" and s.last_error is None
    conn.close()


def test_only_a_quiet_uri_is_opened_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(vconn.libvirt, "openAuth", lambda uri, *_: opened.append(uri))
    s = make_session()
    vconn.open_ahead(s, "qemu+ssh://root@h/system")
    assert vconn.take_ahead(s, "qemu+ssh://root@h/system") is None
    assert opened == []


def test_a_failed_open_ahead_is_opened_again_in_its_turn_with_libvirts_error(tmp_path) -> None:
    uri = f"test://{tmp_path}/missing.xml"
    s = make_session()
    vconn.open_ahead(s, uri)
    assert vconn.take_ahead(s, uri) is None
    assert err(s) == "" and s.last_error is None  # nothing said ahead of its turn
    assert vconn.open_connection(s, uri, False, None) is None
    assert s.last_error is not None and "missing.xml" in str(s.last_error)


def test_an_open_ahead_never_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []

    def open_auth(uri: str, auth: list[object], flags: int) -> None:
        callback = auth[1]
        creds = [[libvirt.VIR_CRED_AUTHNAME, "user", "", "", ""]]
        seen.append(callback(creds, None))  # type: ignore[operator]
        raise lv_error_auth()

    monkeypatch.setattr(vconn.os, "isatty", lambda fd: True)
    monkeypatch.setattr(vconn.libvirt, "openAuth", open_auth)
    s = make_session()
    vconn.open_ahead(s, "qemu:///system")
    assert vconn.take_ahead(s, "qemu:///system") is None
    assert seen == [-1]  # refused without asking, even on a terminal


def lv_error_auth() -> libvirt.libvirtError:
    error = libvirt.libvirtError("authentication failed")
    code, domain = libvirt.VIR_ERR_AUTH_FAILED, libvirt.VIR_FROM_AUTH
    error.err = (code, domain, "authentication failed", 2, None, None, None, 0, 0)
    return error


def test_what_is_not_taken_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = threading.Event()

    class Conn:
        def close(self) -> int:
            closed.set()
            return 0

    monkeypatch.setattr(vconn.libvirt, "openAuth", lambda *_: Conn())
    s = make_session()
    vconn.open_ahead(s, "qemu:///system")
    vconn.drop_ahead(s)  # whether the open has ended or not
    assert closed.wait(10)
    assert vconn.take_ahead(s, "qemu:///system") is None
    vconn.drop_ahead(s)  # nothing left: nothing to do


def test_the_ahead_hook_runs_for_a_lone_command_only() -> None:
    calls: list[dict[str, object]] = []

    @command("ahead-cmd", summary="has an ahead hook", ahead=lambda s, v: calls.append(dict(v)))
    def ahead_cmd(s: Session) -> bool:
        return True

    s = make_session()
    runner.start_ahead(s, [ParsedCommand(ahead_cmd, {"x": "1"})])
    assert calls == [{"x": "1"}]
    runner.start_ahead(s, [ParsedCommand(ahead_cmd, {}), ParsedCommand(ahead_cmd, {})])
    runner.start_ahead(s, [ParsedCommand(needs_conn, {})])
    assert calls == [{"x": "1"}]
