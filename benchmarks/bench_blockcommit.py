"""blockcommit --active --pivot --wait on a running guest: vsh vs virsh, side by side.

One private libvirtd + QEMU stack (tests/realstack), one running 64 MiB TCG
guest whose disk is grown to 64 MiB.  Every run needs an overlay to merge, so
before each run (untimed) an external disk-only snapshot puts a fresh overlay on
top of the guest's disk; the timed part is the whole ``blockcommit GUEST vda
--active --pivot --wait`` process, which merges it back and pivots the guest
onto its base image.  After each run (untimed) the guest must be back on its
base image.  Both tools act on the same guest, interleaved round by round.

Two overlays:

* **32 MiB written** (the figure with a target): the overlay is made with
  ``qemu-img`` and filled with ``qemu-io`` (opened without its backing file,
  which the running guest holds), then taken over with ``--reuse-external``.
  Copying it takes QEMU a moment, so the job is still running at the first
  poll; virsh then sleeps its fixed 0.5 s, while vsh wakes on the job's event.
* **empty** (informative): nothing to copy, the job is ready at once and both
  tools' times are start-up plus a few calls: the ratio is Python's start-up
  against a C program's.
"""

from __future__ import annotations

import itertools
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench_bulk import compare_with_reset
from benchmarks.framework import Command, Context, Result, Unavailable

DOMAIN = "bench-commit"
FIGURE = "blockcommit --active --pivot --wait"
EMPTY = f"{FIGURE}, empty overlay"
TARGET = 1.0
OUTPUT = b"\nSuccessfully pivoted\n"
DISK_SIZE = "64M"
WRITTEN = "32M"  # at offset 1M: the guest's boot sector stays as it is
QEMU_IO = "/usr/bin/qemu-io"


def missing(reason: str) -> list[Result]:
    return [
        Result.missing(FIGURE, reason, reference="virsh", target=TARGET),
        Result.missing(EMPTY, reason, reference="virsh"),
    ]


def commit_args(uri: str) -> list[str]:
    return ["-c", uri, "blockcommit", DOMAIN, "vda", "--active", "--pivot", "--wait"]


def snapshot_args(name: str, overlay: Path | None = None) -> list[str]:
    """A new overlay (``overlay`` if given, made beforehand), no snapshot metadata."""
    args = ["snapshot-create-as", DOMAIN, name, "--disk-only", "--atomic", "--no-metadata"]
    if overlay is not None:
        args += ["--reuse-external", "--diskspec", f"vda,file={overlay}"]
    return args


def fill_args(overlay: Path) -> list[str]:
    """qemu-io writing WRITTEN bytes into the overlay alone (backing: null)."""
    spec = json.dumps(
        {"driver": "qcow2", "file": {"driver": "file", "filename": str(overlay)}, "backing": None}
    )
    return [QEMU_IO, "-c", f"write -P 0xab 1M {WRITTEN}", f"json:{spec}"]


def on_base(domblklist: str, base: str) -> bool:
    """The guest's vda is its base image again (the overlay was merged and dropped)."""
    for line in domblklist.splitlines():
        fields = line.split()
        if fields[:1] == ["vda"]:
            return fields[-1] == base
    return False


def run(ctx: Context) -> list[Result]:
    try:
        from tests.realstack.stack import Stack, StackUnavailable
    except ImportError as exc:
        return missing(f"cannot import the real stack: {exc}")
    stack = Stack()
    try:
        stack.start()
    except StackUnavailable as exc:
        return missing(f"real libvirtd stack unavailable: {str(exc).splitlines()[0]}")
    try:
        return _run_on_stack(ctx, stack)
    finally:
        stack.stop()


def _run_on_stack(ctx: Context, stack: object) -> list[Result]:
    from tests.realstack.stack import QEMU_IMG

    guest = stack.define_guest(DOMAIN)  # type: ignore[attr-defined]
    subprocess.run([QEMU_IMG, "resize", "-q", str(guest.disk), DISK_SIZE], check=True, timeout=60)
    stack.start_guest(DOMAIN)  # type: ignore[attr-defined]
    virsh: Callable[..., subprocess.CompletedProcess[str]] = stack.virsh  # type: ignore[attr-defined]
    uri: str = stack.uri  # type: ignore[attr-defined]
    base = str(guest.disk)
    counter = itertools.count(1)

    def empty_overlay() -> None:
        virsh(*snapshot_args(f"e{next(counter)}"))

    def written_overlay() -> None:
        name = f"w{next(counter)}"
        overlay = guest.disk.with_name(f"{DOMAIN}.{name}")
        make = [QEMU_IMG, "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base, "-u"]
        subprocess.run([*make, str(overlay), DISK_SIZE], check=True, timeout=60)
        subprocess.run(fill_args(overlay), check=True, capture_output=True, timeout=120)
        virsh(*snapshot_args(name, overlay))

    def verify(label: str) -> None:
        blk = virsh("domblklist", DOMAIN).stdout
        if not on_base(blk, base):
            raise Unavailable(f"{label} left vda off its base image: {blk.strip()}")

    ctx.note(
        f"guest '{DOMAIN}' running (64 MiB TCG, {DISK_SIZE} qcow2 disk); before each run an "
        f"external disk-only snapshot adds the overlay to commit (untimed): {WRITTEN} "
        "written into it with qemu-io, or (the 'empty overlay' figure) nothing"
    )
    commands = [
        ctx.command("vsh", [ctx.vsh, *commit_args(uri)], timeout=120),
        ctx.command("virsh", [ctx.virsh, *commit_args(uri)], timeout=120),
    ]
    results = []
    for name, reset, target in ((FIGURE, written_overlay, TARGET), (EMPTY, empty_overlay, None)):
        results.append(_figure(ctx, name, commands, reset, verify, target))
    return results


def _figure(
    ctx: Context,
    name: str,
    commands: list[Command],
    reset: Callable[[], None],
    verify: Callable[[str], None],
    target: float | None,
) -> Result:
    try:
        cmp = compare_with_reset(ctx, commands, reset, verify)
    except (Unavailable, subprocess.SubprocessError, OSError) as exc:
        return Result.missing(name, str(exc), reference="virsh", target=target)
    same = cmp.probes["vsh"].stdout == cmp.probes["virsh"].stdout == OUTPUT
    note = "" if same else "vsh's output differs from virsh's"
    return Result.time(name, cmp, "vsh", "virsh", target=target, note=note)
