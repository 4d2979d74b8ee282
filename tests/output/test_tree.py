"""Tests for vsh.output.tree against ``snapshot-list --tree`` from virsh 9.0.0.

Goldens were captured with one ``virsh -c test:///default '<script>'`` run
(the test driver forgets state between processes) building the tree of
libvirt's tests/virsh-snapshot: create s1, s3, s2; revert s3; create s6, s5;
revert s6; create s4; revert s1; create s7, s8.  The blank line virsh prints
after every command (vshCommandRun) is not part of the tree and is omitted.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from hypothesis import given
from hypothesis import strategies as st

from vsh.output.tree import render_tree


def _render(roots: Sequence[str], edges: dict[str, list[str]]) -> str:
    out: list[str] = []
    render_tree(roots, lambda n: edges.get(n, []), out.append)
    return "".join(out)


FULL = {"s1": ["s3", "s7"], "s3": ["s2", "s6"], "s6": ["s4", "s5"], "s7": ["s8"]}


def test_reference_tree() -> None:
    # `snapshot-list test --tree` (children in name order)
    assert _render(["s1"], FULL) == (
        "s1\n"
        "  |\n"
        "  +- s3\n"
        "  |   |\n"
        "  |   +- s2\n"
        "  |   +- s6\n"
        "  |       |\n"
        "  |       +- s4\n"
        "  |       +- s5\n"
        "  |         \n"
        "  +- s7\n"
        "      |\n"
        "      +- s8\n"
        "        \n"
    )


def test_two_roots_after_deleting_s1() -> None:
    # `snapshot-delete test s1; snapshot-list test --tree`
    edges = {"s3": ["s2", "s6"], "s6": ["s4", "s5"], "s7": ["s8"]}
    assert _render(["s3", "s7"], edges) == (
        "s3\n"
        "  |\n"
        "  +- s2\n"
        "  +- s6\n"
        "      |\n"
        "      +- s4\n"
        "      +- s5\n"
        "        \n"
        "s7\n"
        "  |\n"
        "  +- s8\n"
        "    \n"
    )


def test_topological_order_is_callers_order() -> None:
    # `snapshot-list test --tree --topological` after deleting s1
    edges = {"s7": ["s8"], "s3": ["s6", "s2"], "s6": ["s4", "s5"]}
    assert _render(["s7", "s3"], edges) == (
        "s7\n"
        "  |\n"
        "  +- s8\n"
        "    \n"
        "s3\n"
        "  |\n"
        "  +- s6\n"
        "  |   |\n"
        "  |   +- s4\n"
        "  |   +- s5\n"
        "  |     \n"
        "  +- s2\n"
        "    \n"
    )


def test_childless_root() -> None:
    # `snapshot-create-as test s1; snapshot-list test --tree`
    assert _render(["s1"], {}) == "s1\n\n"
    assert _render([], {}) == ""


def test_names_are_not_escaped() -> None:
    # `snapshot-create-as test 'a<TAB>b'; snapshot-create-as test '日本\x';
    #  snapshot-list test --tree`, identical under LANG=C and LANG=C.UTF-8.
    assert _render(["a\tb"], {"a\tb": ["日本\\x"]}) == "a\tb\n  |\n  +- 日本\\x\n    \n"


def test_odd_names_first_principles() -> None:
    edges = {"../up": ["x;y", "q'\"", "e\u0301 😀"]}
    assert _render(["../up"], edges) == ("../up\n  |\n  +- x;y\n  +- q'\"\n  +- e\u0301 😀\n    \n")


def _chain(n: int) -> Callable[[str], list[str]]:
    return lambda name: [str(int(name) + 1)] if int(name) < n - 1 else []


def test_deep_chain_is_iterative_and_streams() -> None:
    # First principles: a node at depth d >= 1 is entered with 4d-2 spaces of
    # indent, prints "+- name", then (if it has a child) 4d spaces + "  |";
    # the last node ends with a line of 4(n-1) spaces.
    n = 10_000
    lines: list[str] = []
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # any recursion per level would blow this
    try:
        render_tree(["0"], _chain(n), lines.append)
    finally:
        sys.setrecursionlimit(old_limit)
    assert len(lines) == 2 * n
    assert lines[:4] == ["0\n", "  |\n", "  +- 1\n", "      |\n"]
    for d in (1, 2, 777, n - 1):
        assert lines[2 * d] == " " * (4 * d - 2) + f"+- {d}\n"
    for d in (1, 2, 777, n - 2):
        assert lines[2 * d + 1] == " " * (4 * d + 2) + "|\n"
    assert lines[-1] == " " * (4 * (n - 1)) + "\n"


def test_wide_fan_out() -> None:
    n = 10_000
    kids = [f"c{i}" for i in range(n)]
    lines: list[str] = []
    render_tree(["root"], lambda name: kids if name == "root" else [], lines.append)
    assert lines == ["root\n", "  |\n", *(f"  +- {k}\n" for k in kids), "    \n"]


def test_streams_before_visiting_later_nodes() -> None:
    seen: list[str] = []

    def children(name: str) -> list[str]:
        seen.append(f"children({name})")
        return FULL.get(name, [])

    render_tree(["s1"], children, lambda line: seen.append(line))
    # Each node's line is written before its children are asked for.
    assert seen.index("  +- s3\n") < seen.index("children(s3)") < seen.index("children(s7)")


def _reference(roots: Sequence[str], edges: dict[str, list[str]]) -> str:
    """Straight recursive transcription of the documented vshTreePrint steps."""
    out: list[str] = []

    def visit(name: str, root: bool, last: bool, indent: str) -> None:
        out.append(indent + ("" if root else "+- ") + name + "\n")
        if not root:
            indent += (" " if last else "|") + " "
        kids = edges.get(name, [])
        if kids:
            out.append(indent + "  |\n")
        for i, kid in enumerate(kids):
            visit(kid, False, i == len(kids) - 1, indent + "  ")
        if not kids and last:
            out.append(indent + "\n")

    for r in roots:
        visit(r, True, True, "")
    return "".join(out)


@st.composite
def _forests(draw: st.DrawFn) -> tuple[list[str], dict[str, list[str]]]:
    n = draw(st.integers(min_value=0, max_value=25))
    names = [f"n{i}" for i in range(n)]
    # Each node's parent is an earlier node or none: always a forest.
    parents = [draw(st.integers(min_value=-1, max_value=i - 1)) for i in range(n)]
    edges: dict[str, list[str]] = {}
    roots = []
    for i, p in enumerate(parents):
        if p < 0:
            roots.append(names[i])
        else:
            edges.setdefault(names[p], []).append(names[i])
    return roots, edges


@given(_forests())
def test_matches_recursive_reference(forest: tuple[list[str], dict[str, list[str]]]) -> None:
    roots, edges = forest
    assert _render(roots, edges) == _reference(roots, edges)
