"""The command table is consistent (virsh's self-test) and loads lazily.

``check_table`` is vsh's vshCmddefCheckInternals; the invariants the option
binder relies on (tools/vsh.c: argv options last, data options required and
before optional ones, aliases before their target) are checked here as well.
"""

from __future__ import annotations

import functools
import io
import json
import re
import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.conformance.harness import VIRSH, VSH, base_env
from vsh.core import helptext, runner, selftest
from vsh.core import registry as table
from vsh.core.command import VshCommand, command, option
from vsh.core.grammar import OptKind
from vsh.core.session import Session, Settings

ALL = sorted(table.entries())


def test_check_table_reports_no_problems() -> None:
    problems, _missing = selftest.check_table()
    assert problems == []


def test_missing_completer_listing_is_well_formed() -> None:
    _problems, missing = selftest.check_table(list_missing_completers=True)
    for line in missing:
        name, _, options = line.partition(": ")
        assert name in table.entries() and options


@pytest.mark.parametrize("name", ALL)
def test_command_loads_and_renders_help(name: str) -> None:
    cmd = table.get_command(name)
    assert isinstance(cmd, VshCommand) and cmd.name == name
    entry = table.entries()[name]
    assert (entry.group, entry.summary, entry.hidden) == (cmd.group, cmd.summary, cmd.hidden)
    text = helptext.command_help(cmd)
    assert text.startswith(f"  NAME\n    {name} - {cmd.summary}\n\n  SYNOPSIS\n    {name}")
    assert text.endswith("\n\n")
    # `NAME --help` becomes `help NAME`, whatever the command requires
    session = Session(Settings(), out=io.StringIO(), err=io.StringIO())
    parsed = runner.parse_argv(session, [name, "--help"])
    assert parsed is not None and [(p.cmd.name, p.values) for p in parsed] == [
        ("help", {"command": name})
    ]


@functools.cache
def virsh_commands() -> frozenset[str] | None:
    """The commands /usr/bin/virsh knows (from its `help`), or None without it."""
    try:
        proc = subprocess.run(
            [VIRSH, "help"], capture_output=True, text=True, env=base_env(), timeout=60
        )
    except OSError:
        return None
    return frozenset(re.findall(r"^    (\S+) ", proc.stdout, re.M))


@pytest.mark.parametrize("name", ALL)
def test_option_table_invariants(name: str) -> None:
    """What virsh's self-test enforces on every option table.

    The ordering rules are virsh's; vsh's own commands (not in virsh) need
    only what vsh's binder relies on.
    """
    cmd = table.get_command(name)
    assert cmd is not None
    known = virsh_commands()
    virsh_rules = known is None or name in known
    options = [o.vsh for o in cmd.vsh_options]
    seen_optional = False
    for i, opt in enumerate(options):
        if opt.kind is OptKind.ARGV and virsh_rules:
            assert i == len(options) - 1, f"--{opt.name} of {name} must be listed last"
        if opt.kind is OptKind.DATA and virsh_rules:
            assert opt.required, f"data option --{opt.name} of {name} must be required"
        if opt.kind in (OptKind.DATA, OptKind.INT) and opt.required:
            assert not seen_optional, f"--{opt.name} of {name} after optional options"
        elif opt.kind in (OptKind.BOOL, OptKind.STRING, OptKind.INT):
            seen_optional = True
        if opt.kind is OptKind.ALIAS:
            target, eq, _ = opt.alias.partition("=")
            later = [
                o for o in options[i + 1 :] if o.name == target and o.kind is not OptKind.ALIAS
            ]
            assert later, f"alias --{opt.name} of {name} has no later target"
            if eq:
                assert later[0].kind is not OptKind.BOOL
        assert opt.name and not opt.name.startswith("-") and "=" not in opt.name
        assert opt.name != "help"
    for first, second in cmd.exclusive:
        assert {first, second} <= {o.name for o in options}


# -- check_table finds broken declarations -----------------------------------------------------


def _broken_commands() -> dict[str, VshCommand]:
    def f() -> Callable[..., bool]:
        def callback(s: Session, **_kw: object) -> bool:
            return True

        return callback

    return {
        "no-help": command("no-help", summary="")(f()),
        "bool-completer": command("bool-completer", summary="x")(
            option("flag", OptKind.BOOL, "f", completer=lambda *_: [])(f())
        ),
        "req-string": command("req-string", summary="x")(
            option("s", OptKind.STRING, "s", required=True)(f())
        ),
        "bad-alias": command("bad-alias", summary="x")(
            option("al", OptKind.ALIAS, alias="nowhere")(f())
        ),
        "excl": command("excl", summary="x", exclusive=(("a", "zz"),))(
            option("a", OptKind.BOOL, "a")(f())
        ),
        "twice": command("twice", summary="x")(
            option("a", OptKind.BOOL, "a")(option("a", OptKind.BOOL, "a")(f()))
        ),
    }


def test_check_table_finds_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = _broken_commands()
    monkeypatch.setattr(table, "entries", lambda: dict.fromkeys(broken))
    monkeypatch.setattr(table, "get_command", broken.get)
    problems, _ = selftest.check_table()
    assert problems == [
        "command 'no-help' lacks help",
        "bool parameter 'flag' of command 'bool-completer' has completer set",
        "parameter 's' of command 'req-string' misused VSH_OFLAG_REQ",
        "parameter 'al' of command 'bad-alias' has incorrect alias option",
        "command 'excl' excludes unknown option --zz",
        "command 'twice' declares an option twice",
    ]


def test_self_test_command() -> None:
    proc = subprocess.run(
        [*VSH, "-c", "test:///default", "self-test"],
        capture_output=True,
        text=True,
        env=base_env(),
        timeout=60,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "\n", "")


# -- lazy registry ---------------------------------------------------------------------------

_PROBE = """
import json, sys
from vsh.cli import main
status = main(json.loads(sys.argv[1]))
sys.stdout.flush()
mods = sorted(m for m in sys.modules if m.split(".")[0] in ("vsh", "rich", "prompt_toolkit"))
sys.stderr.write("\\nMODULES " + json.dumps([status, mods]) + "\\n")
"""


def loaded_modules(args: list[str]) -> tuple[int, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        env=base_env(),
        timeout=60,
    )
    marker = proc.stderr.rindex("\nMODULES ")
    status, modules = json.loads(proc.stderr[marker + len("\nMODULES ") :])
    return status, modules


@pytest.mark.parametrize(
    "args",
    [
        ["-c", "test:///default", "echo", "x"],
        ["echo x; echo y"],
        ["help", "echo"],
        ["echo", "--help"],
        ["help"],
        ["help", "virsh"],
        ["-h"],
        ["-V"],
        ["frobnicate"],
    ],
)
def test_shell_commands_import_no_other_command_module(args: list[str]) -> None:
    status, modules = loaded_modules(args)
    assert status in (0, 1)
    command_modules = [
        m for m in modules if m.startswith("vsh.commands.") and m != "vsh.commands._index"
    ]
    assert command_modules in ([], ["vsh.commands.builtins"])
    assert not [m for m in modules if m.split(".")[0] in ("rich", "prompt_toolkit")]
    assert "vsh.shell.repl" not in modules


@pytest.mark.parametrize("name", [n for n in ("uri", "domstate") if n in table.entries()])
def test_a_command_imports_only_its_own_module(name: str) -> None:
    module = table.entries()[name].module
    _status, modules = loaded_modules(
        ["-c", "test:///default", name] + (["test"] if name == "domstate" else [])
    )
    # vsh.commands.common holds shared option declarations, no commands; a module
    # in a group's package (vsh.commands.monitor.info) loads the package too
    parts = module.split(".")
    packages = {".".join(parts[:i]) for i in range(3, len(parts))}
    command_modules = {m for m in modules if m.startswith("vsh.commands.")} - {
        "vsh.commands._index",
        "vsh.commands.common",
        *packages,
    }
    assert command_modules == {module}
    assert not [m for m in modules if m.split(".")[0] in ("rich", "prompt_toolkit")]
