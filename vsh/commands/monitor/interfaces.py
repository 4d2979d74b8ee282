"""Network interfaces (tools/virsh-domain-monitor.c): domiflist, domifstat,
domif-getlink, domifaddr.
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import domain_option, interface_option, json_text, table_text, xpath_text
from vsh.completion.providers import complete_interfaces
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import INT, NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.session import Session
from vsh.virt import lookup
from vsh.virt.domxml import domain_xml
from vsh.virt.failing import failing

GROUP = "monitor"
L = libvirt


# ---------------------------------------------------------------------------
# domiflist


DOMIFLIST_JSON = shape(
    array_of(
        object_of(
            prop("interface", STR, NULL),
            prop("type", STR, NULL),
            prop("source", STR, NULL),
            prop("model", STR, NULL),
            prop("mac", STR, NULL),
        )
    ),
    doc="One object per interface; null where virsh prints -.",
)


@command(
    "domiflist",
    summary="list all domain virtual interfaces",
    description="Get the summary of virtual interfaces for a domain.",
    group=GROUP,
    json=DOMIFLIST_JSON,
)
@domain_option()
@option(
    "inactive",
    OptKind.BOOL,
    "get inactive rather than running configuration",
    flag=L.VIR_DOMAIN_XML_INACTIVE,
)
@option("json", OptKind.BOOL, "print the interfaces as JSON", extension=True)
def domiflist(s: Session, domain: str, inactive: bool, json: bool) -> bool:
    root: Any = domain_xml(lookup.domain(s, domain, cmd="domiflist"), option_flags())
    rows: list[dict[str, Any]] = []
    for node in root.xpath("./devices/interface"):
        rows.append(
            {
                "interface": xpath_text(node, "./target/@dev"),
                "type": xpath_text(node, "./@type"),
                "source": xpath_text(
                    node,
                    "./source/@bridge|./source/@dev|./source/@network|./source/@name"
                    "|./source/@path",
                ),
                "model": xpath_text(node, "./model/@type"),
                "mac": xpath_text(node, "./mac/@address"),
            }
        )
    if json or s.settings.json:
        s.print(json_text(rows))
        return True
    cells = []
    for r in rows:
        if r["type"] is None:
            # virsh passes NULL as the second cell, ending the row early.
            raise VshError("internal error: Incorrect number of cells in a table row")
        cells.append(
            [
                r["interface"] or "-",
                r["type"],
                r["source"] or "-",
                r["model"] or "-",
                r["mac"] or "-",
            ]
        )
    s.print(table_text(s, ["Interface", "Type", "Source", "Model", "MAC"], cells))
    return True


# ---------------------------------------------------------------------------
# domifstat

_IFSTAT_FIELDS = (
    "rx_bytes",
    "rx_packets",
    "rx_errs",
    "rx_drop",
    "tx_bytes",
    "tx_packets",
    "tx_errs",
    "tx_drop",
)


DOMIFSTAT_JSON = shape(
    object_of(
        prop("interface", STR),
        *(prop(name, INT, NULL) for name in _IFSTAT_FIELDS),
    ),
    doc="A count is null where virsh prints no line.",
)


@command(
    "domifstat",
    summary="get network interface stats for a domain",
    description="Get network interface stats for a running domain.",
    group=GROUP,
    json=DOMIFSTAT_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@interface_option("interface device specified by name or MAC Address")
@option("json", OptKind.BOOL, "print the statistics as JSON", extension=True)
def domifstat(s: Session, domain: str, interface: str, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="domifstat")
    device = s.text(interface, "interface")
    assert device is not None
    # virsh names the domain as given: an id or UUID stays one
    with failing(f"Failed to get interface stats {domain} {device}"):
        stats = dom.interfaceStats(device)
    values = dict(zip(_IFSTAT_FIELDS, stats, strict=False))
    if json or s.settings.json:
        data: dict[str, Any] = {"interface": device}
        data.update({k: (v if v >= 0 else None) for k, v in values.items()})
        s.print(json_text(data))
        return True
    s.print("".join(f"{device} {k} {v}\n" for k, v in values.items() if v >= 0))
    return True


# ---------------------------------------------------------------------------
# domif-getlink


def _mac_normal(text: str) -> str:
    """virMacAddrParse + virMacAddrFormat, or "" when not a MAC."""
    if not lookup.is_mac(text):
        return ""
    octets = text.split(":")
    octets[5] = octets[5].split()[0] if octets[5].split() else octets[5]
    return ":".join(f"{int(o[:2], 16):02x}" for o in octets)


DOMIF_GETLINK_JSON = shape(
    object_of(
        prop("interface", STR, doc="as given"),
        prop("state", choice("up", "down")),
    ),
)


@command(
    "domif-getlink",
    summary="get link state of a virtual interface",
    description="Get link state of a domain's virtual interface.",
    group=GROUP,
    json=DOMIF_GETLINK_JSON,
)
@domain_option()
@interface_option()
@option("persistent", OptKind.ALIAS, "config", alias="config")
@option("config", OptKind.BOOL, "Get persistent interface state", flag=L.VIR_DOMAIN_XML_INACTIVE)
@option("json", OptKind.BOOL, "print the link state as JSON", extension=True)
def domif_getlink(s: Session, domain: str, interface: str, config: bool, json: bool) -> bool:
    iface = s.text(interface, "interface")
    assert iface is not None
    root: Any = domain_xml(lookup.domain(s, domain, cmd="domif-getlink"), option_flags())
    macstr = _mac_normal(iface)
    found = [
        node
        for node in root.xpath("./devices/interface")
        if (macstr and xpath_text(node, "./mac/@address") == macstr)
        or xpath_text(node, "./target/@dev") == iface
    ]
    if not found:
        if macstr:
            raise VshError(f"Interface (mac: {macstr}) not found.")
        raise VshError(f"Interface (dev: {iface}) not found.")
    if len(found) > 1:
        raise VshError("multiple matching interfaces found")
    state = xpath_text(found[0], "./link/@state")
    if json or s.settings.json:
        s.print(json_text({"interface": iface, "state": state or "up"}))
        return True
    s.print(f"{iface} {state or 'up'}")
    return True


# ---------------------------------------------------------------------------
# domifaddr

_ADDR_SOURCES = ("lease", "agent", "arp")


def _complete_addr_sources(_s: Session, _flags: int = 0) -> list[str]:
    """virshDomainInterfaceAddrSourceCompleter."""
    return list(_ADDR_SOURCES)


def _pad(text: str, width: int) -> str:
    """printf's ``%-Ns``: padding counted in bytes."""
    from vsh.output.text import to_c_bytes

    return text + " " * max(0, width - len(to_c_bytes(text)))


DOMIFADDR_JSON = shape(
    array_of(
        object_of(
            prop("name", STR),
            prop("mac", STR, NULL),
            prop(
                "addresses",
                array_of(
                    object_of(
                        prop("protocol", choice("ipv4", "ipv6"), NULL),
                        prop("address", STR),
                        prop("prefix", INT),
                    )
                ),
            ),
        )
    ),
    doc="One object per interface, filtered by --interface.",
)


@command(
    "domifaddr",
    summary="Get network interfaces' addresses for a running domain",
    description="Get network interfaces' addresses for a running domain",
    group=GROUP,
    json=DOMIFADDR_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("interface", OptKind.STRING, "network interface name", completer=complete_interfaces)
@option("full", OptKind.BOOL, "always display names and MACs of interfaces")
@option(
    "source",
    OptKind.STRING,
    "address source: 'lease', 'agent', or 'arp'",
    completer=_complete_addr_sources,
)
@option("json", OptKind.BOOL, "print the addresses as JSON", extension=True)
def domifaddr(
    s: Session, domain: str, interface: str | None, full: bool, source: str | None, json: bool
) -> bool:
    iface_name = s.text(interface, "interface")
    source_name = s.text(source, "source")
    src = 0
    if source_name is not None:
        if source_name not in _ADDR_SOURCES:
            raise VshError(f"Unknown data source '{source_name}'")
        src = _ADDR_SOURCES.index(source_name)
    dom = lookup.domain(s, domain, cmd="domifaddr")
    with failing("Failed to query for interfaces addresses"):
        ifaces = dom.interfaceAddresses(src, 0) or {}
    items: list[dict[str, Any]] = []
    for name, info in ifaces.items():
        if iface_name is not None and iface_name != name:
            continue
        addrs = []
        for addr in info.get("addrs") or []:
            kind = addr.get("type")
            protocol = {L.VIR_IP_ADDR_TYPE_IPV4: "ipv4", L.VIR_IP_ADDR_TYPE_IPV6: "ipv6"}.get(kind)
            addrs.append(
                {"protocol": protocol, "address": addr.get("addr"), "prefix": addr.get("prefix")}
            )
        items.append({"name": name, "mac": info.get("hwaddr"), "addresses": addrs})
    if json or s.settings.json:
        s.print(json_text(items))
        return True
    s.print_extra(
        f" {_pad('Name', 10)} {_pad('MAC address', 20)} {_pad('Protocol', 8)}     Address\n"
        + "-" * 49
        + "-" * 30
        + "\n"
    )
    out = []
    for item in items:
        if not item["addresses"]:
            mac = item["mac"] or "N/A"
            out.append(f" {_pad(item['name'], 10)} {_pad(mac, 17)}    {_pad('N/A', 12)} N/A\n")
            continue
        protocol = None
        for j, addr in enumerate(item["addresses"]):
            protocol = addr["protocol"] or protocol
            text = f"{_pad(protocol or '(null)', 12)} {addr['address']}/{addr['prefix']}"
            if full or not j:
                out.append(f" {_pad(item['name'], 10)} {_pad(item['mac'] or '', 17)}    {text}\n")
            else:
                out.append(f" {_pad('-', 10)} {_pad('-', 17)}    {text}\n")
    s.print("".join(out))
    return True
