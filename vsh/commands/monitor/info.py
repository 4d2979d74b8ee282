"""Domain state and information (tools/virsh-domain-monitor.c): dominfo,
domstate, domcontrol, domtime.

Each command builds plain data first and renders it second, so the same data
feeds virsh's text layout and vsh's ``--json`` (an extension, hidden from
``help CMD``).
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import domain_option, json_text, kv_text
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.numbers import UINT_MAX, c_llong, numeric_message
from vsh.core.session import DEBUG, Session
from vsh.virt import lookup
from vsh.virt.domstates import STATES, reason_text, state_text

GROUP = "monitor"
L = libvirt


# ---------------------------------------------------------------------------
# dominfo


def dominfo_data(s: Session, dom: libvirt.virDomain) -> tuple[dict[str, Any], bool]:
    """What cmdDominfo learns about ``dom``, and whether virsh would succeed.

    A failed call leaves its key null (its error pending, as virsh's
    last_error); virsh stops right after a failing security call.
    """
    data: dict[str, Any] = dict.fromkeys(
        (
            "id",
            "name",
            "uuid",
            "os_type",
            "state",
            "cpus",
            "cpu_time_ns",
            "max_memory_kib",
            "used_memory_kib",
            "persistent",
            "autostart",
            "managed_save",
            "security_model",
            "security_doi",
            "security_label",
            "security_enforcing",
        )
    )
    data["messages"] = []
    ok = True
    dom_id = dom.ID()
    data["id"] = None if dom_id in (-1, UINT_MAX) else dom_id
    data["name"] = dom.name()
    try:
        data["uuid"] = dom.UUIDString()
    except libvirt.libvirtError as err:
        s.last_error = err
    try:
        data["os_type"] = dom.OSType()
    except libvirt.libvirtError as err:
        s.last_error = err
    try:
        state, max_mem, memory, ncpus, cpu_time = dom.info()
    except libvirt.libvirtError as err:
        s.last_error = err
        ok = False
    else:
        data["state"] = state_text(state)
        data["cpus"] = ncpus
        data["cpu_time_ns"] = cpu_time
        data["max_memory_kib"] = None if max_mem == UINT_MAX else max_mem
        data["used_memory_kib"] = memory
    try:
        persistent = dom.isPersistent()
    except libvirt.libvirtError as err:
        s.last_error = err
        persistent = -1
    data["persistent"] = None if persistent < 0 else bool(persistent)
    try:
        data["autostart"] = bool(dom.autostart())
    except libvirt.libvirtError as err:
        s.last_error = err
    try:
        data["managed_save"] = bool(dom.hasManagedSaveImage(0))
    except libvirt.libvirtError as err:
        s.last_error = err
    try:
        model, doi = s.conn.getSecurityModel()
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            s.last_error = err
            return data, False
        s.last_error = None
    else:
        if model:
            data["security_model"] = model
            data["security_doi"] = doi
            try:
                label, enforcing = dom.securityLabel()
            except libvirt.libvirtError as err:
                s.last_error = err
                return data, False
            if label:
                data["security_label"] = label
                data["security_enforcing"] = bool(enforcing)
    try:
        data["messages"] = list(dom.messages(0) or [])
    except libvirt.libvirtError as err:
        s.last_error = err
    return data, ok


def render_dominfo(data: dict[str, Any]) -> str:
    """virsh's ``%-15s %s`` lines for dominfo data."""
    return kv_text(dominfo_pairs(data))


def dominfo_pairs(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The (label, value) lines of dominfo, in virsh's order."""
    pairs: list[tuple[str, str]] = [
        ("Id:", "-" if data["id"] is None else str(data["id"])),
        ("Name:", data["name"]),
    ]
    if data["uuid"] is not None:
        pairs.append(("UUID:", data["uuid"]))
    if data["os_type"] is not None:
        pairs.append(("OS Type:", data["os_type"]))
    if data["state"] is not None:
        pairs.append(("State:", data["state"]))
        pairs.append(("CPU(s):", str(data["cpus"])))
        if data["cpu_time_ns"]:
            pairs.append(("CPU time:", f"{data['cpu_time_ns'] / 1000000000.0:.1f}s"))
        max_mem = data["max_memory_kib"]
        pairs.append(("Max memory:", "no limit" if max_mem is None else f"{max_mem} KiB"))
        pairs.append(("Used memory:", f"{data['used_memory_kib']} KiB"))
    persistent = data["persistent"]
    pairs.append(
        ("Persistent:", "unknown" if persistent is None else ("yes" if persistent else "no"))
    )
    if data["autostart"] is not None:
        pairs.append(("Autostart:", "enable" if data["autostart"] else "disable"))
    managed = data["managed_save"]
    pairs.append(("Managed save:", "unknown" if managed is None else ("yes" if managed else "no")))
    if data["security_model"] is not None:
        pairs.append(("Security model:", data["security_model"]))
        pairs.append(("Security DOI:", data["security_doi"]))
        if data["security_label"] is not None:
            mode = "enforcing" if data["security_enforcing"] else "permissive"
            pairs.append(("Security label:", f"{data['security_label']} ({mode})"))
    for i, message in enumerate(data["messages"]):
        pairs.append(("Messages:" if i == 0 else "", message))
    return pairs


DOMINFO_JSON = shape(
    object_of(
        prop("id", INT, NULL, doc="null for an inactive domain"),
        prop("name", STR),
        prop("uuid", STR, NULL),
        prop("os_type", STR, NULL),
        prop("state", choice(*STATES), NULL),
        prop("cpus", INT, NULL),
        prop("cpu_time_ns", INT, NULL),
        prop("max_memory_kib", INT, NULL, doc="null also when the domain has no limit"),
        prop("used_memory_kib", INT, NULL),
        prop("persistent", BOOL, NULL),
        prop("autostart", BOOL, NULL),
        prop("managed_save", BOOL, NULL),
        prop("security_model", STR, NULL),
        prop("security_doi", STR, NULL),
        prop("security_label", STR, NULL),
        prop("security_enforcing", BOOL, NULL),
        prop("messages", array_of(STR)),
    ),
    doc='Null means "not known" (the call failed or, for security, no model is active).',
)


@command(
    "dominfo",
    summary="domain information",
    description="Returns basic information about the domain.",
    group=GROUP,
    json=DOMINFO_JSON,
)
@domain_option()
@option("json", OptKind.BOOL, "print the information as JSON", extension=True)
def dominfo(s: Session, domain: str, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="dominfo")
    data, ok = dominfo_data(s, dom)
    persistent = data["persistent"]
    debug_line = f"Domain persistent flag value: {-1 if persistent is None else int(persistent)}\n"
    if json or s.settings.json:
        s.debug(DEBUG, debug_line)
        s.print(json_text(data))
        return ok
    # virsh's debug line comes between the memory lines and "Persistent:".
    pairs = dominfo_pairs(data)
    cut = next(i for i, (label, _value) in enumerate(pairs) if label == "Persistent:")
    s.print(kv_text(pairs[:cut]))
    s.debug(DEBUG, debug_line)
    s.print(kv_text(pairs[cut:]))
    return ok


# ---------------------------------------------------------------------------
# domstate


DOMSTATE_JSON = shape(
    object_of(
        prop("state", choice(*STATES)),
        prop("reason", STR, doc='always included: "booted", "unknown", ...'),
    ),
)


@command(
    "domstate",
    summary="domain state",
    description="Returns state about a domain.",
    group=GROUP,
    json=DOMSTATE_JSON,
)
@domain_option()
@option("reason", OptKind.BOOL, "also print reason for the state")
@option("json", OptKind.BOOL, "print the state as JSON", extension=True)
def domstate(s: Session, domain: str, reason: bool, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="domstate")
    state, why = lookup.domain_state(s, dom)
    if json or s.settings.json:
        s.print(json_text({"state": state_text(state), "reason": reason_text(state, why)}))
    elif reason:
        s.print(f"{state_text(state)} ({reason_text(state, why)})\n")
    else:
        s.print(f"{state_text(state)}\n")
    return True


# ---------------------------------------------------------------------------
# domcontrol

_CONTROL_STATES = ("ok", "background job", "occupied", "error")
_CONTROL_REASONS = ("", "unknown", "monitor failure", "internal (locking) error")


DOMCONTROL_JSON = shape(
    object_of(
        prop("state", choice(*_CONTROL_STATES, more=True)),
        prop("reason", STR, NULL, doc="only for error"),
        prop("state_time_ms", INT),
    ),
)


@command(
    "domcontrol",
    summary="domain control interface state",
    description="Returns state of a control interface to the domain.",
    group=GROUP,
    json=DOMCONTROL_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("json", OptKind.BOOL, "print the control state as JSON", extension=True)
def domcontrol(s: Session, domain: str, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="domcontrol")
    state, details, state_time = dom.controlInfo(0)
    text = _CONTROL_STATES[state] if 0 <= state < len(_CONTROL_STATES) else "unknown"
    if json or s.settings.json:
        reason = None
        if state == L.VIR_DOMAIN_CONTROL_ERROR and details > 0:
            reason = _CONTROL_REASONS[details] if details < len(_CONTROL_REASONS) else "unknown"
        s.print(json_text({"state": text, "reason": reason, "state_time_ms": state_time}))
        return True
    if state not in (L.VIR_DOMAIN_CONTROL_OK, L.VIR_DOMAIN_CONTROL_ERROR):
        s.print(f"{text} ({state_time / 1000.0:0.3f}s)\n")
    elif state == L.VIR_DOMAIN_CONTROL_ERROR and details > 0:
        reason = _CONTROL_REASONS[details] if details < len(_CONTROL_REASONS) else "unknown"
        s.print(f"{text}: {reason}\n")
    else:
        s.print(f"{text}\n")
    return True


# ---------------------------------------------------------------------------
# domtime


DOMTIME_JSON = shape(
    object_of(prop("seconds", INT), prop("nanoseconds", INT)),
    doc="Setting the time prints nothing.",
)


@command(
    "domtime",
    summary="domain time",
    description="Gets or sets the domain's system time",
    group=GROUP,
    exclusive=(("time", "now"), ("time", "sync"), ("now", "sync")),
    json=DOMTIME_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("now", OptKind.BOOL, "set to the time of the host running virsh")
@option("pretty", OptKind.BOOL, "print domain's time in human readable form")
@option(
    "sync",
    OptKind.BOOL,
    "instead of setting given time, synchronize from domain's RTC",
    flag=L.VIR_DOMAIN_TIME_SYNC,
)
@option("time", OptKind.INT, "time to set")
@option("json", OptKind.BOOL, "print the time as JSON", extension=True)
def domtime(
    s: Session, domain: str, now: bool, pretty: bool, sync: bool, time: str | None, json: bool
) -> bool:
    dom = lookup.domain(s, domain, cmd="domtime")
    seconds = 0
    do_set = False
    if time is not None:
        value = c_llong(time)
        if value is None:
            raise VshError(numeric_message(time, "time"))
        seconds, do_set = value, True
    if do_set or now or sync:
        if now:
            import time as _time

            seconds = int(_time.time())
        dom.setTime({"seconds": seconds, "nseconds": 0}, option_flags())
        return True
    got = dom.getTime(0)
    seconds, nseconds = int(got["seconds"]), int(got["nseconds"])
    if json or s.settings.json:
        s.print(json_text({"seconds": seconds, "nanoseconds": nseconds}))
        return True
    if pretty:
        import datetime

        try:
            when = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
            text = when.strftime("%Y-%m-%d %H:%M:%S")
        except (OverflowError, OSError, ValueError):
            text = "(null)"
        s.print(f"Time: {text}")
    else:
        s.print(f"Time: {seconds}")
    return True
