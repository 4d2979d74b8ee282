"""snapshot-list on 10,000 snapshots in a random tree: vsh vs virsh, same fixture.

The fixture is libvirt test-driver XML from ``tests/fixtures/snapgen.py``
(``random`` shape, fixed seed), loaded by both tools through
``test:///PATH.xml``; each run parses it anew, so the ratio is whole-process.
virsh's ``--tree`` takes ~45 s here, so that comparison usually runs fewer
rounds than the others (see the ``runs`` column).
"""

from __future__ import annotations

from benchmarks.framework import Context, Result, Unavailable, spawn

COUNT = 10_000
SHAPE = "random"
SEED = 1
RSS_TARGET = 1.2
# (label, snapshot-list options, time target as a ratio to virsh)
FIGURES: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("--tree", ("--tree",), 0.7),
    ("--parent", ("--parent",), 1.0),
    ("--topological --name", ("--topological", "--name"), 1.0),
    ("--roots", ("--roots",), 1.0),
)


def outputs_match(options: tuple[str, ...], a: bytes, b: bytes) -> bool:
    """Same output; for --topological the same lines in any order, since virsh's
    own topological order changes from run to run (libvirt's hash tables are
    randomly seeded)."""
    if "--topological" in options:
        return sorted(a.splitlines()) == sorted(b.splitlines())
    return a == b


def _all_missing(reason: str) -> list[Result]:
    out = []
    for label, _, target in FIGURES:
        out.append(Result.missing(f"{label}", reason, reference="virsh", target=target))
        out.append(
            Result.missing(
                f"{label} peak RSS", reason, kind="memory", reference="virsh", target=RSS_TARGET
            )
        )
    return out


def run(ctx: Context) -> list[Result]:
    try:
        from tests.fixtures.snapgen import write_fixture
    except ImportError as exc:
        return _all_missing(f"fixture generator unavailable: {exc}")
    probe = spawn([ctx.vsh, "help", "snapshot-list"], env=ctx.env(), capture=True, timeout=60)
    if probe.status != 0:
        why = probe.stderr.decode(errors="replace").strip() or f"exit {probe.status}"
        return _all_missing(f"vsh has no snapshot-list yet ({why})")

    ctx.workdir.mkdir(parents=True, exist_ok=True)
    fixture = write_fixture(
        ctx.workdir / f"snapshots-{SHAPE}-{COUNT}.xml", shape=SHAPE, count=COUNT, seed=SEED
    )
    ctx.note(f"fixture: {COUNT} snapshots, shape {SHAPE}, seed {SEED}, domain {fixture.domain}")
    results = []
    for label, options, target in FIGURES:
        args = ["-c", fixture.uri, "snapshot-list", fixture.domain, *options]
        vsh = ctx.command("vsh", [ctx.vsh, *args])
        virsh = ctx.command("virsh", [ctx.virsh, *args])
        try:
            cmp = ctx.compare([vsh, virsh])  # vsh first: a missing option fails fast
        except Unavailable as exc:
            results.append(Result.missing(label, str(exc), reference="virsh", target=target))
            results.append(
                Result.missing(
                    f"{label} peak RSS",
                    str(exc),
                    kind="memory",
                    reference="virsh",
                    target=RSS_TARGET,
                )
            )
            continue
        same = outputs_match(options, cmp.probes["vsh"].stdout, cmp.probes["virsh"].stdout)
        note = "" if same else "vsh's output differs from virsh's"
        results.append(Result.time(label, cmp, "vsh", "virsh", target=target, note=note))
        results.append(Result.memory(f"{label} peak RSS", cmp, "vsh", "virsh", target=RSS_TARGET))
    return results
