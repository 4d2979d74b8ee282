"""interface commands (tools/virsh-interface.c): iface-dumpxml, iface-list."""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import xpath_options
from vsh.completion.providers import interface_names
from vsh.core.command import command, option
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


@command(
    "iface-dumpxml",
    summary="interface information in XML",
    description="Output the physical host interface information as an XML dump to stdout.",
    group=GROUP,
)
@option(
    "interface",
    OptKind.DATA,
    "interface name or MAC address",
    required=True,
    completer=interface_names,
)
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
