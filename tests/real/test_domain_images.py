"""dump, save images and managed save images on real QEMU guests, vsh against virsh.

Mutating commands run on two identical guests, one per tool: virsh acts on
``<name>-a`` and vsh on ``<name>-b``, and every path holds the guest's name, so
their stdout, stderr and exit status must be the same once the names are
swapped.  What they leave behind (the guest's state, the file's format by its
magic bytes, the XML inside a save image) must be the same too.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conformance.harness import Outcome, run_virsh, run_vsh
from tests.real.util import needs, ok, same, virsh, vsh
from tests.realstack.stack import READY_LINE, Stack

pytestmark = pytest.mark.real

Args = Callable[[str], list[str]]


def _pair(stack: Stack, guests, name: str, *, start: bool = True) -> tuple[str, str]:
    a, b = f"{name}-a", f"{name}-b"
    for g in (a, b):
        guests(g, start=start)
    return a, b


def _exact(
    stack: Stack,
    a: str,
    b: str,
    args: Args,
    env: dict[str, str] | None = None,
    normalise: Callable[[str], str] = str,
) -> Outcome:
    """virsh ARGS(a), vsh ARGS(b): the same three streams with the names swapped."""
    argv = ["-c", stack.uri]
    expected = run_virsh([*argv, *args(a)], env=env, timeout=120)
    actual = run_vsh([*argv, *args(b)], env=env, timeout=120)
    assert actual.status == expected.status, (expected, actual)
    assert normalise(actual.out.replace(b, a)) == normalise(expected.out)
    assert normalise(actual.err.replace(b, a)) == normalise(expected.err)
    return actual


def _temp(text: str) -> str:
    """The editor's temporary file is named at random (mkstemp)."""
    return re.sub(r"/virsh\w{6}\.xml", "/virshXXXXXX.xml", text)


def _uuids(text: str) -> str:
    """Each guest's UUID comes from its name: blank them where the other's shows."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", text)


def _state(stack: Stack, g: str) -> str:
    return ok(virsh(stack, "domstate", g, "--reason")).out


def _magic(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(16)


def _images(stack: Stack) -> Path:
    return stack.root / "images"  # removed with the guests (files named after them)


# -- dump ------------------------------------------------------------------------------
# (extra options, what the file starts with)
DUMPS: list[tuple[list[str], bytes]] = [
    ([], b"QEVM"),  # the raw QEMU migration stream (no libvirt header, unlike save)
    (["--memory-only"], b"\x7fELF\x02"),
    (["--memory-only", "--format", "elf"], b"\x7fELF\x02"),
    # QEMU's flattened kdump (makedumpfile's format)
    (["--memory-only", "--format", "kdump-zlib"], b"makedumpfile\x00"),
    (["--bypass-cache"], b"QEVM"),
]


@pytest.mark.real(timeout=240)
def test_dump_formats(real_stack, guests):
    needs("dump")
    a, b = _pair(real_stack, guests, "di-dump")
    images = _images(real_stack)
    for i, (extra, magic) in enumerate(DUMPS):
        out = _exact(
            real_stack, a, b, lambda g, e=extra, i=i: ["dump", g, str(images / f"{g}.{i}"), *e]
        )
        assert (out.status, out.out) == (0, f"\nDomain '{b}' dumped to {images / b}.{i}\n\n")
        for g in (a, b):
            assert _magic(images / f"{g}.{i}").startswith(magic), (extra, g)
            assert stat.S_IMODE(os.stat(images / f"{g}.{i}").st_mode) == stat.S_IMODE(
                os.stat(images / f"{a}.{i}").st_mode
            )
        # a plain dump pauses the guest while it runs and resumes it after
        assert _state(real_stack, b) == _state(real_stack, a) == "running (unpaused)\n\n"


@pytest.mark.real(timeout=200)
def test_dump_refusals(real_stack, guests):
    """What QEMU or libvirt refuse: same words, no file left behind."""
    needs("dump")
    a, b = _pair(real_stack, guests, "di-dumpno")
    images = _images(real_stack)
    for extra in (
        ["--memory-only", "--format", "kdump-snappy"],  # not built into Debian's QEMU
        ["--memory-only", "--format", "kdump-lzo"],
        ["--memory-only", "--format", "win-dmp"],  # a Windows-only format
        ["--memory-only", "--format", "bogus"],
        ["--format", "elf"],
        ["--live", "--crash"],
        ["--crash", "--reset"],
        ["--live", "--reset"],
    ):
        out = _exact(real_stack, a, b, lambda g, e=extra: ["dump", g, str(images / f"{g}.no"), *e])
        assert out.status == 1 and out.err.startswith("error: "), extra
        assert not (images / f"{b}.no").exists()
    assert _state(real_stack, b) == _state(real_stack, a)
    assert _state(real_stack, b).startswith("running (")


@pytest.mark.real(timeout=200)
def test_dump_verbose_progress(real_stack, guests):
    """--verbose: the progress line (``\\rDump: [100 %]``) then the result, on stderr."""
    needs("dump")
    a, b = _pair(real_stack, guests, "di-dumpv")
    images = _images(real_stack)
    for extra in ([], ["--memory-only"], ["--live"]):
        out = _exact(
            real_stack,
            a,
            b,
            lambda g, e=extra: ["dump", g, str(images / f"{g}.v"), "--verbose", *e],
        )
        # the harness reads text: virsh's \r arrives as a newline; the line's own
        # newline goes to stdout, ahead of the result
        assert re.fullmatch(r"(\nDump: \[(?: {2}\d| \d\d|100) %\])+", out.err), out.err
        assert out.err.endswith("\nDump: [100 %]")
        assert out.out == f"\nDomain '{b}' dumped to {images / b}.v\n\n"


@pytest.mark.real(timeout=200)
def test_dump_live_crash_reset(real_stack, guests):
    """--live keeps the guest running, --crash stops it, --reset reboots it."""
    needs("dump")
    a, b = _pair(real_stack, guests, "di-dumpst")
    images = _images(real_stack)
    qemu = real_stack.qemu_pids()
    _exact(real_stack, a, b, lambda g: ["dump", g, str(images / f"{g}.live"), "--live"])
    assert _state(real_stack, b) == _state(real_stack, a)
    assert _state(real_stack, b).startswith("running (")
    assert real_stack.qemu_pids()[b] == qemu[b]

    _exact(real_stack, a, b, lambda g: ["dump", g, str(images / f"{g}.reset"), "--reset"])
    for g in (a, b):  # the boot sector ran again: a second ready line
        real_stack.wait_serial(g, READY_LINE, count=2, timeout=60)
        assert real_stack.qemu_pids()[g] == qemu[g]
    assert _state(real_stack, b) == _state(real_stack, a)

    _exact(real_stack, a, b, lambda g: ["dump", g, str(images / f"{g}.crash"), "--crash"])
    assert _state(real_stack, b) == _state(real_stack, a) == "shut off (crashed)\n\n"
    assert (images / f"{b}.crash").exists()
    # a stopped guest cannot be dumped
    out = _exact(real_stack, a, b, lambda g: ["dump", g, str(images / f"{g}.off")])
    assert out.status == 1 and "domain is not running" in out.err


# -- save images -----------------------------------------------------------------------
def _editor(tmp_path: Path, name: str, body: str) -> str:
    script = tmp_path / name
    script.write_text(f"#!/bin/sh\n{body}")
    script.chmod(0o755)
    return str(script)


DESCRIBE = "sed -i 's|</name>|</name><description>{text}</description>|' \"$1\"\n"


@pytest.mark.real(timeout=240)
def test_save_image_dumpxml_define_edit(real_stack, guests, tmp_path):
    needs("save-image-dumpxml", "save-image-define", "save-image-edit")
    a, b = _pair(real_stack, guests, "di-simg")
    images = _images(real_stack)
    img: Callable[[str], str] = lambda g: str(images / f"{g}.save")  # noqa: E731
    for g in (a, b):
        ok(virsh(real_stack, "save", g, img(g)), "save")
    # reading: the one image through both tools
    for extra in (
        [],
        ["--security-info"],
        ["--xpath", "//disk"],
        ["--xpath", "//name", "--wrap"],
        ["--xpath", "//name/text()"],
        ["--xpath", "//nomatch"],
        ["--xpath", "//nomatch", "--wrap"],
    ):
        out = same(real_stack, "save-image-dumpxml", img(b), *extra)
        assert out.status == 0
    out = same(real_stack, "save-image-dumpxml", img(b), readonly=True)
    assert out.status == 1 and "read only access prevents" in out.err
    assert same(real_stack, "save-image-dumpxml", str(images / "none.save")).status == 1

    # define: an XML with a description, then one of another domain (refused)
    for g in (a, b):  # each guest's own XML (the UUIDs differ)
        xml = ok(virsh(real_stack, "save-image-dumpxml", img(g))).out
        (tmp_path / f"{g}.xml").write_text(
            xml.replace("</name>", "</name>\n  <description>defined</description>")
        )
    out = _exact(
        real_stack, a, b, lambda g: ["save-image-define", img(g), str(tmp_path / f"{g}.xml")]
    )
    assert out.out == f"State file {img(b)} updated.\n\n"
    out = _exact(
        real_stack,
        a,
        b,
        lambda g: ["save-image-define", img(g), str(tmp_path / f"{a if g == b else b}.xml")],
        normalise=_uuids,
    )
    assert out.status == 1 and "does not match source" in out.err
    for extra in (["--running"], ["--paused"], ["--running", "--paused"]):
        _exact(
            real_stack,
            a,
            b,
            lambda g, e=extra: ["save-image-define", img(g), str(tmp_path / f"{g}.xml"), *e],
        )

    # edit: unchanged, changed, broken
    unchanged = _exact(real_stack, a, b, lambda g: ["save-image-edit", img(g)], {"EDITOR": "true"})
    assert unchanged.out == f"Saved image {img(b)} XML configuration not changed.\n\n"
    edit = _editor(tmp_path, "edit.sh", "sed -i 's|defined|edited|' \"$1\"\n")
    edited = _exact(
        real_stack, a, b, lambda g: ["save-image-edit", img(g), "--paused"], {"EDITOR": edit}
    )
    assert edited.out == f"State file {img(b)} edited.\n\n"
    failing = _editor(tmp_path, "fail.sh", "exit 3\n")
    out = _exact(
        real_stack, a, b, lambda g: ["save-image-edit", img(g)], {"EDITOR": failing}, _temp
    )
    assert out.status == 1
    for g in (a, b):
        assert ok(
            vsh(real_stack, "save-image-dumpxml", img(g), "--xpath", "//description")
        ).out == ("<description>edited</description>\n\n")

    # restoring runs the edited XML, paused as --paused asked
    _exact(real_stack, a, b, lambda g: ["restore", img(g)])
    # (libvirt 9.0 gives the reason "migrating" to a guest restored paused)
    assert _state(real_stack, b) == _state(real_stack, a)
    assert _state(real_stack, b).startswith("paused (")
    assert ok(vsh(real_stack, "dumpxml", b, "--xpath", "//description")).out == (
        "<description>edited</description>\n\n"
    )


# -- managed save ----------------------------------------------------------------------
@pytest.mark.real(timeout=240)
def test_managedsave_dumpxml_define_edit(real_stack, guests, tmp_path):
    needs("managedsave-dumpxml", "managedsave-define", "managedsave-edit")
    a, b = _pair(real_stack, guests, "di-msave")
    # no image yet: same error
    out = _exact(real_stack, a, b, lambda g: ["managedsave-dumpxml", g])
    assert out.status == 1 and "does not have managed save image" in out.err
    _exact(real_stack, a, b, lambda g: ["managedsave-edit", g], {"EDITOR": "true"})
    for g in (a, b):
        ok(virsh(real_stack, "managedsave", g), "managedsave")
    for extra in ([], ["--security-info"], ["--xpath", "//name", "--wrap"], ["--xpath", "//vcpu"]):
        same(real_stack, "managedsave-dumpxml", b, *extra)
    same(real_stack, "managedsave-dumpxml", b, readonly=True)

    for g in (a, b):  # each guest's own XML (the UUIDs differ)
        xml = ok(virsh(real_stack, "managedsave-dumpxml", g)).out
        (tmp_path / f"{g}.xml").write_text(
            xml.replace("</name>", "</name>\n  <description>defined</description>")
        )
    out = _exact(
        real_stack,
        a,
        b,
        lambda g: ["managedsave-define", g, str(tmp_path / f"{g}.xml"), "--paused"],
    )
    assert out.out == f"Managed save state file of domain '{b}' updated.\n\n"
    out = _exact(
        real_stack,
        a,
        b,
        lambda g: ["managedsave-define", g, str(tmp_path / f"{a if g == b else b}.xml")],
        normalise=_uuids,
    )
    assert out.status == 1 and "does not match source" in out.err

    unchanged = _exact(real_stack, a, b, lambda g: ["managedsave-edit", g], {"EDITOR": "true"})
    assert unchanged.out == (
        f"Managed save image of domain '{b}' XML configuration not changed.\n\n"
    )
    edit = _editor(tmp_path, "edit.sh", "sed -i 's|defined|edited|' \"$1\"\n")
    out = _exact(real_stack, a, b, lambda g: ["managedsave-edit", g, "--running"], {"EDITOR": edit})
    assert out.out == f"Managed save image of Domain '{b}' XML configuration edited.\n\n"

    # start restores the edited image, running as --running asked (overriding --paused)
    out = _exact(real_stack, a, b, lambda g: ["start", g])
    assert out.out == f"Domain '{b}' started\n\n"
    assert _state(real_stack, b) == _state(real_stack, a) == "running (restored)\n\n"
    assert ok(vsh(real_stack, "dumpxml", b, "--xpath", "//description")).out == (
        "<description>edited</description>\n\n"
    )


GRAPHICS = "<graphics type='vnc' port='-1' autoport='yes' passwd='s3cret' listen='127.0.0.1'/>"


@pytest.mark.real(timeout=200)
def test_security_info_shows_the_password(real_stack, guests, tmp_path):
    """A VNC password in a save image and a managed save image: hidden unless
    --security-info, through both tools alike."""
    needs("save-image-dumpxml", "managedsave-dumpxml")
    g = "di-secret"
    guests(g, start=True)
    img = str(_images(real_stack) / f"{g}.save")
    ok(virsh(real_stack, "save", g, img))
    xml = tmp_path / "secret.xml"
    dumped = ok(virsh(real_stack, "save-image-dumpxml", img)).out
    xml.write_text(dumped.replace("</devices>", f"{GRAPHICS}\n  </devices>"))
    ok(virsh(real_stack, "save-image-define", img, str(xml)))
    for extra in ([], ["--xpath", "//graphics"], ["--xpath", "//graphics/@passwd"]):
        hidden = same(real_stack, "save-image-dumpxml", img, *extra)
        assert "s3cret" not in hidden.out
        if extra[-1:] == ["//graphics/@passwd"]:  # no such attribute without the flag
            assert hidden.out == "\n"
        shown = same(real_stack, "save-image-dumpxml", img, "--security-info", *extra)
        assert "s3cret" in shown.out
    # the same through a managed save image
    ok(virsh(real_stack, "restore", img))
    ok(virsh(real_stack, "managedsave", g))
    for extra in ([], ["--xpath", "//graphics", "--wrap"]):
        assert "s3cret" not in same(real_stack, "managedsave-dumpxml", g, *extra).out
        shown = same(real_stack, "managedsave-dumpxml", g, "--security-info", *extra)
        assert "s3cret" in shown.out
    ok(virsh(real_stack, "managedsave-remove", g))  # or undefine (cleanup) refuses
