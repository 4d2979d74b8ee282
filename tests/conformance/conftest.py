"""The differential tests' notes (known mismatches, cases where virsh
disagrees with itself or hangs, the generated test's tallies), shown in the
terminal summary so that nothing they do not count passes silently."""

from __future__ import annotations

import pytest

_NOTES = pytest.StashKey[list[str]]()


@pytest.fixture
def generated_notes(request: pytest.FixtureRequest) -> list[str]:
    return request.config.stash.setdefault(_NOTES, [])


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    notes = config.stash.get(_NOTES, [])
    if notes:
        terminalreporter.section("generated differential test", sep="-", yellow=True)
        for note in notes:
            terminalreporter.write_line(note)
