"""vsh against /usr/bin/virsh on the real daemon, for outputs that are deterministic.

Two guests are set up once for the module: ``df-run`` (running, with a tree of
internal snapshots taken with memory) and ``df-off`` (shut off, one snapshot of the
shut-off disk).  Every case runs the same argv through both programs
(tests/conformance/harness.py) and compares stdout, stderr and exit status.
``dominfo``'s CPU time keeps moving, so that one line is dropped on both sides.
"""

from __future__ import annotations

import pytest

from tests.real.test_snapshots import TREE, build_tree
from tests.real.util import drop_cpu_time, same

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def pair(real_stack):
    real_stack.define_guest("df-run", start=True)
    build_tree(real_stack, "df-run", current="c-child")
    real_stack.define_guest("df-off")
    real_stack.virsh("snapshot-create-as", "df-off", "cold", "--description", "shut off")
    try:
        yield real_stack
    finally:
        real_stack.remove_guest("df-run")
        real_stack.remove_guest("df-off")


CASES = [
    # domains
    "list",
    "list --all",
    "list --all --name",
    "list --inactive",
    "list --state-running --name",
    "list --state-shutoff --uuid",
    "list --all --title",
    "list --with-snapshot --all --name",
    "domstate df-run",
    "domstate df-run --reason",
    "domstate df-off --reason",
    "dumpxml df-run --inactive",
    "dumpxml df-off --inactive",
    "dumpxml df-off",
    "domstate nosuch",
    # snapshots
    "snapshot-list df-run",
    "snapshot-list df-run --name",
    "snapshot-list df-run --tree",
    "snapshot-list df-run --topological",
    "snapshot-list df-run --parent",
    "snapshot-list df-run --roots --name",
    "snapshot-list df-run --leaves",
    "snapshot-list df-run --from m-root --descendants --tree",
    "snapshot-list df-run --current --name",
    "snapshot-list df-run --active --name",
    "snapshot-list df-run --inactive --name",
    "snapshot-list df-off",
    "snapshot-list df-off --inactive --name",
    "snapshot-info df-run m-root",
    "snapshot-info df-run --current",
    "snapshot-info df-off cold",
    "snapshot-parent df-run b-grand",
    "snapshot-parent df-run m-root",
    "snapshot-parent df-run --current",
    "snapshot-current df-run --name",
    "snapshot-current df-off --name",
    "snapshot-dumpxml df-run z-leaf",
    "snapshot-dumpxml df-off cold",
    "snapshot-info df-run nosuch",
]


@pytest.mark.parametrize("command", CASES)
def test_same_as_virsh(pair, command):
    same(pair, command)


@pytest.mark.parametrize("domain", ["df-run", "df-off"])
def test_dominfo_minus_cpu_time(pair, domain):
    same(pair, "dominfo", domain, normalise=drop_cpu_time)


def test_snapshot_tree_matches_what_was_built(pair):
    names = same(pair, "snapshot-list", "df-run", "--name").out.split()
    assert names == sorted(n for n, _ in TREE)
    table = same(pair, "snapshot-list", "df-run", "--parent", "--topological").out
    rows = [line.split() for line in table.splitlines()[2:] if line.strip()]
    # Name, date, time, zone, state[, parent]: a root has no parent column text
    parents = {row[0]: (row[5] if len(row) > 5 else None) for row in rows}
    assert parents == dict(TREE)
