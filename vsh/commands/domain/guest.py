"""Guest agent and guest control commands (tools/virsh-domain.c).

In virsh's help order: domfsfreeze, domfsthaw, domfsinfo, domfstrim,
domhostname, dompmsuspend, dompmwakeup, get-user-sshkeys, inject-nmi,
send-process-signal, guest-agent-timeout, set-user-sshkeys,
set-user-password, guestvcpus, guestinfo.

Most of these reach the guest through its agent; the test driver answers a
few itself (hostname, file systems, NMI, signals, passwords).  Typed
parameters (guestinfo, guestvcpus) print as virsh's ``%-Ns: value`` lines.
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import (
    complete_empty,
    domain_option,
    exclusive,
    json_text,
    opt_int,
    opt_ullong,
    table_text,
)
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NUM, STR, array_of, map_of, object_of, prop, shape
from vsh.core.numbers import c_int, c_llong, numeric_message
from vsh.core.session import Session
from vsh.core.vshutil import read_file_all
from vsh.virt import lookup
from vsh.virt.failing import failing
from vsh.virt.typedparams import typed_value

GROUP = "domain"
L = libvirt

ACTIVE = L.VIR_CONNECT_LIST_DOMAINS_ACTIVE


def _typed_lines(params: dict[str, Any], width: int) -> str:
    """virsh's ``%-Ns: %s`` line per typed parameter, in libvirt's order."""
    return "".join(f"{field:<{width}}: {typed_value(value)}\n" for field, value in params.items())


# ---------------------------------------------------------------------------
# file systems


@command(
    "domfsfreeze",
    summary="Freeze domain's mounted filesystems.",
    description="Freeze domain's mounted filesystems.",
    group=GROUP,
)
@domain_option(ACTIVE)
@option("mountpoint", OptKind.ARGV, "mountpoint path to be frozen")
def domfsfreeze(s: Session, domain: str, mountpoint: tuple[str, ...]) -> bool:
    dom = lookup.domain(s, domain, cmd="domfsfreeze")
    with failing("Unable to freeze filesystems"):
        count = dom.fsFreeze(list(mountpoint) or None, 0)
    s.print_extra(f"Froze {count} filesystem(s)\n")
    return True


@command(
    "domfsthaw",
    summary="Thaw domain's mounted filesystems.",
    description="Thaw domain's mounted filesystems.",
    group=GROUP,
)
@domain_option(ACTIVE)
@option("mountpoint", OptKind.ARGV, "mountpoint path to be thawed")
def domfsthaw(s: Session, domain: str, mountpoint: tuple[str, ...]) -> bool:
    dom = lookup.domain(s, domain, cmd="domfsthaw")
    with failing("Unable to thaw filesystems"):
        count = dom.fsThaw(list(mountpoint) or None, 0)
    s.print_extra(f"Thawed {count} filesystem(s)\n")
    return True


DOMFSINFO_JSON = shape(
    array_of(
        object_of(
            prop("mountpoint", STR),
            prop("name", STR, doc="the guest's device name"),
            prop("type", STR, doc="the file system type"),
            prop("targets", array_of(STR), doc="the disk targets it lives on"),
        )
    ),
    doc="One object per mounted file system, in the agent's order; [] when none is mounted.",
)


@command(
    "domfsinfo",
    summary="Get information of domain's mounted filesystems.",
    description="Get information of domain's mounted filesystems.",
    group=GROUP,
    json=DOMFSINFO_JSON,
)
@domain_option(ACTIVE)
@option("json", OptKind.BOOL, "print the file systems as JSON", extension=True)
def domfsinfo(s: Session, domain: str, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="domfsinfo")
    with failing("Unable to get filesystem information"):
        infos = dom.fsInfo(0)
    if json or s.settings.json:
        s.print(
            json_text(
                [
                    {"mountpoint": m, "name": n, "type": t, "targets": list(aliases)}
                    for m, n, t, aliases in infos
                ]
            )
        )
        return True
    if not infos:
        s.print_extra("No filesystems are mounted in the domain")
        return True
    rows = [[m, n, t, ",".join(aliases)] for m, n, t, aliases in infos]
    s.print(table_text(s, ["Mountpoint", "Name", "Type", "Target"], rows))
    return True


@command(
    "domfstrim",
    summary="Invoke fstrim on domain's mounted filesystems.",
    description="Invoke fstrim on domain's mounted filesystems.",
    group=GROUP,
)
@domain_option(ACTIVE)
@option(
    "minimum",
    OptKind.INT,
    "Just a hint to ignore contiguous free ranges smaller than this (Bytes)",
)
@option("mountpoint", OptKind.STRING, "which mount point to trim")
def domfstrim(s: Session, domain: str, minimum: str | None, mountpoint: str | None) -> bool:
    dom = lookup.domain(s, domain, cmd="domfstrim")
    least = opt_ullong(minimum, "minimum") or 0
    point = s.text(mountpoint, "mountpoint")
    with failing("Unable to invoke fstrim"):
        dom.fSTrim(point, least, 0)
    return True


# ---------------------------------------------------------------------------
# hostname


_HOSTNAME_SOURCES = {
    "agent": L.VIR_DOMAIN_GET_HOSTNAME_AGENT,
    "lease": L.VIR_DOMAIN_GET_HOSTNAME_LEASE,
}


def complete_hostname_sources(_s: Session, _flags: int = 0) -> list[str]:
    """virshDomainHostnameSourceCompleter."""
    return list(_HOSTNAME_SOURCES)


@command("domhostname", summary="print the domain's hostname", description="", group=GROUP)
@domain_option(ACTIVE)
@option(
    "source",
    OptKind.STRING,
    "address source: 'lease' or 'agent'",
    completer=complete_hostname_sources,
)
def domhostname(s: Session, domain: str, source: str | None) -> bool:
    dom = lookup.domain(s, domain, cmd="domhostname")
    name = s.text(source, "source")
    flags = 0  # the driver's default source
    if name is not None:
        if name not in _HOSTNAME_SOURCES:
            raise VshError(f"Unknown data source '{name}'")
        flags = _HOSTNAME_SOURCES[name]
    with failing("failed to get hostname"):
        hostname = dom.hostname(flags)
    s.print(f"{hostname}\n")
    return True


# ---------------------------------------------------------------------------
# power management


_SUSPEND_TARGETS = {
    "mem": L.VIR_NODE_SUSPEND_TARGET_MEM,
    "disk": L.VIR_NODE_SUSPEND_TARGET_DISK,
    "hybrid": L.VIR_NODE_SUSPEND_TARGET_HYBRID,
}


def complete_suspend_targets(_s: Session, _flags: int = 0) -> list[str]:
    """virshNodeSuspendTargetCompleter."""
    return list(_SUSPEND_TARGETS)


@command(
    "dompmsuspend",
    summary="suspend a domain gracefully using power management functions",
    description=(
        "Suspends a running domain using guest OS's power management. "
        "(Note: This requires a guest agent configured and running in the guest OS)."
    ),
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_RUNNING)
@option(
    "target",
    OptKind.DATA,
    "mem(Suspend-to-RAM), disk(Suspend-to-Disk), hybrid(Hybrid-Suspend)",
    required=True,
    completer=complete_suspend_targets,
)
@option("duration", OptKind.INT, "duration in seconds", named_only=True)
def dompmsuspend(s: Session, domain: str, target: str, duration: str | None) -> bool:
    dom = lookup.domain(s, domain, cmd="dompmsuspend")
    seconds = opt_ullong(duration, "duration") or 0
    word = s.text(target, "target")
    if word not in _SUSPEND_TARGETS:
        raise VshError("Invalid target")
    with failing(f"Domain '{dom.name()}' could not be suspended"):
        dom.pMSuspendForDuration(_SUSPEND_TARGETS[word], seconds, 0)
    s.print_extra(f"Domain '{dom.name()}' successfully suspended")
    return True


@command(
    "dompmwakeup",
    summary="wakeup a domain from pmsuspended state",
    description="Wakeup a domain that was previously suspended by power management.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_OTHER)
def dompmwakeup(s: Session, domain: str) -> bool:
    dom = lookup.domain(s, domain, cmd="dompmwakeup")
    with failing(f"Domain '{dom.name()}' could not be woken up"):
        dom.pMWakeup(0)
    s.print_extra(f"Domain '{dom.name()}' successfully woken up")
    return True


# ---------------------------------------------------------------------------
# users: SSH keys and passwords


@command(
    "get-user-sshkeys",
    summary="list authorized SSH keys for given user (via agent)",
    description="Use the guest agent to query authorized SSH keys for given user",
    group=GROUP,
)
@domain_option(ACTIVE)
@option("user", OptKind.DATA, "user to list authorized keys for", required=True)
def get_user_sshkeys(s: Session, domain: str, user: str) -> bool:
    dom = lookup.domain(s, domain, cmd="get-user-sshkeys")
    name = s.text(user, "user")
    keys = dom.authorizedSSHKeysGet(name, 0)
    s.print("".join(keys))  # virsh prints each key as the agent gave it
    return True


@command(
    "set-user-sshkeys",
    summary="manipulate authorized SSH keys file for given user (via agent)",
    description=(
        "Append, reset or remove specified key from the authorized keys file for given user"
    ),
    group=GROUP,
)
@domain_option(ACTIVE)
@option("user", OptKind.DATA, "user to set authorized keys for", required=True)
@option("file", OptKind.STRING, "optional file to read keys from", value_kind="file")
@option("reset", OptKind.BOOL, "clear out authorized keys file before adding new keys")
@option("remove", OptKind.BOOL, "remove keys from the authorized keys file")
def set_user_sshkeys(
    s: Session, domain: str, user: str, file: str | None, reset: bool, remove: bool
) -> bool:
    # virsh checks the requirement before the exclusivity
    if remove and file is None:
        raise VshError("Option --file is required by option --remove")
    exclusive(reset=reset, remove=remove)
    dom = lookup.domain(s, domain, cmd="set-user-sshkeys")
    name = s.text(user, "user")
    path = s.text(file, "file")
    if remove:
        flags = L.VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_REMOVE
    elif reset:
        flags = 0
    else:
        flags = L.VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND
        if path is None:
            raise VshError("Option --file is required")
    keys: list[str] = []
    if path is not None:
        text = read_file_all(path)
        keys = text.split("\n") if text else []  # g_strsplit: "" has no pieces
        if not keys:
            raise VshError(f"File {path} contains no keys")
    dom.authorizedSSHKeysSet(name, keys, flags)
    return True


@command(
    "set-user-password",
    summary="set the user password inside the domain",
    description="changes the password of the specified user inside the domain",
    group=GROUP,
)
@domain_option(ACTIVE)
@option("user", OptKind.DATA, "the username", required=True)
@option("password", OptKind.DATA, "the new password", required=True, completer=complete_empty)
@option(
    "encrypted",
    OptKind.BOOL,
    "the password is already encrypted",
    flag=L.VIR_DOMAIN_PASSWORD_ENCRYPTED,
)
def set_user_password(s: Session, domain: str, user: str, password: str, encrypted: bool) -> bool:
    flags = option_flags()
    name = s.text(user, "user")
    secret = s.text(password, "password")
    dom = lookup.domain(s, domain, cmd="set-user-password")
    dom.setUserPassword(name, secret, flags)
    s.print_extra(f"Password set successfully for {name} in {domain}")
    return True


# ---------------------------------------------------------------------------
# NMI and process signals


@command(
    "inject-nmi",
    summary="Inject NMI to the guest",
    description="Inject NMI to the guest domain.",
    group=GROUP,
)
@domain_option(ACTIVE)
def inject_nmi(s: Session, domain: str) -> bool:
    dom = lookup.domain(s, domain, cmd="inject-nmi")
    dom.injectNMI(0)
    return True


# virshDomainProcessSignal: the names of signals 0..64, in number order.
SIGNAL_NAMES: tuple[str, ...] = (
    *("nop", "hup", "int", "quit", "ill", "trap", "abrt", "bus", "fpe", "kill"),
    *("usr1", "segv", "usr2", "pipe", "alrm", "term", "stkflt", "chld", "cont", "stop"),
    *("tstp", "ttin", "ttou", "urg", "xcpu", "xfsz", "vtalrm", "prof", "winch", "poll"),
    *("pwr", "sys"),
    *(f"rt{n}" for n in range(33)),
)


def complete_signals(_s: Session, _flags: int = 0) -> list[str]:
    """virshDomainSignalCompleter: every signal name."""
    return list(SIGNAL_NAMES)


def signal_number(name: str) -> int:
    """getSignalNumber: a number, or a name with or without "sig"/"sig_"; -1 if neither."""
    low = name.lower()
    number = c_int(low)
    if number is not None:
        return number
    if low.startswith("sig_"):
        low = low[4:]
    elif low.startswith("sig"):
        low = low[3:]
    return SIGNAL_NAMES.index(low) if low in SIGNAL_NAMES else -1


@command(
    "send-process-signal",
    summary="Send signals to processes",
    description="Send signals to processes in the guest",
    group=GROUP,
)
@domain_option(ACTIVE)
@option("pid", OptKind.DATA, "the process ID", required=True, completer=complete_empty)
@option(
    "signame",
    OptKind.DATA,
    "the signal number or name",
    required=True,
    completer=complete_signals,
)
def send_process_signal(s: Session, domain: str, pid: str, signame: str) -> bool:
    dom = lookup.domain(s, domain, cmd="send-process-signal")
    pid_value = c_llong(pid)
    if pid_value is None:
        raise VshError(numeric_message(pid, "pid"))
    name = s.text(signame, "signame")
    assert name is not None
    signum = signal_number(name)
    if signum < 0:
        raise VshError(f"malformed signal name: {name}")
    dom.sendProcessSignal(pid_value, signum, 0)
    return True


# ---------------------------------------------------------------------------
# agent settings and guest information


@command(
    "guest-agent-timeout",
    summary="Set the guest agent timeout",
    description="Set the number of seconds to wait for a response from the guest agent.",
    group=GROUP,
)
@domain_option()
@option("timeout", OptKind.INT, "timeout seconds.", named_only=True)
def guest_agent_timeout(s: Session, domain: str, timeout: str | None) -> bool:
    dom = lookup.domain(s, domain, cmd="guest-agent-timeout")
    seconds = opt_int(timeout, "timeout")
    if seconds is None:
        seconds = L.VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK
    dom.agentSetResponseTimeout(seconds, 0)
    return True


TYPED_PARAMS_JSON = shape(
    map_of(STR, INT, NUM, BOOL, key="field"),
    doc="The typed parameters libvirt returned, each field name to its value, in libvirt's order.",
)


@command(
    "guestvcpus",
    summary="query or modify state of vcpu in the guest (via agent)",
    description="Use the guest agent to query or set cpu state from guest's point of view",
    group=GROUP,
    json=TYPED_PARAMS_JSON,
)
@domain_option(ACTIVE)
@option("cpulist", OptKind.STRING, "list of cpus to enable or disable")
@option("enable", OptKind.BOOL, "enable cpus specified by cpulist")
@option("disable", OptKind.BOOL, "disable cpus specified by cpulist")
@option("json", OptKind.BOOL, "print the vcpu parameters as JSON", extension=True)
def guestvcpus(
    s: Session, domain: str, cpulist: str | None, enable: bool, disable: bool, json: bool
) -> bool:
    exclusive(enable=enable, disable=disable)
    for needy in ("enable", "disable"):
        if (enable if needy == "enable" else disable) and cpulist is None:
            raise VshError(f"Option --cpulist is required by option --{needy}")
    cpus = s.text(cpulist, "cpulist")
    if cpus is not None and not (enable or disable):
        raise VshError("One of options --enable or --disable is required by option --cpulist")
    dom = lookup.domain(s, domain, cmd="guestvcpus")
    if cpus is not None:
        dom.setGuestVcpus(cpus, 1 if enable else 0, 0)
        return True
    params = dom.guestVcpus(0)
    if params is None:  # the binding reports this failure by returning None
        raise libvirt.libvirtError("virDomainGetGuestVcpus() failed")
    if json or s.settings.json:
        s.print(json_text(dict(params)))
    else:
        s.print(_typed_lines(params, 15))
    return True


@command(
    "guestinfo",
    summary="query information about the guest (via agent)",
    description="Use the guest agent to query various information from guest's point of view",
    group=GROUP,
    json=TYPED_PARAMS_JSON,
)
@domain_option(ACTIVE)
@option("user", OptKind.BOOL, "report active users", flag=L.VIR_DOMAIN_GUEST_INFO_USERS)
@option("os", OptKind.BOOL, "report operating system information", flag=L.VIR_DOMAIN_GUEST_INFO_OS)
@option(
    "timezone",
    OptKind.BOOL,
    "report timezone information",
    flag=L.VIR_DOMAIN_GUEST_INFO_TIMEZONE,
)
@option("hostname", OptKind.BOOL, "report hostname", flag=L.VIR_DOMAIN_GUEST_INFO_HOSTNAME)
@option(
    "filesystem",
    OptKind.BOOL,
    "report filesystem information",
    flag=L.VIR_DOMAIN_GUEST_INFO_FILESYSTEM,
)
@option("disk", OptKind.BOOL, "report disk information", flag=L.VIR_DOMAIN_GUEST_INFO_DISKS)
@option(
    "interface",
    OptKind.BOOL,
    "report interface information",
    flag=L.VIR_DOMAIN_GUEST_INFO_INTERFACES,
)
@option("json", OptKind.BOOL, "print the guest information as JSON", extension=True)
def guestinfo(
    s: Session,
    domain: str,
    user: bool,
    os: bool,
    timezone: bool,
    hostname: bool,
    filesystem: bool,
    disk: bool,
    interface: bool,
    json: bool,
) -> bool:
    types = option_flags()  # the info types asked for; none means all
    dom = lookup.domain(s, domain, cmd="guestinfo")
    params = dom.guestInfo(types, 0)
    if json or s.settings.json:
        s.print(json_text(dict(params)))
    else:
        s.print(_typed_lines(params, 20))
    return True
