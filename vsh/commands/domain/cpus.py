"""Domain CPU and lifecycle settings (tools/virsh-domain.c).

In virsh's help order: domdirtyrate-calc, set-lifecycle-action (domain
management) and emulatorpin, setvcpu (the CPU commands).
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import affect_flags, affect_options, domain_option, json_text, opt_int
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import STR, object_of, prop, shape
from vsh.core.session import Session
from vsh.virt import lookup
from vsh.virt.cpumap import format_bitmap, node_cpu_count, parse_cpulist
from vsh.virt.failing import failing

GROUP = "domain"
L = libvirt

# virshDomainLifecycle / virshDomainLifecycleAction: the index is libvirt's value.
LIFECYCLE_TYPES = ("poweroff", "reboot", "crash")
LIFECYCLE_ACTIONS = (
    "destroy",
    "restart",
    "rename-restart",
    "preserve",
    "coredump-destroy",
    "coredump-restart",
)
DIRTYRATE_MODES = {
    "page-sampling": L.VIR_DOMAIN_DIRTYRATE_MODE_PAGE_SAMPLING,
    "dirty-bitmap": L.VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_BITMAP,
    "dirty-ring": L.VIR_DOMAIN_DIRTYRATE_MODE_DIRTY_RING,
}


def complete_lifecycle_types(_s: Session, _flags: int = 0) -> list[str]:
    """virshDomainLifecycleCompleter."""
    return list(LIFECYCLE_TYPES)


def complete_lifecycle_actions(_s: Session, _flags: int = 0) -> list[str]:
    """virshDomainLifecycleActionCompleter."""
    return list(LIFECYCLE_ACTIONS)


def complete_dirtyrate_modes(_s: Session, _flags: int = 0) -> list[str]:
    """virshDomainDirtyRateCalcModeCompleter."""
    return list(DIRTYRATE_MODES)


def complete_host_cpus(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainCpulistCompleter: the host's CPU ids, as a comma-separated list."""
    from vsh.completion import providers

    return providers.host_cpu_list(s, values or {})


# ---------------------------------------------------------------------------
# domdirtyrate-calc


@command(
    "domdirtyrate-calc",
    summary="Calculate a vm's memory dirty rate",
    description="Calculate memory dirty rate of a domain in order to decide whether "
    "it's proper to be migrated out or not.\n"
    "The calculated dirty rate information is available by calling "
    "'domstats --dirtyrate'.",
    group=GROUP,
)
@domain_option()
@option(
    "seconds",
    OptKind.INT,
    "calculate memory dirty rate within specified seconds, the supported value range "
    "from 1 to 60, default to 1.",
)
@option(
    "mode",
    OptKind.STRING,
    "dirty page rate calculation mode, either of these 3 options 'page-sampling, "
    "dirty-bitmap, dirty-ring' can be specified.",
    completer=complete_dirtyrate_modes,
)
def domdirtyrate_calc(s: Session, domain: str, seconds: str | None, mode: str | None) -> bool:
    dom = lookup.domain(s, domain, cmd="domdirtyrate-calc")
    period = opt_int(seconds, "seconds")
    modestr = s.text(mode, "mode")
    flags = 0
    if modestr is not None:
        if modestr not in DIRTYRATE_MODES:
            raise VshError(f"Unknown calculation mode '{modestr}'")
        flags = DIRTYRATE_MODES[modestr]
    dom.startDirtyRateCalc(1 if period is None else period, flags)
    s.print_extra("Start to calculate domain's memory dirty rate successfully.\n")
    return True


# ---------------------------------------------------------------------------
# set-lifecycle-action


@command(
    "set-lifecycle-action",
    summary="change lifecycle actions",
    description="Change lifecycle actions for the guest domain.",
    group=GROUP,
)
@domain_option()
@option(
    "type",
    OptKind.DATA,
    "lifecycle type to modify",
    required=True,
    completer=complete_lifecycle_types,
)
@option(
    "action",
    OptKind.DATA,
    "lifecycle action to set",
    required=True,
    completer=complete_lifecycle_actions,
)
@affect_options
def set_lifecycle_action(
    s: Session,
    domain: str,
    type: str,
    action: str,
    config: bool,
    live: bool,
    current: bool,
) -> bool:
    # virsh starts from 0 here, not VIR_DOMAIN_AFFECT_CURRENT (the same value).
    flags = affect_flags(current, live, config)
    kind = s.text(type, "type")
    act = s.text(action, "action")
    if kind not in LIFECYCLE_TYPES:
        raise VshError(f"Invalid lifecycle type '{kind}'.")
    if act not in LIFECYCLE_ACTIONS:
        raise VshError(f"Invalid lifecycle action '{act}'.")
    dom = lookup.domain(s, domain, cmd="set-lifecycle-action")
    with failing("Unable to change lifecycle action."):
        dom.setLifecycleAction(LIFECYCLE_TYPES.index(kind), LIFECYCLE_ACTIONS.index(act), flags)
    return True


# ---------------------------------------------------------------------------
# emulatorpin

EMULATORPIN_JSON = shape(
    object_of(prop("affinity", STR, doc='virsh\'s CPU Affinity range list ("0-1")')),
    doc="The emulator threads' affinity (the query only: pinning prints nothing).",
)


@command(
    "emulatorpin",
    summary="control or query domain emulator affinity",
    description="Pin domain emulator threads to host physical CPUs.",
    group=GROUP,
    json=EMULATORPIN_JSON,
)
@domain_option()
@option(
    "cpulist",
    OptKind.STRING,
    "host cpu number(s) to set, or omit option to query",
    completer=complete_host_cpus,
)
@affect_options
@option("json", OptKind.BOOL, "print the emulator affinity as JSON", extension=True)
def emulatorpin(
    s: Session,
    domain: str,
    cpulist: str | None,
    config: bool,
    live: bool,
    current: bool,
    json: bool,
) -> bool:
    flags = affect_flags(current, live, config)
    chosen = current or live or config
    dom = lookup.domain(s, domain, cmd="emulatorpin")
    # The option may be empty (VSH_OFLAG_EMPTY_OK): "" goes on to the parser.
    maxcpu = node_cpu_count(s)
    if cpulist is None:
        bits = dom.emulatorPinInfo(flags)
        if json or s.settings.json:
            s.print(json_text({"affinity": format_bitmap(list(bits))}))
            return True
        s.print_extra("emulator: CPU Affinity\n" + "-" * 34 + "\n       *: ")
        s.print(format_bitmap(list(bits)) + "\n")
        return True
    cpumap = parse_cpulist(cpulist, maxcpu)
    # Pinning with none of the three options given affects the live domain.
    dom.pinEmulator(cpumap, flags if chosen else L.VIR_DOMAIN_AFFECT_LIVE)
    return True


# ---------------------------------------------------------------------------
# setvcpu


@command(
    "setvcpu",
    summary="attach/detach vcpu or groups of threads",
    description="Add or remove vcpus",
    group=GROUP,
    exclusive=(("enable", "disable"), ("current", "live"), ("current", "config")),
)
@domain_option()
@option("vcpulist", OptKind.DATA, "ids of vcpus to manipulate", required=True)
@option("enable", OptKind.BOOL, "enable cpus specified by cpumap")
@option("disable", OptKind.BOOL, "disable cpus specified by cpumap")
@affect_options
def setvcpu(
    s: Session,
    domain: str,
    vcpulist: str,
    enable: bool,
    disable: bool,
    config: bool,
    live: bool,
    current: bool,
) -> bool:
    flags = affect_flags(current, live, config)
    if not (enable or disable):
        raise VshError("one of --enable, --disable is required")
    cpus = s.text(vcpulist, "vcpulist")
    dom = lookup.domain(s, domain, cmd="setvcpu")
    dom.setVcpu(cpus, 1 if enable else 0, flags)
    return True
