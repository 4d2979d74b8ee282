"""The interactive shell: our own prompt_toolkit loop over the command table.

Each line is parsed completely before any command on it runs; commands run
directly (no re-invocation of a root group per line); an error, even an
unexpected exception, returns to the prompt.  Ctrl-C clears the line or
interrupts the running command; Ctrl-D leaves.
"""

from __future__ import annotations

import os
from pathlib import Path

from vsh.session import Session

BANNER = (
    "Welcome to vsh, the virtualization interactive terminal.\n\n"
    "Type:  'help' for help with commands\n"
    "       'quit' to quit\n\n"
)
DEFAULT_HISTSIZE = 500
MAX_HISTSIZE = 500000


def history_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vsh" / "history"


def history_size(session: Session) -> int:
    raw = os.environ.get("VSH_HISTSIZE")
    if raw is None:
        return DEFAULT_HISTSIZE
    from vsh.numbers import c_int

    value = c_int(raw)
    if value is None:
        session.error("Bad $VSH_HISTSIZE value.")
        return DEFAULT_HISTSIZE
    if not 0 <= value <= MAX_HISTSIZE:
        session.error(f"$VSH_HISTSIZE value should be between 0 and {MAX_HISTSIZE}")
        return DEFAULT_HISTSIZE
    return value


def prompt_text(session: Session) -> str:
    readonly = session._connection.readonly if session._connection else session.settings.readonly
    return "vsh > " if readonly else "vsh # "


def run_line(session: Session, line: str) -> None:
    """Parse one line completely, then run its commands; never raises."""
    from vsh import runner

    if not line.strip():
        return
    commands = runner.parse_script(session, line)
    if commands is None:
        return
    try:
        runner.run(session, commands)
    except KeyboardInterrupt:
        session.error("interrupted")
    except Exception as exc:  # the shell must survive any bug in a command
        session.error(f"internal error: {type(exc).__name__}: {exc}")
    session.out.flush()


def run_shell(session: Session) -> int:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.auto_suggest import AutoSuggestFromHistory

    from vsh.history import TrimmedFileHistory

    if not session.settings.quiet:
        session.print(BANNER)
        session.out.flush()
    history = TrimmedFileHistory(history_path(), history_size(session))
    prompt_session: PromptSession[str] = PromptSession(
        history=history,
        auto_suggest=AutoSuggestFromHistory(),
        enable_history_search=False,
    )
    while session.settings.interactive:
        try:
            line = prompt_session.prompt(prompt_text(session))
        except KeyboardInterrupt:
            continue
        except EOFError:
            session.print("\n")
            break
        run_line(session, line)
    session.out.flush()
    return 0
