"""node device commands (tools/virsh-nodedev.c).

In virsh's help order: nodedev-create, nodedev-destroy, nodedev-detach (alias
nodedev-dettach), nodedev-dumpxml, nodedev-list, nodedev-reattach,
nodedev-reset, nodedev-event, nodedev-define, nodedev-undefine,
nodedev-start, nodedev-autostart, nodedev-info.
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
    timestamp_option,
    validate_option,
    xpath_options,
)
from vsh.commands.objects import act, from_file, object_events, read_xml, set_autostart
from vsh.completion.providers import nodedev_names
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, NULL, STR, array_of, object_of, prop, shape
from vsh.core.session import Session
from vsh.core.vshutil import split_commas
from vsh.virt import lookup
from vsh.virt.domxml import utf8_problem
from vsh.virt.eventwait import EventWait, stamped
from vsh.virt.failing import failing

GROUP = "nodedev"

L = libvirt
_DOC = "(node_device_definition)"  # libvirt's name for the XML in its parse errors
WWN_HELP = "device name or wwn pair in 'wwnn,wwpn' format"

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


def _device_option(help_text: str = WWN_HELP) -> Decorator:
    """The required <device> of the node device commands."""
    return option("device", OptKind.DATA, help_text, required=True, completer=nodedev_names)


def _by_name(s: Session, device: str) -> libvirt.virNodeDevice:
    """The look-up of detach, reattach, reset and start: by name only."""
    name = s.text(device, "device")
    assert name is not None
    try:
        return s.conn.nodeDeviceLookupByName(name)
    except libvirt.libvirtError as err:
        raise VshError(f"Could not find matching device '{name}'", cause=err) from err


def _found(s: Session, device: str) -> libvirt.virNodeDevice:
    """vshFindNodeDevice after vshCommandOptStringReq: a name or a WWN pair."""
    value = s.text(device, "device")
    assert value is not None
    return lookup.nodedev(s, value)


@command(
    "nodedev-dumpxml",
    summary="node device details in XML",
    description="Output the node device details as an XML dump to stdout.",
    group=GROUP,
)
@_device_option()
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


# ---------------------------------------------------------------------------
# create, destroy, define, undefine, start, autostart


@command(
    "nodedev-create",
    summary="create a device defined by an XML file on the node",
    description=(
        "Create a device on the node.  Note that this command creates devices on the "
        "physical host that can then be assigned to a virtual machine."
    ),
    group=GROUP,
)
@file_option("file containing an XML description of the device")
@validate_option(L.VIR_NODE_DEVICE_CREATE_XML_VALIDATE)
def nodedev_create(s: Session, file: str, validate: bool) -> bool:
    flags = option_flags()
    conn = s.conn

    def create(xml: str) -> libvirt.virNodeDevice:
        return conn.nodeDeviceCreateXML(xml, flags)

    from_file(s, file, "node device", "create", create, docname=_DOC)
    return True


@command(
    "nodedev-destroy",
    summary="destroy (stop) a device on the node",
    description=(
        "Destroy a device on the node.  Note that this command destroys devices on the "
        "physical host"
    ),
    group=GROUP,
)
@option("name", OptKind.ALIAS, "device", alias="device")
@_device_option()
def nodedev_destroy(s: Session, device: str) -> bool:
    dev = _found(s, device)
    failed = f"Failed to destroy node device '{device}'"
    return act(dev, s, lambda d: d.destroy(), failed, f"Destroyed node device '{device}'")


@command(
    "nodedev-define",
    summary="Define a device by an xml file on a node",
    description=(
        "Defines a persistent device on the node that can be assigned to a domain. "
        "The device must be started before it can be assigned to a domain."
    ),
    group=GROUP,
)
@file_option("file containing an XML description of the device")
@validate_option(L.VIR_NODE_DEVICE_DEFINE_XML_VALIDATE)
def nodedev_define(s: Session, file: str, validate: bool) -> bool:
    path, xml = read_xml(s, file)
    failed = f"Failed to define node device from '{path}'"  # quoted, unlike create
    problem = utf8_problem(xml, _DOC)
    if problem is not None:
        raise VshError(failed, problem)
    with failing(failed):
        dev = s.conn.nodeDeviceDefineXML(xml, option_flags())
    s.print_extra(f"Node device '{dev.name()}' defined from '{path}'\n")
    return True


@command(
    "nodedev-undefine",
    summary="Undefine an inactive node device",
    description="Undefines the configuration for an inactive node device",
    group=GROUP,
)
@_device_option()
def nodedev_undefine(s: Session, device: str) -> bool:
    dev = _found(s, device)
    failed = f"Failed to undefine node device '{device}'"
    return act(dev, s, lambda d: d.undefine(0), failed, f"Undefined node device '{device}'")


@command(
    "nodedev-start",
    summary="Start an inactive node device",
    description="Starts an inactive node device that was previously defined",
    group=GROUP,
)
@_device_option("device name")
def nodedev_start(s: Session, device: str) -> bool:
    dev = _by_name(s, device)
    failed = f"Failed to start device {device}"
    return act(dev, s, lambda d: d.create(0), failed, f"Device {device} started")


@command(
    "nodedev-autostart",
    summary="autostart a defined node device",
    description="Configure a node device to be automatically started at boot.",
    group=GROUP,
)
@_device_option()
@option("disable", OptKind.BOOL, "disable autostarting")
def nodedev_autostart(s: Session, device: str, disable: bool) -> bool:
    dev = _found(s, device)
    failed = f"failed to {{verb}} device {device} as autostarted"
    return set_autostart(s, dev, disable, failed, f"Device {device} {{verb}} as autostarted")


# ---------------------------------------------------------------------------
# detach, reattach, reset (PCI devices, through the hypervisor driver)

# virDomainHostdevSubsysPCIBackend's names (virshNodeDevicePCIBackendCompleter)
PCI_BACKENDS = ("default", "kvm", "vfio", "xen")


@command(
    "nodedev-detach",
    summary="detach node device from its device driver",
    description="Detach node device from its device driver before assigning to a domain.",
    group=GROUP,
    aliases=("nodedev-dettach",),
)
@_device_option("device key")
@option(
    "driver",
    OptKind.STRING,
    "pci device assignment backend driver (e.g. 'vfio' or 'xen')",
    completer=lambda _s, _f=0: list(PCI_BACKENDS),
)
def nodedev_detach(s: Session, device: str, driver: str | None) -> bool:
    name = s.text(device, "device")
    assert name is not None
    dev = _by_name(s, name)
    failed = f"Failed to detach device {name}"
    done = f"Device {name} detached"
    if driver:  # vshCommandOptStringQuiet: an empty --driver counts as none
        return act(dev, s, lambda d: d.detachFlags(driver, 0), failed, done)
    # the old API, misspelled in libvirt
    return act(dev, s, lambda d: d.dettach(), failed, done)


@command(
    "nodedev-reattach",
    summary="reattach node device to its device driver",
    description="Reattach node device to its device driver once released by the domain.",
    group=GROUP,
)
@_device_option("device key")
def nodedev_reattach(s: Session, device: str) -> bool:
    dev = _by_name(s, device)
    failed = f"Failed to re-attach device {device}"
    return act(dev, s, lambda d: d.reAttach(), failed, f"Device {device} re-attached")


@command(
    "nodedev-reset",
    summary="reset node device",
    description="Reset node device before or after assigning to a domain.",
    group=GROUP,
)
@_device_option("device key")
def nodedev_reset(s: Session, device: str) -> bool:
    dev = _by_name(s, device)
    failed = f"Failed to reset device {device}"
    return act(dev, s, lambda d: d.reset(), failed, f"Device {device} reset")


# ---------------------------------------------------------------------------
# nodedev-info


def _c_bool(call: Callable[[], int]) -> bool | None:
    """A libvirt yes/no call; None when it fails."""
    try:
        return bool(call())
    except libvirt.libvirtError:
        return None


def info_data(dev: libvirt.virNodeDevice) -> dict[str, Any]:
    """What cmdNodeDeviceInfo learns; a failed call leaves its key null."""
    return {
        "name": dev.name(),
        "parent": dev.parent(),
        "active": _c_bool(dev.isActive),
        "persistent": _c_bool(dev.isPersistent),
        "autostart": _c_bool(dev.autostart),
    }


NODEDEV_INFO_JSON = shape(
    object_of(
        prop("name", STR),
        prop("parent", STR, NULL, doc="null for a device without a parent"),
        prop("active", BOOL, NULL, doc='null where the call failed (virsh prints "yes")'),
        prop("persistent", BOOL, NULL, doc='null where the call failed (virsh prints "yes")'),
        prop("autostart", BOOL, NULL, doc='null where virsh prints "no autostart"'),
    ),
)


@command(
    "nodedev-info",
    summary="node device information",
    description="Returns basic information about the node device",
    group=GROUP,
    json=NODEDEV_INFO_JSON,
)
@_device_option()
@option("json", OptKind.BOOL, "print the information as JSON", extension=True)
def nodedev_info(s: Session, device: str, json: bool) -> bool:
    data = info_data(_found(s, device))
    if json or s.settings.json:
        s.print(json_text(data))
        return True

    def yes_no(value: bool | None) -> str:
        return "no" if value is False else "yes"  # C: a failed call (-1) is true

    autostart = data["autostart"]
    pairs = [
        ("Name:", data["name"]),
        ("Parent:", data["parent"] or ""),
        ("Active:", yes_no(data["active"])),
        ("Persistent:", yes_no(data["persistent"])),
        ("Autostart:", "no autostart" if autostart is None else yes_no(autostart)),
    ]
    s.print("".join(f"{label:<15} {value}\n" for label, value in pairs))
    return True


# ---------------------------------------------------------------------------
# nodedev-event

_LIFECYCLE = ("Created", "Deleted", "Defined", "Undefined")


def _lifecycle_line(dev: libvirt.virNodeDevice, event: int) -> str:
    word = _LIFECYCLE[event] if 0 <= event < len(_LIFECYCLE) else "unknown"
    return f"event 'lifecycle' for node device {dev.name()}: {word}\n"


# virshNodeDeviceEventCallbacks, in VIR_NODE_DEVICE_EVENT_ID_* order: the
# line of each event from the callback's arguments after the device.
_EVENTS: dict[str, Callable[[libvirt.virNodeDevice, tuple[Any, ...]], str]] = {
    "lifecycle": lambda dev, args: _lifecycle_line(dev, args[0]),
    "update": lambda dev, _args: f"event 'update' for node device {dev.name()}\n",
}
EVENT_NAMES = tuple(_EVENTS)


def complete_event_names(_s: Session, _flags: int = 0) -> list[str]:
    """virshNodeDeviceEventNameCompleter."""
    return list(EVENT_NAMES)


def _forward(events: EventWait, event_name: str) -> Callable[..., None]:
    """The libvirt callback of one event type: its line, in virsh's words, to ``events``."""
    line = _EVENTS[event_name]

    def callback(_conn: Any, dev: Any, *rest: Any) -> None:
        args = rest[:-1]  # the last argument is the opaque
        events.deliver(lambda stamp: stamped(stamp, line(dev, args)))

    return callback


@command(
    "nodedev-event",
    summary="Node Device Events",
    description="List event types, or wait for node device events to occur",
    group=GROUP,
)
@option("device", OptKind.STRING, "filter by node device name", completer=nodedev_names)
@option("event", OptKind.STRING, "which event type to wait for", completer=complete_event_names)
@event_wait_options
@option("list", OptKind.BOOL, "list valid event types")
@timestamp_option
def nodedev_event(
    s: Session,
    device: str | None,
    event: str | None,
    loop: bool,
    timeout: str | None,
    list: bool,  # virsh's option name
    timestamp: bool,
) -> bool:
    conn = s.conn
    return object_events(
        s,
        names=EVENT_NAMES,
        event=event,
        list_only=list,
        timeout=timeout,
        loop=loop,
        timestamp=timestamp,
        find=None if device is None else lambda: _by_name(s, device),
        lenient_lookup=False,
        register=lambda obj, index, cb: conn.nodeDeviceEventRegisterAny(obj, index, cb, None),
        deregister=conn.nodeDeviceEventDeregisterAny,
        callback=_forward,
    )
