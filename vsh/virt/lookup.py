"""Object lookups with virsh's fallback order and messages (virsh-util.c).

Commands look libvirt objects up only through here, so ``failed to get domain
'x'`` and friends are worded in one place.
"""

from __future__ import annotations

import libvirt

from vsh.core.errors import VshError
from vsh.core.numbers import c_int
from vsh.core.session import DEBUG, INFO, Session

BY_ID, BY_UUID, BY_NAME = 1, 2, 4
BY_ANY = BY_ID | BY_UUID | BY_NAME
UUID_STRING_LEN = 36


def domain(
    s: Session,
    name: str | None,
    flags: int = BY_ANY,
    option: str = "domain",
    cmd: str = "unknown",
) -> libvirt.virDomain:
    """Find a domain by id, then UUID, then name; virsh's error if none matches.

    ``cmd`` names the command in the ``-d`` debug lines (virsh's
    virshCommandOptDomainBy); virsh's own fallback is "unknown".
    """
    name = s.text(name, option)
    assert name is not None
    if cmd != "unknown":
        s.debug(INFO, f"{cmd}: found option <{option}>: {name}\n")
    conn = s.conn
    dom = None
    if flags & BY_ID:
        dom_id = c_int(name)
        if dom_id is not None and dom_id >= 0:
            s.debug(DEBUG, f"{cmd}: <domain> looks like ID\n")
            try:
                dom = conn.lookupByID(dom_id)
            except libvirt.libvirtError:
                dom = None
    if dom is None and flags & BY_UUID and len(name.encode()) == UUID_STRING_LEN:
        s.debug(DEBUG, f"{cmd}: <domain> trying as domain UUID\n")
        try:
            dom = conn.lookupByUUIDString(name)
        except libvirt.libvirtError:
            dom = None
    if dom is None and flags & BY_NAME:
        s.debug(DEBUG, f"{cmd}: <domain> trying as domain NAME\n")
        try:
            dom = conn.lookupByName(name)
        except libvirt.libvirtError:
            dom = None
    s.last_error = None
    if dom is None:
        raise VshError(f"failed to get domain '{name}'")
    return dom


def domain_state(s: Session, dom: libvirt.virDomain) -> tuple[int, int]:
    """(state, reason) as virshDomainState finds them.

    virDomainGetState first; a server without it (VIR_ERR_NO_SUPPORT) is
    remembered per connection and asked through virDomainGetInfo, which
    knows no reason (-1).  Other errors propagate.
    """
    features = s.connection.features
    if not features.get("use_get_info"):
        try:
            state, reason = dom.state(0)
            return state, reason
        except libvirt.libvirtError as err:
            if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
                raise
            features["use_get_info"] = True
    return dom.info()[0], -1


def _list_domains(s: Session, flags: int) -> list[libvirt.virDomain]:
    conn = s.connection.current
    if conn is None:
        return []
    try:
        if conn.isAlive() <= 0:
            return []
        return conn.listAllDomains(flags)
    except libvirt.libvirtError:
        return []


def complete_domain_names(s: Session, flags: int = 0) -> list[str]:
    """virshDomainNameCompleter: names of the domains ``flags`` selects."""
    return [dom.name() for dom in _list_domains(s, flags)]


def complete_domain_uuids(s: Session, flags: int = 0) -> list[str]:
    """virshDomainUUIDCompleter: UUIDs of the domains ``flags`` selects."""
    try:
        return [dom.UUIDString() for dom in _list_domains(s, flags)]
    except libvirt.libvirtError:
        return []


# -- snapshots and checkpoints (virsh-snapshot.c / virsh-checkpoint.c) -------


def snapshot(
    s: Session,
    dom: libvirt.virDomain,
    name: str | None,
    current: bool,
    *,
    option: str = "snapshotname",
    exclusive: bool = True,
) -> tuple[libvirt.virDomainSnapshot, str]:
    """virshLookupSnapshot: ``--OPTION name`` or ``--current``; (snapshot, its name).

    The empty-value check comes first, then (if ``exclusive``) the clash of a
    name with ``--current``; a failed lookup raises the libvirt error itself.
    """
    name = s.text(name, option)
    if exclusive and current and name is not None:
        raise VshError(f"--{option} and --current are mutually exclusive")
    try:
        if name is not None:
            snap = dom.snapshotLookupByName(name, 0)
        elif current:
            snap = dom.snapshotCurrent(0)
        else:
            raise VshError(f"--{option} or --current is required")
    except libvirt.libvirtError as err:
        raise VshError(cause=err) from err
    return snap, snap.getName()


def checkpoint(
    s: Session, dom: libvirt.virDomain, name: str | None, *, option: str = "checkpointname"
) -> tuple[libvirt.virDomainCheckpoint, str]:
    """virshLookupCheckpoint: ``--OPTION name`` is required; (checkpoint, its name)."""
    name = s.text(name, option)
    if name is None:
        raise VshError(f"--{option} is required")
    try:
        chk = dom.checkpointLookupByName(name, 0)
    except libvirt.libvirtError as err:
        raise VshError(cause=err) from err
    return chk, chk.getName()


# -- storage pools and volumes (virsh-pool.c / virsh-volume.c) ---------------


def pool(
    s: Session,
    name: str | None,
    flags: int = BY_UUID | BY_NAME,
    option: str = "pool",
    cmd: str = "unknown",
) -> libvirt.virStoragePool:
    """virshCommandOptPoolBy: a pool by UUID (a 36-byte string), then by name.

    Unlike the domain look-up, virsh keeps the libvirt error of the last
    attempt (even of a failed UUID attempt before a successful name one), so
    it is left in ``s.last_error``; a miss raises ``failed to get pool 'x'``.
    """
    name = s.text(name, option)
    assert name is not None
    s.debug(INFO, f"{cmd}: found option <{option}>: {name}\n")
    conn = s.conn
    found = None
    if flags & BY_UUID and len(name.encode()) == UUID_STRING_LEN:
        s.debug(DEBUG, f"{cmd}: <{option}> trying as pool UUID\n")
        try:
            found = conn.storagePoolLookupByUUIDString(name)
        except libvirt.libvirtError as err:
            s.last_error = err
    if found is None and flags & BY_NAME:
        s.debug(DEBUG, f"{cmd}: <{option}> trying as pool NAME\n")
        try:
            found = conn.storagePoolLookupByName(name)
        except libvirt.libvirtError as err:
            s.last_error = err
    if found is None:
        raise VshError(f"failed to get pool '{name}'")
    return found


def volume(
    s: Session,
    name: str | None,
    pool_name: str | None,
    *,
    pool_option: str | None = "pool",
    flags: int = BY_UUID | BY_NAME,
    option: str = "vol",
    cmd: str = "unknown",
) -> libvirt.virStorageVol:
    """virshCommandOptVolBy: by name in ``--pool`` (if given), else key, else path.

    ``pool_option=None`` is virsh's look-up without a pool option (vol-name,
    vol-pool).  Messages and the libvirt error reported are virsh's: the last
    failed attempt's; a found volume clears it.
    """
    name = s.text(name, option)
    assert name is not None
    pool_name = s.text(pool_name, pool_option) if pool_option is not None else None
    pool_obj = None
    if pool_name is not None:
        assert pool_option is not None
        pool_obj = pool(s, pool_name, flags, pool_option, cmd)
        try:
            active = pool_obj.isActive()
        except libvirt.libvirtError as err:
            s.last_error, active = err, -1
        if active != 1:
            raise VshError(f"pool '{pool_name}' is not active")
    s.debug(DEBUG, f"{cmd}: found option <{option}>: {name}\n")
    conn = s.conn
    vol = None
    if pool_obj is not None and flags & BY_NAME:
        s.debug(DEBUG, f"{cmd}: <{option}> trying as vol name\n")
        try:
            vol = pool_obj.storageVolLookupByName(name)
        except libvirt.libvirtError as err:
            s.last_error = err
    if vol is None and flags & BY_UUID:
        s.debug(DEBUG, f"{cmd}: <{option}> trying as vol key\n")
        try:
            vol = conn.storageVolLookupByKey(name)
        except libvirt.libvirtError as err:
            s.last_error = err
    if vol is None and flags & BY_UUID:
        s.debug(DEBUG, f"{cmd}: <{option}> trying as vol path\n")
        try:
            vol = conn.storageVolLookupByPath(name)
        except libvirt.libvirtError as err:
            s.last_error = err
    if vol is None:
        if pool_obj is not None or pool_option is None:
            raise VshError(f"failed to get vol '{name}'")
        raise VshError(f"failed to get vol '{name}', specifying --{pool_option} might help")
    s.last_error = None
    if pool_obj is not None:
        try:
            vol_pool = vol.storagePoolLookupByVolume()
        except libvirt.libvirtError as err:
            s.last_error = err
        else:
            if vol_pool.name() != pool_obj.name():
                s.last_error = None
                raise VshError(f"Requested volume '{name}' is not in pool '{pool_obj.name()}'")
    return vol


# -- networks, interfaces, node devices, secrets, nwfilters -------------------
# (virsh-network.c, virsh-interface.c, virsh-nodedev.c, virsh-secret.c,
# virsh-nwfilter.c).  A failed libvirt look-up stays the pending error, so
# virsh prints it after its own line.


def _by_uuid_or_name(
    s: Session,
    value: str | None,
    flags: int,
    option: str,
    cmd: str,
    kind: str,
    by_uuid: str,
    by_name: str,
) -> object:
    name = s.text(value, option)
    assert name is not None
    s.debug(INFO, f"{cmd}: found option <{option}>: {name}\n")
    conn = s.conn
    found = None
    cause: libvirt.libvirtError | None = None
    if flags & BY_UUID and len(name.encode()) == UUID_STRING_LEN:
        s.debug(DEBUG, f"{cmd}: <{option}> trying as {kind} UUID\n")
        try:
            found = getattr(conn, by_uuid)(name)
        except libvirt.libvirtError as err:
            cause = err
    if found is None and flags & BY_NAME:
        s.debug(DEBUG, f"{cmd}: <{option}> trying as {kind} NAME\n")
        try:
            found = getattr(conn, by_name)(name)
        except libvirt.libvirtError as err:
            cause = err
    if found is None:
        raise VshError(f"failed to get {kind} '{name}'", cause=cause)
    return found


def network(
    s: Session, value: str | None, flags: int = BY_UUID | BY_NAME, cmd: str = "unknown"
) -> libvirt.virNetwork:
    """virshCommandOptNetworkBy: UUID (36 bytes long), then name."""
    return _by_uuid_or_name(
        s,
        value,
        flags,
        "network",
        cmd,
        "network",
        "networkLookupByUUIDString",
        "networkLookupByName",
    )


def nwfilter(
    s: Session, value: str | None, flags: int = BY_UUID | BY_NAME, cmd: str = "unknown"
) -> libvirt.virNWFilter:
    """virshCommandOptNWFilterBy: UUID (36 bytes long), then name."""
    return _by_uuid_or_name(
        s,
        value,
        flags,
        "nwfilter",
        cmd,
        "nwfilter",
        "nwfilterLookupByUUIDString",
        "nwfilterLookupByName",
    )


def is_mac(text: str) -> bool:
    """virMacAddrParse succeeds: six 1-2 digit hex octets joined by ':',
    anything at or below ' ' (or nothing) after the last."""
    pos = 0
    for i in range(6):
        start = pos
        while pos < len(text) and text[pos] in "0123456789abcdefABCDEF":
            pos += 1
        if not 1 <= pos - start <= 2:
            return False
        if i == 5:
            return pos == len(text) or ord(text[pos]) <= 0x20
        if pos >= len(text) or text[pos] != ":":
            return False
        pos += 1
    return False


BY_MAC = 8


def interface(
    s: Session,
    value: str | None,
    flags: int = BY_NAME | BY_MAC,
    option: str = "interface",
    cmd: str = "unknown",
) -> libvirt.virInterface:
    """virshCommandOptInterfaceBy: a MAC address by MAC, anything else by name."""
    name = s.text(value, option)
    assert name is not None
    s.debug(INFO, f"{cmd}: found option <{option}>: {name}\n")
    mac = is_mac(name)
    found = None
    cause: libvirt.libvirtError | None = None
    try:
        if not mac and flags & BY_NAME:
            s.debug(DEBUG, f"{cmd}: <{option}> trying as interface NAME\n")
            found = s.conn.interfaceLookupByName(name)
        elif mac and flags & BY_MAC:
            s.debug(DEBUG, f"{cmd}: <{option}> trying as interface MAC\n")
            found = s.conn.interfaceLookupByMACString(name)
    except libvirt.libvirtError as err:
        cause = err
    if found is None:
        raise VshError(f"failed to get interface '{name}'", cause=cause)
    return found


def secret(s: Session, value: str | None, cmd: str = "unknown") -> libvirt.virSecret:
    """virshCommandOptSecret: by UUID only."""
    name = s.text(value, "secret")
    assert name is not None
    s.debug(DEBUG, f"{cmd}: found option <secret>: {name}\n")
    try:
        return s.conn.secretLookupByUUIDString(name)
    except libvirt.libvirtError as err:
        raise VshError(f"failed to get secret '{name}'", cause=err) from err


def _valid_wwn(wwn: str) -> bool:
    """virValidateWWN: 16 hex digits, optionally after "0x"."""
    digits = wwn[2:] if wwn.startswith("0x") else wwn
    return len(digits) == 16 and all(c in "0123456789abcdefABCDEF" for c in digits)


def nodedev(s: Session, value: str) -> libvirt.virNodeDevice:
    """vshFindNodeDevice: a name, or a "wwnn,wwpn" pair of a SCSI host."""
    cause: libvirt.libvirtError | None = None
    found = None
    if "," in value:
        from vsh.core.vshutil import split_commas

        parts = split_commas(value)
        if len(parts) != 2:
            raise VshError(f"Malformed device value '{value}'")
        for wwn in parts:
            if not _valid_wwn(wwn):
                raise VshError(f"internal error: Malformed wwn: {wwn}")
        try:
            found = s.conn.nodeDeviceLookupSCSIHostByWWN(parts[0], parts[1], 0)
        except libvirt.libvirtError as err:
            cause = err
    else:
        try:
            found = s.conn.nodeDeviceLookupByName(value)
        except libvirt.libvirtError as err:
            cause = err
    if found is None:
        raise VshError(f"Could not find matching device '{value}'", cause=cause)
    return found
