"""Snapshot commands (virsh-snapshot.c), in virsh's table order.

Listing follows virsh's virshSnapshotListCollect, old-server fallbacks
included (status/location filtering, ``--roots``, ``--from``, parents read
from XML), plus one vsh addition: a server that rejects the TOPOLOGICAL
flag (libvirt < 5.2) still gets ``--topological``, computed client-side
with the siblings in the server's order.  Everything scales to very large
snapshot trees: no recursion, one pass per step, output written as it goes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libvirt

from vsh.commands import moments_common as mc
from vsh.commands.common import domain_option, validate_option
from vsh.completion import providers
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError, libvirt_message
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.session import Session
from vsh.core.vshutil import read_file_all
from vsh.snapshots import moments
from vsh.snapshots.moments import Entry
from vsh.virt import lookup
from vsh.virt.failing import failing

GROUP = "snapshot"
HAS = libvirt.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT


# Per-connection probe: the server lacks the 0.9.13+ listing APIs (virsh's
# priv->useSnapshotOld), reset on every (re)connect.
OLD_API = "snapshot-old-api"

_TOPO = moments.SNAP_LIST_TOPOLOGICAL
_FILTERS = moments.SNAP_FILTERS_STATUS | moments.SNAP_FILTERS_LOCATION


def _code(err: libvirt.libvirtError | None) -> int | None:
    return None if err is None else err.get_error_code()


def _old_api(s: Session) -> bool:
    return s.connection.features.get(OLD_API, False)


# ---------------------------------------------------------------------------
# snapshot-create, snapshot-create-as
# ---------------------------------------------------------------------------


def _create(s: Session, dom: libvirt.virDomain, xml: str, flags: int, path: str | None) -> bool:
    """virshSnapshotCreate, with its VALIDATE and --halt fallbacks."""
    bad = moments.utf8_error(xml, "(domain_snapshot)")
    if bad is not None:
        raise VshError(bad)
    err: libvirt.libvirtError | None = None

    def attempt(f: int) -> libvirt.virDomainSnapshot | None:
        nonlocal err
        try:
            return dom.snapshotCreateXML(xml, f)
        except libvirt.libvirtError as exc:
            err = exc
            return None

    snap = attempt(flags)
    if snap is None and _code(err) == libvirt.VIR_ERR_NO_SUPPORT and path is None:
        flags &= ~libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE
        snap = attempt(flags)
    halt = False
    if (
        snap is None
        and _code(err) == libvirt.VIR_ERR_INVALID_ARG
        and flags & libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT
    ):
        # Emulate --halt for old servers (and, as virsh does, whenever the
        # server refuses the combination, e.g. --redefine --halt).
        if not dom.isPersistent():
            raise VshError("cannot halt after snapshot of transient domain")
        try:
            halt = dom.isActive() == 1
        except libvirt.libvirtError:
            halt = False
        flags &= ~libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT
        snap = attempt(flags)
    if snap is None:
        raise VshError(cause=err)
    if halt:
        dom.destroy()
    return mc.report_created(s, "snapshot", snap.getName(), path)


@command(
    "snapshot-create",
    summary="Create a snapshot from XML",
    description="Create a snapshot (disk and RAM) from XML",
    group=GROUP,
)
@domain_option(0)
@option("xmlfile", OptKind.STRING, "domain snapshot XML", value_kind="file")
@option("redefine", OptKind.BOOL, "redefine metadata for existing snapshot")
@option("current", OptKind.BOOL, "with redefine, set current snapshot")
@option("no-metadata", OptKind.BOOL, "take snapshot but create no metadata")
@option("halt", OptKind.BOOL, "halt domain after snapshot is created")
@option("disk-only", OptKind.BOOL, "capture disk state but not vm state")
@option("reuse-external", OptKind.BOOL, "reuse any existing external files")
@option("quiesce", OptKind.BOOL, "quiesce guest's file systems")
@option("atomic", OptKind.BOOL, "require atomic operation")
@option("live", OptKind.BOOL, "take a live snapshot")
@validate_option()
def snapshot_create(
    s: Session,
    domain: str,
    xmlfile: str | None,
    redefine: bool,
    current: bool,
    no_metadata: bool,
    halt: bool,
    disk_only: bool,
    reuse_external: bool,
    quiesce: bool,
    atomic: bool,
    live: bool,
    validate: bool,
) -> bool:
    flags = mc.create_flags(
        redefine=redefine,
        current=current,
        no_metadata=no_metadata,
        halt=halt,
        disk_only=disk_only,
        reuse_external=reuse_external,
        quiesce=quiesce,
        atomic=atomic,
        live=live,
        validate=validate,
    )
    dom = lookup.domain(s, domain, cmd="snapshot-create")
    path = s.text(xmlfile, "xmlfile")
    xml = "<domainsnapshot/>" if path is None else read_file_all(path)
    return _create(s, dom, xml, flags, path)


@command(
    "snapshot-create-as",
    summary="Create a snapshot from a set of args",
    description="Create a snapshot (disk and RAM) from arguments",
    group=GROUP,
)
@domain_option(0)
@option("name", OptKind.STRING, "name of snapshot", value_kind="empty")
@option("description", OptKind.STRING, "description of snapshot", value_kind="empty")
@option("print-xml", OptKind.BOOL, "print XML document rather than create")
@option("no-metadata", OptKind.BOOL, "take snapshot but create no metadata")
@option("halt", OptKind.BOOL, "halt domain after snapshot is created")
@option("disk-only", OptKind.BOOL, "capture disk state but not vm state")
@option("reuse-external", OptKind.BOOL, "reuse any existing external files")
@option("quiesce", OptKind.BOOL, "quiesce guest's file systems")
@option("atomic", OptKind.BOOL, "require atomic operation")
@option("live", OptKind.BOOL, "take a live snapshot")
@validate_option()
@option(
    "memspec",
    OptKind.STRING,
    "memory attributes: [file=]name[,snapshot=type]",
    named_only=True,
    value_kind="memspec",
)
@option(
    "diskspec",
    OptKind.ARGV,
    "disk attributes: disk[,snapshot=type][,driver=type][,stype=type][,file=name]",
    value_kind="diskspec",
)
def snapshot_create_as(
    s: Session,
    domain: str,
    name: str | None,
    description: str | None,
    print_xml: bool,
    no_metadata: bool,
    halt: bool,
    disk_only: bool,
    reuse_external: bool,
    quiesce: bool,
    atomic: bool,
    live: bool,
    validate: bool,
    memspec: str | None,
    diskspec: tuple[str, ...],
) -> bool:
    flags = mc.create_flags(
        no_metadata=no_metadata,
        halt=halt,
        disk_only=disk_only,
        reuse_external=reuse_external,
        quiesce=quiesce,
        atomic=atomic,
        live=live,
        validate=validate,
    )
    dom = lookup.domain(s, domain, cmd="snapshot-create-as")
    name = s.text(name, "name")
    description = s.text(description, "description")
    memspec = s.text(memspec, "memspec")
    xml = moments.snapshot_xml(name, description, memspec, diskspec)
    if print_xml:
        s.print(xml + "\n")
        return True
    return _create(s, dom, xml, flags, None)


# ---------------------------------------------------------------------------
# snapshot-current
# ---------------------------------------------------------------------------


@command(
    "snapshot-current",
    summary="Get or set the current snapshot",
    description="Get or set the current snapshot",
    group=GROUP,
)
@domain_option(HAS)
@option("name", OptKind.BOOL, "list the name, rather than the full xml")
@option("security-info", OptKind.BOOL, "include security sensitive information in XML dump")
@option(
    "snapshotname",
    OptKind.STRING,
    "name of existing snapshot to make current",
    completer=providers.snapshot_names,
)
def snapshot_current(
    s: Session, domain: str, name: bool, security_info: bool, snapshotname: str | None
) -> bool:
    flags = libvirt.VIR_DOMAIN_XML_SECURE if security_info else 0
    if name and snapshotname is not None:
        raise VshError("Options --name and --snapshotname are mutually exclusive")
    dom = lookup.domain(s, domain, cmd="snapshot-current")
    target = s.text(snapshotname, "snapshotname")
    if target is not None:
        # Setting the current snapshot is a redefine of its own XML.
        snap = dom.snapshotLookupByName(target, 0)
        xml = snap.getXMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)
        redefine = (
            libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
        )
        if moments.has_disk_snapshot_state(xml):
            redefine |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
        dom.snapshotCreateXML(xml, redefine)
        s.print_extra(f"Snapshot {target} set as current")
        return True
    if not dom.hasCurrentSnapshot(0):
        raise VshError(f"domain '{domain}' has no current snapshot")
    snap = dom.snapshotCurrent(0)
    if name:
        s.print(snap.getName())
    else:
        s.print(snap.getXMLDesc(flags))
    return True


# ---------------------------------------------------------------------------
# snapshot-delete
# ---------------------------------------------------------------------------


@command(
    "snapshot-delete",
    summary="Delete a domain snapshot",
    description="Snapshot Delete",
    group=GROUP,
)
@domain_option(HAS)
@option("snapshotname", OptKind.STRING, "snapshot name", completer=providers.snapshot_names)
@option("current", OptKind.BOOL, "delete current snapshot")
@option(
    "children",
    OptKind.BOOL,
    "delete snapshot and all children",
    flag=libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN,
)
@option(
    "children-only",
    OptKind.BOOL,
    "delete children but not snapshot",
    flag=libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY,
)
@option(
    "metadata",
    OptKind.BOOL,
    "delete only libvirt metadata, leaving snapshot contents behind",
    flag=libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY,
)
def snapshot_delete(
    s: Session,
    domain: str,
    snapshotname: str | None,
    current: bool,
    children: bool,
    children_only: bool,
    metadata: bool,
) -> bool:
    dom = lookup.domain(s, domain, cmd="snapshot-delete")
    snap, name = lookup.snapshot(s, dom, snapshotname, current)
    with failing(f"Failed to delete snapshot {name}"):
        snap.delete(option_flags())
    return mc.report_deleted(s, "snapshot", name, children_only)


# ---------------------------------------------------------------------------
# snapshot-dumpxml
# ---------------------------------------------------------------------------


@command(
    "snapshot-dumpxml",
    summary="Dump XML for a domain snapshot",
    description="Snapshot Dump XML",
    group=GROUP,
)
@domain_option(HAS)
@option(
    "snapshotname", OptKind.DATA, "snapshot name", required=True, completer=providers.snapshot_names
)
@option("security-info", OptKind.BOOL, "include security sensitive information in XML dump")
@option(
    "xpath",
    OptKind.STRING,
    "xpath expression to filter the XML document",
    named_only=True,
    value_kind="empty",
)
@option("wrap", OptKind.BOOL, "wrap xpath results in an common root element")
def snapshot_dumpxml(
    s: Session,
    domain: str,
    snapshotname: str,
    security_info: bool,
    xpath: str | None,
    wrap: bool,
) -> bool:
    from vsh.virt import xpathdump

    flags = libvirt.VIR_DOMAIN_XML_SECURE if security_info else 0
    name = s.text(snapshotname, "snapshotname")
    dom = lookup.domain(s, domain, cmd="snapshot-dumpxml")
    snap = dom.snapshotLookupByName(name, 0)
    if xpath == "":
        return False  # vshCommandOptStringQuiet: an empty value fails silently
    xml = snap.getXMLDesc(flags)
    xpathdump.dump(s.print, xml, "domain-snapshot", xpath, wrap)
    return True


# ---------------------------------------------------------------------------
# snapshot-edit
# ---------------------------------------------------------------------------


@command(
    "snapshot-edit",
    summary="edit XML for a snapshot",
    description="Edit the domain snapshot XML for a named snapshot",
    group=GROUP,
)
@domain_option(HAS)
@option("snapshotname", OptKind.STRING, "snapshot name", completer=providers.snapshot_names)
@option("current", OptKind.BOOL, "also set edited snapshot as current")
@option("rename", OptKind.BOOL, "allow renaming an existing snapshot")
@option("clone", OptKind.BOOL, "allow cloning to new name")
def snapshot_edit(
    s: Session,
    domain: str,
    snapshotname: str | None,
    current: bool,
    rename: bool,
    clone: bool,
) -> bool:
    if rename and clone:
        raise VshError("Options --rename and --clone are mutually exclusive")
    define_flags = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
    if current and snapshotname is not None:
        define_flags |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT
    dom = lookup.domain(s, domain, cmd="snapshot-edit")
    snap, name = lookup.snapshot(s, dom, snapshotname, current, exclusive=False)

    def get_xml() -> str:
        return snap.getXMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)

    def unchanged_is_done() -> bool:
        # With --current and a name the redefine happens even when unchanged.
        if define_flags & libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT:
            return False
        s.print_extra(f"Snapshot {name} XML configuration not changed.\n")
        return True

    def define(doc: str, edited: str) -> tuple[Any, Any]:
        nonlocal define_flags
        # virsh tests the text it fetched, not the edited one.
        if moments.has_disk_snapshot_state(doc):
            define_flags |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
        try:
            return dom.snapshotCreateXML(edited, define_flags), None
        except libvirt.libvirtError as err:
            return None, err

    edited = mc.edit(s, name, get_xml, define, unchanged_is_done)
    if edited is None:
        return True
    edited_name = edited.getName()
    if edited_name == name:
        s.print_extra(f"Snapshot {name} edited.\n")
    elif clone:
        s.print_extra(f"Snapshot {name} cloned to {edited_name}.\n")
    else:
        try:
            (snap if rename else edited).delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
        except libvirt.libvirtError as err:
            s.error(libvirt_message(err))
            raise VshError(
                f"Failed to clean up {name if rename else edited_name}",
                f"Failed to update {name}",
            ) from err
        if not rename:
            raise VshError(
                f"Must use --rename or --clone to change {name} to {edited_name}",
                f"Failed to update {name}",
            )
    return True


# ---------------------------------------------------------------------------
# snapshot-info
# ---------------------------------------------------------------------------


def parent_name(s: Session, snap: libvirt.virDomainSnapshot) -> str | None:
    """virshGetSnapshotParent: GetParent, or the XML on servers without it."""
    if not _old_api(s):
        try:
            return snap.getParent(0).getName()
        except libvirt.libvirtError as err:
            if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT:
                return None
            s.connection.features[OLD_API] = True
    try:
        xml = snap.getXMLDesc(0)
    except libvirt.libvirtError as err:
        s.error(libvirt_message(err))
        raise VshError("unable to determine if snapshot has parent") from err
    return moments.parent_from_xml(xml)


def fill_parents(s: Session, entries: list[Entry]) -> None:
    """:func:`parent_name` for every entry, with the common case kept tight."""
    no_parent = libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT
    rest = entries
    if not _old_api(s):
        for i, e in enumerate(entries):
            try:
                e.parent = mc.moment(e).getParent(0).getName()
            except libvirt.libvirtError as err:
                if err.get_error_code() != no_parent:
                    rest = entries[i:]  # no GetParent: read the XML from here on
                    break
                e.parent = None
        else:
            return
    for e in rest:
        e.parent = parent_name(s, e.obj)


def _is_current(snap: libvirt.virDomainSnapshot) -> bool:
    try:
        return snap.isCurrent(0) > 0
    except libvirt.libvirtError:
        return False


def _has_metadata(dom: libvirt.virDomain, snap: libvirt.virDomainSnapshot) -> bool | None:
    """virDomainSnapshotHasMetadata, falling back to the all-or-none count."""
    try:
        return snap.hasMetadata(0) > 0
    except libvirt.libvirtError:
        try:
            return dom.snapshotNum(moments.SNAP_LIST_METADATA) > 0
        except libvirt.libvirtError:
            return None


_SNAPSHOT_FIELDS = (
    prop("parent", STR, NULL, doc="null for a root"),
    prop("current", BOOL, doc="is it the domain's current snapshot"),
    prop("state", STR, NULL, doc="<state>: running, shutoff, disk-snapshot, ..."),
    prop("location", choice("internal", "external"), doc="as snapshot-info"),
    prop("creation_time", STR, NULL, doc="ISO 8601, local offset"),
    prop("children", INT, doc="direct children (whole domain, not the list)"),
    prop("descendants", INT, doc="all descendants"),
    prop("metadata", BOOL, doc="libvirt holds metadata for it"),
    prop("description", STR, NULL, doc="null when there is none"),
)
SNAPSHOT_INFO_JSON = shape(
    object_of(prop("name", STR), prop("domain", STR), *_SNAPSHOT_FIELDS),
    doc="A snapshot-list --json element, plus domain.",
)


@command(
    "snapshot-info",
    summary="snapshot information",
    description="Returns basic information about a snapshot.",
    group=GROUP,
    json=SNAPSHOT_INFO_JSON,
)
@domain_option(HAS)
@option("snapshotname", OptKind.STRING, "snapshot name", completer=providers.snapshot_names)
@option("current", OptKind.BOOL, "info on current snapshot")
@option("json", OptKind.BOOL, "print the information as a JSON object", extension=True)
def snapshot_info(
    s: Session, domain: str, snapshotname: str | None, current: bool, json: bool
) -> bool:
    dom = lookup.domain(s, domain, cmd="snapshot-info")
    snap, name = lookup.snapshot(s, dom, snapshotname, current)
    if json or s.settings.json:
        return _info_json(s, dom, snap, name)
    lines: list[tuple[str, str]] = [("Name:", name), ("Domain:", dom.name())]
    emit = _kv_printer(s)
    emit(lines)
    emit([("Current:", "yes" if _is_current(snap) else "no")])
    facts = moments.scan(snap.getXMLDesc(0))
    if facts.state is None:
        raise VshError("unexpected problem reading snapshot xml")
    emit([("State:", facts.state), ("Location:", facts.location)])
    emit([("Parent:", facts.parent or "-")])
    if _old_api(s):
        return True
    try:
        count = snap.numChildren(0)
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
            return True
        raise
    emit([("Children:", str(count))])
    emit([("Descendants:", str(snap.numChildren(moments.SNAP_LIST_DESCENDANTS)))])
    metadata = _has_metadata(dom, snap)
    if metadata is not None:
        emit([("Metadata:", "yes" if metadata else "no")])
    return True


def _kv_printer(s: Session) -> Callable[[list[tuple[str, str]]], None]:
    from vsh.output.table import render_kv

    return lambda pairs: s.print(render_kv(pairs))


def _info_json(
    s: Session, dom: libvirt.virDomain, snap: libvirt.virDomainSnapshot, name: str
) -> bool:
    from vsh.output.jsonout import render_json

    facts = moments.scan(snap.getXMLDesc(0))
    record: dict[str, Any] = {
        "name": name,
        "domain": dom.name(),
        "parent": facts.parent,
        "current": _is_current(snap),
        "state": facts.state,
        "location": facts.location,
        "creation_time": mc.iso_creation(facts),
        "children": snap.numChildren(0),
        "descendants": snap.numChildren(moments.SNAP_LIST_DESCENDANTS),
        "metadata": _has_metadata(dom, snap),
        "description": facts.description,
    }
    s.print(render_json(record))
    return True


# ---------------------------------------------------------------------------
# snapshot-list
# ---------------------------------------------------------------------------


def _filter_keeps(s: Session, snap: libvirt.virDomainSnapshot, flags: int) -> bool:
    """virshSnapshotFilter: status/location filtering done client-side.

    virsh 9.0 ORs every filter bit in before calling this (so nothing is
    ever dropped); vsh filters as intended: an empty group means "any".
    """
    if not flags & moments.SNAP_FILTERS_STATUS:
        flags |= moments.SNAP_FILTERS_STATUS
    if not flags & moments.SNAP_FILTERS_LOCATION:
        flags |= moments.SNAP_FILTERS_LOCATION
    state = moments.scan(snap.getXMLDesc(0)).state
    if state is None:
        raise VshError("unable to perform snapshot filtering")
    if state == "disk-snapshot":
        return bool(flags & moments.SNAP_LIST_DISK_ONLY and flags & moments.SNAP_LIST_EXTERNAL)
    if not flags & moments.SNAP_LIST_INTERNAL:
        return False
    if state == "shutoff":
        return bool(flags & moments.SNAP_LIST_INACTIVE)
    return bool(flags & moments.SNAP_LIST_ACTIVE)


def collect(
    s: Session,
    dom: libvirt.virDomain,
    start: libvirt.virDomainSnapshot | None,
    flags: int,
    tree: bool,
) -> list[Entry]:
    """virshSnapshotListCollect, iteratively and with client-side TOPOLOGICAL.

    With ``tree`` every entry carries its parent name and ``start`` (if
    any) is added as the one parentless entry.  Unless TOPOLOGICAL was
    asked for, the result is sorted by name as virsh sorts it.
    """
    orig_flags = flags
    want_topo = bool(flags & _TOPO)
    emulate_topo = False
    filter_fallback = False
    objs: list[libvirt.virDomainSnapshot] | None = None
    err: libvirt.libvirtError | None = None

    def list_all(f: int) -> list[libvirt.virDomainSnapshot] | None:
        nonlocal err
        try:
            return start.listAllChildren(f) if start is not None else dom.listAllSnapshots(f)
        except libvirt.libvirtError as exc:
            err = exc
            return None

    if not _old_api(s):
        objs = list_all(flags)
        if objs is None and want_topo and _code(err) in _TOPO_REJECTED:
            flags &= ~_TOPO
            emulate_topo = True
            objs = list_all(flags)
        if objs is None and _code(err) == libvirt.VIR_ERR_INVALID_ARG and flags & _FILTERS:
            flags &= ~_FILTERS
            filter_fallback = True
            objs = list_all(flags)

    modern = objs is not None
    if objs is not None:
        entries = [Entry(o.getName(), o) for o in objs]
        del objs
        if tree or emulate_topo:
            fill_parents(s, entries)
    else:
        result = _collect_old(s, dom, start, flags, tree)
        if result is None:
            return []
        entries, filter_old, emulate_old = result
        filter_fallback = filter_fallback or filter_old
        emulate_topo = emulate_topo or (want_topo and emulate_old)
        if emulate_topo and not tree:
            fill_parents(s, entries)

    if filter_fallback:
        entries = [e for e in entries if _filter_keeps(s, e.obj, orig_flags)]
    if emulate_topo:
        entries = moments.parents_first(entries)
    if tree and start is not None and modern:
        entries.append(Entry(start.getName(), start, None))
    if not orig_flags & _TOPO:
        moments.sort_by_name(entries)
    return entries


_TOPO_REJECTED = (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_ERR_NO_SUPPORT)


def _collect_old(
    s: Session,
    dom: libvirt.virDomain,
    start: libvirt.virDomainSnapshot | None,
    flags: int,
    tree: bool,
) -> tuple[list[Entry], bool, bool] | None:
    """The pre-0.9.13 listing path of virshSnapshotListCollect.

    Returns (entries, status/location still to filter, TOPOLOGICAL to
    emulate), or None for virsh's early "nothing to list".  Parents are
    filled in where the path needed them (tree, --from, --roots).
    """
    emulate_topo = bool(flags & _TOPO)
    flags &= ~_TOPO  # old APIs never order; vsh orders client-side instead
    ml = moments
    if flags & ml.SNAP_LIST_NO_LEAVES and flags & ml.SNAP_LIST_LEAVES:
        flags &= ~(ml.SNAP_LIST_NO_LEAVES | ml.SNAP_LIST_LEAVES)
    if flags & ml.SNAP_LIST_NO_METADATA and flags & ml.SNAP_LIST_METADATA:
        flags &= ~(ml.SNAP_LIST_NO_METADATA | ml.SNAP_LIST_METADATA)
    if flags & ml.SNAP_LIST_NO_METADATA:
        # Metadata used to be all-or-none: emulate --no-metadata by counting.
        if dom.snapshotNum(ml.SNAP_LIST_METADATA) > 0:
            return None
        flags &= ~ml.SNAP_LIST_NO_METADATA
    filter_fallback = False
    if flags & _FILTERS:
        flags &= ~_FILTERS
        filter_fallback = True

    from_name = None
    descendants = False
    roots = False
    use_old = _old_api(s)
    count = -1
    if start is not None:
        from_name = start.getName()
        descendants = bool(flags & ml.SNAP_LIST_DESCENDANTS) or tree
        if tree:
            flags |= ml.SNAP_LIST_DESCENDANTS
        if not use_old:
            try:
                count = start.numChildren(flags)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
                    raise
                use_old = True
                s.connection.features[OLD_API] = True
        if use_old:
            flags &= ~ml.SNAP_LIST_DESCENDANTS
    if start is None or use_old:
        try:
            count = dom.snapshotNum(flags)
        except libvirt.libvirtError as exc:
            if not (
                start is None
                and exc.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
                and flags & ml.SNAP_LIST_ROOTS
            ):
                raise
            roots = True
            flags &= ~ml.SNAP_LIST_ROOTS
            count = dom.snapshotNum(flags)
    if count == 0:
        return [], filter_fallback, emulate_topo

    if start is not None and not use_old:
        names = start.listChildrenNames(flags)
        if tree:
            names = [from_name, *names]
    else:
        names = dom.snapshotListNames(flags)
    entries = [Entry(n, dom.snapshotLookupByName(n, 0)) for n in names]
    if tree and start is not None and not use_old:
        entries[0].obj = start

    if tree or (start is not None and use_old) or roots:
        # Parents, and the filtering the old APIs could not do server-side.
        first = 1 if start is not None and not use_old else 0
        kept = entries[:first]
        for e in entries[first:]:
            if tree and use_old and e.name == from_name:
                kept.append(e)  # --tree shows it as the one root
                continue
            e.parent = parent_name(s, e.obj)
            if (
                start is not None
                and ((tree and e.parent is None) or (not descendants and e.parent != from_name))
            ) or (roots and e.parent is not None):
                continue
            kept.append(e)
        entries = kept
    if tree:
        return entries, filter_fallback, emulate_topo
    if use_old and descendants and from_name is not None:
        entries = _old_descendants(entries, from_name)
    return entries, filter_fallback, emulate_topo


def _old_descendants(entries: list[Entry], from_name: str) -> list[Entry]:
    """Keep the entries whose parent chain (within the list) reaches ``from_name``.

    virsh's repeated passes (O(n^3)) give this same set; here each chain
    is walked once, memoised.
    """
    parent = {e.name: e.parent for e in entries}
    verdict: dict[str, bool] = {from_name: True}
    for e in entries:
        path: list[str] = []
        node: str | None = e.name
        while node is not None and node not in verdict:
            path.append(node)
            node = parent.get(node) if node in parent else None
        ok = node is not None and verdict[node]
        for n in path:
            verdict[n] = ok
    return [e for e in entries if e.name != from_name and verdict.get(e.name, False)]


def _table(s: Session, entries: list[Entry], with_parent: bool) -> None:
    from vsh.output.table import render_table
    from vsh.output.text import locale_is_utf8

    header = ["Name", "Creation Time", "State"] + (["Parent"] if with_parent else [])

    def rows() -> Any:
        for e in entries:
            try:
                xml = mc.moment(e).getXMLDesc(0)
            except libvirt.libvirtError:
                continue
            fields = moments.row_fields(xml, with_parent)
            if fields is None:
                continue
            state, creation, parent = fields
            when = moments.table_time(creation)
            if when is None:
                continue
            yield (e.name, when, state, parent or "") if with_parent else (e.name, when, state)

    s.print(render_table(header, rows(), header_shown=not s.settings.quiet, utf8=locale_is_utf8()))


def _json_list(s: Session, dom: libvirt.virDomain, entries: list[Entry], tree: bool) -> None:
    from vsh.output.jsonout import render_json

    if tree:
        entries = moments.tree_order(entries)
    everything = [Entry(o.getName(), o) for o in dom.listAllSnapshots(0)]
    fill_parents(s, everything)
    kids, desc = mc.family_counts(everything)
    try:
        current = dom.snapshotCurrent(0).getName()
    except libvirt.libvirtError:
        current = None
    records = []
    for e in entries:
        try:
            facts = moments.scan(mc.moment(e).getXMLDesc(0))
        except libvirt.libvirtError:
            continue
        records.append(
            {
                "name": e.name,
                "parent": facts.parent,
                "current": e.name == current,
                "state": facts.state,
                "location": facts.location,
                "creation_time": mc.iso_creation(facts),
                "children": kids.get(e.name, 0),
                "descendants": desc.get(e.name, 0),
                "metadata": _has_metadata(dom, e.obj),
                "description": facts.description,
            }
        )
    s.print(render_json(records))


SNAPSHOT_LIST_JSON = shape(
    array_of(object_of(prop("name", STR), *_SNAPSHOT_FIELDS)),
    doc="""In the order the text output would list the snapshots (--topological and --tree included:
    --tree gives depth-first order); --name/--parent change only the text layout.  Snapshots
    whose XML cannot be read are left out, as virsh leaves them out of its tables.""",
)


@command(
    "snapshot-list",
    summary="List snapshots for a domain",
    description="Snapshot List",
    group=GROUP,
    json=SNAPSHOT_LIST_JSON,
)
@domain_option(HAS)
@option("parent", OptKind.BOOL, "add a column showing parent snapshot")
@option("roots", OptKind.BOOL, "list only snapshots without parents", flag=moments.SNAP_LIST_ROOTS)
@option("leaves", OptKind.BOOL, "list only snapshots without children")
@option("no-leaves", OptKind.BOOL, "list only snapshots that are not leaves (with children)")
@option(
    "metadata",
    OptKind.BOOL,
    "list only snapshots that have metadata that would prevent undefine",
    flag=moments.SNAP_LIST_METADATA,
)
@option(
    "no-metadata",
    OptKind.BOOL,
    "list only snapshots that have no metadata managed by libvirt",
    flag=moments.SNAP_LIST_NO_METADATA,
)
@option("inactive", OptKind.BOOL, "filter by snapshots taken while inactive")
@option("active", OptKind.BOOL, "filter by snapshots taken while active (full system snapshots)")
@option("disk-only", OptKind.BOOL, "filter by disk-only snapshots")
@option("internal", OptKind.BOOL, "filter by internal snapshots")
@option("external", OptKind.BOOL, "filter by external snapshots")
@option("tree", OptKind.BOOL, "list snapshots in a tree")
@option(
    "from",
    OptKind.STRING,
    "limit list to children of given snapshot",
    completer=providers.snapshot_names,
)
@option("current", OptKind.BOOL, "limit list to children of current snapshot")
@option(
    "descendants",
    OptKind.BOOL,
    "with --from, list all descendants",
    flag=moments.SNAP_LIST_DESCENDANTS,
)
@option("name", OptKind.BOOL, "list snapshot names only")
@option(
    "topological",
    OptKind.BOOL,
    "sort list topologically rather than by name",
    flag=moments.SNAP_LIST_TOPOLOGICAL,
)
@option("json", OptKind.BOOL, "print the list as a JSON array", extension=True)
def snapshot_list(s: Session, domain: str, **opt: Any) -> bool:
    tree, name, parent, roots = opt["tree"], opt["name"], opt["parent"], opt["roots"]
    from_name: str | None = opt["from"]
    has_from = from_name is not None
    current = opt["current"]
    mc.refuse_together(
        (
            ("tree", "name", tree and name),
            ("parent", "roots", parent and roots),
            ("parent", "tree", parent and tree),
            ("roots", "tree", roots and tree),
            ("roots", "from", roots and has_from),
            ("roots", "current", roots and current),
        )
    )
    ml = moments
    flags = mc.filter_flags(
        opt,
        (
            ("leaves", ml.SNAP_LIST_LEAVES),
            ("no-leaves", ml.SNAP_LIST_NO_LEAVES),
            ("inactive", ml.SNAP_LIST_INACTIVE),
            ("active", ml.SNAP_LIST_ACTIVE),
            ("disk-only", ml.SNAP_LIST_DISK_ONLY),
            ("internal", ml.SNAP_LIST_INTERNAL),
            ("external", ml.SNAP_LIST_EXTERNAL),
        ),
        tree,
    )
    if opt["descendants"] and not has_from and not current:
        raise VshError("--descendants requires either --from or --current")
    flags |= option_flags()  # --topological, --roots, --metadata, --no-metadata, --descendants
    dom = lookup.domain(s, domain, cmd="snapshot-list")
    start = None
    if has_from or current:
        start, _ = lookup.snapshot(s, dom, from_name, current, option="from")
    as_json = opt["json"] or s.settings.json
    if name and not as_json:
        names = _names_only(s, dom, start, flags)
        if names is not None:
            s.print("".join(n + "\n" for n in names))
            return True
    entries = collect(s, dom, start, flags, tree)
    return mc.print_list(
        s,
        entries,
        as_json=(lambda: _json_list(s, dom, entries, tree)) if as_json else None,
        tree=tree,
        names=name,
        table=lambda: _table(s, entries, parent),
    )


def _names_only(
    s: Session,
    dom: libvirt.virDomain,
    start: libvirt.virDomainSnapshot | None,
    flags: int,
) -> list[str] | None:
    """``--name`` without snapshot objects: the name-listing APIs, same flags.

    On a current server they select exactly what the object listing does,
    about twenty times faster.  Any failure returns None, and the caller
    goes through :func:`collect`, whose fallbacks and errors are virsh's.
    """
    if _old_api(s):
        return None
    try:
        names = (start.listChildrenNames if start else dom.snapshotListNames)(flags)
    except libvirt.libvirtError:
        s.last_error = None
        return None
    if not flags & _TOPO:
        names.sort(key=moments.sort_key)
    return names


# ---------------------------------------------------------------------------
# snapshot-parent
# ---------------------------------------------------------------------------


@command(
    "snapshot-parent",
    summary="Get the name of the parent of a snapshot",
    description="Extract the snapshot's parent, if any",
    group=GROUP,
)
@domain_option(HAS)
@option(
    "snapshotname",
    OptKind.STRING,
    "find parent of snapshot name",
    completer=providers.snapshot_names,
)
@option("current", OptKind.BOOL, "find parent of current snapshot")
def snapshot_parent(s: Session, domain: str, snapshotname: str | None, current: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="snapshot-parent")
    snap, name = lookup.snapshot(s, dom, snapshotname, current)
    return mc.print_parent(s, "snapshot", name, parent_name(s, snap))


# ---------------------------------------------------------------------------
# snapshot-revert
# ---------------------------------------------------------------------------


@command(
    "snapshot-revert",
    summary="Revert a domain to a snapshot",
    description="Revert domain to snapshot",
    group=GROUP,
)
@domain_option(HAS)
@option("snapshotname", OptKind.STRING, "snapshot name", completer=providers.snapshot_names)
@option("current", OptKind.BOOL, "revert to current snapshot")
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
    "reset-nvram",
    OptKind.BOOL,
    "re-initialize NVRAM from its pristine template",
    flag=libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_RESET_NVRAM,
)
def snapshot_revert(
    s: Session,
    domain: str,
    snapshotname: str | None,
    current: bool,
    running: bool,
    paused: bool,
    force: bool,
    reset_nvram: bool,
) -> bool:
    flags = option_flags()
    dom = lookup.domain(s, domain, cmd="snapshot-revert")
    snap, name = lookup.snapshot(s, dom, snapshotname, current)
    # --force is sent only once the server says the revert is risky, so it
    # also works with old servers that reject the flag.
    try:
        dom.revertToSnapshot(snap, flags)
    except libvirt.libvirtError as err:
        if not (force and err.get_error_code() == libvirt.VIR_ERR_SNAPSHOT_REVERT_RISKY):
            raise VshError(f"Failed to revert snapshot {name}", cause=err) from err
        with failing(f"Failed to revert snapshot {name}"):
            dom.revertToSnapshot(snap, flags | libvirt.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE)
    s.print_extra(f"Domain snapshot {name} reverted\n")
    return True
