"""vsh.core.statechange: the read-only table fleet mode's confirmation asks."""

from __future__ import annotations

from vsh.commands._index import COMMANDS
from vsh.core.statechange import READ_ONLY, READ_ONLY_WITH, changes_state


def test_every_listed_command_exists() -> None:
    assert set(COMMANDS) >= READ_ONLY
    assert set(COMMANDS) >= set(READ_ONLY_WITH)


def test_changing_and_read_only() -> None:
    assert not changes_state("list", {"all": True})
    assert changes_state("destroy", {"domain": "x"})
    assert changes_state("no-such-command", {})
    assert changes_state("snapshot-rotate", {"all": True})
    assert not changes_state("snapshot-rotate", {"all": True, "check": True})
    assert not changes_state("snapshot-rotate", {"dry-run": True})
