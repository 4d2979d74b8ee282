"""node device commands (tools/virsh-nodedev.c): nodedev-dumpxml, nodedev-list."""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import xpath_options
from vsh.completion.providers import nodedev_names
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import NULL, STR, array_of, object_of, prop, shape
from vsh.core.session import Session
from vsh.core.vshutil import split_commas
from vsh.virt import lookup
from vsh.virt.failing import failing

GROUP = "nodedev"

L = libvirt

# virNodeDevCapType names, in libvirt's order, with their list flags.
CAPS: dict[str, int] = {
    "system": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SYSTEM,
    "pci": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV,
    "usb_device": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV,
    "usb": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_INTERFACE,
    "net": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_NET,
    "scsi_host": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_HOST,
    "scsi_target": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_TARGET,
    "scsi": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI,
    "storage": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_STORAGE,
    "fc_host": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_FC_HOST,
    "vports": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_VPORTS,
    "scsi_generic": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_GENERIC,
    "drm": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_DRM,
    "mdev_types": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV_TYPES,
    "mdev": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV,
    "ccw": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_CCW_DEV,
    "css": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_CSS_DEV,
    "vdpa": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_VDPA,
    "ap_card": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_AP_CARD,
    "ap_queue": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_AP_QUEUE,
    "ap_matrix": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_AP_MATRIX,
    "vpd": L.VIR_CONNECT_LIST_NODE_DEVICES_CAP_VPD,
}


@command(
    "nodedev-dumpxml",
    summary="node device details in XML",
    description="Output the node device details as an XML dump to stdout.",
    group=GROUP,
)
@option(
    "device",
    OptKind.DATA,
    "device name or wwn pair in 'wwnn,wwpn' format",
    required=True,
    completer=nodedev_names,
)
@xpath_options
def nodedev_dumpxml(s: Session, device: str, xpath: str | None, wrap: bool) -> bool:
    value = s.text(device, "device")
    assert value is not None
    if xpath == "":
        return False
    dev = lookup.nodedev(s, value)
    xml = dev.XMLDesc(0)
    from vsh.virt import xpathdump

    xpathdump.dump(s.print, xml, "node-device", xpath, wrap)
    return True


def collect(s: Session, caps: list[str], flags: int) -> list[libvirt.virNodeDevice]:
    """virshNodeDeviceListCollect: the devices ``flags`` selects, by name."""
    conn = s.conn
    try:
        devices = conn.listAllDevices(flags)
    except libvirt.libvirtError as err:
        if err.get_error_code() != L.VIR_ERR_NO_SUPPORT:
            raise VshError("Failed to list node devices", cause=err) from err
        s.last_error = None
        devices = _collect_old(s, caps)
    from vsh.output.text import to_c_bytes

    return sorted(devices, key=lambda d: to_c_bytes(d.name()).lower())


def _collect_old(s: Session, caps: list[str]) -> list[libvirt.virNodeDevice]:
    """The fallback for servers without virConnectListAllNodeDevices."""
    conn = s.conn
    with failing("Failed to count node devices"):
        count = conn.numOfDevices(None, 0)
    if not count:
        return []
    with failing("Failed to list node devices"):
        names = conn.listDevices(None, 0)
    devices = []
    for name in names:
        try:
            devices.append(conn.nodeDeviceLookupByName(name))
        except libvirt.libvirtError:
            continue
    if not caps:
        return devices
    kept = []
    for dev in devices:
        with failing("Failed to get capability names of the device"):
            dev_caps = dev.listCaps()
        if any(c in caps for c in dev_caps):
            kept.append(dev)
    return kept


def _parent(dev: libvirt.virNodeDevice, name: str) -> str | None:
    if name == "computer":
        return None
    try:
        return dev.parent()
    except libvirt.libvirtError:
        return None


def render_devices_tree(names: list[str], parents: list[str | None], write: Any) -> None:
    """virsh's tree: roots are the devices without a parent, in list order;
    a device's children are those naming it as parent, in list order."""
    from vsh.output.tree import render_tree

    children: dict[str, list[str]] = {}
    for name, parent in zip(names, parents, strict=True):
        if parent is not None:
            children.setdefault(parent, []).append(name)
    roots = [name for name, parent in zip(names, parents, strict=True) if parent is None]
    render_tree(roots, lambda n: children.get(n, []), write)


NODEDEV_LIST_JSON = shape(
    array_of(
        object_of(
            prop("name", STR),
            prop(
                "parent",
                STR,
                NULL,
                doc='null for "computer" (virsh\'s tree root) and for devices without a parent',
            ),
        )
    ),
    doc="""In virsh's order (names, ASCII case ignored), the filters applied and --tree ignored
    (each entry names its parent instead).""",
)


@command(
    "nodedev-list",
    summary="enumerate devices on this host",
    description="",
    group=GROUP,
    json=NODEDEV_LIST_JSON,
)
@option("tree", OptKind.BOOL, "list devices in a tree")
@option(
    "cap",
    OptKind.STRING,
    "capability names, separated by comma",
    completer=lambda _s, _f=0: list(CAPS),
)
@option("inactive", OptKind.BOOL, "list inactive devices")
@option("all", OptKind.BOOL, "list inactive & active devices")
@option("json", OptKind.BOOL, "print the devices as JSON", extension=True)
def nodedev_list(
    s: Session, tree: bool, cap: str | None, inactive: bool, all: bool, json: bool
) -> bool:
    caps = split_commas(cap) if cap else []  # an empty --cap is ignored, as in virsh
    if all and inactive:
        raise VshError("Option --all is incompatible with --inactive")
    if tree and (cap or inactive):
        raise VshError("Option --tree is incompatible with --cap and --inactive")
    flags = 0
    for name in caps:
        if name not in CAPS:
            raise VshError("Invalid capability type")
        flags |= CAPS[name]
    if inactive or all:
        flags |= L.VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE
    if not inactive:
        flags |= L.VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE
    devices = collect(s, caps, flags)
    names = [d.name() for d in devices]
    if json or s.settings.json:
        from vsh.output.jsonout import render_json

        rows = [
            {"name": name, "parent": _parent(dev, name)}
            for dev, name in zip(devices, names, strict=True)
        ]
        s.print(render_json(rows))
        return True
    if tree:
        parents = [_parent(dev, name) for dev, name in zip(devices, names, strict=True)]
        render_devices_tree(names, parents, s.print)
        return True
    s.print("".join(f"{name}\n" for name in names))
    return True
