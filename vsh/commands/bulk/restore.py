"""snapshot-restore (a vsh command virsh lacks): revert many domains to a
snapshot, in parallel; one failure does not stop the others.  The thread
pool and the results are :mod:`vsh.snapshots.restore`'s; the worker that
reverts one domain over libvirt is here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libvirt

from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError, libvirt_message
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, NULL, NUM, STR, array_of, choice, object_of, prop, shape
from vsh.core.numbers import c_int, numeric_message
from vsh.core.session import Session
from vsh.output.jsonout import render_json
from vsh.output.table import render_table
from vsh.snapshots import restore
from vsh.virt import lookup
from vsh.virt.failing import failing
from vsh.virt.snapshotstore import current_name

GROUP = "vsh"  # vsh's own group: `help snapshot` stays as in virsh


def _revert_worker(flags: int, force: bool) -> Callable[[restore.Job], restore.Result]:
    """Revert one domain (runs in a worker thread, on the shared connection)."""

    def work(job: restore.Job) -> restore.Result:
        dom = job.handle
        assert isinstance(dom, libvirt.virDomain) and job.snapshot is not None
        forced = False
        try:
            snap = dom.snapshotLookupByName(job.snapshot, 0)
            try:
                dom.revertToSnapshot(snap, flags)
            except libvirt.libvirtError as err:
                # virsh: --force is sent only after the server says "risky".
                if not force or err.get_error_code() != libvirt.VIR_ERR_SNAPSHOT_REVERT_RISKY:
                    raise
                dom.revertToSnapshot(snap, flags | libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE)
                forced = True
        except libvirt.libvirtError as err:
            return restore.Result(
                job.domain, job.snapshot, restore.FAILED, error=libvirt_message(err)
            )
        return restore.Result(job.domain, job.snapshot, restore.REVERTED, forced=forced)

    return work


def _restore_jobs(
    s: Session, snapshot: str | None, words: Sequence[str], every: bool
) -> list[restore.Job]:
    """One job per domain (deduplicated by UUID), lookups done up front."""
    conn = s.conn
    jobs: list[restore.Job] = []
    seen: set[str] = set()
    if every:
        with failing("failed to list domains"):
            doms = sorted(conn.listAllDomains(0), key=lambda d: d.name())
        candidates: list[tuple[str, libvirt.virDomain | None, str | None]] = [
            (d.name(), d, None) for d in doms
        ]
    else:
        candidates = []
        for word in words:
            try:
                dom = lookup.domain(s, word)
            except VshError as exc:
                candidates.append((word, None, "; ".join(exc.messages)))
                continue
            candidates.append((dom.name(), dom, None))
    for name, dom, error in candidates:
        if dom is None:
            jobs.append(restore.Job(name, snapshot, error))
            continue
        uuid = dom.UUIDString()
        if uuid in seen:
            continue
        seen.add(uuid)
        try:
            if snapshot is None:
                snap_name = current_name(dom)
                if snap_name is None:
                    if not every:
                        jobs.append(
                            restore.Job(name, None, f"domain '{name}' has no current snapshot")
                        )
                    continue
            else:
                dom.snapshotLookupByName(snapshot, 0)
                snap_name = snapshot
        except libvirt.libvirtError as err:
            if every and err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT:
                continue  # --all: only the domains that have it
            jobs.append(restore.Job(name, snapshot, libvirt_message(err)))
            continue
        jobs.append(restore.Job(name, snap_name, None, dom))
    return jobs


def _print_restore(s: Session, results: Sequence[restore.Result], json: bool) -> None:
    if json:
        s.print(render_json([r.to_dict() for r in results]))
    else:
        rows = []
        for r in results:
            status = r.status + (" (forced)" if r.forced else "")
            seconds = "-" if r.status in (restore.PLANNED,) else f"{r.seconds:.2f}"
            rows.append([r.domain, r.snapshot or "-", status, seconds])
        s.print(render_table(["Domain", "Snapshot", "Result", "Seconds"], rows))
    for r in results:
        if r.status == restore.FAILED:
            what = f"snapshot '{r.snapshot}'" if r.snapshot else "its current snapshot"
            s.error(f"domain '{r.domain}': failed to revert to {what}: {r.error}")


SNAPSHOT_RESTORE_JSON = shape(
    array_of(
        object_of(
            prop("domain", STR),
            prop("snapshot", STR, NULL, doc="null: the domain's current snapshot"),
            prop(
                "result",
                choice(restore.REVERTED, restore.FAILED, restore.INTERRUPTED, restore.PLANNED),
            ),
            prop("ok", BOOL),
            prop("forced", BOOL, doc="reverted with --force"),
            prop("seconds", NUM),
            prop("error", STR, NULL),
        )
    ),
    doc="One object per domain.",
)


@command(
    "snapshot-restore",
    summary="revert many domains to a snapshot, in parallel",
    description="Revert each named domain to the snapshot (with --all: every domain that has\n"
    "    a snapshot of that name; with --current: each domain to its own current\n"
    "    snapshot). Reverts run in parallel; one failure does not stop the others.\n"
    "    A summary table follows; the exit status is 0 only if every revert succeeded.",
    group=GROUP,
    exclusive=(("running", "paused"),),
    json=SNAPSHOT_RESTORE_JSON,
)
@option("snapshotname", OptKind.DATA, "snapshot name (with --current: the first domain)")
@option(
    "domain",
    OptKind.ARGV,
    "domains to revert",
    completer=lookup.complete_domain_names,
    completer_flags=libvirt.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
)
@option(
    "all", OptKind.BOOL, "every domain that has the snapshot (or, with --current, a current one)"
)
@option("current", OptKind.BOOL, "revert each domain to its own current snapshot")
@option(
    "running",
    OptKind.BOOL,
    "after reverting, change state to running",
    flag=libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING,
)
@option(
    "paused",
    OptKind.BOOL,
    "after reverting, change state to paused",
    flag=libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED,
)
@option("force", OptKind.BOOL, "try harder on risky reverts")
@option(
    "parallel", OptKind.INT, f"reverts at once (default {restore.DEFAULT_PARALLEL})",
    named_only=True,
)  # fmt: skip
@option("dry-run", OptKind.BOOL, "show what would be reverted and change nothing")
@option("json", OptKind.BOOL, "print the results as JSON", extension=True)
def snapshot_restore(
    s: Session,
    snapshotname: str | None,
    domain: tuple[str, ...],
    all: bool,
    current: bool,
    running: bool,
    paused: bool,
    force: bool,
    parallel: str | None,
    dry_run: bool,
    json: bool,
) -> bool:
    workers = restore.DEFAULT_PARALLEL
    if parallel is not None:
        number = c_int(parallel)
        if number is None:
            raise VshError(numeric_message(parallel, "parallel"))
        if not 1 <= number <= restore.MAX_PARALLEL:
            raise VshError(f"--parallel must be between 1 and {restore.MAX_PARALLEL}")
        workers = number
    words = list(domain)
    snapshot: str | None
    if current:
        # The first positional word filled <snapshotname>; it is a domain here.
        if snapshotname is not None:
            words.insert(0, snapshotname)
        snapshot = None
    else:
        snapshot = s.text(snapshotname, "snapshotname")
        if snapshot is None:
            raise VshError("--snapshotname or --current is required")
    if all and words:
        raise VshError("--all and a list of domains are mutually exclusive")
    if not all and not words:
        raise VshError("give the domains to revert, or --all")
    if not dry_run and s.connection.readonly:
        raise VshError("snapshot-restore needs a read-write connection (this one is read-only)")
    jobs = _restore_jobs(s, snapshot, words, all)
    if not jobs:
        what = "a current snapshot" if snapshot is None else f"a snapshot named '{snapshot}'"
        raise VshError(f"no domain has {what}")
    if dry_run:
        results = [
            restore.Result(
                j.domain,
                j.snapshot,
                restore.FAILED if j.error else restore.PLANNED,
                error=j.error,
            )
            for j in jobs
        ]
        _print_restore(s, results, json)
        return all_ok(results)
    worker = _revert_worker(option_flags(), force)
    try:
        results = restore.run_jobs(jobs, worker, workers)
    except restore.Interrupted as stop:
        _print_restore(s, stop.results, json)
        raise KeyboardInterrupt from None
    _print_restore(s, results, json)
    return all_ok(results)


def all_ok(results: Sequence[restore.Result]) -> bool:
    return all(r.ok for r in results)
