"""vsh.commands.secret: list fallbacks on a driver without secrets; no values shown."""

from __future__ import annotations

import inspect

from tests.conformance.harness import run_vsh
from vsh.commands import secret


def test_no_secret_values_read() -> None:
    source = inspect.getsource(secret)
    assert "getValue" not in source and "setValue" not in source


def test_list_json_error() -> None:
    out = run_vsh(["-c", "test:///default", "secret-list --json"])
    assert out.status == 1
    assert out.err.startswith("error: Failed to count secrets\n")
    assert run_vsh(["-c", "test:///default", "secret-list --private"]).err.startswith(
        "error: Filtering is not supported by this libvirt\n"
    )
