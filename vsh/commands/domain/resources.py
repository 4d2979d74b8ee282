"""domain resource commands (tools/virsh-domain.c): vcpus, scheduler, memory, CPU stats.

In virsh's help order: cpu-stats, qemu-monitor-command, schedinfo, setmaxmem,
setmem, setvcpus, vcpucount, vcpuinfo, vcpupin.

Also here, for other command modules to share, :func:`typed_value`
(vshGetTypedParamValue's text of a typed parameter); virsh's option number
parsing with its messages is in :mod:`vsh.commands.common`.
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import (
    AFFECT_CONFIG,
    AFFECT_CURRENT,
    AFFECT_LIVE,
    affect_flags,
    affect_options,
    domain_option,
    exclusive,
    fetch_pass_fds,
    opt_int,
    opt_scaled,
    opt_uint,
)
from vsh.completion.cache import depends_on
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import (
    BOOL,
    INT,
    NULL,
    NUM,
    STR,
    array_of,
    choice,
    map_of,
    object_of,
    prop,
    shape,
)
from vsh.core.numbers import c_int, c_llong, c_uint
from vsh.core.session import Session
from vsh.virt import lookup, yajljson
from vsh.virt.cpumap import format_bitmap, node_cpu_count, parse_bitmap
from vsh.virt.domxml import parse_xml
from vsh.virt.failing import failing
from vsh.virt.typedparams import typed_value

GROUP = "domain"
L = libvirt


# ---------------------------------------------------------------------------
# helpers: typed parameters


def _pad_map(bits: tuple[bool, ...] | list[bool], maxcpu: int) -> list[bool]:
    """A cpumap as the bytes virsh formats: VIR_CPU_MAPLEN(maxcpu) * 8 bits."""
    width = ((maxcpu + 7) // 8) * 8
    out = list(bits[:width])
    return out + [False] * (width - len(out))


def _json(obj: Any) -> str:
    from vsh.output.jsonout import render_json

    return render_json(obj)


# ---------------------------------------------------------------------------
# cpu-stats


def _cpu_stat_line(field: str, value: Any) -> str:
    if field in ("cpu_time", "vcpu_time", "user_time", "system_time") and isinstance(value, int):
        return f"\t{field:<12} {value // 1000000000:9d}.{value % 1000000000:09d} seconds\n"
    return f"\t{field:<12} {typed_value(value)}\n"


@command(
    "cpu-stats",
    summary="show domain cpu statistics",
    description="Display per-CPU and total statistics about the domain's CPUs",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("total", OptKind.BOOL, "Show total statistics only")
@option("start", OptKind.INT, "Show statistics from this CPU")
@option("count", OptKind.INT, "Number of shown CPUs at most")
def cpu_stats(s: Session, domain: str, total: bool, start: str | None, count: str | None) -> bool:
    dom = lookup.domain(s, domain, cmd="cpu-stats")
    show_total = total
    show_per_cpu = False
    cpu = opt_int(start, "start")
    if cpu is not None:
        if cpu < 0:
            raise VshError("Invalid value for start CPU")
        show_per_cpu = True
    else:
        cpu = 0
    show_count = opt_int(count, "count")
    if show_count is not None:
        if show_count < 0:
            raise VshError("Invalid value for number of CPUs to show")
        show_per_cpu = True
    else:
        show_count = -1
    if not show_total and not show_per_cpu:
        show_total = show_per_cpu = True

    def failed(err: libvirt.libvirtError) -> VshError:
        return VshError(f"Failed to retrieve CPU statistics for domain '{dom.name()}'", cause=err)

    if show_per_cpu:
        try:
            per_cpu = dom.getCPUStats(False, 0)
        except libvirt.libvirtError as err:
            raise failed(err) from err
        max_id = len(per_cpu)
        if cpu >= max_id:
            raise VshError(f"Start CPU {cpu} is out of range (min: 0, max: {max_id - 1})")
        if show_count < 0 or show_count > max_id:
            if show_count > max_id:
                s.print(f"Only {max_id} CPUs available to show\n")
            show_count = max_id - cpu
        if not any(per_cpu):
            s.print("No per-CPU stats available")
            if not show_total:
                return False
        else:
            for i in range(cpu, min(cpu + show_count, max_id)):
                if not per_cpu[i]:
                    continue  # this cpu is not in the map
                s.print(f"CPU{i}:\n")
                for field, value in per_cpu[i].items():
                    s.print(_cpu_stat_line(field, value))
            if not show_total:
                return True
    try:
        totals = dom.getCPUStats(True, 0)
    except libvirt.libvirtError as err:
        raise failed(err) from err
    if not totals or not totals[0]:
        s.print("No total stats available")
        return False
    s.print("Total:\n")
    for field, value in totals[0].items():
        s.print(_cpu_stat_line(field, value))
    return True


# ---------------------------------------------------------------------------
# qemu-monitor-command


def _concat_cmd(words: tuple[str, ...]) -> str:
    return " ".join(words)


@command(
    "qemu-monitor-command",
    summary="QEMU Monitor Command",
    description="QEMU Monitor Command",
    group=GROUP,
    exclusive=(("hmp", "pretty"), ("hmp", "return-value")),
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("hmp", OptKind.BOOL, "command is in human monitor protocol")
@option("pretty", OptKind.BOOL, "pretty-print any qemu monitor protocol output")
@option(
    "return-value",
    OptKind.BOOL,
    "extract the value of the 'return' key from the returned string",
)
@option(
    "pass-fds",
    OptKind.STRING,
    "pass file descriptors N,M,... along with the command",
    named_only=True,
    completer=lambda _s, _f: [],
)
@option("cmd", OptKind.ARGV, "command", required=True)
def qemu_monitor_command(
    s: Session,
    domain: str,
    hmp: bool,
    pretty: bool,
    return_value: bool,
    pass_fds: str | None,
    cmd: tuple[str, ...],
) -> bool:
    import libvirt_qemu

    dom = lookup.domain(s, domain, cmd="qemu-monitor-command")
    flags = 0
    if hmp:
        flags |= libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP
        monitor_cmd = _concat_cmd(cmd)
    else:
        monitor_cmd = _qmp_wrap(cmd)
    fds = fetch_pass_fds(s.text(pass_fds, "pass-fds"))
    if fds:
        result = libvirt_qemu.qemuMonitorCommandWithFiles(dom, monitor_cmd, fds, flags)[1]
    else:
        result = libvirt_qemu.qemuMonitorCommand(dom, monitor_cmd, flags)
    resultjson: Any = _UNPARSED
    if return_value or pretty:
        try:
            resultjson = yajljson.loads(result)
        except yajljson.JsonError:
            if return_value:
                raise VshError("failed to parse JSON returned by qemu") from None
    if resultjson is _UNPARSED:
        s.print(f"{result}\n")
        return True
    if return_value:
        if not isinstance(resultjson, dict) or "return" not in resultjson:
            raise VshError("'return' member missing")
        resultjson = resultjson["return"]
    # virTrimSpaces: C's isspace() at both ends
    s.print(yajljson.dumps(resultjson, pretty).strip(" \t\n\v\f\r"))
    return True


_UNPARSED = object()


def _qmp_wrap(cmd: tuple[str, ...]) -> str:
    """cmdQemuMonitorCommandQMPWrap: a JSON object passes as it is; else the
    first word is the command to execute and the rest its arguments (an
    object, or the words joined into one as members)."""
    text = _concat_cmd(cmd)
    if yajljson.parses_to_object(text):
        return text
    wrapped: dict[str, Any] = {"execute": cmd[0]}
    if len(cmd) > 1:
        fullargs = _concat_cmd(cmd[1:])
        if yajljson.parses_to_object(fullargs):
            wrapped["arguments"] = yajljson.loads(fullargs)
        else:
            try:
                wrapped["arguments"] = yajljson.loads("{" + ",".join(cmd[1:]) + "}")
            except yajljson.JsonError as err:
                # virsh's line, then libvirt's parse error it leaves behind
                raise VshError(
                    f"failed to wrap arguments '{fullargs}' into a QMP command wrapper",
                    f"internal error: {err}",
                ) from None
    return yajljson.dumps(wrapped)


# ---------------------------------------------------------------------------
# schedinfo

# The typed-parameter type of known scheduler fields (the binding hides it).
_UINT, _INT, _LLONG, _ULLONG = "unsigned int", "int", "long long", "unsigned long long"
_SCHED_TYPES = {
    "weight": _UINT,
    "cap": _UINT,
    "shares": _INT,
    "cpu_shares": _ULLONG,
    "vcpu_period": _ULLONG,
    "vcpu_quota": _LLONG,
    "emulator_period": _ULLONG,
    "emulator_quota": _LLONG,
    "global_period": _ULLONG,
    "global_quota": _LLONG,
    "iothread_period": _ULLONG,
    "iothread_quota": _LLONG,
    "reservation": _LLONG,
    "limit": _LLONG,
}


def _typed_from_string(field: str, current: Any, text: str) -> Any:
    """virTypedParamsAddFromString for ``field`` of the type ``current`` has."""

    def bad(expected: str) -> VshError:
        return VshError(f"invalid argument: Invalid value for field '{field}': expected {expected}")

    if isinstance(current, bool):
        if text.lower() == "true" or text == "1":
            return True
        if text.lower() == "false" or text == "0":
            return False
        raise VshError(f"invalid argument: Invalid boolean value for field '{field}'")
    if isinstance(current, float):
        try:
            return float(text)
        except ValueError:
            raise bad("double") from None
    if isinstance(current, str):
        return text
    kind = _SCHED_TYPES.get(field, _LLONG)
    from vsh.core.numbers import c_ullong

    if kind == _UINT:
        value = c_uint(text)
    elif kind == _INT:
        value = c_int(text)
    elif kind == _ULLONG:
        value = c_ullong(text)
    else:
        value = c_llong(text)
    if value is None:
        raise bad(kind)
    return value


SCHEDINFO_JSON = shape(
    object_of(
        prop("scheduler", STR, NULL, doc='"fair", ...; null where virsh prints Unknown'),
        prop(
            "parameters",
            map_of(INT, NUM, BOOL, STR, key="parameter"),
            doc="""{"weight": 50, ...}; parameter values keep their JSON type:
            numbers, booleans, strings""",
        ),
    ),
)


@command(
    "schedinfo",
    summary="show/set scheduler parameters",
    description="Show/Set scheduler parameters.",
    group=GROUP,
    json=SCHEDINFO_JSON,
)
@domain_option()
@option("weight", OptKind.INT, "weight for XEN_CREDIT", named_only=True)
@option("cap", OptKind.INT, "cap for XEN_CREDIT", named_only=True)
@option("current", OptKind.BOOL, "get/set current scheduler info")
@option("config", OptKind.BOOL, "get/set value to be used on next boot")
@option("live", OptKind.BOOL, "get/set value from running domain")
@option("json", OptKind.BOOL, "print the scheduler and its parameters as JSON", extension=True)
@option("set", OptKind.ARGV, "parameter=value")
def schedinfo(
    s: Session,
    domain: str,
    weight: str | None,
    cap: str | None,
    current: bool,
    config: bool,
    live: bool,
    json: bool,
    set: tuple[str, ...],  # virsh's option name
) -> bool:
    flags = affect_flags(current, live, config)
    queryflags = AFFECT_CURRENT if (config and live) else flags
    use_flags = bool(flags) or current
    as_json = json or s.settings.json
    dom = lookup.domain(s, domain, cmd="schedinfo")
    result: dict[str, Any] = {"scheduler": None, "parameters": {}}

    def emit_header() -> None:
        if not as_json:
            s.print(f"{'Scheduler':<15}: {result['scheduler'] or 'Unknown'}\n")

    try:
        sched_type, nparams = dom.schedulerType()
    except libvirt.libvirtError as err:
        s.last_error = err
        emit_header()
        if as_json:
            s.print(_json(result))
        return False
    result["scheduler"] = sched_type
    emit_header()

    def finish(ok: bool) -> bool:
        if as_json:
            s.print(_json(result))
        return ok

    if not nparams:
        return finish(False)

    def get() -> dict[str, Any]:
        if use_flags:
            return dom.schedulerParametersFlags(queryflags)
        return dom.schedulerParameters()

    try:
        params = get()
        updates: dict[str, Any] = {}
        repeated: list[str] = []

        def update(field: str, text: str) -> None:
            if field not in params:
                raise VshError(f"invalid scheduler option: {field}")
            if field in updates:
                repeated.append(field)
            updates[field] = _typed_from_string(field, params[field], text)

        for item in set:
            field, sep, text = item.partition("=")
            if not sep:
                raise VshError("Invalid syntax for --set, expecting name=value")
            update(field, text)
        if s.text(cap, "cap") is not None:
            update("cap", cap)  # type: ignore[arg-type]
        if s.text(weight, "weight") is not None:
            update("weight", weight)  # type: ignore[arg-type]
        if updates:
            if repeated:
                # the driver's virTypedParamsValidate (a dict cannot repeat a key)
                raise VshError(f"invalid argument: parameter '{repeated[0]}' occurs multiple times")
            if use_flags:
                dom.setSchedulerParametersFlags(updates, flags)
            else:
                dom.setSchedulerParameters(updates)
            params = get()
        elif live and config:
            raise VshError("cannot query both live and config at once")
    except VshError:
        if as_json:
            s.print(_json(result))
        raise
    except libvirt.libvirtError as err:
        s.last_error = err
        return finish(False)
    result["parameters"] = dict(params)
    if not as_json:
        for field, value in params.items():
            s.print(f"{field:<15}: {typed_value(value)}\n")
    return finish(True)


# ---------------------------------------------------------------------------
# setmaxmem, setmem

ULONG_MAX = 2**64 - 1


@command(
    "setmaxmem",
    summary="change maximum memory limit",
    description="Change the maximum memory allocation limit in the guest domain.",
    group=GROUP,
)
@domain_option()
@option("kilobytes", OptKind.ALIAS, "size", alias="size")
@option(
    "size",
    OptKind.INT,
    "new maximum memory size, as scaled integer (default KiB)",
    required=True,
)
@affect_options
def setmaxmem(s: Session, domain: str, size: str, config: bool, live: bool, current: bool) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="setmaxmem")
    nbytes = opt_scaled(size, "size", 1024, ULONG_MAX)
    assert nbytes is not None
    kib = (nbytes + 1023) // 1024
    with failing("Unable to change MaxMemorySize"):
        dom.setMemoryFlags(kib, flags | L.VIR_DOMAIN_MEM_MAXIMUM)
    return True


@command(
    "setmem",
    summary="change memory allocation",
    description="Change the current memory allocation in the guest domain.",
    group=GROUP,
)
@domain_option()
@option("kilobytes", OptKind.ALIAS, "size", alias="size")
@option("size", OptKind.INT, "new memory size, as scaled integer (default KiB)", required=True)
@affect_options
def setmem(s: Session, domain: str, size: str, config: bool, live: bool, current: bool) -> bool:
    flags = affect_flags(current, live, config, default_live=True)
    dom = lookup.domain(s, domain, cmd="setmem")
    nbytes = opt_scaled(size, "size", 1024, ULONG_MAX)
    assert nbytes is not None
    dom.setMemoryFlags((nbytes + 1023) // 1024, flags)
    return True


# ---------------------------------------------------------------------------
# setvcpus


@command(
    "setvcpus",
    summary="change number of virtual CPUs",
    description="Change the number of virtual CPUs in the guest domain.",
    group=GROUP,
)
@domain_option()
@option("count", OptKind.INT, "number of virtual CPUs", required=True)
@option("maximum", OptKind.BOOL, "set maximum limit on next boot", flag=L.VIR_DOMAIN_VCPU_MAXIMUM)
@affect_options
@option("guest", OptKind.BOOL, "modify cpu state in the guest", flag=L.VIR_DOMAIN_VCPU_GUEST)
@option(
    "hotpluggable",
    OptKind.BOOL,
    "make added vcpus hot(un)pluggable",
    flag=L.VIR_DOMAIN_VCPU_HOTPLUGGABLE,
)
def setvcpus(
    s: Session,
    domain: str,
    count: str,
    maximum: bool,
    config: bool,
    live: bool,
    current: bool,
    guest: bool,
    hotpluggable: bool,
) -> bool:
    flags = affect_flags(current, live, config) | option_flags()
    exclusive(guest=guest, config=config)
    if maximum and not config:
        raise VshError("Option --config is required by option --maximum")
    dom = lookup.domain(s, domain, cmd="setvcpus")
    number = opt_uint(count, "count")
    if not number:
        raise VshError("Can't set 0 processors for a VM")
    if not current and flags == 0:
        dom.setVcpus(number)
    else:
        dom.setVcpusFlags(number, flags)
    return True


# ---------------------------------------------------------------------------
# vcpucount


class _CountFailed(Exception):
    """virshCPUCountCollect returned -2 (its error already saved or raised)."""


def cpu_count_collect(
    s: Session, dom: libvirt.virDomain, flags: int, check_state: bool
) -> int | None:
    """virshCPUCountCollect: the count, None for "not applicable" (-1); raises on error."""
    if check_state and (
        (flags & AFFECT_LIVE and dom.isActive() < 1)
        or (flags & AFFECT_CONFIG and dom.isPersistent() < 1)
    ):
        return None
    try:
        return int(dom.vcpusFlags(flags))
    except libvirt.libvirtError as err:
        if err.get_error_code() not in (L.VIR_ERR_NO_SUPPORT, L.VIR_ERR_INVALID_ARG):
            raise
        if flags & L.VIR_DOMAIN_VCPU_GUEST:
            raise VshError("Failed to retrieve vCPU count from the guest", cause=err) from err
    if not flags & (AFFECT_LIVE | AFFECT_CONFIG) and dom.isActive() == 1:
        flags |= AFFECT_LIVE
    s.last_error = None
    if flags & AFFECT_LIVE:
        if flags & L.VIR_DOMAIN_VCPU_MAXIMUM:
            return int(dom.maxVcpus())
        return int(dom.info()[3])

    root = parse_xml(dom.XMLDesc(L.VIR_DOMAIN_XML_INACTIVE))
    if flags & L.VIR_DOMAIN_VCPU_MAXIMUM:
        text, what = "string(/domain/vcpu)", "maximum"
    else:
        text, what = "string(/domain/vcpu/@current)", "current"
    value = c_int(str(root.xpath(text))) if root is not None else None
    if value is None:
        raise VshError(f"Failed to retrieve {what} vcpu count")
    return value


VCPUCOUNT_JSON = shape(
    object_of(
        prop("maximum_config", INT, NULL),
        prop("maximum_live", INT, NULL),
        prop("current_config", INT, NULL),
        prop("current_live", INT, NULL),
        when="without a selecting option",
    ),
    object_of(prop("count", INT), when="with a selecting option"),
    doc="""Without a selecting option, the four counts virsh prints (null where
    virsh prints no line: inactive or transient domains); with a selecting
    option (--maximum, --live, ...), the count alone.""",
)


@command(
    "vcpucount",
    summary="domain vcpu counts",
    description="Returns the number of virtual CPUs used by the domain.",
    group=GROUP,
    json=VCPUCOUNT_JSON,
)
@domain_option()
@option("maximum", OptKind.BOOL, "get maximum count of vcpus")
@option("active", OptKind.BOOL, "get number of currently active vcpus")
@option("live", OptKind.BOOL, "get value from running domain")
@option("config", OptKind.BOOL, "get value to be used on next boot")
@option("current", OptKind.BOOL, "get value according to current domain state")
@option("guest", OptKind.BOOL, "retrieve vcpu count from the guest instead of the hypervisor")
@option("json", OptKind.BOOL, "print the counts as JSON", extension=True)
def vcpucount(
    s: Session,
    domain: str,
    maximum: bool,
    active: bool,
    live: bool,
    config: bool,
    current: bool,
    guest: bool,
    json: bool,
) -> bool:
    show_all = not (maximum or active or current or config or live or guest)
    if not maximum and not active and current:
        current = False
    flags = affect_flags(current, live, config, live_config_exclusive=True)
    exclusive(active=active, maximum=maximum)
    exclusive(guest=guest, config=config)
    if maximum:
        flags |= L.VIR_DOMAIN_VCPU_MAXIMUM
    if guest:
        flags |= L.VIR_DOMAIN_VCPU_GUEST
    dom = lookup.domain(s, domain, cmd="vcpucount")
    as_json = json or s.settings.json
    if show_all:
        maxflag = L.VIR_DOMAIN_VCPU_MAXIMUM
        counts = {
            "maximum_config": cpu_count_collect(s, dom, AFFECT_CONFIG | maxflag, True),
            "current_config": cpu_count_collect(s, dom, AFFECT_CONFIG, True),
            "maximum_live": cpu_count_collect(s, dom, AFFECT_LIVE | maxflag, True),
            "current_live": cpu_count_collect(s, dom, AFFECT_LIVE, True),
        }
        if as_json:
            order = ("maximum_config", "maximum_live", "current_config", "current_live")
            s.print(_json({key: counts[key] for key in order}))
            return True
        for which, state in (
            ("maximum", "config"),
            ("maximum", "live"),
            ("current", "config"),
            ("current", "live"),
        ):
            value = counts[f"{which}_{state}"]
            if value is not None and value > 0:
                s.print(f"{which:<12} {state:<12} {value:3d}\n")
        return True
    count = cpu_count_collect(s, dom, flags, False)
    assert count is not None
    if count < 0:
        return False
    s.print(_json({"count": count}) if as_json else f"{count}\n")
    return True


# ---------------------------------------------------------------------------
# vcpuinfo

_VCPU_STATES = ("offline", "running", "blocked")


def _affinity_text(bits: list[bool], maxcpu: int, pretty: bool) -> str:
    if pretty:
        return f"{format_bitmap(bits)} (out of {maxcpu})"
    return "".join("y" if bits[i] else "-" for i in range(maxcpu))


def _vcpu_bitmap(dom: libvirt.virDomain) -> list[int]:
    """virshDomainGetVcpuBitmap(inactive): the ids of the enabled vCPUs."""

    root = parse_xml(dom.XMLDesc(L.VIR_DOMAIN_XML_INACTIVE))
    if root is None:
        raise VshError("Failed to parse domain description xml")
    maxvcpus = c_uint(str(root.xpath("string(/domain/vcpu)")))
    if maxvcpus is None:
        raise VshError("Failed to retrieve maximum vcpu count")
    curvcpus = c_uint(str(root.xpath("string(/domain/vcpu/@current)"))) or maxvcpus
    nodes = root.nodes("/domain/vcpus/vcpu")
    if not nodes:
        return list(range(curvcpus))
    enabled = set()
    for node in nodes:
        vcpuid = c_uint(node.string("string(@id)"))
        online = node.string("string(@enabled)")
        if vcpuid is None or not node.nodes("@enabled"):
            continue
        if online == "yes" and vcpuid < maxvcpus:
            enabled.add(vcpuid)
    if len(enabled) != curvcpus:
        raise VshError("Failed to retrieve vcpu state bitmap")
    return sorted(enabled)


VCPUINFO_JSON = shape(
    array_of(
        object_of(
            prop("vcpu", INT),
            prop("cpu", INT, NULL, doc="null for an inactive domain (virsh's N/A)"),
            prop(
                "state",
                choice(*_VCPU_STATES, "no state"),
                NULL,
                doc="null for an inactive domain",
            ),
            prop("cpu_time_ns", INT, NULL, doc="null for an inactive domain"),
            prop("affinity", STR, doc='virsh\'s --pretty range list ("0-7")'),
        )
    ),
    doc="One object per vCPU.",
)


@command(
    "vcpuinfo",
    summary="detailed domain vcpu information",
    description="Returns basic information about the domain virtual CPUs.",
    group=GROUP,
    json=VCPUINFO_JSON,
)
@domain_option()
@option("pretty", OptKind.BOOL, "return human readable output")
@option("json", OptKind.BOOL, "print the vCPUs as JSON", extension=True)
def vcpuinfo(s: Session, domain: str, pretty: bool, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="vcpuinfo")
    maxcpu = node_cpu_count(s)
    info = dom.info()
    items: list[dict[str, Any]] = []
    try:
        vcpus, maps = dom.vcpus()
    except libvirt.libvirtError:
        if info[0] != L.VIR_DOMAIN_SHUTOFF:
            raise
        s.last_error = None
        ids = _vcpu_bitmap(dom)
        pins = dom.vcpuPinInfo(AFFECT_CONFIG)
        for vcpu in ids:
            bits = _pad_map(pins[vcpu] if vcpu < len(pins) else (), maxcpu)
            items.append(
                {"vcpu": vcpu, "cpu": None, "state": None, "cpu_time_ns": None, "bits": bits}
            )
    else:
        for (number, state, cpu_time, cpu), bits in zip(vcpus, maps, strict=False):
            items.append(
                {
                    "vcpu": number,
                    "cpu": cpu,
                    "state": _VCPU_STATES[state] if 0 <= state < 3 else "no state",
                    "cpu_time_ns": cpu_time,
                    "bits": _pad_map(bits, maxcpu),
                }
            )
    if json or s.settings.json:
        for item in items:
            item["affinity"] = format_bitmap(item.pop("bits"))
        s.print(_json(items))
        return True
    blocks = []
    for item in items:
        if item["state"] is None:
            lines = (
                f"{'VCPU:':<15} {item['vcpu']}\n{'CPU:':<15} N/A\n"
                f"{'State:':<15} N/A\n{'CPU time':<15} N/A\n"
            )
        else:
            lines = (
                f"{'VCPU:':<15} {item['vcpu']}\n{'CPU:':<15} {item['cpu']}\n"
                f"{'State:':<15} {item['state']}\n"
            )
            if item["cpu_time_ns"]:
                lines += f"{'CPU time:':<15} {item['cpu_time_ns'] / 1000000000.0:.1f}s\n"
        lines += f"{'CPU Affinity:':<15} {_affinity_text(item['bits'], maxcpu, pretty)}\n"
        blocks.append(lines)
    s.print("\n".join(blocks))
    return True


# ---------------------------------------------------------------------------
# vcpupin


def _vcpupin_query(
    s: Session, dom: libvirt.virDomain, vcpu: int | None, maxcpu: int, flags: int
) -> bool:
    ncpus = cpu_count_collect(s, dom, flags | L.VIR_DOMAIN_VCPU_MAXIMUM, True)
    if ncpus is None:
        if flags & AFFECT_LIVE:
            raise VshError("cannot get vcpupin for offline domain")
        raise VshError("cannot get vcpupin for transient domain")
    if vcpu is not None and vcpu >= ncpus:
        if flags & AFFECT_LIVE or (not flags & AFFECT_CONFIG and dom.isActive() == 1):
            raise VshError(f"vcpu {vcpu} is out of range of live cpu count {ncpus}")
        raise VshError(f"vcpu {vcpu} is out of range of persistent cpu count {ncpus}")
    try:
        pins = dom.vcpuPinInfo(flags)
    except libvirt.libvirtError as err:
        s.last_error = err
        return True  # virsh prints nothing and still succeeds
    rows = []
    for i, bits in enumerate(pins[:ncpus]):
        if vcpu is not None and i != vcpu:
            continue
        rows.append([str(i), format_bitmap(_pad_map(bits, maxcpu))])
    from vsh.output.table import render_table
    from vsh.output.text import locale_is_utf8

    s.print(
        render_table(
            ["VCPU", "CPU Affinity"],
            rows,
            header_shown=not s.settings.quiet,
            utf8=locale_is_utf8(),
        )
    )
    return True


@depends_on("domain")
def complete_vcpus(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainVcpuCompleter: 0 .. the maximum vCPU count of the inactive XML."""
    from vsh.completion import providers

    dom = providers.domain_on_line(s, values or {})
    if dom is None:
        return []
    try:
        root = parse_xml(dom.XMLDesc(L.VIR_DOMAIN_XML_INACTIVE))
    except libvirt.libvirtError as err:
        providers.report("Failed to get domain description xml")
        providers.keep(err)
        return []
    if root is None:
        providers.report("Failed to parse domain description xml")
        return []
    count = c_int(str(root.xpath("string(/domain/vcpu)")))
    return [str(i) for i in range(count or 0)]


def complete_host_cpus(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainCpulistCompleter: the host's CPU ids, as a comma-separated list."""
    from vsh.completion import providers

    conn = s.connection.current
    if conn is None:
        return []
    try:
        cpus = int(conn.getCPUMap(0)[0])
    except libvirt.libvirtError as err:
        providers.keep(err)
        return []
    return providers.comma_list((values or {}).get("cpulist"), [str(i) for i in range(cpus)])


@command(
    "vcpupin",
    summary="control or query domain vcpu affinity",
    description="Pin domain VCPUs to host physical CPUs.",
    group=GROUP,
)
@domain_option()
@option("vcpu", OptKind.INT, "vcpu number", completer=complete_vcpus)
@option(
    "cpulist",
    OptKind.STRING,
    "host cpu number(s) to set, or omit option to query",
    empty_ok=True,
    completer=complete_host_cpus,
)
@affect_options
def vcpupin(
    s: Session,
    domain: str,
    vcpu: str | None,
    cpulist: str | None,
    config: bool,
    live: bool,
    current: bool,
) -> bool:
    flags = affect_flags(current, live, config)
    if cpulist is None:
        exclusive(live=live, config=config)
    number = opt_uint(vcpu, "vcpu")
    if cpulist is not None and number is None:
        raise VshError("vcpupin: Missing vCPU number in pin mode.")
    maxcpu = node_cpu_count(s)
    dom = lookup.domain(s, domain, cmd="vcpupin")
    if cpulist is None:
        return _vcpupin_query(s, dom, number, maxcpu, flags)
    assert number is not None
    if cpulist[:1] == "r":
        bits = [True] * maxcpu
    else:
        parsed = parse_bitmap(cpulist, 1024)
        if parsed is None:
            raise VshError(
                f"Invalid cpulist '{cpulist}'",
                f"invalid argument: Failed to parse bitmap '{cpulist}'",
            )
        if not any(parsed):
            raise VshError(f"Invalid cpulist '{cpulist}'")
        last = max(i for i, bit in enumerate(parsed) if bit)
        if last >= maxcpu:
            raise VshError(f"CPU {last} in cpulist '{cpulist}' exceed the maxcpu {maxcpu}")
        bits = parsed[: max(last + 1, 1)]
    cpumap = tuple(bits[i] if i < len(bits) else False for i in range(maxcpu))
    if flags == AFFECT_CURRENT and not current:
        dom.pinVcpu(number, cpumap)
    else:
        dom.pinVcpuFlags(number, cpumap, flags)
    return True
