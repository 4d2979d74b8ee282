"""domain events (tools/virsh-domain-event.c): ``event``.

Each event is printed as virsh words it; the waiting, the closing lines and
the exit status are :mod:`vsh.virt.eventwait`'s, shared with
``qemu-monitor-event``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import libvirt

from vsh.commands.common import (
    domain_filter_option,
    event_wait_options,
    opt_timeout_ms,
    timestamp_option,
)
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.session import Session
from vsh.virt import lookup
from vsh.virt.eventwait import EventWait, stamped

GROUP = "events"
L = libvirt

_EVENTS: tuple[str, ...] = (
    "Defined",
    "Undefined",
    "Started",
    "Suspended",
    "Resumed",
    "Stopped",
    "Shutdown",
)
_EVENTS += ("PMSuspended", "Crashed")
_DETAILS: tuple[tuple[str, ...], ...] = (
    ("Added", "Updated", "Renamed", "Snapshot"),
    ("Removed", "Renamed"),
    ("Booted", "Migrated", "Restored", "Snapshot", "Event wakeup"),
    (
        "Paused",
        "Migrated",
        "I/O Error",
        "Watchdog",
        "Restored",
        "Snapshot",
        "API error",
        "Post-copy",
        "Post-copy Error",
    ),
    ("Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error"),
    ("Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot"),
    ("Finished", "Finished after guest request", "Finished after host request"),
    ("Memory", "Disk"),
    ("Panicked", "Crashloaded"),
)
_WATCHDOG = ("none", "pause", "reset", "poweroff", "shutdown", "debug", "inject-nmi")
_IO_ERROR = ("none", "pause", "report")
_GRAPHICS_PHASE = ("connect", "initialize", "disconnect")
_GRAPHICS_ADDR = ("IPv4", "IPv6", "unix")
_BLOCK_JOB_STATUS = ("completed", "failed", "canceled", "ready")
_BLOCK_JOB_TYPE: tuple[str, ...] = (
    "unknown",
    "Block Pull",
    "Block Copy",
    "Block Commit",
    "Active Block Commit",
)
_BLOCK_JOB_TYPE += ("Backup",)
_DISK_CHANGE = ("changed", "dropped")
_TRAY_CHANGE = ("opened", "closed")
_AGENT_STATE = ("unknown", "connected", "disconnected")
_AGENT_REASON = ("unknown", "domain started", "channel event")
_METADATA = ("description", "title", "element")
_MF_RECIPIENT = ("hypervisor", "guest")
_MF_ACTION = ("ignore", "inject", "fatal", "reset")


def _pick(table: tuple[str, ...], index: int, default: str = "unknown") -> str:
    return table[index] if 0 <= index < len(table) else default


def _nullstr(text: str | None) -> str:
    return "(null)" if text is None else text


def _typed(value: Any) -> str:
    """virTypedParameterToString."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:f}"
    return str(value)


def _params(params: dict[str, Any]) -> str:
    return "".join(f"\t{field}: {_typed(value)}\n" for field, value in params.items())


# (name, number of callback arguments after dom, formatter(name, dom name, args))
def _fmt_lifecycle(name: str, dom: str, a: tuple[Any, ...]) -> str:
    event, detail = a[0], a[1]
    details = _DETAILS[event] if 0 <= event < len(_DETAILS) else ()
    return (
        f"event 'lifecycle' for domain '{dom}': {_pick(_EVENTS, event)} {_pick(details, detail)}\n"
    )


def _fmt_generic(name: str, dom: str, a: tuple[Any, ...]) -> str:
    return f"event '{name}' for domain '{dom}'\n"


def _fmt_graphics(name: str, dom: str, a: tuple[Any, ...]) -> str:
    phase, local, remote, scheme, subject = a
    text = (
        f"event 'graphics' for domain '{dom}': {_pick(_GRAPHICS_PHASE, phase)} "
        f"local[{_pick(_GRAPHICS_ADDR, int(local['family']))} {local['node']} "
        f"{local['service']}] remote[{_pick(_GRAPHICS_ADDR, int(remote['family']))} "
        f"{remote['node']} {remote['service']}] {scheme}\n"
    )
    for kind, ident in subject:
        text += f"\t{kind}={ident}\n"
    return text


def _fmt_memory_failure(name: str, dom: str, a: tuple[Any, ...]) -> str:
    recipient, action, flags = a
    return (
        f"event 'memory-failure' for domain '{dom}':\n"
        f"recipient: {_pick(_MF_RECIPIENT, recipient, 'unsupported value')}\n"
        f"action: {_pick(_MF_ACTION, action, 'unsupported value')}\n"
        f"flags:\n\taction required: {int(bool(flags & 1))}\n"
        f"\trecursive: {int(bool(flags & 2))}\n"
    )


_FORMATS: dict[str, Any] = {
    "lifecycle": _fmt_lifecycle,
    "reboot": _fmt_generic,
    "rtc-change": lambda n, d, a: f"event 'rtc-change' for domain '{d}': {a[0]}\n",
    "watchdog": lambda n, d, a: f"event 'watchdog' for domain '{d}': {_pick(_WATCHDOG, a[0])}\n",
    "io-error": lambda n, d, a: (
        f"event 'io-error' for domain '{d}': {a[0]} ({a[1]}) {_pick(_IO_ERROR, a[2])}\n"
    ),
    "graphics": _fmt_graphics,
    "io-error-reason": lambda n, d, a: (
        f"event 'io-error-reason' for domain '{d}': "
        f"{a[0]} ({a[1]}) {_pick(_IO_ERROR, a[2])} due to {a[3]}\n"
    ),
    "control-error": _fmt_generic,
    "block-job": lambda n, d, a: (
        f"event '{n}' for domain '{d}': {_pick(_BLOCK_JOB_TYPE, a[1])} for {a[0]} "
        f"{_pick(_BLOCK_JOB_STATUS, a[2])}\n"
    ),
    "disk-change": lambda n, d, a: (
        f"event 'disk-change' for domain '{d}' disk {a[2]}: "
        f"{_nullstr(a[0])} -> {_nullstr(a[1])}: {_pick(_DISK_CHANGE, a[3])}\n"
    ),
    "tray-change": lambda n, d, a: (
        f"event 'tray-change' for domain '{d}' disk {a[0]}: {_pick(_TRAY_CHANGE, a[1])}\n"
    ),
    "pm-wakeup": _fmt_generic,
    "pm-suspend": _fmt_generic,
    "balloon-change": lambda n, d, a: f"event 'balloon-change' for domain '{d}': {a[0]}KiB\n",
    "pm-suspend-disk": _fmt_generic,
    "device-removed": lambda n, d, a: f"event 'device-removed' for domain '{d}': {a[0]}\n",
    "block-job-2": None,  # same as block-job
    "tunable": lambda n, d, a: f"event 'tunable' for domain '{d}':\n{_params(a[0])}",
    "agent-lifecycle": lambda n, d, a: (
        f"event 'agent-lifecycle' for domain '{d}': state: "
        f"'{_pick(_AGENT_STATE, a[0], 'unsupported value')}' "
        f"reason: '{_pick(_AGENT_REASON, a[1], 'unsupported value')}'\n"
    ),
    "device-added": lambda n, d, a: f"event 'device-added' for domain '{d}': {a[0]}\n",
    "migration-iteration": lambda n, d, a: (
        f"event 'migration-iteration' for domain '{d}': iteration: '{a[0]}'\n"
    ),
    "job-completed": lambda n, d, a: f"event 'job-completed' for domain '{d}':\n{_params(a[0])}",
    "device-removal-failed": lambda n, d, a: (
        f"event 'device-removal-failed' for domain '{d}': {a[0]}\n"
    ),
    "metadata-change": lambda n, d, a: (
        f"event 'metadata-change' for domain '{d}': type "
        f"{_pick(_METADATA, a[0], 'unsupported value')}, uri {_nullstr(a[1])}\n"
    ),
    "block-threshold": lambda n, d, a: (
        f"event 'block-threshold' for domain '{d}': dev: {a[0]}({_nullstr(a[1])}) {a[2]} {a[3]}\n"
    ),
    "memory-failure": _fmt_memory_failure,
    "memory-device-size-change": lambda n, d, a: (
        f"event 'memory-device-size-change' for domain '{d}':\nalias: {a[0]}\nsize: {a[1]}\n"
    ),
}
_FORMATS["block-job-2"] = _FORMATS["block-job"]

# virshDomainEventCallbacks, in VIR_DOMAIN_EVENT_ID_* order.
EVENT_NAMES: tuple[str, ...] = tuple(_FORMATS)


def complete_event_names(_s: Session, _flags: int = 0) -> list[str]:
    """virshDomainEventNameCompleter."""
    return list(EVENT_NAMES)


def _forward(events: EventWait, event_name: str) -> Callable[..., None]:
    """The libvirt callback of one event type: its line, in virsh's words, to ``events``."""
    fmt = _FORMATS[event_name]

    def callback(_conn: Any, cb_dom: Any, *rest: Any) -> None:
        args = rest[:-1]  # the last argument is the opaque
        events.deliver(lambda stamp: stamped(stamp, fmt(event_name, cb_dom.name(), args)))

    return callback


@command(
    "event",
    summary="Domain Events",
    description="List event types, or wait for domain events to occur",
    group=GROUP,
    exclusive=(("all", "event"), ("list", "all"), ("list", "event")),
)
@domain_filter_option
@option("event", OptKind.STRING, "which event type to wait for", completer=complete_event_names)
@option("all", OptKind.BOOL, "wait for all events instead of just one type")
@event_wait_options
@option("list", OptKind.BOOL, "list valid event types")
@timestamp_option
def event(
    s: Session,
    domain: str | None,
    event: str | None,
    all: bool,  # virsh's option name
    loop: bool,
    timeout: str | None,
    list: bool,  # virsh's option name
    timestamp: bool,
) -> bool:
    if list:
        s.print("".join(f"{name}\n" for name in EVENT_NAMES))
        return True
    name = s.text(event, "event")
    if name is None and not all:
        raise VshError("one of --list, --all, or --event <type> is required")
    selected = [(i, n) for i, n in enumerate(EVENT_NAMES) if name is None or n == name]
    if not selected:
        raise VshError(f"unknown event type {name}")
    wait_ms = opt_timeout_ms(timeout)
    dom = lookup.domain(s, domain, cmd="event") if domain is not None else None

    conn = s.conn
    with EventWait(s, loop, timestamp) as events:
        for position, (event_id, event_name) in enumerate(selected):
            try:
                callback_id = conn.domainEventRegisterAny(
                    dom, event_id, _forward(events, event_name), None
                )
            except libvirt.libvirtError:
                if position == 0:
                    raise
                s.last_error = None
                continue
            events.registered(partial(conn.domainEventDeregisterAny, callback_id))
        return events.wait(wait_ms)
