"""The interactive fleet shell (``vsh -H SPEC`` on a terminal, no command).

Each line runs on every host of the fleet: the front end hands in
``execute``, which runs one command string over the hosts (the shell layer
does not know how) and returns False when the line asks to leave.  The
prompt names the host spec (``vsh @prod # ``, ``>`` when read-only);
history is the shell's own file.  Tab completes from the union of what every
host offers: ``names(words)`` (also from the front end) asks each host's
``complete`` for the words typed so far; completion does not run while
typing, since each Tab opens a connection to every host.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from vsh.core.session import Session

if TYPE_CHECKING:
    from prompt_toolkit.completion import Completer
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

# (the words typed so far, the last one being completed) -> candidates
Names = Callable[[list[str]], list[str]]

BANNER = (
    "Welcome to vsh, the virtualization interactive terminal.\n\n"
    "Type:  'help' for help with commands\n"
    "       'quit' to quit\n\n"
)


def fleet_prompt(label: str, readonly: bool) -> str:
    return f"vsh {label} {'>' if readonly else '#'} "


def union_completer(names: Names) -> Completer:
    """Completions of the last word from ``names`` (virsh's ``complete``: the
    line split on spaces, the last piece being the word to complete)."""
    from prompt_toolkit.completion import CompleteEvent, Completer, Completion
    from prompt_toolkit.document import Document

    class UnionCompleter(Completer):
        def get_completions(
            self, document: Document, complete_event: CompleteEvent
        ) -> Iterable[Completion]:
            words = document.text_before_cursor.lstrip().split(" ")
            try:
                found = names(words)
            except Exception:  # completion must never disturb the prompt
                return
            for candidate in found:
                yield Completion(candidate, start_position=-len(words[-1]))

    return UnionCompleter()


def run_fleet_shell(
    session: Session,
    label: str,
    execute: Callable[[str], bool],
    names: Names | None = None,
    *,
    input: Input | None = None,
    output: Output | None = None,
) -> int:
    """Read lines until ``quit`` or end of input; each goes to ``execute``. Status 0."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.patch_stdout import patch_stdout

    from vsh.completion.cache import NameCache
    from vsh.completion.ptk import BackgroundCompleter, VshCompleter
    from vsh.core.runner import redacted
    from vsh.shell.history import TrimmedFileHistory
    from vsh.shell.repl import history_path, history_size

    completer = VshCompleter(session, NameCache()) if names is None else union_completer(names)
    with create_app_session(input=input, output=output):
        prompt: PromptSession[str] = PromptSession(
            history=TrimmedFileHistory(history_path(), history_size(session), redacted),
            completer=BackgroundCompleter(completer),
            complete_while_typing=False,
        )
        if not session.settings.quiet:
            session.print(BANNER)
            session.out.flush()
        text = fleet_prompt(label, session.settings.readonly)
        while True:
            with patch_stdout(raw=True):
                try:
                    line = prompt.prompt(text)
                except KeyboardInterrupt:
                    continue
                except EOFError:
                    line = None
            if line is None:
                session.print("\n")
                session.out.flush()
                return 0
            if not line.strip():
                continue
            try:
                if not execute(line):
                    return 0
            except KeyboardInterrupt:
                session.error("interrupted")
