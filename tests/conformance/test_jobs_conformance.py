"""Differential tests: domjobinfo and domjobabort (vsh/commands/domain/jobs.py)
against virsh 9.0 on test:///default.

The test driver implements none of virDomainGetJobStats, virDomainGetJobInfo,
virDomainAbortJob(Flags): these compare the error paths (virsh's fallback
from the stats call to the info call, and its refusal of flags or --rawstats
without the stats call).  The tables are unit-tested against a fake in
tests/commands/domain/test_jobs.py.
"""

from __future__ import annotations

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"


@pytest.mark.parametrize("name", ["domjobinfo", "domjobabort"])
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


CASES = [
    "domjobinfo test; domjobinfo test --completed; domjobinfo test --rawstats;"
    " domjobinfo test --keep-completed; domjobinfo test --completed --keep-completed;"
    " domjobinfo test --anystats",
    "domjobinfo nosuch; domjobinfo nosuch --keep-completed; domjobinfo ''; domjobinfo",
    "domjobabort test; domjobabort test --postcopy; domjobabort nosuch; domjobabort",
    "destroy test; domjobinfo test; domjobabort test",
]


@pytest.mark.parametrize("script", CASES)
def test_default(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_readonly_and_quiet() -> None:
    assert_same(["-r", "-c", DEFAULT, "domjobinfo test; domjobabort test"])
    assert_same(["-q", "-c", DEFAULT, "domjobinfo test --rawstats; domjobabort test --postcopy"])
