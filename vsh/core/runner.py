"""Parse command text against the table and run the parsed commands.

One engine for every mode (argv, script word, piped stdin, the shell):
everything is parsed before anything runs, later commands run after a failed
one, each command is followed by virsh's ``\\n`` (or the ``-t`` timing line),
and the result is the last command's success.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

import click

from vsh.core import grammar
from vsh.core import registry as table
from vsh.core.command import VshCommand
from vsh.core.errors import VshError, libvirt_message
from vsh.core.grammar import GrammarError, ParsedCommand
from vsh.core.session import INFO, Session


def _lookup(name: str) -> VshCommand | None:
    return table.get_command(name)


def redacted(text: str) -> str:
    """A command string with its secret values hidden (:mod:`vsh.core.redact`),
    for what keeps or shows whole lines: the debug output, the log, history."""
    from vsh.core.redact import redact_script

    return redact_script(text, _lookup)


def parse_script(session: Session, text: str) -> list[ParsedCommand] | None:
    """Parse a command string; on error print it and return None."""
    return _parse(
        session,
        lambda: grammar.parse_script(text, _lookup, report=session.error, debug=_debug(session)),
    )


def parse_argv(session: Session, words: Sequence[str]) -> list[ParsedCommand] | None:
    return _parse(
        session,
        lambda: grammar.parse_argv(words, _lookup, report=session.error, debug=_debug(session)),
    )


def _debug(session: Session) -> grammar.Reporter:
    """virsh prints each bound option at debug level INFO (``-d 1``) while parsing."""
    return lambda line: session.debug(INFO, line)


def _parse(
    session: Session, do_parse: Callable[[], list[ParsedCommand]]
) -> list[ParsedCommand] | None:
    try:
        parsed = do_parse()
    except GrammarError as exc:
        for message in exc.messages:
            session.error(message)
        return None
    return [_help_instead(p) if p.help_requested else p for p in parsed]


def _help_instead(parsed: ParsedCommand) -> ParsedCommand:
    """``CMD --help`` runs as ``help CMD`` (virsh)."""
    help_cmd = table.get_command("help")
    name = parsed.cmd.name
    assert help_cmd is not None and name is not None
    return ParsedCommand(help_cmd, {"command": name})


def start_ahead(session: Session, commands: Sequence[ParsedCommand]) -> None:
    """A lone command's work that needs no connection of the session's, started
    before the session connects (its ``ahead`` hook)."""
    if len(commands) == 1:
        hook = getattr(commands[0].cmd, "ahead", None)
        if hook is not None:
            hook(session, commands[0].values)


def run(session: Session, commands: Sequence[ParsedCommand]) -> bool:
    """Run parsed commands in order; the result is the last one's success."""
    ok = True
    for parsed in commands:
        if session.abandoned is not None and session.abandoned.is_set():
            return False  # a fleet stopped waiting for this host: start nothing more
        start = time.perf_counter()
        ok = execute(session, parsed)
        elapsed = time.perf_counter() - start
        if parsed.cmd.name in ("quit", "exit"):
            return ok
        if session.settings.timing:
            session.print(f"\n(Time: {elapsed * 1000:.3f} ms)\n\n")
        else:
            session.print_extra("\n")
    return ok


def execute(session: Session, parsed: ParsedCommand) -> bool:
    """Run one command: connect if needed, call it, report its failure."""
    cmd = parsed.cmd
    assert isinstance(cmd, VshCommand)
    ok = False
    session.exit_status = None
    try:
        if not cmd.needs_connection or session.connection.ensure() is not None:
            ok = _call(session, cmd, parsed)
        elif cmd.unreachable is not None:
            _report_last_error(session)
            session.exit_status = cmd.unreachable(session, parsed.values)
    except VshError as exc:
        for message in exc.messages:
            session.error(message)
        if exc.cause is not None:
            session.last_error = exc.cause
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        libvirt = sys.modules.get("libvirt")
        if libvirt is None or not isinstance(exc, libvirt.libvirtError):
            _report_bug(session, cmd, exc)
        else:
            session.last_error = exc
    if not ok:
        _report_last_error(session)
    return ok


def _report_last_error(session: Session) -> None:
    """virsh's vshReportError, plus its disconnect detection.

    Kept out of :func:`execute`: a local there holding the error would make a
    reference cycle (error -> traceback -> command frame -> ... -> execute's
    frame -> error) that keeps the command's libvirt objects alive until the
    garbage collector runs, so a later ``connect`` would report "references
    were leaked".
    """
    err, session.last_error = session.last_error, None
    if err is None:
        return
    session.connection.note_error(err)
    session.error(libvirt_message(err))


def _call(session: Session, cmd: VshCommand, parsed: ParsedCommand) -> bool:
    ctx = click.Context(cmd, info_name=cmd.name, obj=session)
    cmd.fill_params(ctx, parsed)
    # VSH_EXCLUSIVE_OPTIONS tests presence (vshCommandOptBool), so an empty
    # value such as --event '' counts as given.
    for first, second in cmd.exclusive:
        if first in parsed.values and second in parsed.values:
            raise VshError(f"Options --{first} and --{second} are mutually exclusive")
    with ctx:
        result = cmd.callback(session, **ctx.params) if cmd.callback else None
    return result is not False


def _report_bug(session: Session, cmd: VshCommand, exc: Exception) -> None:
    """An unexpected exception is a failed command, with a traceback only at -d 0."""
    if isinstance(exc, BrokenPipeError):
        raise exc
    if session.settings.debug == 0:
        import traceback

        session.err.write(traceback.format_exc())
    session.error(f"internal error in '{cmd.name}': {type(exc).__name__}: {exc}")
