"""vsh.core.runner: running parsed commands as virsh's vshCommandRun does.

Fake commands declared with vsh.core.command's decorators run against a session
with in-memory streams.  virsh's rules (tools/vsh.c vshCommandRun,
vshReportError): every command runs even after a failure, each is followed by
``\\n`` (vshPrintExtra, so not with -q) or by the -t timing line (always),
quit/exit end the list at once with no ``\\n``, the result is the last
command's, and a failed command's saved libvirt error is printed after its own
messages.
"""

from __future__ import annotations

import gc
import io
import re
import weakref

import libvirt
import pytest

from vsh.core import runner
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind, ParsedCommand
from vsh.core.session import DEBUG, ERROR, INFO, Session, Settings


def lv_error(
    message: str, code: int = libvirt.VIR_ERR_INTERNAL_ERROR, domain: int = libvirt.VIR_FROM_NONE
) -> libvirt.libvirtError:
    """A libvirtError with a fixed payload (the constructor would pick up whatever
    libvirt error the thread saw last)."""
    error = libvirt.libvirtError(message)
    error.err = (code, domain, message, 2, None, None, None, 0, 0)
    return error


def make_session(**settings: object) -> Session:
    return Session(Settings(**settings), out=io.StringIO(), err=io.StringIO())  # type: ignore[arg-type]


@command("ok", summary="succeeds", needs_connection=False)
@option("text", OptKind.DATA, "what to print", required=True)
def ok_cmd(s: Session, text: str) -> bool:
    s.print(text)
    return True


@command("quiet-fail", summary="fails without a message", needs_connection=False)
def quiet_fail(s: Session) -> bool:
    return False


@command("vsh-fail", summary="fails with context and a cause", needs_connection=False)
def vsh_fail(s: Session) -> bool:
    raise VshError("Failed to do it", cause=lv_error("the libvirt reason"))


@command("lv-fail", summary="lets a libvirt error escape", needs_connection=False)
def lv_fail(s: Session) -> bool:
    raise lv_error("escaped reason")


@command("buggy", summary="has a bug", needs_connection=False)
def buggy(s: Session) -> bool:
    raise ValueError("boom")


@command("piped", summary="stdout went away", needs_connection=False)
def piped(s: Session) -> bool:
    raise BrokenPipeError


@command(
    "excl",
    summary="exclusive options",
    needs_connection=False,
    exclusive=(("a", "b"), ("a", "c")),
)
@option("a", OptKind.BOOL, "first")
@option("b", OptKind.BOOL, "second")
@option("c", OptKind.STRING, "a value")
def excl(s: Session, a: bool, b: bool, c: str | None) -> bool:
    s.print("ran")
    return True


@command("quit", summary="leave", needs_connection=False)
def fake_quit(s: Session) -> bool:
    return True


@command("exit", summary="leave", needs_connection=False)
def fake_exit(s: Session) -> bool:
    return False


def parsed(cmd, **values) -> ParsedCommand:
    return ParsedCommand(cmd, values)


def run(session: Session, *commands: ParsedCommand) -> tuple[bool, str, str]:
    result = runner.run(session, commands)
    return result, session.out.getvalue(), session.err.getvalue()  # type: ignore[attr-defined]


# -- sequencing and status -----------------------------------------------------------------------


def test_each_command_is_followed_by_a_newline() -> None:
    assert run(make_session(), parsed(ok_cmd, text="a"), parsed(ok_cmd, text="b")) == (
        True,
        "a\nb\n",
        "",
    )


def test_quiet_drops_the_newline() -> None:
    assert run(make_session(quiet=True), parsed(ok_cmd, text="a"), parsed(ok_cmd, text="b")) == (
        True,
        "ab",
        "",
    )


@pytest.mark.parametrize("quiet", [False, True])
def test_timing_line_replaces_the_newline_even_when_quiet(quiet: bool) -> None:
    ok, out, err = run(
        make_session(timing=True, quiet=quiet), parsed(ok_cmd, text="a"), parsed(quiet_fail)
    )
    assert not ok and err == ""
    assert re.fullmatch(r"a\n\(Time: \d+\.\d{3} ms\)\n\n\n\(Time: \d+\.\d{3} ms\)\n\n", out)


def test_failure_does_not_stop_later_commands_and_status_is_the_last() -> None:
    assert run(make_session(), parsed(quiet_fail), parsed(ok_cmd, text="a"))[:2] == (True, "\na\n")
    assert run(make_session(), parsed(ok_cmd, text="a"), parsed(quiet_fail))[:2] == (False, "a\n\n")
    assert run(make_session()) == (True, "", "")


def test_quit_and_exit_stop_the_list_without_a_newline() -> None:
    assert run(make_session(), parsed(ok_cmd, text="a"), parsed(fake_quit), parsed(quiet_fail)) == (
        True,
        "a\n",
        "",
    )
    # their own result becomes the status
    assert run(make_session(), parsed(fake_exit), parsed(ok_cmd, text="b")) == (False, "", "")
    assert run(make_session(timing=True), parsed(fake_quit)) == (True, "", "")


# -- error reporting ---------------------------------------------------------------------------


def test_vsh_error_prints_context_then_cause() -> None:
    assert run(make_session(), parsed(vsh_fail)) == (
        False,
        "\n",
        "error: Failed to do it\nerror: the libvirt reason\n",
    )


def test_escaping_libvirt_error_prints_its_message() -> None:
    assert run(make_session(), parsed(lv_fail), parsed(ok_cmd, text="a")) == (
        True,
        "\na\n",
        "error: escaped reason\n",
    )


def test_saved_error_is_reported_once() -> None:
    session = make_session()
    run(session, parsed(vsh_fail), parsed(quiet_fail))
    assert session.err.getvalue().count("the libvirt reason") == 1  # type: ignore[attr-defined]
    assert session.last_error is None


@pytest.mark.parametrize(("debug", "traceback"), [(ERROR, False), (INFO, False), (DEBUG, True)])
def test_unexpected_exception_is_a_failed_command(debug: int, traceback: bool) -> None:
    ok, out, err = run(make_session(debug=debug), parsed(buggy), parsed(quiet_fail))
    assert (ok, out) == (False, "\n\n")
    assert err.endswith("error: internal error in 'buggy': ValueError: boom\n")
    assert ("Traceback (most recent call last)" in err) is traceback


def test_broken_pipe_and_interrupt_pass_through() -> None:
    with pytest.raises(BrokenPipeError):
        runner.run(make_session(), [parsed(piped)])

    @command("interrupted", summary="^C", needs_connection=False)
    def interrupted(s: Session) -> bool:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        runner.run(make_session(), [parsed(interrupted), parsed(ok_cmd, text="a")])


def test_exclusive_options() -> None:
    assert run(make_session(), parsed(excl, a=True, b=True)) == (
        False,
        "\n",
        "error: Options --a and --b are mutually exclusive\n",
    )
    assert run(make_session(), parsed(excl, a=True))[:2] == (True, "ran\n")


def test_exclusive_options_count_an_empty_value_as_given() -> None:
    """virsh's VSH_EXCLUSIVE_OPTIONS tests presence (`domblkinfo test --all ''`)."""
    assert run(make_session(), parsed(excl, a=True, c="")) == (
        False,
        "\n",
        "error: Options --a and --c are mutually exclusive\n",
    )
    assert run(make_session(), parsed(excl, c=""))[:2] == (True, "ran\n")


def test_disconnect_errors_mark_the_connection() -> None:
    """VIR_ERR_NO_CONNECT and friends make the next command reconnect (virsh)."""

    for code, domain, marked in [
        (libvirt.VIR_ERR_NO_CONNECT, libvirt.VIR_FROM_NONE, 1),
        (libvirt.VIR_ERR_INVALID_CONN, libvirt.VIR_FROM_NONE, 1),
        (libvirt.VIR_ERR_RPC, libvirt.VIR_FROM_RPC, 1),
        (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_REMOTE, 1),
        (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_NONE, 0),
        (libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_FROM_TEST, 0),
    ]:

        @command("gone", summary="x", needs_connection=False)
        def gone(s: Session, code: int = code, domain: int = domain) -> bool:
            raise VshError("Failed", cause=lv_error("connection is gone", code, domain))

        session = make_session()
        assert run(session, parsed(gone))[2] == "error: Failed\nerror: connection is gone\n"
        assert session.connection.disconnected == marked, (code, domain)


def test_failed_command_frees_its_objects_without_the_garbage_collector() -> None:
    """virsh frees a command's objects when it ends; a reference cycle through the
    saved error would keep e.g. a virDomain alive, and `connect` would then say
    "One or more references were leaked after disconnect from the hypervisor"."""

    class Handle:
        pass

    refs: list[weakref.ref[Handle]] = []

    @command("holder", summary="x", needs_connection=False)
    def holder(s: Session) -> bool:
        handle = Handle()
        refs.append(weakref.ref(handle))
        try:
            raise lv_error("refused")
        except libvirt.libvirtError as err:
            raise VshError("Failed to use handle", cause=err) from err

    @command("holder2", summary="x", needs_connection=False)
    def holder2(s: Session) -> bool:
        handle = Handle()
        refs.append(weakref.ref(handle))
        raise lv_error("refused")

    gc.collect()
    gc.disable()
    try:
        session = make_session()
        runner.run(session, [parsed(holder), parsed(holder2)])
        assert [r() for r in refs] == [None, None]
    finally:
        gc.enable()


# -- parsing through the command table -----------------------------------------------------------


def test_parse_script_reports_errors_and_returns_none() -> None:
    session = make_session()
    assert runner.parse_script(session, "echo a; frobnicate") is None
    assert session.err.getvalue() == "error: unknown command: 'frobnicate'\n"  # type: ignore[attr-defined]
    assert runner.parse_argv(session, ["echo", "--shell=1"]) is None


def test_help_option_becomes_the_help_command() -> None:
    session = make_session()
    commands = runner.parse_argv(session, ["connect", "--readonly", "--help"])
    assert commands is not None
    (cmd,) = commands
    assert (cmd.cmd.name, cmd.values) == ("help", {"command": "connect"})


def test_help_repeated_option_is_reported_and_help_still_runs() -> None:
    session = make_session()
    commands = runner.parse_script(session, "help --command echo --command b")
    assert commands is not None and [c.values for c in commands] == [{"command": "echo"}]
    assert session.err.getvalue() == "error: option --command already seen\n"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("debug", "printed"), [(ERROR, False), (INFO, True), (DEBUG, True)])
def test_debug_lines_while_parsing(debug: int, printed: bool) -> None:
    session = make_session(debug=debug)
    assert runner.parse_script(session, "echo --shell x") is not None
    expected = "echo: shell(bool): (none)\necho: string(optdata): x\n"
    assert session.out.getvalue() == (expected if printed else "")  # type: ignore[attr-defined]


def test_debug_lines_are_logged(tmp_path) -> None:
    session = make_session(debug=INFO)
    session.open_log(str(tmp_path / "log"))
    runner.parse_argv(session, ["echo", "a"])
    log = (tmp_path / "log").read_text()
    assert re.fullmatch(
        r"\[\d{4}\.\d\d\.\d\d \d\d:\d\d:\d\d vsh \d+\] INFO echo: string\(optdata\): a\n", log
    )
    # below the -d level nothing is logged either (vshDebug returns early)
    quiet = make_session(debug=ERROR)
    quiet.open_log(str(tmp_path / "log2"))
    runner.parse_argv(quiet, ["echo", "a"])
    assert (tmp_path / "log2").read_text() == ""


def test_commands_needing_a_connection_get_one() -> None:
    @command("needs", summary="x")
    def needs(s: Session) -> bool:
        s.print(s.conn.getURI())
        return True

    session = make_session(uri="test:///default")
    session.connection.uri = "test:///default"
    assert run(session, parsed(needs)) == (True, "test:///default\n", "")
    session.connection.close()
