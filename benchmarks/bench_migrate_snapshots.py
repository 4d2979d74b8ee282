"""``migrate --with-snapshots`` of a guest with 100 snapshots (vsh issue 14).

Two private stacks (``tests/realstack``, as ``bench_migrate``) and two copies
of one shut-off 64 MiB guest: ``snapbench`` with 100 internal snapshots (a
tree: a branch off an earlier snapshot every tenth one; the current one an
inner snapshot) and ``plainbench`` with none.  Each round, interleaved with
the order rotating:

* **vsh**: ``migrate snapbench DEST --offline --persistent --undefinesource
  --with-snapshots``, moving the guest and its tree to the other daemon;
* **plain migrate**: the same ``migrate`` of ``plainbench`` without
  snapshots, moving it the same way;
* **libvirt-python loop**: one bare process doing the snapshot work by hand
  on ``snapbench`` where it is: every snapshot's XML (secure), a
  metadata-only delete of each (leaves first), a redefine of each (parents
  first, ``CURRENT`` on the current one).

The target (issue 14): vsh at most 1.3x the reference, the plain migrate
plus the loop of the same round.  Offline rather than live: a live
migration of even this small guest spends most of its time in QEMU (a
destination process starts, RAM is copied) and would hide what vsh adds;
offline, the migration is a definition handed over, so the figure is mostly
the snapshot work, which is what the issue's target is about.  vsh runs
in-process (``VSH_WARM=0``, one interpreter start on each side, as the
loop's); the warm server's figure is reported beside it.  Bytecode is
cached for every process (see ``_compiled``), as in an installed tree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from benchmarks.bench_migrate import Shuttle, start_pair
from benchmarks.framework import (
    Comparison,
    Context,
    Result,
    Sample,
    Series,
    Unavailable,
    first_line,
    interleave,
    repetitions,
    spawn,
)

GUEST = "snapbench"
PLAIN = "plainbench"
SNAPSHOTS = 100
BRANCH_EVERY = 10  # every tenth snapshot starts a branch off an earlier one
TARGET = 1.3
RUN_TIMEOUT = 240.0
MIGRATE = ("--offline", "--persistent", "--undefinesource")

FIGURE = f"migrate --with-snapshots, {SNAPSHOTS} snapshots vs migrate + libvirt-python loop"
FIGURE_WARM = f"migrate --with-snapshots, {SNAPSHOTS} snapshots, warm server vs same reference"
FIGURE_PLAIN = f"migrate --with-snapshots, {SNAPSHOTS} snapshots vs plain migrate alone"
FIGURE_LOOP = f"the libvirt-python loop alone ({SNAPSHOTS} snapshots) vs vsh"

# The reference's snapshot work, nothing else: read, delete, redefine.
RAW_LOOP = """\
import sys
import libvirt

conn = libvirt.open(sys.argv[1])
dom = conn.lookupByName(sys.argv[2])
snaps = dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)
current = dom.snapshotCurrent(0).getName()
xmls = [(s.getName(), s.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE)) for s in snaps]
for snap in reversed(snaps):
    snap.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
redefine = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
for name, xml in xmls:
    flags = redefine | (libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT if name == current else 0)
    dom.snapshotCreateXML(xml, flags)
print(dom.snapshotNum(0), dom.snapshotCurrent(0).getName())
conn.close()
"""


def tree_script(domain: str, count: int = SNAPSHOTS) -> tuple[str, str]:
    """virsh commands making ``count`` snapshots of the shut-off ``domain``
    (every ``BRANCH_EVERY``-th one after a revert to an earlier one), then
    a revert to an inner snapshot; and that current snapshot's name."""
    steps: list[str] = []
    for i in range(1, count + 1):
        if i > BRANCH_EVERY and i % BRANCH_EVERY == 1:
            steps.append(f"snapshot-revert {domain} s{i - BRANCH_EVERY // 2:03}")
        steps.append(f"snapshot-create-as {domain} s{i:03}")
    current = f"s{count // 2:03}"
    steps.append(f"snapshot-revert {domain} {current}")
    return "; ".join(steps), current


def missing(reason: str) -> list[Result]:
    return [
        Result.missing(FIGURE, reason, reference="migrate + loop", target=TARGET),
        Result.missing(FIGURE_WARM, reason, reference="migrate + loop"),
        Result.missing(FIGURE_PLAIN, reason, reference="plain migrate"),
        Result.missing(FIGURE_LOOP, reason, subject="libvirt-python", reference="vsh"),
    ]


def run(ctx: Context) -> list[Result]:
    test = "test:///default"  # a dry run against the test driver: is the option there?
    dry = [ctx.vsh, "-c", test, "migrate", "test", test, "--with-snapshots", "--dry-run"]
    probe = spawn(dry, env=ctx.env(), capture=True, timeout=60)
    if probe.status != 0:
        why = first_line(probe.stderr) or f"exit {probe.status}"
        return missing(f"vsh has no migrate --with-snapshots ({why})")
    pair = start_pair()
    if isinstance(pair, str):
        return missing(pair)
    try:
        source = pair[0]
        for name in (GUEST, PLAIN):
            source.define_guest(name)
        script, current = tree_script(GUEST)
        source.virsh(script, timeout=600)
        ctx.note(
            f"guests '{GUEST}' ({SNAPSHOTS} internal snapshots, a tree, current '{current}') and"
            f" '{PLAIN}' (none), 64 MiB, shut off, moved --offline --persistent"
            " --undefinesource between two private libvirtd"
        )
        return _compare(ctx, pair[0].uri, pair[1].uri, current)
    except Unavailable as exc:
        return missing(str(exc))
    finally:
        ctx.stop_warm_server()
        for stack in pair:
            stack.stop()


def _compiled(ctx: Context, env: dict[str, str]) -> dict[str, str]:
    """``env`` with bytecode cached (under the scratch directory): every
    Python process here starts as an installed one does, even when the
    caller's environment says PYTHONDONTWRITEBYTECODE (a work tree without
    ``__pycache__`` would otherwise compile vsh's modules on every run)."""
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(ctx.workdir / "pycache")
    return env


def _compare(ctx: Context, here: str, there: str, current: str) -> list[Result]:
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    script = ctx.workdir / "raw_migrate_snapshots.py"
    script.write_text(RAW_LOOP)
    snap, plain = Shuttle(here, there), Shuttle(here, there)
    cold, warm = _compiled(ctx, ctx.env()), _compiled(ctx, ctx.warm_env())

    def runner(argv: Sequence[str], env: dict[str, str]) -> Sample:
        return spawn(argv, env=env, cwd=ctx.workdir, capture=True, timeout=RUN_TIMEOUT)

    def failed(label: str, sample: Sample) -> Unavailable:
        why = first_line(sample.stderr) or f"exit status {sample.status}"
        return Unavailable(f"{label}: {why}")

    def mover(label: str, env: dict[str, str]) -> Callable[[], Sample]:
        def one() -> Sample:
            src, dest = snap.route()
            argv = [ctx.vsh, "-c", src, "migrate", GUEST, dest, *MIGRATE, "--with-snapshots"]
            sample = runner(argv, env)
            done = f"Moved {SNAPSHOTS} snapshots (current '{current}') to {dest}"
            if sample.status != 0 or done.encode() not in sample.stdout:
                raise failed(label, sample)
            snap.moved()
            return sample

        return one

    def plain_migrate() -> Sample:
        src, dest = plain.route()
        sample = runner([ctx.vsh, "-c", src, "migrate", PLAIN, dest, *MIGRATE], cold)
        if sample.status != 0:
            raise failed("plain migrate", sample)
        plain.moved()
        return sample

    def loop() -> Sample:
        sample = runner([ctx.python, script, snap.here, GUEST], cold)
        if sample.status != 0 or sample.stdout != f"{SNAPSHOTS} {current}\n".encode():
            raise failed("libvirt-python loop", sample)
        return sample

    contenders = {
        "vsh": mover("vsh", cold),
        "vsh warm": mover("vsh warm", warm),
        "plain migrate": plain_migrate,
        "libvirt-python": loop,
    }
    probes = {}
    for label, contender in contenders.items():  # the discarded warm-up
        ctx.log(f"probe {label}")
        probes[label] = contender()
    round_seconds = sum(s.wall for s in probes.values())
    runs = repetitions(
        round_seconds, repeat=ctx.repeat, min_repeat=ctx.min_repeat, budget=ctx.budget
    )
    ctx.log(f"{runs} interleaved timing rounds of ~{round_seconds:.2f}s")
    series = dict(interleave(contenders, repeat=runs, warmup=0))
    # the reference of each round: its plain migrate plus its loop
    reference = Series("migrate + loop")
    for a, b in zip(series["plain migrate"].samples, series["libvirt-python"].samples, strict=True):
        reference.samples.append(Sample(a.wall + b.wall))
    series["migrate + loop"] = reference
    cmp = Comparison(series, probes, runs, memory_unavailable="not measured")
    return [
        Result.time(FIGURE, cmp, "vsh", "migrate + loop", target=TARGET),
        Result.time(FIGURE_WARM, cmp, "vsh warm", "migrate + loop"),
        Result.time(FIGURE_PLAIN, cmp, "vsh", "plain migrate"),
        Result.time(FIGURE_LOOP, cmp, "libvirt-python", "vsh"),
    ]
