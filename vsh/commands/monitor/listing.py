"""``list`` (cmdList in tools/virsh-domain-monitor.c): virsh's domain
collection (virshDomainListCollect, with its fall-backs for older servers),
its order and its table.
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import json_text, table_text
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import INT, NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.numbers import UINT_MAX
from vsh.core.session import Session
from vsh.virt import lookup
from vsh.virt.domstates import STATES, state_text
from vsh.virt.domxml import domain_xml
from vsh.virt.failing import failing

GROUP = "monitor"

L = libvirt
ACTIVE = L.VIR_CONNECT_LIST_DOMAINS_ACTIVE
INACTIVE = L.VIR_CONNECT_LIST_DOMAINS_INACTIVE
PERSISTENT = L.VIR_CONNECT_LIST_DOMAINS_PERSISTENT
TRANSIENT = L.VIR_CONNECT_LIST_DOMAINS_TRANSIENT
RUNNING = L.VIR_CONNECT_LIST_DOMAINS_RUNNING
PAUSED = L.VIR_CONNECT_LIST_DOMAINS_PAUSED
SHUTOFF = L.VIR_CONNECT_LIST_DOMAINS_SHUTOFF
OTHER = L.VIR_CONNECT_LIST_DOMAINS_OTHER
MANAGEDSAVE = L.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE
NO_MANAGEDSAVE = L.VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE
AUTOSTART = L.VIR_CONNECT_LIST_DOMAINS_AUTOSTART
NO_AUTOSTART = L.VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART
HAS_SNAPSHOT = L.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT
NO_SNAPSHOT = L.VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT
HAS_CHECKPOINT = L.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT
NO_CHECKPOINT = L.VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT

FILTERS_ACTIVE = ACTIVE | INACTIVE
FILTERS_PERSISTENT = PERSISTENT | TRANSIENT
FILTERS_STATE = RUNNING | PAUSED | SHUTOFF | OTHER
FILTERS_MANAGEDSAVE = MANAGEDSAVE | NO_MANAGEDSAVE
FILTERS_AUTOSTART = AUTOSTART | NO_AUTOSTART
FILTERS_SNAPSHOT = HAS_SNAPSHOT | NO_SNAPSHOT
FILTERS_CHECKPOINT = HAS_CHECKPOINT | NO_CHECKPOINT


def list_base(opts: dict[str, bool]) -> int:
    """cmdList's active/inactive base; the filter bits are its options' ``flag=``."""
    flags = ACTIVE
    if opts.get("inactive") or opts.get("state_shutoff"):
        flags = INACTIVE
    if opts.get("all"):
        flags = INACTIVE | ACTIVE
    return flags


def sort_key(dom_id: int, name: str) -> tuple[int, int, bytes]:
    """virshDomainSorter: running domains by id, then the rest by strcasecmp name."""
    if dom_id in (-1, UINT_MAX):
        from vsh.output.text import to_c_bytes

        return (1, 0, to_c_bytes(name).lower())
    return (0, dom_id, b"")


def _fallback_keep(dom: libvirt.virDomain, flags: int) -> bool:
    """The client-side filters virsh applies when the server could not."""

    def match(flag: int) -> bool:
        return bool(flags & flag)

    if match(FILTERS_PERSISTENT):
        with failing("Failed to get domain persistence info"):
            persistent = dom.isPersistent()
        if not ((match(PERSISTENT) and persistent) or (match(TRANSIENT) and not persistent)):
            return False
    if match(FILTERS_STATE):
        with failing("Failed to get domain state"):
            state = dom.state(0)[0]
        if not (
            (match(RUNNING) and state == L.VIR_DOMAIN_RUNNING)
            or (match(PAUSED) and state == L.VIR_DOMAIN_PAUSED)
            or (match(SHUTOFF) and state == L.VIR_DOMAIN_SHUTOFF)
            or (
                match(OTHER)
                and state not in (L.VIR_DOMAIN_RUNNING, L.VIR_DOMAIN_PAUSED, L.VIR_DOMAIN_SHUTOFF)
            )
        ):
            return False
    if match(FILTERS_AUTOSTART):
        with failing("Failed to get domain autostart state"):
            autostart = dom.autostart()
        if not ((match(AUTOSTART) and autostart) or (match(NO_AUTOSTART) and not autostart)):
            return False
    if match(FILTERS_MANAGEDSAVE):
        with failing("Failed to check for managed save image"):
            mansave = dom.hasManagedSaveImage(0)
        if not ((match(MANAGEDSAVE) and mansave) or (match(NO_MANAGEDSAVE) and not mansave)):
            return False
    if match(FILTERS_SNAPSHOT):
        with failing("Failed to get snapshot count"):
            nsnap = dom.snapshotNum(0)
        if not ((match(HAS_SNAPSHOT) and nsnap > 0) or (match(NO_SNAPSHOT) and nsnap == 0)):
            return False
    if match(FILTERS_CHECKPOINT):
        with failing("Failed to get checkpoint count"):
            nchk = len(dom.listAllCheckpoints(0))
        if not ((match(HAS_CHECKPOINT) and nchk > 0) or (match(NO_CHECKPOINT) and nchk == 0)):
            return False
    return True


def collect_domains(conn: libvirt.virConnect, flags: int) -> list[libvirt.virDomain]:
    """virshDomainListCollect: the domains ``flags`` selects, in virsh's order.

    virConnectListAllDomains first; a server rejecting some flags gets them
    masked and filtered here; a server without it gets the old per-kind
    listing calls.  Raises VshError with virsh's message.
    """
    domains: list[libvirt.virDomain] | None = None
    need_filter = False
    try:
        domains = conn.listAllDomains(flags)
    except libvirt.libvirtError as err:
        code = err.get_error_code()
        if code == L.VIR_ERR_INVALID_ARG:
            with failing("Failed to list domains"):
                domains = conn.listAllDomains(flags & FILTERS_ACTIVE)
            need_filter = True
        elif code != L.VIR_ERR_NO_SUPPORT:
            raise VshError("Failed to list domains", cause=err) from err
    if domains is None:
        domains = _collect_old(conn, flags)
        need_filter = True
    if need_filter:
        domains = [dom for dom in domains if _fallback_keep(dom, flags)]
    decorated = [(sort_key(dom.ID(), dom.name()), i, dom) for i, dom in enumerate(domains)]
    decorated.sort(key=lambda item: (item[0], item[1]))
    return [dom for _key, _i, dom in decorated]


def _collect_old(conn: libvirt.virConnect, flags: int) -> list[libvirt.virDomain]:
    """The pre-0.9.13 way: ids of running domains, names of defined ones."""
    ids: list[int] = []
    names: list[str] = []
    if not flags & FILTERS_ACTIVE or flags & ACTIVE:
        with failing("Failed to list active domains"):
            if conn.numOfDomains():
                ids = list(conn.listDomainsID())
    if not flags & FILTERS_ACTIVE or flags & INACTIVE:
        with failing("Failed to list inactive domains"):
            if conn.numOfDefinedDomains():
                names = list(conn.listDefinedDomains())
    found: list[libvirt.virDomain] = []
    for dom_id in ids:
        try:
            found.append(conn.lookupByID(dom_id))
        except libvirt.libvirtError:
            continue
    for name in names:
        try:
            found.append(conn.lookupByName(name))
        except libvirt.libvirtError:
            continue
    return found


def domain_title(s: Session, dom: libvirt.virDomain) -> str:
    """virshGetDomainDescription(title=True): metadata, else the XML's <title>."""
    try:
        return dom.metadata(L.VIR_DOMAIN_METADATA_TITLE, None, 0)
    except libvirt.libvirtError as err:
        code = err.get_error_code()
        if code == L.VIR_ERR_NO_DOMAIN_METADATA:
            s.last_error = None
            return ""
        if code != L.VIR_ERR_NO_SUPPORT:
            raise
        s.last_error = err

    root = domain_xml(dom)
    return str(root.xpath("string(./title[1])"))


LIST_JSON = shape(
    array_of(
        object_of(
            prop("id", INT, NULL, doc="null for an inactive domain"),
            prop("name", STR),
            prop("uuid", STR, NULL),
            prop(
                "state",
                choice(*STATES, "saved"),
                NULL,
                doc="""virsh's word ("saved" only with --managed-save; null when the
                state could not be read)""",
            ),
            prop("title", STR, NULL, doc="null unless --title is given"),
        )
    ),
    doc="""In virsh's order (running domains by id, then inactive ones by name, ignoring ASCII
    case); the filters apply, the column choices (--name, --uuid, --id, --table) do not.""",
)


@command(
    "list",
    summary="list domains",
    description="Returns list of domains.",
    group=GROUP,
    exclusive=(("table", "name"), ("table", "uuid"), ("table", "id")),
    json=LIST_JSON,
)
@option("inactive", OptKind.BOOL, "list inactive domains")
@option("all", OptKind.BOOL, "list inactive & active domains")
@option("transient", OptKind.BOOL, "list transient domains", flag=TRANSIENT)
@option("persistent", OptKind.BOOL, "list persistent domains", flag=PERSISTENT)
@option("with-snapshot", OptKind.BOOL, "list domains with existing snapshot", flag=HAS_SNAPSHOT)
@option("without-snapshot", OptKind.BOOL, "list domains without a snapshot", flag=NO_SNAPSHOT)
@option(
    "with-checkpoint", OptKind.BOOL, "list domains with existing checkpoint", flag=HAS_CHECKPOINT
)
@option("without-checkpoint", OptKind.BOOL, "list domains without a checkpoint", flag=NO_CHECKPOINT)
@option("state-running", OptKind.BOOL, "list domains in running state", flag=RUNNING)
@option("state-paused", OptKind.BOOL, "list domains in paused state", flag=PAUSED)
@option("state-shutoff", OptKind.BOOL, "list domains in shutoff state", flag=SHUTOFF)
@option("state-other", OptKind.BOOL, "list domains in other states", flag=OTHER)
@option("autostart", OptKind.BOOL, "list domains with autostart enabled", flag=AUTOSTART)
@option("no-autostart", OptKind.BOOL, "list domains with autostart disabled", flag=NO_AUTOSTART)
@option("with-managed-save", OptKind.BOOL, "list domains with managed save state", flag=MANAGEDSAVE)
@option(
    "without-managed-save", OptKind.BOOL, "list domains without managed save", flag=NO_MANAGEDSAVE
)
@option("uuid", OptKind.BOOL, "list uuid's only")
@option("name", OptKind.BOOL, "list domain names only")
@option("id", OptKind.BOOL, "list domain IDs only")
@option("table", OptKind.BOOL, "list table (default)")
@option("managed-save", OptKind.BOOL, "mark inactive domains with managed save state")
@option("title", OptKind.BOOL, "show domain title")
@option("json", OptKind.BOOL, "print the domains as JSON", extension=True)
def list_(s: Session, **opts: bool) -> bool:
    as_json = opts.pop("json") or s.settings.json
    managed = opts["managed_save"]
    with_title = opts["title"]
    opt_uuid, opt_name, opt_id = opts["uuid"], opts["name"], opts["id"]
    table = opts["table"] or not (opt_uuid or opt_name or opt_id)
    domains = collect_domains(s.conn, list_base(opts) | option_flags())

    if as_json:
        items = []
        for dom in domains:
            items.append(_list_item(s, dom, managed, with_title, with_uuid=True))
        s.print(json_text(items))
        return True

    if table:
        rows: list[list[str]] = []
        for dom in domains:
            item = _list_item(s, dom, managed, with_title)
            if item["state"] is None:
                continue  # gone in the meantime: virsh skips the row
            row = ["-" if item["id"] is None else str(item["id"]), item["name"], item["state"]]
            if with_title:
                row.append(item["title"])
            rows.append(row)
        header = ["Id", "Name", "State", "Title"] if with_title else ["Id", "Name", "State"]
        s.print(table_text(s, header, rows))
        return True

    for dom in domains:
        dom_id = dom.ID()
        id_text = "-" if dom_id in (-1, UINT_MAX) else str(dom_id)
        parts = []
        if opt_uuid:
            with failing("Failed to get domain's UUID"):
                parts.append(dom.UUIDString())
        if opt_id:
            if id_text == "-" and not opt_uuid and not opt_name:
                continue  # --id alone lists running domains only
            parts.append(id_text)
        if opt_name:
            parts.append(dom.name())
        s.print(" ".join(parts) + "\n")
    return True


def _list_item(
    s: Session, dom: libvirt.virDomain, managed: bool, with_title: bool, with_uuid: bool = False
) -> dict[str, Any]:
    """One list entry; state None when it could not be read (virsh drops the row)."""
    dom_id = dom.ID()
    item: dict[str, Any] = {
        "id": None if dom_id in (-1, UINT_MAX) else dom_id,
        "name": dom.name(),
        "uuid": None,
        "state": None,
        "title": None,
    }
    if with_uuid:
        try:
            item["uuid"] = dom.UUIDString()
        except libvirt.libvirtError as err:
            s.last_error = err
    try:
        state, _reason = lookup.domain_state(s, dom)
    except libvirt.libvirtError as err:
        s.last_error = err
        return item
    if managed and state == L.VIR_DOMAIN_SHUTOFF:
        try:
            if dom.hasManagedSaveImage(0) > 0:
                state = -2
        except libvirt.libvirtError as err:
            s.last_error = err
    item["state"] = "saved" if state == -2 else state_text(state)
    if with_title:
        item["title"] = domain_title(s, dom)
    return item
