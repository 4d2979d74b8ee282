"""Virsh itself: cd, echo, exit, help, pwd, quit, self-test, connect."""

from __future__ import annotations

import contextlib
import os

from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.session import Session
from vsh.core.vshutil import shell_quote, split_commas

GROUP = "virsh"


@command(
    "cd",
    summary="change the current directory",
    description="Change the current directory.",
    group=GROUP,
    needs_connection=False,
)
@option("dir", OptKind.STRING, "directory to switch to (default: home or else root)")
def cd(s: Session, dir: str | None) -> bool:
    if not s.settings.interactive:
        raise VshError("cd: command valid only in interactive mode")
    target = dir or os.path.expanduser("~") or "/"
    try:
        os.chdir(target)
    except OSError as exc:
        raise VshError(f"cd: {exc.strerror}: {target}") from exc
    return True


def _split_commas(text: str) -> list[str]:
    """Split on ',' where ',,' stands for a literal comma (virsh vshStringToArray)."""
    if not text:
        return []  # g_strsplit("") is an empty vector: nothing at all is printed
    return split_commas(text)


_XML_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;"}
# Control characters libvirt drops from XML text: 0x01-0x19 but tab, LF, CR
# (virBufferEscapeString's table stops at 0x19; 0x1A-0x1F pass through).
_XML_DROPPED = {chr(c) for c in range(1, 0x1A)} - {"\t", "\n", "\r"}


def xml_escape(text: str) -> str:
    """Escape for XML text as virBufferEscapeString does."""
    return "".join(_XML_ESCAPES.get(ch, "" if ch in _XML_DROPPED else ch) for ch in text)


@command(
    "echo",
    summary="echo arguments. Used for internal testing.",
    description="Echo back arguments, possibly with quoting. Used for internal testing.",
    group=GROUP,
    needs_connection=False,
    exclusive=(("shell", "xml"), ("shell", "split"), ("xml", "split")),
)
@option("shell", OptKind.BOOL, "escape for shell use")
@option("xml", OptKind.BOOL, "escape for XML use")
@option("split", OptKind.BOOL, "split each argument on ','; ',,' is an escape sequence")
@option("err", OptKind.BOOL, "output to stderr")
@option("str", OptKind.ALIAS, alias="string")
@option("hi", OptKind.ALIAS, alias="string=hello")
@option("string", OptKind.ARGV, "arguments to echo")
def echo(
    s: Session, shell: bool, xml: bool, split: bool, err: bool, string: tuple[str, ...]
) -> bool:
    pieces = []
    for arg in string:
        if xml:
            pieces.append(xml_escape(arg))
        elif shell:
            pieces.append(shell_quote(arg))
        elif split:
            pieces.append("".join(f"{p}\n" for p in _split_commas(arg)))
        else:
            pieces.append(arg)
    text = " ".join(pieces)  # virsh appends ' ' after each and trims one
    if string:
        if err:
            s.error(text)
        else:
            s.print(text)
    return True


@command("exit", summary="quit this interactive terminal", group=GROUP, needs_connection=False)
def exit_(s: Session) -> bool:
    s.settings.interactive = False
    return True


def complete_help_command(_s: Session, _flags: int = 0) -> list[str]:
    """vshCompleteHelpCommand: every visible command name, in help order
    (virsh offers no group keywords)."""
    from vsh.completion.engine import command_names

    return command_names()


@command(
    "help",
    summary="print help",
    description="Prints global help, command specific help, or help for a\n"
    "    group of related commands",
    group=GROUP,
    needs_connection=False,
)
@option(
    "command",
    OptKind.STRING,
    "Prints global help, command specific help, or help for a group of related commands",
    completer=complete_help_command,
)
def help_(s: Session, command: str | None) -> bool:
    from vsh.core import helptext
    from vsh.core import registry as table

    if not command:
        s.print(helptext.all_help())
        return True
    cmd = table.get_command(command)
    if cmd is not None:
        s.out.flush()
        s.print(helptext.command_help(cmd))
        return True
    group = table.group_title(command)
    if group is not None:
        s.print(helptext.group_help(*group))
        return True
    raise VshError(f"command or command group '{command}' doesn't exist")


@command(
    "pwd",
    summary="print the current directory",
    description="Print the current directory.",
    group=GROUP,
    needs_connection=False,
)
def pwd(s: Session) -> bool:
    s.print(os.getcwd() + "\n")
    return True


@command("quit", summary="quit this interactive terminal", group=GROUP, needs_connection=False)
def quit_(s: Session) -> bool:
    s.settings.interactive = False
    return True


@command(
    "self-test",
    summary="internal command for testing virt shells",
    description="internal use only",
    group=GROUP,
    needs_connection=False,
    hidden=True,
)
@option(
    "completers-missing", OptKind.BOOL, "output the list of options which are missing completers"
)
def self_test(s: Session, completers_missing: bool) -> bool:
    from vsh.core.selftest import check_table

    problems, missing = check_table(completers_missing)
    for problem in problems:
        s.error(problem)
    for line in missing:
        s.print_extra(line + "\n")  # vshPrintExtra: -q hides it
    return not problems


@command(
    "connect",
    summary="(re)connect to hypervisor",
    description="Connect to local hypervisor. This is built-in command after shell start up.",
    group=GROUP,
    needs_connection=False,
)
@option("name", OptKind.STRING, "hypervisor connection URI", empty_ok=True, value_kind="uri")
@option("readonly", OptKind.BOOL, "read-only connection")
def connect(s: Session, name: str | None, readonly: bool) -> bool:
    return s.connection.reconnect(name, readonly, force=True)


def _close_stdin(s: Session) -> None:
    """No authentication callback may wait for an answer while the user presses Tab.

    Not for a fleet host: fd 0 is its whole process's (the fleet shell's terminal).
    """
    if s.detached:
        return
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)


def complete_shells(_s: Session, _flags: int = 0) -> list[str]:
    """The shells ``completion`` writes scripts for."""
    from vsh.completion.engine import SHELLS

    return list(SHELLS)


@command(
    "complete",
    summary="internal command for autocompletion",
    description="internal use only",
    group=GROUP,
    needs_connection=False,
    hidden=True,
)
@option(
    "shell",
    OptKind.STRING,
    "answer a vsh completion script: the words are its command line and current word",
    named_only=True,
    extension=True,
    completer=complete_shells,
)
@option("string", OptKind.ARGV, "partial string to autocomplete", empty_ok=True)
def complete(s: Session, shell: str | None, string: tuple[str, ...]) -> bool:
    """virsh's bash protocol: print the candidates for the words, one per line.

    As virsh: standard input is closed, then the connection is made (it must
    succeed), the words are joined into a line, and nothing printed means
    failure.  With ``--shell`` (vsh's own scripts) the first word is the
    shell's command line up to the cursor and the second, for bash, the word
    bash will replace; the connection is then made only if a value needs it.
    """
    from vsh.completion import engine, providers

    if shell is not None:
        return _complete_for_script(s, shell, string)
    if not string:
        return False
    _close_stdin(s)
    if s.connection.ensure() is None:
        return False
    token = providers.lookup_errors.set(s.error)
    kept = providers.kept_errors.set(lambda err: setattr(s, "last_error", err))
    try:
        found = engine.complete_virsh(s, string, report=s.error)
    finally:
        providers.kept_errors.reset(kept)
        providers.lookup_errors.reset(token)
    if not found:
        return False  # the runner reports the error a completer left, as virsh
    s.last_error = None
    for candidate in found:
        s.print(candidate + "\n")
    return True


def _complete_for_script(s: Session, shell: str, words: tuple[str, ...]) -> bool:
    from vsh.completion import engine

    if shell not in engine.SHELLS:
        raise VshError(f"unsupported shell '{shell}': use bash, zsh or fish")
    if not words:
        return False
    _close_stdin(s)
    parsed = engine.parse_command_line(words[0])
    conn = s.connection
    if (parsed.uri is not None and parsed.uri != conn.uri) or (
        parsed.readonly and not conn.readonly
    ):
        conn.close()
        conn.uri = parsed.uri if parsed.uri is not None else conn.uri
        conn.readonly = conn.readonly or parsed.readonly
    tried: list[bool] = []

    def connect() -> None:
        if not tried:
            tried.append(True)
            conn.ensure()

    cur = words[1] if len(words) > 1 else None
    for reply in engine.complete_command_line(s, parsed, shell, cur=cur, prepare=connect):
        s.print(reply + "\n")
    return True


@command(
    "completion",
    summary="print a shell completion script",
    description="Print a completion script for bash, zsh or fish. "
    "Load it with: source <(vsh completion bash)",
    group="vsh",  # not virsh's: `help virsh` stays as in virsh
    needs_connection=False,
)
@option("shell", OptKind.DATA, "bash, zsh or fish", required=True, completer=complete_shells)
def completion(s: Session, shell: str) -> bool:
    from vsh.completion.scripts import SCRIPTS

    script = SCRIPTS.get(shell)
    if script is None:
        raise VshError(f"unsupported shell '{shell}': use bash, zsh or fish")
    s.print(script)
    return True
