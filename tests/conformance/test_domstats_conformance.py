"""Differential tests: ``domstats`` (vsh/commands/monitor/stats.py) against virsh 9.0.

On test:///default and tests/fixtures/domains/node.xml.  The test driver
reports only the ``state.*`` group, but drivers that report more put host
clock readings in ``cpu.time``-like counters and ``balloon.last-update``;
the values of those fields are normalised on both sides alike.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conformance.harness import assert_same, run_virsh, run_vsh

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFAULT = "test:///default"
NODE = f"test://{FIXTURES / 'domains' / 'node.xml'}"

_CLOCK = re.compile(
    r"^(  (?:cpu\.(?:time|user|system)|vcpu\.[0-9]+\.time|balloon\.last-update"
    r"|block\.[0-9]+\.(?:rd|wr|fl)\.(?:reqs|bytes|times)"
    r"|net\.[0-9]+\.(?:rx|tx)\.(?:bytes|pkts|errs|drop))=)[0-9]+$",
    re.M,
)


def clock(text: str) -> str:
    return _CLOCK.sub(r"\1N", text)


def unordered(text: str) -> str:
    """Records sorted: the driver's hash table (seeded per process) decides
    the order of a connection-wide listing, in virsh as in vsh."""
    body = text.rstrip("\n")
    tail = text[len(body) :]
    return "\n\n".join(sorted(clock(body).split("\n\n"))) + tail


def same(uri: str, script: str, *extra: str) -> None:
    assert_same([*extra, "-c", uri, script], normalise=clock)


def same_unordered(uri: str, script: str) -> None:
    assert_same(["-c", uri, script], normalise=unordered)


def test_help() -> None:
    same(DEFAULT, "help domstats; domstats --help")


DEFAULT_CASES = [
    "domstats",
    "domstats test",
    "domstats test test",
    "domstats test 1 test",
    "domstats 1",
    "domstats 6695eb01-f6a4-8304-79aa-97f2502e193f",
    "domstats --domain test",
    "domstats test --domain test",
    "domstats nosuch",
    "domstats test nosuch",
    "domstats ''",
    "domstats --state",
    "domstats --state --cpu-total --balloon --vcpu --interface --block",
    "domstats --perf --iothread --memory --dirtyrate --vm",
    "domstats --raw --backing --nowait",
    "domstats --enforce",
    "domstats --enforce --state",
    "domstats --enforce --perf",
    "domstats --enforce --cpu-total test",
    "domstats --list-active",
    "domstats --list-inactive",
    "domstats --list-persistent --list-running",
    "domstats --list-transient",
    "domstats --list-paused --list-shutoff --list-other",
    "domstats --list-inactive test",
    "domstats --state=x",
    "domstats --nosuch",
    "destroy test; domstats; domstats --list-shutoff; domstats test",
    "suspend test; domstats --list-paused",
]


@pytest.mark.parametrize("script", DEFAULT_CASES)
def test_default(script: str) -> None:
    same(DEFAULT, script)


NODE_CASES = [
    "domstats",
    "domstats --state",
    "domstats --list-active",
    "domstats --list-inactive",
    "domstats --list-transient",
    "domstats --list-persistent --list-shutoff",
    "domstats --list-paused",
    "domstats --list-other",
    "domstats --list-running --list-paused",
]


NODE_ORDERED = [
    "domstats web 'paused one' 42",
    "domstats 00000000-0000-4000-8000-000000000001",
    "domstats alpha Beta Zeta",
    "domstats alpha nosuch Beta",
]


@pytest.mark.parametrize("script", NODE_ORDERED)
def test_node_ordered(script: str) -> None:
    """Records for listed domains come in the order given."""
    same(NODE, script)


@pytest.mark.parametrize("script", NODE_CASES)
def test_node(script: str) -> None:
    """One command per case; listings without ``<domain>`` come in hash order."""
    same_unordered(NODE, script)


def test_quiet_and_debug() -> None:
    same(DEFAULT, "domstats; domstats test", "-q")
    same(DEFAULT, "domstats test 1; domstats ''; domstats nosuch", "-d", "0")


def test_normaliser_targets_clock_fields_only() -> None:
    text = "  cpu.time=123\n  balloon.last-update=9\n  state.state=1\n  vcpu.0.time=5\n"
    assert (
        clock(text) == "  cpu.time=N\n  balloon.last-update=N\n  state.state=1\n  vcpu.0.time=N\n"
    )


def _vsh_json(uri: str, script: str) -> list[dict[str, object]]:
    actual = run_vsh(["-c", uri, script])
    assert actual.status == 0, actual.err
    return json.loads(actual.out)


def test_json_matches_text() -> None:
    expected = run_virsh(["-c", NODE, "domstats"])
    items = _vsh_json(NODE, "domstats --json")
    assert items and all(set(item) == {"domain", "stats"} for item in items)
    lines = []
    for item in items:
        block = [f"Domain: '{item['domain']}'"]
        block += [f"  {k}={v}" for k, v in item["stats"].items()]
        lines.append("\n".join(block) + "\n")
    assert unordered("\n".join(lines) + "\n") == unordered(expected.out)


def test_json_values_and_filters() -> None:
    assert _vsh_json(DEFAULT, "domstats test --json") == [
        {"domain": "test", "stats": {"state.state": 1, "state.reason": 0}}
    ]
    assert _vsh_json(DEFAULT, "domstats --list-inactive --json") == []
    assert _vsh_json(DEFAULT, "domstats test test --json") == 2 * [
        {"domain": "test", "stats": {"state.state": 1, "state.reason": 0}}
    ]
