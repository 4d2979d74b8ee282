"""Completion providers: live names from libvirt, as plain strings.

Each provider is ``provider(session, flags, values) -> list[str]`` where
``values`` maps the options already on the line to their values (so the
snapshot provider knows the domain typed before it, positionally or with
``--domain``).  Providers return every candidate; the engine filters by
prefix.  They use the session's open connection only: they never connect,
prompt for credentials, print or raise.

The one exception to "never print" is virsh's own: its completers report
``error: failed to get domain 'x'`` (or network) as they look the object up,
and a libvirt error they leave behind is printed when ``complete`` then
fails.  The hidden ``complete`` command reproduces that by setting
:data:`lookup_errors` and :data:`kept_errors` for the duration of its call;
the interactive shell sets neither.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import libvirt

from vsh.completion.cache import depends_on
from vsh.core.numbers import c_int
from vsh.core.session import Session
from vsh.virt.domxml import parse_xml

if TYPE_CHECKING:
    from vsh.virt.xpathdump import Node

Values = Mapping[str, object]

# Where a completer reports a domain it cannot find (virsh's vshError), if anywhere.
lookup_errors: ContextVar[Callable[[str], None] | None] = ContextVar(
    "vsh_completion_lookup_errors", default=None
)

# Where a completer leaves the libvirt error behind it (virsh's last error), if anywhere.
kept_errors: ContextVar[Callable[[libvirt.libvirtError], None] | None] = ContextVar(
    "vsh_completion_kept_errors", default=None
)

UUID_STRING_LEN = 36


def report(message: str) -> None:
    """virsh's vshError inside a completer: shown only by ``complete``."""
    sink = lookup_errors.get()
    if sink is not None:
        sink(message)


def keep(err: libvirt.libvirtError) -> None:
    """Leave ``err`` for ``complete`` to report if it fails (vshReportError)."""
    sink = kept_errors.get()
    if sink is not None:
        sink(err)


def _alive(s: Session) -> libvirt.virConnect | None:
    """The session's connection if it is open and alive (virsh's completer guard)."""
    conn = s.connection.current
    if conn is None:
        return None
    try:
        return conn if conn.isAlive() > 0 else None
    except libvirt.libvirtError:
        return None


def _domain(s: Session, values: Values) -> libvirt.virDomain | None:
    """The domain named on the line, looked up as virsh does: ID, then UUID, then name."""
    name = values.get("domain")
    if not isinstance(name, str) or not name:
        return None
    conn = _alive(s)
    if conn is None:
        return None
    dom_id = c_int(name)
    if dom_id is not None and dom_id >= 0:
        try:
            return conn.lookupByID(dom_id)
        except libvirt.libvirtError:
            pass
    if len(name.encode()) == UUID_STRING_LEN:
        try:
            return conn.lookupByUUIDString(name)
        except libvirt.libvirtError:
            pass
    try:
        return conn.lookupByName(name)
    except libvirt.libvirtError:
        report(f"failed to get domain '{name}'")
        return None


def domain_on_line(s: Session, values: Values) -> libvirt.virDomain | None:
    """virshCommandOptDomain for completers: the ``domain`` option's domain, or None."""
    return _domain(s, values)


def network_on_line(s: Session, values: Values) -> libvirt.virNetwork | None:
    """virshCommandOptNetwork for completers: UUID (36 bytes long), then name.

    Unlike the domain look-up, virsh keeps the libvirt error of a failure.
    """
    name = values.get("network")
    conn = _alive(s)
    if not isinstance(name, str) or not name or conn is None:
        return None
    if len(name.encode()) == UUID_STRING_LEN:
        try:
            return conn.networkLookupByUUIDString(name)
        except libvirt.libvirtError:
            pass
    try:
        return conn.networkLookupByName(name)
    except libvirt.libvirtError as err:
        report(f"failed to get network '{name}'")
        keep(err)
        return None


def comma_list(current: object, options: list[str] | tuple[str, ...]) -> list[str]:
    """virshCommaStringListComplete: complete the last item of ``a,b,...``.

    Items already in the list are not offered again; each candidate repeats
    the items typed so far.
    """
    text = current if isinstance(current, str) and current != " " else ""
    head, comma, _last = text.rpartition(",")
    typed = head.split(",") if comma else []
    return [f"{head},{o}" if comma else o for o in options if o not in typed]


@depends_on("domain")
def snapshot_names(s: Session, flags: int = 0, values: Values | None = None) -> list[str]:
    """virshSnapshotNameCompleter: the snapshots of the domain on the line, server order."""
    dom = _domain(s, values or {})
    if dom is None:
        return []
    try:
        return [snap.getName() for snap in dom.listAllSnapshots(flags)]
    except libvirt.libvirtError:
        return []


@depends_on("domain")
def checkpoint_names(s: Session, flags: int = 0, values: Values | None = None) -> list[str]:
    """virshCheckpointNameCompleter: the checkpoints of the domain on the line."""
    dom = _domain(s, values or {})
    if dom is None:
        return []
    try:
        return [c.getName() for c in dom.listAllCheckpoints(flags)]
    except libvirt.libvirtError:
        return []


def _names(method: str, s: Session, flags: int) -> list[str]:
    conn = _alive(s)
    if conn is None:
        return []
    try:
        return [obj.name() for obj in getattr(conn, method)(flags)]
    except libvirt.libvirtError:
        return []


@depends_on()
def network_names(s: Session, flags: int = 0, values: Values | None = None) -> list[str]:
    return _names("listAllNetworks", s, flags)


@depends_on()
def pool_names(s: Session, flags: int = 0, values: Values | None = None) -> list[str]:
    return _names("listAllStoragePools", s, flags)


@depends_on()
def interface_names(s: Session, flags: int = 0, values: Values | None = None) -> list[str]:
    return _names("listAllInterfaces", s, flags)


@depends_on()
def interface_macs(s: Session, flags: int = 0, values: Values | None = None) -> list[str]:
    """virshInterfaceMacCompleter: the interfaces' MAC addresses."""
    conn = _alive(s)
    if conn is None:
        return []
    try:
        return [i.MACString() for i in conn.listAllInterfaces(flags)]
    except libvirt.libvirtError:
        return []


@depends_on()
def nodedev_names(s: Session, flags: int = 0, values: Values | None = None) -> list[str]:
    return _names("listAllDevices", s, flags)


@depends_on()
def nwfilter_names(s: Session, flags: int = 0, values: Values | None = None) -> list[str]:
    return _names("listAllNWFilters", s, flags)


@depends_on()
def nwfilter_binding_portdevs(
    s: Session, flags: int = 0, values: Values | None = None
) -> list[str]:
    """virshNWFilterBindingNameCompleter: the bindings' port devices."""
    conn = _alive(s)
    if conn is None:
        return []
    try:
        return [b.portDev() for b in conn.listAllNWFilterBindings(flags)]
    except libvirt.libvirtError:
        return []


@depends_on()
def secret_uuids(s: Session, flags: int = 0, values: Values | None = None) -> list[str]:
    conn = _alive(s)
    if conn is None:
        return []
    try:
        return [sec.UUIDString() for sec in conn.listAllSecrets(flags)]
    except libvirt.libvirtError:
        return []


@depends_on("pool")
def volume_names(s: Session, flags: int = 0, values: Values | None = None) -> list[str]:
    """Volumes of the pool given on the line (``--pool``)."""
    conn = _alive(s)
    pool_name = (values or {}).get("pool")
    if conn is None or not isinstance(pool_name, str):
        return []
    try:
        return [v.name() for v in conn.storagePoolLookupByName(pool_name).listAllVolumes(0)]
    except libvirt.libvirtError:
        return []


@depends_on("network")
def dhcp_lease_macs(s: Session, flags: int = 0, values: Values | None = None) -> list[str]:
    """virshNetworkDhcpMacCompleter: the MAC of every lease of the network on the line."""
    net = network_on_line(s, values or {})
    if net is None:
        return []
    try:
        leases = net.DHCPLeases(None, flags)
    except libvirt.libvirtError as err:
        keep(err)
        return []
    return [str(lease["mac"]) for lease in leases]


def domain_xml_on_line(s: Session, values: Any) -> Node | None:
    """For completers: the parsed XML of the domain typed on the line, or None."""
    dom = domain_on_line(s, values or {})
    if dom is None:
        return None
    try:
        return parse_xml(dom.XMLDesc(0))
    except libvirt.libvirtError:
        return None


def complete_disk_targets(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainDiskTargetCompleter: the domain's disk targets."""
    root = domain_xml_on_line(s, values)
    if root is None:
        return []
    return [n.string("string(./target/@dev)") for n in root.nodes("./devices/disk")]


def complete_interfaces(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainInterfaceCompleter: each interface's target, else its MAC."""
    root = domain_xml_on_line(s, values)
    if root is None:
        return []
    names = (
        n.string("string(./target/@dev)") or n.string("string(./mac/@address)")
        for n in root.nodes("./devices/interface")
    )
    return [name for name in names if name]


def host_cpu_list(s: Session, values: Values) -> list[str]:
    """virshDomainCpulistCompleter: the host's CPU ids, completing the last item
    of the ``cpulist`` option's comma-separated list."""
    conn = s.connection.current
    if conn is None:
        return []
    try:
        cpus = int(conn.getCPUMap(0)[0])
    except libvirt.libvirtError as err:
        keep(err)
        return []
    return comma_list(values.get("cpulist"), [str(i) for i in range(cpus)])
