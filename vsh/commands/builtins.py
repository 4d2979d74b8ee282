"""Virsh itself: cd, echo, exit, help, pwd, quit, self-test, connect."""

from __future__ import annotations

import os

from vsh.command import command, option
from vsh.errors import VshError
from vsh.grammar import OptKind
from vsh.session import Session

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
    parts = text.split(",")
    out = [parts[0]]
    concat = False
    for part in parts[1:]:
        if concat:
            out[-1] += "," + part
            concat = False
        elif part == "":
            concat = True
        else:
            out.append(part)
    if concat:
        out.append("")
    return out


_SHELL_SPECIAL = set("\r\t\n !\"#$&'()*;<>?[\\]^`{|}~")
_XML_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;"}
# Control characters libvirt drops from XML text (all below 0x20 but tab, LF, CR).
_XML_DROPPED = {chr(c) for c in range(1, 0x20)} - {"\t", "\n", "\r"}


def shell_quote(text: str) -> str:
    """Quote for /bin/sh only when needed, as virBufferEscapeShell does."""
    if not text:
        return "''"
    if not any(ch in _SHELL_SPECIAL for ch in text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


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
)
def help_(s: Session, command: str | None) -> bool:
    from vsh import helptext, table

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
    from vsh.selftest import check_table

    problems, missing = check_table(completers_missing)
    for problem in problems:
        s.error(problem)
    for line in missing:
        s.print(line + "\n")
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
