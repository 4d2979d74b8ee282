"""Our Click classes: one declaration per command serves every front end.

A command is written once with :func:`command` and :func:`option` (thin
wrappers over Click's decorators).  The declaration carries virsh's option
kinds, so the same objects drive the virsh grammar (argv, scripts, the shell),
help in virsh's layout, completion and the man page.

Click does not parse here: virsh's grammar is not Click's (positional fill of
named options, ``--opt=value`` rules, its own error wording, exit status 1),
so :mod:`vsh.core.grammar` binds the words and :meth:`VshCommand.fill_params`
only stores the result in ``ctx.params``.  Click never runs a command itself
(no ``main``, no Click help or shell completion), so none of its parsing or
help methods are overridden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from vsh.core.grammar import OptDef, OptKind, ParsedCommand

if TYPE_CHECKING:
    from vsh.core.jsonshape import JsonShape

Completer = Callable[..., Iterable[str]]
# (session, the parsed option values) -> exit status, or None for the usual 1
Unreachable = Callable[[Any, Mapping[str, Any]], "int | None"]
# (session, the parsed option values): work started before the session connects
Ahead = Callable[[Any, Mapping[str, Any]], None]


class VshOption(click.Option):
    """A virsh option: its kind decides how it binds, shows and completes."""

    def __init__(
        self,
        name: str,
        kind: OptKind,
        *,
        help: str = "",
        required: bool = False,
        named_only: bool = False,
        alias: str = "",
        completer: Completer | None = None,
        completer_flags: int = 0,
        empty_ok: bool = False,
        value_kind: str = "",
        extension: bool = False,
        flag: int = 0,
        sensitive: bool = False,
    ) -> None:
        if flag and kind is not OptKind.BOOL:
            raise ValueError(f"--{name}: only a bool option maps to a flag bit")
        is_flag = kind is OptKind.BOOL
        super().__init__(
            (f"--{name}",),
            help=help,
            is_flag=is_flag,
            multiple=kind is OptKind.ARGV,
            default=False if is_flag else None,
            hidden=kind is OptKind.ALIAS,
            expose_value=kind is not OptKind.ALIAS,
        )
        # sensitive: a secret value, kept out of debug output, logs and history.
        self.vsh = OptDef(name, kind, required, named_only, alias, sensitive)
        self.completer = completer
        self.completer_flags = completer_flags
        self.empty_ok = empty_ok
        # What a file/uri/... value is, for completion of non-libvirt values.
        self.value_kind = value_kind
        # A vsh addition (like --json): left out of virsh-layout help so that
        # `help CMD` stays byte-identical to virsh; the man page lists it.
        self.extension = extension
        # The libvirt flag bit this bool option sets (see :func:`option_flags`).
        self.flag = flag

    @property
    def vsh_name(self) -> str:
        return self.vsh.name


class VshCommand(click.Command):
    """A virsh command: metadata plus virsh's parse and help behaviour."""

    def __init__(
        self,
        name: str,
        callback: Callable[..., Any],
        *,
        summary: str,
        description: str = "",
        group: str = "",
        needs_connection: bool = True,
        hidden: bool = False,
        aliases: Sequence[str] = (),
        exclusive: Sequence[tuple[str, str]] = (),
        mutates: Sequence[str] = (),
        params: list[click.Parameter] | None = None,
        json: JsonShape | None = None,
        unreachable: Unreachable | None = None,
        ahead: Ahead | None = None,
    ) -> None:
        super().__init__(
            name,
            callback=callback,
            params=params,
            help=description,
            short_help=summary,
            hidden=hidden,
            add_help_option=False,
        )
        self.summary = summary
        self.description = description
        self.group = group
        self.needs_connection = needs_connection
        self.aliases = tuple(aliases)
        self.exclusive = tuple(exclusive)
        self.mutates = tuple(mutates)
        # The document --json prints (man page, shape test); None: no --json.
        self.json_shape = json
        # Called when the connection cannot be made, before the command runs:
        # may print and return the exit status to use instead of 1.
        self.unreachable = unreachable
        # Called for a lone command before the session connects: may start
        # what needs no connection of the session's (migrate opens its
        # destination meanwhile); must print nothing.
        self.ahead = ahead

    # -- what the grammar needs -------------------------------------------
    @property
    def vsh_options(self) -> list[VshOption]:
        return [p for p in self.params if isinstance(p, VshOption)]

    @property
    def optdefs(self) -> list[OptDef]:
        return [p.vsh for p in self.vsh_options]

    def option_flags(self, params: Mapping[str, Any]) -> int:
        """The OR of the ``flag=`` bits of the options set in ``params`` (python names)."""
        flags = 0
        for p in self.vsh_options:
            if p.flag and params.get(p.name or ""):
                flags |= p.flag
        return flags

    def option(self, name: str) -> VshOption | None:
        for p in self.vsh_options:
            if p.vsh.name == name:
                return p
        return None

    # -- Click integration ---------------------------------------------------
    def fill_params(self, ctx: click.Context, parsed: ParsedCommand) -> None:
        """Store bound values as Click params (python names, defaults filled)."""
        for p in self.vsh_options:
            if p.vsh.kind is OptKind.ALIAS:
                continue
            bound = parsed.values.get(p.vsh.name)
            value: object
            if bound is None:
                value = (
                    False
                    if p.vsh.kind is OptKind.BOOL
                    else (() if p.vsh.kind is OptKind.ARGV else None)
                )
            elif isinstance(bound, list):
                value = tuple(bound)
            else:
                value = bound
            assert p.name is not None
            ctx.params[p.name] = value


def command(
    name: str,
    *,
    summary: str,
    description: str = "",
    group: str = "",
    needs_connection: bool = True,
    hidden: bool = False,
    aliases: Sequence[str] = (),
    exclusive: Sequence[tuple[str, str]] = (),
    mutates: Sequence[str] = (),
    json: JsonShape | None = None,
    unreachable: Unreachable | None = None,
    ahead: Ahead | None = None,
) -> Callable[[Callable[..., Any]], VshCommand]:
    """Declare a command.  ``summary`` is virsh's "help" info, ``description`` its "desc"."""

    def decorator(f: Callable[..., Any]) -> VshCommand:
        params = list(reversed(getattr(f, "__click_params__", [])))
        cmd = VshCommand(
            name,
            f,
            summary=summary,
            description=description,
            group=group or getattr(f, "__module_group__", ""),
            needs_connection=needs_connection,
            hidden=hidden,
            aliases=aliases,
            exclusive=exclusive,
            mutates=mutates,
            params=params,
            json=json,
            unreachable=unreachable,
            ahead=ahead,
        )
        cmd.__doc__ = f.__doc__
        return cmd

    return decorator


def option_flags() -> int:
    """The flag bits that the running command's set bool options declare.

    ``@option("force", OptKind.BOOL, "...", flag=L.VIR_DOMAIN_CONSOLE_FORCE)``
    declares the bit; the command body then writes ``flags = option_flags()``.
    The runner calls every command inside its Click context, which holds the
    command and its bound values; call this in the command's own thread.
    Flags that virsh sets only after a check, or from another option's value,
    stay explicit in the command.
    """
    ctx = click.get_current_context()
    assert isinstance(ctx.command, VshCommand)
    return ctx.command.option_flags(ctx.params)


def option(
    name: str,
    kind: OptKind = OptKind.BOOL,
    help: str = "",
    **kwargs: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an option; declaration order is virsh's positional order."""

    def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
        params = f.__dict__.setdefault("__click_params__", [])
        params.append(VshOption(name, kind, help=help, **kwargs))
        return f

    return decorator
