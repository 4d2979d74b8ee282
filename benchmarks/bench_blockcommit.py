"""blockcommit --active --pivot --wait on a running guest: vsh vs virsh, side by side.

One private libvirtd + QEMU stack (tests/realstack), one running 64 MiB TCG
guest.  Every run needs an overlay to merge, so before each run (untimed) an
external disk-only snapshot puts a fresh overlay on top of the guest's disk;
the timed part is the whole ``blockcommit GUEST vda --active --pivot --wait``
process, which merges it back and pivots the guest onto its base image.  After
each run (untimed) the guest must be back on its base image.  Both tools act on
the same guest, interleaved round by round, so the job's own time (QEMU's
mirror, libvirt's polling) is the same for both and the ratio shows the
client's share: start-up, the event or polling loop, and the pivot.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from benchmarks.bench_bulk import compare_with_reset
from benchmarks.framework import Context, Result, Unavailable

DOMAIN = "bench-commit"
FIGURE = "blockcommit --active --pivot --wait"
TARGET = 1.0
OUTPUT = b"\nSuccessfully pivoted\n"


def missing(reason: str) -> list[Result]:
    return [Result.missing(FIGURE, reason, reference="virsh", target=TARGET)]


def commit_args(uri: str) -> list[str]:
    return ["-c", uri, "blockcommit", DOMAIN, "vda", "--active", "--pivot", "--wait"]


def snapshot_args(name: str) -> list[str]:
    """A fresh overlay (``vda.<name>`` next to the disk), no snapshot metadata to clean up."""
    return ["snapshot-create-as", DOMAIN, name, "--disk-only", "--atomic", "--no-metadata"]


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
    guest = stack.define_guest(DOMAIN, start=True)  # type: ignore[attr-defined]
    virsh: Callable[..., object] = stack.virsh  # type: ignore[attr-defined]
    uri: str = stack.uri  # type: ignore[attr-defined]
    base = str(guest.disk)
    counter = itertools.count(1)

    def reset() -> None:
        virsh(*snapshot_args(f"o{next(counter)}"))

    def verify(label: str) -> None:
        blk = virsh("domblklist", DOMAIN).stdout  # type: ignore[attr-defined]
        if not on_base(blk, base):
            raise Unavailable(f"{label} left vda off its base image: {blk.strip()}")

    ctx.note(
        f"guest '{DOMAIN}' running (64 MiB TCG, 1 MiB qcow2 disk); before each run an "
        "external disk-only snapshot adds the overlay to commit (untimed)"
    )
    commands = [
        ctx.command("vsh", [ctx.vsh, *commit_args(uri)], timeout=120),
        ctx.command("virsh", [ctx.virsh, *commit_args(uri)], timeout=120),
    ]
    try:
        cmp = compare_with_reset(ctx, commands, reset, verify)
    except Unavailable as exc:
        return missing(str(exc))
    same = cmp.probes["vsh"].stdout == cmp.probes["virsh"].stdout == OUTPUT
    note = "" if same else "vsh's output differs from virsh's"
    return [Result.time(FIGURE, cmp, "vsh", "virsh", target=TARGET, note=note)]
