"""Bulk snapshot metadata through a real libvirtd: snapshot-redefine and snapshot-export.

Issue 4's targets, measured against a private libvirtd + QEMU stack
(``tests/realstack``) that this module starts and stops itself:

* ``vsh snapshot-redefine DOM bundle.xml`` (300 snapshots, a random tree,
  current set from the bundle) against a shell loop of one ``virsh
  snapshot-create DOM --redefine FILE`` per snapshot (parents first) plus
  ``virsh snapshot-current DOM NAME``: at most 1/10 of its time;
* the same against a bare libvirt-python script (open, read the 300 XML
  strings, ``snapshotCreateXML(xml, REDEFINE)`` each in order, then
  REDEFINE|CURRENT of the current one): at most 1.3x;
* ``vsh snapshot-export DOM FILE --overwrite`` against a loop of ``virsh
  snapshot-dumpxml DOM NAME > FILE``: at most 1/10;
* peak RSS of both vsh commands against the bare libvirt-python scripts
  (informative);
* vsh against the bare loop that also looks each name up first, as vsh
  does (informative: what remains is vsh's own overhead);
* the bare libvirt-python redefine loop against the virsh loop
  (informative): libvirtd's own time per snapshot (it parses the embedded
  domain and fsyncs one metadata file) is paid by every contender, so this
  is the best ratio any client can reach on this daemon and disk.

All figures are whole processes.  The guest is defined, not running (TCG
under the stack); its qcow2 does not hold the internal snapshots, which
REDEFINE does not check.  Before every redefine run, timed or not, the
metadata is wiped (untimed) through libvirt-python: one snapshot at a time,
leaves first, VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY, never a recursive
delete (libvirtd 9.0 can crash on those).  Each redefine run is checked
afterwards (untimed): all snapshots back, with the right current one.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from benchmarks.framework import (
    Command,
    Comparison,
    Context,
    Result,
    Sample,
    Series,
    Unavailable,
    first_line,
    interleave,
    repetitions,
    rss_unavailable,
)

COUNT = 300
DOMAIN = "bulkbench"
REDEFINE_VS_VIRSH = 0.1
REDEFINE_VS_RAW = 1.3
EXPORT_VS_VIRSH = 0.1

# Figure names (and, with the reference, what each compares).
REDEFINE_VIRSH = "redefine 300 vs virsh loop"
REDEFINE_RAW = "redefine 300 vs libvirt-python loop"
REDEFINE_RSS = "redefine 300 peak RSS vs libvirt-python loop"
REDEFINE_FLOOR = "redefine 300: the libvirt-python loop itself vs virsh loop"
REDEFINE_CHECKED = "redefine 300 vs libvirt-python loop that also looks each name up"
EXPORT_VIRSH = "export 300 vs virsh loop"
EXPORT_RAW = "export 300 vs libvirt-python loop"
EXPORT_RSS = "export 300 peak RSS vs libvirt-python loop"
SAME_TREE = "redefine restores the tree the libvirt-python loop does"
SAME_XML = "export bundle holds virsh's snapshot-dumpxml output"

# Bare libvirt-python references (whole processes, like vsh).
RAW_REDEFINE = """\
import sys
import libvirt

uri, domain, listing, current = sys.argv[1:5]
check = sys.argv[5:] == ["check"]  # look each name up first, as vsh does
conn = libvirt.open(uri)
dom = conn.lookupByName(domain)
paths = open(listing).read().split("\\n")[:-1]
xmls = []
for path in paths:
    with open(path) as f:
        xmls.append(f.read())
by_path = dict(zip(paths, xmls))
if check:
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    names = [p.rsplit("/", 1)[1][: -len(".xml")] for p in paths]
for i, xml in enumerate(xmls):
    if check:
        try:
            dom.snapshotLookupByName(names[i], 0)
            sys.exit(f"{names[i]} exists")
        except libvirt.libvirtError as err:
            if err.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT:
                raise
    dom.snapshotCreateXML(xml, libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
dom.snapshotCreateXML(
    by_path[current],
    libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT,
)
conn.close()
"""

RAW_EXPORT = """\
import sys
import libvirt

uri, domain, out = sys.argv[1:4]
conn = libvirt.open(uri)
dom = conn.lookupByName(domain)
with open(out, "w") as f:
    for snap in dom.listAllSnapshots(libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL):
        f.write(snap.getXMLDesc(0))
conn.close()
"""


def _figures() -> list[tuple[str, str, str, float | None]]:
    """(name, kind, reference, target) of every figure, in report order."""
    return [
        (REDEFINE_VIRSH, "time", "virsh loop", REDEFINE_VS_VIRSH),
        (REDEFINE_RAW, "time", "libvirt-python", REDEFINE_VS_RAW),
        (REDEFINE_RSS, "memory", "libvirt-python", None),
        (REDEFINE_FLOOR, "time", "virsh loop", None),
        (REDEFINE_CHECKED, "time", "libvirt-python + lookups", None),
        (EXPORT_VIRSH, "time", "virsh loop", EXPORT_VS_VIRSH),
        (EXPORT_RAW, "time", "libvirt-python", None),
        (EXPORT_RSS, "memory", "libvirt-python", None),
    ]


def all_missing(reason: str, only: Sequence[str] = ()) -> list[Result]:
    """Every figure (or those named in ``only``) as N/A with ``reason``."""
    return [
        Result.missing(name, reason, kind=kind, reference=ref, target=target)
        for name, kind, ref, target in _figures()
        if not only or name in only
    ]


# ---------------------------------------------------------------------------
# Scripts (pure: tested in tests/benchmarks/test_bench_bulk.py)
# ---------------------------------------------------------------------------


def virsh_redefine_script(
    virsh: str, uri: str, domain: str, files: Sequence[Path], current: str
) -> str:
    """One virsh process per snapshot file, in the given (parents-first) order."""
    base = shlex.join([virsh, "-q", "-c", uri])
    lines = ["set -e"]
    lines += [f"{base} snapshot-create {shlex.quote(domain)} --redefine {shlex.quote(str(f))}"
              for f in files]  # fmt: skip
    lines.append(f"{base} snapshot-current {shlex.quote(domain)} {shlex.quote(current)}")
    return "\n".join(lines) + "\n"


def virsh_export_script(
    virsh: str, uri: str, domain: str, names: Sequence[str], outdir: Path
) -> str:
    """One ``virsh snapshot-dumpxml DOM NAME > FILE`` per snapshot."""
    base = shlex.join([virsh, "-q", "-c", uri])
    lines = ["set -e"]
    for name in names:
        out = shlex.quote(str(outdir / f"{name}.xml"))
        lines.append(f"{base} snapshot-dumpxml {shlex.quote(domain)} {shlex.quote(name)} > {out}")
    return "\n".join(lines) + "\n"


def leaves_first(parents: Mapping[str, str | None]) -> list[str]:
    """Every name, each before its parent (children deleted before parents)."""
    children: dict[str | None, list[str]] = {}
    for name, parent in parents.items():
        children.setdefault(parent if parent in parents else None, []).append(name)
    order: list[str] = []
    stack = list(children.get(None, []))
    while stack:  # iterative pre-order: parents before children, reversed below
        name = stack.pop()
        order.append(name)
        stack.extend(children.get(name, []))
    if len(order) != len(parents):
        raise ValueError("snapshot parent links form a cycle")
    return order[::-1]


def wipe_metadata(dom: object, metadata_only_flag: int, parent_of: Callable[[object], str | None]
                  ) -> int:  # fmt: skip
    """Delete every snapshot's metadata, leaves first, one at a time; how many."""
    snaps = {s.getName(): s for s in dom.listAllSnapshots(0)}  # type: ignore[attr-defined]
    parents = {name: parent_of(s) for name, s in snaps.items()}
    for name in leaves_first(parents):
        snaps[name].delete(metadata_only_flag)
    return len(snaps)


# ---------------------------------------------------------------------------
# Measuring with an untimed reset before each run
# ---------------------------------------------------------------------------


def compare_with_reset(
    ctx: Context,
    commands: Sequence[Command],
    reset: Callable[[], None],
    verify: Callable[[str], None],
) -> Comparison:
    """Like ``Context.compare``, but ``reset()`` runs (untimed) before every run
    and ``verify(label)`` (untimed) after it."""
    probes: dict[str, Sample] = {}
    for cmd in commands:
        ctx.log(f"probe {cmd.label}: {cmd.shell[:160]}")
        reset()
        sample = cmd.probe()
        if sample.status != 0:
            raise Unavailable(f"{cmd.label}: {first_line(sample.stderr) or sample.status}")
        verify(cmd.label)
        probes[cmd.label] = sample
    round_seconds = sum(s.wall for s in probes.values())
    runs = repetitions(
        round_seconds, repeat=ctx.repeat, min_repeat=ctx.min_repeat, budget=ctx.budget
    )
    timeout = max(60.0, 10 * max(s.wall for s in probes.values()))

    def contender(cmd: Command, rss: bool) -> Callable[[], Sample]:
        def run() -> Sample:
            reset()
            sample = Command(cmd.label, cmd.argv, cmd.env, cmd.cwd, cmd.stdin, timeout, rss)()
            if sample.status != 0:
                why = first_line(sample.stderr) or f"exit status {sample.status}"
                raise Unavailable(f"{cmd.label} failed during timing: {why}")
            verify(cmd.label)
            return sample

        return run

    ctx.log(f"{runs} interleaved timing rounds of ~{round_seconds:.2f}s")
    series = interleave({c.label: contender(c, False) for c in commands}, repeat=runs, warmup=0)
    why_not = rss_unavailable()
    memory: dict[str, Series] = {}
    memory_runs = 0
    if why_not is None:
        memory_runs = min(ctx.memory_repeat, runs)
        ctx.log(f"{memory_runs} interleaved peak-RSS rounds")
        memory = interleave(
            {c.label: contender(c, True) for c in commands}, repeat=memory_runs, warmup=0
        )
    return Comparison(series, probes, runs, memory, memory_runs, why_not)


# ---------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------


def run(ctx: Context) -> list[Result]:
    try:
        import libvirt

        from tests.realstack.snapshots import synthetic_tree
        from tests.realstack.stack import Stack, StackUnavailable
    except ImportError as exc:
        return all_missing(f"cannot import the real stack: {exc}")
    stack = Stack()
    try:
        stack.start()
    except StackUnavailable as exc:
        return all_missing(f"real libvirtd stack unavailable: {str(exc).splitlines()[0]}")
    try:
        return _run_on_stack(ctx, stack, libvirt, synthetic_tree(COUNT))
    finally:
        stack.stop()


def _run_on_stack(
    ctx: Context, stack: object, libvirt: object, tree: Sequence[tuple[str, str | None]]
) -> list[Result]:
    from tests.realstack.snapshots import write_snapshot_files

    lv = libvirt  # the module
    # "no parent" lookups are expected here: keep libvirt's default handler quiet
    lv.registerErrorHandler(lambda _ctx, _err: None, None)  # type: ignore[attr-defined]
    work = ctx.workdir / "bulk"
    for sub in ("input", "dumpxml"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    stack.define_guest(DOMAIN)  # type: ignore[attr-defined]
    uri: str = stack.uri  # type: ignore[attr-defined]
    names = [n for n, _ in tree]
    current = names[len(names) // 2]
    ctx.note(
        f"{len(tree)} snapshots (tests/realstack synthetic_tree: random parents), guest"
        f" '{DOMAIN}' defined and shut off, current '{current}'; stack start-up"
        f" {stack.timings.get('start', 0):.1f} s"  # type: ignore[attr-defined]
    )

    conn = lv.open(uri)  # type: ignore[attr-defined]
    try:
        dom = conn.lookupByName(DOMAIN)
        # Seed once from hand-made files, then work from the server's own XML so
        # that every contender sends exactly what libvirt exports.
        seed = write_snapshot_files(stack, DOMAIN, tree, work / "input")  # type: ignore[arg-type]
        for path in seed:
            dom.snapshotCreateXML(path.read_text(), lv.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)  # type: ignore[attr-defined]
        files = []
        for name in names:
            path = work / "input" / f"{name}.xml"
            path.write_text(dom.snapshotLookupByName(name, 0).getXMLDesc(0))
            files.append(path)
        current_xml = (work / "input" / f"{current}.xml").read_text()
        dom.snapshotCreateXML(
            current_xml,
            lv.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | lv.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT,  # type: ignore[attr-defined]
        )
        results = _export(ctx, conn, dom, uri, names, work)
        results += _redefine(ctx, lv, dom, uri, tree, files, current, work)
        return results
    finally:
        conn.close()


def _export(
    ctx: Context, conn: object, dom: object, uri: str, names: Sequence[str], work: Path
) -> list[Result]:
    bundle_path = work / "export.snapshots.xml"
    loop = work / "virsh-export.sh"
    loop.write_text(virsh_export_script(str(ctx.virsh), uri, DOMAIN, names, work / "dumpxml"))
    raw = work / "raw-export.py"
    raw.write_text(RAW_EXPORT)
    vsh = ctx.command(
        "vsh", [ctx.vsh, "-c", uri, "snapshot-export", DOMAIN, bundle_path, "--overwrite"]
    )
    virsh = ctx.command("virsh loop", ["/bin/sh", loop])
    python = ctx.command("libvirt-python", [ctx.python, raw, uri, DOMAIN, work / "raw-export.xml"])
    only = (EXPORT_VIRSH, EXPORT_RAW, EXPORT_RSS)
    try:
        cmp = ctx.compare([vsh, python, virsh])
    except Unavailable as exc:
        return all_missing(str(exc), only)
    results = [
        Result.time(EXPORT_VIRSH, cmp, "vsh", "virsh loop", target=EXPORT_VS_VIRSH),
        Result.time(EXPORT_RAW, cmp, "vsh", "libvirt-python"),
        Result.memory(EXPORT_RSS, cmp, "vsh", "libvirt-python"),
    ]
    results.append(_same_xml(bundle_path, names, work / "dumpxml"))
    return results


def _same_xml(bundle_path: Path, names: Sequence[str], dumpdir: Path) -> Result:
    from vsh.snapshots import bundle

    doc = bundle.scan(bundle.FileSource(str(bundle_path)))
    got = {r.name: r.load() for r in doc.records}
    bad = [n for n in names if got.get(n) != (dumpdir / f"{n}.xml").read_text().rstrip("\n") + "\n"]
    extra = sorted(set(got) - set(names))
    ok = not bad and not extra and len(doc.records) == len(names)
    note = "" if ok else f"{len(bad)} differ, {len(extra)} unexpected (e.g. {(bad + extra)[:3]})"
    return Result.check(SAME_XML, ok, note)


def _redefine(
    ctx: Context,
    lv: object,
    dom: object,
    uri: str,
    tree: Sequence[tuple[str, str | None]],
    files: Sequence[Path],
    current: str,
    work: Path,
) -> list[Result]:
    bundle_path = work / "export.snapshots.xml"  # written by the export comparison
    only = (REDEFINE_VIRSH, REDEFINE_RAW, REDEFINE_RSS, REDEFINE_FLOOR, REDEFINE_CHECKED)
    if not bundle_path.exists():
        return all_missing("no bundle: vsh snapshot-export failed", only)
    listing = work / "files.txt"
    listing.write_text("".join(f"{f}\n" for f in files))
    loop = work / "virsh-redefine.sh"
    loop.write_text(virsh_redefine_script(str(ctx.virsh), uri, DOMAIN, files, current))
    raw = work / "raw-redefine.py"
    raw.write_text(RAW_REDEFINE)
    vsh = ctx.command("vsh", [ctx.vsh, "-c", uri, "snapshot-redefine", DOMAIN, bundle_path])
    virsh = ctx.command("virsh loop", ["/bin/sh", loop])
    raw_args = [ctx.python, raw, uri, DOMAIN, listing, work / "input" / f"{current}.xml"]
    python = ctx.command("libvirt-python", raw_args)
    # The same calls vsh makes: a lookup before each definition (vsh makes
    # them ahead, in a second thread, so that no other client's snapshot of
    # the same name is overwritten) - the part of vsh's time that is safety.
    checked = ctx.command("libvirt-python + lookups", [*raw_args, "check"])
    expected = dict(tree)
    metadata_only = lv.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY  # type: ignore[attr-defined]

    def parent_of(snap: object) -> str | None:
        try:
            return snap.getParent(0).getName()  # type: ignore[attr-defined]
        except lv.libvirtError:  # type: ignore[attr-defined]
            return None

    def reset() -> None:
        wipe_metadata(dom, metadata_only, parent_of)
        left = dom.snapshotNum(0)  # type: ignore[attr-defined]
        if left:
            raise Unavailable(f"{left} snapshots left after wiping the metadata")

    trees: dict[str, dict[str, str | None]] = {}

    def verify(label: str) -> None:
        have = dom.snapshotNum(0)  # type: ignore[attr-defined]
        cur = dom.snapshotCurrent(0).getName()  # type: ignore[attr-defined]
        if have != len(expected) or cur != current:
            raise Unavailable(f"{label}: {have} snapshots, current '{cur}' after the run")
        if label not in trees:  # once per contender (the probe): the whole tree
            snaps = dom.listAllSnapshots(0)  # type: ignore[attr-defined]
            trees[label] = {s.getName(): parent_of(s) for s in snaps}

    try:
        cmp = compare_with_reset(ctx, [vsh, python, checked, virsh], reset, verify)
    except Unavailable as exc:
        return all_missing(str(exc), only)
    same = trees.get("vsh") == trees.get("libvirt-python") == trees.get("virsh loop") == expected
    return [
        Result.time(REDEFINE_VIRSH, cmp, "vsh", "virsh loop", target=REDEFINE_VS_VIRSH),
        Result.time(REDEFINE_RAW, cmp, "vsh", "libvirt-python", target=REDEFINE_VS_RAW),
        Result.memory(REDEFINE_RSS, cmp, "vsh", "libvirt-python"),
        # What no client can beat: libvirtd's own time per snapshot (it
        # parses the embedded domain and fsyncs a metadata file) bounds every
        # contender; on a slow disk even a bare loop misses 1/10 of virsh's.
        Result.time(
            REDEFINE_FLOOR,
            cmp,
            "libvirt-python",
            "virsh loop",
            note="the bare API loop's own ratio: the floor for any client on this daemon",
        ),
        Result.time(REDEFINE_CHECKED, cmp, "vsh", "libvirt-python + lookups"),
        Result.check(SAME_TREE, same, "" if same else "the redefined trees differ"),
    ]


if __name__ == "__main__":  # pragma: no cover - `python -m benchmarks bulk` is the way
    sys.exit("run: python -m benchmarks bulk")
