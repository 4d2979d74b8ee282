"""Object lookups with virsh's fallback order and messages (virsh-util.c).

Commands look libvirt objects up only through here, so ``failed to get domain
'x'`` and friends are worded in one place.
"""

from __future__ import annotations

import libvirt

from vsh.errors import VshError
from vsh.numbers import c_int
from vsh.session import DEBUG, INFO, Session

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
