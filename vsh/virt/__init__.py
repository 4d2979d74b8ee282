"""libvirt plumbing: the connection, look-ups, domain XML, consoles, jobs.

:func:`connector` is what a :class:`~vsh.core.session.Session` makes its
connection manager with (core cannot import this layer): the front end
passes it explicitly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vsh.core.session import ConnectionManager, Session


def connector(session: Session) -> ConnectionManager:
    """A session's connection manager; libvirt loads here, on first use."""
    from vsh.virt.conn import Connection

    return Connection(session)
