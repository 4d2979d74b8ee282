"""Backups and job statistics on real QEMU guests, vsh against virsh.

virsh acts on ``<name>-a`` and vsh on ``<name>-b``; every path holds the
guest's name, so the three streams must be the same once the names are
swapped.  Job statistics carry timings and byte counts that differ from run
to run, so ``domjobinfo`` output is compared with its numbers blanked (the
lines, their labels, units and layout must still match).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conformance.harness import Outcome
from tests.real.util import needs, ok, same, virsh, vsh
from tests.realstack.stack import Stack

pytestmark = pytest.mark.real

Args = Callable[[str], list[str]]


def _numbers(text: str) -> str:
    return re.sub(r"\d+(\.\d+)?", "N", text)


def _exact(
    stack: Stack, a: str, b: str, args: Args, normalise: Callable[[str], str] = str
) -> Outcome:
    expected, actual = virsh(stack, *args(a)), vsh(stack, *args(b))
    assert actual.status == expected.status, (args(b), expected, actual)
    assert normalise(actual.out.replace(b, a)) == normalise(expected.out), args(b)
    assert normalise(actual.err.replace(b, a)) == normalise(expected.err), args(b)
    return actual


def _pair(guests, name: str, *, start: bool = True) -> tuple[str, str]:
    a, b = f"{name}-a", f"{name}-b"
    for g in (a, b):
        guests(g, start=start)
    return a, b


def _push_xml(tmp_path: Path, g: str, target: Path) -> str:
    xml = tmp_path / f"{g}-push.xml"
    xml.write_text(
        "<domainbackup>\n  <disks>\n"
        f"    <disk name='vda' type='file'><target file='{target}'/>"
        "<driver type='qcow2'/></disk>\n"
        "  </disks>\n</domainbackup>\n"
    )
    return str(xml)


@pytest.mark.real(timeout=240)
def test_backup_push_to_file(real_stack, guests, tmp_path):
    needs("backup-begin", "backup-dumpxml", "domjobinfo")
    a, b = _pair(guests, "bk-push")
    images = real_stack.root / "images"
    target: Callable[[str], Path] = lambda g: images / f"{g}.backup"  # noqa: E731
    xml: Callable[[str], str] = lambda g: _push_xml(tmp_path, g, target(g))  # noqa: E731
    # no job yet
    out = _exact(real_stack, a, b, lambda g: ["domjobinfo", g])
    assert out.out == "Job type:         None        \n\n"
    out = _exact(real_stack, a, b, lambda g: ["backup-dumpxml", g])
    assert out.status == 1 and "no domain backup job present" in out.err

    out = _exact(real_stack, a, b, lambda g: ["backup-begin", g, xml(g)])
    assert (out.status, out.out) == (0, "Backup started\n\n")
    for g in (a, b):  # a 1 MiB disk: done at once, but wait for it rather than assume
        _wait_no_job(real_stack, g)
    stats = _kept_stats(real_stack, b)
    assert "Operation:        Backup      \n" in stats and "File processed:" in stats
    for g in (a, b):
        assert target(g).read_bytes()[:4] == b"QFI\xfb"  # a qcow2 image
    # the target exists now: libvirt refuses to overwrite it, same words
    out = _exact(real_stack, a, b, lambda g: ["backup-begin", g, xml(g)])
    assert out.status == 1 and "exists" in out.err
    # --reuse-external writes into it
    out = _exact(real_stack, a, b, lambda g: ["backup-begin", g, xml(g), "--reuse-external"])
    assert out.status == 0


@pytest.mark.real(timeout=240)
def test_backup_pull_and_abort(real_stack, guests, tmp_path):
    """A pull backup stays until aborted: dumpxml, jobinfo and abort on a live job."""
    needs("backup-begin", "backup-dumpxml", "domjobinfo", "domjobabort")
    a, b = _pair(guests, "bk-pull")
    images = real_stack.root / "images"
    for g in (a, b):
        (tmp_path / f"{g}-pull.xml").write_text(
            "<domainbackup mode='pull'>\n"
            f"  <server transport='unix' socket='{images / g}.sock'/>\n"
            "  <disks>\n"
            f"    <disk name='vda' type='file'><scratch file='{images / g}.scratch'/></disk>\n"
            "  </disks>\n</domainbackup>\n"
        )
    out = _exact(real_stack, a, b, lambda g: ["backup-begin", g, str(tmp_path / f"{g}-pull.xml")])
    assert out.out == "Backup started\n\n"
    out = _exact(real_stack, a, b, lambda g: ["backup-dumpxml", g])
    assert "<domainbackup mode='pull'>" in out.out and "exportname='vda'" in out.out
    for extra in (["--xpath", "//server"], ["--xpath", "//disk/@exportname", "--wrap"]):
        _exact(real_stack, a, b, lambda g, e=extra: ["backup-dumpxml", g, *e])
    out = _exact(real_stack, a, b, lambda g: ["domjobinfo", g], _numbers)
    assert out.out.startswith("Job type:         Unbounded   \nOperation:        Backup      \n")
    _exact(real_stack, a, b, lambda g: ["domjobinfo", g, "--rawstats"], _numbers)
    out = _exact(real_stack, a, b, lambda g: ["domjobabort", g])
    assert (out.status, out.out, out.err) == (0, "\n", "")
    out = _exact(real_stack, a, b, lambda g: ["domjobinfo", g])
    assert out.out == "Job type:         None        \n\n"
    out = _exact(real_stack, a, b, lambda g: ["backup-dumpxml", g])
    assert out.status == 1
    # nothing to abort now
    _exact(real_stack, a, b, lambda g: ["domjobabort", g])


BAD_BACKUPS = {
    "no-server": "<domainbackup mode='pull'/>",
    "bad-mode": "<domainbackup mode='bogus'/>",
    "no-disk": "<domainbackup><disks><disk name='vdz' type='file'>"
    "<target file='{images}/{g}.vdz'/></disk></disks></domainbackup>",
    "no-checkpoint": "<domainbackup><incremental>nope</incremental></domainbackup>",
    "tcp-no-name": "<domainbackup mode='pull'><server transport='tcp'/></domainbackup>",
    "not-xml": "<domainbackup",
}


@pytest.mark.real(timeout=200)
def test_backup_refusals(real_stack, guests, tmp_path):
    needs("backup-begin")
    a, b = _pair(guests, "bk-bad")
    images = real_stack.root / "images"
    for name, text in BAD_BACKUPS.items():
        for g in (a, b):
            (tmp_path / f"{g}-{name}.xml").write_text(text.format(images=images, g=g))
        out = _exact(
            real_stack, a, b, lambda g, n=name: ["backup-begin", g, str(tmp_path / f"{g}-{n}.xml")]
        )
        assert out.status == 1 and out.err.startswith("error: "), name
    _exact(real_stack, a, b, lambda g: ["backup-begin", g, str(tmp_path / "missing.xml")])
    # a guest that is not running
    for g in (a, b):
        ok(virsh(real_stack, "destroy", g))
    out = _exact(real_stack, a, b, lambda g: ["backup-begin", g])
    assert out.status == 1
    for cmd in (["domjobinfo"], ["domjobinfo", "--completed"], ["domjobabort"], ["backup-dumpxml"]):
        _exact(real_stack, a, b, lambda g, c=cmd: [c[0], g, *c[1:]])


def _kept_stats(stack: Stack, g: str) -> str:
    """A finished job's statistics, kept: both tools read the very same numbers."""
    keep = ["domjobinfo", g, "--completed", "--keep-completed"]
    out = same(stack, *keep)
    assert out.out.startswith("Job type:         Completed   \n"), out.out
    for extra in (["--rawstats"], ["--anystats"], ["--rawstats", "--anystats"]):
        same(stack, *keep, *extra)
    # without --keep-completed they are read once, then gone (vsh reads, virsh checks)
    assert ok(vsh(stack, "domjobinfo", g, "--completed")).out == out.out
    gone = ok(virsh(stack, "domjobinfo", g, "--completed")).out
    assert gone == "Job type:         None        \n\n"
    return out.out


@pytest.mark.real(timeout=200)
def test_domjobinfo_after_save_and_dump(real_stack, guests):
    """The statistics a finished dump or save leaves, through both tools."""
    needs("domjobinfo", "domjobabort")
    g = "bk-jobs"
    guests(g, start=True)
    images = real_stack.root / "images"
    ok(virsh(real_stack, "dump", g, str(images / f"{g}.dump"), "--live"))
    assert "Operation:        Dump        \n" in _kept_stats(real_stack, g)
    ok(virsh(real_stack, "save", g, str(images / f"{g}.save")))
    assert "Operation:        Save        \n" in _kept_stats(real_stack, g)
    # a shut-off guest: no job to show or abort
    for extra in ([], ["--completed"], ["--rawstats"]):
        same(real_stack, "domjobinfo", g, *extra)
    same(real_stack, "domjobabort", g)


@pytest.mark.real(timeout=200)
def test_backup_with_checkpoint_then_incremental(real_stack, guests, tmp_path):
    """--checkpointxml creates a checkpoint with the full backup; the next backup
    is incremental from it (qcow2 bitmaps in the guest's disk)."""
    needs("backup-begin")
    a, b = _pair(guests, "bk-inc")
    images = real_stack.root / "images"
    checkpoint = tmp_path / "c1.xml"
    checkpoint.write_text("<domaincheckpoint><name>c1</name></domaincheckpoint>\n")
    for g in (a, b):
        (tmp_path / f"{g}-full.xml").write_text(
            "<domainbackup><disks><disk name='vda' type='file'>"
            f"<target file='{images / g}.full'/><driver type='qcow2'/>"
            "</disk></disks></domainbackup>\n"
        )
        (tmp_path / f"{g}-inc.xml").write_text(
            "<domainbackup><incremental>c1</incremental><disks><disk name='vda' type='file'>"
            f"<target file='{images / g}.inc'/><driver type='qcow2'/>"
            "</disk></disks></domainbackup>\n"
        )
    out = _exact(
        real_stack,
        a,
        b,
        lambda g: [
            "backup-begin",
            g,
            "--backupxml",
            str(tmp_path / f"{g}-full.xml"),
            "--checkpointxml",
            str(checkpoint),
        ],
    )
    assert out.out == "Backup started\n\n"
    for g in (a, b):
        listed = ok(virsh(real_stack, "checkpoint-list", g, "--name")).out
        assert listed == "c1\n\n"
        _wait_no_job(real_stack, g)
    out = _exact(real_stack, a, b, lambda g: ["backup-begin", g, str(tmp_path / f"{g}-inc.xml")])
    assert out.out == "Backup started\n\n"
    for g in (a, b):
        _wait_no_job(real_stack, g)
        assert (images / f"{g}.inc").read_bytes()[:4] == b"QFI\xfb"
    # the same checkpoint name again: refused alike
    out = _exact(
        real_stack,
        a,
        b,
        lambda g: ["backup-begin", g, str(tmp_path / f"{g}-inc.xml"), str(checkpoint)],
    )
    assert out.status == 1
    for g in (a, b):  # the guests' cleanup undefines with --checkpoints-metadata
        ok(virsh(real_stack, "checkpoint-delete", g, "c1"))


def _wait_no_job(stack: Stack, g: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not ok(virsh(stack, "domjobinfo", g)).out.startswith("Job type:         None"):
        assert time.monotonic() < deadline, f"{g}: the backup job did not end"
        time.sleep(0.1)
