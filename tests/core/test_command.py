"""vsh.core.command: the Click classes and the command()/option() decorators.

One declaration feeds the grammar (option kinds, order, flags), Click (params
and their Python names) and help; these tests pin that mapping down.
"""

from __future__ import annotations

import click
import pytest

from vsh.core.command import VshCommand, VshOption, command, option
from vsh.core.grammar import OptDef, OptKind, ParsedCommand
from vsh.core.session import Session


def completer(*_args: object) -> list[str]:
    return []


@command(
    "snap-like",
    summary="List snapshots",
    description="Snapshot List",
    group="snapshot",
    aliases=("snap-alias",),
    exclusive=(("tree", "name"),),
    mutates=("domain",),
)
@option("domain", OptKind.DATA, "domain name, id or uuid", required=True, completer=completer)
@option("tree", OptKind.BOOL, "list in tree form")
@option("from", OptKind.STRING, "limit to children of")
@option("limit", OptKind.INT, "how many")
@option("nm", OptKind.ALIAS, alias="name")  # an alias precedes its target (virsh)
@option("name", OptKind.BOOL, "names only")
@option("count-only", OptKind.BOOL, "a dashed name")
@option("sort-by", OptKind.STRING, "named only", named_only=True)
@option("json", OptKind.BOOL, "print JSON", extension=True)
@option("extra", OptKind.ARGV, "the rest")
def snap_like(s: Session, **kwargs: object) -> bool:
    return True


@command("bare", summary="no options", needs_connection=False, hidden=True)
def bare(s: Session) -> bool:
    return True


def test_declaration_order_is_option_order() -> None:
    assert [o.vsh_name for o in snap_like.vsh_options] == [
        "domain",
        "tree",
        "from",
        "limit",
        "nm",
        "name",
        "count-only",
        "sort-by",
        "json",
        "extra",
    ]
    assert snap_like.optdefs[0] == OptDef("domain", OptKind.DATA, required=True)
    assert snap_like.optdefs[4] == OptDef("nm", OptKind.ALIAS, alias="name")
    assert snap_like.optdefs[7] == OptDef("sort-by", OptKind.STRING, named_only=True)


def test_command_metadata() -> None:
    assert isinstance(snap_like, VshCommand) and snap_like.name == "snap-like"
    assert (snap_like.summary, snap_like.description, snap_like.group) == (
        "List snapshots",
        "Snapshot List",
        "snapshot",
    )
    assert snap_like.aliases == ("snap-alias",)
    assert snap_like.exclusive == (("tree", "name"),)
    assert snap_like.mutates == ("domain",)
    assert snap_like.needs_connection and not snap_like.hidden
    assert not bare.needs_connection and bare.hidden and bare.vsh_options == []
    assert snap_like.option("from") is snap_like.vsh_options[2]
    assert snap_like.option("name") is snap_like.vsh_options[5]
    assert snap_like.option("nope") is None


def test_option_attributes() -> None:
    domain = snap_like.option("domain")
    assert isinstance(domain, VshOption)
    assert domain.completer is completer and domain.help == "domain name, id or uuid"
    assert snap_like.option("json").extension  # type: ignore[union-attr]
    assert not snap_like.option("tree").extension  # type: ignore[union-attr]


def test_click_parameters() -> None:
    tree, alias, extra = snap_like.option("tree"), snap_like.option("nm"), snap_like.option("extra")
    assert tree is not None and tree.is_flag and tree.default is False
    assert alias is not None and alias.hidden and not alias.expose_value
    assert extra is not None and extra.multiple
    # Python names: dashes become underscores, keywords are kept as Click makes them
    assert snap_like.option("count-only").name == "count_only"  # type: ignore[union-attr]


def test_fill_params_defaults_and_conversions() -> None:
    ctx = click.Context(snap_like)
    snap_like.fill_params(
        ctx, ParsedCommand(snap_like, {"domain": "d", "tree": True, "extra": ["a", "b"]})
    )
    assert ctx.params == {
        "domain": "d",
        "tree": True,
        "from": None,
        "limit": None,
        "name": False,
        "count_only": False,
        "sort_by": None,
        "json": False,
        "extra": ("a", "b"),
    }
    ctx = click.Context(snap_like)
    snap_like.fill_params(ctx, ParsedCommand(snap_like, {"domain": "", "limit": "0"}))
    assert ctx.params["domain"] == "" and ctx.params["limit"] == "0"
    assert ctx.params["extra"] == ()


def test_callback_receives_session_and_params() -> None:
    seen: dict[str, object] = {}

    @command("cb", summary="x", needs_connection=False)
    @option("a", OptKind.STRING, "a")
    @option("b-c", OptKind.BOOL, "b")
    def cb(s: Session, a: str | None, b_c: bool) -> bool:
        seen.update(s=s, a=a, b_c=b_c)
        return True

    from vsh.core import runner

    session = Session()
    assert runner._call(session, cb, ParsedCommand(cb, {"a": "v"}))
    assert seen == {"s": session, "a": "v", "b_c": False}


def test_module_group_default() -> None:
    def f(s: Session) -> bool:
        return True

    f.__module_group__ = "monitor"  # type: ignore[attr-defined]
    assert command("m", summary="x")(f).group == "monitor"
    assert command("m2", summary="x", group="host")(f).group == "host"


# -- flag= : the declarative map from bool options to flag bits -----------


@command("flaggy", summary="flags")
@option("domain", OptKind.DATA, "domain", required=True)
@option("force", OptKind.BOOL, "force", flag=0x1)
@option("safe", OptKind.BOOL, "safe", flag=0x4)
@option("quiet", OptKind.BOOL, "no flag")
def flaggy(s: Session, domain: str, force: bool, safe: bool, quiet: bool) -> int:
    from vsh.core.command import option_flags

    return option_flags()


def test_option_flags_or_the_bits_of_set_options() -> None:
    assert flaggy.option_flags({"force": True, "safe": False, "quiet": True}) == 0x1
    assert flaggy.option_flags({"force": True, "safe": True}) == 0x5
    assert flaggy.option_flags({"quiet": True}) == 0


def test_option_flags_reads_the_running_command() -> None:
    ctx = click.Context(flaggy, info_name="flaggy")
    with ctx:
        ctx.params.update(domain="d", force=False, safe=True, quiet=True)
        assert flaggy.callback(None, **ctx.params) == 0x4  # type: ignore[misc]


def test_flag_only_on_bool_options() -> None:
    with pytest.raises(ValueError, match="--size: only a bool option"):
        option("size", OptKind.INT, "size", flag=2)(lambda: None)
