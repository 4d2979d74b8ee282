"""vsh.shell.fleetshell: the fleet shell's loop, driven through prompt_toolkit's pipe input."""

from __future__ import annotations

import io

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from vsh.core.session import Session, Settings
from vsh.shell.fleetshell import BANNER, fleet_prompt, run_fleet_shell


def drive(keys: str, *, quiet: bool = False, leave_on: str = "quit") -> tuple[int, str, list[str]]:
    session = Session(Settings(quiet=quiet), out=io.StringIO(), err=io.StringIO())
    lines: list[str] = []

    def execute(line: str) -> bool:
        lines.append(line)
        return line != leave_on

    with create_pipe_input() as inp:
        inp.send_text(keys)
        status = run_fleet_shell(session, "@prod", execute, input=inp, output=DummyOutput())
    return status, session.out.getvalue(), lines  # type: ignore[attr-defined]


def test_lines_go_to_execute_until_it_says_leave() -> None:
    status, out, lines = drive("list\r\r  \rdominfo x\rquit\rnever\r")
    assert (status, out, lines) == (0, BANNER, ["list", "dominfo x", "quit"])


def test_end_of_input_leaves_quietly() -> None:
    status, out, lines = drive("uri\r\x04", quiet=True)
    assert (status, out, lines) == (0, "\n", ["uri"])


def test_prompt() -> None:
    assert fleet_prompt("@prod", False) == "vsh @prod # "
    assert fleet_prompt("hv[01-02]", True) == "vsh hv[01-02] > "


def test_the_union_completer_completes_the_last_space_separated_word() -> None:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from vsh.shell.fleetshell import union_completer

    asked: list[list[str]] = []

    def names(words: list[str]) -> list[str]:
        asked.append(words)
        return ["other", "test"]

    completer = union_completer(names)
    found = list(completer.get_completions(Document("dominfo te"), CompleteEvent()))
    assert [(c.text, c.start_position) for c in found] == [("other", -2), ("test", -2)]
    assert asked == [["dominfo", "te"]]
    found = list(completer.get_completions(Document("  dominfo "), CompleteEvent()))
    assert [(c.text, c.start_position) for c in found] == [("other", 0), ("test", 0)]

    def broken(words: list[str]) -> list[str]:
        raise RuntimeError("no")

    assert list(union_completer(broken).get_completions(Document("x"), CompleteEvent())) == []
