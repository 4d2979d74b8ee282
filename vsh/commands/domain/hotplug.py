"""Changes to one device of a domain (tools/virsh-domain.c).

In virsh's help order: blockresize, change-media, detach-device-alias,
domif-setlink, update-memory-device (domain management) and domblkthreshold
(the block device commands).  change-media, domif-setlink and
update-memory-device edit the device's XML with libxml2, as virsh does, and
send it back through virDomainUpdateDeviceFlags.
"""

from __future__ import annotations

import libvirt

from vsh.commands.common import (
    affect_flags,
    affect_options,
    domain_option,
    opt_scaled,
    opt_uint,
)
from vsh.completion import providers
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.numbers import ULLONG_MAX
from vsh.core.session import Session
from vsh.virt import lookup
from vsh.virt.domxml import EJECT, INSERT, UPDATE, changed_media_xml, domain_xml, find_disk
from vsh.virt.failing import failing

GROUP = "domain"
L = libvirt


def complete_link_states(_s: Session, _flags: int = 0) -> list[str]:
    """virshDomainInterfaceStateCompleter."""
    return ["up", "down"]


# ---------------------------------------------------------------------------
# detach-device-alias


@command(
    "detach-device-alias",
    summary="detach device from an alias",
    description="Detach device identified by the given alias from a domain",
    group=GROUP,
)
@domain_option()
@option("alias", OptKind.DATA, "device alias", required=True)
@affect_options
def detach_device_alias(
    s: Session, domain: str, alias: str, config: bool, live: bool, current: bool
) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="detach-device-alias")
    name = s.text(alias, "alias")
    with failing(f"Failed to detach device with alias {name}"):
        dom.detachDeviceAlias(name, flags)
    s.print_extra("Device detach request sent successfully\n")
    return True


# ---------------------------------------------------------------------------
# domif-setlink


@command(
    "domif-setlink",
    summary="set link state of a virtual interface",
    description="Set link state of a domain's virtual interface. This command wraps "
    "usage of update-device command.",
    group=GROUP,
)
@domain_option()
@option("interface", OptKind.DATA, "interface device (MAC Address)", required=True)
@option(
    "state",
    OptKind.DATA,
    "new state of the device",
    required=True,
    completer=complete_link_states,
)
@option("persistent", OptKind.ALIAS, "config", alias="config")
@option("config", OptKind.BOOL, "affect next boot")
@option(
    "print-xml",
    OptKind.BOOL,
    "print XML document rather than set the interface link state",
)
def domif_setlink(
    s: Session, domain: str, interface: str, state: str, config: bool, print_xml: bool
) -> bool:
    dom = lookup.domain(s, domain, cmd="domif-setlink")
    iface = s.text(interface, "interface")
    want = s.text(state, "state")
    assert iface is not None and want is not None
    if want not in ("up", "down"):
        raise VshError(f"invalid link state '{want}'")
    flags = L.VIR_DOMAIN_AFFECT_CONFIG if config else L.VIR_DOMAIN_AFFECT_LIVE
    try:
        active = dom.isActive()
    except libvirt.libvirtError:
        active = -1
    if active == 0:
        flags = L.VIR_DOMAIN_AFFECT_CONFIG
    root = domain_xml(dom, L.VIR_DOMAIN_XML_INACTIVE if config else 0)
    interfaces = root.nodes("/domain/devices/interface")
    if not interfaces:
        raise VshError("Failed to extract interface information or no interfaces found")
    found = None
    for node in interfaces:
        mac = node.string("string(./mac/@address)")
        target = node.string("string(./target/@dev)")
        if (mac and mac.lower() == iface.lower()) or (target and target.lower() == iface.lower()):
            found = node
            break
    if found is None:
        raise VshError(f"interface '{iface}' not found")
    links = found.nodes("./link")
    link = links[0] if links else found.new_child("link")
    # Debian's virsh 9.0 carries upstream's fix (6f3f6c0f): an existing
    # state="..." is replaced, not doubled.
    link.set_prop("state", want, new=not link.has_prop("state"))
    from vsh.virt.xpathdump import node_to_string

    text = node_to_string(found) or ""
    if print_xml:
        s.print(text)
        return True
    with failing("Failed to update interface link state"):
        dom.updateDeviceFlags(text, flags)
    s.print_extra("Device updated successfully\n")
    return True


# ---------------------------------------------------------------------------
# update-memory-device


@command(
    "update-memory-device",
    summary="update memory device of a domain",
    description="Update values of a memory device of a domain",
    group=GROUP,
    exclusive=(("current", "live"), ("current", "config"), ("node", "alias")),
)
@domain_option()
@affect_options
@option(
    "print-xml",
    OptKind.BOOL,
    "print updated memory device XML instead of executing the change",
)
@option("alias", OptKind.STRING, "memory device alias")
@option("node", OptKind.INT, "memory device target node")
@option(
    "requested-size",
    OptKind.INT,
    "new value of <requested/> size, as scaled integer (default KiB)",
)
def update_memory_device(
    s: Session,
    domain: str,
    config: bool,
    live: bool,
    current: bool,
    print_xml: bool,
    alias: str | None,
    node: str | None,
    requested_size: str | None,
) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="update-memory-device")
    root = domain_xml(dom, L.VIR_DOMAIN_XML_INACTIVE if flags & L.VIR_DOMAIN_AFFECT_CONFIG else 0)
    name = s.text(alias, "alias")
    target = opt_uint(node, "node")
    if target is not None:
        xpath = f"/domain/devices/memory[./target/node='{target}']"
    elif name is not None:
        xpath = f"/domain/devices/memory[./alias/@name='{name}']"
    else:
        xpath = "/domain/devices/memory"
    mems = root.nodes(xpath)
    if not mems:
        raise VshError("no memory device found")
    if len(mems) > 1:
        raise VshError("multiple memory devices found, use --alias or --node to select one")
    mem = mems[0]
    size = opt_scaled(requested_size, "requested-size", 1024, ULLONG_MAX)
    if size is not None:
        requested = mem.nodes("./target/requested")
        if not requested:
            raise VshError("virtio-mem device is missing <requested/>")
        requested[0].set_content(str(-(-size // 1024)))
    from vsh.virt.xpathdump import node_to_string

    text = node_to_string(mem) or ""
    if print_xml:
        s.print(text)
    else:
        dom.updateDeviceFlags(text, flags)
    return True


# ---------------------------------------------------------------------------
# domblkthreshold


@command(
    "domblkthreshold",
    summary="set the threshold for block-threshold event for a given block device "
    "or it's backing chain element",
    description="set threshold for block-threshold event for a block device",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option(
    "dev",
    OptKind.DATA,
    "device to set threshold for",
    required=True,
    completer=providers.complete_disk_targets,
)
@option(
    "threshold",
    OptKind.INT,
    "threshold as a scaled number (by default bytes)",
    required=True,
)
def domblkthreshold(s: Session, domain: str, dev: str, threshold: str) -> bool:
    disk = s.text(dev, "dev")
    value = opt_scaled(threshold, "threshold", 1, ULLONG_MAX)
    assert value is not None
    dom = lookup.domain(s, domain, cmd="domblkthreshold")
    dom.setBlockThreshold(disk, value, 0)
    return True


# ---------------------------------------------------------------------------
# blockresize


@command(
    "blockresize",
    summary="Resize block device of domain.",
    description="Resize block device of domain.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option(
    "path",
    OptKind.DATA,
    "Fully-qualified path of block device",
    required=True,
    completer=providers.complete_disk_targets,
)
@option(
    "size",
    OptKind.INT,
    "New size of the block device, as scaled integer (default KiB)",
    required=True,
)
def blockresize(s: Session, domain: str, path: str, size: str) -> bool:
    disk = s.text(path, "path")
    value = opt_scaled(size, "size", 1024, ULLONG_MAX)
    assert disk is not None and value is not None
    # virsh prefers the older KiB interface when the size allows it.
    flags = 0
    if value % 1024 == 0:
        value //= 1024
    else:
        flags = L.VIR_DOMAIN_BLOCK_RESIZE_BYTES
    dom = lookup.domain(s, domain, cmd="blockresize")
    with failing(f"Failed to resize block device '{disk}'"):
        dom.blockResize(disk, value, flags)
    s.print_extra(f"Block device '{disk}' is resized")
    return True


# ---------------------------------------------------------------------------
# change-media


@command(
    "change-media",
    summary="Change media of CD or floppy drive",
    description="Change media of CD or floppy drive.",
    group=GROUP,
    exclusive=(("eject", "insert"), ("eject", "update"), ("insert", "update"), ("eject", "block")),
)
@domain_option()
@option(
    "path",
    OptKind.DATA,
    "Fully-qualified path or target of disk device",
    required=True,
    completer=providers.complete_disk_targets,
)
@option("source", OptKind.STRING, "source of the media")
@option("eject", OptKind.BOOL, "Eject the media")
@option("insert", OptKind.BOOL, "Insert the media")
@option("update", OptKind.BOOL, "Update the media")
@option(
    "current",
    OptKind.BOOL,
    "can be either or both of --live and --config, depends on implementation hypervisor driver",
)
@option("live", OptKind.BOOL, "alter live configuration of running domain")
@option("config", OptKind.BOOL, "alter persistent configuration, effect observed on next boot")
@option("force", OptKind.BOOL, "force media changing", flag=L.VIR_DOMAIN_DEVICE_MODIFY_FORCE)
@option("print-xml", OptKind.BOOL, "print XML document rather than change media")
@option("block", OptKind.BOOL, "source media is a block device")
def change_media(
    s: Session,
    domain: str,
    path: str,
    source: str | None,
    eject: bool,
    insert: bool,
    update: bool,
    current: bool,
    live: bool,
    config: bool,
    force: bool,
    print_xml: bool,
    block: bool,
) -> bool:
    media = s.text(source, "source")
    # The documentation says: --update without a source ejects.
    if update and media is None:
        update, eject = False, True
    action = EJECT if eject else INSERT if insert else UPDATE
    flags = affect_flags(current, live, config) | option_flags()
    dom = lookup.domain(s, domain, cmd="change-media")
    disk = s.text(path, "path")
    assert disk is not None
    doc = dom.XMLDesc(L.VIR_DOMAIN_XML_INACTIVE if flags & L.VIR_DOMAIN_AFFECT_CONFIG else 0)
    found = find_disk(doc, disk, changeable=True)
    xml = changed_media_xml(found, media, block, disk, action)
    if xml is None:
        return False
    if print_xml:
        s.print(xml)
        return True
    with failing(f"Failed to complete action {action} on media"):
        dom.updateDeviceFlags(xml, flags)
    s.print(_MEDIA_DONE[action])
    return True


_MEDIA_DONE = {
    EJECT: "Successfully ejected media.",
    INSERT: "Successfully inserted media.",
    UPDATE: "Successfully updated media.",
}
