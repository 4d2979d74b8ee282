"""domain tuning commands (tools/virsh-domain.c): typed-parameter get/set.

In virsh's help order: blkdeviotune, blkiotune, domiftune, memtune, numatune,
perf.

All share one shape (:func:`_tune`): with no setting option, print the
current parameters ``%-15s: value``; else send exactly the given fields to
the driver.  The calls go through :mod:`vsh.virt.typedcall` so the driver
sees what virsh sends (repeated or unknown fields included) and the count
query's failure is told from the fetch's, as virsh does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import libvirt

from vsh.commands.common import (
    Decorator,
    affect_flags,
    affect_options,
    complete_empty,
    domain_option,
    interface_option,
    json_text,
    opt_int,
    opt_scaled,
    opt_ullong,
    option_stack,
    parse_rate,
)
from vsh.completion.providers import comma_list, complete_disk_targets
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NULL, NUM, STR, map_of, shape
from vsh.core.numbers import (
    LLONG_MAX,
    ULLONG_MAX,
    c_int,
    scale_integer,
)
from vsh.core.record import FrozenRecord
from vsh.core.session import Session
from vsh.virt import lookup, typedcall
from vsh.virt.typedcall import BOOLEAN, STRING, UINT, ULLONG, Param
from vsh.virt.typedcall import INT as T_INT
from vsh.virt.typedparams import typed_value

GROUP = "domain"
L = libvirt

# VIR_DOMAIN_MEMORY_PARAM_UNLIMITED: the largest value of a 53-bit double
UNLIMITED = 9007199254740991


class TuneApi(FrozenRecord):
    """One typed-parameter API pair and virsh's words for its failures."""

    get: str  # the C function: virDomainGet...
    set: str  # virDomainSet...
    count_failed: str
    get_failed: str
    set_failed: str


def _tune(
    s: Session,
    dom: libvirt.virDomain,
    api: TuneApi,
    params: list[Param],
    flags: int,
    *,
    args: tuple[str | None, ...] = (),
    count_args: tuple[str | None, ...] | None = None,
    shown: Callable[[Param], Any] = lambda p: p.value,
    as_json: bool = False,
) -> bool:
    """virsh's get-or-set: no params prints them (``shown`` gives a value's
    text, or None for JSON null), else sets them."""
    if params:
        try:
            typedcall.store(dom, api.set, args, params, flags)
        except libvirt.libvirtError as err:
            raise VshError(api.set_failed, cause=err) from err
        return True
    try:
        n = typedcall.count(dom, api.get, args if count_args is None else count_args, flags)
    except libvirt.libvirtError as err:
        raise VshError(api.count_failed, cause=err) from err
    current: list[Param] = []
    if n:
        try:
            current = typedcall.fetch(dom, api.get, args, n, flags)
        except libvirt.libvirtError as err:
            raise VshError(api.get_failed, cause=err) from err
    if as_json:
        s.print(json_text({p.field: shown(p) for p in current}))
        return True
    for p in current:
        value = shown(p)
        s.print(f"{p.field:<15}: {value if isinstance(value, str) else typed_value(value)}\n")
    return True


PARAMS_JSON = shape(
    map_of(INT, NUM, BOOL, STR, NULL, key="parameter"),
    doc="""The parameters virsh prints, by field name, in its order; values keep
    their JSON type.""",
)


def _wants_json(s: Session, json: bool) -> bool:
    return json or s.settings.json


def _tune_options(what: str = "parameters") -> Decorator:
    """--config, --live, --current, then vsh's --json, last in every tuning command."""
    return option_stack(
        affect_options, option("json", OptKind.BOOL, f"print the {what} as JSON", extension=True)
    )


def _declared(table: Iterable[tuple[str, str]], kind: OptKind, **kwargs: Any) -> Decorator:
    """An option of ``kind`` for each (name, help) of ``table``, in its order."""
    return option_stack(*(option(name, kind, help_text, **kwargs) for name, help_text in table))


# ---------------------------------------------------------------------------
# blkdeviotune

BLOCK_IOTUNE = TuneApi(
    "virDomainGetBlockIoTune",
    "virDomainSetBlockIoTune",
    "Unable to get number of block I/O throttle parameters",
    "Unable to get block I/O throttle parameters",
    "Unable to change block I/O throttle",
)

# (option, help) in virsh's order; scaled: bytes with virsh's size suffixes
_IOTUNE_SCALED = (
    ("total-bytes-sec", "total throughput limit, as scaled integer (default bytes)"),
    ("read-bytes-sec", "read throughput limit, as scaled integer (default bytes)"),
    ("write-bytes-sec", "write throughput limit, as scaled integer (default bytes)"),
)
_IOTUNE_IOPS = (
    ("total-iops-sec", "total I/O operations limit per second"),
    ("read-iops-sec", "read I/O operations limit per second"),
    ("write-iops-sec", "write I/O operations limit per second"),
)
_IOTUNE_SCALED_MAX = (
    ("total-bytes-sec-max", "total max, as scaled integer (default bytes)"),
    ("read-bytes-sec-max", "read max, as scaled integer (default bytes)"),
    ("write-bytes-sec-max", "write max, as scaled integer (default bytes)"),
)
_IOTUNE_IOPS_MAX = (
    ("total-iops-sec-max", "total I/O operations max"),
    ("read-iops-sec-max", "read I/O operations max"),
    ("write-iops-sec-max", "write I/O operations max"),
    ("size-iops-sec", "I/O size in bytes"),
)
_IOTUNE_LENGTHS = (
    ("total-bytes-sec-max-length", "duration in seconds to allow total max bytes"),
    ("read-bytes-sec-max-length", "duration in seconds to allow read max bytes"),
    ("write-bytes-sec-max-length", "duration in seconds to allow write max bytes"),
    ("total-iops-sec-max-length", "duration in seconds to allow total I/O operations max"),
    ("read-iops-sec-max-length", "duration in seconds to allow read I/O operations max"),
    ("write-iops-sec-max-length", "duration in seconds to allow write I/O operations max"),
)
_GROUP_NAME = ("group-name", "group name to share I/O quota between multiple drives")
# the order virsh declares the options in (group-name before the lengths)
_IOTUNE_DECLARED = (
    *_IOTUNE_SCALED,
    *_IOTUNE_IOPS,
    *_IOTUNE_SCALED_MAX,
    *_IOTUNE_IOPS_MAX,
    _GROUP_NAME,
    *_IOTUNE_LENGTHS,
)
_IOTUNE_SCALED_NAMES = tuple(n for n, _ in _IOTUNE_SCALED + _IOTUNE_SCALED_MAX)
_IOTUNE_PLAIN_NAMES = tuple(n for n, _ in _IOTUNE_IOPS + _IOTUNE_IOPS_MAX + _IOTUNE_LENGTHS)


def _field(name: str) -> str:
    return name.replace("-", "_")


def _iotune_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Each setting as virsh declares it: the underscore alias, then the option."""
    for name, help_text in reversed(_IOTUNE_DECLARED):
        if name == "group-name":
            func = option(name, OptKind.STRING, help_text, completer=complete_empty)(func)
        else:
            func = option(name, OptKind.INT, help_text)(func)
        func = option(_field(name), OptKind.ALIAS, name, alias=name)(func)
    return func


@command(
    "blkdeviotune",
    summary="Set or query a block device I/O tuning parameters.",
    description="Set or query disk I/O parameters such as block throttling.",
    group=GROUP,
    json=PARAMS_JSON,
)
@domain_option()
@option("device", OptKind.DATA, "block device", required=True, completer=complete_disk_targets)
@_iotune_options
@_tune_options()
def blkdeviotune(
    s: Session,
    domain: str,
    device: str,
    config: bool,
    live: bool,
    current: bool,
    json: bool,
    **values: str | None,
) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="blkdeviotune")
    disk = s.text(device, "device")
    params: list[Param] = []
    for name in _IOTUNE_SCALED_NAMES + _IOTUNE_PLAIN_NAMES:
        text = values[_field(name)]
        if text is None:
            continue
        try:
            if name in _IOTUNE_SCALED_NAMES:
                number = opt_scaled(text, name, 1, ULLONG_MAX)
            else:
                number = opt_ullong(text, name)
        except VshError as exc:
            s.error(exc.messages[0])
            raise VshError("Unable to parse integer parameter", *exc.messages[1:]) from None
        params.append(Param(_field(name), ULLONG, number))
    group = values["group_name"]
    if group is not None:
        try:
            s.text(group, "group-name")
        except VshError as exc:
            s.error(exc.messages[0])
            raise VshError("Unable to parse group-name parameter") from None
        params.append(Param("group_name", STRING, group))
    return _tune(
        s,
        dom,
        BLOCK_IOTUNE,
        params,
        flags,
        args=(disk,),
        count_args=(None,),
        as_json=_wants_json(s, json),
    )


# ---------------------------------------------------------------------------
# blkiotune

BLKIO = TuneApi(
    "virDomainGetBlkioParameters",
    "virDomainSetBlkioParameters",
    "Unable to get number of blkio parameters",
    "Unable to get blkio parameters",
    "Unable to change blkio parameters",
)

# (option, typed-parameter field, help) of the per-device strings
_BLKIO_DEVICES = (
    (
        "device-weights",
        "device_weight",
        "per-device IO Weights, in the form of /path/to/device,weight,...",
    ),
    (
        "device-read-iops-sec",
        "device_read_iops_sec",
        "per-device read I/O limit per second, in the form of /path/to/device,read_iops_sec,...",
    ),
    (
        "device-write-iops-sec",
        "device_write_iops_sec",
        "per-device write I/O limit per second, in the form of /path/to/device,write_iops_sec,...",
    ),
    (
        "device-read-bytes-sec",
        "device_read_bytes_sec",
        "per-device bytes read per second, in the form of /path/to/device,read_bytes_sec,...",
    ),
    (
        "device-write-bytes-sec",
        "device_write_bytes_sec",
        "per-device bytes wrote per second, in the form of /path/to/device,write_bytes_sec,...",
    ),
)


@command(
    "blkiotune",
    summary="Get or set blkio parameters",
    description="Get or set the current blkio parameters for a guest domain.\n"
    "    To get the blkio parameters use following command: \n\n"
    "    virsh # blkiotune <domain>",
    group=GROUP,
    json=PARAMS_JSON,
)
@domain_option()
@option("weight", OptKind.INT, "IO Weight")
@_declared(((n, h) for n, _f, h in _BLKIO_DEVICES), OptKind.STRING, completer=complete_empty)
@_tune_options()
def blkiotune(
    s: Session,
    domain: str,
    weight: str | None,
    config: bool,
    live: bool,
    current: bool,
    json: bool,
    **devices: str | None,
) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="blkiotune")
    params: list[Param] = []
    number = opt_int(weight, "weight")
    if number is not None:
        if number <= 0:
            raise VshError(f"Invalid value of {number} for I/O weight")
        params.append(Param("weight", UINT, number))
    for name, field, _help in _BLKIO_DEVICES:
        text = devices[_field(name)]
        if text is None:
            continue
        if text == "":  # vshCommandOptStringQuiet refuses it silently
            raise VshError("Unable to parse string parameter")
        params.append(Param(field, STRING, text))
    return _tune(s, dom, BLKIO, params, flags, as_json=_wants_json(s, json))


# ---------------------------------------------------------------------------
# domiftune

INTERFACE = TuneApi(
    "virDomainGetInterfaceParameters",
    "virDomainSetInterfaceParameters",
    "Unable to get number of interface parameters",
    "Unable to get interface parameters",
    "Unable to set interface parameters",
)
UINT_MAX = 2**32 - 1


def _rate_params(direction: str, text: str) -> list[Param]:
    """--inbound/--outbound: virsh's checks, then average and the nonzero rest."""
    average, peak, burst, floor = parse_rate(text)
    if max(average, peak, burst) > UINT_MAX:
        raise VshError(f"{direction} rate larger than maximum {UINT_MAX}")
    if direction == "inbound":
        if not average and (burst or peak) and not floor:
            raise VshError("either inbound average or floor is mandatory")
    else:
        if average == 0 and (burst or peak):
            raise VshError("outbound average is mandatory")
        if floor:
            raise VshError("outbound floor is unsupported yet")
    params = [Param(f"{direction}.average", UINT, average)]
    rest = [("peak", peak), ("burst", burst)]
    if direction == "inbound":
        rest.append(("floor", floor))
    params += [Param(f"{direction}.{key}", UINT, v) for key, v in rest if v]
    return params


@command(
    "domiftune",
    summary="get/set parameters of a virtual interface",
    description="Get/set parameters of a domain's virtual interface.",
    group=GROUP,
    json=PARAMS_JSON,
)
@domain_option()
@interface_option()
@option("inbound", OptKind.STRING, "control domain's incoming traffics", completer=complete_empty)
@option("outbound", OptKind.STRING, "control domain's outgoing traffics", completer=complete_empty)
@_tune_options()
def domiftune(
    s: Session,
    domain: str,
    interface: str,
    inbound: str | None,
    outbound: str | None,
    config: bool,
    live: bool,
    current: bool,
    json: bool,
) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="domiftune")
    device = s.text(interface, "interface")
    inbound = s.text(inbound, "inbound")
    outbound = s.text(outbound, "outbound")
    params: list[Param] = []
    if inbound:
        params += _rate_params("inbound", inbound)
    if outbound:
        params += _rate_params("outbound", outbound)
    return _tune(s, dom, INTERFACE, params, flags, args=(device,), as_json=_wants_json(s, json))


# ---------------------------------------------------------------------------
# memtune

MEMORY = TuneApi(
    "virDomainGetMemoryParameters",
    "virDomainSetMemoryParameters",
    "Unable to get number of memory parameters",
    "Unable to get memory parameters",
    "Unable to change memory parameters",
)
_MEMTUNE = (
    ("hard-limit", "hard_limit", "Max memory, as scaled integer (default KiB)"),
    ("soft-limit", "soft_limit", "Memory during contention, as scaled integer (default KiB)"),
    ("swap-hard-limit", "swap_hard_limit", "Max memory plus swap, as scaled integer (default KiB)"),
    ("min-guarantee", "min_guarantee", "Min guaranteed memory, as scaled integer (default KiB)"),
)
# virStrToLong_ll with an end pointer: the number at the start
_LEADING_LLONG = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")
LLONG_MIN = -(2**63)


def _memtune_kib(text: str, name: str) -> int:
    """virshMemtuneGetSize: KiB (rounded up), UNLIMITED for a negative number."""
    failed = f"Unable to parse integer parameter {name}"
    match = _LEADING_LLONG.match(text)
    if match is None:
        raise VshError(failed)
    value = int(match.group().strip())
    if not LLONG_MIN <= value <= LLONG_MAX:
        raise VshError(failed)
    if value < 0:
        return UNLIMITED
    try:
        nbytes = scale_integer(value, text[match.end() :], 1024, LLONG_MAX)
    except ValueError as exc:
        raise VshError(failed, str(exc)) from None
    return (nbytes + 1023) // 1024


def _memory_shown(p: Param) -> Any:
    if p.kind == ULLONG and p.value == UNLIMITED:
        return None  # virsh's "unlimited"
    return p.value


@command(
    "memtune",
    summary="Get or set memory parameters",
    description="Get or set the current memory parameters for a guest domain.\n"
    "    To get the memory parameters use following command: \n\n"
    "    virsh # memtune <domain>",
    group=GROUP,
    json=shape(
        map_of(INT, NULL, key="parameter"),
        doc="""The limits in KiB by field name ("hard_limit", ...), in virsh's order;
        null where virsh prints unlimited.""",
    ),
)
@domain_option()
@_declared(((n, h) for n, _f, h in _MEMTUNE), OptKind.INT)
@_tune_options()
def memtune(
    s: Session,
    domain: str,
    config: bool,
    live: bool,
    current: bool,
    json: bool,
    **limits: str | None,
) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="memtune")
    params: list[Param] = []
    for name, field, _help in _MEMTUNE:
        text = limits[_field(name)]
        if text is None:
            continue
        if text == "":
            raise VshError(f"Unable to parse integer parameter {name}")
        params.append(Param(field, ULLONG, _memtune_kib(text, name)))
    as_json = _wants_json(s, json)

    def shown(p: Param) -> Any:
        value = _memory_shown(p)
        return "unlimited" if value is None and not as_json else value

    return _tune(s, dom, MEMORY, params, flags, shown=shown, as_json=as_json)


# ---------------------------------------------------------------------------
# numatune

NUMA = TuneApi(
    "virDomainGetNumaParameters",
    "virDomainSetNumaParameters",
    "Unable to get number of memory parameters",
    "Unable to get numa parameters",
    "Unable to change numa parameters",
)
NUMA_MODES = ("strict", "preferred", "interleave", "restrictive")


def _complete_numa_modes(_s: Any, _flags: int = 0) -> list[str]:
    """virshDomainNumatuneModeCompleter."""
    return list(NUMA_MODES)


def _numa_shown(p: Param) -> Any:
    if p.kind == T_INT and p.field == "numa_mode":
        # virDomainNumatuneMemModeTypeToString (NULL, printed "(null)", past the end)
        return NUMA_MODES[p.value] if 0 <= p.value < len(NUMA_MODES) else "(null)"
    return p.value


@command(
    "numatune",
    summary="Get or set numa parameters",
    description="Get or set the current numa parameters for a guest domain.\n"
    "    To get the numa parameters use following command: \n\n"
    "    virsh # numatune <domain>",
    group=GROUP,
    json=PARAMS_JSON,
)
@domain_option()
@option(
    "mode",
    OptKind.STRING,
    "NUMA mode, one of strict, preferred and interleave \n"
    "or a number from the virDomainNumatuneMemMode enum",
    completer=_complete_numa_modes,
)
@option("nodeset", OptKind.STRING, "NUMA node selections to set")
@_tune_options()
def numatune(
    s: Session,
    domain: str,
    mode: str | None,
    nodeset: str | None,
    config: bool,
    live: bool,
    current: bool,
    json: bool,
) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="numatune")
    params: list[Param] = []
    nodeset = s.text(nodeset, "nodeset")
    if nodeset is not None:
        params.append(Param("numa_nodeset", STRING, nodeset))
    mode = s.text(mode, "mode")
    if mode is not None:
        number = NUMA_MODES.index(mode) if mode in NUMA_MODES else c_int(mode, 0)
        if number is None:
            raise VshError(f"Invalid mode: {mode}")
        params.append(Param("numa_mode", T_INT, number))
    return _tune(s, dom, NUMA, params, flags, shown=_numa_shown, as_json=_wants_json(s, json))


# ---------------------------------------------------------------------------
# perf

PERF_EVENTS = (
    *("cmt", "mbmt", "mbml", "cpu_cycles", "instructions", "cache_references"),
    *("cache_misses", "branch_instructions", "branch_misses", "bus_cycles"),
    *("stalled_cycles_frontend", "stalled_cycles_backend", "ref_cpu_cycles"),
    *("cpu_clock", "task_clock", "page_faults", "context_switches", "cpu_migrations"),
    *("page_faults_min", "page_faults_maj", "alignment_faults", "emulation_faults"),
)


def _complete_perf(which: str) -> Callable[[Session, int, Any], list[str]]:
    def complete(_s: Session, _flags: int = 0, values: Any = None) -> list[str]:
        """virshDomainPerf{En,Dis}ableCompleter: the events, as a comma list."""
        return comma_list((values or {}).get(which), PERF_EVENTS)

    return complete


def _perf_events(text: str, state: bool) -> list[Param]:
    """virshParseEventStr: each non-empty comma-separated name."""
    return [Param(name, BOOLEAN, state) for name in text.split(",") if name]


@command(
    "perf",
    summary="Get or set perf event",
    description="Get or set the current perf events for a guest domain.\n"
    "    To get the perf events list use following command: \n\n"
    "    virsh # perf <domain>",
    group=GROUP,
    json=shape(
        map_of(BOOL, key="event"),
        doc="""Each event virsh lists (or sets) by name, in its order: true where
        virsh prints enabled.""",
    ),
)
@domain_option()
@option(
    "enable",
    OptKind.STRING,
    "perf events which will be enabled",
    completer=_complete_perf("enable"),
)
@option(
    "disable",
    OptKind.STRING,
    "perf events which will be disabled",
    completer=_complete_perf("disable"),
)
@_tune_options("events")
def perf(
    s: Session,
    domain: str,
    enable: str | None,
    disable: str | None,
    config: bool,
    live: bool,
    current: bool,
    json: bool,
) -> bool:
    flags = affect_flags(current, live, config)
    enable = s.text(enable, "enable")
    disable = s.text(disable, "disable")
    dom = lookup.domain(s, domain, cmd="perf")
    params: list[Param] = []
    if enable is not None:
        params += _perf_events(enable, True)
    if disable is not None:
        params += _perf_events(disable, False)
    if params:
        try:
            typedcall.store(dom, "virDomainSetPerfEvents", (), params, flags)
        except libvirt.libvirtError as err:
            raise VshError("Unable to enable/disable perf events", cause=err) from err
    else:
        try:
            params = typedcall.fetch_allocated(dom, "virDomainGetPerfEvents", flags)
        except libvirt.libvirtError as err:
            raise VshError("Unable to get perf events", cause=err) from err
    on = {p.field: p.kind == BOOLEAN and bool(p.value) for p in params}
    if _wants_json(s, json):
        s.print(json_text(on))
        return True
    for p in params:
        state = "enabled" if p.kind == BOOLEAN and p.value else "disabled"
        s.print_extra(f"{p.field:<15}: {state}\n")
    return True
