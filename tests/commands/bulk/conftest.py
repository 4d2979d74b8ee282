"""The ``shells`` fixture: vsh sessions on test-driver fixtures, closed after the test."""

from __future__ import annotations

import pytest

from tests.commands.bulk.support import Shell


@pytest.fixture
def shells():
    opened: list[Shell] = []

    def make(uri: str, **kw) -> Shell:
        sh = Shell(uri, **kw)
        opened.append(sh)
        return sh

    yield make
    for sh in opened:
        sh.close()
