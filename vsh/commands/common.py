"""Pieces shared by the command modules: virsh's common option declarations
(``VIRSH_COMMON_OPT_*`` in tools/virsh.h), its option number helpers
(``vshCommandOptInt`` and friends in tools/vsh.c) with their messages, and
the option semantics every command shares: the affect flags
(:func:`affect_flags`) and late exclusivity checks (:func:`exclusive`).
Flag bits of plain bool options are declared on the option
(``flag=``, :func:`vsh.core.command.option_flags`); libvirt failures are
reported with :class:`vsh.virt.failing.failing`.

The parsing itself is pure and lives in :mod:`vsh.core.numbers`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

import libvirt

from vsh.core.command import option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.numbers import (
    INT_MAX,
    c_int,
    c_uint,
    c_ullong,
    numeric_message,
    scale_integer,
    scaled_message,
    scaled_prefix,
)
from vsh.core.session import Session
from vsh.virt import lookup

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

FULL = "domain name, id or uuid"


# ---------------------------------------------------------------------------
# option declarations


def option_stack(*declarations: Decorator) -> Decorator:
    """Several option declarations as one decorator, declared in the order given."""

    def declare(func: Callable[..., Any]) -> Callable[..., Any]:
        for declaration in reversed(declarations):
            func = declaration(func)
        return func

    return declare


def complete_empty(_s: Any, _flags: int = 0) -> list[str]:
    """virshCompleteEmpty: nothing to offer."""
    return []


def domain_option(flags: int = 0, help_text: str = FULL) -> Decorator:
    """VIRSH_COMMON_OPT_DOMAIN(help) / VIRSH_COMMON_OPT_DOMAIN_FULL(flags):
    the required <domain> data option with the domain name completer."""
    return option(
        "domain",
        OptKind.DATA,
        help_text,
        required=True,
        completer=lookup.complete_domain_names,
        completer_flags=flags,
    )


def interface_option(help_text: str = "interface device (MAC Address)") -> Decorator:
    """The required <interface> data option of a domain's interface commands."""
    from vsh.completion.providers import complete_interfaces

    return option(
        "interface", OptKind.DATA, help_text, required=True, completer=complete_interfaces
    )


def persistent_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """VIRSH_COMMON_OPT_DOMAIN_PERSISTENT (virsh-domain.c): --persistent."""
    return option("persistent", OptKind.BOOL, "make live change persistent")(func)


def affect_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """VIRSH_COMMON_OPT_DOMAIN_CONFIG, _LIVE, _CURRENT, in that order."""
    func = option("current", OptKind.BOOL, "affect current domain")(func)
    func = option("live", OptKind.BOOL, "affect running domain")(func)
    return option("config", OptKind.BOOL, "affect next boot")(func)


def xpath_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The --xpath and --wrap options of virsh's *-dumpxml commands, in that order."""
    func = option("wrap", OptKind.BOOL, "wrap xpath results in an common root element")(func)
    return option(
        "xpath",
        OptKind.STRING,
        "xpath expression to filter the XML document",
        named_only=True,
        completer=complete_empty,
    )(func)


def domain_filter_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The optional --domain of the domain event commands."""
    return option(
        "domain",
        OptKind.STRING,
        "filter by domain name, id or uuid",
        completer=lookup.complete_domain_names,
    )(func)


def event_wait_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--loop and --timeout of virsh's event commands, in that order (see
    :class:`vsh.virt.eventwait.EventWait` and :func:`opt_timeout_ms`)."""
    func = option("timeout", OptKind.INT, "timeout seconds")(func)
    return option("loop", OptKind.BOOL, "loop until timeout or interrupt, rather than one-shot")(
        func
    )


def timestamp_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--timestamp of virsh's event commands."""
    return option("timestamp", OptKind.BOOL, "show timestamp for each printed event")(func)


def validate_option(flag: int = 0) -> Decorator:
    """The --validate of the commands that take XML; ``flag``: its libvirt bit."""
    return option("validate", OptKind.BOOL, "validate the XML against the schema", flag=flag)


def file_option(help_text: str) -> Decorator:
    """VIRSH_COMMON_OPT_FILE(help): the required <file> data option."""
    return option("file", OptKind.DATA, help_text, required=True, value_kind="file")


# ---------------------------------------------------------------------------
# option numbers, with virsh's messages


def opt_int(value: str | None, name: str) -> int | None:
    """vshCommandOptInt: None when absent, else an int or virsh's error."""
    if value is None:
        return None
    number = c_int(value)
    if number is None:
        raise VshError(numeric_message(value, name))
    return number


def opt_uint(value: str | None, name: str, *, wrap: bool = False) -> int | None:
    """vshCommandOptUInt (no '-' at all) or, with ``wrap``, vshCommandOptUIntWrap."""
    if value is None:
        return None
    number = c_uint(value)
    if number is None or (not wrap and "-" in value):
        raise VshError(numeric_message(value, name))
    return number


@overload
def opt_ullong(value: str, name: str, *, wrap: bool = False) -> int: ...
@overload
def opt_ullong(value: None, name: str, *, wrap: bool = False) -> None: ...
@overload
def opt_ullong(value: str | None, name: str, *, wrap: bool = False) -> int | None: ...


def opt_ullong(value: str | None, name: str, *, wrap: bool = False) -> int | None:
    """vshCommandOptULongLong (no '-' at all) or, with ``wrap``,
    vshCommandOptULWrap (an unsigned long, 64 bits here: '-1' wraps)."""
    if value is None:
        return None
    number = c_ullong(value, positive=not wrap)
    if number is None:
        raise VshError(numeric_message(value, name))
    return number


def opt_timeout_ms(value: str | None) -> int:
    """vshCommandOptTimeoutToMs: --timeout seconds, 1 to INT_MAX/1000, as
    milliseconds; absent: 0."""
    seconds = opt_uint(value, "timeout")
    if seconds is None:
        return 0
    if seconds == 0 or seconds > INT_MAX // 1000:
        raise VshError(numeric_message(seconds, "timeout"))
    return seconds * 1000


def opt_scaled(value: str | None, name: str, scale: int, limit: int) -> int | None:
    """vshCommandOptScaledInt: None when absent, else bytes or virsh's two-line error."""
    if value is None:
        return None
    message = scaled_message(value, name)
    parsed = scaled_prefix(value)
    if parsed is None:
        raise VshError(message)
    try:
        return scale_integer(parsed[0], parsed[1], scale, limit)
    except ValueError as exc:
        raise VshError(message, str(exc)) from None


def parse_rate(text: str) -> list[int]:
    """virshParseRateStr: average, peak, burst, floor (absent: 0)."""
    tokens = text.split(",")
    if len(tokens) > 4:
        raise VshError(f"Rate string '{text}' has too many fields")
    rate = [0, 0, 0, 0]
    for i, name in enumerate(("average", "peak", "burst", "floor")):
        if i < len(tokens) and tokens[i] != "":
            value = c_ullong(tokens[i], positive=True)
            if value is None:
                raise VshError(f"field '{name}' is malformed")
            rate[i] = value
    return rate


def fetch_pass_fds(value: str | None) -> list[int]:
    """virshFetchPassFdsList: ``--pass-fds N,M,...`` (absent or empty: none)."""
    if not value:
        return []
    fds = []
    for piece in value.split(","):
        fd = c_int(piece)
        if fd is None:
            raise VshError(f"Unable to parse FD number '{piece}'")
        fds.append(fd)
    return fds


# ---------------------------------------------------------------------------
# option semantics: exclusivity and the affect flags


def exclusive(**opts: bool) -> None:
    """VSH_EXCLUSIVE_OPTIONS_VAR/EXPR for the two given options, where virsh checks
    them later in the handler.  Checks that virsh makes first thing belong in
    ``@command(exclusive=...)``, which the runner checks before the command runs."""
    (a, va), (b, vb) = opts.items()
    if va and vb:
        raise VshError(f"Options --{a} and --{b} are mutually exclusive")


AFFECT_CURRENT = libvirt.VIR_DOMAIN_AFFECT_CURRENT
AFFECT_LIVE = libvirt.VIR_DOMAIN_AFFECT_LIVE
AFFECT_CONFIG = libvirt.VIR_DOMAIN_AFFECT_CONFIG


def affect_flags(
    current: bool,
    live: bool,
    config: bool,
    *,
    persistent: bool = False,
    live_config_exclusive: bool = False,
    default_live: bool = False,
) -> int:
    """virsh's ``--current``/``--live``/``--config`` bits (VIR_DOMAIN_AFFECT_*),
    with its exclusivity errors in its order.

    ``persistent``: the --persistent of the attach/detach/update commands,
    checked against --current first and mapped to AFFECT_CONFIG (see
    :func:`persistent_live` for its live half).  ``live_config_exclusive``:
    --live and --config refused together, checked first (vcpucount).
    ``default_live``: none of the three given means AFFECT_LIVE rather than
    CURRENT (setmem).  The bits are the same in the network, memory and vcpu
    flag sets.
    """
    if persistent and current:
        raise VshError("Options --persistent and --current are mutually exclusive")
    if live_config_exclusive:
        exclusive(live=live, config=config)
    exclusive(current=current, live=live)
    exclusive(current=current, config=config)
    if default_live and not (current or live or config):
        return AFFECT_LIVE
    flags = AFFECT_CURRENT
    if config or persistent:
        flags |= AFFECT_CONFIG
    if live:
        flags |= AFFECT_LIVE
    return flags


def persistent_live(dom: libvirt.virDomain, persistent: bool, flags: int) -> int:
    """--persistent on a running domain also affects it live (virsh's attach/detach)."""
    if persistent:
        try:
            active = dom.isActive()
        except libvirt.libvirtError:
            active = -1
        if active == 1:
            flags |= AFFECT_LIVE
    return flags


def table_text(s: Session, header: list[str], rows: list[list[str]]) -> str:
    from vsh.output.table import render_table
    from vsh.output.text import locale_is_utf8

    return render_table(header, rows, header_shown=not s.settings.quiet, utf8=locale_is_utf8())


def kv_text(pairs: list[tuple[str, str]]) -> str:
    from vsh.output.table import render_kv

    return render_kv(pairs)


def json_text(obj: Any) -> str:
    from vsh.output.jsonout import render_json

    return render_json(obj)


# ---------------------------------------------------------------------------
# domain XML look-ups (shared by the monitor commands)


def xpath_text(node: Any, expr: str) -> str | None:
    """virXPathString: the string value of ``expr`` at ``node``, None when empty."""
    return str(node.xpath(f"string({expr})")) or None


# ---------------------------------------------------------------------------
# OS errors (shared by the bulk snapshot commands)


def os_error_text(exc: OSError) -> str:
    """The system's words for a failed file operation ("No such file or directory")."""
    return exc.strerror or str(exc)


# ---------------------------------------------------------------------------
# completers of libvirt's fixed name lists


def complete_cells(s: Session, _flags: int = 0) -> list[str]:
    """virshCellnoCompleter: the NUMA cell ids of the host (freecell, freepages,
    allocpages)."""
    try:
        from vsh.virt import xpathdump

        root = xpathdump.parse(s.conn.getCapabilities(), "(capabilities)")
        if root is None:
            return []
        nodes = root.xpath("/capabilities/host/topology/cells/cell/@id")
        return [str(n.xpath("string(.)")) for n in nodes] if isinstance(nodes, list) else []
    except Exception:  # completion never fails
        return []


def complete_virttypes(_s: Any, _flags: int = 0) -> list[str]:
    """virshDomainVirtTypeCompleter: libvirt's domain types."""
    return [
        *("qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware"),
        *("hyperv", "vbox", "phyp", "parallels", "bhyve", "vz"),
    ]


def complete_arches(_s: Any, _flags: int = 0) -> list[str]:
    """virshArchCompleter: libvirt's architecture names."""
    return [
        *("none", "alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686"),
        *("ia64", "lm32", "loongarch64", "m68k", "microblaze", "microblazeel"),
        *("mips", "mipsel", "mips64", "mips64el", "openrisc", "parisc", "parisc64"),
        *("ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32", "riscv64"),
        *("s390", "s390x", "sh4", "sh4eb", "sparc", "sparc64", "unicore32"),
        *("x86_64", "xtensa", "xtensaeb"),
    ]
