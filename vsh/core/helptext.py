"""Help text in virsh's layout, built from the command declarations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vsh.core.grammar import OptKind
from vsh.core.registry import GROUPS, commands_in_group

if TYPE_CHECKING:
    from vsh.core.command import VshCommand


def _synopsis_item(
    kind: OptKind, name: str, required: bool, named_only: bool, shortopt: bool
) -> str:
    if kind is OptKind.BOOL:
        return f"[--{name}]"
    if kind is OptKind.INT:
        return f"<{name}>" if required else f"[--{name} <number>]"
    if kind is OptKind.STRING:
        return f"[--{name} <string>]"
    if kind is OptKind.DATA:
        return f"<{name}>" if required else f"[<{name}>]"
    # ARGV
    if shortopt:
        return f"{{[--{name}] <string>}}..." if required else f"[[--{name}] <string>]..."
    return f"<{name}>..." if required else f"[<{name}>]..."


def _options_label(kind: OptKind, name: str, required: bool, shortopt: bool) -> str:
    if kind is OptKind.BOOL:
        return f"--{name}"
    if kind is OptKind.INT:
        return f"[--{name}] <number>" if required else f"--{name} <number>"
    if kind is OptKind.STRING:
        return f"--{name} <string>"
    if kind is OptKind.DATA:
        return f"[--{name}] <string>"
    return f"[--{name}] <string>" if shortopt else f"<{name}>"


def command_help(cmd: VshCommand) -> str:
    """``help CMD``: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, as virsh prints them."""
    lines = ["  NAME", f"    {cmd.name} - {cmd.summary}", "", "  SYNOPSIS"]
    synopsis = f"    {cmd.name}"
    shortopt = False
    visible = [o for o in cmd.vsh_options if o.vsh.kind is not OptKind.ALIAS and not o.extension]
    for opt in visible:
        d = opt.vsh
        if d.kind in (OptKind.INT, OptKind.STRING, OptKind.DATA) and not d.named_only:
            shortopt = True
        synopsis += " " + _synopsis_item(d.kind, d.name, d.required, d.named_only, shortopt)
    lines.append(synopsis)
    if cmd.description:
        lines += ["", "  DESCRIPTION", f"    {cmd.description}"]
    if visible:
        lines += ["", "  OPTIONS"]
        for opt in visible:
            d = opt.vsh
            label = _options_label(d.kind, d.name, d.required, shortopt)
            lines.append(f"    {label:<15}  {opt.help or ''}")
    return "\n".join(lines) + "\n\n"


def group_help(title: str, keyword: str) -> str:
    """``help GROUP``: the group header and its commands."""
    out = [f" {title} (help keyword '{keyword}'):\n"]
    out += [f"    {name:<30} {summary}\n" for name, summary in commands_in_group(keyword)]
    return "".join(out)


def visible_groups() -> list[tuple[str, str]]:
    """Groups that hold at least one visible command, in virsh's order."""
    return [(t, k) for t, k in GROUPS if commands_in_group(k)]


def all_help() -> str:
    """``help`` with no argument."""
    out = ["Grouped commands:\n\n"]
    for title, keyword in visible_groups():
        out.append(group_help(title, keyword))
        out.append("\n")
    return "".join(out)


USAGE_OPTIONS = """
{prog} [options]... [<command_string>]
{prog} [options]... <command> [args...]

  options:
    -c | --connect=URI      hypervisor connection URI
    -d | --debug=NUM        debug level [0-4]
    -e | --escape <char>    set escape sequence for console
    -h | --help             this help
    -k | --keepalive-interval=NUM
                            keepalive interval in seconds, 0 for disable
    -K | --keepalive-count=NUM
                            number of possible missed keepalive messages
    -l | --log=FILE         output logging to file
    -q | --quiet            quiet mode
    -r | --readonly         connect readonly
    -t | --timing           print timing information
    -v                      short version
    -V                      long version
         --version[=TYPE]   version, TYPE is short or long (default short)
  commands (non interactive mode):

"""


def usage(prog: str = "vsh") -> str:
    """``vsh --help``: virsh's usage layout over vsh's command table."""
    out = [USAGE_OPTIONS.format(prog=prog)]
    for title, keyword in visible_groups():
        out.append(f" {title} (help keyword '{keyword}')\n")
        out += [f"    {name:<30} {summary}\n" for name, summary in commands_in_group(keyword)]
        out.append("\n")
    out.append("\n  (specify help <group> for details about the commands in the group)\n")
    out.append("\n  (specify help <command> for details about the command)\n\n")
    return "".join(out)
