"""blockresize and change-media on real QEMU guests, virsh against vsh.

As in test_blockjobs.py, virsh acts on ``<name>-a`` and vsh on ``<name>-b``,
two identical guests; the three streams must agree (guest names swapped) and
so must what each guest shows afterwards (``domblkinfo``, ``domblklist``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conformance.harness import Outcome
from tests.real.util import needs, ok, virsh, vsh

pytestmark = pytest.mark.real

Args = Callable[[str], list[str]]

# An empty IDE CD-ROM, as an admin adds one for installing from ISOs later.
CDROM = """    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
"""


def _cdrom_guest(stack, guests, name: str) -> None:
    """A running guest with an empty CD-ROM besides its disk."""
    g = guests(name, define=False)
    g.xml.write_text(
        stack.guest_xml(name).replace(
            "    <controller type='usb'", CDROM + "    <controller type='usb'"
        )
    )
    ok(virsh(stack, "define", str(g.xml)), "define")
    stack.start_guest(name)


def _exact(stack, a: str, b: str, args: Args, after: Args) -> Outcome:
    """virsh on ``a``, vsh on ``b``: identical streams, and identical ``after`` output."""
    expected = virsh(stack, *args(a))
    actual = vsh(stack, *args(b))
    assert (actual.status, actual.out.replace(b, a), actual.err.replace(b, a)) == (
        expected.status,
        expected.out,
        expected.err,
    )
    seen_a = ok(virsh(stack, *after(a))).out
    seen_b = ok(virsh(stack, *after(b))).out
    assert seen_b.replace(b, a) == seen_a
    return actual


@pytest.mark.real(timeout=200)
def test_blockresize(real_stack, guests):
    needs("blockresize")
    a, b = "rs-a", "rs-b"
    for g in (a, b):
        guests(g, start=True)
    info: Args = lambda g: ["domblkinfo", g, "vda"]  # noqa: E731
    before = ok(virsh(real_stack, *info(a))).out
    out = _exact(real_stack, a, b, lambda g: ["blockresize", g, "vda", "96M"], info)
    assert (out.status, out.out) == (0, "Block device 'vda' is resized\n")
    assert ok(virsh(real_stack, *info(b))).out != before
    assert "Capacity:       100663296\n" in ok(virsh(real_stack, *info(b))).out
    # not a multiple of KiB: VIR_DOMAIN_BLOCK_RESIZE_BYTES
    _exact(
        real_stack,
        a,
        b,
        lambda g: ["blockresize", g, "--path", "vda", "--size", "102400512b"],
        info,
    )
    # by source path, shrinking (refused by qcow2), a wrong disk, -q
    for args in (
        lambda g: ["blockresize", g, str(real_stack.guest(g).disk), "128M"],
        lambda g: ["blockresize", g, "vda", "1M"],
        lambda g: ["blockresize", g, "vdz", "1G"],
        lambda g: ["-q", "blockresize", g, "vda", "160M"],
        lambda g: ["blockresize", g, "vda", "0"],
    ):
        _exact(real_stack, a, b, args, info)
    ok(virsh(real_stack, "destroy", a))
    ok(virsh(real_stack, "destroy", b))
    _exact(real_stack, a, b, lambda g: ["blockresize", g, "vda", "200M"], info)


@pytest.mark.real(timeout=240)
def test_change_media(real_stack, guests, tmp_path):
    needs("change-media")
    a, b = "cm-a", "cm-b"
    for g in (a, b):
        _cdrom_guest(real_stack, guests, g)
    media = real_stack.root / "images" / "cm-a.media.raw"  # removed with the guest
    other = real_stack.root / "images" / "cm-a.other.raw"
    for path in (media, other):
        path.write_bytes(b"\0" * 1024 * 1024)
    blk: Args = lambda g: ["domblklist", g, "--details"]  # noqa: E731
    steps: list[Args] = [
        lambda g: ["change-media", g, "hdc", "--eject"],  # no media yet
        lambda g: ["change-media", g, "hdc", str(media), "--insert", "--print-xml"],
        lambda g: ["change-media", g, "hdc", str(media), "--insert"],
        lambda g: ["change-media", g, "hdc", str(other), "--insert"],  # already has media
        lambda g: ["change-media", g, str(media), str(other), "--update", "--live"],
        lambda g: ["change-media", g, "hdc", "--eject", "--config"],  # config has none
        lambda g: ["change-media", g, "hdc", "--source", str(media), "--config", "--print-xml"],
        lambda g: ["change-media", g, "hdc", "--source", str(media), "--update", "--config"],
        lambda g: ["change-media", g, "vda", "--eject"],  # not changeable
        lambda g: ["change-media", g, "hdc", "--update", "--live", "--force"],  # = eject
        lambda g: ["change-media", g, "hdc", "/nonexistent.iso"],
        lambda g: ["-q", "change-media", g, "hdc", str(media), "--insert"],  # vshPrint: kept
        lambda g: ["-q", "change-media", g, "hdc", "--eject", "--force"],
    ]
    outcomes = [_exact(real_stack, a, b, args, blk) for args in steps]
    # from first principles: the success lines (vshPrint) and the media left behind
    assert outcomes[2].out == "Successfully inserted media.\n"
    assert outcomes[4].out == "Successfully updated media.\n"
    assert outcomes[9].out == "Successfully ejected media.\n"
    assert outcomes[3].err == "error: The disk device 'hdc' already has media\n"
    assert str(media) in ok(virsh(real_stack, "domblklist", b, "--inactive")).out
    assert str(other) not in ok(virsh(real_stack, *blk(b))).out
    # -q drops only the newline virsh adds after a command (vshPrintExtra)
    assert outcomes[-1].out == "Successfully ejected media."
    inactive: Args = lambda g: ["domblklist", g, "--inactive"]  # noqa: E731
    _exact(real_stack, a, b, lambda g: ["change-media", g, "hdc", "--eject", "--config"], inactive)
    assert str(media) not in ok(virsh(real_stack, *inactive(b))).out
