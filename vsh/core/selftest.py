"""The hidden ``self-test`` command's checks over the whole command table (virsh's
vshCmddefCheckInternals), also run by the test suite."""

from __future__ import annotations

from vsh.core import registry as table
from vsh.core.grammar import OptKind


def check_table(list_missing_completers: bool = False) -> tuple[list[str], list[str]]:
    """Return (problems, options missing completers)."""
    problems: list[str] = []
    missing: list[str] = []
    for name in table.entries():
        cmd = table.get_command(name)
        if cmd is None or cmd.name != name:
            problems.append(f"command '{name}' does not load")
            continue
        if not cmd.summary:
            problems.append(f"command '{name}' lacks help")
        options = cmd.vsh_options
        if len(options) > 64:
            problems.append(f"command '{name}' has too many options")
        names = [o.vsh.name for o in options]
        if len(set(names)) != len(names):
            problems.append(f"command '{name}' declares an option twice")
        no_completer = []
        for i, opt in enumerate(options):
            d = opt.vsh
            if d.kind is OptKind.BOOL and opt.completer is not None:
                problems.append(f"bool parameter '{d.name}' of command '{name}' has completer set")
            if d.kind in (OptKind.BOOL, OptKind.STRING) and d.required:
                problems.append(f"parameter '{d.name}' of command '{name}' misused VSH_OFLAG_REQ")
            if d.kind is OptKind.ALIAS:
                target = d.alias.partition("=")[0]
                later = [o.vsh for o in options[i + 1 :] if o.vsh.name == target]
                if not later or later[0].kind is OptKind.ALIAS:
                    problems.append(
                        f"parameter '{d.name}' of command '{name}' has incorrect alias option"
                    )
                elif "=" in d.alias and later[0].kind is OptKind.BOOL:
                    problems.append(
                        f"alias '{d.name}' of command '{name}' has mismatched alias type"
                    )
            if (
                d.kind in (OptKind.STRING, OptKind.DATA)
                and opt.completer is None
                and not opt.value_kind
            ):
                no_completer.append(d.name)
        if list_missing_completers and no_completer:
            missing.append(f"{name}: {', '.join(no_completer)}")
        for first, second in cmd.exclusive:
            for opt_name in (first, second):
                if opt_name not in names:
                    problems.append(f"command '{name}' excludes unknown option --{opt_name}")
    return problems, missing
