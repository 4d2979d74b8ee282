"""libvirt plumbing: the connection, look-ups, domain XML, consoles, jobs.

Importing the package installs :func:`connector` as the default of sessions
made without one (core cannot import this layer; see vsh.core.session).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vsh.core.session import set_default_connector

if TYPE_CHECKING:
    from vsh.core.session import ConnectionManager, Session


def connector(session: Session) -> ConnectionManager:
    """A session's connection manager; libvirt loads here, on first use."""
    from vsh.virt.conn import Connection

    return Connection(session)


set_default_connector(connector)
