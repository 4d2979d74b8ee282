"""A short, stable key for the host behind a libvirt connection.

Locks that keep two runs of one job apart (``snapshot-rotate``, ``migrate
--with-snapshots``) are per domain *on a host*: the same UUID on two hosts
(a guest defined on both, clones of one template) names two guests, which a
fleet may well rotate at the same time.  The host is the UUID libvirt
reports in its capabilities (the machine's own identity, the same through
any URI that reaches it), else the connection's canonical URI; hashed, so
that no text from a server ever becomes part of a file name.
"""

from __future__ import annotations

import hashlib
import weakref

import libvirt

from vsh.virt.domxml import parse_xml

__all__ = ["host_key"]

_known: weakref.WeakKeyDictionary[libvirt.virConnect, str] = weakref.WeakKeyDictionary()


def _identity(conn: libvirt.virConnect) -> str:
    try:
        root = parse_xml(conn.getCapabilities())
    except libvirt.libvirtError:
        root = None
    host = root.string("string(/capabilities/host/uuid)").strip() if root is not None else ""
    return f"host {host}" if host else f"uri {conn.getURI()}"


def host_key(conn: libvirt.virConnect) -> str:
    """12 hex digits naming the host ``conn`` talks to (asked once per connection)."""
    key = _known.get(conn)
    if key is None:
        key = hashlib.blake2b(_identity(conn).encode(), digest_size=6).hexdigest()
        _known[conn] = key
    return key
