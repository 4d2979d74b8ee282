"""The interactive shell: our own prompt_toolkit loop over the command table.

* Each line is parsed completely before any command on it runs; the
  commands then run directly, one by one (no root group re-invoked per
  line).  An error, even an unexpected exception, returns to the prompt.
* Ctrl-C clears the line being typed, or interrupts the running command and
  returns to the prompt; Ctrl-D (end of input) leaves, with status 0.
* History lives in ``$XDG_CACHE_HOME/vsh/history`` (``VSH_HISTSIZE``
  entries, default 500); suggestions come from it as you type, Ctrl-R
  searches it.  Secret values typed on a line are kept out of it (replaced
  by ``(value hidden)``); virsh's readline history keeps them.
* While the prompt is up, ``stdout`` and ``stderr`` go through
  ``patch_stdout``, so a message from another thread (libvirt's disconnect
  notice) prints above the prompt instead of tearing it.  Commands run
  outside the prompt and write to the real streams; on a terminal, output
  longer than the screen goes through ``$PAGER`` (``less``).
* Completion names are cached (:mod:`vsh.completion.cache`): warmed in the
  background at start, refreshed after a successful command that may have
  changed names (:func:`~vsh.completion.cache.may_change_names`), reset when
  the connection changes (``connect``, or a reconnection).
"""

from __future__ import annotations

import contextlib
import gc
import io
import math
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vsh.core.session import OutStream, Session

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from vsh.core.command import VshCommand

BANNER = (
    "Welcome to vsh, the virtualization interactive terminal.\n\n"
    "Type:  'help' for help with commands\n"
    "       'quit' to quit\n\n"
)
DEFAULT_HISTSIZE = 500
MAX_HISTSIZE = 500000

Results = list[tuple["VshCommand", bool]]


def history_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vsh" / "history"


def history_size(session: Session) -> int:
    """``VSH_HISTSIZE`` (or virsh's ``VIRSH_HISTSIZE``), checked as virsh checks it."""
    from vsh.core.numbers import c_int

    for var in ("VSH_HISTSIZE", "VIRSH_HISTSIZE"):
        raw = os.environ.get(var)
        if raw is None:
            continue
        value = c_int(raw)
        if value is None:
            session.error(f"Bad ${var} value.")
        elif not 0 <= value <= MAX_HISTSIZE:
            session.error(f"${var} value should be between 0 and {MAX_HISTSIZE}")
        else:
            return value
        return DEFAULT_HISTSIZE
    return DEFAULT_HISTSIZE


def prompt_text(session: Session) -> str:
    return "vsh > " if session.readonly else "vsh # "


def run_line(session: Session, line: str) -> Results:
    """Parse one line completely, then run its commands; never raises.

    Returns each command that ran with its success, so the caller can
    refresh completion names after those that may have changed them.
    """
    from vsh.core import runner

    if not line.strip():
        return []
    commands = runner.parse_script(session, line)
    if commands is None:
        return []
    from vsh.core.command import VshCommand

    results: Results = []
    try:
        for parsed in commands:
            ok = runner.run(session, [parsed])
            cmd = parsed.cmd
            assert isinstance(cmd, VshCommand)  # the table holds nothing else
            results.append((cmd, ok))
            if parsed.cmd.name in ("quit", "exit"):
                break
    except KeyboardInterrupt:
        session.error("interrupted")
    except Exception as exc:  # the shell must survive any bug in a command
        session.error(f"internal error: {type(exc).__name__}: {exc}")
    with contextlib.suppress(Exception):
        session.out.flush()
    return results


# -- paging ------------------------------------------------------------------------------------


class PagedOutput(io.TextIOBase):
    """A command's standard output, shown through the pager if it outgrows the screen.

    Text is held back while it fits.  Whenever the command flushes (every
    error message does, so that errors keep their place after the output
    before them) and at the end, what is held is written out, or, once the
    command's output no longer fits the screen, handed to the pager.
    """

    def __init__(self, target: OutStream, rows: int, columns: int = 80) -> None:
        super().__init__()
        self.target = target
        self.rows = max(rows, 2)
        self.columns = max(columns, 1)
        self._parts: list[str] = []
        self.last = "\n"  # the last character shown (a prompt must start on a new line)
        self.shown = 0  # screen lines written directly so far
        self.paged = 0  # times the pager ran

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]  # a property over TextIOBase's attribute
        return getattr(self.target, "encoding", None) or "utf-8"

    def flush(self) -> None:
        self._emit()

    def finish(self) -> None:
        self._emit()

    def screen_lines(self, text: str) -> int:
        return sum(max(1, math.ceil(len(line) / self.columns)) for line in text.split("\n")[:-1])

    def _emit(self) -> None:
        if not self._parts:
            return
        text = "".join(self._parts)
        self._parts = []
        if not text:
            return
        self.last = text[-1]
        lines = self.screen_lines(text)
        if self.shown + lines >= self.rows - 1 and page(text, self.encoding):
            self.paged += 1
            self.shown = 0
            return
        self.target.write(text)
        self.target.flush()
        self.shown += lines


def pager_command() -> list[str] | None:
    """``$PAGER`` (``less`` by default, with ``LESS=-RXF`` unless set); None for no pager."""
    raw = os.environ.get("PAGER")
    if raw is None:
        raw = "less"
    try:
        words = shlex.split(raw)
    except ValueError:
        return None
    return None if not words or words == ["cat"] else words


def page(text: str, encoding: str = "utf-8") -> bool:
    """Show ``text`` through the user's pager; False if none could run."""
    command = pager_command()
    if command is None:
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "-RXF")
    with _ignoring_sigint():
        try:
            subprocess.run(
                command,
                input=text.encode(encoding, "surrogateescape"),
                env=env,
                check=False,
            )
        except (OSError, ValueError):
            return False
    return True


@contextlib.contextmanager
def _ignoring_sigint() -> Iterator[None]:
    """While the pager runs, Ctrl-C is the pager's business, not ours.

    A Python handler (not SIG_IGN, which the pager would inherit) that does
    nothing; the pager gets the default disposition back at exec.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda _sig, _frame: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_paged(session: Session, line: str) -> Results:
    """:func:`run_line`, with standard output paged when it is a terminal."""
    target = session.out
    if not _is_terminal(target):
        return run_line(session, line)
    size = shutil.get_terminal_size((80, 24))
    pager = PagedOutput(target, size.lines, size.columns)
    session.out = pager
    try:
        return run_line(session, line)
    finally:
        session.out = target
        with _ignoring_sigint():
            pager.finish()
        if pager.last != "\n":
            # Output without a final newline (``-q echo x``): virsh's prompt
            # would follow it on the same line; ours redraws from the start
            # of the line and would erase it.
            target.write("\n")
            target.flush()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# -- the loop ----------------------------------------------------------------------------------


class Shell:
    """One interactive session: prompt, history, completion and name cache."""

    def __init__(self, session: Session, *, freeze: bool = False) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.auto_suggest import AutoSuggestFromHistory

        from vsh.completion.cache import NameCache
        from vsh.completion.ptk import BackgroundCompleter, VshCompleter, tab_bindings
        from vsh.shell.history import TrimmedFileHistory

        self.session = session
        self.freeze = freeze  # the shell owns its process (see run)
        self.cache = NameCache()
        self.completer = VshCompleter(session, self.cache)
        from vsh.core.runner import redacted

        # A secret value typed on a line (secret-set-value's base64) is not kept.
        self.history = TrimmedFileHistory(history_path(), history_size(session), redacted)
        self.prompt: PromptSession[str] = PromptSession(
            history=self.history,
            auto_suggest=AutoSuggestFromHistory(),
            # In a thread, as ThreadedCompleter, but never waited for (see ptk).
            completer=BackgroundCompleter(self.completer),
            complete_while_typing=True,
            # Up-arrow prefix search would switch complete-while-typing off;
            # Ctrl-R (reverse incremental search) works either way.
            enable_history_search=False,
            key_bindings=tab_bindings(self.completer),
        )
        self._connection = self._current_connection()

    def run(self) -> int:
        from vsh.completion.ptk import warm

        session = self.session
        session.settings.interactive = True
        if not session.settings.quiet:
            session.print(BANNER)
            session.out.flush()
        warm(session, self.cache)
        if self.freeze:
            # Everything loaded so far (modules, the command table, prompt_toolkit)
            # lives as long as the shell: keep it out of the garbage collector's
            # full passes, which otherwise stall Tab on long name lists.
            gc.freeze()
        while session.settings.interactive:
            line = self.read()
            if line is None:
                session.print("\n")
                session.out.flush()
                break
            self.execute(line)
        return 0

    def read(self) -> str | None:
        """The next line; "" after Ctrl-C, None at end of input."""
        from prompt_toolkit.patch_stdout import patch_stdout

        session = self.session
        out, err = session.out, session.err
        with patch_stdout(raw=True):
            session.out = session.err = sys.stdout
            try:
                return self.prompt.prompt(prompt_text(session))
            except KeyboardInterrupt:
                return ""
            except EOFError:
                return None
            finally:
                session.out, session.err = out, err

    def execute(self, line: str) -> Results:
        try:
            results = run_paged(self.session, line)
        except KeyboardInterrupt:
            self.session.error("interrupted")
            results = []
        self.refresh_names(results)
        return results

    def refresh_names(self, results: Results) -> None:
        from vsh.completion.cache import may_change_names
        from vsh.completion.ptk import warm

        current = self._current_connection()
        switched = current() is not self._connection() or any(
            cmd.name == "connect" for cmd, _ in results
        )
        if switched:
            self._connection = current
            self.cache.reset()
            warm(self.session, self.cache)
        elif any(ok and may_change_names(cmd) for cmd, ok in results):
            self.cache.invalidate()

    def _current_connection(self) -> weakref.ReferenceType[Any] | Any:
        conn = self.session.current_conn
        if conn is None:
            return lambda: None
        try:
            return weakref.ref(conn)
        except TypeError:
            return lambda: conn


def run_shell(session: Session, *, input: Input | None = None, output: Output | None = None) -> int:
    """Run the interactive shell until ``quit`` or end of input; status 0.

    ``input``/``output`` replace the terminal (tests drive the shell with
    prompt_toolkit's pipe input and a dummy output); only a shell on the
    real terminal, which owns its process, freezes the garbage collector's
    view of what start-up loaded.
    """
    from prompt_toolkit.application import create_app_session

    freeze = input is None and output is None
    with create_app_session(input=input, output=output):
        return Shell(session, freeze=freeze).run()
