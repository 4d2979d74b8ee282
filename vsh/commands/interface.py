"""interface commands (tools/virsh-interface.c).

In virsh's help order: iface-begin, iface-bridge, iface-commit, iface-define,
iface-destroy, iface-dumpxml, iface-edit, iface-list, iface-mac, iface-name,
iface-rollback, iface-start, iface-unbridge, iface-undefine.
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import Decorator, file_option, opt_uint, validate_option, xpath_options
from vsh.commands.objects import act, edit_definition, from_file
from vsh.completion.providers import interface_macs, interface_names
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, STR, array_of, object_of, prop, shape
from vsh.core.session import Session
from vsh.virt import lookup
from vsh.virt.failing import failing

GROUP = "interface"

L = libvirt
ACTIVE = L.VIR_CONNECT_LIST_INTERFACES_ACTIVE
INACTIVE = L.VIR_CONNECT_LIST_INTERFACES_INACTIVE
XML_INACTIVE = L.VIR_INTERFACE_XML_INACTIVE


def _interface_option(flags: int = 0) -> Decorator:
    """VIRSH_COMMON_OPT_INTERFACE(flags): the required <interface>, a name or a MAC."""
    return option(
        "interface",
        OptKind.DATA,
        "interface name or MAC address",
        required=True,
        completer=interface_names,
        completer_flags=flags,
    )


@command(
    "iface-dumpxml",
    summary="interface information in XML",
    description="Output the physical host interface information as an XML dump to stdout.",
    group=GROUP,
)
@_interface_option()
@option("inactive", OptKind.BOOL, "show inactive defined XML")
@xpath_options
def iface_dumpxml(
    s: Session, interface: str, inactive: bool, xpath: str | None, wrap: bool
) -> bool:
    iface = lookup.interface(s, interface, cmd="iface-dumpxml")
    if xpath == "":
        return False
    xml = iface.XMLDesc(L.VIR_INTERFACE_XML_INACTIVE if inactive else 0)
    from vsh.virt import xpathdump

    xpathdump.dump(s.print, xml, "interface", xpath, wrap)
    return True


def collect(s: Session, flags: int) -> list[libvirt.virInterface]:
    """virshInterfaceListCollect: the interfaces ``flags`` selects, by name."""
    conn = s.conn
    try:
        ifaces = conn.listAllInterfaces(flags)
    except libvirt.libvirtError as err:
        if err.get_error_code() != L.VIR_ERR_NO_SUPPORT:
            raise VshError("Failed to list interfaces", cause=err) from err
        ifaces = _collect_old(s, flags)
    from vsh.output.text import to_c_bytes

    return sorted(ifaces, key=lambda i: to_c_bytes(i.name()).lower())


def _collect_old(s: Session, flags: int) -> list[libvirt.virInterface]:
    """The fallback for servers without virConnectListAllInterfaces."""
    conn = s.conn
    names: list[str] = []
    if flags & ACTIVE:
        with failing("Failed to list active interfaces"):
            names += conn.listInterfaces()
    if flags & INACTIVE:
        with failing("Failed to list inactive interfaces"):
            names += conn.listDefinedInterfaces()
    found = []
    for name in names:
        try:
            found.append(conn.interfaceLookupByName(name))
        except libvirt.libvirtError:
            continue
    return found


def _is_active(iface: libvirt.virInterface) -> bool:
    try:
        return bool(iface.isActive())
    except libvirt.libvirtError:
        return True  # C: -1 is true


IFACE_LIST_JSON = shape(
    array_of(object_of(prop("name", STR), prop("active", BOOL), prop("mac", STR))),
    doc="In virsh's order (names, ASCII case ignored), the filters applied.",
)


@command(
    "iface-list",
    summary="list physical host interfaces",
    description="Returns list of physical host interfaces.",
    group=GROUP,
    exclusive=(("all", "inactive"),),
    json=IFACE_LIST_JSON,
)
@option("inactive", OptKind.BOOL, "list inactive interfaces")
@option("all", OptKind.BOOL, "list inactive & active interfaces")
@option("json", OptKind.BOOL, "print the interfaces as JSON", extension=True)
def iface_list(s: Session, inactive: bool, all: bool, json: bool) -> bool:
    flags = ACTIVE
    if inactive:
        flags = INACTIVE
    if all:
        flags = INACTIVE | ACTIVE
    ifaces = collect(s, flags)
    rows: list[dict[str, Any]] = [
        {"name": i.name(), "active": _is_active(i), "mac": i.MACString()} for i in ifaces
    ]
    if json or s.settings.json:
        from vsh.output.jsonout import render_json

        s.print(render_json(rows))
        return True
    from vsh.output.table import render_table
    from vsh.output.text import locale_is_utf8

    table = [[r["name"], "active" if r["active"] else "inactive", r["mac"]] for r in rows]
    s.print(
        render_table(
            ["Name", "State", "MAC Address"],
            table,
            header_shown=not s.settings.quiet,
            utf8=locale_is_utf8(),
        )
    )
    return True


# ---------------------------------------------------------------------------
# define, undefine, start, destroy, edit


@command(
    "iface-define",
    summary=(
        "define an inactive persistent physical host interface or "
        "modify an existing persistent one from an XML file"
    ),
    description="Define or modify a persistent physical host interface.",
    group=GROUP,
)
@file_option("file containing an XML interface description")
@validate_option(L.VIR_INTERFACE_DEFINE_VALIDATE)
def iface_define(s: Session, file: str, validate: bool) -> bool:
    flags = option_flags()
    conn = s.conn

    def define(xml: str) -> libvirt.virInterface:
        return conn.interfaceDefineXML(xml, flags)

    from_file(s, file, "interface", "define", define, docname="(interface_definition)")
    return True


@command(
    "iface-undefine",
    summary="undefine a physical host interface (remove it from configuration)",
    description="undefine an interface.",
    group=GROUP,
)
@_interface_option()
def iface_undefine(s: Session, interface: str) -> bool:
    iface = lookup.interface(s, interface, cmd="iface-undefine")
    failed = f"Failed to undefine interface {interface}"
    return act(iface, s, lambda i: i.undefine(), failed, f"Interface {interface} undefined")


@command(
    "iface-start",
    summary='start a physical host interface (enable it / "if-up")',
    description="start a physical host interface.",
    group=GROUP,
)
@_interface_option(INACTIVE)
def iface_start(s: Session, interface: str) -> bool:
    iface = lookup.interface(s, interface, cmd="iface-start")
    failed = f"Failed to start interface {interface}"
    return act(iface, s, lambda i: i.create(0), failed, f"Interface {interface} started")


@command(
    "iface-destroy",
    summary='destroy a physical host interface (disable it / "if-down")',
    description="forcefully stop a physical host interface.",
    group=GROUP,
)
@_interface_option(ACTIVE)
def iface_destroy(s: Session, interface: str) -> bool:
    iface = lookup.interface(s, interface, cmd="iface-destroy")
    failed = f"Failed to destroy interface {interface}"
    act(iface, s, lambda i: i.destroy(0), failed, f"Interface {interface} destroyed")
    return False  # virsh 9.0 fails even after "destroyed" (cmdInterfaceDestroy returns false)


@command(
    "iface-edit",
    summary="edit XML configuration for a physical host interface",
    description="Edit the XML configuration for a physical host interface.",
    group=GROUP,
)
@_interface_option()
def iface_edit(s: Session, interface: str) -> bool:
    iface = lookup.interface(s, interface, cmd="iface-edit")
    return edit_definition(
        s,
        lambda name: f"Interface {name}",
        iface.name(),
        lambda: iface.XMLDesc(XML_INACTIVE),
        lambda text: s.conn.interfaceDefineXML(text, 0),
    )


# ---------------------------------------------------------------------------
# iface-mac, iface-name


@command(
    "iface-mac",
    summary="convert an interface name to interface MAC address",
    description="",
    group=GROUP,
)
@option("interface", OptKind.DATA, "interface name", required=True, completer=interface_names)
def iface_mac(s: Session, interface: str) -> bool:
    iface = lookup.interface(s, interface, flags=lookup.BY_NAME, cmd="iface-mac")
    s.print(f"{iface.MACString()}\n")
    return True


@command(
    "iface-name",
    summary="convert an interface MAC address to interface name",
    description="",
    group=GROUP,
)
@option("interface", OptKind.DATA, "interface mac", required=True, completer=interface_macs)
def iface_name(s: Session, interface: str) -> bool:
    iface = lookup.interface(s, interface, flags=lookup.BY_MAC, cmd="iface-name")
    s.print(f"{iface.name()}\n")
    return True


# ---------------------------------------------------------------------------
# iface-begin, iface-commit, iface-rollback


def _transaction(s: Session, call: Any, verb: str, done: str) -> bool:
    with failing(f"Failed to {verb} network config change transaction"):
        call(0)
    s.print_extra(f"Network config change transaction {done}\n")
    return True


@command(
    "iface-begin",
    summary=(
        "create a snapshot of current interfaces settings, which can be later "
        "committed (iface-commit) or restored (iface-rollback)"
    ),
    description="Create a restore point for interfaces settings",
    group=GROUP,
)
def iface_begin(s: Session) -> bool:
    return _transaction(s, s.conn.changeBegin, "begin", "started")


@command(
    "iface-commit",
    summary="commit changes made since iface-begin and free restore point",
    description="commit changes and free restore point",
    group=GROUP,
)
def iface_commit(s: Session) -> bool:
    return _transaction(s, s.conn.changeCommit, "commit", "committed")


@command(
    "iface-rollback",
    summary="rollback to previous saved configuration created via iface-begin",
    description="rollback to previous restore point",
    group=GROUP,
)
def iface_rollback(s: Session) -> bool:
    return _transaction(s, s.conn.changeRollback, "rollback", "rolled back")


# ---------------------------------------------------------------------------
# iface-bridge, iface-unbridge

# The elements that move between the bridge and the attached interface.
_MOVED = ("mac", "bond", "vlan")


def _parse_interface(xml: str, name: str) -> Any:
    """The XML's root element, or virsh's error for a document it cannot parse."""
    from defusedxml.minidom import parseString

    try:
        return parseString(xml).documentElement
    except Exception:  # any parse failure: virsh's one message
        raise VshError(f"Failed to parse configuration of {name}") from None


def _attr(node: Any, name: str) -> str | None:
    """virXMLPropString: the attribute, or None when absent."""
    return node.getAttribute(name) if node.hasAttribute(name) else None


def _move_children(source: Any, target: Any) -> None:
    """The <mac>, <bond> and <vlan> children of ``source`` become the last
    children of ``target``, in document order."""
    for child in list(source.childNodes):
        if child.nodeType == child.ELEMENT_NODE and child.tagName in _MOVED:
            source.removeChild(child)
            target.appendChild(child)


def _check_name(top: Any, expected: str) -> None:
    found = _attr(top, "name")
    if found != expected:
        raise VshError(
            f"Interface name from config {found if found is not None else '(null)'} "
            f"doesn't match given supplied name {expected}"
        )


def bridge_xml(xml: str, if_name: str, br_name: str, stp: bool, delay: int) -> str:
    """cmdInterfaceBridge's document: the interface becomes a <bridge> holding
    the original interface (its type, its name, its <mac>/<bond>/<vlan>)."""
    top = _parse_interface(xml, if_name)
    if_type = _attr(top, "type")
    if if_type is None:
        raise VshError(f"Existing device {if_name} has no type")
    if if_type == "bridge":
        raise VshError(f"Existing device {if_name} is already a bridge")
    _check_name(top, if_name)
    doc = top.ownerDocument
    bridge = top.appendChild(doc.createElement("bridge"))
    bridge.setAttribute("stp", "on" if stp else "off")
    if stp:
        bridge.setAttribute("delay", str(delay))
    top.setAttribute("type", "bridge")
    top.setAttribute("name", br_name)
    attached = bridge.appendChild(doc.createElement("interface"))
    attached.setAttribute("type", if_type)
    attached.setAttribute("name", if_name)
    _move_children(top, attached)
    return str(doc.toxml())


def unbridge_xml(xml: str, br_name: str) -> tuple[str, str]:
    """cmdInterfaceUnbridge's document: the bridge's one attached interface
    takes its place (with its <mac>/<bond>/<vlan>); and that interface's name."""
    top = _parse_interface(xml, br_name)
    br_type = _attr(top, "type")
    if br_type is None:
        raise VshError(f"Existing device {br_name} has no type")
    if br_type != "bridge":
        raise VshError(f"Device {br_name} is not a bridge")
    _check_name(top, br_name)

    def elements(parent: Any, name: str) -> list[Any]:
        return [c for c in parent.childNodes if c.nodeType == c.ELEMENT_NODE and c.tagName == name]

    bridges = elements(top, "bridge")
    if not bridges:
        raise VshError("No bridge node in xml document")
    # virXPathNode("./bridge/interface[2]"): a second interface under any <bridge>
    if any(len(elements(b, "interface")) > 1 for b in bridges):
        raise VshError("Multiple interfaces attached to bridge")
    attached = next((i for b in bridges for i in elements(b, "interface")), None)
    if attached is None:
        raise VshError("No interface attached to bridge")
    if_name = _attr(attached, "name")
    if if_name is None:
        raise VshError(f"Device attached to bridge {br_name} has no name")
    if_type = _attr(attached, "type")
    if if_type is None:
        raise VshError(f"Attached device {if_name} has no type")
    top.setAttribute("type", if_type)
    top.setAttribute("name", if_name)
    _move_children(attached, top)
    return str(top.ownerDocument.toxml()), if_name


@command(
    "iface-bridge",
    summary="create a bridge device and attach an existing network device to it",
    description="bridge an existing network device",
    group=GROUP,
)
@option(
    "interface", OptKind.DATA, "existing interface name", required=True, completer=interface_names
)
@option("bridge", OptKind.DATA, "new bridge device name", required=True)
@option("no-stp", OptKind.BOOL, "do not enable STP for this bridge")
@option("delay", OptKind.INT, "number of seconds to squelch traffic on newly connected ports")
@option("no-start", OptKind.BOOL, "don't start the bridge immediately")
def iface_bridge(
    s: Session, interface: str, bridge: str, no_stp: bool, delay: str | None, no_start: bool
) -> bool:
    iface = lookup.interface(s, interface, flags=lookup.BY_NAME, cmd="iface-bridge")
    br_name = s.text(bridge, "bridge")
    assert br_name is not None
    try:
        s.conn.interfaceLookupByName(br_name)
    except libvirt.libvirtError as err:
        s.last_error = err  # virsh keeps it: a later failure without its own error shows it
    else:
        raise VshError(f"Network device {br_name} already exists")
    seconds = opt_uint(delay, "delay") or 0
    xml = iface.XMLDesc(XML_INACTIVE)
    new_xml = bridge_xml(xml, interface, br_name, not no_stp, seconds)
    with failing(f"Failed to define new bridge interface {br_name}"):
        br = s.conn.interfaceDefineXML(new_xml, 0)
    s.print_extra(f"Created bridge {br_name} with attached device {interface}\n")
    if not no_start:
        with failing(f"Failed to start bridge interface {br_name}"):
            br.create(0)
        s.print_extra(f"Bridge interface {br_name} started\n")
    s.last_error = None  # the look-up's error is no failure of this command
    return True


@command(
    "iface-unbridge",
    summary="undefine a bridge device after detaching its device(s)",
    description="unbridge a network device",
    group=GROUP,
)
@option("bridge", OptKind.DATA, "current bridge device name", required=True)
@option(
    "no-start",
    OptKind.BOOL,
    "don't start the detached interface immediately (not recommended)",
)
def iface_unbridge(s: Session, bridge: str, no_start: bool) -> bool:
    br = lookup.interface(s, bridge, flags=lookup.BY_NAME, option="bridge", cmd="iface-unbridge")
    new_xml, if_name = unbridge_xml(br.XMLDesc(XML_INACTIVE), bridge)
    with failing(f"Failed to destroy bridge interface {bridge}"):
        br.destroy(0)
    with failing(f"Failed to undefine bridge interface {bridge}"):
        br.undefine()
    with failing(f"Failed to define new interface {if_name}"):
        iface = s.conn.interfaceDefineXML(new_xml, 0)
    s.print_extra(f"Device {if_name} un-attached from bridge {bridge}\n")
    if not no_start:
        with failing(f"Failed to start interface {if_name}"):
            iface.create(0)
        s.print_extra(f"Interface {if_name} started\n")
    return True
