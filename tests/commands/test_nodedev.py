"""vsh.commands.nodedev: virsh's device tree and --json."""

from __future__ import annotations

from tests.conformance.harness import run_virsh, run_vsh
from vsh.commands.nodedev import render_devices_tree


def _tree(names: list[str], parents: list[str | None]) -> str:
    out: list[str] = []
    render_devices_tree(names, parents, out.append)
    return "".join(out)


def test_tree_layout() -> None:
    # the layout of vshTreePrint: children in list order, orphans left out
    text = _tree(["a", "b", "c", "computer", "x"], ["computer", "a", "computer", None, "gone"])
    # derived by hand from vshTreePrintInternal (tools/vsh.c)
    assert text == "computer\n  |\n  +- a\n  |   |\n  |   +- b\n  |     \n  +- c\n    \n"


def test_deep_chain_is_iterative() -> None:
    names = ["computer"] + [f"d{i}" for i in range(5000)]
    parents: list[str | None] = [None, "computer"] + [f"d{i}" for i in range(4999)]
    assert _tree(names, parents).count("+- ") == 5000


def test_nodedev_list_json_fails_like_text() -> None:
    """The test driver refuses the active/inactive flags virsh 9.0 passes."""
    args = ["-c", "test:///default"]
    text = run_vsh([*args, "nodedev-list --all"])
    as_json = run_vsh([*args, "nodedev-list --all --json"])
    assert as_json.status == text.status == 1
    assert as_json.err == text.err
    assert as_json.err == run_virsh([*args, "nodedev-list --all"]).err
    assert as_json.err.startswith("error: Failed to list node devices\nerror: ")
