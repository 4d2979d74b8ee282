"""network commands (tools/virsh-network.c).

In virsh's help order: net-autostart, net-create, net-define, net-destroy,
net-dhcp-leases, net-dumpxml, net-edit, net-event, net-info, net-list,
net-name, net-start, net-undefine, net-update, net-uuid, net-port-list,
net-port-create, net-port-dumpxml, net-port-delete.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libvirt

from vsh.commands.common import (
    Decorator,
    event_wait_options,
    file_option,
    json_text,
    table_text,
    timestamp_option,
    validate_option,
    xpath_options,
)
from vsh.commands.objects import (
    act,
    edit_definition,
    flagged,
    from_file,
    object_events,
    set_autostart,
)
from vsh.completion.cache import depends_on
from vsh.completion.providers import dhcp_lease_macs, network_names, network_on_line
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.session import DEBUG, INFO, Session
from vsh.virt import lookup
from vsh.virt.eventwait import stamped
from vsh.virt.failing import failing

GROUP = "network"

L = libvirt

ACTIVE = L.VIR_CONNECT_LIST_NETWORKS_ACTIVE
INACTIVE = L.VIR_CONNECT_LIST_NETWORKS_INACTIVE
PERSISTENT = L.VIR_CONNECT_LIST_NETWORKS_PERSISTENT
TRANSIENT = L.VIR_CONNECT_LIST_NETWORKS_TRANSIENT
AUTOSTART = L.VIR_CONNECT_LIST_NETWORKS_AUTOSTART
NO_AUTOSTART = L.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART
FILTERS_ACTIVE = ACTIVE | INACTIVE
FILTERS_PERSISTENT = PERSISTENT | TRANSIENT
FILTERS_AUTOSTART = AUTOSTART | NO_AUTOSTART
_DOC = "(network_definition)"  # libvirt's name for the XML in its parse errors


def _kv(label: str, value: str) -> str:
    pad = 15 - len(label.encode())
    return f"{label}{' ' * max(pad, 0)} {value}\n"


def _network_option(help_text: str = "network name or uuid", flags: int = 0) -> Decorator:
    return option(
        "network",
        OptKind.DATA,
        help_text,
        required=True,
        completer=network_names,
        completer_flags=flags,
    )


def _c_bool(call: Any) -> int:
    """A libvirt int-returning call as C sees it: -1 when it fails."""
    try:
        return int(call())
    except libvirt.libvirtError:
        return -1


def _autostart(net: libvirt.virNetwork) -> int:
    return _c_bool(net.autostart)


# ---------------------------------------------------------------------------


@command(
    "net-autostart",
    summary="autostart a network",
    description="Configure a network to be automatically started at boot.",
    group=GROUP,
)
@_network_option(flags=PERSISTENT)
@option("disable", OptKind.BOOL, "disable autostarting")
def net_autostart(s: Session, network: str, disable: bool) -> bool:
    net = lookup.network(s, network, cmd="net-autostart")
    failed = f"failed to {{verb}} network {network} as autostarted"
    return set_autostart(s, net, disable, failed, f"Network {network} {{verb}} as autostarted")


@command(
    "net-create",
    summary="create a network from an XML file",
    description="Create a network.",
    group=GROUP,
)
@file_option("file containing an XML network description")
@validate_option(L.VIR_NETWORK_CREATE_VALIDATE)
def net_create(s: Session, file: str, validate: bool) -> bool:
    conn = s.conn
    call = flagged(conn.networkCreateXML, conn.networkCreateXMLFlags, option_flags())
    from_file(s, file, "network", "create", call, docname=_DOC)
    return True


@command(
    "net-define",
    summary=(
        "define an inactive persistent virtual network or modify "
        "an existing persistent one from an XML file"
    ),
    description="Define or modify a persistent virtual network.",
    group=GROUP,
)
@file_option("file containing an XML network description")
@validate_option(L.VIR_NETWORK_DEFINE_VALIDATE)
def net_define(s: Session, file: str, validate: bool) -> bool:
    conn = s.conn
    call = flagged(conn.networkDefineXML, conn.networkDefineXMLFlags, option_flags())
    from_file(s, file, "network", "define", call, docname=_DOC)
    return True


@command(
    "net-destroy",
    summary="destroy (stop) a network",
    description="Forcefully stop a given network.",
    group=GROUP,
)
@_network_option(flags=ACTIVE)
def net_destroy(s: Session, network: str) -> bool:
    net = lookup.network(s, network, cmd="net-destroy")
    failed = f"Failed to destroy network {network}"
    return act(net, s, lambda n: n.destroy(), failed, f"Network {network} destroyed")


def leases_data(leases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The leases in virsh's order (vshStrcasecmp on the MAC), as JSON rows."""
    from vsh.output.text import to_c_bytes

    def key(lease: dict[str, Any]) -> bytes:
        return to_c_bytes(lease.get("mac") or "").lower()

    rows = []
    for lease in sorted(leases, key=key):
        kind = lease.get("type")
        rows.append(
            {
                "expiry_time": lease.get("expirytime", 0),
                "mac": lease.get("mac"),
                "protocol": {L.VIR_IP_ADDR_TYPE_IPV4: "ipv4", L.VIR_IP_ADDR_TYPE_IPV6: "ipv6"}.get(
                    kind
                ),
                "ip_address": lease.get("ipaddr"),
                "prefix": lease.get("prefix", 0),
                "hostname": lease.get("hostname"),
                "client_id": lease.get("clientid"),
            }
        )
    return rows


def _local_time(epoch: int) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


NET_DHCP_LEASES_JSON = shape(
    array_of(
        object_of(
            prop(
                "expiry_time",
                INT,
                doc="seconds since the epoch (virsh prints it as local time)",
            ),
            prop("mac", STR, NULL),
            prop("protocol", choice("ipv4", "ipv6"), NULL),
            prop("ip_address", STR, NULL),
            prop("prefix", INT),
            prop("hostname", STR, NULL),
            prop("client_id", STR, NULL),
        )
    ),
    doc="Sorted by MAC like virsh's table.",
)


@command(
    "net-dhcp-leases",
    summary="print lease info for a given network",
    description="Print lease info for a given network",
    group=GROUP,
    json=NET_DHCP_LEASES_JSON,
)
@_network_option(flags=ACTIVE)
@option("mac", OptKind.STRING, "MAC address", completer=dhcp_lease_macs)
@option("json", OptKind.BOOL, "print the leases as JSON", extension=True)
def net_dhcp_leases(s: Session, network: str, mac: str | None, json: bool) -> bool:
    mac = s.text(mac, "mac")
    net = lookup.network(s, network, cmd="net-dhcp-leases")
    with failing(f"Failed to get leases info for {network}"):
        leases = net.DHCPLeases(mac, 0)
    rows = leases_data(leases)
    if json or s.settings.json:
        s.print(json_text(rows))
        return True

    def minus(value: object) -> str:
        return "-" if value is None else str(value)

    table = [
        [
            _local_time(r["expiry_time"]),
            minus(r["mac"]),
            minus(r["protocol"]),
            f"{r['ip_address'] if r['ip_address'] is not None else '(null)'}/{r['prefix']}",
            minus(r["hostname"]),
            minus(r["client_id"]),
        ]
        for r in rows
    ]
    header = ["Expiry Time", "MAC address", "Protocol", "IP address", "Hostname"]
    s.print(table_text(s, [*header, "Client ID or DUID"], table))
    return True


@command(
    "net-dumpxml",
    summary="network information in XML",
    description="Output the network information as an XML dump to stdout.",
    group=GROUP,
)
@_network_option()
@option("inactive", OptKind.BOOL, "show inactive defined XML")
@xpath_options
def net_dumpxml(s: Session, network: str, inactive: bool, xpath: str | None, wrap: bool) -> bool:
    net = lookup.network(s, network, cmd="net-dumpxml")
    if xpath == "":
        return False
    xml = net.XMLDesc(L.VIR_NETWORK_XML_INACTIVE if inactive else 0)
    from vsh.virt import xpathdump

    xpathdump.dump(s.print, xml, "network", xpath, wrap)
    return True


def info_data(s: Session, net: libvirt.virNetwork) -> dict[str, Any]:
    """What cmdNetworkInfo learns; a failed call leaves its key null."""
    data: dict[str, Any] = {"name": net.name()}
    try:
        data["uuid"] = net.UUIDString()
    except libvirt.libvirtError:
        data["uuid"] = None
    active = _c_bool(net.isActive)
    data["active"] = None if active < 0 else bool(active)
    persistent = _c_bool(net.isPersistent)
    data["persistent"] = None if persistent < 0 else bool(persistent)
    autostart = _autostart(net)
    data["autostart"] = None if autostart < 0 else bool(autostart)
    try:
        data["bridge"] = net.bridgeName()
    except libvirt.libvirtError as err:
        data["bridge"] = None
        s.last_error = err
    return data


NET_INFO_JSON = shape(
    object_of(
        prop("name", STR),
        prop("uuid", STR, NULL),
        prop("active", BOOL, NULL),
        prop("persistent", BOOL, NULL),
        prop("autostart", BOOL, NULL),
        prop("bridge", STR, NULL),
    ),
    doc='Null where the call failed (virsh leaves the line out or prints "unknown").',
)


@command(
    "net-info",
    summary="network information",
    description="Returns basic information about the network",
    group=GROUP,
    json=NET_INFO_JSON,
)
@_network_option()
@option("json", OptKind.BOOL, "print the information as JSON", extension=True)
def net_info(s: Session, network: str, json: bool) -> bool:
    net = lookup.network(s, network, cmd="net-info")
    data = info_data(s, net)
    if json or s.settings.json:
        s.print(json_text(data))
        return True

    def yes_no(value: bool | None, unknown: str) -> str:
        return unknown if value is None else ("yes" if value else "no")

    out = [_kv("Name:", data["name"])]
    if data["uuid"] is not None:
        out.append(_kv("UUID:", data["uuid"]))
    if data["active"] is not None:
        out.append(_kv("Active:", yes_no(data["active"], "")))
    out.append(_kv("Persistent:", yes_no(data["persistent"], "unknown")))
    out.append(_kv("Autostart:", yes_no(data["autostart"], "no autostart")))
    if data["bridge"] is not None:
        out.append(_kv("Bridge:", data["bridge"]))
    s.print("".join(out))
    return True


def collect(s: Session, flags: int) -> list[libvirt.virNetwork]:
    """virshNetworkListCollect: the networks ``flags`` selects, sorted by name."""
    conn = s.conn
    try:
        nets = conn.listAllNetworks(flags)
    except libvirt.libvirtError as err:
        code = err.get_error_code()
        if code == L.VIR_ERR_NO_SUPPORT:
            nets = _collect_old(s, flags)
        elif code == L.VIR_ERR_INVALID_ARG:
            with failing("Failed to list networks"):
                nets = conn.listAllNetworks(flags & FILTERS_ACTIVE)
            nets = _filter(nets, flags)
        else:
            raise VshError("Failed to list networks", cause=err) from err
    from vsh.output.text import to_c_bytes

    return sorted(nets, key=lambda n: to_c_bytes(n.name()).lower())


def _collect_old(s: Session, flags: int) -> list[libvirt.virNetwork]:
    """The fallback for servers without virConnectListAllNetworks."""
    conn = s.conn
    names: list[str] = []
    want_active = not flags & FILTERS_ACTIVE or flags & ACTIVE
    want_inactive = not flags & FILTERS_ACTIVE or flags & INACTIVE
    with failing("Failed to get the number of active networks"):
        if want_active:
            names += conn.listNetworks()
    with failing("Failed to get the number of inactive networks"):
        if want_inactive:
            names += conn.listDefinedNetworks()
    nets = []
    for name in names:
        try:
            nets.append(conn.networkLookupByName(name))
        except libvirt.libvirtError:
            continue
    return _filter(nets, flags)


def _filter(nets: list[libvirt.virNetwork], flags: int) -> list[libvirt.virNetwork]:
    kept = []
    for net in nets:
        if flags & FILTERS_PERSISTENT:
            persistent = _c_bool(net.isPersistent)
            if persistent < 0:
                raise VshError("Failed to get network persistence info")
            if not ((flags & PERSISTENT and persistent) or (flags & TRANSIENT and not persistent)):
                continue
        if flags & FILTERS_AUTOSTART:
            autostart = _autostart(net)
            if autostart < 0:
                raise VshError("Failed to get network autostart state")
            if not ((flags & AUTOSTART and autostart) or (flags & NO_AUTOSTART and not autostart)):
                continue
        kept.append(net)
    return kept


NET_LIST_JSON = shape(
    array_of(
        object_of(
            prop("name", STR),
            prop("uuid", STR),
            prop("active", BOOL),
            prop(
                "autostart",
                BOOL,
                NULL,
                doc='null where virsh prints "no autostart" (not readable)',
            ),
            prop("persistent", BOOL),
        )
    ),
    doc="""In virsh's order (names, ASCII case ignored); the filters apply, --name/--uuid/--table do
    not.""",
)


@command(
    "net-list",
    summary="list networks",
    description="Returns list of networks.",
    group=GROUP,
    json=NET_LIST_JSON,
)
@option("inactive", OptKind.BOOL, "list inactive networks")
@option("all", OptKind.BOOL, "list inactive & active networks")
@option("persistent", OptKind.BOOL, "list persistent networks")
@option("transient", OptKind.BOOL, "list transient networks")
@option("autostart", OptKind.BOOL, "list networks with autostart enabled")
@option("no-autostart", OptKind.BOOL, "list networks with autostart disabled")
@option("uuid", OptKind.BOOL, "list uuid's only")
@option("name", OptKind.BOOL, "list network names only")
@option("table", OptKind.BOOL, "list table (default)")
@option("json", OptKind.BOOL, "print the networks as JSON", extension=True)
def net_list(
    s: Session,
    inactive: bool,
    all: bool,
    persistent: bool,
    transient: bool,
    autostart: bool,
    no_autostart: bool,
    uuid: bool,
    name: bool,
    table: bool,
    json: bool,
) -> bool:
    flags = ACTIVE
    if inactive:
        flags = INACTIVE
    if all:
        flags = ACTIVE | INACTIVE
    for wanted, bit in (
        (persistent, PERSISTENT),
        (transient, TRANSIENT),
        (autostart, AUTOSTART),
        (no_autostart, NO_AUTOSTART),
    ):
        if wanted:
            flags |= bit
    if table + name + uuid > 1:
        raise VshError("Only one argument from --table, --name and --uuid may be specified.")
    nets = collect(s, flags)
    if json or s.settings.json:
        rows = []
        for net in nets:
            auto = _autostart(net)
            rows.append(
                {
                    "name": net.name(),
                    "uuid": net.UUIDString(),
                    "active": _c_bool(net.isActive) != 0,
                    "autostart": None if auto < 0 else bool(auto),
                    "persistent": _c_bool(net.isPersistent) != 0,
                }
            )
        s.print(json_text(rows))
        return True
    if uuid:
        out = []
        for net in nets:
            try:
                out.append(net.UUIDString() + "\n")
            except libvirt.libvirtError as err:
                s.print("".join(out))
                raise VshError("Failed to get network's UUID", cause=err) from err
        s.print("".join(out))
        return True
    if name:
        s.print("".join(f"{net.name()}\n" for net in nets))
        return True
    rows_text = []
    for net in nets:
        auto = _autostart(net)
        rows_text.append(
            [
                net.name(),
                "active" if _c_bool(net.isActive) else "inactive",
                "no autostart" if auto < 0 else ("yes" if auto else "no"),
                "yes" if _c_bool(net.isPersistent) else "no",
            ]
        )
    s.print(table_text(s, ["Name", "State", "Autostart", "Persistent"], rows_text))
    return True


def _network_uuids(s: Session, flags: int = 0) -> list[str]:
    """virshNetworkUUIDCompleter."""
    try:
        conn = s.connection.current
        if conn is None or conn.isAlive() <= 0:
            return []
        return [net.UUIDString() for net in conn.listAllNetworks(flags)]
    except Exception:  # completion never fails
        return []


@command(
    "net-name",
    summary="convert a network UUID to network name",
    description="",
    group=GROUP,
)
@option("network", OptKind.DATA, "network uuid", required=True, completer=_network_uuids)
def net_name(s: Session, network: str) -> bool:
    net = lookup.network(s, network, lookup.BY_UUID, cmd="net-name")
    s.print(f"{net.name()}\n")
    return True


@command(
    "net-start",
    summary="start a (previously defined) inactive network",
    description="Start a network.",
    group=GROUP,
)
@_network_option(flags=INACTIVE)
def net_start(s: Session, network: str) -> bool:
    net = lookup.network(s, network, cmd="net-start")
    failed = f"Failed to start network {network}"
    return act(net, s, lambda n: n.create(), failed, f"Network {network} started")


@command(
    "net-undefine",
    summary="undefine a persistent network",
    description="Undefine the configuration for a persistent network.",
    group=GROUP,
)
@_network_option(flags=PERSISTENT)
def net_undefine(s: Session, network: str) -> bool:
    net = lookup.network(s, network, cmd="net-undefine")
    failed = f"Failed to undefine network {network}"
    return act(net, s, lambda n: n.undefine(), failed, f"Network {network} has been undefined")


@command(
    "net-uuid",
    summary="convert a network name to network UUID",
    description="",
    group=GROUP,
)
@_network_option("network name")
def net_uuid(s: Session, network: str) -> bool:
    net = lookup.network(s, network, lookup.BY_NAME, cmd="net-uuid")
    try:
        s.print(f"{net.UUIDString()}\n")
    except libvirt.libvirtError as err:
        s.last_error = err
        s.error("failed to get network UUID")
    return True


# ---------------------------------------------------------------------------
# net-edit, net-update


@command(
    "net-edit",
    summary="edit XML configuration for a network",
    description="Edit the XML configuration for a network.",
    group=GROUP,
)
@_network_option()
def net_edit(s: Session, network: str) -> bool:

    net = lookup.network(s, network, cmd="net-edit")

    def get_xml() -> str:
        # virshNetworkGetXMLDesc: the inactive XML, or the only one a server
        # refusing the flag (VIR_ERR_INVALID_ARG) has.
        try:
            return str(net.XMLDesc(L.VIR_NETWORK_XML_INACTIVE))
        except libvirt.libvirtError as err:
            if err.get_error_code() != L.VIR_ERR_INVALID_ARG:
                raise
            return str(net.XMLDesc(0))

    return edit_definition(
        s,
        lambda name: f"Network {name}",
        net.name(),
        get_xml,
        s.conn.networkDefineXML,
    )


# virshNetworkUpdateCommand and virshNetworkSection: the words' positions are
# libvirt's VIR_NETWORK_UPDATE_COMMAND_* and VIR_NETWORK_SECTION_* numbers;
# 0 ("none") is not accepted.
UPDATE_COMMANDS = ("none", "modify", "delete", "add-last", "add-first")
UPDATE_SECTIONS = (
    *("none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward"),
    *("forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv"),
)
_UPDATE_DOC = "network_update_xml"  # libvirt's name for the XML in its parse errors
_PORT_DOC = "(networkport_definition)"


def _as_utf8(call: Any, text: str, docname: str, failed: str) -> Any:
    """``call(text)``, for XML the server parses after its own checks; a
    failure is ``error: <failed>`` and libvirt's reason.

    Python cannot hand libvirt text that is not UTF-8 (bytes read from a file
    arrive as surrogates); libvirt would parse it and fail.  Such text goes as
    a document that fails to parse, so the checks before the parse (no such
    driver call, an inactive network) still speak first, and libvirt's parse
    error is then replaced by the one the real bytes get.
    """
    from vsh.virt.domxml import utf8_problem

    problem = utf8_problem(text, docname)
    with failing(failed):
        if problem is None:
            return call(text)
        try:
            call("<")
        except libvirt.libvirtError as err:
            if err.get_error_code() not in (L.VIR_ERR_XML_DETAIL, L.VIR_ERR_XML_ERROR):
                raise
    raise VshError(failed, problem)


def _update_commands(_s: Session, _flags: int = 0) -> list[str]:
    """virshNetworkUpdateCommandCompleter: "add" stands in for "none"."""
    return ["add", *UPDATE_COMMANDS[1:]]


def _update_sections(_s: Session, _flags: int = 0) -> list[str]:
    """virshNetworkUpdateSectionCompleter."""
    return list(UPDATE_SECTIONS[1:])


@command(
    "net-update",
    summary="update parts of an existing network's configuration",
    description="",
    group=GROUP,
    exclusive=(("current", "live"), ("current", "config")),
)
@_network_option()
@option(
    "command",
    OptKind.DATA,
    "type of update (add-first, add-last (add), delete, or modify)",
    required=True,
    completer=_update_commands,
)
@option(
    "section",
    OptKind.DATA,
    "which section of network configuration to update",
    required=True,
    completer=_update_sections,
)
@option(
    "xml",
    OptKind.DATA,
    "name of file containing xml (or, if it starts with '<', the complete xml element "
    "itself) to add/modify, or to be matched for search",
    required=True,
    value_kind="file",
)
@option("parent-index", OptKind.INT, "which parent object to search through")
@option("config", OptKind.BOOL, "affect next network startup")
@option("live", OptKind.BOOL, "affect running network")
@option("current", OptKind.BOOL, "affect current state of network")
def net_update(
    s: Session,
    network: str,
    command: str,
    section: str,
    xml: str,
    parent_index: str | None,
    config: bool,
    live: bool,
    current: bool,
) -> bool:
    from vsh.commands.common import opt_int
    from vsh.core.vshutil import read_file_all

    net = lookup.network(s, network, cmd="net-update")
    word = s.text(command, "command")
    if word == "add":
        number = UPDATE_COMMANDS.index("add-last")
    elif word in UPDATE_COMMANDS[1:]:
        number = UPDATE_COMMANDS.index(word)
    else:
        raise VshError(f"unrecognized command name '{word}'")
    where = s.text(section, "section")
    if where not in UPDATE_SECTIONS[1:]:
        raise VshError(f"unrecognized section name '{where}'")
    index = opt_int(parent_index, "parent-index")
    text = s.text(xml, "xml")
    assert text is not None
    if not text.startswith("<"):
        text = read_file_all(text)
    flags = L.VIR_NETWORK_UPDATE_AFFECT_CURRENT
    if config:
        flags |= L.VIR_NETWORK_UPDATE_AFFECT_CONFIG
    if live:
        flags |= L.VIR_NETWORK_UPDATE_AFFECT_LIVE
    name = net.name()
    parent = -1 if index is None else index
    _as_utf8(
        lambda doc: net.update(number, UPDATE_SECTIONS.index(where), parent, doc, flags),
        text,
        _UPDATE_DOC,
        f"Failed to update network {name}",
    )
    # virsh prints these without a newline.
    if config:
        done = "persistent config and live state" if live else "persistent config"
    elif live or _c_bool(net.isActive):  # C: an error (-1) counts as active
        done = "live state"
    else:
        done = "persistent config"
    s.print_extra(f"Updated network {name} {done}")
    return True


# ---------------------------------------------------------------------------
# net-event

# virshNetworkEvent: VIR_NETWORK_EVENT_* in order.
_NET_EVENTS = ("Defined", "Undefined", "Started", "Stopped")
# virshNetworkEventCallbacks, in VIR_NETWORK_EVENT_ID_* order.
NET_EVENT_NAMES = ("lifecycle",)


def _net_event_names(_s: Session, _flags: int = 0) -> list[str]:
    """virshNetworkEventNameCompleter."""
    return list(NET_EVENT_NAMES)


def _net_forward(events: Any, _name: str) -> Callable[..., None]:
    """The libvirt callback of net-event's one event type, lifecycle."""

    def lifecycle(_conn: Any, cb_net: Any, kind: int, _detail: int, _opaque: Any) -> None:
        what = _NET_EVENTS[kind] if 0 <= kind < len(_NET_EVENTS) else "unknown"
        line = f"event 'lifecycle' for network {cb_net.name()}: {what}\n"
        events.deliver(lambda stamp: stamped(stamp, line))

    return lifecycle


@command(
    "net-event",
    summary="Network Events",
    description="List event types, or wait for network events to occur",
    group=GROUP,
)
@option("network", OptKind.STRING, "filter by network name or uuid", completer=network_names)
@option("event", OptKind.STRING, "which event type to wait for", completer=_net_event_names)
@event_wait_options
@option("list", OptKind.BOOL, "list valid event types")
@timestamp_option
def net_event(
    s: Session,
    network: str | None,
    event: str | None,
    loop: bool,
    timeout: str | None,
    list: bool,  # virsh's option name
    timestamp: bool,
) -> bool:
    conn = s.conn
    return object_events(
        s,
        names=NET_EVENT_NAMES,
        event=event,
        list_only=list,
        timeout=timeout,
        loop=loop,
        timestamp=timestamp,
        find=None if network is None else lambda: lookup.network(s, network, cmd="net-event"),
        lenient_lookup=True,
        register=lambda obj, index, cb: conn.networkEventRegisterAny(obj, index, cb, None),
        deregister=conn.networkEventDeregisterAny,
        callback=_net_forward,
    )


# ---------------------------------------------------------------------------
# network ports


def _port_option(func: Any) -> Any:
    """VIRSH_COMMON_OPT_NETWORK_PORT: the required <port> UUID."""
    return option("port", OptKind.DATA, "port UUID", required=True, completer=_port_uuids)(func)


@depends_on("network")
def _port_uuids(s: Session, flags: int = 0, values: Any = None) -> list[str]:
    """virshNetworkPortUUIDCompleter: the ports of the network on the line."""
    from vsh.completion import providers

    net = network_on_line(s, values or {})
    if net is None:
        return []
    if providers.lookup_errors.get() is not None:
        # virsh's completer never frees the network it looked up: the
        # ``complete`` command reproduces the leak report at disconnect.
        _leak(s, net)
    try:
        return [port.UUIDString() for port in net.listAllPorts(flags)]
    except libvirt.libvirtError as err:
        providers.keep(err)
        return []


# Objects virsh never frees (net-port-dumpxml's port, the port completer's
# network); kept for the life of the process.
_LEAKED: list[Any] = []


def _leak(s: Session, obj: Any) -> None:
    """virsh's net-port-dumpxml --xpath '' returns without freeing the port
    (and its port completer never frees the network): the reference keeps
    the connection's count up, so closing the connection (``connect``, or
    virsh's exit) reports "One or more references were leaked".  vsh keeps
    the object, and closes the connection at exit itself if it is still open
    then, as virsh does."""
    import atexit

    conn = s.connection.current
    if not _LEAKED:

        def close_at_exit() -> None:
            if s.connection.current is conn:
                s.connection.close()

        atexit.register(close_at_exit)
    _LEAKED.append(obj)


def _quiet_lookup(s: Session, find: Any) -> Any:
    """A look-up whose failure virsh reports with its own line only: the
    port commands whose status stays 0 on every failure (their ``ret``
    starts true) never get to print libvirt's reason."""
    try:
        return find()
    except VshError as err:
        for message in err.messages:
            s.error(message)
        return None


def _port(s: Session, net: libvirt.virNetwork, port: str, cmd: str) -> Any:
    """virshCommandOptNetworkPort: the port by UUID, or virsh's error."""
    uuid = s.text(port, "port")
    s.debug(INFO, f"{cmd}: found option <port>: {uuid}\n")
    s.debug(DEBUG, f"{cmd}: <port> trying as network UUID\n")
    try:
        return net.portLookupByUUIDString(uuid)
    except libvirt.libvirtError as err:
        raise VshError(f"failed to get network port '{uuid}'", cause=err) from None


@command(
    "net-port-create",
    summary="create a network port from an XML file",
    description="Create a network port.",
    group=GROUP,
)
@_network_option(flags=ACTIVE)
@file_option("file containing an XML network port description")
@validate_option(L.VIR_NETWORK_PORT_CREATE_VALIDATE)
def net_port_create(s: Session, network: str, file: str, validate: bool) -> bool:
    from vsh.commands.objects import read_xml

    net = lookup.network(s, network, cmd="net-port-create")
    path, xml = read_xml(s, file)
    failed = f"Failed to create network from {path}"  # sic: virsh's words
    flags = option_flags()
    port = _as_utf8(lambda doc: net.portCreateXML(doc, flags), xml, _PORT_DOC, failed)
    s.print_extra(f"Network port {port.UUIDString()} created from {path}\n")
    return True


@command(
    "net-port-dumpxml",
    summary="network port information in XML",
    description="Output the network port information as an XML dump to stdout.",
    group=GROUP,
)
@_network_option(flags=ACTIVE)
@_port_option
@xpath_options
def net_port_dumpxml(s: Session, network: str, port: str, xpath: str | None, wrap: bool) -> bool:
    from vsh.virt import xpathdump

    net = _quiet_lookup(s, lambda: lookup.network(s, network, cmd="net-port-dumpxml"))
    if net is None:
        return True
    found = _quiet_lookup(s, lambda: _port(s, net, port, "net-port-dumpxml"))
    if found is None:
        return True
    if xpath == "":
        _leak(s, found)
        return False
    try:
        xml = found.XMLDesc(0)
    except libvirt.libvirtError:
        return True  # virsh's status stays 0 and its error unreported
    xpathdump.dump(s.print, xml, "network-port", xpath, wrap)
    return True


@command(
    "net-port-delete",
    summary="delete the specified network port",
    description="Delete the specified network port.",
    group=GROUP,
)
@_network_option(flags=ACTIVE)
@_port_option
def net_port_delete(s: Session, network: str, port: str) -> bool:
    # virsh's status is 0 whatever fails here; only its own lines are shown.
    net = _quiet_lookup(s, lambda: lookup.network(s, network, cmd="net-port-delete"))
    if net is None:
        return True
    found = _quiet_lookup(s, lambda: _port(s, net, port, "net-port-delete"))
    if found is None:
        return True
    try:
        uuid = found.UUIDString()
    except libvirt.libvirtError:
        return True
    try:
        found.delete(0)
    except libvirt.libvirtError:
        s.error(f"Failed to delete network port {uuid}")
        return True
    s.print_extra(f"Network port {uuid} deleted\n")
    return True


NET_PORT_LIST_JSON = shape(
    array_of(object_of(prop("uuid", STR))),
    doc="The network's ports in virsh's order (by UUID); --uuid and --table do not apply.",
)


@command(
    "net-port-list",
    summary="list network ports",
    description="Returns list of network ports.",
    group=GROUP,
    json=NET_PORT_LIST_JSON,
)
@_network_option(flags=ACTIVE)
@option("uuid", OptKind.BOOL, "list uuid's only")
@option("table", OptKind.BOOL, "list table (default)")
@option("json", OptKind.BOOL, "print the ports as JSON", extension=True)
def net_port_list(s: Session, network: str, uuid: bool, table: bool, json: bool) -> bool:
    if table + uuid > 1:
        raise VshError("Only one argument from --table and --uuid may be specified.")
    net = lookup.network(s, network, cmd="net-port-list")
    ports = net.listAllPorts(0)
    uuids: list[str] = []
    for port in ports:
        try:
            uuids.append(port.UUIDString())
        except libvirt.libvirtError as err:
            raise VshError("Failed to get network's UUID", cause=err) from err
    # virsh sorts by the 16 UUID bytes: the same order as the hex strings.
    uuids.sort()
    if json or s.settings.json:
        s.print(json_text([{"uuid": u} for u in uuids]))
    elif uuid:
        s.print("".join(f"{u}\n" for u in uuids))
    else:
        s.print(table_text(s, ["UUID"], [[u] for u in uuids]))
    return True
