"""domain IOThread commands (tools/virsh-domain.c).

In virsh's help order: iothreadadd, iothreaddel, iothreadinfo, iothreadpin,
iothreadset.
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import (
    affect_flags,
    affect_options,
    domain_option,
    json_text,
    opt_int,
    opt_uint,
    table_text,
)
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import INT, STR, array_of, object_of, prop, shape
from vsh.core.numbers import c_ullong, numeric_message
from vsh.core.session import Session
from vsh.virt import lookup, typedcall
from vsh.virt.cpumap import format_bitmap, node_cpu_count, parse_cpulist
from vsh.virt.typedcall import INT as T_INT
from vsh.virt.typedcall import UINT, ULLONG, Param

GROUP = "domain"
L = libvirt


def complete_iothread_ids(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainIOThreadIdCompleter: the domain's IOThread ids."""
    from vsh.completion import providers

    dom = providers.domain_on_line(s, values or {})
    if dom is None:
        return []
    try:
        return [str(ident) for ident, _map in dom.ioThreadInfo(0)]
    except libvirt.libvirtError:
        return []


def complete_host_cpus(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainCpulistCompleter: the host's CPU ids, as a comma-separated list."""
    from vsh.completion import providers

    return providers.host_cpu_list(s, values or {})


def _thread_id(value: str) -> int:
    """The --id of iothreadadd/del/set: an int, positive."""
    number = opt_int(value, "id")
    assert number is not None
    if number <= 0:
        raise VshError(f"Invalid IOThread id value: '{number}'")
    return number


# ---------------------------------------------------------------------------
# iothreadadd, iothreaddel


@command(
    "iothreadadd",
    summary="add an IOThread to the guest domain",
    description="Add an IOThread to the guest domain.",
    group=GROUP,
)
@domain_option()
@option("id", OptKind.INT, "iothread for the new IOThread", required=True)
@affect_options
def iothreadadd(s: Session, domain: str, id: str, config: bool, live: bool, current: bool) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="iothreadadd")
    dom.addIOThread(_thread_id(id), flags)
    return True


@command(
    "iothreaddel",
    summary="delete an IOThread from the guest domain",
    description="Delete an IOThread from the guest domain.",
    group=GROUP,
)
@domain_option()
@option(
    "id",
    OptKind.INT,
    "iothread_id for the IOThread to delete",
    required=True,
    completer=complete_iothread_ids,
)
@affect_options
def iothreaddel(s: Session, domain: str, id: str, config: bool, live: bool, current: bool) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="iothreaddel")
    dom.delIOThread(_thread_id(id), flags)
    return True


# ---------------------------------------------------------------------------
# iothreadinfo

IOTHREADINFO_JSON = shape(
    array_of(
        object_of(
            prop("id", INT),
            prop("affinity", STR, doc='virsh\'s CPU Affinity range list ("0-1")'),
        )
    ),
    doc="One object per IOThread (an empty array where virsh finds none).",
)


@command(
    "iothreadinfo",
    summary="view domain IOThreads",
    description="Returns basic information about the domain IOThreads.",
    group=GROUP,
    json=IOTHREADINFO_JSON,
)
@domain_option()
@affect_options
@option("json", OptKind.BOOL, "print the IOThreads as JSON", extension=True)
def iothreadinfo(
    s: Session, domain: str, config: bool, live: bool, current: bool, json: bool
) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="iothreadinfo")
    try:
        threads = dom.ioThreadInfo(flags)
    except libvirt.libvirtError as err:
        raise VshError("Unable to get domain IOThreads information", cause=err) from err
    items = [{"id": ident, "affinity": format_bitmap(list(bits))} for ident, bits in threads]
    if json or s.settings.json:
        s.print(json_text(items))
        return True
    if not items:
        s.print_extra("No IOThreads found for the domain")
        return True
    rows = [[str(item["id"]), str(item["affinity"])] for item in items]
    s.print(table_text(s, ["IOThread ID", "CPU Affinity"], rows))
    return True


# ---------------------------------------------------------------------------
# iothreadpin


@command(
    "iothreadpin",
    summary="control domain IOThread affinity",
    description="Pin domain IOThreads to host physical CPUs.",
    group=GROUP,
)
@domain_option()
@option(
    "iothread",
    OptKind.INT,
    "IOThread ID number",
    required=True,
    completer=complete_iothread_ids,
)
@option(
    "cpulist",
    OptKind.DATA,
    "host cpu number(s) to set",
    required=True,
    completer=complete_host_cpus,
)
@affect_options
def iothreadpin(
    s: Session,
    domain: str,
    iothread: str,
    cpulist: str,
    config: bool,
    live: bool,
    current: bool,
) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="iothreadpin")
    ident = opt_uint(iothread, "iothread")
    assert ident is not None
    cpus = s.text(cpulist, "cpulist")
    assert cpus is not None
    cpumap = parse_cpulist(cpus, node_cpu_count(s))
    dom.pinIOThread(ident, cpumap, flags)
    return True


# ---------------------------------------------------------------------------
# iothreadset


@command(
    "iothreadset",
    summary="modifies an existing IOThread of the guest domain",
    description="Modifies an existing IOThread of the guest domain.",
    group=GROUP,
)
@domain_option()
@option(
    "id",
    OptKind.INT,
    "iothread id of existing IOThread",
    required=True,
    completer=complete_iothread_ids,
)
@option("poll-max-ns", OptKind.INT, "set the maximum IOThread polling time in ns")
@option("poll-grow", OptKind.INT, "set the value to increase the IOThread polling time")
@option("poll-shrink", OptKind.INT, "set the value for reduction of the IOThread polling time")
@option("thread-pool-min", OptKind.INT, "lower boundary for worker thread pool")
@option("thread-pool-max", OptKind.INT, "upper boundary for worker thread pool")
@affect_options
def iothreadset(
    s: Session,
    domain: str,
    id: str,
    poll_max_ns: str | None,
    poll_grow: str | None,
    poll_shrink: str | None,
    thread_pool_min: str | None,
    thread_pool_max: str | None,
    config: bool,
    live: bool,
    current: bool,
) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="iothreadset")
    ident = _thread_id(id)
    params: list[Param] = []
    if poll_max_ns is not None:
        number = c_ullong(poll_max_ns, positive=True)
        if number is None:
            raise VshError(numeric_message(poll_max_ns, "poll-max-ns"))
        params.append(Param("poll_max_ns", ULLONG, number))
    for name, text in (("poll-grow", poll_grow), ("poll-shrink", poll_shrink)):
        value = opt_uint(text, name)
        if value is not None:
            params.append(Param(name.replace("-", "_"), UINT, value))
    for name, text in (("thread-pool-min", thread_pool_min), ("thread-pool-max", thread_pool_max)):
        value = opt_int(text, name)
        if value is not None:
            params.append(Param(name.replace("-", "_"), T_INT, value))
    if not params:
        raise VshError("Not enough arguments passed, nothing to set")
    typedcall.store_with_id(dom, "virDomainSetIOThreadParams", ident, params, flags)
    return True
