"""Checkpoint commands (virsh-checkpoint.c), in virsh's table order.

Checkpoint APIs all date from libvirt 5.6, so virsh has no old-server
fallbacks here; vsh adds the same client-side TOPOLOGICAL order as for
snapshots, for servers that reject VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL.
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands import moments_common as mc
from vsh.commands.common import domain_option
from vsh.completion import providers
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError, libvirt_message
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import INT, NULL, STR, array_of, object_of, prop, shape
from vsh.core.session import Session
from vsh.core.vshutil import read_file_all
from vsh.snapshots import moments
from vsh.snapshots.moments import Entry
from vsh.virt import lookup
from vsh.virt.failing import failing

GROUP = "checkpoint"
HAS = libvirt.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT


_TOPO = moments.CHK_LIST_TOPOLOGICAL
_TOPO_REJECTED = (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_ERR_NO_SUPPORT)


# ---------------------------------------------------------------------------
# checkpoint-create, checkpoint-create-as
# ---------------------------------------------------------------------------


def _create(s: Session, dom: libvirt.virDomain, xml: str, flags: int, path: str | None) -> bool:
    """virshCheckpointCreate."""
    bad = moments.utf8_error(xml, "(domain_checkpoint)")
    if bad is not None:
        raise VshError(bad)
    chk = dom.checkpointCreateXML(xml, flags)
    return mc.report_created(s, "checkpoint", chk.getName(), path)


@command(
    "checkpoint-create",
    summary="Create a checkpoint from XML",
    description="Create a checkpoint from XML for use in future incremental backups",
    group=GROUP,
)
@domain_option(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("xmlfile", OptKind.STRING, "domain checkpoint XML", value_kind="file")
@option(
    "redefine",
    OptKind.BOOL,
    "redefine metadata for existing checkpoint",
    flag=libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE,
)
@option(
    "redefine-validate",
    OptKind.BOOL,
    "validate the redefined checkpoint",
    flag=libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE,
)
@option(
    "quiesce",
    OptKind.BOOL,
    "quiesce guest's file systems",
    flag=libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE,
)
def checkpoint_create(
    s: Session,
    domain: str,
    xmlfile: str | None,
    redefine: bool,
    redefine_validate: bool,
    quiesce: bool,
) -> bool:
    if redefine_validate and not redefine:
        raise VshError("Option --redefine is required by option --redefine-validate")
    flags = option_flags()
    dom = lookup.domain(s, domain, cmd="checkpoint-create")
    path = s.text(xmlfile, "xmlfile")
    xml = "<domaincheckpoint/>" if path is None else read_file_all(path)
    return _create(s, dom, xml, flags, path)


@command(
    "checkpoint-create-as",
    summary="Create a checkpoint from a set of args",
    description="Create a checkpoint from arguments for use in future incremental backups",
    group=GROUP,
)
@domain_option(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("name", OptKind.STRING, "name of checkpoint", value_kind="empty")
@option("description", OptKind.STRING, "description of checkpoint", value_kind="empty")
@option("print-xml", OptKind.BOOL, "print XML document rather than create")
@option("quiesce", OptKind.BOOL, "quiesce guest's file systems")
@option(
    "diskspec",
    OptKind.ARGV,
    "disk attributes: disk[,checkpoint=type][,bitmap=name]",
    value_kind="diskspec",
)
def checkpoint_create_as(
    s: Session,
    domain: str,
    name: str | None,
    description: str | None,
    print_xml: bool,
    quiesce: bool,
    diskspec: tuple[str, ...],
) -> bool:
    flags = libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE if quiesce else 0
    dom = lookup.domain(s, domain, cmd="checkpoint-create-as")
    name = s.text(name, "name")
    description = s.text(description, "description")
    xml = moments.checkpoint_xml(name, description, diskspec)
    if print_xml:
        s.print(xml + "\n")
        return True
    return _create(s, dom, xml, flags, None)


# ---------------------------------------------------------------------------
# checkpoint-delete
# ---------------------------------------------------------------------------


@command(
    "checkpoint-delete",
    summary="Delete a domain checkpoint",
    description="Checkpoint Delete",
    group=GROUP,
)
@domain_option(HAS | libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("checkpointname", OptKind.STRING, "checkpoint name", completer=providers.checkpoint_names)
@option(
    "children",
    OptKind.BOOL,
    "delete checkpoint and all children",
    flag=libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN,
)
@option(
    "children-only",
    OptKind.BOOL,
    "delete children but not checkpoint",
    flag=libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY,
)
@option(
    "metadata",
    OptKind.BOOL,
    "delete only libvirt metadata, leaving checkpoint contents behind",
    flag=libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY,
)
def checkpoint_delete(
    s: Session,
    domain: str,
    checkpointname: str | None,
    children: bool,
    children_only: bool,
    metadata: bool,
) -> bool:
    dom = lookup.domain(s, domain, cmd="checkpoint-delete")
    chk, name = lookup.checkpoint(s, dom, checkpointname)
    with failing(f"Failed to delete checkpoint {name}"):
        chk.delete(option_flags())
    return mc.report_deleted(s, "checkpoint", name, children_only)


# ---------------------------------------------------------------------------
# checkpoint-dumpxml
# ---------------------------------------------------------------------------


@command(
    "checkpoint-dumpxml",
    summary="Dump XML for a domain checkpoint",
    description="Checkpoint Dump XML",
    group=GROUP,
)
@domain_option(HAS)
@option("checkpointname", OptKind.STRING, "checkpoint name", completer=providers.checkpoint_names)
@option(
    "security-info",
    OptKind.BOOL,
    "include security sensitive information in XML dump",
    flag=libvirt.VIR_DOMAIN_CHECKPOINT_XML_SECURE,
)
@option(
    "no-domain",
    OptKind.BOOL,
    "exclude <domain> from XML",
    flag=libvirt.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN,
)
@option(
    "size",
    OptKind.BOOL,
    "include backup size estimate in XML dump",
    flag=libvirt.VIR_DOMAIN_CHECKPOINT_XML_SIZE,
)
@option(
    "xpath",
    OptKind.STRING,
    "xpath expression to filter the XML document",
    named_only=True,
    value_kind="empty",
)
@option("wrap", OptKind.BOOL, "wrap xpath results in an common root element")
def checkpoint_dumpxml(
    s: Session,
    domain: str,
    checkpointname: str | None,
    security_info: bool,
    no_domain: bool,
    size: bool,
    xpath: str | None,
    wrap: bool,
) -> bool:
    from vsh.virt import xpathdump

    flags = option_flags()
    dom = lookup.domain(s, domain, cmd="checkpoint-dumpxml")
    if xpath == "":
        return False  # vshCommandOptStringQuiet: an empty value fails silently
    chk, _ = lookup.checkpoint(s, dom, checkpointname)
    xml = chk.getXMLDesc(flags)
    xpathdump.dump(s.print, xml, "domain-checkpoint", xpath, wrap)
    return True


# ---------------------------------------------------------------------------
# checkpoint-edit
# ---------------------------------------------------------------------------


@command(
    "checkpoint-edit",
    summary="edit XML for a checkpoint",
    description="Edit the domain checkpoint XML for a named checkpoint",
    group=GROUP,
)
@domain_option(HAS)
@option("checkpointname", OptKind.STRING, "checkpoint name", completer=providers.checkpoint_names)
def checkpoint_edit(s: Session, domain: str, checkpointname: str | None) -> bool:
    dom = lookup.domain(s, domain, cmd="checkpoint-edit")
    chk, name = lookup.checkpoint(s, dom, checkpointname)
    define_flags = libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE

    def get_xml() -> str:
        return chk.getXMLDesc(libvirt.VIR_DOMAIN_CHECKPOINT_XML_SECURE)

    def unchanged_is_done() -> bool:
        s.print_extra(f"Checkpoint {name} XML configuration not changed.\n")
        return True

    def define(doc: str, edited: str) -> tuple[Any, Any]:
        try:
            return dom.checkpointCreateXML(edited, define_flags), None
        except libvirt.libvirtError as err:
            return None, err

    edited = mc.edit(s, name, get_xml, define, unchanged_is_done)
    if edited is None:
        return True
    edited_name = edited.getName()
    if edited_name == name:
        s.print_extra(f"Checkpoint {name} edited.\n")
        return True
    try:
        edited.delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY)
    except libvirt.libvirtError as err:
        s.error(libvirt_message(err))
        raise VshError(f"Failed to clean up {edited_name}", f"Failed to update {name}") from err
    raise VshError(f"Cannot rename checkpoint {name} to {edited_name}", f"Failed to update {name}")


# ---------------------------------------------------------------------------
# checkpoint-info
# ---------------------------------------------------------------------------


def parent_name(s: Session, chk: libvirt.virDomainCheckpoint) -> str | None:
    """virshGetCheckpointParent."""
    try:
        return chk.getParent(0).getName()
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_CHECKPOINT:
            return None
        s.error(libvirt_message(err))
        raise VshError("unable to determine if checkpoint has parent") from err


_CHECKPOINT_FIELDS = (
    prop("parent", STR, NULL, doc="null for a root"),
    prop("creation_time", STR, NULL, doc="ISO 8601, local offset"),
    prop("children", INT, doc="direct children (whole domain, not the list)"),
    prop("descendants", INT, doc="all descendants"),
    prop("description", STR, NULL, doc="null when there is none"),
)
CHECKPOINT_INFO_JSON = shape(
    object_of(prop("name", STR), prop("domain", STR), *_CHECKPOINT_FIELDS),
    doc="A checkpoint-list --json element, plus domain.",
)


@command(
    "checkpoint-info",
    summary="checkpoint information",
    description="Returns basic information about a checkpoint.",
    group=GROUP,
    json=CHECKPOINT_INFO_JSON,
)
@domain_option(HAS)
@option("checkpointname", OptKind.STRING, "checkpoint name", completer=providers.checkpoint_names)
@option("json", OptKind.BOOL, "print the information as a JSON object", extension=True)
def checkpoint_info(s: Session, domain: str, checkpointname: str | None, json: bool) -> bool:
    from vsh.output.table import render_kv

    dom = lookup.domain(s, domain, cmd="checkpoint-info")
    chk, name = lookup.checkpoint(s, dom, checkpointname)
    if json or s.settings.json:
        return _info_json(s, dom, chk, name)
    s.print(render_kv([("Name:", name), ("Domain:", dom.name())]))
    try:
        parent = parent_name(s, chk)
    except VshError as exc:
        raise VshError(*exc.messages, "unexpected problem querying checkpoint state") from exc
    s.print(render_kv([("Parent:", parent or "-")]))
    try:
        count = len(chk.listAllChildren(0))
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
            return True
        raise
    s.print(render_kv([("Children:", str(count))]))
    count = len(chk.listAllChildren(libvirt.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS))
    s.print(render_kv([("Descendants:", str(count))]))
    return True


def _record(facts: moments.Facts, name: str, kids: int, desc: int) -> dict[str, Any]:
    return {
        "name": name,
        "parent": facts.parent,
        "creation_time": mc.iso_creation(facts),
        "children": kids,
        "descendants": desc,
        "description": facts.description,
    }


def _info_json(
    s: Session, dom: libvirt.virDomain, chk: libvirt.virDomainCheckpoint, name: str
) -> bool:
    from vsh.output.jsonout import render_json

    facts = moments.scan(chk.getXMLDesc(0))
    record = _record(
        facts,
        name,
        len(chk.listAllChildren(0)),
        len(chk.listAllChildren(libvirt.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS)),
    )
    record = {
        "name": name,
        "domain": dom.name(),
        **{k: v for k, v in record.items() if k != "name"},
    }
    s.print(render_json(record))
    return True


# ---------------------------------------------------------------------------
# checkpoint-list
# ---------------------------------------------------------------------------


def collect(
    s: Session,
    dom: libvirt.virDomain,
    start: libvirt.virDomainCheckpoint | None,
    flags: int,
    tree: bool,
) -> list[Entry]:
    """virshCheckpointListCollect, plus client-side TOPOLOGICAL when rejected."""
    emulate_topo = False

    def list_all(f: int) -> list[libvirt.virDomainCheckpoint]:
        if start is not None:
            return start.listAllChildren(f)
        return dom.listAllCheckpoints(f)

    with failing("unexpected problem querying checkpoints"):
        try:
            objs = list_all(flags)
        except libvirt.libvirtError as err:
            if not (flags & _TOPO and err.get_error_code() in _TOPO_REJECTED):
                raise
            emulate_topo = True
            objs = list_all(flags & ~_TOPO)
    entries = [Entry(o.getName(), o) for o in objs]
    del objs
    if tree or emulate_topo:
        for e in entries:
            e.parent = parent_name(s, e.obj)
    if emulate_topo:
        entries = moments.parents_first(entries)
    if tree and start is not None:
        entries.append(Entry(start.getName(), start, None))
    if not flags & _TOPO:
        moments.sort_by_name(entries)
    return entries


def _table(s: Session, entries: list[Entry], with_parent: bool) -> None:
    from vsh.output.table import render_table
    from vsh.output.text import locale_is_utf8

    header = ["Name", "Creation Time"] + (["Parent"] if with_parent else [])

    def rows() -> Any:
        for e in entries:
            try:
                xml = mc.moment(e).getXMLDesc(0)
            except libvirt.libvirtError:
                continue
            facts = moments.scan(xml)
            when = moments.table_time(facts.creation or "")
            if when is None:
                continue
            yield (e.name, when, facts.parent or "") if with_parent else (e.name, when)

    s.print(render_table(header, rows(), header_shown=not s.settings.quiet, utf8=locale_is_utf8()))


def _json_list(s: Session, dom: libvirt.virDomain, entries: list[Entry], tree: bool) -> None:
    from vsh.output.jsonout import render_json

    if tree:
        entries = moments.tree_order(entries)
    everything = [Entry(o.getName(), o) for o in dom.listAllCheckpoints(0)]
    for e in everything:
        e.parent = parent_name(s, e.obj)
    kids, desc = mc.family_counts(everything)
    records = []
    for e in entries:
        try:
            facts = moments.scan(mc.moment(e).getXMLDesc(0))
        except libvirt.libvirtError:
            continue
        records.append(_record(facts, e.name, kids.get(e.name, 0), desc.get(e.name, 0)))
    s.print(render_json(records))


CHECKPOINT_LIST_JSON = shape(
    array_of(object_of(prop("name", STR), *_CHECKPOINT_FIELDS)),
    doc="""In the order the text output would list the checkpoints (--topological and --tree
    included); the keys of snapshot-list --json that exist for checkpoints.  Checkpoints whose
    XML cannot be read are left out, as virsh leaves them out of its tables.""",
)


@command(
    "checkpoint-list",
    summary="List checkpoints for a domain",
    description="Checkpoint List",
    group=GROUP,
    json=CHECKPOINT_LIST_JSON,
)
@domain_option(HAS)
@option("parent", OptKind.BOOL, "add a column showing parent checkpoint")
@option(
    "roots",
    OptKind.BOOL,
    "list only checkpoints without parents",
    flag=moments.CHK_LIST_ROOTS,
)
@option("leaves", OptKind.BOOL, "list only checkpoints without children")
@option("no-leaves", OptKind.BOOL, "list only checkpoints that are not leaves (with children)")
@option("tree", OptKind.BOOL, "list checkpoints in a tree")
@option(
    "from",
    OptKind.STRING,
    "limit list to children of given checkpoint",
    completer=providers.checkpoint_names,
)
@option(
    "descendants",
    OptKind.BOOL,
    "with --from, list all descendants",
    flag=moments.CHK_LIST_DESCENDANTS,
)
@option("name", OptKind.BOOL, "list checkpoint names only")
@option(
    "topological",
    OptKind.BOOL,
    "sort list topologically rather than by name",
    flag=moments.CHK_LIST_TOPOLOGICAL,
)
@option("json", OptKind.BOOL, "print the list as a JSON array", extension=True)
def checkpoint_list(s: Session, domain: str, **opt: Any) -> bool:
    tree, name, parent, roots = opt["tree"], opt["name"], opt["parent"], opt["roots"]
    from_name: str | None = opt["from"]
    has_from = from_name is not None
    mc.refuse_together(
        (
            ("tree", "name", tree and name),
            ("parent", "roots", parent and roots),
            ("parent", "tree", parent and tree),
            ("roots", "tree", roots and tree),
            ("roots", "from", roots and has_from),
        )
    )
    flags = mc.filter_flags(
        opt, (("leaves", moments.CHK_LIST_LEAVES), ("no-leaves", moments.CHK_LIST_NO_LEAVES)), tree
    )
    if opt["descendants"] and not has_from:
        raise VshError("--descendants requires --from")
    flags |= option_flags()  # --topological, --roots, --descendants
    dom = lookup.domain(s, domain, cmd="checkpoint-list")
    start = None
    if has_from:
        start, _ = lookup.checkpoint(s, dom, from_name, option="from")
    entries = collect(s, dom, start, flags, tree)
    as_json = opt["json"] or s.settings.json
    return mc.print_list(
        s,
        entries,
        as_json=(lambda: _json_list(s, dom, entries, tree)) if as_json else None,
        tree=tree,
        names=name,
        table=lambda: _table(s, entries, parent),
    )


# ---------------------------------------------------------------------------
# checkpoint-parent
# ---------------------------------------------------------------------------


@command(
    "checkpoint-parent",
    summary="Get the name of the parent of a checkpoint",
    description="Extract the checkpoint's parent, if any",
    group=GROUP,
)
@domain_option(HAS)
@option(
    "checkpointname",
    OptKind.STRING,
    "find parent of checkpoint name",
    completer=providers.checkpoint_names,
)
def checkpoint_parent(s: Session, domain: str, checkpointname: str | None) -> bool:
    dom = lookup.domain(s, domain, cmd="checkpoint-parent")
    chk, name = lookup.checkpoint(s, dom, checkpointname)
    return mc.print_parent(s, "checkpoint", name, parent_name(s, chk))
