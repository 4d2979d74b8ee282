"""domain device commands (tools/virsh-domain.c): attach, detach, update.

In virsh's help order: attach-device, attach-disk, attach-interface,
detach-device, detach-disk, detach-interface, update-device.

``attach-disk --print-xml`` and ``attach-interface --print-xml`` build the
device XML as virsh's virBuffer does (escaping only where virsh escapes,
two-space indentation per level) without looking the domain up.
``detach-disk`` and ``detach-interface`` find the device in the domain's XML
with the system libxml2 (through :mod:`vsh.virt.xpathdump`) and serialise the node
as virsh does, whitespace and all.
"""

from __future__ import annotations

import os
import stat
from typing import Any

import libvirt

from vsh.commands.common import (
    affect_flags,
    affect_options,
    complete_empty,
    domain_option,
    file_option,
    parse_rate,
    persistent_live,
    persistent_option,
)
from vsh.completion.providers import complete_disk_targets, domain_xml_on_line
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.numbers import UINT_MAX, ULLONG_MAX
from vsh.core.session import Session
from vsh.core.vshutil import read_file_all
from vsh.virt import lookup
from vsh.virt.domxml import find_disk, parse_xml
from vsh.virt.failing import failing

GROUP = "domain"
L = libvirt

_ULONG_MAX = ULLONG_MAX  # unsigned long: 64 bits on the LP64 Linux virsh runs on


# ---------------------------------------------------------------------------
# option helpers


def _affect_options(func: Any) -> Any:
    """persistent, config, live, current, in that order (attach/detach/update)."""
    return persistent_option(affect_options(func))


def complete_interface_macs(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainInterfaceCompleter with the MAC flag: the interfaces' MACs."""
    root = domain_xml_on_line(s, values)
    if root is None:
        return []
    macs = [n.string("string(./mac/@address)") for n in root.nodes("./devices/interface")]
    return [m for m in macs if m]


def complete_iothreads(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainIOThreadIdCompleter: the domain's IOThread ids."""
    from vsh.completion.providers import domain_on_line

    dom = domain_on_line(s, values or {})
    if dom is None:
        return []
    try:
        return [str(info[0]) for info in dom.ioThreadInfo(0)]
    except libvirt.libvirtError:
        return []


def complete_source_modes(_s: Session, _flags: int = 0) -> list[str]:
    """virshDomainInterfaceSourceModeCompleter."""
    return ["server", "client"]


# ---------------------------------------------------------------------------
# virBuffer, the way virsh builds XML


class _Buffer:
    """virBuffer: text with an indentation applied at the start of each addition
    that begins a line."""

    def __init__(self, indent: int = 0) -> None:
        self.indent = indent
        self.parts: list[str] = []

    def text(self) -> str:
        return "".join(self.parts)

    def add(self, text: str) -> None:
        if not text:
            return
        if self.indent and (not self.parts or self.parts[-1].endswith("\n")):
            self.parts.append(" " * self.indent)
        self.parts.append(text)

    def add_buffer(self, other: _Buffer) -> None:
        if other.parts:
            self.parts.append(other.text())

    def __bool__(self) -> bool:
        return any(self.parts)


_FORBIDDEN = {chr(c) for c in range(1, 0x1A) if chr(c) not in "\t\n\r"}
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;"}


def _escape(value: str) -> str:
    """virBufferEscapeString's escaping: entities, control characters dropped."""
    return "".join(_ENTITIES.get(ch, "" if ch in _FORBIDDEN else ch) for ch in value)


def _add_escaped(buf: _Buffer, fmt: str, value: str | None) -> None:
    """virBufferEscapeString: nothing at all for a missing value."""
    if value is not None:
        buf.add(fmt % _escape(value))


def _format_element(buf: _Buffer, name: str, attrs: _Buffer, children: _Buffer | None) -> None:
    """virXMLFormatElement: nothing when both are empty, else ``<name .../>`` or
    ``<name ...>`` + children + ``</name>``."""
    if not attrs and not children:
        return
    buf.add(f"<{name}")
    buf.add_buffer(attrs)
    if children:
        buf.parts.append(">\n")
        buf.add_buffer(children)
        buf.add(f"</{name}>\n")
    else:
        buf.parts.append("/>\n")


# ---------------------------------------------------------------------------
# addresses (virshAddressParse / virshAddressFormat)


def _strtoul(text: str, pos: int, base: int) -> tuple[int | None, int, bool]:
    """strtoul from ``pos``: (value or None when no digits, end position, saw '-')."""
    i = pos
    n = len(text)
    while i < n and text[i] in " \t\n\v\f\r":
        i += 1
    negative = False
    if i < n and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    if base == 16 and text[i : i + 2].lower() == "0x" and i + 2 < n and _digit(text[i + 2], 16):
        i += 2
    start = i
    while i < n and _digit(text[i], base):
        i += 1
    if i == start:
        return None, pos, False
    value = int(text[start:i], base)
    if value > _ULONG_MAX:
        value = _ULONG_MAX + 1  # ERANGE: rejected by the callers
    if negative:
        value = (-value) & _ULONG_MAX
    return value, i, negative


def _digit(ch: str, base: int) -> bool:
    return ch.isascii() and ch.isalnum() and int(ch, 36) < base


def _fields(text: str, pos: int, bases_limits: tuple[tuple[int, int], ...]) -> list[int] | None:
    """virStrToLong_uip / _ullp with an end pointer, each after one skipped character."""
    values = []
    for base, limit in bases_limits:
        pos += 1  # ++a: skip the separator, whatever it is
        if pos > len(text):
            return None  # past the string's end
        value, end, negative = _strtoul(text, pos, base)
        if value is None or negative or value > limit:
            return None
        values.append(value)
        pos = end
    return values


def parse_address(text: str, multifunction: bool) -> tuple[str, list[int], bool] | None:
    """virshAddressParse: (kind, fields, multifunction) or None."""
    kind, colon, _rest = text.partition(":")
    if not colon:
        return None
    start = len(kind)  # the ':' that the first ++a skips
    ui, ull = UINT_MAX, ULLONG_MAX
    if kind == "pci":
        fields = _fields(text, start, ((16, ui),) * 4)
    elif kind in ("sata", "ide", "scsi"):
        fields = _fields(text, start, ((10, ui), (10, ui), (10, ull)))
    elif kind == "ccw":
        fields = _fields(text, start, ((16, ui),) * 3)
    elif kind == "usb":
        fields = _fields(text, start, ((10, ui),) * 2)
    else:
        return None
    if fields is None:
        return None
    return kind, fields, multifunction and kind == "pci"


def format_address(buf: _Buffer, address: tuple[str, list[int], bool]) -> None:
    kind, f, multifunction = address
    if kind == "pci":
        line = (
            f"<address type='pci' domain='0x{f[0]:04x}' bus='0x{f[1]:02x}' "
            f"slot='0x{f[2]:02x}' function='0x{f[3]:x}'"
        )
        if multifunction:
            line += " multifunction='on'"
        buf.add(line + "/>\n")
    elif kind in ("sata", "ide", "scsi"):
        buf.add(f"<address type='drive' controller='{f[0]}' bus='{f[1]}' unit='{f[2]}'/>\n")
    elif kind == "ccw":
        buf.add(
            f"<address type='ccw' cssid='0x{f[0]:02x}' ssid='0x{f[1]:x}' devno='0x{f[2]:04x}'/>\n"
        )
    elif kind == "usb":
        buf.add(f"<address type='usb' bus='{f[0]}' port='{f[1]}'/>\n")


# ---------------------------------------------------------------------------
# detach-interface's MAC matching


def _mac_equal(p: str, q: str) -> bool:
    """virMacAddrCompare(p, q) == 0: case-insensitive, leading zeros of each
    part ignored."""

    def canon(text: str) -> str:
        out = []
        i = 0
        while True:
            while (
                i < len(text) and text[i] == "0" and i + 1 < len(text) and _digit(text[i + 1], 16)
            ):
                i += 1
            if i >= len(text):
                break
            out.append(text[i].lower() if text[i].isascii() else text[i])
            i += 1
        return "".join(out)

    return canon(p) == canon(q)


# ---------------------------------------------------------------------------
# commands


@command(
    "attach-device",
    summary="attach device from an XML file",
    description="Attach device from an XML <file>.",
    group=GROUP,
)
@domain_option()
@file_option("XML file")
@_affect_options
def attach_device(
    s: Session, domain: str, file: str, persistent: bool, config: bool, live: bool, current: bool
) -> bool:
    flags = affect_flags(current, live, config, persistent=persistent)
    dom = lookup.domain(s, domain, cmd="attach-device")
    path = s.text(file, "file")
    assert path is not None
    flags = persistent_live(dom, persistent, flags)
    xml = read_file_all(path)
    with failing(f"Failed to attach device from {path}"):
        if flags or current:
            dom.attachDeviceFlags(xml, flags)
        else:
            dom.attachDevice(xml)
    s.print_extra("Device attached successfully\n")
    return True


_SOURCE_TYPES = ("", "file", "block", "network")


@command(
    "attach-disk",
    summary="attach disk device",
    description="Attach new disk device.",
    group=GROUP,
)
@domain_option()
@option(
    "source",
    OptKind.DATA,
    "source of disk device or name of network disk",
    required=True,
    empty_ok=True,
    value_kind="file",
)
@option("target", OptKind.DATA, "target of disk device", required=True, completer=complete_empty)
@option("targetbus", OptKind.STRING, "target bus of disk device")
@option("driver", OptKind.STRING, "driver of disk device")
@option("subdriver", OptKind.STRING, "subdriver of disk device")
@option(
    "iothread",
    OptKind.STRING,
    "IOThread to be used by supported device",
    completer=complete_iothreads,
)
@option("cache", OptKind.STRING, "cache mode of disk device")
@option("io", OptKind.STRING, "io policy of disk device")
@option("type", OptKind.STRING, "target device type")
@option("shareable", OptKind.ALIAS, alias="mode=shareable")
@option("mode", OptKind.STRING, "mode of device reading and writing")
@option("sourcetype", OptKind.STRING, "type of source (block|file|network)")
@option("serial", OptKind.STRING, "serial of disk device", completer=complete_empty)
@option("wwn", OptKind.STRING, "wwn of disk device", completer=complete_empty)
@option("alias", OptKind.STRING, "custom alias name of disk device", completer=complete_empty)
@option("rawio", OptKind.BOOL, "needs rawio capability")
@option("address", OptKind.STRING, "address of disk device", completer=complete_empty)
@option("multifunction", OptKind.BOOL, "use multifunction pci under specified address")
@option("print-xml", OptKind.BOOL, "print XML document rather than attach the disk")
@option("source-protocol", OptKind.STRING, "protocol used by disk device source")
@option(
    "source-host-name",
    OptKind.STRING,
    "host name for source of disk device",
    completer=complete_empty,
)
@option(
    "source-host-transport",
    OptKind.STRING,
    "host transport for source of disk device",
)
@option(
    "source-host-socket",
    OptKind.STRING,
    "host socket for source of disk device",
    value_kind="file",
)
@_affect_options
def attach_disk(
    s: Session,
    domain: str,
    source: str,
    target: str,
    targetbus: str | None,
    driver: str | None,
    subdriver: str | None,
    iothread: str | None,
    cache: str | None,
    io: str | None,
    type: str | None,
    mode: str | None,
    sourcetype: str | None,
    serial: str | None,
    wwn: str | None,
    alias: str | None,
    rawio: bool,
    address: str | None,
    multifunction: bool,
    print_xml: bool,
    source_protocol: str | None,
    source_host_name: str | None,
    source_host_transport: str | None,
    source_host_socket: str | None,
    persistent: bool,
    config: bool,
    live: bool,
    current: bool,
) -> bool:
    flags = affect_flags(current, live, config, persistent=persistent)
    for needy, needed in (
        ("source-host-name", "source-protocol"),
        ("source-host-transport", "source-protocol"),
        ("source-host-socket", "source-protocol"),
        ("source-host-socket", "source-host-transport"),
    ):
        given = {
            "source-host-name": source_host_name,
            "source-host-transport": source_host_transport,
            "source-host-socket": source_host_socket,
            "source-protocol": source_protocol,
        }
        if given[needy] is not None and given[needed] is None:
            raise VshError(f"Option --{needed} is required by option --{needy}")
    if source_host_name is not None and source_host_socket is not None:
        raise VshError("Options --source-host-name and --source-host-socket are mutually exclusive")

    # vshCommandOptStringReq, in virsh's order (source may be empty)
    target = s.text(target, "target") or ""
    driver = s.text(driver, "driver")
    subdriver = s.text(subdriver, "subdriver")
    device = s.text(type, "type")
    mode = s.text(mode, "mode")
    iothread = s.text(iothread, "iothread")
    cache = s.text(cache, "cache")
    io = s.text(io, "io")
    serial = s.text(serial, "serial")
    wwn = s.text(wwn, "wwn")
    straddr = s.text(address, "address")
    targetbus = s.text(targetbus, "targetbus")
    alias = s.text(alias, "alias")
    stype = s.text(sourcetype, "sourcetype")
    source_protocol = s.text(source_protocol, "source-protocol")
    host_name = s.text(source_host_name, "source-host-name")
    host_transport = s.text(source_host_transport, "source-host-transport")
    host_socket = s.text(source_host_socket, "source-host-socket")

    kind = 0
    if stype is not None:
        if stype not in _SOURCE_TYPES:
            raise VshError(f"Unknown source type: '{stype}'")
        kind = _SOURCE_TYPES.index(stype)
    if kind == 0:
        if source_protocol is not None:
            kind = 3
        elif driver not in ("file", "tap") and source is not None and _is_block(source):
            kind = 2
        else:
            kind = 1
    if (kind == 3) != (source_protocol is not None):
        raise VshError("--source-protocol option requires --sourcetype network")
    if mode is not None and mode not in ("readonly", "shareable"):
        raise VshError(f"No support for {mode} in command 'attach-disk'")
    if wwn is not None and not _valid_wwn(wwn):
        raise VshError(f"internal error: Malformed wwn: {wwn}")

    buf = _Buffer()
    disk_attrs = _Buffer()
    disk_children = _Buffer(2)
    driver_attrs = _Buffer()
    source_attrs = _Buffer()
    source_children = _Buffer(4)
    host_attrs = _Buffer()

    disk_attrs.add(f" type='{_SOURCE_TYPES[kind]}'")
    _add_escaped(disk_attrs, " device='%s'", device)
    if rawio:
        disk_attrs.add(" rawio='yes'")
    _add_escaped(driver_attrs, " name='%s'", driver)
    _add_escaped(driver_attrs, " type='%s'", subdriver)
    _add_escaped(driver_attrs, " iothread='%s'", iothread)
    _add_escaped(driver_attrs, " cache='%s'", cache)
    _add_escaped(driver_attrs, " io='%s'", io)
    _format_element(disk_children, "driver", driver_attrs, None)

    if kind == 1:
        _add_escaped(source_attrs, " file='%s'", source)
    elif kind == 2:
        _add_escaped(source_attrs, " dev='%s'", source)
    else:
        _add_escaped(source_attrs, " protocol='%s'", source_protocol)
        _add_escaped(source_attrs, " name='%s'", source)
        _add_escaped(host_attrs, " transport='%s'", host_transport)
        _add_escaped(host_attrs, " socket='%s'", host_socket)
        if host_name is not None:
            name, colon, port = host_name.partition(":")
            _add_escaped(host_attrs, " name='%s'", name)
            _add_escaped(host_attrs, " port='%s'", port if colon else None)
        _format_element(source_children, "host", host_attrs, None)
    _format_element(disk_children, "source", source_attrs, source_children)

    line = f"<target dev='{target}'"
    if targetbus is not None:
        line += f" bus='{targetbus}'"
    disk_children.add(line + "/>\n")
    if mode is not None:
        disk_children.add(f"<{mode}/>\n")
    if serial is not None:
        disk_children.add(f"<serial>{serial}</serial>\n")
    if alias is not None:
        disk_children.add(f"<alias name='{alias}'/>\n")
    if wwn is not None:
        disk_children.add(f"<wwn>{wwn}</wwn>\n")
    if straddr is not None:
        parsed = parse_address(straddr, multifunction)
        if parsed is None:
            raise VshError("Invalid address.")
        akind = parsed[0]
        if target.startswith("vd"):
            if akind not in ("pci", "ccw"):
                raise VshError("expecting a pci:0000.00.00.00 or ccw:00.0.0000 address.")
        elif target.startswith("sd"):
            if akind not in ("scsi", "usb", "sata"):
                raise VshError("expecting a scsi:00.00.00 or usb:00.00 or sata:00.00.00 address.")
        elif target.startswith("hd") and akind != "ide":
            raise VshError("expecting an ide:00.00.00 address.")
        format_address(disk_children, parsed)
    _format_element(buf, "disk", disk_attrs, disk_children)
    xml = buf.text()

    if print_xml:
        s.print(xml)
        return True

    return _attach(s, domain, "attach-disk", "disk", xml, persistent, flags, current)


def _attach(
    s: Session,
    domain: str,
    cmd: str,
    what: str,
    xml: str,
    persistent: bool,
    flags: int,
    current: bool,
) -> bool:
    """The common tail of attach-disk and attach-interface (virsh's attach step)."""
    dom = lookup.domain(s, domain, cmd=cmd)
    flags = persistent_live(dom, persistent, flags)
    with failing(f"Failed to attach {what}"):
        if flags or current:
            dom.attachDeviceFlags(xml, flags)
        else:
            dom.attachDevice(xml)
    s.print_extra(f"{what.capitalize()} attached successfully\n")
    return True


def _is_block(path: str) -> bool:
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _valid_wwn(wwn: str) -> bool:
    """virValidateWWN: 16 hex digits, optionally after '0x'."""
    digits = wwn[2:] if wwn.startswith("0x") else wwn
    return len(digits) == 16 and all(ch in "0123456789abcdefABCDEF" for ch in digits)


_NET_TYPES = (
    "user",
    "ethernet",
    "vhostuser",
    "server",
    "client",
    "mcast",
    "network",
    "bridge",
    "internal",
    "direct",
    "hostdev",
    "udp",
    "vdpa",
    "null",
    "vds",
)


@command(
    "attach-interface",
    summary="attach network interface",
    description="Attach new network interface.",
    group=GROUP,
)
@domain_option()
@option("type", OptKind.DATA, "network interface type", required=True)
@option("source", OptKind.DATA, "source of network interface", required=True)
@option("target", OptKind.STRING, "target network name", completer=complete_empty)
@option("mac", OptKind.STRING, "MAC address", completer=complete_empty)
@option("script", OptKind.STRING, "script used to bridge network interface", value_kind="file")
@option("model", OptKind.STRING, "model type")
@option("alias", OptKind.STRING, "custom alias name of interface device", completer=complete_empty)
@option("inbound", OptKind.STRING, "control domain's incoming traffics", completer=complete_empty)
@option("outbound", OptKind.STRING, "control domain's outgoing traffics", completer=complete_empty)
@_affect_options
@option("print-xml", OptKind.BOOL, "print XML document rather than attach the interface")
@option("managed", OptKind.BOOL, "libvirt will automatically detach/attach the device from/to host")
@option(
    "source-mode",
    OptKind.STRING,
    "mode attribute of <source/> element",
    completer=complete_source_modes,
)
def attach_interface(
    s: Session,
    domain: str,
    type: str,
    source: str,
    target: str | None,
    mac: str | None,
    script: str | None,
    model: str | None,
    alias: str | None,
    inbound: str | None,
    outbound: str | None,
    persistent: bool,
    config: bool,
    live: bool,
    current: bool,
    print_xml: bool,
    managed: bool,
    source_mode: str | None,
) -> bool:
    flags = affect_flags(current, live, config, persistent=persistent)
    net_type = s.text(type, "type") or ""
    source = s.text(source, "source") or ""
    target = s.text(target, "target")
    mac = s.text(mac, "mac")
    script = s.text(script, "script")
    model = s.text(model, "model")
    alias = s.text(alias, "alias")
    inbound = s.text(inbound, "inbound")
    outbound = s.text(outbound, "outbound")
    source_mode = s.text(source_mode, "source-mode")

    if net_type not in _NET_TYPES:
        raise VshError(f"No support for {net_type} in command 'attach-interface'")
    if source_mode is not None and source_mode not in ("server", "client"):
        raise VshError(f"Invalid source mode: {source_mode}")
    rate_in = rate_out = None
    if inbound is not None:
        rate_in = parse_rate(inbound)
        if not rate_in[0] and not rate_in[3]:
            raise VshError("either inbound average or floor is mandatory")
    if outbound is not None:
        rate_out = parse_rate(outbound)
        if rate_out[0] == 0:
            raise VshError("outbound average is mandatory")
        if rate_out[3]:
            raise VshError("outbound floor is unsupported yet")

    buf = _Buffer()
    buf.add(f"<interface type='{net_type}'")
    buf.add(" managed='yes'>\n" if managed else ">\n")
    buf.indent = 2
    if net_type in ("network", "bridge"):
        buf.add(f"<source {net_type}='{source}'/>\n")
    elif net_type == "direct":
        buf.add(f"<source dev='{source}'/>\n")
    elif net_type == "hostdev":
        parsed = parse_address(f"pci:{source}", False)
        if parsed is None:
            raise VshError(f"cannot parse pci address '{source}' for network interface")
        buf.add("<source>\n")
        buf.indent = 4
        format_address(buf, parsed)
        buf.indent = 2
        buf.add("</source>\n")
    elif net_type == "vhostuser":
        if source_mode is None:
            raise VshError("source-mode is mandatory")
        buf.add(f"<source type='unix' path='{source}' mode='{source_mode}'/>\n")
    else:
        raise VshError(f"No support for {net_type} in command 'attach-interface'")
    if target is not None:
        buf.add(f"<target dev='{target}'/>\n")
    if mac is not None:
        buf.add(f"<mac address='{mac}'/>\n")
    if script is not None:
        buf.add(f"<script path='{script}'/>\n")
    if model is not None:
        buf.add(f"<model type='{model}'/>\n")
    if alias is not None:
        buf.add(f"<alias name='{alias}'/>\n")
    if rate_in is not None or rate_out is not None:
        buf.add("<bandwidth>\n")
        buf.indent = 4
        if rate_in is not None and (rate_in[0] or rate_in[3]):
            line = "<inbound"
            for name, value in zip(("average", "peak", "burst", "floor"), rate_in, strict=True):
                if value > 0:
                    line += f" {name}='{value}'"
            buf.add(line + "/>\n")
        if rate_out is not None and rate_out[0] > 0:
            line = f"<outbound average='{rate_out[0]}'"
            for name, value in zip(("peak", "burst"), rate_out[1:3], strict=True):
                if value > 0:
                    line += f" {name}='{value}'"
            buf.add(line + "/>\n")
        buf.indent = 2
        buf.add("</bandwidth>\n")
    buf.indent = 0
    buf.add("</interface>\n")
    xml = buf.text()

    if print_xml:
        s.print(xml)
        return True

    return _attach(s, domain, "attach-interface", "interface", xml, persistent, flags, current)


@command(
    "detach-device",
    summary="detach device from an XML file",
    description="Detach device from an XML <file>",
    group=GROUP,
)
@domain_option()
@file_option("XML file")
@_affect_options
def detach_device(
    s: Session, domain: str, file: str, persistent: bool, config: bool, live: bool, current: bool
) -> bool:
    flags = affect_flags(current, live, config, persistent=persistent)
    dom = lookup.domain(s, domain, cmd="detach-device")
    flags = persistent_live(dom, persistent, flags)
    path = s.text(file, "file")
    assert path is not None
    xml = read_file_all(path)
    with failing(f"Failed to detach device from {path}"):
        if flags or current:
            dom.detachDeviceFlags(xml, flags)
        else:
            dom.detachDevice(xml)
    s.print_extra("Device detached successfully\n")
    return True


@command(
    "detach-disk",
    summary="detach disk device",
    description="Detach disk device.",
    group=GROUP,
)
@domain_option()
@option(
    "target", OptKind.DATA, "target of disk device", required=True, completer=complete_disk_targets
)
@_affect_options
@option("print-xml", OptKind.BOOL, "print XML document rather than detach the disk")
def detach_disk(
    s: Session,
    domain: str,
    target: str,
    persistent: bool,
    config: bool,
    live: bool,
    current: bool,
    print_xml: bool,
) -> bool:
    flags = affect_flags(current, live, config, persistent=persistent)
    dom = lookup.domain(s, domain, cmd="detach-disk")
    path = s.text(target, "target")
    assert path is not None
    doc = dom.XMLDesc(L.VIR_DOMAIN_XML_INACTIVE if flags == L.VIR_DOMAIN_AFFECT_CONFIG else 0)
    flags = persistent_live(dom, persistent, flags)
    found = find_disk(doc, path)
    from vsh.virt import xpathdump

    xml = xpathdump.node_to_string(found, copy_without="backingStore")
    if xml is None:
        return False
    if print_xml:
        s.print(xml)
        return True
    with failing("Failed to detach disk"):
        if flags or current:
            dom.detachDeviceFlags(xml, flags)
        else:
            dom.detachDevice(xml)
    s.print_extra("Disk detached successfully\n")
    return True


def _detach_interface(
    s: Session,
    doc: str,
    flags: int,
    dom: libvirt.virDomain,
    current: bool,
    net_type: str,
    mac: str | None,
    print_xml: bool,
) -> bool:
    root = parse_xml(doc)
    if root is None:
        s.error("Failed to get interface information")
        return False
    nodes = root.xpath(f"/domain/devices/interface[@type='{net_type}']")
    if not isinstance(nodes, list) or not nodes:
        s.error(f"No interface found whose type is {net_type}")
        return False
    match = None
    if mac is not None:
        for node in nodes:
            node_mac = str(node.xpath("string(./mac/@address)"))
            if node_mac and _mac_equal(node_mac, mac):
                if match is not None:
                    s.error(
                        f"Domain has multiple interfaces matching MAC address {mac}. "
                        "You must use detach-device and specify the device pci address "
                        "to remove it."
                    )
                    return False
                match = node
    else:
        if len(nodes) > 1:
            s.error(
                f"Domain has {len(nodes)} interfaces. Please specify which one to detach "
                "using --mac"
            )
            return False
        match = nodes[0]
    if match is None:
        s.error(f"No interface with MAC address {mac} was found")
        return False
    from vsh.virt import xpathdump

    xml = xpathdump.node_to_string(match)
    if xml is None:
        return False
    if print_xml:
        s.print(xml)
        return True
    try:
        if flags or current:
            dom.detachDeviceFlags(xml, flags)
        else:
            dom.detachDevice(xml)
    except libvirt.libvirtError as err:
        s.last_error = err
        return False
    return True


@command(
    "detach-interface",
    summary="detach network interface",
    description="Detach network interface.",
    group=GROUP,
)
@domain_option()
@option("type", OptKind.DATA, "network interface type", required=True)
@option("mac", OptKind.STRING, "MAC address", completer=complete_interface_macs, completer_flags=1)
@_affect_options
@option("print-xml", OptKind.BOOL, "print XML document rather than detach the interface")
def detach_interface(
    s: Session,
    domain: str,
    type: str,
    mac: str | None,
    persistent: bool,
    config: bool,
    live: bool,
    current: bool,
    print_xml: bool,
) -> bool:
    affect_flags(current, live, config, persistent=persistent)  # its checks; flags come per step
    dom = lookup.domain(s, domain, cmd="detach-interface")
    ok = False
    try:
        net_type = s.text(type, "type") or ""
        mac = s.text(mac, "mac")
        affect_config = config or persistent
        proceed = True
        if affect_config:
            doc = dom.XMLDesc(L.VIR_DOMAIN_XML_INACTIVE)
            ok = _detach_interface(
                s, doc, L.VIR_DOMAIN_AFFECT_CONFIG, dom, current, net_type, mac, print_xml
            )
            proceed = ok
        if proceed:
            affect_live = live or (persistent and _is_active(dom))
            if affect_live or not affect_config:
                doc = dom.XMLDesc(0)
                ok = _detach_interface(
                    s,
                    doc,
                    L.VIR_DOMAIN_AFFECT_LIVE if affect_live else 0,
                    dom,
                    current,
                    net_type,
                    mac,
                    print_xml,
                )
            if print_xml:
                return ok
    except VshError as exc:
        for message in exc.messages:
            s.error(message)
        ok = False
    except libvirt.libvirtError as err:
        s.last_error = err
        ok = False
    if not ok:
        s.error("Failed to detach interface")
        return False
    s.print_extra("Interface detached successfully\n")
    return True


def _is_active(dom: libvirt.virDomain) -> bool:
    try:
        return dom.isActive() == 1
    except libvirt.libvirtError:
        return False


@command(
    "update-device",
    summary="update device from an XML file",
    description="Update device from an XML <file>.",
    group=GROUP,
)
@domain_option()
@file_option("XML file")
@_affect_options
@option("force", OptKind.BOOL, "force device update")
def update_device(
    s: Session,
    domain: str,
    file: str,
    persistent: bool,
    config: bool,
    live: bool,
    current: bool,
    force: bool,
) -> bool:
    flags = affect_flags(current, live, config, persistent=persistent)
    dom = lookup.domain(s, domain, cmd="update-device")
    path = s.text(file, "file")
    assert path is not None
    flags = persistent_live(dom, persistent, flags)
    xml = read_file_all(path)
    if force:
        flags |= L.VIR_DOMAIN_DEVICE_MODIFY_FORCE
    with failing(f"Failed to update device from {path}"):
        dom.updateDeviceFlags(xml, flags)
    s.print_extra("Device updated successfully\n")
    return True
