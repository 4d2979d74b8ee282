"""snapshot-rotate's planning pass: 200 domains x 50 snapshots on the test driver.

Issue 15's target: ``vsh snapshot-rotate --all --prune-only --dry-run`` (every
domain locked, every snapshot's XML read, the policy planned, the table
printed) against a bare libvirt-python loop that lists the same snapshots
with their XML (``listAllDomains``, then ``listAllSnapshots`` and
``getXMLDesc`` of each): at most 1.5x.  Both are whole processes on the same
fixture (``test:///PATH.xml``, parsed anew by each run), written by
``tests/fixtures/rotategen.py``: chains of 50 marked snapshots, one every
12 hours, so the policy keeps some and plans to delete the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from benchmarks.framework import Context, Result, Unavailable, spawn

DOMAINS = 200
SNAPSHOTS = 50
LABEL = "nightly"
TARGET = 1.5
RSS_TARGET = None  # informative
NOW = "2026-12-06T12:00:00Z"
NOW_SECONDS = 1796558400  # NOW in epoch seconds
STEP = 12 * 3600

FIGURE = f"rotate --all --prune-only --dry-run, {DOMAINS}x{SNAPSHOTS} vs libvirt-python loop"
FIGURE_RSS = f"rotate {DOMAINS}x{SNAPSHOTS} peak RSS vs libvirt-python loop"

# The reference: list every domain's snapshots with their XML, nothing else.
RAW_LIST = """\
import sys
import libvirt

conn = libvirt.open(sys.argv[1])
total = 0
for dom in conn.listAllDomains(0):
    for snap in dom.listAllSnapshots(0):
        total += len(snap.getXMLDesc(0))
print(total)
conn.close()
"""


def rotate_args(uri: str) -> list[str]:
    return [
        "-q", "-c", uri, "snapshot-rotate", "--all", "--label", LABEL, "--prune-only",
        "--dry-run", "--keep-daily", "7", "--keep-weekly", "4", "--now", NOW,
    ]  # fmt: skip


def write_fixture(path: Path, domains: int = DOMAINS, snapshots: int = SNAPSHOTS) -> str:
    """The node file (``domains`` x ``snapshots`` marked chains); its URI."""
    from tests.fixtures import rotategen

    times = [NOW_SECONDS - 3600 - i * STEP for i in reversed(range(snapshots))]
    doms = [
        rotategen.domain_xml(f"rot{d:03}", rotategen.labelled(LABEL, times)) for d in range(domains)
    ]
    return rotategen.write(path, doms)


def all_missing(reason: str) -> list[Result]:
    return [
        Result.missing(FIGURE, reason, reference="libvirt-python", target=TARGET),
        Result.missing(FIGURE_RSS, reason, kind="memory", reference="libvirt-python"),
    ]


def plan_rows(stdout: bytes) -> list[Sequence[str]]:
    """The table rows of a ``-q`` run (no header), split into cells."""
    return [line.split() for line in stdout.decode().splitlines() if line.strip()]


def run(ctx: Context) -> list[Result]:
    try:
        ctx.workdir.mkdir(parents=True, exist_ok=True)
        uri = write_fixture(ctx.workdir / f"rotate-{DOMAINS}x{SNAPSHOTS}.xml")
    except ImportError as exc:
        return all_missing(f"fixture generator unavailable: {exc}")
    runtime = ctx.workdir / "run"
    runtime.mkdir(exist_ok=True)
    env = ctx.env(XDG_RUNTIME_DIR=str(runtime))
    probe = spawn([ctx.vsh, "help", "snapshot-rotate"], env=env, capture=True, timeout=60)
    if probe.status != 0:
        why = probe.stderr.decode(errors="replace").strip() or f"exit {probe.status}"
        return all_missing(f"vsh has no snapshot-rotate ({why})")
    script = ctx.workdir / "raw_rotate_list.py"
    script.write_text(RAW_LIST)
    ctx.note(f"fixture: {DOMAINS} domains x {SNAPSHOTS} marked snapshots, test driver")
    vsh = ctx.command("vsh", [ctx.vsh, *rotate_args(uri)], env=env)
    raw = ctx.command("libvirt-python", [ctx.python, script, uri], env=env)
    try:
        cmp = ctx.compare([vsh, raw])
    except Unavailable as exc:
        return all_missing(str(exc))
    rows = plan_rows(cmp.probes["vsh"].stdout)
    sane = len(rows) == DOMAINS and all(r[-1] == "ok" for r in rows)
    note = "" if sane else "vsh's plan is not one 'ok' row per domain"
    return [
        Result.time(FIGURE, cmp, "vsh", "libvirt-python", target=TARGET, note=note),
        Result.memory(FIGURE_RSS, cmp, "vsh", "libvirt-python"),
    ]
