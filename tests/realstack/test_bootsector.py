"""The hand-assembled boot sector (no stack needed; objdump checks run where binutils is)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.realstack.bootsector import POWEROFF_LINE, READY_LINE, boot_sector, disk_image


def test_sector_shape():
    sector = boot_sector()
    assert len(sector) == 512
    assert sector[510:] == b"\x55\xaa"
    assert READY_LINE.encode() + b"\r\n\0" in sector
    assert POWEROFF_LINE.encode() + b"\r\n\0" in sector
    assert sector[0] == 0xFA  # cli


def test_disk_image_starts_with_the_sector():
    image = disk_image(1 << 16)
    assert len(image) == 1 << 16
    assert image[:512] == boot_sector()
    assert image[512:] == bytes(len(image) - 512)


@pytest.mark.skipif(not shutil.which("objdump"), reason="objdump (binutils) not installed")
def test_disassembles_to_the_documented_program(tmp_path):
    path = tmp_path / "sector.bin"
    path.write_bytes(boot_sector())
    out = subprocess.run(
        ["objdump", "-D", "-b", "binary", "-mi8086", "--adjust-vma=0x7c00", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    listing = [line.split("\t")[-1].strip() for line in out.splitlines() if "\t" in line]
    program = listing[: listing.index("ret", listing.index("ret") + 1) + 1]  # up to puts' ret
    text = "\n".join(program)
    for expected in (
        "mov    $0x80000b00,%eax",  # PCI config address of 0:1.3
        "cmp    $0x71138086,%eax",  # PIIX4 PM vendor/device
        "and    $0xffc0,%ax",  # PMBASE
        "lea    0x2(%bp),%dx",  # PM1_EN
        "test   $0x100,%ax",  # PWRBTN_STS
        "lea    0x4(%bp),%dx",  # PM1_CNT
        "mov    $0x2000,%ax",  # SLP_EN, SLP_TYP 0
        "mov    $0x3f8,%dx",  # COM1
    ):
        assert expected in text, expected
    assert program.count("hlt") == 2  # idle loop and final halt
    assert "(bad)" not in text
