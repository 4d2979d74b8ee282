"""Hypervisor-specific and launch security commands (tools/virsh-domain.c).

In virsh's help order: domlaunchsecinfo, domsetlaunchsecstate,
lxc-enter-namespace, qemu-attach, qemu-monitor-event, qemu-agent-command,
ttyconsole, dom-fd-associate.

lxc-enter-namespace forks and enters the guest as virsh does
(:mod:`vsh.virt.lxcenter`).

The qemu-* commands call libvirt_qemu's API, imported inside each command so
that no other command pays for it; on a connection whose driver lacks the
call they fail with libvirt's "not supported" error, as virsh does.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import libvirt

from vsh.commands.common import (
    complete_empty,
    domain_filter_option,
    domain_option,
    event_wait_options,
    fetch_pass_fds,
    opt_int,
    opt_timeout_ms,
    opt_uint,
    timestamp_option,
)
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.numbers import c_ullong, numeric_message
from vsh.core.session import Session
from vsh.core.vshutil import read_file_all
from vsh.virt import lookup
from vsh.virt.domxml import domain_xml
from vsh.virt.eventwait import EventWait
from vsh.virt.failing import failing
from vsh.virt.typedparams import typed_value

GROUP = "domain"
L = libvirt


def _pretty_json(text: str) -> str | None:
    """virJSONValueToString(virJSONValueFromString(text), pretty): yajl's
    beautified output (with its final newline); None when libvirt would not
    parse the text."""
    from vsh.virt import yajljson

    try:
        return yajljson.dumps(yajljson.loads(text), pretty=True)
    except yajljson.JsonError:
        return None


# ---------------------------------------------------------------------------
# launch security


@command(
    "domlaunchsecinfo",
    summary="Get domain launch security info",
    description="Get the launch security parameters for a guest domain",
    group=GROUP,
)
@domain_option()
def domlaunchsecinfo(s: Session, domain: str) -> bool:
    dom = lookup.domain(s, domain, cmd="domlaunchsecinfo")
    with failing("Unable to get launch security parameters"):
        params = dom.launchSecurityInfo(0)
    s.print("".join(f"{k:<15}: {typed_value(v)}\n" for k, v in params.items()))
    return True


@command(
    "domsetlaunchsecstate",
    summary="Set domain launch security state",
    description="Set a secret in the guest domain's memory",
    group=GROUP,
)
@domain_option()
@option(
    "secrethdr",
    OptKind.STRING,
    "path to file containing the secret header",
    named_only=True,
)
@option("secret", OptKind.STRING, "path to file containing the secret", named_only=True)
@option(
    "set-address",
    OptKind.INT,
    "physical address within the guest domain's memory to set the secret",
)
def domsetlaunchsecstate(
    s: Session,
    domain: str,
    secrethdr: str | None,
    secret: str | None,
    set_address: str | None,
) -> bool:
    dom = lookup.domain(s, domain, cmd="domsetlaunchsecstate")
    header_path = s.text(secrethdr, "secrethdr")
    secret_path = s.text(secret, "secret")
    if header_path is None or secret_path is None:
        raise VshError("Both secret and the secret header are required")
    params: dict[str, Any] = {
        L.VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET_HEADER: read_file_all(header_path, 64 * 1024),
        L.VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET: read_file_all(secret_path, 64 * 1024),
    }
    if set_address is not None:
        address = c_ullong(set_address, positive=True)
        if address is None:
            raise VshError(numeric_message(set_address, "set-address"))
        params[L.VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET_SET_ADDRESS] = address
    with failing("Unable to set launch security state"):
        dom.setLaunchSecurityState(params, 0)
    return True


# ---------------------------------------------------------------------------
# qemu-attach (deprecated in libvirt: every driver refuses it)


# ---------------------------------------------------------------------------
# lxc-enter-namespace


@command(
    "lxc-enter-namespace",
    summary="LXC Guest Enter Namespace",
    description="Run an arbitrary command in a lxc guest namespace; use at your own risk",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("noseclabel", OptKind.BOOL, "Do not change process security label")
@option("cmd", OptKind.ARGV, "command to run", required=True)
def lxc_enter_namespace(s: Session, domain: str, noseclabel: bool, cmd: tuple[str, ...]) -> bool:
    from vsh.virt import lxcenter

    dom = lookup.domain(s, domain, cmd="lxc-enter-namespace")
    lxcenter.enter(lxcenter.Libvirt(), s.conn, dom, list(cmd), setlabel=not noseclabel)
    return True


@command("qemu-attach", summary="QEMU Attach", description="QEMU Attach", group=GROUP)
@option("pid", OptKind.DATA, "pid", required=True, completer=complete_empty)
def qemu_attach(s: Session, pid: str) -> bool:
    import libvirt_qemu

    number = opt_uint(pid, "pid")
    assert number is not None
    with failing(f"Failed to attach to pid {number}"):
        dom = libvirt_qemu.qemuAttach(s.conn, number, 0)
    s.print_extra(f"Domain '{dom.name()}' attached to pid {number}\n")
    return True


# ---------------------------------------------------------------------------
# qemu-monitor-event


def monitor_event_line(
    dom_name: str,
    event: str,
    seconds: int,
    micros: int,
    details: str | None,
    pretty: bool,
    stamp: str | None,
) -> str:
    """virshEventQemuPrint's line for one event (``stamp``: with --timestamp)."""
    if pretty and details is not None:
        details = _pretty_json(details) or details
    shown = "(null)" if details is None else details
    if stamp is not None:
        return f"{stamp}: event {event} for domain '{dom_name}': {shown}\n"
    return f"event {event} at {seconds}.{micros:06d} for domain '{dom_name}': {shown}\n"


@command(
    "qemu-monitor-event",
    summary="QEMU Monitor Events",
    description="Listen for QEMU Monitor Events",
    group=GROUP,
)
@domain_filter_option
@option("event", OptKind.STRING, "filter by event name")
@option("pretty", OptKind.BOOL, "pretty-print any JSON output")
@event_wait_options
@option("regex", OptKind.BOOL, "treat event as a regex rather than literal filter")
@option("no-case", OptKind.BOOL, "treat event case-insensitively")
@timestamp_option
def qemu_monitor_event(
    s: Session,
    domain: str | None,
    event: str | None,
    pretty: bool,
    loop: bool,
    timeout: str | None,
    regex: bool,
    no_case: bool,
    timestamp: bool,
) -> bool:
    import libvirt_qemu

    flags = 0
    if regex:
        flags |= libvirt_qemu.VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_REGEX
    if no_case:
        flags |= libvirt_qemu.VIR_CONNECT_DOMAIN_QEMU_MONITOR_EVENT_REGISTER_NOCASE
    wait_ms = opt_timeout_ms(timeout)
    name = s.text(event, "event")
    dom = lookup.domain(s, domain, cmd="qemu-monitor-event") if domain is not None else None

    with EventWait(s, loop, timestamp) as events:

        def callback(
            _conn: Any, cb_dom: Any, ev: str, secs: int, micros: int, details: Any, _opaque: Any
        ) -> None:
            events.deliver(
                lambda stamp: monitor_event_line(
                    cb_dom.name(), ev, secs, micros, details, pretty, stamp
                )
            )

        conn = s.conn
        callback_id = libvirt_qemu.qemuMonitorEventRegister(conn, dom, name, callback, None, flags)
        events.registered(partial(libvirt_qemu.qemuMonitorEventDeregister, conn, callback_id))
        return events.wait(wait_ms)


# ---------------------------------------------------------------------------
# qemu-agent-command


@command(
    "qemu-agent-command",
    summary="QEMU Guest Agent Command",
    description="Run an arbitrary qemu guest agent command; use at your own risk",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("timeout", OptKind.INT, "timeout seconds. must be positive.", named_only=True)
@option("async", OptKind.BOOL, "execute command without waiting for timeout")
@option("block", OptKind.BOOL, "execute command without timeout")
@option("pretty", OptKind.BOOL, "pretty-print the output")
@option("cmd", OptKind.ARGV, "command", required=True)
def qemu_agent_command(
    s: Session,
    domain: str,
    timeout: str | None,
    block: bool,
    pretty: bool,
    cmd: tuple[str, ...],
    **kw: bool,
) -> bool:
    import libvirt_qemu

    dom = lookup.domain(s, domain, cmd="qemu-agent-command")
    text = " ".join(cmd).rstrip(" ")
    seconds = opt_int(timeout, "timeout")
    given = 0
    wait = libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT
    if seconds is not None:
        given = 1
        if seconds < 1:
            raise VshError("timeout must be positive")
        wait = seconds
    if kw.get("async"):  # a Python keyword: the framework passes it by name
        wait = libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT
        given += 1
    if block:
        wait = libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK
        given += 1
    if given > 1:
        raise VshError("timeout, async and block options are exclusive")
    result = libvirt_qemu.qemuAgentCommand(dom, text, wait, 0)
    if result is None:  # the binding reports a failure by returning None
        raise libvirt.libvirtError("virDomainQemuAgentCommand() failed")
    if pretty:
        result = _pretty_json(result) or result
    s.print(f"{result}\n")
    return True


# ---------------------------------------------------------------------------
# ttyconsole


@command(
    "ttyconsole",
    summary="tty console",
    description="Output the device for the TTY console.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
def ttyconsole(s: Session, domain: str) -> bool:
    dom = lookup.domain(s, domain, cmd="ttyconsole")
    root = domain_xml(dom)
    tty = str(root.xpath("string(/domain/devices/console/@tty)"))
    if not tty:
        return False  # virsh fails silently without a tty console
    s.print(f"{tty}\n")
    return True


# ---------------------------------------------------------------------------
# dom-fd-associate


@command(
    "dom-fd-associate",
    summary="associate a FD with a domain",
    description="associate a FD with a domain",
    group=GROUP,
)
@domain_option()
@option("name", OptKind.DATA, "name of the FD group", required=True, completer=complete_empty)
@option(
    "pass-fds",
    OptKind.DATA,
    "file descriptors N,M,... to associate",
    required=True,
    completer=complete_empty,
)
@option(
    "seclabel-writable",
    OptKind.BOOL,
    "use seclabels allowing writes",
    flag=L.VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_WRITABLE,
)
@option(
    "seclabel-restore",
    OptKind.BOOL,
    "try to restore security label after use if possible",
    flag=L.VIR_DOMAIN_FD_ASSOCIATE_SECLABEL_RESTORE,
)
def dom_fd_associate(
    s: Session,
    domain: str,
    name: str,
    pass_fds: str,
    seclabel_writable: bool,
    seclabel_restore: bool,
) -> bool:
    flags = option_flags()
    dom = lookup.domain(s, domain, cmd="dom-fd-associate")
    group = s.text(name, "name")
    fds = fetch_pass_fds(pass_fds)
    dom.FDAssociate(group, fds, flags)
    return True
