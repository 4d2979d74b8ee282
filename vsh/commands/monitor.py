"""monitor commands (tools/virsh-domain-monitor.c): dominfo, domstate, list,
domblklist, domiflist, domblkinfo, domblkstat, domifstat, domif-getlink,
dommemstat, domcontrol, domblkerror, domtime, domifaddr.

Each command builds plain data first and renders it second, so the same data
feeds virsh's text layout and vsh's ``--json`` (an extension, hidden from
``help CMD``).  JSON schemas, all keys always present:

``list --json`` -- an array, in virsh's order (running domains by id, then
inactive ones by name, ignoring ASCII case); the filters apply, the column
choices (``--name``, ``--uuid``, ``--id``, ``--table``) do not::

    [{"id": 1 | null, "name": "test", "uuid": "6695eb01-...",
      "state": "running" | "saved" | ... | null,
      "title": "..." | null}]

  ``state`` is virsh's word ("saved" only with ``--managed-save``; null when
  the state could not be read), ``title`` is null unless ``--title`` is given.

``dominfo --json`` -- one object::

    {"id": 1 | null, "name": str, "uuid": str | null, "os_type": str | null,
     "state": str | null, "cpus": int | null, "cpu_time_ns": int | null,
     "max_memory_kib": int | null, "used_memory_kib": int | null,
     "persistent": bool | null, "autostart": bool | null,
     "managed_save": bool | null, "security_model": str | null,
     "security_doi": str | null, "security_label": str | null,
     "security_enforcing": bool | null, "messages": [str]}

  null means "not known" (the call failed or, for security, no model is
  active); ``max_memory_kib`` is null also when the domain has no limit.

``domstate --json`` -- ``{"state": "running", "reason": "booted"}``, the
reason always included.

Device commands (null where virsh prints ``-`` or ``N/A``):

``domblklist --json`` -- ``[{"type": str | null, "device": str | null,
"target": str, "source": str | null}]`` (type and device also without
``--details``).

``domiflist --json`` -- ``[{"interface": str | null, "type": str | null,
"source": str | null, "model": str | null, "mac": str | null}]``.

``domblkinfo --json`` -- ``{"capacity": int, "allocation": int,
"physical": int}`` in bytes; with ``--all`` an array of those objects with a
leading ``"target": str`` (zeros where virsh prints ``-``).

``domblkstat --json`` -- ``{"device": str, "stats": {name: value}}``, the
names virsh prints without ``--human`` (``rd_req``, ``wr_bytes``, ...,
then any further libvirt fields), in virsh's order.

``domifstat --json`` -- ``{"interface": str, "rx_bytes": int | null,
"rx_packets", "rx_errs", "rx_drop", "tx_bytes", "tx_packets", "tx_errs",
"tx_drop"}`` (null where virsh prints no line).

``dommemstat --json`` -- ``{name: int}`` with virsh's names (``actual``,
``swap_in``, ``rss``, ...) for the statistics the domain reports, in its
order; ``--period`` prints nothing.

``domtime --json`` -- ``{"seconds": int, "nanoseconds": int}``; setting
prints nothing.

``domifaddr --json`` -- ``[{"name": str, "mac": str | null, "addresses":
[{"protocol": "ipv4" | "ipv6" | null, "address": str, "prefix": int}]}]``,
filtered by ``--interface``.

``domstats --json`` -- ``[{"domain": str, "stats": {field: value}}]``, one
object per domain in virsh's order, the fields in libvirt's order with their
typed values (int, float, bool, str).

``domif-getlink --json`` -- ``{"interface": str, "state": "up" | "down"}``
(the interface as given).

``domcontrol --json`` -- ``{"state": "ok" | "background job" | "occupied" |
"error", "reason": str | null, "state_time_ms": int}`` (``reason`` only for
``error``).

``domblkerror --json`` -- ``[{"disk": str, "error": "no space" | ...}]``,
empty when virsh prints ``No errors found``.
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import affect_options, domain_option, exclusive, opt_int
from vsh.completion.providers import complete_disk_targets, domain_xml_on_line
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import (
    BOOL,
    INT,
    NULL,
    NUM,
    STR,
    array_of,
    choice,
    map_of,
    object_of,
    prop,
    shape,
)
from vsh.core.numbers import c_llong, numeric_message
from vsh.core.session import DEBUG, Session
from vsh.virt import lookup
from vsh.virt.domxml import domain_xml
from vsh.virt.typedparams import typed_value

GROUP = "monitor"

UINT_MAX = 2**32 - 1

# virshDomainState and the per-state reason tables, in libvirt's enum order.
STATES = (
    "no state",
    "running",
    "idle",
    "paused",
    "in shutdown",
    "shut off",
    "crashed",
    "pmsuspended",
)
REASONS: tuple[tuple[str, ...], ...] = (
    ("unknown",),
    (
        "unknown",
        "booted",
        "migrated",
        "restored",
        "from snapshot",
        "unpaused",
        "migration canceled",
        "save canceled",
        "event wakeup",
        "crashed",
        "post-copy",
        "post-copy failed",
    ),
    ("unknown",),
    (
        "unknown",
        "user",
        "migrating",
        "saving",
        "dumping",
        "I/O error",
        "watchdog",
        "from snapshot",
        "shutting down",
        "creating snapshot",
        "crashed",
        "starting up",
        "post-copy",
        "post-copy failed",
    ),
    ("unknown", "user"),
    (
        "unknown",
        "shutdown",
        "destroyed",
        "crashed",
        "migrated",
        "saved",
        "failed",
        "from snapshot",
        "daemon",
    ),
    ("unknown", "panicked"),
    ("unknown",),
)


def state_text(state: int) -> str:
    """virshDomainStateToString."""
    return STATES[state] if 0 <= state < len(STATES) else "no state"


def reason_text(state: int, reason: int) -> str:
    """virshDomainStateReasonToString."""
    if 0 <= state < len(REASONS):
        table = REASONS[state]
        if 0 <= reason < len(table):
            return table[reason]
    return "unknown"


def _table(s: Session, header: list[str], rows: list[list[str]]) -> str:
    from vsh.output.table import render_table
    from vsh.output.text import locale_is_utf8

    return render_table(header, rows, header_shown=not s.settings.quiet, utf8=locale_is_utf8())


def _json(obj: Any) -> str:
    from vsh.output.jsonout import render_json

    return render_json(obj)


# ---------------------------------------------------------------------------
# dominfo


def dominfo_data(s: Session, dom: libvirt.virDomain) -> tuple[dict[str, Any], bool]:
    """What cmdDominfo learns about ``dom``, and whether virsh would succeed.

    A failed call leaves its key null (its error pending, as virsh's
    last_error); virsh stops right after a failing security call.
    """
    data: dict[str, Any] = dict.fromkeys(
        (
            "id",
            "name",
            "uuid",
            "os_type",
            "state",
            "cpus",
            "cpu_time_ns",
            "max_memory_kib",
            "used_memory_kib",
            "persistent",
            "autostart",
            "managed_save",
            "security_model",
            "security_doi",
            "security_label",
            "security_enforcing",
        )
    )
    data["messages"] = []
    ok = True
    dom_id = dom.ID()
    data["id"] = None if dom_id in (-1, UINT_MAX) else dom_id
    data["name"] = dom.name()
    try:
        data["uuid"] = dom.UUIDString()
    except libvirt.libvirtError as err:
        s.last_error = err
    try:
        data["os_type"] = dom.OSType()
    except libvirt.libvirtError as err:
        s.last_error = err
    try:
        state, max_mem, memory, ncpus, cpu_time = dom.info()
    except libvirt.libvirtError as err:
        s.last_error = err
        ok = False
    else:
        data["state"] = state_text(state)
        data["cpus"] = ncpus
        data["cpu_time_ns"] = cpu_time
        data["max_memory_kib"] = None if max_mem == UINT_MAX else max_mem
        data["used_memory_kib"] = memory
    try:
        persistent = dom.isPersistent()
    except libvirt.libvirtError as err:
        s.last_error = err
        persistent = -1
    data["persistent"] = None if persistent < 0 else bool(persistent)
    try:
        data["autostart"] = bool(dom.autostart())
    except libvirt.libvirtError as err:
        s.last_error = err
    try:
        data["managed_save"] = bool(dom.hasManagedSaveImage(0))
    except libvirt.libvirtError as err:
        s.last_error = err
    try:
        model, doi = s.conn.getSecurityModel()
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            s.last_error = err
            return data, False
        s.last_error = None
    else:
        if model:
            data["security_model"] = model
            data["security_doi"] = doi
            try:
                label, enforcing = dom.securityLabel()
            except libvirt.libvirtError as err:
                s.last_error = err
                return data, False
            if label:
                data["security_label"] = label
                data["security_enforcing"] = bool(enforcing)
    try:
        data["messages"] = list(dom.messages(0) or [])
    except libvirt.libvirtError as err:
        s.last_error = err
    return data, ok


def render_dominfo(data: dict[str, Any]) -> str:
    """virsh's ``%-15s %s`` lines for dominfo data."""
    from vsh.output.table import render_kv

    return render_kv(dominfo_pairs(data))


def dominfo_pairs(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The (label, value) lines of dominfo, in virsh's order."""
    pairs: list[tuple[str, str]] = [
        ("Id:", "-" if data["id"] is None else str(data["id"])),
        ("Name:", data["name"]),
    ]
    if data["uuid"] is not None:
        pairs.append(("UUID:", data["uuid"]))
    if data["os_type"] is not None:
        pairs.append(("OS Type:", data["os_type"]))
    if data["state"] is not None:
        pairs.append(("State:", data["state"]))
        pairs.append(("CPU(s):", str(data["cpus"])))
        if data["cpu_time_ns"]:
            pairs.append(("CPU time:", f"{data['cpu_time_ns'] / 1000000000.0:.1f}s"))
        max_mem = data["max_memory_kib"]
        pairs.append(("Max memory:", "no limit" if max_mem is None else f"{max_mem} KiB"))
        pairs.append(("Used memory:", f"{data['used_memory_kib']} KiB"))
    persistent = data["persistent"]
    pairs.append(
        ("Persistent:", "unknown" if persistent is None else ("yes" if persistent else "no"))
    )
    if data["autostart"] is not None:
        pairs.append(("Autostart:", "enable" if data["autostart"] else "disable"))
    managed = data["managed_save"]
    pairs.append(("Managed save:", "unknown" if managed is None else ("yes" if managed else "no")))
    if data["security_model"] is not None:
        pairs.append(("Security model:", data["security_model"]))
        pairs.append(("Security DOI:", data["security_doi"]))
        if data["security_label"] is not None:
            mode = "enforcing" if data["security_enforcing"] else "permissive"
            pairs.append(("Security label:", f"{data['security_label']} ({mode})"))
    for i, message in enumerate(data["messages"]):
        pairs.append(("Messages:" if i == 0 else "", message))
    return pairs


DOMINFO_JSON = shape(
    object_of(
        prop("id", INT, NULL, doc="null for an inactive domain"),
        prop("name", STR),
        prop("uuid", STR, NULL),
        prop("os_type", STR, NULL),
        prop("state", choice(*STATES), NULL),
        prop("cpus", INT, NULL),
        prop("cpu_time_ns", INT, NULL),
        prop("max_memory_kib", INT, NULL, doc="null also when the domain has no limit"),
        prop("used_memory_kib", INT, NULL),
        prop("persistent", BOOL, NULL),
        prop("autostart", BOOL, NULL),
        prop("managed_save", BOOL, NULL),
        prop("security_model", STR, NULL),
        prop("security_doi", STR, NULL),
        prop("security_label", STR, NULL),
        prop("security_enforcing", BOOL, NULL),
        prop("messages", array_of(STR)),
    ),
    doc='Null means "not known" (the call failed or, for security, no model is active).',
)


@command(
    "dominfo",
    summary="domain information",
    description="Returns basic information about the domain.",
    group=GROUP,
    json=DOMINFO_JSON,
)
@domain_option()
@option("json", OptKind.BOOL, "print the information as JSON", extension=True)
def dominfo(s: Session, domain: str, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="dominfo")
    data, ok = dominfo_data(s, dom)
    persistent = data["persistent"]
    debug_line = f"Domain persistent flag value: {-1 if persistent is None else int(persistent)}\n"
    if json or s.settings.json:
        s.debug(DEBUG, debug_line)
        s.print(_json(data))
        return ok
    # virsh's debug line comes between the memory lines and "Persistent:".
    from vsh.output.table import render_kv

    pairs = dominfo_pairs(data)
    cut = next(i for i, (label, _value) in enumerate(pairs) if label == "Persistent:")
    s.print(render_kv(pairs[:cut]))
    s.debug(DEBUG, debug_line)
    s.print(render_kv(pairs[cut:]))
    return ok


# ---------------------------------------------------------------------------
# domstate


DOMSTATE_JSON = shape(
    object_of(
        prop("state", choice(*STATES)),
        prop("reason", STR, doc='always included: "booted", "unknown", ...'),
    ),
)


@command(
    "domstate",
    summary="domain state",
    description="Returns state about a domain.",
    group=GROUP,
    json=DOMSTATE_JSON,
)
@domain_option()
@option("reason", OptKind.BOOL, "also print reason for the state")
@option("json", OptKind.BOOL, "print the state as JSON", extension=True)
def domstate(s: Session, domain: str, reason: bool, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="domstate")
    state, why = lookup.domain_state(s, dom)
    if json or s.settings.json:
        s.print(_json({"state": state_text(state), "reason": reason_text(state, why)}))
    elif reason:
        s.print(f"{state_text(state)} ({reason_text(state, why)})\n")
    else:
        s.print(f"{state_text(state)}\n")
    return True


# ---------------------------------------------------------------------------
# list

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

# (option, flag) in cmdList's order; --inactive/--all/--state-shutoff also pick the base.
_FILTER_OPTIONS = (
    ("persistent", PERSISTENT),
    ("transient", TRANSIENT),
    ("with_managed_save", MANAGEDSAVE),
    ("without_managed_save", NO_MANAGEDSAVE),
    ("autostart", AUTOSTART),
    ("no_autostart", NO_AUTOSTART),
    ("with_snapshot", HAS_SNAPSHOT),
    ("without_snapshot", NO_SNAPSHOT),
    ("with_checkpoint", HAS_CHECKPOINT),
    ("without_checkpoint", NO_CHECKPOINT),
    ("state_running", RUNNING),
    ("state_paused", PAUSED),
    ("state_shutoff", SHUTOFF),
    ("state_other", OTHER),
)


def list_flags(opts: dict[str, bool]) -> int:
    """cmdList's filter flags from its bool options (python names)."""
    flags = ACTIVE
    if opts.get("inactive") or opts.get("state_shutoff"):
        flags = INACTIVE
    if opts.get("all"):
        flags = INACTIVE | ACTIVE
    for name, flag in _FILTER_OPTIONS:
        if opts.get(name):
            flags |= flag
    return flags


def _inactive(dom: libvirt.virDomain) -> bool:
    return dom.ID() in (-1, UINT_MAX)


def sort_key(dom_id: int, name: str) -> tuple[int, int, bytes]:
    """virshDomainSorter: running domains by id, then the rest by strcasecmp name."""
    if dom_id in (-1, UINT_MAX):
        from vsh.output.text import to_c_bytes

        return (1, 0, to_c_bytes(name).lower())
    return (0, dom_id, b"")


class ListError(Exception):
    """virshDomainListCollect failed: virsh's message, and the libvirt error."""

    def __init__(self, message: str, cause: libvirt.libvirtError | None) -> None:
        super().__init__(message)
        self.message = message
        self.cause = cause


def _fallback_keep(dom: libvirt.virDomain, flags: int) -> bool:
    """The client-side filters virsh applies when the server could not."""

    def match(flag: int) -> bool:
        return bool(flags & flag)

    def call(what: str, fn: Any) -> Any:
        try:
            return fn()
        except libvirt.libvirtError as err:
            raise ListError(what, err) from err

    if match(FILTERS_PERSISTENT):
        persistent = call("Failed to get domain persistence info", dom.isPersistent)
        if not ((match(PERSISTENT) and persistent) or (match(TRANSIENT) and not persistent)):
            return False
    if match(FILTERS_STATE):
        state = call("Failed to get domain state", lambda: dom.state(0))[0]
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
        autostart = call("Failed to get domain autostart state", dom.autostart)
        if not ((match(AUTOSTART) and autostart) or (match(NO_AUTOSTART) and not autostart)):
            return False
    if match(FILTERS_MANAGEDSAVE):
        mansave = call("Failed to check for managed save image", lambda: dom.hasManagedSaveImage(0))
        if not ((match(MANAGEDSAVE) and mansave) or (match(NO_MANAGEDSAVE) and not mansave)):
            return False
    if match(FILTERS_SNAPSHOT):
        nsnap = call("Failed to get snapshot count", lambda: dom.snapshotNum(0))
        if not ((match(HAS_SNAPSHOT) and nsnap > 0) or (match(NO_SNAPSHOT) and nsnap == 0)):
            return False
    if match(FILTERS_CHECKPOINT):
        nchk = len(call("Failed to get checkpoint count", lambda: dom.listAllCheckpoints(0)))
        if not ((match(HAS_CHECKPOINT) and nchk > 0) or (match(NO_CHECKPOINT) and nchk == 0)):
            return False
    return True


def collect_domains(conn: libvirt.virConnect, flags: int) -> list[libvirt.virDomain]:
    """virshDomainListCollect: the domains ``flags`` selects, in virsh's order.

    virConnectListAllDomains first; a server rejecting some flags gets them
    masked and filtered here; a server without it gets the old per-kind
    listing calls.  Raises ListError with virsh's message.
    """
    domains: list[libvirt.virDomain] | None = None
    need_filter = False
    try:
        domains = conn.listAllDomains(flags)
    except libvirt.libvirtError as err:
        code = err.get_error_code()
        if code == L.VIR_ERR_INVALID_ARG:
            try:
                domains = conn.listAllDomains(flags & FILTERS_ACTIVE)
                need_filter = True
            except libvirt.libvirtError as err2:
                raise ListError("Failed to list domains", err2) from err2
        elif code != L.VIR_ERR_NO_SUPPORT:
            raise ListError("Failed to list domains", err) from err
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
        try:
            if conn.numOfDomains():
                ids = list(conn.listDomainsID())
        except libvirt.libvirtError as err:
            raise ListError("Failed to list active domains", err) from err
    if not flags & FILTERS_ACTIVE or flags & INACTIVE:
        try:
            if conn.numOfDefinedDomains():
                names = list(conn.listDefinedDomains())
        except libvirt.libvirtError as err:
            raise ListError("Failed to list inactive domains", err) from err
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
@option("transient", OptKind.BOOL, "list transient domains")
@option("persistent", OptKind.BOOL, "list persistent domains")
@option("with-snapshot", OptKind.BOOL, "list domains with existing snapshot")
@option("without-snapshot", OptKind.BOOL, "list domains without a snapshot")
@option("with-checkpoint", OptKind.BOOL, "list domains with existing checkpoint")
@option("without-checkpoint", OptKind.BOOL, "list domains without a checkpoint")
@option("state-running", OptKind.BOOL, "list domains in running state")
@option("state-paused", OptKind.BOOL, "list domains in paused state")
@option("state-shutoff", OptKind.BOOL, "list domains in shutoff state")
@option("state-other", OptKind.BOOL, "list domains in other states")
@option("autostart", OptKind.BOOL, "list domains with autostart enabled")
@option("no-autostart", OptKind.BOOL, "list domains with autostart disabled")
@option("with-managed-save", OptKind.BOOL, "list domains with managed save state")
@option("without-managed-save", OptKind.BOOL, "list domains without managed save")
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
    try:
        domains = collect_domains(s.conn, list_flags(opts))
    except ListError as exc:
        raise VshError(exc.message, cause=exc.cause) from None

    if as_json:
        items = []
        for dom in domains:
            items.append(_list_item(s, dom, managed, with_title, with_uuid=True))
        s.print(_json(items))
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
        s.print(_table(s, header, rows))
        return True

    for dom in domains:
        dom_id = dom.ID()
        id_text = "-" if dom_id in (-1, UINT_MAX) else str(dom_id)
        parts = []
        if opt_uuid:
            try:
                parts.append(dom.UUIDString())
            except libvirt.libvirtError as err:
                raise VshError("Failed to get domain's UUID", cause=err) from err
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


# ---------------------------------------------------------------------------
# device commands: domblklist, domiflist, domblkinfo, domblkstat, domifstat,
# domif-getlink, dommemstat, domcontrol, domblkerror


def _complete_disk_targets(s: Session, flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainDiskTargetCompleter."""

    return complete_disk_targets(s, flags, values)


def _complete_interfaces(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainInterfaceCompleter: each interface's target, else its MAC."""

    root = domain_xml_on_line(s, values)
    if root is None:
        return []
    out = []
    for node in root.xpath("./devices/interface"):
        name = str(node.xpath("string(./target/@dev)")) or str(node.xpath("string(./mac/@address)"))
        if name:
            out.append(name)
    return out


def _xstr(node: Any, expr: str) -> str | None:
    """virXPathString: the string value, None when empty."""
    return str(node.xpath(f"string({expr})")) or None


def domain_xml_root(s: Session, domain: str, flags: int, cmd: str) -> tuple[Any, Any]:
    """virshDomainGetXML: (domain, parsed root) or virsh's error."""

    dom = lookup.domain(s, domain, cmd=cmd)
    root = domain_xml(dom, flags)
    return dom, root


def _pci_address(node: Any) -> tuple[int, int, int, int] | None:
    """virPCIDeviceAddressParseXML, enough for domblklist's NVMe source."""
    from vsh.core.numbers import c_uint

    out = []
    for attr, limit in (("domain", 0xFFFF), ("bus", 0xFF), ("slot", 0x1F), ("function", 7)):
        text = _xstr(node, f"./@{attr}")
        if text is None:
            out.append(0)
            continue
        value = c_uint(text, 0)
        if value is None or value > limit:
            return None
        out.append(value)
    return out[0], out[1], out[2], out[3]


def blklist_data(s: Session, domain: str, inactive: bool, details: bool) -> list[dict[str, Any]]:
    flags = L.VIR_DOMAIN_XML_INACTIVE if inactive else 0
    _dom, root = domain_xml_root(s, domain, flags, "domblklist")
    rows: list[dict[str, Any]] = []
    for disk in root.xpath("./devices/disk"):
        dtype = _xstr(disk, "./@type")
        device = _xstr(disk, "./@device")
        if details and (dtype is None or device is None):
            s.print("unable to query block list details")
            raise VshError()
        target = _xstr(disk, "./target/@dev")
        if target is None:
            raise VshError("unable to query block list")
        if dtype == "nvme":
            namespace = _xstr(disk, "./source/@namespace")
            addr_nodes = disk.xpath("./source/address")
            addr = _pci_address(addr_nodes[0]) if addr_nodes else None
            if namespace is None or addr is None:
                raise VshError("Unable to query NVMe disk address")
            source: str | None = (
                f"nvme://{addr[0]:04x}:{addr[1]:02x}:{addr[2]:02x}.{addr[3]}/{namespace}"
            )
        else:
            source = _xstr(
                disk,
                "./source/@file|./source/@dev|./source/@dir|./source/@name"
                "|./source/@volume|./source/@path",
            )
        rows.append({"type": dtype, "device": device, "target": target, "source": source})
    return rows


DOMBLKLIST_JSON = shape(
    array_of(
        object_of(
            prop("type", STR, NULL, doc="also without --details"),
            prop("device", STR, NULL, doc="also without --details"),
            prop("target", STR),
            prop("source", STR, NULL, doc="null where virsh prints -"),
        )
    ),
    doc="One object per disk.",
)


@command(
    "domblklist",
    summary="list all domain blocks",
    description="Get the summary of block devices for a domain.",
    group=GROUP,
    json=DOMBLKLIST_JSON,
)
@domain_option()
@option("inactive", OptKind.BOOL, "get inactive rather than running configuration")
@option("details", OptKind.BOOL, "additionally display the type and device value")
@option("json", OptKind.BOOL, "print the block devices as JSON", extension=True)
def domblklist(s: Session, domain: str, inactive: bool, details: bool, json: bool) -> bool:
    rows = blklist_data(s, domain, inactive, details)
    if json or s.settings.json:
        s.print(_json(rows))
        return True
    if details:
        header = ["Type", "Device", "Target", "Source"]
        cells = [[r["type"], r["device"], r["target"], r["source"] or "-"] for r in rows]
    else:
        header = ["Target", "Source"]
        cells = [[r["target"], r["source"] or "-"] for r in rows]
    s.print(_table(s, header, cells))
    return True


DOMIFLIST_JSON = shape(
    array_of(
        object_of(
            prop("interface", STR, NULL),
            prop("type", STR, NULL),
            prop("source", STR, NULL),
            prop("model", STR, NULL),
            prop("mac", STR, NULL),
        )
    ),
    doc="One object per interface; null where virsh prints -.",
)


@command(
    "domiflist",
    summary="list all domain virtual interfaces",
    description="Get the summary of virtual interfaces for a domain.",
    group=GROUP,
    json=DOMIFLIST_JSON,
)
@domain_option()
@option("inactive", OptKind.BOOL, "get inactive rather than running configuration")
@option("json", OptKind.BOOL, "print the interfaces as JSON", extension=True)
def domiflist(s: Session, domain: str, inactive: bool, json: bool) -> bool:
    flags = L.VIR_DOMAIN_XML_INACTIVE if inactive else 0
    _dom, root = domain_xml_root(s, domain, flags, "domiflist")
    rows: list[dict[str, Any]] = []
    for node in root.xpath("./devices/interface"):
        rows.append(
            {
                "interface": _xstr(node, "./target/@dev"),
                "type": _xstr(node, "./@type"),
                "source": _xstr(
                    node,
                    "./source/@bridge|./source/@dev|./source/@network|./source/@name"
                    "|./source/@path",
                ),
                "model": _xstr(node, "./model/@type"),
                "mac": _xstr(node, "./mac/@address"),
            }
        )
    if json or s.settings.json:
        s.print(_json(rows))
        return True
    cells = []
    for r in rows:
        if r["type"] is None:
            # virsh passes NULL as the second cell, ending the row early.
            raise VshError("internal error: Incorrect number of cells in a table row")
        cells.append(
            [
                r["interface"] or "-",
                r["type"],
                r["source"] or "-",
                r["model"] or "-",
                r["mac"] or "-",
            ]
        )
    s.print(_table(s, ["Interface", "Type", "Source", "Model", "MAC"], cells))
    return True


_PRETTY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def pretty_capacity3(value: int) -> str:
    """vshPrettyCapacity printed as ``%.3lf %s``."""
    limit = 1024
    for unit in _PRETTY_UNITS:
        if value < limit:
            return f"{value / (limit // 1024):.3f} {unit}"
        limit *= 1024
    return f"{value / (limit // 1024):.3f} EiB"


def _blkinfo_cells(info: tuple[int, int, int], human: bool) -> list[str]:
    if info == (0, 0, 0):
        return ["-", "-", "-"]
    if human:
        return [pretty_capacity3(v) for v in info]
    return [str(v) for v in info]


DOMBLKINFO_JSON = shape(
    object_of(
        prop("capacity", INT),
        prop("allocation", INT),
        prop("physical", INT),
        when="with a device",
    ),
    array_of(
        object_of(
            prop("target", STR),
            prop("capacity", INT),
            prop("allocation", INT),
            prop("physical", INT),
        ),
        when="with --all",
    ),
    doc="""The sizes in bytes; with --all an array of those objects with a leading
    target (zeros where virsh prints -).""",
)


@command(
    "domblkinfo",
    summary="domain block device size information",
    description="Get block device size info for a domain.",
    group=GROUP,
    exclusive=(("all", "device"),),
    json=DOMBLKINFO_JSON,
)
@domain_option()
@option("device", OptKind.STRING, "block device", completer=_complete_disk_targets)
@option("human", OptKind.BOOL, "Human readable output")
@option("all", OptKind.BOOL, "display all block devices info")
@option("json", OptKind.BOOL, "print the sizes as JSON", extension=True)
def domblkinfo(
    s: Session, domain: str, device: str | None, human: bool, all: bool, json: bool
) -> bool:
    dom = lookup.domain(s, domain, cmd="domblkinfo")
    if not all and not device:
        raise VshError("command 'domblkinfo' requires <device> option")
    as_json = json or s.settings.json
    keys = ("capacity", "allocation", "physical")
    if not all:
        assert device is not None
        info = tuple(dom.blockInfo(device, 0))
        if as_json:
            s.print(_json(dict(zip(keys, info, strict=True))))
            return True
        from vsh.output.table import render_kv

        cells = _blkinfo_cells(info, human)  # type: ignore[arg-type]
        s.print(render_kv(list(zip(("Capacity:", "Allocation:", "Physical:"), cells, strict=True))))
        return True
    try:
        active = dom.isActive() == 1
    except libvirt.libvirtError:
        active = False

    root = domain_xml(dom)
    rows: list[tuple[str, tuple[int, int, int]]] = []
    for disk in root.xpath("./devices/disk"):
        protocol = _xstr(disk, "./source/@protocol")
        target = _xstr(disk, "./target/@dev")
        info3: tuple[int, int, int] = (0, 0, 0)
        if disk.xpath("boolean(./source)"):
            try:
                info3 = tuple(dom.blockInfo(target, 0))  # type: ignore[assignment]
            except libvirt.libvirtError as err:
                if not (
                    protocol
                    and not active
                    and err.get_error_code() == L.VIR_ERR_INTERNAL_ERROR
                    and err.get_error_domain() == L.VIR_FROM_STORAGE
                ):
                    raise
                s.last_error = None
        rows.append((target or "", info3))
    if as_json:
        s.print(_json([{"target": t, **dict(zip(keys, i, strict=True))} for t, i in rows]))
        return True
    cells = [[t, *_blkinfo_cells(i, human)] for t, i in rows]
    s.print(_table(s, ["Target", "Capacity", "Allocation", "Physical"], cells))
    return True


# (typed parameter field, legacy name, human text) in virsh's order.
_BLKSTAT_FIELDS = (
    ("rd_operations", "rd_req", "number of read operations:"),
    ("rd_bytes", "rd_bytes", "number of bytes read:"),
    ("wr_operations", "wr_req", "number of write operations:"),
    ("wr_bytes", "wr_bytes", "number of bytes written:"),
    ("errs", "errs", "error count:"),
    ("flush_operations", None, "number of flush operations:"),
    ("rd_total_times", None, "total duration of reads (ns):"),
    ("wr_total_times", None, "total duration of writes (ns):"),
    ("flush_total_times", None, "total duration of flushes (ns):"),
)


DOMBLKSTAT_JSON = shape(
    object_of(
        prop("device", STR),
        prop(
            "stats",
            map_of(INT),
            doc="""the names virsh prints without --human (rd_req, wr_bytes, ...,
            then any further libvirt fields), in virsh's order""",
        ),
    ),
)


@command(
    "domblkstat",
    summary="get device block stats for a domain",
    description="Get device block stats for a running domain. See man page or use --human "
    "for explanation of fields",
    group=GROUP,
    json=DOMBLKSTAT_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("device", OptKind.STRING, "block device", empty_ok=True, completer=_complete_disk_targets)
@option("human", OptKind.BOOL, "print a more human readable output")
@option("json", OptKind.BOOL, "print the statistics as JSON", extension=True)
def domblkstat(s: Session, domain: str, device: str | None, human: bool, json: bool) -> bool:

    dom = lookup.domain(s, domain, cmd="domblkstat")
    name = dom.name()
    device = device or ""
    # (printed name, human text, value) in virsh's order
    lines: list[tuple[str, str | None, Any]] = []
    try:
        params = dom.blockStatsFlags(device, 0)
    except libvirt.libvirtError as err:
        if err.get_error_code() != L.VIR_ERR_NO_SUPPORT:
            raise
        s.last_error = None
        try:
            legacy = dom.blockStats(device)
        except libvirt.libvirtError as err2:
            raise VshError(f"Failed to get block stats {name} {device}", cause=err2) from err2
        for (_field, legacy_name, text), value in zip(_BLKSTAT_FIELDS, legacy, strict=False):
            if value >= 0:
                lines.append((legacy_name or _field, text, value))
    else:
        params = dict(params)
        for field, legacy_name, text in _BLKSTAT_FIELDS:
            if field in params:
                lines.append((legacy_name or field, text, params.pop(field)))
        for field, value in params.items():
            lines.append((field, None, value))
    if json or s.settings.json:
        s.print(_json({"device": device, "stats": {n: v for n, _t, v in lines}}))
        return True
    out = []
    prefix = device
    if human:
        out.append(f"Device: {device}\n")
        prefix = ""
    for legacy_name, text, value in lines:
        shown = typed_value(value)
        if human and text is not None:
            out.append(f"{prefix} {text:<31} {shown}\n")
        else:
            out.append(f"{prefix} {legacy_name} {shown}\n")
    s.print("".join(out))
    return True


_IFSTAT_FIELDS = (
    "rx_bytes",
    "rx_packets",
    "rx_errs",
    "rx_drop",
    "tx_bytes",
    "tx_packets",
    "tx_errs",
    "tx_drop",
)


DOMIFSTAT_JSON = shape(
    object_of(
        prop("interface", STR),
        *(prop(name, INT, NULL) for name in _IFSTAT_FIELDS),
    ),
    doc="A count is null where virsh prints no line.",
)


@command(
    "domifstat",
    summary="get network interface stats for a domain",
    description="Get network interface stats for a running domain.",
    group=GROUP,
    json=DOMIFSTAT_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option(
    "interface",
    OptKind.DATA,
    "interface device specified by name or MAC Address",
    required=True,
    completer=_complete_interfaces,
)
@option("json", OptKind.BOOL, "print the statistics as JSON", extension=True)
def domifstat(s: Session, domain: str, interface: str, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="domifstat")
    name = dom.name()
    device = s.text(interface, "interface")
    assert device is not None
    try:
        stats = dom.interfaceStats(device)
    except libvirt.libvirtError as err:
        raise VshError(f"Failed to get interface stats {name} {device}", cause=err) from err
    values = dict(zip(_IFSTAT_FIELDS, stats, strict=False))
    if json or s.settings.json:
        data: dict[str, Any] = {"interface": device}
        data.update({k: (v if v >= 0 else None) for k, v in values.items()})
        s.print(_json(data))
        return True
    s.print("".join(f"{device} {k} {v}\n" for k, v in values.items() if v >= 0))
    return True


def _mac_normal(text: str) -> str:
    """virMacAddrParse + virMacAddrFormat, or "" when not a MAC."""
    if not lookup.is_mac(text):
        return ""
    octets = text.split(":")
    octets[5] = octets[5].split()[0] if octets[5].split() else octets[5]
    return ":".join(f"{int(o[:2], 16):02x}" for o in octets)


DOMIF_GETLINK_JSON = shape(
    object_of(
        prop("interface", STR, doc="as given"),
        prop("state", choice("up", "down")),
    ),
)


@command(
    "domif-getlink",
    summary="get link state of a virtual interface",
    description="Get link state of a domain's virtual interface.",
    group=GROUP,
    json=DOMIF_GETLINK_JSON,
)
@domain_option()
@option(
    "interface",
    OptKind.DATA,
    "interface device (MAC Address)",
    required=True,
    completer=_complete_interfaces,
)
@option("persistent", OptKind.ALIAS, "config", alias="config")
@option("config", OptKind.BOOL, "Get persistent interface state")
@option("json", OptKind.BOOL, "print the link state as JSON", extension=True)
def domif_getlink(s: Session, domain: str, interface: str, config: bool, json: bool) -> bool:
    iface = s.text(interface, "interface")
    assert iface is not None
    flags = L.VIR_DOMAIN_XML_INACTIVE if config else 0
    _dom, root = domain_xml_root(s, domain, flags, "domif-getlink")
    macstr = _mac_normal(iface)
    found = [
        node
        for node in root.xpath("./devices/interface")
        if (macstr and _xstr(node, "./mac/@address") == macstr)
        or _xstr(node, "./target/@dev") == iface
    ]
    if not found:
        if macstr:
            raise VshError(f"Interface (mac: {macstr}) not found.")
        raise VshError(f"Interface (dev: {iface}) not found.")
    if len(found) > 1:
        raise VshError("multiple matching interfaces found")
    state = _xstr(found[0], "./link/@state")
    if json or s.settings.json:
        s.print(_json({"interface": iface, "state": state or "up"}))
        return True
    s.print(f"{iface} {state or 'up'}")
    return True


_MEMSTAT_ORDER = (
    "swap_in",
    "swap_out",
    "major_fault",
    "minor_fault",
    "unused",
    "available",
    "usable",
    "actual",
    "rss",
    "last_update",
    "disk_caches",
    "hugetlb_pgalloc",
    "hugetlb_pgfail",
)


DOMMEMSTAT_JSON = shape(
    map_of(INT, key="statistic"),
    doc="""The statistics the domain reports, with virsh's names (actual, swap_in, rss, ...), in its
    order; --period prints nothing.""",
)


@command(
    "dommemstat",
    summary="get memory statistics for a domain",
    description="Get memory statistics for a running domain.",
    group=GROUP,
    json=DOMMEMSTAT_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("period", OptKind.INT, "period in seconds to set collection", named_only=True)
@affect_options
@option("json", OptKind.BOOL, "print the statistics as JSON", extension=True)
def dommemstat(
    s: Session,
    domain: str,
    period: str | None,
    config: bool,
    live: bool,
    current: bool,
    json: bool,
) -> bool:

    exclusive(current=current, live=live)
    exclusive(current=current, config=config)
    flags = L.VIR_DOMAIN_AFFECT_CURRENT
    if config:
        flags |= L.VIR_DOMAIN_AFFECT_CONFIG
    if live:
        flags |= L.VIR_DOMAIN_AFFECT_LIVE
    dom = lookup.domain(s, domain, cmd="dommemstat")
    name = dom.name()
    if not (current or live or config):
        try:
            if dom.isActive() == 1:
                flags |= L.VIR_DOMAIN_AFFECT_LIVE
        except libvirt.libvirtError as err:
            s.last_error = err
    seconds = opt_int(period, "period")
    if seconds is not None:
        if seconds < 0:
            raise VshError(f"Invalid collection period value '{seconds}'")
        try:
            dom.setMemoryStatsPeriod(seconds, flags)
        except libvirt.libvirtError as err:
            raise VshError("Unable to change balloon collection period.", cause=err) from err
        return True
    try:
        stats = dom.memoryStats()
    except libvirt.libvirtError as err:
        raise VshError(f"Failed to get memory statistics for domain {name}", cause=err) from err
    shown = {k: v for k, v in stats.items() if k in _MEMSTAT_ORDER}
    if json or s.settings.json:
        s.print(_json(shown))
        return True
    s.print("".join(f"{k} {v}\n" for k, v in shown.items()))
    return True


_CONTROL_STATES = ("ok", "background job", "occupied", "error")
_CONTROL_REASONS = ("", "unknown", "monitor failure", "internal (locking) error")


DOMCONTROL_JSON = shape(
    object_of(
        prop("state", choice(*_CONTROL_STATES, more=True)),
        prop("reason", STR, NULL, doc="only for error"),
        prop("state_time_ms", INT),
    ),
)


@command(
    "domcontrol",
    summary="domain control interface state",
    description="Returns state of a control interface to the domain.",
    group=GROUP,
    json=DOMCONTROL_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("json", OptKind.BOOL, "print the control state as JSON", extension=True)
def domcontrol(s: Session, domain: str, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="domcontrol")
    state, details, state_time = dom.controlInfo(0)
    text = _CONTROL_STATES[state] if 0 <= state < len(_CONTROL_STATES) else "unknown"
    if json or s.settings.json:
        reason = None
        if state == L.VIR_DOMAIN_CONTROL_ERROR and details > 0:
            reason = _CONTROL_REASONS[details] if details < len(_CONTROL_REASONS) else "unknown"
        s.print(_json({"state": text, "reason": reason, "state_time_ms": state_time}))
        return True
    if state not in (L.VIR_DOMAIN_CONTROL_OK, L.VIR_DOMAIN_CONTROL_ERROR):
        s.print(f"{text} ({state_time / 1000.0:0.3f}s)\n")
    elif state == L.VIR_DOMAIN_CONTROL_ERROR and details > 0:
        reason = _CONTROL_REASONS[details] if details < len(_CONTROL_REASONS) else "unknown"
        s.print(f"{text}: {reason}\n")
    else:
        s.print(f"{text}\n")
    return True


_IO_ERRORS = ("no error", "unspecified error", "no space")


DOMBLKERROR_JSON = shape(
    array_of(
        object_of(
            prop("disk", STR),
            prop("error", choice(*_IO_ERRORS, "unknown error")),
        )
    ),
    doc="Empty when virsh prints No errors found.",
)


@command(
    "domblkerror",
    summary="Show errors on block devices",
    description="Show block device errors",
    group=GROUP,
    json=DOMBLKERROR_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("json", OptKind.BOOL, "print the errors as JSON", extension=True)
def domblkerror(s: Session, domain: str, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="domblkerror")
    errors = dom.diskErrors(0)
    if json or s.settings.json:
        s.print(
            _json(
                [
                    {
                        "disk": disk,
                        "error": _IO_ERRORS[err] if 0 <= err < len(_IO_ERRORS) else "unknown error",
                    }
                    for disk, err in (errors or {}).items()
                ]
            )
        )
        return True
    if not errors:
        s.print("No errors found\n")
        return True
    s.print(
        "".join(
            f"{disk}: {_IO_ERRORS[err] if 0 <= err < len(_IO_ERRORS) else 'unknown error'}\n"
            for disk, err in errors.items()
        )
    )
    return True


DOMTIME_JSON = shape(
    object_of(prop("seconds", INT), prop("nanoseconds", INT)),
    doc="Setting the time prints nothing.",
)


@command(
    "domtime",
    summary="domain time",
    description="Gets or sets the domain's system time",
    group=GROUP,
    exclusive=(("time", "now"), ("time", "sync"), ("now", "sync")),
    json=DOMTIME_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("now", OptKind.BOOL, "set to the time of the host running virsh")
@option("pretty", OptKind.BOOL, "print domain's time in human readable form")
@option("sync", OptKind.BOOL, "instead of setting given time, synchronize from domain's RTC")
@option("time", OptKind.INT, "time to set")
@option("json", OptKind.BOOL, "print the time as JSON", extension=True)
def domtime(
    s: Session, domain: str, now: bool, pretty: bool, sync: bool, time: str | None, json: bool
) -> bool:
    dom = lookup.domain(s, domain, cmd="domtime")
    seconds = 0
    do_set = False
    if time is not None:
        value = c_llong(time)
        if value is None:
            raise VshError(numeric_message(time, "time"))
        seconds, do_set = value, True
    if do_set or now or sync:
        if now:
            import time as _time

            seconds = int(_time.time())
        flags = L.VIR_DOMAIN_TIME_SYNC if sync else 0
        dom.setTime({"seconds": seconds, "nseconds": 0}, flags)
        return True
    got = dom.getTime(0)
    seconds, nseconds = int(got["seconds"]), int(got["nseconds"])
    if json or s.settings.json:
        s.print(_json({"seconds": seconds, "nanoseconds": nseconds}))
        return True
    if pretty:
        import datetime

        try:
            when = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
            text = when.strftime("%Y-%m-%d %H:%M:%S")
        except (OverflowError, OSError, ValueError):
            text = "(null)"
        s.print(f"Time: {text}")
    else:
        s.print(f"Time: {seconds}")
    return True


_ADDR_SOURCES = ("lease", "agent", "arp")


def _complete_addr_sources(_s: Session, _flags: int = 0) -> list[str]:
    """virshDomainInterfaceAddrSourceCompleter."""
    return list(_ADDR_SOURCES)


def _pad(text: str, width: int) -> str:
    """printf's ``%-Ns``: padding counted in bytes."""
    from vsh.output.text import to_c_bytes

    return text + " " * max(0, width - len(to_c_bytes(text)))


DOMIFADDR_JSON = shape(
    array_of(
        object_of(
            prop("name", STR),
            prop("mac", STR, NULL),
            prop(
                "addresses",
                array_of(
                    object_of(
                        prop("protocol", choice("ipv4", "ipv6"), NULL),
                        prop("address", STR),
                        prop("prefix", INT),
                    )
                ),
            ),
        )
    ),
    doc="One object per interface, filtered by --interface.",
)


@command(
    "domifaddr",
    summary="Get network interfaces' addresses for a running domain",
    description="Get network interfaces' addresses for a running domain",
    group=GROUP,
    json=DOMIFADDR_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("interface", OptKind.STRING, "network interface name", completer=_complete_interfaces)
@option("full", OptKind.BOOL, "always display names and MACs of interfaces")
@option(
    "source",
    OptKind.STRING,
    "address source: 'lease', 'agent', or 'arp'",
    completer=_complete_addr_sources,
)
@option("json", OptKind.BOOL, "print the addresses as JSON", extension=True)
def domifaddr(
    s: Session, domain: str, interface: str | None, full: bool, source: str | None, json: bool
) -> bool:
    iface_name = s.text(interface, "interface")
    source_name = s.text(source, "source")
    src = 0
    if source_name is not None:
        if source_name not in _ADDR_SOURCES:
            raise VshError(f"Unknown data source '{source_name}'")
        src = _ADDR_SOURCES.index(source_name)
    dom = lookup.domain(s, domain, cmd="domifaddr")
    try:
        ifaces = dom.interfaceAddresses(src, 0) or {}
    except libvirt.libvirtError as err:
        raise VshError("Failed to query for interfaces addresses", cause=err) from err
    items: list[dict[str, Any]] = []
    for name, info in ifaces.items():
        if iface_name is not None and iface_name != name:
            continue
        addrs = []
        for addr in info.get("addrs") or []:
            kind = addr.get("type")
            protocol = {L.VIR_IP_ADDR_TYPE_IPV4: "ipv4", L.VIR_IP_ADDR_TYPE_IPV6: "ipv6"}.get(kind)
            addrs.append(
                {"protocol": protocol, "address": addr.get("addr"), "prefix": addr.get("prefix")}
            )
        items.append({"name": name, "mac": info.get("hwaddr"), "addresses": addrs})
    if json or s.settings.json:
        s.print(_json(items))
        return True
    s.print_extra(
        f" {_pad('Name', 10)} {_pad('MAC address', 20)} {_pad('Protocol', 8)}     Address\n"
        + "-" * 49
        + "-" * 30
        + "\n"
    )
    out = []
    for item in items:
        if not item["addresses"]:
            mac = item["mac"] or "N/A"
            out.append(f" {_pad(item['name'], 10)} {_pad(mac, 17)}    {_pad('N/A', 12)} N/A\n")
            continue
        protocol = None
        for j, addr in enumerate(item["addresses"]):
            protocol = addr["protocol"] or protocol
            text = f"{_pad(protocol or '(null)', 12)} {addr['address']}/{addr['prefix']}"
            if full or not j:
                out.append(f" {_pad(item['name'], 10)} {_pad(item['mac'] or '', 17)}    {text}\n")
            else:
                out.append(f" {_pad('-', 10)} {_pad('-', 17)}    {text}\n")
    s.print("".join(out))
    return True


# ---------------------------------------------------------------------------
# domstats

# (option, VIR_DOMAIN_STATS_* bit, help) in virsh's order; the bits are spelled
# out so an older Python binding without the newest constants still works.
_STATS_GROUPS = (
    ("state", 1 << 0, "report domain state"),
    ("cpu-total", 1 << 1, "report domain physical cpu usage"),
    ("balloon", 1 << 2, "report domain balloon statistics"),
    ("vcpu", 1 << 3, "report domain virtual cpu information"),
    ("interface", 1 << 4, "report domain network interface information"),
    ("block", 1 << 5, "report domain block device statistics"),
    ("perf", 1 << 6, "report domain perf event statistics"),
    ("iothread", 1 << 7, "report domain IOThread information"),
    ("memory", 1 << 8, "report domain memory usage"),
    ("dirtyrate", 1 << 9, "report domain dirty rate information"),
    ("vm", 1 << 10, "report hypervisor-specific statistics"),
)
# (option, VIR_CONNECT_GET_ALL_DOMAINS_STATS_* bit, help) in virsh's order;
# ``raw`` (accepted, unused by virsh 9.0) has no bit.
_STATS_FLAGS = (
    ("list-active", 1 << 0, "list only active domains"),
    ("list-inactive", 1 << 1, "list only inactive domains"),
    ("list-persistent", 1 << 2, "list only persistent domains"),
    ("list-transient", 1 << 3, "list only transient domains"),
    ("list-running", 1 << 4, "list only running domains"),
    ("list-paused", 1 << 5, "list only paused domains"),
    ("list-shutoff", 1 << 6, "list only shutoff domains"),
    ("list-other", 1 << 7, "list only domains in other states"),
    ("raw", 0, "do not pretty-print the fields"),
    ("enforce", 1 << 31, "enforce requested stats parameters"),
    ("backing", 1 << 30, "add backing chain information to block stats"),
    ("nowait", 1 << 29, "report only stats that are accessible instantly"),
)


def _stats_domain(s: Session, name: str) -> libvirt.virDomain:
    """virshLookupDomainBy (id, uuid, name) for one ``<domain>`` word.

    Unlike option values, an empty word is looked up, not refused: only the
    name lookup applies to it, and it fails like any unknown name.
    """
    if name != "":
        return lookup.domain(s, name)
    s.debug(DEBUG, "unknown: <domain> trying as domain NAME\n")
    raise VshError("failed to get domain ''")


def domstats_data(s: Session, opts: dict[str, Any]) -> list[dict[str, Any]]:
    """cmdDomstats' records as ``[{"domain": name, "stats": {field: value}}]``."""
    stats = 0
    for name, bit, _help in _STATS_GROUPS:
        if opts[name.replace("-", "_")]:
            stats |= bit
    flags = 0
    for name, bit, _help in _STATS_FLAGS:
        if opts[name.replace("-", "_")]:
            flags |= bit
    domains = opts["domain"] or ()
    if domains:
        doms = [_stats_domain(s, word) for word in domains]
        records = s.conn.domainListGetStats(doms, stats, flags)
    else:
        records = s.conn.getAllDomainStats(stats, flags)
    return [{"domain": dom.name(), "stats": dict(params)} for dom, params in records or []]


def render_domstats(items: list[dict[str, Any]]) -> str:
    """virshDomainStatsPrintRecord for each record, a blank line between them."""

    blocks = []
    for item in items:
        lines = [f"Domain: '{item['domain']}'\n"]
        lines += [f"  {field}={typed_value(v)}\n" for field, v in item["stats"].items()]
        blocks.append("".join(lines))
    return "\n".join(blocks)


def _domstats_options(func: Any) -> Any:
    decorators = [option(name, OptKind.BOOL, text) for name, _b, text in _STATS_GROUPS]
    decorators += [option(name, OptKind.BOOL, text) for name, _b, text in _STATS_FLAGS]
    # --json before <domain>: an argv option must come last (virsh self-test)
    decorators.append(option("json", OptKind.BOOL, "print the statistics as JSON", extension=True))
    decorators.append(
        option(
            "domain",
            OptKind.ARGV,
            "list of domains to get stats for",
            completer=lookup.complete_domain_names,
            completer_flags=0,
        )
    )
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


DOMSTATS_JSON = shape(
    array_of(
        object_of(
            prop("domain", STR),
            prop(
                "stats",
                map_of(INT, NUM, BOOL, STR, key="field"),
                doc="the fields in libvirt's order with their typed values",
            ),
        )
    ),
    doc="One object per domain, in virsh's order.",
)


@command(
    "domstats",
    summary="get statistics about one or multiple domains",
    description="Gets statistics about one or more (or all) domains",
    group=GROUP,
    json=DOMSTATS_JSON,
)
@_domstats_options
def domstats(s: Session, **opts: Any) -> bool:
    """cmdDomstats.  ``--json``: ``[{"domain": str, "stats": {field: value}}]``,
    the fields in libvirt's order with their typed values (int, float, bool,
    str)."""
    as_json = opts.pop("json") or s.settings.json
    items = domstats_data(s, opts)
    if as_json:
        s.print(_json(items))
        return True
    s.print(render_domstats(items))
    return True
