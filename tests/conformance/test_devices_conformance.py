"""Differential tests: attach-*/detach-*/update-device against virsh 9.0.

The test driver implements none of the device APIs, so besides the
``--print-xml`` paths (which build or find the XML without calling them) the
cases check option handling, look-ups, flag choice (the API named in the
driver's "not supported" message) and read-only connections.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFAULT = "test:///default"
NODE = f"test://{FIXTURES / 'domains' / 'node.xml'}"
TESTNODE = f"test://{FIXTURES / 'testnode' / 'testnode.xml'}"

COMMANDS = [
    *("attach-device", "attach-disk", "attach-interface"),
    *("detach-device", "detach-disk", "detach-interface", "update-device"),
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


DISK = "attach-disk testdom /nonexistent/file"
ATTACH_DISK = [
    "attach-disk",
    "attach-disk test",
    "attach-disk --print-xml --domain testdom --source '' --target hda",
    "attach-disk --print-xml --domain testdom --source /dev/null --target hda",
    "attach-disk --print-xml --domain testdom --source /dev/null --target hda --driver file",
    f"{DISK} vdb --print-xml --address pci:12.34.56.78 --multifunction "
    "--wwn 0x1234567890abcdef --serial 'a<b' --shareable --targetbus virtio --cache none "
    "--io native --iothread 2 --rawio --alias ua-x --driver qemu --subdriver qcow2 --type disk",
    f"{DISK} vdb --print-xml --mode readonly --address ccw:fe.0.1",
    f"{DISK} sdb --print-xml --address usb:1.2",
    f"{DISK} sdb --print-xml --address sata:1.2.3",
    f"{DISK} hdb --print-xml --address ide:0.1.0",
    f"{DISK} hdb --print-xml --address scsi:0.1.0",
    f"{DISK} xdb --print-xml --address scsi:0.1.0",
    f"{DISK} vdb --print-xml --address pci:1",
    f"{DISK} vdb --print-xml --address pci:1.2.3.4x",
    f"{DISK} vdb --print-xml --address pci:-1.2.3.4",
    f"{DISK} vdb --print-xml --address 'pci: 0x1.2.3.4'",
    f"{DISK} vdb --print-xml --address pci:100000000.0.0.0",
    f"{DISK} vdb --print-xml --address nope",
    f"{DISK} vdb --print-xml --wwn zz",
    f"{DISK} vdb --print-xml --wwn 0x12345678",
    f"{DISK} vdb --print-xml --mode writable",
    f"{DISK} vdb --print-xml --sourcetype bogus",
    f"{DISK} vdb --print-xml --sourcetype block --source-protocol nbd",
    f"{DISK} vdb --print-xml --source-protocol nbd --source-host-name 'h:1' "
    "--source-host-transport tcp",
    f"{DISK} vdb --print-xml --source-protocol nbd --source-host-transport unix "
    "--source-host-socket /s",
    f"{DISK} vdb --print-xml --source-host-name h",
    f"{DISK} vdb --print-xml --source-protocol nbd --source-host-socket /s",
    f"{DISK} vdb --print-xml --source-protocol nbd --source-host-transport unix "
    "--source-host-socket /s --source-host-name h",
    "attach-disk testdom 'a&b\"c' vdb --print-xml --driver \"x'y\"",
    f"{DISK} vdb --print-xml --type ''",
    f"{DISK} '' --print-xml",
    "attach-disk test /x vdb",
    "attach-disk nope /x vdb",
    "attach-disk test /x vdb --persistent",
    "attach-disk test /x vdb --config --live",
    "attach-disk test /x vdb --current",
    "attach-disk test /x vdb --current --live",
    "attach-disk test /x vdb --current --config",
    "attach-disk test /x vdb --current --persistent",
]


@pytest.mark.parametrize("script", ATTACH_DISK)
def test_attach_disk(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


ATTACH_INTERFACE = [
    "attach-interface test network default --print-xml --mac 52:54:00:00:00:01 --model virtio "
    "--inbound 100,200,300,400 --outbound 1,2,3 --managed --alias ua-n --target vnet9 "
    "--script /bin/true",
    "attach-interface test bridge br0 --print-xml --inbound ,,,5",
    "attach-interface test direct eth0 --print-xml --outbound 7",
    "attach-interface test hostdev 0000:00:1f.2 --print-xml",
    "attach-interface test hostdev nope --print-xml",
    "attach-interface test vhostuser /s --print-xml",
    "attach-interface test vhostuser /s --print-xml --source-mode client",
    "attach-interface test vhostuser /s --print-xml --source-mode other",
    "attach-interface test user x --print-xml",
    "attach-interface test bogus x",
    "attach-interface test network default --inbound 0,1",
    "attach-interface test network default --outbound 1,,,3",
    "attach-interface test network default --outbound 0",
    "attach-interface test network default --outbound 1,x",
    "attach-interface test network default --inbound -1",
    "attach-interface test network default --inbound 1,2,3,4,5",
    "attach-interface test network default --mac ''",
    "attach-interface test network default",
    "attach-interface test network default --persistent",
    "attach-interface test network default --current --persistent",
    "attach-interface nope network default",
]


@pytest.mark.parametrize("script", ATTACH_INTERFACE)
def test_attach_interface(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


DETACH = [
    "detach-disk test vda --print-xml",
    "detach-disk test /guest/diskimage1 --print-xml --config",
    "detach-disk test /guest/diskimage1 --print-xml --persistent",
    "detach-disk test vdz",
    "detach-disk test ''",
    "detach-disk test vda",
    "detach-disk test vda --live",
    "detach-disk test vda --current --live",
    "detach-disk nope vda",
    "detach-interface test user --print-xml",
    "detach-interface test network --print-xml",
    "detach-interface test user --mac 00:00:00:00:00:00",
    "detach-interface test user --mac 0:0:0:0:0:0 --print-xml",
    "detach-interface test user --mac 52:54:00:aa:bb:cc",
    "detach-interface test user",
    "detach-interface test user --config --print-xml",
    "detach-interface test user --persistent --print-xml",
    "detach-interface test user --persistent",
    "detach-interface test '' ",
    "detach-interface test user --mac ''",
    "detach-interface test user --current --live",
    "detach-interface nope user",
]


@pytest.mark.parametrize("script", DETACH)
def test_detach(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize("uri", [NODE, TESTNODE])
def test_detach_other_fixtures(uri: str) -> None:
    assert_same(["-c", uri, "list --all --name"])
    out = assert_same(["-c", uri, "list --all --name"]).out.split()
    for name in out[:4]:
        quoted = "'" + name.replace("'", "") + "'" if "'" not in name else None
        if quoted is None:
            continue
        assert_same(["-c", uri, f"domblklist {quoted} --inactive"])
        assert_same(["-c", uri, f"detach-disk {quoted} hda --print-xml --config"])
        assert_same(["-c", uri, f"detach-interface {quoted} network --print-xml --config"])


def test_device_files(tmp_path: Path) -> None:
    dev = tmp_path / "dev.xml"
    dev.write_text("<disk type='file'><source file='/x'/><target dev='vdz'/></disk>\n")
    for cmd in ("attach-device", "detach-device", "update-device"):
        assert_same(["-c", DEFAULT, f"{cmd} test {dev}"])
        assert_same(["-c", DEFAULT, f"{cmd} test {dev} --persistent"])
        assert_same(["-c", DEFAULT, f"{cmd} test {dev} --config --live"])
        assert_same(["-c", DEFAULT, f"{cmd} test {tmp_path / 'missing.xml'}"])
        assert_same(["-c", DEFAULT, f"{cmd} test ''"])
        assert_same(["-c", DEFAULT, f"{cmd} nope {dev}"])
        assert_same(["-c", DEFAULT, f"{cmd} test {dev} --current --persistent"])
        assert_same(["-r", "-c", DEFAULT, f"{cmd} test {dev}"])
    assert_same(["-c", DEFAULT, f"update-device test {dev} --force"])


def test_read_only() -> None:
    assert_same(["-r", "-c", DEFAULT, "attach-disk test /x vdb"])
    assert_same(["-r", "-c", DEFAULT, "attach-disk test /x vdb --print-xml"])
    assert_same(["-r", "-c", DEFAULT, "detach-disk test vda --print-xml"])
    assert_same(["-r", "-c", DEFAULT, "detach-interface test user"])
    assert_same(["-r", "-c", DEFAULT, "attach-interface test network default"])


def test_quiet_and_debug() -> None:
    assert_same(["-q", "-c", DEFAULT, "attach-disk test /x vdb --print-xml"])
    assert_same(["-d", "0", "-c", DEFAULT, "detach-disk test vda --print-xml"])
