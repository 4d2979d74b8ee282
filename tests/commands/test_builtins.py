"""vsh/commands/builtins.py: what is not already covered by the conformance suites."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from vsh.commands import builtins
from vsh.core.session import Session


@pytest.fixture
def fd0_is_a_pipe() -> Iterator[tuple[int, int]]:
    """fd 0 replaced by a pipe's read end for the test (restored after)."""
    saved = os.dup(0)
    reader, writer = os.pipe()
    os.dup2(reader, 0)
    os.close(reader)
    yield saved, writer
    os.dup2(saved, 0)
    os.close(saved)
    os.close(writer)


def _fd0_is_devnull() -> bool:
    return os.path.samestat(os.fstat(0), os.stat(os.devnull))


def test_complete_closes_stdin(fd0_is_a_pipe: tuple[int, int]) -> None:
    """As virsh: no authentication callback may wait for an answer during a Tab."""
    builtins._close_stdin(Session())
    assert _fd0_is_devnull()


def test_a_fleet_hosts_complete_leaves_the_process_stdin_alone(
    fd0_is_a_pipe: tuple[int, int],
) -> None:
    """A fleet host is a thread: fd 0 is its process's (the fleet shell's terminal)."""
    session = Session()
    session.detached = True
    builtins._close_stdin(session)
    assert not _fd0_is_devnull()
