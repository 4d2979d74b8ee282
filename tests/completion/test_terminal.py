"""End to end: vsh's shell in a real terminal (tmux), Tab pressed on a partial line.

tmux runs vsh in a pseudo-terminal; keys go in with ``send-keys`` and the
screen comes back with ``capture-pane``, polled until the expected text
shows (never fixed sleeps).  capture-pane drops trailing blanks, so the
space a unique completion adds is not visible in the patterns.  tmux is
required: ``make test`` installs it (Debian package ``tmux``); without it
this test fails rather than skips.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

VSH = str(Path(sys.executable).parent / "vsh")


class Tmux:
    def __init__(self, tmux: str, socket: str, env: dict[str, str]) -> None:
        self.tmux = tmux
        self.socket = socket  # a private server: nothing shared with the user's tmux
        self.env = env

    def __call__(self, *args: str) -> str:
        proc = subprocess.run(
            [self.tmux, "-S", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=30,
        )
        assert proc.returncode == 0, f"tmux {' '.join(args)}: {proc.stderr}"
        return proc.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "vsh")

    def wait_for(self, pattern: str, timeout: float = 20.0) -> str:
        """Poll the screen until ``pattern`` (a regex, multi-line) matches; return the screen."""
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if regex.search(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} never showed; the screen:\n{screen}")

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", "vsh", *keys)

    def type(self, text: str) -> None:
        self("send-keys", "-t", "vsh", "-l", text)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    binary = shutil.which("tmux")
    if binary is None:
        pytest.fail("tmux is not installed: apt-get install tmux (`make test` installs it)")
    home = tmp_path / "home"
    (home / "cache").mkdir(parents=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "PAGER": "cat",
    }
    socket_dir = tempfile.mkdtemp(prefix="vsh-tmux-")  # short: socket paths are limited
    t = Tmux(binary, os.path.join(socket_dir, "s"), env)
    t(
        "new-session",
        "-d",
        "-s",
        "vsh",
        "-x",
        "120",
        "-y",
        "40",
        shlex.join([VSH, "-c", "test:///default"]),
    )
    try:
        yield t
    finally:
        subprocess.run([binary, "-S", t.socket, "kill-server"], capture_output=True, timeout=30)
        shutil.rmtree(socket_dir, ignore_errors=True)


def test_tab_completes_the_line_on_screen(tmux: Tmux) -> None:
    tmux.wait_for(r"^vsh #$")
    tmux.type("snapshot-create-as test alpha")
    tmux.keys("Enter")
    tmux.wait_for(r"^Domain snapshot alpha created")

    # A command name, Tab pressed right after typing (no pause for as-you-type completion).
    tmux.type("dest")
    tmux.keys("Tab")
    tmux.wait_for(r"^vsh # destroy$")
    tmux.keys("C-u")

    # A snapshot name of the domain typed earlier on the line.
    tmux.type("snapshot-info test al")
    tmux.keys("Tab")
    tmux.wait_for(r"^vsh # snapshot-info test alpha$")
    tmux.keys("Enter")
    tmux.wait_for(r"^Name: +alpha")

    # After ';', and with the value of a named option.
    tmux.type("echo x; snapshot-revert --domain test --snapshotname a")
    tmux.keys("Tab")
    tmux.wait_for(r"^vsh # echo x; snapshot-revert --domain test --snapshotname alpha$")
    tmux.keys("C-u")
    tmux.type("quit")
    tmux.keys("Enter")
