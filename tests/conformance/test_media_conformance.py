"""Differential tests: blockresize and change-media on the test driver.

The test driver implements neither virDomainBlockResize nor
virDomainUpdateDeviceFlags: these compare option parsing, the size scaling,
the disk look-up and ``change-media --print-xml`` (the edited disk XML, byte
for byte) and the failure lines.  The real stack runs both for real
(tests/real/test_media.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"

# Two CD-ROMs (with media and a startup policy, empty), a floppy on a block
# device and a plain disk, which change-media must not pick.
MEDIA_XML = """<domain type='test'>
  <name>cd</name>
  <memory>65536</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/tmp/a.iso' startupPolicy='optional'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='hdd' bus='ide'/>
      <readonly/>
    </disk>
    <disk type='block' device='floppy'>
      <source dev='/dev/fd0'/>
      <target dev='fda' bus='fdc'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/tmp/d.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
"""


@pytest.mark.parametrize("name", ("blockresize", "change-media"))
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


@pytest.mark.parametrize(
    "line",
    [
        "blockresize test vda 1M",
        "blockresize test vda 0",
        "blockresize test vda 1000b",
        "blockresize test vda --size 3",
        "blockresize test vda -1",
        "blockresize test vda abc",
        "blockresize test vda 16EiB",
        "blockresize test vda 18446744073709551615",
        "blockresize test vda 17179869184T",
        "blockresize test vda 1x",
        "blockresize test vda 0x10",
        "blockresize test vda ''",
        "blockresize test '' 1",
        "blockresize nope vda 1",
        "blockresize test vda",
        "blockresize test",
        "blockresize test vda --size 5 --path vdb",
        "blockresize 1 vda 1; blockresize 6695eb01-f6a4-8304-79aa-97f2502e193f vda 1",
    ],
)
def test_blockresize(line: str) -> None:
    assert_same(["-c", DEFAULT, line])


CHANGE_MEDIA = [
    "change-media cd hdc --eject --print-xml",
    "change-media cd hdc /x.iso --print-xml",
    "change-media cd hdc /x.iso --insert --print-xml",
    "change-media cd hdd /x.iso --insert --print-xml",
    "change-media cd hdd --eject",
    "change-media cd hdd --update --print-xml",
    "change-media cd hdd",
    "change-media cd fda /dev/sdb --block --print-xml",
    "change-media cd /dev/fd0 /f.img --print-xml",
    "change-media cd vda --eject",
    "change-media cd /tmp/d.img /x",
    "change-media cd /tmp/a.iso --update /y --print-xml --config",
    "change-media cd hdc --eject",
    "change-media cd hdc /z --insert --live",
    "change-media cd hdc /z --force",
    "change-media cd hdc --eject --block",
    "change-media cd hdc --eject --insert",
    "change-media cd hdc --insert --update",
    "change-media cd hdc --eject --update",
    "change-media cd hdc --current --live",
    "change-media cd hdc --current --config",
    "change-media cd hdc ''",
    "change-media cd hdc --source ''",
    "change-media cd hdx",
    "change-media nope hdc",
    "change-media cd ''",
    "change-media cd hdc '<a&b\"c>' --print-xml",
    "change-media test vda /x",
]


def test_change_media(tmp_path: Path) -> None:
    (tmp_path / "cd.xml").write_text(MEDIA_XML)
    for line in CHANGE_MEDIA:
        assert_same(["-c", DEFAULT, f"define cd.xml; {line}"], cwd=str(tmp_path))
