"""``migrate --live`` between two real libvirtd daemons: vsh vs virsh, same guest.

This module starts two private stacks (``tests/realstack``, each with its
own ``host_uuid`` and no cgroup controllers) and one running 64 MiB TCG
guest on the first.  Every run migrates the guest to the daemon it is not
on (``--live --unsafe --migrateuri tcp://127.0.0.1``, shared storage: the
same image path), so vsh and virsh take turns moving the same guest there
and back, interleaved round by round as everywhere else.  The figure is
whole-process wall time; most of it is libvirtd and QEMU (a destination
QEMU starts, memory is copied, the source QEMU stops), which both tools
wait for alike.

vsh runs as it ships, through its warm server (vsh.warm), against the
target; the same runs in-process (``VSH_WARM=0``) are reported beside it:
their difference is Python's start-up, which the warm server takes away.

The floor beside them: a Python process that starts (the venv's interpreter,
``site`` and all, as vsh's client) and at once hands over to virsh itself
(``os.execv``): Python's start-up plus exactly virsh's work.  A Python client
that does virsh's calls at best as fast as virsh's C does is at that floor;
the migration's wall time is the same for both, so its ratio to virsh is
what any Python client's start-up costs here, against the 1.00 target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from benchmarks.framework import (
    Comparison,
    Context,
    Result,
    Sample,
    Unavailable,
    first_line,
    interleave,
    repetitions,
    spawn,
)

if TYPE_CHECKING:  # the real stack is imported only when a run needs it
    from tests.realstack.stack import Stack

GUEST = "migbench"
FIGURE = "migrate --live"
FIGURE_COLD = "migrate --live, in-process (VSH_WARM=0)"
FIGURE_FLOOR = "migrate --live: floor: Python's start-up, then virsh itself"
FIGURE_VS_FLOOR = "migrate --live / that floor"
# a Python process that becomes virsh at once (sys.argv[1] is virsh)
EXEC_VIRSH = "import os, sys; os.execv(sys.argv[1], sys.argv[1:])"
TARGET = 1.0
MIGRATE_OPTIONS = ("--live", "--unsafe", "--migrateuri", "tcp://127.0.0.1")
RUN_TIMEOUT = 120.0


def migrate_argv(program: Sequence[str], source_uri: str, dest_uri: str) -> list[str]:
    """One tool's command line moving the guest from ``source_uri`` to ``dest_uri``."""
    return [*program, "-c", source_uri, "migrate", GUEST, dest_uri, *MIGRATE_OPTIONS]


class Shuttle:
    """Where the guest is: each successful run moves it to the other daemon."""

    def __init__(self, here: str, there: str) -> None:
        self.here, self.there = here, there

    def route(self) -> tuple[str, str]:
        return self.here, self.there

    def moved(self) -> None:
        self.here, self.there = self.there, self.here


def contender(
    label: str,
    program: Sequence[str],
    shuttle: Shuttle,
    run: Callable[..., Sample],
    *,
    capture: bool = False,
) -> Callable[[], Sample]:
    """A run of ``program`` migrating the guest onward; a failure makes the figure N/A."""

    def one() -> Sample:
        source, dest = shuttle.route()
        sample = run(migrate_argv(program, source, dest), capture=capture)
        if sample.status != 0:
            why = first_line(sample.stderr) or f"exit status {sample.status}"
            raise Unavailable(f"{label}: {why}")
        shuttle.moved()
        return sample

    return one


def missing(reason: str) -> list[Result]:
    return [Result.missing(FIGURE, reason, reference="virsh", target=TARGET)]


def start_pair() -> tuple[Stack, Stack] | str:
    """Two private libvirtd stacks, started (a migration's source and
    destination), or why there are none."""
    try:
        from tests.realstack.stack import Stack, StackUnavailable
    except ImportError as exc:
        return f"cannot import the real stack: {exc}"
    pair = (Stack(cgroups=False), Stack(cgroups=False))
    try:
        for stack in pair:
            stack.start()
    except StackUnavailable as exc:
        for stack in pair:
            stack.stop()
        return f"real libvirtd stacks unavailable: {str(exc).splitlines()[0]}"
    return pair


def run(ctx: Context) -> list[Result]:
    probe = spawn([ctx.vsh, "help", "migrate"], env=ctx.env(), capture=True, timeout=60)
    if probe.status != 0:
        why = first_line(probe.stderr) or f"exit {probe.status}"
        return missing(f"vsh has no migrate yet ({why})")
    pair = start_pair()
    if isinstance(pair, str):
        return missing(pair)
    try:
        pair[0].define_guest(GUEST, start=True)
        ctx.note(
            f"guest '{GUEST}' (64 MiB, TCG, running) moved between two private libvirtd;"
            f" stacks up in {pair[0].timings.get('start', 0):.1f} s"
            f" and {pair[1].timings.get('start', 0):.1f} s"
        )
        return _compare(ctx, Shuttle(pair[0].uri, pair[1].uri))
    except Unavailable as exc:
        return missing(str(exc))
    finally:
        ctx.stop_warm_server()
        for stack in pair:
            stack.stop()


def _compare(ctx: Context, shuttle: Shuttle) -> list[Result]:
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    envs = {
        "vsh": ctx.warm_env(),
        "vsh in-process": ctx.env(),
        "virsh": ctx.env(),
        "python, then virsh": ctx.env(),
    }
    programs = {
        "vsh": [str(ctx.vsh)],
        "vsh in-process": [str(ctx.vsh)],
        "virsh": [str(ctx.virsh)],
        "python, then virsh": floor_program(ctx.python, ctx.virsh),
    }

    def spawner(label: str) -> Callable[..., Sample]:
        def spawn_migrate(argv: list[str], capture: bool = False) -> Sample:
            return spawn(
                argv, env=envs[label], cwd=ctx.workdir, capture=capture, timeout=RUN_TIMEOUT
            )

        return spawn_migrate

    probes = {}
    for label, program in programs.items():  # the discarded warm-up, output kept
        ctx.log(f"probe {label}: {' '.join(migrate_argv(program, *shuttle.route()))}")
        probes[label] = contender(label, program, shuttle, spawner(label), capture=True)()
    round_seconds = sum(s.wall for s in probes.values())
    runs = repetitions(
        round_seconds, repeat=ctx.repeat, min_repeat=ctx.min_repeat, budget=ctx.budget
    )
    ctx.log(f"{runs} interleaved timing rounds of ~{round_seconds:.2f}s")
    series = interleave(
        {label: contender(label, p, shuttle, spawner(label)) for label, p in programs.items()},
        repeat=runs,
        warmup=0,
    )
    cmp = Comparison(series, probes, runs, memory_unavailable="not measured")
    same = all(
        getattr(probes[label], stream) == getattr(probes["virsh"], stream)
        for label in ("vsh", "vsh in-process")
        for stream in ("stdout", "stderr", "status")
    )
    note = "" if same else "vsh's output differs from virsh's"
    return [
        Result.time(FIGURE, cmp, "vsh", "virsh", target=TARGET, note=note),
        Result.time(FIGURE_COLD, cmp, "vsh in-process", "virsh"),
        Result.time(
            FIGURE_FLOOR,
            cmp,
            "python, then virsh",
            "virsh",
            note="below this ratio no Python client gets on this machine",
        ),
        Result.time(FIGURE_VS_FLOOR, cmp, "vsh", "python, then virsh"),
    ]


def floor_program(python: object, virsh: object) -> list[str]:
    """The floor's command line before virsh's own arguments: Python, then virsh."""
    return [str(python), "-c", EXEC_VIRSH, str(virsh)]
