"""Host interfaces and node devices on the real daemon, vsh against /usr/bin/virsh.

The stack's libvirtd sees the machine's own interfaces and devices (it runs in
a mount namespace only), so everything here reads, or is refused before
anything changes:

* interfaces: iface-list, iface-dumpxml, iface-mac, iface-name, iface-edit with
  an editor that changes nothing; iface-begin/-commit/-rollback, iface-bridge
  and an iface-edit that changes the XML only when the interface driver is
  udev's (read-only: it refuses transactions and definitions), never with
  netcf, which would act on the machine's network configuration;
  iface-unbridge of a device that is no bridge (refused before any call that
  changes anything);
* node devices: nodedev-list --cap net, nodedev-info and nodedev-dumpxml of a
  network device and of "computer"; nodedev-detach/-reattach/-reset of
  devices that are no PCI devices (refused: never a PCI device here, which
  detach would really unbind); start/autostart/undefine of "computer"
  (refused); nodedev-event with --timeout.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same
from tests.real.util import same

pytestmark = pytest.mark.real

DRIVERS = Path("/usr/lib/x86_64-linux-gnu/libvirt/connection-driver")


def _udev_interface_backend() -> bool:
    """The interface driver is built without netcf (its udev backend is read-only)."""
    driver = DRIVERS / "libvirt_driver_interface.so"
    return driver.exists() and b"libnetcf" not in driver.read_bytes()


@pytest.fixture(scope="module")
def host(real_stack):
    """(stack, an interface name, its MAC, a net node device that is not PCI)."""
    listing = real_stack.virsh("iface-list", "--all").stdout.splitlines()[2:]
    rows = [line.split() for line in listing if line.strip()]
    assert rows, "the daemon lists no host interface"
    name, _state, mac = next((r for r in rows if r[0] == "lo"), rows[0])
    devices = real_stack.virsh("nodedev-list", "--cap", "net").stdout.split()
    assert devices, "the daemon lists no net node device"
    device = next((d for d in devices if d.startswith(f"net_{name}_")), devices[0])
    return real_stack, name, mac, device


def test_interfaces_read(host):
    stack, name, mac, _device = host
    for command in (
        "iface-list",
        "iface-list --all",
        "iface-list --inactive",
        f"iface-dumpxml {name}",
        f"iface-dumpxml {name} --inactive",
        f"iface-dumpxml {mac}",
        f"iface-dumpxml {name} --xpath //mac/@address",
        f"iface-mac {name}",
        f"iface-mac {mac}",
        f"iface-name {mac}",
        f"iface-name {name}",
        "iface-mac vsh-no-such-if",
        "iface-name 02:00:5e:ff:ff:fe",
    ):
        same(stack, command)


def test_interface_edit_unchanged(host):
    """An editor that changes nothing: no define is attempted."""
    stack, name, mac, _device = host
    for target in (name, mac):
        args = ["-c", stack.uri, f"iface-edit {target}"]
        assert_same(args, env={"EDITOR": "true"}, timeout=90)


def test_interface_refusals(host):
    stack, name, _mac, _device = host
    same(stack, f"iface-unbridge {name}")
    same(stack, f"iface-unbridge {name} --no-start")
    same(stack, "iface-unbridge vsh-no-such-br")
    same(stack, f"iface-bridge {name} {name}")  # refused: the name exists
    same(stack, "iface-bridge vsh-no-such-if br-vsh")
    same(stack, "iface-undefine vsh-no-such-if")
    same(stack, "iface-start vsh-no-such-if")
    same(stack, "iface-destroy vsh-no-such-if")


@pytest.mark.skipif(
    not _udev_interface_backend(), reason="netcf backend: would act on the host's network"
)
def test_interface_udev_refusals(host):
    """udev's interface backend refuses transactions and definitions."""
    stack, name, _mac, _device = host
    same(stack, "iface-begin")
    same(stack, "iface-commit")
    same(stack, "iface-rollback")
    same(stack, "iface-begin; iface-rollback")
    # builds the bridge document from the real XML, then define is refused
    same(stack, f"iface-bridge {name} br-vsh-test --no-start")


@pytest.mark.skipif(
    not _udev_interface_backend(), reason="netcf backend: would act on the host's network"
)
def test_interface_edit_refused(host, tmp_path):
    """An edit udev's backend refuses to define: without a terminal virsh says
    "Failed." and then "Interface (null) XML configuration edited.", status 0."""
    stack, name, _mac, _device = host
    editor = tmp_path / "edit.sh"
    editor.write_text("#!/bin/sh\nsed -i 's|</interface>|<!-- vsh --></interface>|' \"$1\"\n")
    editor.chmod(0o755)
    args = ["-c", stack.uri, f"iface-edit {name}; iface-dumpxml {name}"]
    out = assert_same(args, env={"EDITOR": str(editor)}, timeout=90)
    assert out.err == "error: Failed.\n"
    assert out.out.startswith("Interface (null) XML configuration edited.\n")


def test_node_devices_read(host):
    stack, _name, _mac, device = host
    for command in (
        "nodedev-list --cap net",
        "nodedev-list --cap net,system",
        f"nodedev-info {device}",
        "nodedev-info computer",
        f"nodedev-dumpxml {device}",
        f"nodedev-dumpxml {device} --xpath //capability/@type --wrap",
        "nodedev-info vsh-no-such-dev",
        "nodedev-info 2000000012341234,1000000012341234",
    ):
        same(stack, command)


def test_node_device_refusals(host):
    """Detach, reattach and reset of devices that are not PCI devices (computer,
    a network device): refused.  Never a pci_* device here."""
    stack, _name, _mac, device = host
    assert not device.startswith("pci_")
    for command in (
        "nodedev-detach computer",
        "nodedev-detach computer --driver vfio",
        f"nodedev-detach {device}",
        f"nodedev-dettach {device}",
        "nodedev-reattach computer",
        f"nodedev-reattach {device}",
        "nodedev-reset computer",
        f"nodedev-reset {device}",
        "nodedev-detach vsh-no-such-dev",
        "nodedev-start computer",
        "nodedev-autostart computer",
        "nodedev-autostart computer --disable",
        "nodedev-undefine computer",
        "nodedev-destroy vsh-no-such-dev",
    ):
        same(stack, command)


@pytest.mark.real(timeout=120)
def test_node_device_event_timeout(host):
    stack, _name, _mac, device = host
    for command in (
        "nodedev-event --list",
        "nodedev-event --event lifecycle --timeout 1",
        "nodedev-event --event update --timeout 1 --loop --timestamp",
        f"nodedev-event --event lifecycle --device {device} --timeout 1",
        "nodedev-event --event lifecycle --device vsh-no-such-dev --timeout 1",
    ):
        same(stack, command)
