"""vsh.commands.nwfilter: the list fallback on a driver without filters."""

from __future__ import annotations

from tests.conformance.harness import run_virsh, run_vsh


def test_list_json_error() -> None:
    """--json fails exactly as virsh's table does (both lines of the error)."""
    out = run_vsh(["-c", "test:///default", "nwfilter-list --json"])
    expected = run_virsh(["-c", "test:///default", "nwfilter-list"])
    assert (out.status, out.out, out.err) == (expected.status, expected.out, expected.err)
    assert out.err.startswith("error: Failed to count network filters\nerror: ")
