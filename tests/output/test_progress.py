"""vsh.output.progress: a bar only on a terminal, only for long runs, never
with -q or TERM=dumb, and without colours or markup under NO_COLOR."""

from __future__ import annotations

import io

import pytest

from vsh.output.progress import PROGRESS_MIN, Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Tty:
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("NO_COLOR", "1")
    return Tty()


def test_bar_on_a_terminal_without_colour_or_markup(terminal: Tty) -> None:
    progress = Progress(terminal, 60, "redefining [red]x", quiet=False)
    assert progress.enabled
    with progress as bar:
        bar.update(30)
    assert terminal.getvalue() != ""  # drawn, then erased (transient)
    assert "\x1b[31m" not in terminal.getvalue()  # NO_COLOR, and markup escaped


def test_no_bar_for_short_runs_quiet_pipes_or_dumb_terminals(
    terminal: Tty, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Progress(terminal, PROGRESS_MIN, "x", quiet=False).enabled
    assert not Progress(terminal, PROGRESS_MIN - 1, "x", quiet=False).enabled
    assert not Progress(terminal, 600, "x", quiet=True).enabled
    assert not Progress(io.StringIO(), 600, "x", quiet=False).enabled  # a pipe
    monkeypatch.setenv("TERM", "dumb")
    assert not Progress(terminal, 600, "x", quiet=False).enabled


def test_disabled_bar_writes_nothing() -> None:
    pipe = io.StringIO()
    with Progress(pipe, 600, "x", quiet=False) as bar:
        bar.update(300)
    assert pipe.getvalue() == ""
