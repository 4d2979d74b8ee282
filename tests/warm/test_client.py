"""vsh.warm.client: which commands stay in-process, and the lean import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vsh.warm import client


@pytest.fixture(autouse=True)
def _no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client.os, "isatty", lambda fd: False)
    monkeypatch.setattr(client, "has_terminal", lambda: False)
    for name in (*client.URI_VARS, *client.LIBVIRT_INIT_VARS):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "test:///default", "list"],
        ["-c", "test:///default", "list; dominfo test"],
        ["list", "--all"],
        ["-q", "complete", "--", "dominfo", "t"],
        ["-c", "qemu+unix:///system?socket=/x", "list"],
        ["-c", "qemu+ssh://h/system", "list"],  # no terminal: nothing can prompt
    ],
)
def test_warm(args: list[str]) -> None:
    assert client.in_process_reason(args, "") is None


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["edit", "test"], "edit needs the terminal"),
        (["-c", "test:///default", "list; net-edit default"], "net-edit needs the terminal"),
        (["console", "test"], "console needs the terminal"),
        (["secret-set-value", "s", "--interactive"], "--interactive needs the terminal"),
        (["--no-such-option"], "global option error"),
        (["-c"], "global option error"),
        ([], "commands on stdin"),
        (["-c", "test:///default"], "commands on stdin"),
    ],
)
def test_in_process(args: list[str], why: str) -> None:
    assert client.in_process_reason(args, "") == why


def test_interactive_shell_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client.os, "isatty", lambda fd: True)
    assert client.in_process_reason(["-c", "test:///default"], "") == "interactive shell"
    assert client.in_process_reason(["list"], "") is None


def test_remote_uri_with_a_terminal_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client, "has_terminal", lambda: True)
    why = "a remote connection may prompt on the terminal"
    assert client.in_process_reason(["-c", "qemu+ssh://h/system", "list"], "") == why
    assert client.in_process_reason(["connect qemu+tls://h/system; list"], "") == why
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "qemu://h/system")
    assert client.in_process_reason(["list"], "") == why
    monkeypatch.delenv("LIBVIRT_DEFAULT_URI")
    assert client.in_process_reason(["-c", "test:///default", "list"], "") is None


@pytest.mark.parametrize(
    ("uri", "prompts"),
    [
        ("qemu:///system", False),
        ("test:///default", False),
        ("qemu+unix:///system?socket=/s", False),
        ("qemu+ssh://root@h/system", True),
        ("qemu+libssh2://h/system", True),
        ("qemu+tcp://h/system", True),
        ("qemu+tls://h/system", True),
        ("qemu://h/system", True),
        ("not a uri", False),
    ],
)
def test_may_prompt(uri: str, prompts: bool) -> None:
    assert client.may_prompt(uri) is prompts


def test_switches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert client.in_process_reason(["list"], "0") == "turned off"
    monkeypatch.setenv("LIBVIRT_DEBUG", "1")
    assert client.in_process_reason(["list"], "") == "libvirt logging variables are set"
    monkeypatch.delenv("LIBVIRT_DEBUG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "vsh").mkdir()
    config = tmp_path / "vsh" / "config.toml"
    config.write_text("warm = false\n")
    assert client.in_process_reason(["list"], "") == "turned off"
    assert client.in_process_reason(["list"], "force") is None  # tests force it on
    config.write_text("warm = true\n")
    assert client.in_process_reason(["list"], "") is None
    config.write_text("warm = [\n")  # malformed: changes nothing
    assert client.in_process_reason(["list"], "") is None


def test_client_imports_nothing_heavy() -> None:
    """Before it knows it can use the server: no libvirt, click, typing, enum, rich..."""
    probe = (
        "import sys\n"
        "from vsh.warm import client, paths, wire\n"
        "from vsh.core import globalopts\n"
        "heavy = {'libvirt', 'click', 'typing', 'enum', 'rich', 'prompt_toolkit', 're',\n"
        "         'socket', 'signal', 'contextlib', 'collections', 'vsh.cli'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout
    assert out.strip() == "[]"


def test_claim_takes_the_lock_nobody_holds(tmp_path: Path) -> None:
    """A server holds the lock from the client's claim on: no second claim."""
    import fcntl
    import os

    first = client.claim(str(tmp_path))  # creates the lock file
    assert first is not None
    assert oct((tmp_path / "warm.lock").stat().st_mode & 0o777) == oct(0o600)
    try:
        assert client.claim(str(tmp_path)) is None
        other = os.open(tmp_path / "warm.lock", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
    finally:
        os.close(first)
    again = client.claim(str(tmp_path))  # free again once its holder has closed it
    assert again is not None
    os.close(again)
    assert client.claim(str(tmp_path / "missing")) is None  # no directory: no lock


def test_without_a_shell_the_server_starts_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No /bin/sh to wait for the client's end: Python starts at once instead."""
    import os

    calls: list[tuple[str, list[str]]] = []

    def posix_spawn(path: str, argv: list[str], env: object, **kw: object) -> int:
        calls.append((path, argv))
        if path == "/bin/sh":
            raise FileNotFoundError(path)
        return 4242

    before = sorted(os.listdir("/proc/self/fd"))
    lock = client.claim(str(tmp_path))
    assert lock is not None
    monkeypatch.setattr(client.os, "posix_spawn", posix_spawn)
    assert client.spawn_server(lock, after=True) == 4242
    monkeypatch.undo()
    assert [path for path, _argv in calls] == ["/bin/sh", sys.executable]
    assert calls[1][1][1:] == ["-P", "-m", "vsh.warm.server", "--lock-fd", str(lock)]
    assert sorted(os.listdir("/proc/self/fd")) == before  # the claim and the pipe closed
