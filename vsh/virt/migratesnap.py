"""The libvirt side of ``migrate --with-snapshots`` (vsh issue 14): reading
the source's snapshots and checkpoints as
:class:`vsh.snapshots.migrationplan.Moment` records, the checks, the
journal, and removing and redefining the metadata.  Orders, refusals and
messages are decided in :mod:`vsh.snapshots.migrationplan`.

The source's snapshots are listed and their XML read once
(:class:`SourceSnapshots`): the checks, the journal and the removal share
that one read, so a move costs one XML round trip per snapshot, as a
hand-written export/delete/redefine loop does.
"""

from __future__ import annotations

import os
from pathlib import Path

import libvirt

from vsh.snapshots import bundle, checkpointredefine, migrationplan, redefine
from vsh.snapshots.atomicfile import AtomicFile
from vsh.snapshots.domainlock import Busy, DomainLock
from vsh.snapshots.migrationplan import Moment
from vsh.virt import checkpointstore, snapshotstore
from vsh.virt.domxml import parse_xml
from vsh.virt.hostkey import host_key


def _parent_and_location(xml: str) -> tuple[str | None, str]:
    """A snapshot's parent, and ``internal`` or ``external`` when a disk or
    the memory of the snapshot is kept that way (internal wins: it is the
    stricter refusal), else ``""``."""
    root = parse_xml(xml)
    if root is None:
        return None, ""
    parent = root.string("string(/domainsnapshot/parent/name)") or None
    for kind in ("internal", "external"):
        expr = (
            f"count(/domainsnapshot/disks/disk[@snapshot='{kind}'])"
            f" + count(/domainsnapshot/memory[@snapshot='{kind}'])"
        )
        if root.string(f"string({expr})") not in ("", "0"):
            return parent, kind
    return parent, ""


class SourceSnapshots:
    """A domain's snapshots read once, parents first: the objects, each
    one's full XML (security information included: the journal needs the
    embedded definitions complete) and the moments taken from that XML."""

    def __init__(self, dom: libvirt.virDomain) -> None:
        self.current = snapshotstore.current_name(dom)
        self.snaps = snapshotstore.snapshots_parents_first(dom)
        self.xmls: list[str] = []
        self.moments: list[Moment] = []
        for snap in self.snaps:
            name = snap.getName()
            xml = snap.getXMLDesc(libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE)
            parent, where = _parent_and_location(xml)
            self.xmls.append(xml)
            self.moments.append(Moment(name, parent, name == self.current, where))


def source_moments(dom: libvirt.virDomain) -> list[Moment]:
    """Every snapshot of ``dom``, parents first, with its parent and whether
    it is current (no XML read: for comparing trees)."""
    current = snapshotstore.current_name(dom)
    return [
        Moment(snap.getName(), snapshotstore.parent_name(snap), snap.getName() == current)
        for snap in snapshotstore.snapshots_parents_first(dom)
    ]


def source_checkpoints(dom: libvirt.virDomain) -> list[Moment]:
    """Every checkpoint of ``dom``, parents first, with its parent."""
    return [
        Moment(chk.getName(), checkpointstore.parent_name(chk))
        for chk in checkpointstore.parents_first(dom)
    ]


def _find(dconn: libvirt.virConnect, uuid: str, name: str) -> list[libvirt.virDomain]:
    found: list[libvirt.virDomain] = []
    for look, key in ((dconn.lookupByUUIDString, uuid), (dconn.lookupByName, name)):
        try:
            dom = look(key)
        except libvirt.libvirtError:
            continue
        if all(d.UUIDString() != dom.UUIDString() for d in found):
            found.append(dom)
    return found


def destination_problems(dconn: libvirt.virConnect, uuid: str, name: str) -> list[str]:
    """Snapshot or checkpoint metadata the destination already holds for a
    domain with this UUID or the target name (libvirt does not check it; a
    stale definition's snapshots would clash with the redefined ones)."""
    out: list[str] = []
    for dom in _find(dconn, uuid, name):
        snaps = dom.snapshotNum(0)
        try:
            checkpoints = len(dom.listAllCheckpoints(0))
        except libvirt.libvirtError:
            checkpoints = 0  # drivers without checkpoints hold none
        if snaps or checkpoints:
            out.append(
                f"the destination already has domain '{dom.name()}' with {snaps} snapshot(s) "
                f"and {checkpoints} checkpoint(s)"
            )
    return out


class Checked:
    """What the checks found: the source's snapshots, every problem, and
    the lock (held when there is no problem; release it when done).
    ``checkpoints`` is None unless they are carried too."""

    def __init__(
        self,
        read: SourceSnapshots,
        checkpoints: list[Moment] | None,
        problems: list[str],
        lock: DomainLock,
    ) -> None:
        self.read = read
        self.moments = read.moments
        self.checkpoints = checkpoints
        self.problems = problems
        self.lock = lock


def check(
    dom: libvirt.virDomain,
    metadata_uri: str,
    target_name: str,
    copy_storage: str | None,
    with_checkpoints: bool = False,
) -> Checked:
    """Every check of issue 14 before anything changes, all problems at once."""
    problems: list[str] = []
    read = SourceSnapshots(dom)
    moments = read.moments
    checkpoints: list[Moment] | None = None
    if with_checkpoints:
        try:
            checkpoints = source_checkpoints(dom)
        except libvirt.libvirtError as err:
            problems.append(f"cannot list the checkpoints of the source: {err}")
    uuid = dom.UUIDString()
    try:
        mconn = libvirt.open(metadata_uri)
    except libvirt.libvirtError as err:
        problems.append(f"the destination is not reachable through {metadata_uri}: {err}")
    else:
        try:
            problems += destination_problems(mconn, uuid, target_name)
        finally:
            mconn.close()
    problems += migrationplan.storage_problems(moments, copy_storage)
    lock = DomainLock(uuid, purpose="migrate", host=host_key(dom.connect()))
    try:
        lock.acquire()
    except Busy:
        problems.append(f"another migrate --with-snapshots of this domain is running ({lock.path})")
    if problems:
        lock.release()
    return Checked(read, checkpoints, problems, lock)


def _ordered(moments: list[Moment]) -> list[str]:
    parent = {m.name: m.parent for m in moments}
    order = migrationplan.redefine_order(moments)
    return [f"  {n}" + (f" (parent '{parent[n]}')" if parent[n] else "") for n in order]


def plan_lines(moments: list[Moment], storage: str, checkpoints: list[Moment] | None) -> list[str]:
    """The dry run's plan: snapshots in redefine order, the current one,
    the checkpoints in redefine order, storage."""
    current = next((m.name for m in moments if m.current), None)
    lines = [f"Snapshots to move, in redefine order ({len(moments)}):", *_ordered(moments)]
    lines.append(f"Current: {current if current is not None else '(none)'}")
    if checkpoints is not None:
        lines.append(f"Checkpoints to move, in redefine order ({len(checkpoints)}):")
        lines += _ordered(checkpoints)
    lines.append(f"Storage: {storage}")
    return lines


def journal_dir() -> Path:
    """``$XDG_STATE_HOME/vsh/migrations`` (default ``~/.local/state/...``)."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return Path(state) / "vsh" / "migrations"


def write_journal(
    dom: libvirt.virDomain,
    directory: Path | None = None,
    checkpoints: bool = False,
    read: SourceSnapshots | None = None,
) -> str:
    """Every snapshot's full XML (security information included) and, with
    ``checkpoints``, every checkpoint's, in one bundle, written atomically
    with mode 0600; returns its path."""
    where = directory or journal_dir()
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    uuid = dom.UUIDString()
    name = migrationplan.journal_name(uuid)
    path, n = str(where / name), 0
    while os.path.lexists(path):  # a kept journal of the same second: never replaced
        n += 1
        path = str(where / f"{name.removesuffix('.xml')}-{n}.xml")
    read = read or SourceSnapshots(dom)
    chks = checkpointstore.parents_first(dom) if checkpoints else []
    with AtomicFile(path) as f:
        writer = bundle.BundleWriter(
            f.write,
            domain=dom.name(),
            uuid=uuid,
            current=read.current,
            count=len(read.xmls),
            secure=True,
            checkpoints=len(chks),
        )
        writer.begin()
        for xml in read.xmls:
            writer.add(xml)
        for chk in chks:
            writer.add_checkpoint(chk.getXMLDesc(checkpointstore.XML_SECURE))
        writer.end()
    return path


def remove_metadata(dom: libvirt.virDomain, read: SourceSnapshots) -> None:
    """Leaves first, one metadata-only delete at a time (never --children),
    through the objects already listed."""
    by_name = {snap.getName(): snap for snap in read.snaps}
    for name in migrationplan.delete_order(read.moments):
        by_name[name].delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)


def remove_checkpoint_metadata(dom: libvirt.virDomain, moments: list[Moment]) -> None:
    """The checkpoints' metadata, leaves first, one at a time."""
    for name in migrationplan.delete_order(moments):
        dom.checkpointLookupByName(name, 0).delete(
            libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY
        )


def redefine_journal(conn: libvirt.virConnect, dom: libvirt.virDomain, path: str) -> list[str]:
    """Redefine the journal's snapshots, then its checkpoints, on ``dom``
    with the bulk redefine's plans and execution (parents first, current
    last, existing ones skipped; the embedded domain takes ``dom``'s name,
    which ``--dname`` may have changed); returns the problems (empty on
    success)."""
    source = bundle.FileSource(path)
    try:
        doc = bundle.scan(source)
        info = snapshotstore.target_info(dom)
        # the embedded domains are rewritten only when the name changed
        # (--dname): rewriting parses every snapshot's XML
        renamed = doc.header.domain != info.name
        options = redefine.Options(skip_existing=True, adopt=renamed)
        if doc.records:
            problems = _redefine_snapshots(conn, dom, doc, info, options)
            if problems:
                return problems
        if doc.checkpoints:
            plan = checkpointredefine.make_plan(
                [doc],
                checkpointstore.existing(dom),
                info.uuid,
                skip_existing=True,
                adopt=(info.name, info.uuid) if renamed else None,
            )
            if not plan.ok:
                return plan.problems
            out = checkpointredefine.execute(plan, checkpointstore.CheckpointTarget(conn, dom))
            if not out.ok:
                return [f"failed to redefine checkpoint '{out.failed_at}': {out.error}"]
        return []
    except bundle.BundleError as exc:
        return [str(exc)]
    finally:
        source.close()


def _redefine_snapshots(
    conn: libvirt.virConnect,
    dom: libvirt.virDomain,
    doc: bundle.Document,
    info: redefine.TargetInfo,
    options: redefine.Options,
) -> list[str]:
    plan = redefine.make_plan([doc], info, options)
    if not plan.ok:
        return [p.message for p in plan.problems]
    target = snapshotstore.LibvirtTarget(conn, dom, [step.name for step in plan.to_define])
    try:
        out = redefine.execute(plan, target)
    finally:
        target.close()
    if not out.ok:
        return [out.error or f"failed to redefine snapshot '{out.failed_at}'"]
    return []
