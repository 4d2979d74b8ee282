"""The interactive fleet shell (``vsh -H SPEC`` on a terminal, no command).

Each line runs on every host of the fleet: the front end hands in
``execute``, which runs one command string over the hosts (the shell layer
does not know how) and returns False when the line asks to leave.  The
prompt names the host spec (``vsh @prod # ``, ``>`` when read-only);
history is the shell's own file.  Completion offers commands and options
(this process holds no connection, so no object names yet).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from vsh.core.session import Session

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

BANNER = (
    "Welcome to vsh, the virtualization interactive terminal.\n\n"
    "Type:  'help' for help with commands\n"
    "       'quit' to quit\n\n"
)


def fleet_prompt(label: str, readonly: bool) -> str:
    return f"vsh {label} {'>' if readonly else '#'} "


def run_fleet_shell(
    session: Session,
    label: str,
    execute: Callable[[str], bool],
    *,
    input: Input | None = None,
    output: Output | None = None,
) -> int:
    """Read lines until ``quit`` or end of input; each goes to ``execute``. Status 0."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.patch_stdout import patch_stdout

    from vsh.completion.cache import NameCache
    from vsh.completion.ptk import VshCompleter
    from vsh.core.runner import redacted
    from vsh.shell.history import TrimmedFileHistory
    from vsh.shell.repl import history_path, history_size

    with create_app_session(input=input, output=output):
        prompt: PromptSession[str] = PromptSession(
            history=TrimmedFileHistory(history_path(), history_size(session), redacted),
            completer=VshCompleter(session, NameCache()),
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
