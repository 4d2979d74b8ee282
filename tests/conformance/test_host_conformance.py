"""Differential tests: host commands (uri, hostname, version) against virsh 9.0."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"
NODE = "test://" + str(
    Path(__file__).resolve().parents[1] / "fixtures" / "testnode" / "testnode.xml"
)


@pytest.mark.parametrize("uri", [DEFAULT, NODE])
@pytest.mark.parametrize(
    "script",
    [
        "uri",
        "hostname",
        "version",
        "version --daemon",
        "uri; hostname; version; version --daemon",
    ],
)
def test_host_commands(uri: str, script: str) -> None:
    assert_same(["-c", uri, script])


@pytest.mark.parametrize(
    "args",
    [
        ["-q", "-c", DEFAULT, "uri; hostname; version --daemon"],
        ["-r", "-c", DEFAULT, "uri; hostname; version --daemon"],
        ["-c", DEFAULT, "uri", "extra"],
        ["-c", DEFAULT, "hostname --daemon"],
        ["-c", DEFAULT, "version --daemon=yes"],
        ["-c", DEFAULT, "version --bogus"],
        ["-c", DEFAULT, "version extra"],
        ["-c", DEFAULT, "version", "--daemon"],
        ["-c", DEFAULT, "uri --help; hostname --help; version --help"],
        ["-c", DEFAULT, "help uri; help hostname; help version"],
        ["-t", "-c", DEFAULT, "uri"],
    ],
)
def test_host_edges(args: list[str]) -> None:
    outcome = assert_same(args, normalise=_no_timing)
    assert outcome.status in (0, 1)


def _no_timing(text: str) -> str:
    import re

    return re.sub(r"\(Time: [0-9.]+ ms\)", "(Time: T ms)", text)


def test_uri_without_connection_option() -> None:
    """A URI from the environment: the connection is made lazily by the command."""
    assert_same(["uri"], env={"VIRSH_DEFAULT_CONNECT_URI": DEFAULT})
