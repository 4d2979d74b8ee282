"""vsh.core.helptext: help in virsh's layout (tools/vsh.c vshCmddefHelp, cmdHelp,
vshCmdGrpHelp, virsh.c virshUsage).

The expected texts follow virsh's format strings: SYNOPSIS items ``[--%s]``,
``<%s>``, ``[--%s <number>]``, ``[--%s <string>]``, ``[<%s>]``, argv as
``[[--%s] <string>]...``/``{[--%s] <string>}...`` once an option could be given
positionally (else ``[<%s>]...``/``<%s>...``); OPTIONS lines ``    %-15s  %s``;
aliases never shown.  The real commands are compared with virsh itself in
tests/conformance/test_shell_conformance.py.
"""

from __future__ import annotations

from vsh.core import helptext
from vsh.core import registry as table
from vsh.core.command import command, option
from vsh.core.grammar import OptKind
from vsh.core.session import Session


@command("fake", summary="fake things", description="Does fake things.")
@option("domain", OptKind.DATA, "domain name", required=True)
@option("snapshot", OptKind.DATA, "snap name")
@option("all", OptKind.BOOL, "all of them")
@option("from", OptKind.STRING, "start point")
@option("count", OptKind.INT, "how many", required=True)
@option("limit", OptKind.INT, "at most")
@option("only", OptKind.STRING, "named only", named_only=True)
@option("hid", OptKind.ALIAS, alias="rest")
@option("json", OptKind.BOOL, "print JSON", extension=True)
@option("rest", OptKind.ARGV, "the rest")
def fake(s: Session, **_kw: object) -> bool:
    return True


@command("flags", summary="flags only", description="")
@option("yes", OptKind.BOOL, "say yes")
@option("files", OptKind.ARGV, "files", required=True)
def flags(s: Session, **_kw: object) -> bool:
    return True


@command("named", summary="named only options")
@option("only", OptKind.STRING, "named only", named_only=True)
@option("size", OptKind.INT, "named int", named_only=True)
@option("rest", OptKind.ARGV, "the rest")
def named(s: Session, **_kw: object) -> bool:
    return True


@command("req-argv", summary="required argv after a string")
@option("from", OptKind.STRING, "start")
@option("rest", OptKind.ARGV, "the rest", required=True)
def req_argv(s: Session, **_kw: object) -> bool:
    return True


@command("bare", summary="bare")
def bare(s: Session) -> bool:
    return True


@command("ext-only", summary="only vsh options", description="Something.")
@option("json", OptKind.BOOL, "print JSON", extension=True)
def ext_only(s: Session, **_kw: object) -> bool:
    return True


def test_every_option_kind() -> None:
    assert helptext.command_help(fake) == (
        "  NAME\n"
        "    fake - fake things\n"
        "\n"
        "  SYNOPSIS\n"
        "    fake <domain> [<snapshot>] [--all] [--from <string>] <count>"
        " [--limit <number>] [--only <string>] [[--rest] <string>]...\n"
        "\n"
        "  DESCRIPTION\n"
        "    Does fake things.\n"
        "\n"
        "  OPTIONS\n"
        "    [--domain] <string>  domain name\n"
        "    [--snapshot] <string>  snap name\n"
        "    --all            all of them\n"
        "    --from <string>  start point\n"
        "    [--count] <number>  how many\n"
        "    --limit <number>  at most\n"
        "    --only <string>  named only\n"
        "    [--rest] <string>  the rest\n"
        "\n"
    )


def test_argv_without_positional_options_and_empty_description() -> None:
    assert helptext.command_help(flags) == (
        "  NAME\n"
        "    flags - flags only\n"
        "\n"
        "  SYNOPSIS\n"
        "    flags [--yes] <files>...\n"
        "\n"
        "  OPTIONS\n"
        "    --yes            say yes\n"
        "    <files>          files\n"
        "\n"
    )


def test_named_only_options_do_not_make_argv_positional() -> None:
    assert helptext.command_help(named).splitlines()[4] == (
        "    named [--only <string>] [--size <number>] [<rest>]..."
    )
    assert helptext.command_help(named).splitlines()[-2] == "    <rest>           the rest"


def test_required_argv_after_a_positional_option() -> None:
    lines = helptext.command_help(req_argv).splitlines()
    assert lines[4] == "    req-argv [--from <string>] {[--rest] <string>}..."
    assert lines[-2] == "    [--rest] <string>  the rest"


def test_no_options() -> None:
    assert helptext.command_help(bare) == "  NAME\n    bare - bare\n\n  SYNOPSIS\n    bare\n\n"


def test_extension_options_are_left_out() -> None:
    assert helptext.command_help(ext_only) == (
        "  NAME\n    ext-only - only vsh options\n\n  SYNOPSIS\n    ext-only\n\n"
        "  DESCRIPTION\n    Something.\n\n"
    )


def test_group_help_of_the_shell_commands() -> None:
    """As virsh prints `help virsh` (self-test is hidden)."""
    assert helptext.group_help("Virsh itself", "virsh") == (
        " Virsh itself (help keyword 'virsh'):\n"
        "    cd                             change the current directory\n"
        "    echo                           echo arguments. Used for internal testing.\n"
        "    exit                           quit this interactive terminal\n"
        "    help                           print help\n"
        "    pwd                            print the current directory\n"
        "    quit                           quit this interactive terminal\n"
        "    connect                        (re)connect to hypervisor\n"
    )


def test_all_help_lists_every_visible_group_in_virsh_order() -> None:
    text = helptext.all_help()
    assert text.startswith("Grouped commands:\n\n")
    groups = helptext.visible_groups()
    assert groups == [g for g in table.GROUPS if g in groups]  # virsh's order
    assert ("Virsh itself", "virsh") in groups
    for title, keyword in groups:
        assert helptext.group_help(title, keyword) + "\n" in text
    assert text.endswith(helptext.group_help("Virsh itself", "virsh") + "\n")
    assert "self-test" not in text


def test_usage() -> None:
    text = helptext.usage("prog")
    assert text.startswith(
        "\nprog [options]... [<command_string>]\nprog [options]... <command> [args...]\n\n"
        "  options:\n    -c | --connect=URI      hypervisor connection URI\n"
    )
    assert "  commands (non interactive mode):\n\n Domain" in text or (
        "  commands (non interactive mode):\n\n" in text
    )
    # group headers carry no colon in the usage, unlike `help`
    assert " Virsh itself (help keyword 'virsh')\n    cd   " in text
    assert text.endswith(
        "    connect                        (re)connect to hypervisor\n\n"
        "\n  (specify help <group> for details about the commands in the group)\n"
        "\n  (specify help <command> for details about the command)\n\n"
    )
    assert helptext.usage().startswith("\nvsh [options]")
