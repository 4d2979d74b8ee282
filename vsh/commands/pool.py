"""pool commands (tools/virsh-pool.c): storage pool life cycle and listing.

In virsh's help order: find-storage-pool-sources-as,
find-storage-pool-sources, pool-autostart, pool-build, pool-create-as,
pool-create, pool-define-as, pool-define, pool-delete, pool-destroy,
pool-dumpxml, pool-edit, pool-info, pool-list, pool-name, pool-refresh,
pool-start, pool-undefine, pool-uuid, pool-event, pool-capabilities.

Pools are found through :func:`vsh.virt.lookup.pool`: by UUID (a 36-byte
argument), then by name, with ``failed to get pool 'x'``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libvirt

from vsh.commands.common import (
    complete_empty,
    event_wait_options,
    file_option,
    json_text,
    kv_text,
    table_text,
    timestamp_option,
    validate_option,
    xpath_options,
)
from vsh.commands.objects import act, edit_definition, from_file, object_events, set_autostart
from vsh.completion.providers import pool_names
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.session import DEBUG, Session
from vsh.output.text import pretty_capacity
from vsh.virt import lookup
from vsh.virt.eventwait import EventWait, stamped
from vsh.virt.failing import failing

GROUP = "pool"

L = libvirt

# virshStoragePoolState, in libvirt's enum order.
POOL_STATES = ("inactive", "building", "running", "degraded", "inaccessible")

# virStoragePoolType names (src/conf/storage_conf.c) and their list filters.
POOL_TYPES: tuple[tuple[str, int], ...] = (
    ("dir", L.VIR_CONNECT_LIST_STORAGE_POOLS_DIR),
    ("fs", L.VIR_CONNECT_LIST_STORAGE_POOLS_FS),
    ("netfs", L.VIR_CONNECT_LIST_STORAGE_POOLS_NETFS),
    ("logical", L.VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL),
    ("disk", L.VIR_CONNECT_LIST_STORAGE_POOLS_DISK),
    ("iscsi", L.VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI),
    ("iscsi-direct", L.VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT),
    ("scsi", L.VIR_CONNECT_LIST_STORAGE_POOLS_SCSI),
    ("mpath", L.VIR_CONNECT_LIST_STORAGE_POOLS_MPATH),
    ("rbd", L.VIR_CONNECT_LIST_STORAGE_POOLS_RBD),
    ("sheepdog", L.VIR_CONNECT_LIST_STORAGE_POOLS_SHEEPDOG),
    ("gluster", L.VIR_CONNECT_LIST_STORAGE_POOLS_GLUSTER),
    ("zfs", L.VIR_CONNECT_LIST_STORAGE_POOLS_ZFS),
    ("vstorage", L.VIR_CONNECT_LIST_STORAGE_POOLS_VSTORAGE),
)


# ---------------------------------------------------------------------------
# helpers shared with vsh.commands.volume


def c_pad(text: str, width: int) -> str:
    """printf's ``%-Ns``: padded to ``width`` bytes."""
    from vsh.output.text import to_c_bytes

    return text + " " * max(0, width - len(to_c_bytes(text)))


def pool_state_text(state: int) -> str:
    """virshStoragePoolStateToString."""
    return POOL_STATES[state] if 0 <= state < len(POOL_STATES) else "unknown"


def complete_pool_types(_s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshPoolTypeCompleter: the pool types (after any comma-separated ones typed)."""
    typed = (values or {}).get("type")
    names = [name for name, _flag in POOL_TYPES]
    if isinstance(typed, str) and "," in typed:
        head = typed.rsplit(",", 1)[0]
        done = set(head.split(","))
        return [f"{head},{name}" for name in names if name not in done]
    return names


def _pool_option(flags: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return option(
        "pool",
        OptKind.DATA,
        "pool name or uuid",
        required=True,
        completer=pool_names,
        completer_flags=flags,
    )


def _build_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """VIRSH_COMMON_OPT_POOL_BUILD, _NO_OVERWRITE, _OVERWRITE."""
    f = option(
        "overwrite",
        OptKind.BOOL,
        "overwrite any existing data",
        flag=L.VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE,
    )(f)
    f = option(
        "no-overwrite",
        OptKind.BOOL,
        "do not overwrite any existing data",
        flag=L.VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE,
    )(f)
    return option(
        "build", OptKind.BOOL, "build the pool as normal", flag=L.VIR_STORAGE_POOL_CREATE_WITH_BUILD
    )(f)


# VIRSH_COMMON_OPT_POOL_X_AS: (name, help, completes-empty), after <name> and <type>.
_X_AS_STRINGS = (
    ("source-host", "source-host for underlying storage", True),
    ("source-path", "source path for underlying storage", False),
    ("source-dev", "source device for underlying storage", False),
    ("source-name", "source name for underlying storage", False),
    ("target", "target for underlying storage", False),
    ("source-format", "format for underlying storage", False),
    ("auth-type", "auth type to be used for underlying storage", False),
    ("auth-username", "auth username to be used for underlying storage", True),
    ("secret-usage", "auth secret usage to be used for underlying storage", False),
    ("secret-uuid", "auth secret UUID to be used for underlying storage", False),
    ("adapter-name", "adapter name to be used for underlying storage", False),
    ("adapter-wwnn", "adapter wwnn to be used for underlying storage", False),
    ("adapter-wwpn", "adapter wwpn to be used for underlying storage", False),
    ("adapter-parent", "adapter parent scsi_hostN to be used for underlying vHBA storage", False),
    (
        "adapter-parent-wwnn",
        "adapter parent scsi_hostN wwnn to be used for underlying vHBA storage",
        False,
    ),
    (
        "adapter-parent-wwpn",
        "adapter parent scsi_hostN wwpn to be used for underlying vHBA storage",
        False,
    ),
    (
        "adapter-parent-fabric-wwn",
        "adapter parent scsi_hostN fabric_wwn to be used for underlying vHBA storage",
        False,
    ),
    ("source-protocol-ver", "nfsvers value for NFS pool mount option", False),
    ("source-initiator", "initiator iqn for underlying storage", True),
)


def _x_as_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """VIRSH_COMMON_OPT_POOL_X_AS, in virsh's order."""
    for name, help_text, empty in reversed(_X_AS_STRINGS):
        f = option(name, OptKind.STRING, help_text, completer=complete_empty if empty else None)(f)
    f = option("print-xml", OptKind.BOOL, "print XML document, but don't define/create")(f)
    f = option(
        "type", OptKind.DATA, "type of the pool", required=True, completer=complete_pool_types
    )(f)
    return option(
        "name", OptKind.DATA, "name of the pool", required=True, completer=complete_empty
    )(f)


def _build_pool_xml(s: Session, opts: dict[str, Any]) -> tuple[str, str]:
    """virshBuildPoolXML: (pool name, XML) from the ``*-as`` options."""
    if opts["secret_usage"] is not None and opts["secret_uuid"] is not None:
        raise VshError("Options --secret-usage and --secret-uuid are mutually exclusive")
    name = s.text(opts["name"], "name")
    ptype = s.text(opts["type"], "type")
    v: dict[str, str | None] = {}
    for opt_name, _help, _empty in _X_AS_STRINGS:
        v[opt_name] = s.text(opts[opt_name.replace("-", "_")], opt_name)
    lines = [f"<pool type='{ptype}'>", f"  <name>{name}</name>"]
    wwnn, wwpn = v["adapter-wwnn"], v["adapter-wwpn"]
    if (
        v["source-host"]
        or v["source-path"]
        or v["source-dev"]
        or v["source-initiator"]
        or v["source-format"]
        or v["source-name"]
        or (wwnn and wwpn)
        or v["adapter-name"]
    ):
        src = ["<source>"]
        if v["source-host"]:
            src.append(f"  <host name='{v['source-host']}'/>")
        if v["source-path"]:
            src.append(f"  <dir path='{v['source-path']}'/>")
        if v["source-dev"]:
            src.append(f"  <device path='{v['source-dev']}'/>")
        if v["source-initiator"]:
            src += ["  <initiator>", f"    <iqn name='{v['source-initiator']}'/>", "  </initiator>"]
        if wwnn and wwpn:
            adapter = "  <adapter type='fc_host'"
            if v["adapter-parent"]:
                adapter += f" parent='{v['adapter-parent']}'"
            elif v["adapter-parent-wwnn"] and v["adapter-parent-wwpn"]:
                adapter += (
                    f" parent_wwnn='{v['adapter-parent-wwnn']}'"
                    f" parent_wwpn='{v['adapter-parent-wwpn']}'"
                )
            elif v["adapter-parent-fabric-wwn"]:
                adapter += f" parent_fabric_wwn='{v['adapter-parent-fabric-wwn']}'"
            src.append(f"{adapter} wwnn='{wwnn}' wwpn='{wwpn}'/>")
        elif v["adapter-name"]:
            src.append(f"  <adapter type='scsi_host' name='{v['adapter-name']}'/>")
        if v["auth-type"] and v["auth-username"] and (v["secret-usage"] or v["secret-uuid"]):
            src.append(f"  <auth type='{v['auth-type']}' username='{v['auth-username']}'>")
            if v["secret-usage"]:
                src.append(f"    <secret usage='{v['secret-usage']}'/>")
            else:
                src.append(f"    <secret uuid='{v['secret-uuid']}'/>")
            src.append("  </auth>")
        if v["source-format"]:
            src.append(f"  <format type='{v['source-format']}'/>")
        if v["source-name"]:
            src.append(f"  <name>{v['source-name']}</name>")
        if v["source-protocol-ver"]:
            src.append(f"  <protocol ver='{v['source-protocol-ver']}'/>")
        src.append("</source>")
        lines += ["  " + line for line in src]
    if v["target"]:
        lines += ["  <target>", f"    <path>{v['target']}</path>", "  </target>"]
    lines.append("</pool>")
    assert name is not None
    return name, "\n".join(lines) + "\n"


def _create_flags(no_overwrite: bool, overwrite: bool) -> int:
    """The VIR_STORAGE_POOL_CREATE_WITH_BUILD* bits of :func:`_build_options`,
    where virsh checks its two overwrite options."""
    if overwrite and no_overwrite:
        raise VshError("Options --overwrite and --no-overwrite are mutually exclusive")
    return option_flags()


def _simple(
    s: Session,
    cmd: str,
    pool_arg: str,
    call: Callable[[libvirt.virStoragePool], object],
    done: str,
    failed: str,
) -> bool:
    """The pool-X commands that look a pool up, call one API and report it."""
    pool = lookup.pool(s, pool_arg, cmd=cmd)
    return act(pool, s, call, f"{failed} {pool_arg}", f"Pool {pool_arg} {done}")


# ---------------------------------------------------------------------------
# commands, in virsh's table order


@command(
    "find-storage-pool-sources-as",
    summary="find potential storage pool sources",
    description="Returns XML <sources> document.",
    group=GROUP,
)
@option("type", OptKind.DATA, "type of storage pool sources to find", required=True)
@option("host", OptKind.STRING, "optional host to query", completer=complete_empty)
@option("port", OptKind.STRING, "optional port to query", completer=complete_empty)
@option(
    "initiator", OptKind.STRING, "optional initiator IQN to use for query", completer=complete_empty
)
def find_storage_pool_sources_as(
    s: Session, type: str, host: str | None, port: str | None, initiator: str | None
) -> bool:
    ptype = s.text(type, "type")
    host = s.text(host, "host")
    initiator = s.text(initiator, "initiator")
    spec = None
    if host is not None:
        try:
            port = s.text(port, "port")
        except VshError as err:
            raise VshError(*err.messages, "missing argument") from None
        lines = ["<source>", f"  <host name='{host}'" + (f" port='{port}'" if port else "") + "/>"]
        if initiator:
            lines += ["  <initiator>", f"    <iqn name='{initiator}'/>", "  </initiator>"]
        spec = "\n".join([*lines, "</source>"]) + "\n"
    return _find_sources(s, ptype, spec)


def _find_sources(s: Session, ptype: str | None, spec: str | None) -> bool:
    """virConnectFindStoragePoolSources and its XML as is (no newline added)."""
    with failing(f"Failed to find any {ptype} pool sources"):
        found = s.conn.findStoragePoolSources(ptype, spec, 0)
    s.print(found)
    return True


@command(
    "find-storage-pool-sources",
    summary="discover potential storage pool sources",
    description="Returns XML <sources> document.",
    group=GROUP,
)
@option("type", OptKind.DATA, "type of storage pool sources to discover", required=True)
@option(
    "srcSpec",
    OptKind.STRING,
    "optional file of source xml to query for pools",
    value_kind="file",
)
def find_storage_pool_sources(s: Session, type: str, srcspec: str | None) -> bool:
    from vsh.core.vshutil import read_file_all

    ptype = s.text(type, "type")
    path = s.text(srcspec, "srcSpec")
    spec = read_file_all(path) if path is not None else None
    return _find_sources(s, ptype, spec)


@command(
    "pool-autostart",
    summary="autostart a pool",
    description="Configure a pool to be automatically started at boot.",
    group=GROUP,
)
@_pool_option(L.VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT)
@option("disable", OptKind.BOOL, "disable autostarting")
def pool_autostart(s: Session, pool: str, disable: bool) -> bool:
    obj = lookup.pool(s, pool, cmd="pool-autostart")
    failed = f"failed to {{verb}} pool {pool} as autostarted"
    return set_autostart(s, obj, disable, failed, f"Pool {pool} {{verb}} as autostarted")


@command("pool-build", summary="build a pool", description="Build a given pool.", group=GROUP)
@_pool_option(0)
@option(
    "no-overwrite",
    OptKind.BOOL,
    "do not overwrite any existing data",
    flag=L.VIR_STORAGE_POOL_BUILD_NO_OVERWRITE,
)
@option(
    "overwrite",
    OptKind.BOOL,
    "overwrite any existing data",
    flag=L.VIR_STORAGE_POOL_BUILD_OVERWRITE,
)
def pool_build(s: Session, pool: str, no_overwrite: bool, overwrite: bool) -> bool:
    flags = option_flags()
    return _simple(s, "pool-build", pool, lambda p: p.build(flags), "built", "Failed to build pool")


@command(
    "pool-create-as",
    summary="create a pool from a set of args",
    description="Create a pool.",
    group=GROUP,
)
@_x_as_options
@_build_options
def pool_create_as(s: Session, **opts: Any) -> bool:
    flags = _create_flags(opts["no_overwrite"], opts["overwrite"])
    name, xml = _build_pool_xml(s, opts)
    if opts["print_xml"]:
        s.print(xml)
        return True
    with failing(f"Failed to create pool {name}"):
        s.conn.storagePoolCreateXML(xml, flags)
    s.print_extra(f"Pool {name} created\n")
    return True


@command(
    "pool-create",
    summary="create a pool from an XML file",
    description="Create a pool.",
    group=GROUP,
)
@file_option("file containing an XML pool description")
@_build_options
def pool_create(s: Session, file: str, build: bool, no_overwrite: bool, overwrite: bool) -> bool:
    s.text(file, "file")  # virsh reads the option before checking the build flags
    flags = _create_flags(no_overwrite, overwrite)
    from_file(s, file, "pool", "create", lambda xml: s.conn.storagePoolCreateXML(xml, flags))
    return True


@command(
    "pool-define-as",
    summary="define a pool from a set of args",
    description="Define a pool.",
    group=GROUP,
)
@_x_as_options
def pool_define_as(s: Session, **opts: Any) -> bool:
    name, xml = _build_pool_xml(s, opts)
    if opts["print_xml"]:
        s.print(xml)
        return True
    with failing(f"Failed to define pool {name}"):
        s.conn.storagePoolDefineXML(xml, 0)
    s.print_extra(f"Pool {name} defined\n")
    return True


@command(
    "pool-define",
    summary="define an inactive persistent storage pool or modify an existing persistent one "
    "from an XML file",
    description="Define or modify a persistent storage pool.",
    group=GROUP,
)
@file_option("file containing an XML pool description")
@validate_option(L.VIR_STORAGE_POOL_DEFINE_VALIDATE)
def pool_define(s: Session, file: str, validate: bool) -> bool:
    flags = option_flags()
    from_file(s, file, "pool", "define", lambda xml: s.conn.storagePoolDefineXML(xml, flags))
    return True


@command("pool-delete", summary="delete a pool", description="Delete a given pool.", group=GROUP)
@_pool_option(L.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE)
def pool_delete(s: Session, pool: str) -> bool:
    return _simple(
        s, "pool-delete", pool, lambda p: p.delete(0), "deleted", "Failed to delete pool"
    )


@command(
    "pool-destroy",
    summary="destroy (stop) a pool",
    description="Forcefully stop a given pool. Raw data in the pool is untouched",
    group=GROUP,
)
@_pool_option(L.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)
def pool_destroy(s: Session, pool: str) -> bool:
    return _simple(
        s, "pool-destroy", pool, lambda p: p.destroy(), "destroyed", "Failed to destroy pool"
    )


@command(
    "pool-dumpxml",
    summary="pool information in XML",
    description="Output the pool information as an XML dump to stdout.",
    group=GROUP,
)
@_pool_option(0)
@option("inactive", OptKind.BOOL, "show inactive defined XML")
@xpath_options
def pool_dumpxml(s: Session, pool: str, inactive: bool, xpath: str | None, wrap: bool) -> bool:
    flags = L.VIR_STORAGE_XML_INACTIVE if inactive else 0
    obj = lookup.pool(s, pool, cmd="pool-dumpxml")
    if xpath == "":
        return False  # vshCommandOptStringQuiet refuses it without a word
    xml = obj.XMLDesc(flags)
    from vsh.virt import xpathdump

    xpathdump.dump(s.print, xml, "pool", xpath, wrap)
    return True


@command(
    "pool-edit",
    summary="edit XML configuration for a storage pool",
    description="Edit the XML configuration for a storage pool.",
    group=GROUP,
)
@_pool_option(0)
def pool_edit(s: Session, pool: str) -> bool:

    obj = lookup.pool(s, pool, cmd="pool-edit")
    flags = L.VIR_STORAGE_XML_INACTIVE
    try:
        obj.XMLDesc(flags)
    except libvirt.libvirtError as err:
        # Some old daemons don't take the INACTIVE flag.
        if err.get_error_code() != L.VIR_ERR_INVALID_ARG:
            raise
        flags = 0
        s.last_error = None

    return edit_definition(
        s,
        lambda name: f"Pool {name}",
        obj.name(),
        lambda: obj.XMLDesc(flags),
        lambda text: s.conn.storagePoolDefineXML(text, 0),
    )


# -- pool-info ---------------------------------------------------------------


def _sizes(state: int, capacity: int, allocation: int, available: int) -> dict[str, int | None]:
    shown = state in (L.VIR_STORAGE_POOL_RUNNING, L.VIR_STORAGE_POOL_DEGRADED)
    return {
        "capacity_bytes": capacity if shown else None,
        "allocation_bytes": allocation if shown else None,
        "available_bytes": available if shown else None,
    }


def _persistent(s: Session, obj: libvirt.virStoragePool) -> int:
    """virStoragePoolIsPersistent: 1, 0, or -1 when it fails."""
    try:
        return int(obj.isPersistent())
    except libvirt.libvirtError as err:
        s.last_error = err
        return -1


def _autostart(s: Session, obj: libvirt.virStoragePool) -> bool | None:
    try:
        return bool(obj.autostart())
    except libvirt.libvirtError as err:
        s.last_error = err
        return None


def _yes_no(value: bool | None, unknown: str) -> str:
    return unknown if value is None else ("yes" if value else "no")


_POOL_STATE = prop(
    "state",
    choice(*POOL_STATES, "unknown"),
    NULL,
    doc="null when the pool's info could not be read",
)
_POOL_SIZES = tuple(
    prop(name, INT, NULL, doc="null unless the pool is running or degraded (virsh shows -)")
    for name in ("capacity_bytes", "allocation_bytes", "available_bytes")
)
POOL_INFO_JSON = shape(
    object_of(
        prop("name", STR),
        prop("uuid", STR, NULL),
        prop("state", choice(*POOL_STATES, "unknown")),
        prop("persistent", BOOL, NULL),
        prop("autostart", BOOL, NULL),
        *_POOL_SIZES,
    ),
    doc="""The keys of pool-list --json's objects but active. It fails, printing nothing, where
    virsh fails (the pool's info unreadable).""",
)


@command(
    "pool-info",
    summary="storage pool information",
    description="Returns basic information about the storage pool.",
    group=GROUP,
    json=POOL_INFO_JSON,
)
@_pool_option(0)
@option("bytes", OptKind.BOOL, "Return pool info in bytes")
@option("json", OptKind.BOOL, "print the pool information as JSON", extension=True)
def pool_info(s: Session, pool: str, bytes: bool, json: bool) -> bool:
    obj = lookup.pool(s, pool, cmd="pool-info")
    as_json = json or s.settings.json
    out = (lambda _text: None) if as_json else s.print
    data: dict[str, Any] = {"name": obj.name(), "uuid": None}
    out(kv_text([("Name:", data["name"])]))
    try:
        data["uuid"] = obj.UUIDString()
    except libvirt.libvirtError as err:
        s.last_error = err
    else:
        out(kv_text([("UUID:", data["uuid"])]))
    try:
        state, capacity, allocation, available = obj.info()
    except libvirt.libvirtError as err:
        s.last_error = err
        return False
    data["state"] = pool_state_text(state)
    out(kv_text([("State:", data["state"])]))
    persistent = _persistent(s, obj)
    s.debug(DEBUG, f"Pool persistent flag value: {persistent}\n")
    data["persistent"] = None if persistent < 0 else bool(persistent)
    out(kv_text([("Persistent:", _yes_no(data["persistent"], "unknown"))]))
    data["autostart"] = _autostart(s, obj)
    out(kv_text([("Autostart:", _yes_no(data["autostart"], "no autostart"))]))
    data.update(_sizes(state, capacity, allocation, available))
    if data["capacity_bytes"] is not None:
        pairs = [("Capacity:", capacity), ("Allocation:", allocation), ("Available:", available)]
        out(kv_text([(k, str(v) if bytes else pretty_capacity(v)) for k, v in pairs]))
    if as_json:
        s.print(json_text(data))
    return True


# -- pool-list ---------------------------------------------------------------

_FILTERS_ACTIVE = (
    L.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE | L.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE
)
_FILTERS_PERSISTENT = (
    L.VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT | L.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT
)
_FILTERS_AUTOSTART = (
    L.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART | L.VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART
)


def collect_pools(s: Session, flags: int) -> list[libvirt.virStoragePool]:
    """virshStoragePoolListCollect: the pools ``flags`` selects, sorted by name.

    A server refusing some flags (VIR_ERR_INVALID_ARG) is asked again with
    the active/inactive ones only and the rest is filtered here, as virsh
    does.  (virsh's fall-back for servers older than 0.10.2 is not kept.)
    """
    from vsh.output.text import to_c_bytes

    conn = s.conn
    try:
        pools = conn.listAllStoragePools(flags)
    except libvirt.libvirtError as err:
        if err.get_error_code() != L.VIR_ERR_INVALID_ARG:
            raise VshError("Failed to list pools", cause=err) from err
        s.last_error = None
        with failing("Failed to list pools"):
            pools = conn.listAllStoragePools(flags & _FILTERS_ACTIVE)
        pools = _filter_pools(pools, flags)
    return sorted(pools, key=lambda p: to_c_bytes(p.name()).lower())


def _filter_pools(pools: list[libvirt.virStoragePool], flags: int) -> list[libvirt.virStoragePool]:
    kept = []
    for p in pools:
        if flags & _FILTERS_PERSISTENT:
            with failing("Failed to get pool persistence info"):
                persistent = p.isPersistent()
            if not (
                (flags & L.VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT and persistent)
                or (flags & L.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT and not persistent)
            ):
                continue
        if flags & _FILTERS_AUTOSTART:
            with failing("Failed to get pool autostart state"):
                autostart = p.autostart()
            if not (
                (flags & L.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART and autostart)
                or (flags & L.VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART and not autostart)
            ):
                continue
        kept.append(p)
    return kept


def _list_item(s: Session, p: libvirt.virStoragePool, details: bool) -> dict[str, Any]:
    """What cmdPoolList learns about one pool (its JSON entry)."""
    item: dict[str, Any] = dict.fromkeys(
        ("name", "uuid", "state", "active", "persistent", "autostart")
    )
    item["name"] = p.name()
    try:
        item["uuid"] = p.UUIDString()
    except libvirt.libvirtError as err:
        s.last_error = err
    item["autostart"] = _autostart(s, p)
    persistent = _persistent(s, p)
    if details:
        s.debug(DEBUG, f"Persistent flag value: {persistent}\n")
    item["persistent"] = None if persistent < 0 else bool(persistent)
    item.update(dict.fromkeys(("capacity_bytes", "allocation_bytes", "available_bytes")))
    try:
        state, capacity, allocation, available = p.info()
    except libvirt.libvirtError as err:
        s.last_error = err
        s.error("Could not retrieve pool information")
        return item
    item["state"] = pool_state_text(state)
    try:
        item["active"] = bool(p.isActive())
    except libvirt.libvirtError as err:
        s.last_error = err
        item["active"] = True  # virsh tests the -1 as true
    item.update(_sizes(state, capacity, allocation, available))
    return item


POOL_LIST_JSON = shape(
    array_of(
        object_of(
            prop("name", STR),
            prop("uuid", STR, NULL),
            _POOL_STATE,
            prop("active", BOOL, NULL),
            prop("persistent", BOOL, NULL),
            prop("autostart", BOOL, NULL),
            *_POOL_SIZES,
        )
    ),
    doc="""In virsh's order (names compared ignoring ASCII case); the filters (--inactive, --all,
    --type, ...) apply, the layout choices (--details, --name, --uuid) do not.""",
)


@command(
    "pool-list",
    summary="list pools",
    description="Returns list of pools.",
    group=GROUP,
    json=POOL_LIST_JSON,
)
@option("inactive", OptKind.BOOL, "list inactive pools")
@option("all", OptKind.BOOL, "list inactive & active pools")
@option("transient", OptKind.BOOL, "list transient pools")
@option("persistent", OptKind.BOOL, "list persistent pools")
@option("autostart", OptKind.BOOL, "list pools with autostart enabled")
@option("no-autostart", OptKind.BOOL, "list pools with autostart disabled")
@option(
    "type",
    OptKind.STRING,
    "only list pool of specified type(s) (if supported)",
    completer=complete_pool_types,
)
@option("details", OptKind.BOOL, "display extended details for pools")
@option("uuid", OptKind.BOOL, "list UUID of active pools only")
@option("name", OptKind.BOOL, "list name of active pools only")
@option("json", OptKind.BOOL, "print the pools as JSON", extension=True)
def pool_list(
    s: Session,
    inactive: bool,
    all: bool,
    transient: bool,
    persistent: bool,
    autostart: bool,
    no_autostart: bool,
    type: str | None,
    details: bool,
    uuid: bool,
    name: bool,
    json: bool,
) -> bool:
    if all and inactive:
        raise VshError("Options --all and --inactive are mutually exclusive")
    flags = L.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE
    if inactive:
        flags = L.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE
    if all:
        flags = _FILTERS_ACTIVE
    if autostart:
        flags |= L.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART
    if no_autostart:
        flags |= L.VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART
    if persistent:
        flags |= L.VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT
    if transient:
        flags |= L.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT
    types = s.text(type, "type")
    if details and uuid:
        raise VshError("Options --details and --uuid are mutually exclusive")
    if details and name:
        raise VshError("Options --details and --name are mutually exclusive")
    if types is not None:
        from vsh.core.vshutil import split_commas

        known = dict(POOL_TYPES)
        for word in split_commas(types):
            if word not in known:
                raise VshError(f"Invalid pool type '{word}'")
            flags |= known[word]

    pools = collect_pools(s, flags)
    items = [_list_item(s, p, details) for p in pools]
    if json or s.settings.json:
        s.print(json_text(items))
        return True

    if not details:
        if uuid or name:
            out = []
            for item in items:
                if uuid:
                    out.append(c_pad(item["uuid"] or "", 36) + (" " if name else "\n"))
                if name:
                    out.append(c_pad(item["name"], 20) + "\n")
            s.print("".join(out))
            return True
        rows = []
        for item in items:
            if item["state"] is None:
                state = "unknown"
            else:
                state = "active" if item["active"] else "inactive"
            rows.append([item["name"], state, _yes_no(item["autostart"], "no autostart")])
        s.print(table_text(s, ["Name", "State", "Autostart"], rows))
        return True

    rows = []
    for item in items:
        state = item["state"] if item["state"] is not None else "unknown"
        if item["state"] is None:
            sizes = ["unknown"] * 3
        elif item["capacity_bytes"] is None:
            sizes = ["-"] * 3
        else:
            sizes = [
                pretty_capacity(item[key])
                for key in ("capacity_bytes", "allocation_bytes", "available_bytes")
            ]
        rows.append(
            [
                item["name"],
                state,
                _yes_no(item["autostart"], "no autostart"),
                _yes_no(item["persistent"], "unknown"),
                *sizes,
            ]
        )
    header = ["Name", "State", "Autostart", "Persistent", "Capacity", "Allocation", "Available"]
    s.print(table_text(s, header, rows))
    return True


@command("pool-name", summary="convert a pool UUID to pool name", description="", group=GROUP)
@_pool_option(0)
def pool_name(s: Session, pool: str) -> bool:
    obj = lookup.pool(s, pool, lookup.BY_UUID, cmd="pool-name")
    s.print(f"{obj.name()}\n")
    return True


@command("pool-refresh", summary="refresh a pool", description="Refresh a given pool.", group=GROUP)
@_pool_option(L.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)
def pool_refresh(s: Session, pool: str) -> bool:
    return _simple(
        s, "pool-refresh", pool, lambda p: p.refresh(0), "refreshed", "Failed to refresh pool"
    )


@command(
    "pool-start",
    summary="start a (previously defined) inactive pool",
    description="Start a pool.",
    group=GROUP,
)
@_pool_option(L.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE)
@_build_options
def pool_start(s: Session, pool: str, build: bool, no_overwrite: bool, overwrite: bool) -> bool:
    obj = lookup.pool(s, pool, cmd="pool-start")
    flags = _create_flags(no_overwrite, overwrite)
    return act(
        obj, s, lambda p: p.create(flags), f"Failed to start pool {pool}", f"Pool {pool} started"
    )


@command(
    "pool-undefine",
    summary="undefine an inactive pool",
    description="Undefine the configuration for an inactive pool.",
    group=GROUP,
)
@_pool_option(L.VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT)
def pool_undefine(s: Session, pool: str) -> bool:
    return _simple(
        s,
        "pool-undefine",
        pool,
        lambda p: p.undefine(),
        "has been undefined",
        "Failed to undefine pool",
    )


@command("pool-uuid", summary="convert a pool name to pool UUID", description="", group=GROUP)
@_pool_option(0)
def pool_uuid(s: Session, pool: str) -> bool:
    obj = lookup.pool(s, pool, lookup.BY_NAME, cmd="pool-uuid")
    try:
        s.print(f"{obj.UUIDString()}\n")
    except libvirt.libvirtError as err:
        s.last_error = err
        s.error("failed to get pool UUID")
    return True  # virsh succeeds even then


# -- pool-event ---------------------------------------------------------------

# virshPoolEvent: the lifecycle events' words, in VIR_STORAGE_POOL_EVENT_* order.
_LIFECYCLE = ("Defined", "Undefined", "Started", "Stopped", "Created", "Deleted")
# virshPoolEventCallbacks, in VIR_STORAGE_POOL_EVENT_ID_* order.
POOL_EVENTS = ("lifecycle", "refresh")


def complete_pool_events(_s: Session, _flags: int = 0) -> list[str]:
    """virshPoolEventNameCompleter."""
    return list(POOL_EVENTS)


def pool_event_line(event_name: str, pool_name: str, args: tuple[Any, ...]) -> str:
    """The line virsh prints for one pool event (without its --timestamp stamp)."""
    if event_name == "lifecycle":
        event = args[0]
        word = _LIFECYCLE[event] if 0 <= event < len(_LIFECYCLE) else "unknown"
        return f"event 'lifecycle' for storage pool {pool_name}: {word}\n"
    return f"event '{event_name}' for storage pool {pool_name}\n"


def _pool_forward(events: EventWait, event_name: str) -> Callable[..., None]:
    def callback(_conn: Any, cb_pool: Any, *rest: Any) -> None:
        args = rest[:-1]  # the last argument is the opaque
        name = cb_pool.name()
        events.deliver(lambda stamp: stamped(stamp, pool_event_line(event_name, name, args)))

    return callback


@command(
    "pool-event",
    summary="Storage Pool Events",
    description="List event types, or wait for storage pool events to occur",
    group=GROUP,
)
@option(
    "pool",
    OptKind.STRING,
    "filter by storage pool name or uuid",
    completer=pool_names,
)
@option("event", OptKind.STRING, "which event type to wait for", completer=complete_pool_events)
@event_wait_options
@option("list", OptKind.BOOL, "list valid event types")
@timestamp_option
def pool_event(
    s: Session,
    pool: str | None,
    event: str | None,
    loop: bool,
    timeout: str | None,
    list: bool,  # virsh's option name
    timestamp: bool,
) -> bool:
    conn = s.conn
    return object_events(
        s,
        names=POOL_EVENTS,
        event=event,
        list_only=list,
        timeout=timeout,
        loop=loop,
        timestamp=timestamp,
        find=None if pool is None else lambda: lookup.pool(s, pool, cmd="pool-event"),
        lenient_lookup=True,
        register=lambda obj, index, cb: conn.storagePoolEventRegisterAny(obj, index, cb, None),
        deregister=conn.storagePoolEventDeregisterAny,
        callback=_pool_forward,
    )


@command(
    "pool-capabilities",
    summary="storage pool capabilities",
    description="Returns capabilities of storage pool support.",
    group=GROUP,
)
def pool_capabilities(s: Session) -> bool:
    with failing("failed to get storage pool capabilities"):
        caps = s.conn.getStoragePoolCapabilities(0)
    s.print(f"{caps}\n")
    return True
