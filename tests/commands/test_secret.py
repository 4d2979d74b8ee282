"""vsh.commands.secret: list fallbacks on a driver without secrets; no values shown."""

from __future__ import annotations

import inspect

from tests.conformance.harness import run_virsh, run_vsh
from vsh.commands import secret


def test_no_secret_values_read() -> None:
    source = inspect.getsource(secret)
    assert "getValue" not in source and "setValue" not in source


def test_list_json_error() -> None:
    """--json fails exactly as virsh's table does (both lines of the error)."""
    for line in ("secret-list", "secret-list --private"):
        out = run_vsh(["-c", "test:///default", f"{line} --json"])
        expected = run_virsh(["-c", "test:///default", line])
        assert (out.status, out.out, out.err) == (expected.status, expected.out, expected.err), line
    assert expected.err == "error: Filtering is not supported by this libvirt\n"
