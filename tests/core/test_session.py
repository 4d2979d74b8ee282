"""vsh.core.session: output streams, the connector and the public connection state."""

from __future__ import annotations

import io

import pytest

from vsh.core import session as session_module
from vsh.core.session import Session, Settings


class FakeManager:
    """A stand-in connection manager: counts what the session asks of it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.uri = session.settings.uri
        self.readonly = session.settings.readonly
        self.current: object | None = None
        self.disconnected = 0
        self.features: dict[str, bool] = {}

    def ensure(self) -> object | None:
        return self.current

    def reconnect(
        self, uri: str | None = None, readonly: bool = False, force: bool = False
    ) -> bool:
        self.current, self.readonly = object(), readonly
        return True

    def close(self) -> None:
        self.current = None

    def mark_disconnected(self) -> None:
        self.disconnected += 1

    def note_error(self, err: object) -> None:
        self.mark_disconnected()


def make(settings: Settings | None = None) -> tuple[Session, list[FakeManager]]:
    made: list[FakeManager] = []

    def connector(s: Session) -> FakeManager:
        made.append(FakeManager(s))
        return made[-1]

    return Session(settings, out=io.StringIO(), err=io.StringIO(), connector=connector), made


def test_the_connection_manager_is_made_once_on_first_use() -> None:
    s, made = make()
    assert made == []
    assert s.connection is s.connection
    assert len(made) == 1 and made[0].session is s


def test_current_conn_and_readonly_never_make_a_manager() -> None:
    s, made = make(Settings(readonly=True))
    assert s.current_conn is None
    assert s.readonly is True
    assert made == []


def test_readonly_follows_the_connection_once_there_is_one() -> None:
    s, _made = make(Settings(readonly=True))
    assert s.connection.reconnect("test:///default", readonly=False)
    assert s.readonly is False
    assert s.current_conn is s.connection.current is not None
    s.connection.close()
    assert s.current_conn is None


def test_the_default_connector_is_vsh_virt(monkeypatch: pytest.MonkeyPatch) -> None:
    import vsh.virt
    from vsh.virt.conn import Connection

    assert session_module._default_connector is vsh.virt.connector
    s = Session(Settings(uri="test:///default"), out=io.StringIO(), err=io.StringIO())
    assert isinstance(s.connection, Connection)
    monkeypatch.setattr(session_module, "_default_connector", None)
    with pytest.raises(RuntimeError, match="no connector"):
        _ = Session().connection


def test_print_extra_is_quiet_under_q() -> None:
    s, _made = make(Settings(quiet=True))
    s.print("data\n")
    s.print_extra("status\n")
    assert s.out.getvalue() == "data\n"  # type: ignore[attr-defined]
