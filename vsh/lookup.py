"""Object lookups with virsh's fallback order and messages (virsh-util.c).

Commands look libvirt objects up only through here, so ``failed to get domain
'x'`` and friends are worded in one place.
"""

from __future__ import annotations

import libvirt

from vsh.errors import VshError
from vsh.numbers import c_int
from vsh.session import Session

BY_ID, BY_UUID, BY_NAME = 1, 2, 4
BY_ANY = BY_ID | BY_UUID | BY_NAME
UUID_STRING_LEN = 36


def domain(
    s: Session, name: str | None, flags: int = BY_ANY, option: str = "domain"
) -> libvirt.virDomain:
    """Find a domain by id, then UUID, then name; virsh's error if none matches."""
    name = s.text(name, option)
    assert name is not None
    conn = s.conn
    dom = None
    if flags & BY_ID:
        dom_id = c_int(name)
        if dom_id is not None and dom_id >= 0:
            try:
                dom = conn.lookupByID(dom_id)
            except libvirt.libvirtError:
                dom = None
    if dom is None and flags & BY_UUID and len(name.encode()) == UUID_STRING_LEN:
        try:
            dom = conn.lookupByUUIDString(name)
        except libvirt.libvirtError:
            dom = None
    if dom is None and flags & BY_NAME:
        try:
            dom = conn.lookupByName(name)
        except libvirt.libvirtError:
            dom = None
    s.last_error = None
    if dom is None:
        raise VshError(f"failed to get domain '{name}'")
    return dom
