"""vsh.commands.nwfilter: the list fallback on a driver without filters."""

from __future__ import annotations

from tests.conformance.harness import run_vsh


def test_list_json_error() -> None:
    out = run_vsh(["-c", "test:///default", "nwfilter-list --json"])
    assert out.status == 1
    assert out.err.startswith("error: Failed to count network filters\n")
