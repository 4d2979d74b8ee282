"""vsh.shell.repl: the interactive shell, driven through prompt_toolkit's pipe input.

Keys go in through ``create_pipe_input`` (``\\r`` is Enter, ``\\x03`` Ctrl-C,
``\\x04`` Ctrl-D, ``\\x12`` Ctrl-R); the screen is a ``DummyOutput`` (or a
recording one where what reaches the terminal matters); the session's own
output streams are StringIOs.
"""

from __future__ import annotations

import io
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from tests.completion.conftest import NODE_URI
from vsh.completion.engine import complete
from vsh.core import registry as table
from vsh.core.command import VshCommand, command, option
from vsh.core.grammar import OptKind
from vsh.core.session import Session, Settings
from vsh.shell import repl
from vsh.shell.history import TrimmedFileHistory
from vsh.shell.repl import BANNER, PagedOutput, Shell, run_line, run_paged, run_shell


class Result:
    def __init__(self, status: int, out: str, err: str) -> None:
        self.status, self.out, self.err = status, out, err


def new_session(*, quiet: bool = False, uri: str | None = None) -> Session:
    settings = Settings(quiet=quiet, uri=uri, uri_given=uri is not None)
    return Session(settings, out=io.StringIO(), err=io.StringIO())


def drive(keys: str, session: Session | None = None, *later: str, **kw: bool) -> Result:
    """Type ``keys`` into a shell; it must end by itself (quit or Ctrl-D).

    ``later`` chunks are typed 0.3 s apart, once the shell is up (keys typed
    ahead are replayed before the history has loaded).
    """
    s = session or new_session(**kw)
    with create_pipe_input() as inp:
        inp.send_text(keys)

        def type_later() -> None:
            for chunk in later:
                time.sleep(0.3)
                inp.send_text(chunk)

        typist = threading.Thread(target=type_later)
        typist.start()
        status = run_shell(s, input=inp, output=DummyOutput())
        typist.join()
    return Result(status, s.out.getvalue(), s.err.getvalue())  # type: ignore[attr-defined]


class RecordingOutput(DummyOutput):
    """A terminal that remembers the text written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[str] = []
        self.lock = threading.Lock()

    def write(self, data: str) -> None:
        with self.lock:
            self.written.append(data)

    write_raw = write

    def text(self) -> str:
        with self.lock:
            return "".join(self.written)


@pytest.fixture
def extra(monkeypatch: pytest.MonkeyPatch) -> Callable[[VshCommand], None]:
    commands = dict(table.COMMANDS)
    monkeypatch.setattr(table, "COMMANDS", commands)

    def add(cmd: VshCommand) -> None:
        assert cmd.name is not None
        commands[cmd.name] = (__name__, cmd.name, "virsh", cmd.summary, True)
        monkeypatch.setitem(table._loaded, cmd.name, cmd)

    return add


@command("boom", summary="raise an unexpected exception", needs_connection=False)
def _boom(s: Session) -> bool:
    raise RuntimeError("kaboom")


@command("nap", summary="sleep for a while", needs_connection=False)
@option("seconds", OptKind.STRING, "how long")
def _nap(s: Session, seconds: str | None) -> bool:
    s.print("napping\n")
    s.out.flush()
    time.sleep(float(seconds or "5"))
    s.print("woke up\n")
    return True


@command("fail-mutate", summary="a mutating command that fails", needs_connection=False)
def _fail_mutate(s: Session) -> bool:
    return False


# -- the loop -----------------------------------------------------------------------------------


def test_banner_then_end_of_input() -> None:
    result = drive("\x04")
    assert result.status == 0
    assert result.out == BANNER + "\n"
    assert result.err == ""


def test_quiet_has_no_banner() -> None:
    assert drive("\x04", quiet=True).out == "\n"


def test_errors_do_not_end_the_loop() -> None:
    result = drive("frob\rdomstate\recho still here\r\x04", quiet=True)
    assert result.err == (
        "error: unknown command: 'frob'\nerror: command 'domstate' requires <domain> option\n"
    )
    assert result.out == "still here\n"


def test_an_unexpected_exception_returns_to_the_prompt(extra: Callable[[VshCommand], None]) -> None:
    extra(_boom)
    result = drive("boom\recho after\r\x04", quiet=True)
    assert "error: internal error in 'boom': RuntimeError: kaboom\n" in result.err
    assert result.out == "after\n"


def test_multi_command_lines_run_in_order() -> None:
    result = drive("echo a; echo b;echo c\r\x04")
    assert result.out.endswith("a\nb\nc\n\n")


def test_a_parse_error_discards_the_whole_line() -> None:
    result = drive("echo a; frob; echo b\recho c\r\x04", quiet=True)
    assert result.err == "error: unknown command: 'frob'\n"
    assert result.out == "c\n"


def test_quit_and_exit_end_the_shell() -> None:
    for word in ("quit", "exit"):
        result = drive(f"echo a; {word}; echo b\recho never\r", quiet=True)
        assert (result.status, result.out, result.err) == (0, "a", "")


def test_ctrl_c_clears_the_line() -> None:
    result = drive("echo typed\x03echo after\r\x04", quiet=True)
    assert result.out == "after\n"
    assert result.err == ""


def test_ctrl_c_interrupts_a_running_command(extra: Callable[[VshCommand], None]) -> None:
    extra(_nap)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        started = time.monotonic()
        result = drive("nap 20; echo skipped\recho next\r\x04", quiet=True)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 10
    assert result.out == "napping\nnext\n"
    assert result.err == "error: interrupted\n"


def test_cd_works_in_the_shell(tmp_path: Path) -> None:
    here = os.getcwd()
    try:
        result = drive(f"cd {tmp_path}\rpwd\r\x04", quiet=True)
    finally:
        os.chdir(here)
    assert result.out == f"{tmp_path}\n\n"  # pwd, then the newline at end of input


def test_status_is_zero_even_after_failures() -> None:
    assert drive("frob\rdomstate\r\x04").status == 0


# -- history ------------------------------------------------------------------------------------


def test_history_is_written_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    drive("echo one\recho two; echo three\r\x04", quiet=True)
    path = tmp_path / "cache" / "vsh" / "history"
    assert [line for line in path.read_text().splitlines() if line.startswith("+")] == [
        "+echo one",
        "+echo two; echo three",
    ]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_history_size_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("VSH_HISTSIZE", "2")
    drive("echo 1\recho 2\recho 3\r\x04", quiet=True)
    entries = [line for line in (tmp_path / "vsh" / "history").read_text().splitlines()]
    assert [e for e in entries if e.startswith("+")] == ["+echo 2", "+echo 3"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "error: Bad $VSH_HISTSIZE value.\n"),
        ("-1", "error: $VSH_HISTSIZE value should be between 0 and 500000\n"),
        ("500001", "error: $VSH_HISTSIZE value should be between 0 and 500000\n"),
    ],
)
def test_bad_histsize_is_reported_and_the_default_used(
    value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VSH_HISTSIZE", value)
    s = new_session()
    assert repl.history_size(s) == repl.DEFAULT_HISTSIZE
    assert s.err.getvalue() == message  # type: ignore[attr-defined]


def test_virsh_histsize_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIRSH_HISTSIZE", "7")
    assert repl.history_size(new_session()) == 7
    monkeypatch.setenv("VSH_HISTSIZE", "9")
    assert repl.history_size(new_session()) == 9


def test_ctrl_r_searches_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    history = TrimmedFileHistory(tmp_path / "vsh" / "history", 10)
    history.store_string("echo from-history")
    history.store_string("echo newer")
    # Ctrl-R, a search string, Enter accepts the match into the line, Enter runs it.
    result = drive("\x12from-h\r\r\x04", quiet=True)
    assert result.out == "from-history\n"


def test_up_arrow_recalls_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    result = drive("echo first\r", None, "\x1b[A", "\r\x04", quiet=True)
    assert result.out == "firstfirst\n"  # -q: echo prints no newline of its own


# -- other threads, paging, completion names ----------------------------------------------------


def test_a_message_from_another_thread_goes_above_the_prompt() -> None:
    """libvirt's close callback runs on the event loop thread; it must print through
    patch_stdout (the terminal), not straight into the stream under the prompt."""
    s = new_session(quiet=True, uri="test:///default")
    assert s.connection.reconnect()
    screen = RecordingOutput()
    with create_pipe_input() as inp, create_app_session(input=inp, output=screen):
        shell = Shell(s)

        def disconnect_then_leave() -> None:
            deadline = time.monotonic() + 10
            while not shell.prompt.app.is_running and time.monotonic() < deadline:
                time.sleep(0.01)
            conn = s.connection.current
            import libvirt

            s.connection._on_close(conn, libvirt.VIR_CONNECT_CLOSE_REASON_EOF, None)
            time.sleep(0.5)  # patch_stdout writes from its own thread
            inp.send_text("\x04")

        thread = threading.Thread(target=disconnect_then_leave)
        thread.start()
        assert shell.run() == 0
        thread.join()
    message = "error: Disconnected from test:///default due to end of file\n"
    assert message in screen.text()
    assert s.err.getvalue() == ""  # type: ignore[attr-defined]
    s.connection.close()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_short_output_is_written_directly() -> None:
    screen = Terminal()
    paged = PagedOutput(screen, rows=10)
    paged.write("a\nb\n")
    paged.finish()
    assert (screen.getvalue(), paged.paged) == ("a\nb\n", 0)


def test_long_output_goes_through_the_pager(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(repl, "page", lambda text, encoding="utf-8": shown.append(text) or True)
    screen = Terminal()
    paged = PagedOutput(screen, rows=10)
    text = "".join(f"line {i}\n" for i in range(30))
    paged.write(text)
    paged.finish()
    assert shown == [text]
    assert screen.getvalue() == ""


def test_wrapped_lines_count_as_screen_lines() -> None:
    paged = PagedOutput(Terminal(), rows=10, columns=10)
    assert paged.screen_lines("x" * 25 + "\n" + "\n") == 4


def test_errors_keep_their_place_after_paged_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """An error flushes what came before it: through the pager first, then the error."""
    screen = Terminal()
    monkeypatch.setattr(
        repl, "page", lambda text, encoding="utf-8": screen.write(f"[pager]{text}[/pager]") or True
    )
    monkeypatch.setattr(
        repl.shutil, "get_terminal_size", lambda fallback: os.terminal_size((80, 10))
    )
    s = Session(Settings(quiet=True), out=screen, err=screen)
    lines = ",".join(f"l{i}" for i in range(20))
    run_paged(s, f"echo --split {lines}; cd /nonexistent; echo --split tail")
    text = screen.getvalue()
    assert text.startswith("[pager]l0\nl1\n")
    pager_end = text.index("[/pager]")
    error_at = text.index("error: cd: command valid only in interactive mode")
    assert pager_end < error_at < text.index("tail")


def test_output_without_final_newline_gets_one_before_the_prompt() -> None:
    screen = Terminal()
    s = Session(Settings(quiet=True), out=screen, err=screen)
    run_paged(s, "echo no newline")
    assert screen.getvalue() == "no newline\n"


def test_no_pager_when_not_a_terminal() -> None:
    out = io.StringIO()
    s = Session(Settings(quiet=True), out=out, err=out)
    run_paged(s, "echo " + " ".join(["x"] * 10))
    assert out.getvalue() == " ".join(["x"] * 10)


def test_pager_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAGER", raising=False)
    assert repl.pager_command() == ["less"]
    monkeypatch.setenv("PAGER", "more -s")
    assert repl.pager_command() == ["more", "-s"]
    for none in ("", "cat"):
        monkeypatch.setenv("PAGER", none)
        assert repl.pager_command() is None


def test_the_real_pager_receives_the_text(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "paged"
    monkeypatch.setenv("PAGER", f"sh -c 'cat > {target}'")
    assert repl.page("héllo\n")
    assert target.read_text() == "héllo\n"
    monkeypatch.setenv("PAGER", "/nonexistent/pager")
    assert not repl.page("x\n")


def test_run_line_reports_each_command_and_its_success() -> None:
    s = new_session(quiet=True)
    results = run_line(s, "echo a; cd /nonexistent; echo b")
    assert [(c.name, ok) for c, ok in results] == [("echo", True), ("cd", False), ("echo", True)]
    assert run_line(s, "   ") == []
    assert run_line(s, "frob") == []


@pytest.fixture
def shell() -> Iterator[Shell]:
    s = new_session(quiet=True, uri="test:///default")
    assert s.connection.reconnect()
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        yield Shell(s)
    s.connection.close()


def test_names_refresh_only_after_successful_mutations(
    shell: Shell, extra: Callable[[VshCommand], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    extra(_fail_mutate)
    calls: list[str] = []
    monkeypatch.setattr(shell.cache, "invalidate", lambda refresh=True: calls.append("invalidate"))
    monkeypatch.setattr(shell.cache, "reset", lambda: calls.append("reset"))
    shell.execute("echo a; list; dominfo test; snapshot-list test")
    assert calls == []
    shell.execute("fail-mutate")
    assert calls == []
    shell.execute("snapshot-create-as test s1")
    assert calls == ["invalidate"]
    shell.execute("suspend test; resume test")
    assert calls == ["invalidate", "invalidate"]


def test_connect_resets_every_cached_name(shell: Shell) -> None:
    """A stale cache after connect would offer the old host's domains."""
    s = shell.session
    _, before = complete(s, "dominfo ", cache=shell.cache)
    assert "test" in {c.display for c in before}
    shell.execute(f"connect {NODE_URI}")
    _, after = complete(s, "dominfo ", cache=shell.cache)
    names = {c.display for c in after}
    assert "test" not in names and {"web", "paused one"} <= names


def test_a_reconnection_resets_the_names_too(shell: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    reset = shell.cache.reset
    monkeypatch.setattr(shell.cache, "reset", lambda: (calls.append("reset"), reset()))
    shell.session.connection.mark_disconnected()
    shell.execute("uri")  # reconnects first: a new connection (for test:///default, a new state)
    assert calls == ["reset"]
    shell.execute("uri")
    assert calls == ["reset"]


def test_suggestions_come_from_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    TrimmedFileHistory(tmp_path / "vsh" / "history", 10).store_string("echo from-history")
    # "echo fr" is suggested "om-history"; Right arrow at the end of the line accepts it.
    result = drive("", None, "echo fr", "\x1b[C\r\x04", quiet=True)
    assert result.out == "from-history\n"


def slow_values(s: Session, flags: int) -> list[str]:
    time.sleep(3)
    return ["late"]


@command("slowcmd", summary="a command whose completer is slow", needs_connection=False)
@option("thing", OptKind.STRING, "a thing", completer=slow_values)
def _slowcmd(s: Session, thing: str | None) -> bool:
    s.print(f"got {thing}\n")
    return True


def test_a_slow_completer_never_blocks_the_prompt(extra: Callable[[VshCommand], None]) -> None:
    extra(_slowcmd)
    started = time.monotonic()
    result = drive("slowcmd x\rslowcmd y\r\x04", quiet=True)
    assert result.out == "got x\ngot y\n\n"  # the last newline: end of input
    assert time.monotonic() - started < 2.5


def test_the_read_only_prompt_is_shown() -> None:
    s = new_session(quiet=True, uri="test:///default")
    s.settings.readonly = True
    assert s.connection.reconnect(readonly=True)
    screen = RecordingOutput()
    with create_pipe_input() as inp:
        inp.send_text("\x04")
        run_shell(s, input=inp, output=screen)
    assert "vsh > " in screen.text() and "vsh # " not in screen.text()
    s.connection.close()


def test_only_a_real_terminal_shell_freezes_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    drive("\x04", quiet=True)
    assert frozen == []
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text("\x04")
        Shell(new_session(quiet=True), freeze=True).run()
    assert frozen == [True]


def test_history_hides_secret_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """secret-set-value's base64 value never reaches the history file (virsh's does)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    s = new_session(quiet=True, uri="test:///default")
    line = "secret-set-value 6695eb01-f6a4-8304-79aa-97f2502e193f c2VjcmV0dmFsdWU="
    drive(f"{line}\recho x --base64=ok\r\x04", s)
    text = (tmp_path / "vsh" / "history").read_text()
    assert "c2VjcmV0dmFsdWU" not in text
    assert [ln for ln in text.splitlines() if ln.startswith("+")] == [
        "+secret-set-value 6695eb01-f6a4-8304-79aa-97f2502e193f (value hidden)",
        "+echo x --base64=ok",
    ]
