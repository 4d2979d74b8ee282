"""Fixtures for the completion tests: sessions on the test driver, extra commands.

``session`` is connected to ``test:///default`` (its state lives as long as
some connection to it does, so every test starts from the stock state once
the previous test's session is closed); ``node_session`` to the domains
fixture (tests/fixtures/domains/node.xml: a domain in every state, odd
names); ``snap_session`` to a generated node with snapshots whose names
need quoting.  ``register`` adds commands declared in a test module to the
command table for the duration of a test.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vsh.core import registry as table
from vsh.core import runner
from vsh.core.command import VshCommand
from vsh.core.session import Session, Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NODE_URI = f"test://{FIXTURES / 'domains' / 'node.xml'}"


def connect(uri: str) -> Session:
    session = Session(Settings(uri=uri, uri_given=True, quiet=True))
    assert session.connection.reconnect(), f"cannot open {uri}"
    return session


def run(session: Session, script: str) -> None:
    """Run a command string in ``session`` (its output is not looked at)."""
    commands = runner.parse_script(session, script)
    assert commands is not None, script
    assert runner.run(session, commands), script


def close(session: Session) -> None:
    if session._connection is not None:
        session.connection.close()
    gc.collect()


@pytest.fixture
def session() -> Iterator[Session]:
    s = connect("test:///default")
    yield s
    close(s)


@pytest.fixture
def node_session() -> Iterator[Session]:
    s = connect(NODE_URI)
    yield s
    close(s)


ODD_SNAPSHOTS = ("alpha", "al two", "beta", "it's", 'say "hi"', "semi;colon", "#hash", "--dash")


@pytest.fixture(scope="session")
def snap_node(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A node XML: domain ``dom0`` with snapshots whose names need quoting."""
    from tests.fixtures.snapgen import write_fixture

    names = list(ODD_SNAPSHOTS)
    path = tmp_path_factory.mktemp("snapnode") / "node.xml"
    info = write_fixture(path, shape="wide", count=len(names), name_pattern=lambda i: names[i])
    return info.uri


@pytest.fixture
def snap_session(snap_node: str) -> Iterator[Session]:
    s = connect(snap_node)
    yield s
    close(s)


@pytest.fixture
def register(monkeypatch: pytest.MonkeyPatch) -> Callable[[VshCommand], None]:
    """Add a command (declared with vsh's decorators) to the table for one test."""
    commands = dict(table.COMMANDS)
    monkeypatch.setattr(table, "COMMANDS", commands)

    def add(cmd: VshCommand) -> None:
        assert cmd.name is not None
        commands[cmd.name] = (__name__, cmd.name, cmd.group or "virsh", cmd.summary, cmd.hidden)
        monkeypatch.setitem(table._loaded, cmd.name, cmd)

    return add
