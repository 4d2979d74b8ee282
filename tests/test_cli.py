"""vsh.cli: global options, modes and exit statuses.

In-process tests call :func:`vsh.cli.main` / :func:`vsh.cli.parse_global`;
behaviour that needs a real process (piped stdin, a closed stdout, Ctrl-C) runs
the installed ``vsh``.  What virsh does is checked differentially in
tests/conformance/test_shell_conformance.py; here are vsh's own promises
(README: exit statuses, piped stdin) and the settings the options produce.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys

import pytest

from tests.conformance.harness import VSH, base_env
from vsh import cli
from vsh.core import runner
from vsh.core.errors import VshError
from vsh.core.session import ERROR, Session, Settings


def fresh() -> Session:
    return Session(Settings(debug=ERROR), out=io.StringIO(), err=io.StringIO())


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# -- settings from the options --------------------------------------------------------------------


def test_settings_from_options() -> None:
    session = fresh()
    rest = cli.parse_global(
        session, ["-c", "test:///default", "-r", "-q", "-t", "-d", "2", "-e", "^a", "uri"]
    )
    s = session.settings
    assert rest == ["uri"]
    assert (s.uri, s.uri_given, s.readonly, s.quiet, s.timing, s.debug, s.escape) == (
        "test:///default",
        True,
        True,
        True,
        True,
        2,
        "^a",
    )
    assert (s.keepalive_interval, s.keepalive_count) == (-1, -1)


@pytest.mark.parametrize(
    ("argv", "interval", "count"),
    [
        (["-k", "0x10"], 16, -1),
        (["-k", "010"], 8, -1),
        (["-K", "0"], -1, 0),
        (["--keepalive-interval=3", "--keepalive-count=0X1f"], 3, 31),
        (["-k", " 7"], 7, -1),
        (["-k", "+7"], 7, -1),
        (["-k", "-0"], 0, -1),
        (["-k", "2147483647"], 2147483647, -1),
    ],
)
def test_keepalive_values(argv: list[str], interval: int, count: int) -> None:
    session = fresh()
    cli.parse_global(session, argv)
    assert (session.settings.keepalive_interval, session.settings.keepalive_count) == (
        interval,
        count,
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-k", "-1"], "option -k requires a positive integer argument"),
        (["-K", "-0x10"], "option -K requires a positive integer argument"),
        (["--keepalive-count=-5"], "option --keepalive-count requires a positive integer argument"),
        (["-k", "08"], "Invalid value for option -k"),
        (["-k", "0x"], "Invalid value for option -k"),
        (["-k", "1 "], "Invalid value for option -k"),
        (["-k", ""], "Invalid value for option -k"),
        (["-k", "2147483648"], "Invalid value for option -k"),
        (["--keepalive-interval=x"], "Invalid value for option --keepalive-interval"),
        (["-d", "x"], "option -d takes a numeric argument"),
        (["-d", "0x1"], "option -d takes a numeric argument"),
        (["--debug="], "option --debug takes a numeric argument"),
        (["-e", "^"], "Invalid string '^' for escape sequence"),
        (["-e", "^1"], "Invalid string '^1' for escape sequence"),
        (["-e", "^`"], "Invalid string '^`' for escape sequence"),
        (["-e", "xy"], "Invalid string 'xy' for escape sequence"),
        (["-e", ""], "Invalid string '' for escape sequence"),
        (["-e", "é"], "Invalid string 'é' for escape sequence"),  # two bytes
    ],
)
def test_option_value_errors(argv: list[str], message: str) -> None:
    with pytest.raises(VshError) as info:
        cli.parse_global(fresh(), argv)
    assert info.value.messages == [message]


@pytest.mark.parametrize("value", ["x", "~", "^a", "^z", "^@", "^A", "^[", "^\\", "^_"])
def test_escape_values_accepted(value: str) -> None:
    session = fresh()
    cli.parse_global(session, ["-e", value])
    assert session.settings.escape == value


def test_debug_out_of_range_is_ignored_with_a_warning() -> None:
    session = fresh()
    cli.parse_global(session, ["-d", "9", "-d", "-1"])
    assert session.settings.debug == ERROR
    assert session.err.getvalue() == (
        "error: ignoring debug level 9 out of range [0-4]\n"
        "error: ignoring debug level -1 out of range [0-4]\n"
    )


def test_debug_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # vsh's own variable wins over virsh's
    monkeypatch.setenv("VSH_DEBUG", "1")
    monkeypatch.setenv("VIRSH_DEBUG", "bogus")
    session = fresh()
    cli.parse_global(session, [])
    assert session.settings.debug == 1
    assert session.err.getvalue() == ""
    # -d wins over the environment
    session = fresh()
    cli.parse_global(session, ["-d", "3"])
    assert session.settings.debug == 3
    monkeypatch.setenv("VSH_DEBUG", "7")
    session = fresh()
    cli.parse_global(session, [])
    assert session.err.getvalue() == "error: VSH_DEBUG not set with a valid numeric value\n"


def test_log_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    vsh_log, virsh_log = tmp_path / "vsh.log", tmp_path / "virsh.log"
    monkeypatch.setenv("VSH_LOG_FILE", str(vsh_log))
    monkeypatch.setenv("VIRSH_LOG_FILE", str(virsh_log))
    session = fresh()
    cli.parse_global(session, [])
    session.error("x")
    assert session.settings.logfile == str(vsh_log)
    assert vsh_log.read_text().endswith(" ERROR x\n")
    assert not virsh_log.exists()


# -- whole runs in-process ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "out"),
    [
        (["-v"], "9.0.0\n"),
        (["--version"], "9.0.0\n"),
        (["--version=short"], "9.0.0\n"),
        (["--version=anything"], "9.0.0\n"),
    ],
)
def test_short_version(argv: list[str], out: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(argv, capsys) == (0, out, "")


@pytest.mark.parametrize("argv", [["-V"], ["--version=long"], ["-Vv"]])
def test_long_version(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_main(argv, capsys)
    assert (status, err) == (0, "")
    assert out.startswith(
        "Virsh command line tool of libvirt 9.0.0\n"
        "See web site at https://libvirt.org/\n\n"
        "Compiled with support for:\n Hypervisors:"
    )
    assert out.count("\n") == 8


def test_help_is_vsh_usage(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_main(["-h", "-x"], capsys)
    assert (status, err) == (0, "")
    assert out.startswith("\nvsh [options]... [<command_string>]\nvsh [options]... <command>")
    assert " Virsh itself (help keyword 'virsh')\n    cd  " in out
    assert out.endswith("\n  (specify help <command> for details about the command)\n\n")


def test_parse_everything_before_running(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["echo a; frobnicate; echo b"], capsys) == (
        1,
        "",
        "error: unknown command: 'frobnicate'\n",
    )


def test_status_is_the_last_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["help nosuch; echo a"], capsys)[0] == 0
    assert run_main(["echo a; help nosuch"], capsys)[0] == 1
    assert run_main(["help nosuch; quit"], capsys)[0] == 0
    assert run_main(["echo a; quit; help nosuch"], capsys) == (0, "a\n", "")


def test_empty_script_word_fails_silently(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main([""], capsys) == (1, "", "")


def test_eager_connect_failure_runs_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[object] = []
    monkeypatch.setattr(runner, "run", lambda *a: ran.append(a) or True)
    status, out, err = run_main(["-c", "test:///no/such/file.xml", "echo a"], capsys)
    assert (status, out, ran) == (1, "", [])
    assert err.startswith("error: failed to connect to the hypervisor\nerror: ")
    assert err.count("\n") == 2


def test_environment_uri_connects_lazily(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIRSH_DEFAULT_CONNECT_URI", "test:///no/such/file.xml")
    assert run_main(["echo a"], capsys) == (0, "a\n", "")


def test_keyboard_interrupt(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_args: object) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run", interrupted)
    assert run_main(["echo a"], capsys) == (130, "", "error: interrupted\n")


def test_keyboard_interrupt_inside_a_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It passes through the runner's error handling: no 'internal error' line."""

    def interrupted(*_args: object) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_call", interrupted)
    assert run_main(["echo a; echo b"], capsys) == (130, "", "error: interrupted\n")


def test_readonly_prompt() -> None:
    from vsh.shell.repl import prompt_text

    assert prompt_text(Session(Settings(readonly=True))) == "vsh > "
    assert prompt_text(Session(Settings())) == "vsh # "


# -- real processes -------------------------------------------------------------------------------


def vsh(args: list[str], stdin: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VSH, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=base_env(env),
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "stdin", "status", "out", "err"),
    [
        ([], "echo a\necho b\n", 0, "a\nb\n", ""),
        ([], "echo a\nfrobnicate\necho b\n", 1, "a\nb\n", "error: unknown command: 'frobnicate'\n"),
        ([], "help nosuch\necho b\n", 1, "\nb\n", ""),
        ([], "echo a\nquit\necho b\n", 0, "a\n", ""),
        ([], "echo a; echo b\n\n   \n#c\necho c", 0, "a\nb\nc\n", ""),
        (["-q"], "echo a\necho b\n", 0, "ab", ""),
        ([], 'echo "a\necho b\n', 1, "b\n", 'error: missing "\n'),
        ([], "echo a \\\necho b\n", 1, "b\n", "error: dangling \\\n"),
        (["-c", "test:///default"], "echo a\nconnect\necho b\n", 0, "a\n\nb\n", ""),
    ],
)
def test_piped_stdin(args: list[str], stdin: str, status: int, out: str, err: str) -> None:
    """No banner, no prompt echo; exit 1 if any line failed (README)."""
    if "help nosuch" in stdin:
        err = "error: command or command group 'nosuch' doesn't exist\n"
    proc = vsh(args, stdin)
    assert (proc.returncode, proc.stdout, proc.stderr) == (status, out, err)


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "test:///default", "echo a; echo b"],
        ["echo a; echo b"],
        ["help"],
        ["-h"],
        ["-V"],
        ["echo", "--err", "x"],
    ],
)
def test_closed_stdout(args: list[str]) -> None:
    """`vsh ... | head -0`: quietly 141, whatever was printed before."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [*VSH, *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=base_env(),
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141
    expected = b"error: x\n" if "--err" in args else b""
    assert proc.stderr == expected


def test_stdout_closed_by_the_reader() -> None:
    """The reader goes away mid-output (`vsh ... | head -c1`)."""
    word = "; ".join(["echo " + "x" * 20000] * 6)
    proc = subprocess.Popen(
        [*VSH, word],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=base_env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(1) == b"x"
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141
    assert err == b""


@pytest.mark.parametrize("args", [[], ["-c", "test:///default"]])
def test_sigint(args: list[str]) -> None:
    """Ctrl-C while vsh waits for the next piped line: one error line, 130."""
    proc = subprocess.Popen(
        [*VSH, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=base_env(),
    )
    assert proc.stdin is not None and proc.stderr is not None
    proc.stdin.write(b"echo --err ready\n")
    proc.stdin.flush()
    assert proc.stderr.readline() == b"error: ready\n"  # now blocked reading stdin
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == b"error: interrupted\n"
    assert b"Traceback" not in out + err


def test_module_entry_point() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "vsh", "echo", "a"],
        capture_output=True,
        text=True,
        env=base_env(),
        timeout=60,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "a\n", "")
