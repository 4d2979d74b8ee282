"""Tests for vsh.snapshots.graph: orderings, validation and redefine planning."""

from __future__ import annotations

import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsh.snapshots import graph
from vsh.snapshots.graph import Blocked, Cycle, Duplicate, MissingParent

BIG = 10_000


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def effective_parent(name: str, names, parent_of) -> str | None:
    """The parent link the module is documented to honour."""
    p = parent_of.get(name)
    return p if p is not None and p != name and p in names else None


def assert_parents_first(out: list[str], names: list[str], parent_of) -> None:
    pos = {n: i for i, n in enumerate(out)}
    listed = set(names)
    for n in out:
        p = effective_parent(n, listed, parent_of)
        if p is not None:
            assert pos[p] < pos[n], (n, p)


def assert_siblings_kept(out: list[str], names: list[str], parent_of) -> None:
    pos = {n: i for i, n in enumerate(out)}
    listed = set(names)
    groups: dict[str | None, list[str]] = {}
    for n in dict.fromkeys(names):
        groups.setdefault(effective_parent(n, listed, parent_of), []).append(n)
    for sibs in groups.values():
        assert [pos[s] for s in sibs] == sorted(pos[s] for s in sibs)


def chain(n: int) -> tuple[list[str], dict[str, str | None]]:
    names = [f"s{i}" for i in range(n)]
    return names, {f"s{i}": (f"s{i - 1}" if i else None) for i in range(n)}


def wide(n: int) -> tuple[list[str], dict[str, str | None]]:
    names = [f"s{i}" for i in range(n)]
    return names, {f"s{i}": ("s0" if i else None) for i in range(n)}


def random_forest(n: int, seed: int) -> tuple[list[str], dict[str, str | None]]:
    rng = random.Random(seed)
    names = [f"s{i}" for i in range(n)]
    parent_of = {
        f"s{i}": (f"s{rng.randrange(i)}" if i and rng.random() > 0.01 else None) for i in range(n)
    }
    rng.shuffle(names)  # server order unrelated to creation order
    return names, parent_of


@st.composite
def forests(draw, allow_cycles: bool = False):
    """Random forest over s0..sN, listed in a random order, with some noise.

    Noise: parents that are filtered out of ``names``, unknown parents,
    self parents, and (optionally) arbitrary parents that may form cycles.
    """
    n = draw(st.integers(0, 40))
    universe = [f"s{i}" for i in range(n)]
    parent_of: dict[str, str | None] = {}
    for i, name in enumerate(universe):
        choices = [st.none(), st.just("ghost"), st.just(name)]
        if i:
            choices.append(st.sampled_from(universe[:i]))
        if allow_cycles and n:
            choices.append(st.sampled_from(universe))
        parent_of[name] = draw(st.one_of(*choices))
    listed = draw(st.lists(st.sampled_from(universe), unique=True)) if n else []
    dupes = draw(st.lists(st.sampled_from(listed), max_size=3)) if listed else []
    return listed + dupes, parent_of


# ---------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------


@given(forests())
def test_topological_order_properties(case):
    names, parent_of = case
    out = graph.topological_order(names, parent_of)
    assert sorted(out) == sorted(set(names))
    assert_parents_first(out, names, parent_of)
    assert_siblings_kept(out, names, parent_of)


@given(forests())
def test_preorder_properties(case):
    names, parent_of = case
    out = graph.preorder(names, parent_of)
    assert sorted(out) == sorted(set(names))
    assert_parents_first(out, names, parent_of)
    assert_siblings_kept(out, names, parent_of)
    # subtrees are contiguous: each node's descendants follow it directly
    kids = graph.children_map(names, parent_of)
    for i, n in enumerate(out):
        sub = graph.descendants(n, kids)
        assert out[i + 1 : i + 1 + len(sub)] == sub


@given(forests())
def test_topological_order_is_stable_on_sorted_input(case):
    names, parent_of = case
    once = graph.topological_order(names, parent_of)
    assert graph.topological_order(once, parent_of) == once


@given(forests(allow_cycles=True))
def test_orders_are_permutations_even_with_cycles(case):
    names, parent_of = case
    for fn in (graph.topological_order, graph.preorder):
        out = fn(names, parent_of)
        assert sorted(out) == sorted(set(names))


@given(forests())
def test_children_map_and_roots(case):
    names, parent_of = case
    kids = graph.children_map(names, parent_of)
    unique = list(dict.fromkeys(names))
    assert list(kids) == unique
    assert graph.roots(names, parent_of) == [
        n for n in unique if effective_parent(n, names, parent_of) is None
    ]
    for n in unique:
        assert kids[n] == [c for c in unique if effective_parent(c, names, parent_of) == n]


# ---------------------------------------------------------------------------
# examples
# ---------------------------------------------------------------------------


# The tree from libvirt's tests/virsh-snapshot scenario.
S_PARENT = {
    "s1": None,
    "s2": "s3",
    "s3": "s1",
    "s4": "s6",
    "s5": "s6",
    "s6": "s3",
    "s7": "s1",
    "s8": "s7",
}
S_NAMES = sorted(S_PARENT)


def test_examples_virsh_scenario():
    assert graph.roots(S_NAMES, S_PARENT) == ["s1"]
    assert graph.children_map(S_NAMES, S_PARENT)["s3"] == ["s2", "s6"]
    assert graph.topological_order(S_NAMES, S_PARENT) == [
        "s1",
        "s3",
        "s2",
        "s6",
        "s4",
        "s5",
        "s7",
        "s8",
    ]
    # server topological order is left unchanged
    server = ["s1", "s7", "s8", "s3", "s6", "s4", "s5", "s2"]
    assert graph.topological_order(server, S_PARENT) == server
    assert graph.preorder(server, S_PARENT) == server
    kids = graph.children_map(S_NAMES, S_PARENT)
    assert graph.descendants("s3", kids) == ["s2", "s6", "s4", "s5"]
    assert graph.descendants("s3", kids, include_start=True)[0] == "s3"
    assert graph.descendants("s8", kids) == []
    assert graph.descendants("nope", kids) == []
    assert graph.ancestors("s5", S_PARENT) == ["s6", "s3", "s1"]


def test_stable_differs_from_preorder():
    names = ["a", "b", "a1", "b1"]
    parent_of = {"a1": "a", "b1": "b"}
    assert graph.topological_order(names, parent_of) == names
    assert graph.preorder(names, parent_of) == ["a", "a1", "b", "b1"]


def test_filtered_parent_makes_root():
    parent_of = {"a": None, "b": "a", "c": "b"}
    assert graph.roots(["c", "b"], parent_of) == ["b"]
    assert graph.topological_order(["c", "b"], parent_of) == ["b", "c"]
    assert graph.roots(["c"], parent_of) == ["c"]


def test_cycle_is_broken_deterministically():
    parent_of = {"a": "c", "b": "a", "c": "b", "d": "c", "r": None}
    names = ["d", "r", "b", "a", "c"]
    # Walking up from "d" (first unplaced) enters the cycle at "c": only
    # the edge c -> b is violated.
    assert graph.topological_order(names, parent_of) == ["r", "c", "d", "a", "b"]
    assert graph.preorder(names, parent_of) == ["r", "c", "d", "a", "b"]
    assert graph.ancestors("d", parent_of) == ["c", "b", "a"]


def test_empty():
    assert graph.topological_order([], {}) == []
    assert graph.preorder([], {}) == []
    assert graph.roots([], {}) == []
    assert graph.children_map([], {}) == {}
    assert graph.plan_order([]) == []


# ---------------------------------------------------------------------------
# validation and planning
# ---------------------------------------------------------------------------


def test_validate_clean():
    v = graph.validate([("a", None), ("b", "a"), ("c", "x")], existing={"x"})
    assert v.ok


def test_validate_reports_everything():
    records = [
        ("a", None),
        ("b", "a"),
        ("b", "a"),  # duplicate
        ("c", "zzz"),  # missing parent
        ("x", "y"),
        ("y", "z"),
        ("z", "x"),  # 3-cycle
        ("self", "self"),
        ("tail", "x"),  # hangs below the cycle, is not on it
    ]
    v = graph.validate(records)
    assert not v.ok
    assert v.duplicates == [Duplicate("b", (1, 2))]
    assert v.missing_parents == [MissingParent("c", "zzz")]
    assert {frozenset(c.names) for c in v.cycles} == {frozenset("xyz"), frozenset({"self"})}
    assert Cycle(("x", "y", "z")) in v.cycles
    assert graph.find_cycles_and_orphans is graph.validate


def test_validate_cycle_through_existing():
    # Re-parenting "a" under "b" when the server has b -> a is a cycle.
    v = graph.validate([("a", "b")], existing={"a": None, "b": "a"})
    assert [set(c.names) for c in v.cycles] == [{"a", "b"}]
    # Without parent info for existing moments it cannot be seen.
    assert graph.validate([("a", "b")], existing={"a", "b"}).ok


def test_plan_blocks_problems_and_descendants():
    records = [
        ("k2", "k1"),
        ("k1", "base"),  # base exists on the server
        ("m", "gone"),
        ("m1", "m"),
        ("x", "y"),
        ("y", "x"),
        ("x1", "x"),
        ("d", None),
        ("d", None),
        ("d1", "d"),
        ("r", None),
    ]
    p = graph.plan(records, existing={"base"})
    assert p.order == ["k1", "k2", "r"]
    assert {b.name: (b.reason, b.culprit) for b in p.blocked} == {
        "m": ("missing-parent", "m"),
        "m1": ("ancestor", "m"),
        "x": ("cycle", "x"),
        "y": ("cycle", "y"),
        "x1": ("ancestor", "x"),
        "d": ("duplicate", "d"),
        "d1": ("ancestor", "d"),
    }
    assert Blocked("m1", "ancestor", "m") in p.blocked
    assert graph.plan_order(records, {"base"}) == p.order


@given(forests(allow_cycles=True))
def test_plan_properties(case):
    names, parent_of = case
    records = [(n, parent_of.get(n)) for n in names]
    existing = {"ghost"}
    p = graph.plan(records, existing)
    planned = set(p.order)
    assert planned.isdisjoint(b.name for b in p.blocked)
    assert planned | {b.name for b in p.blocked} == set(names)
    pos = {n: i for i, n in enumerate(p.order)}
    for n in p.order:
        par = parent_of.get(n)
        # every parent is either already on the server or planned earlier
        assert par is None or par in existing or pos.get(par, len(pos)) < pos[n]
    if p.problems.ok:
        assert not p.blocked


# ---------------------------------------------------------------------------
# scale: no recursion, and linear-ish
# ---------------------------------------------------------------------------


@pytest.fixture
def low_recursion_limit():
    """Make any accidental recursion fail loudly: allow ~100 extra frames."""
    old = sys.getrecursionlimit()
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    sys.setrecursionlimit(depth + 100)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


@pytest.mark.parametrize("shape", ["chain", "wide", "random", "reversed-chain"])
def test_big_inputs(shape, low_recursion_limit):
    if shape == "chain":
        names, parent_of = chain(BIG)
    elif shape == "reversed-chain":
        names, parent_of = chain(BIG)
        names.reverse()  # worst case for the stable sort: every node waits
    elif shape == "wide":
        names, parent_of = wide(BIG)
    else:
        names, parent_of = random_forest(BIG, seed=7)
    for fn in (graph.topological_order, graph.preorder):
        out = fn(names, parent_of)
        assert len(out) == BIG
        assert_parents_first(out, names, parent_of)
    kids = graph.children_map(names, parent_of)
    root = graph.roots(names, parent_of)[0]
    assert graph.descendants(root, kids, include_start=True)[0] == root
    records = [(n, parent_of[n]) for n in names]
    assert sorted(graph.plan_order(records)) == sorted(names)


def test_big_cycle(low_recursion_limit):
    names = [f"s{i}" for i in range(BIG)]
    parent_of = {f"s{i}": f"s{(i - 1) % BIG}" for i in range(BIG)}
    assert len(graph.topological_order(names, parent_of)) == BIG
    assert len(graph.preorder(names, parent_of)) == BIG
    v = graph.validate([(n, parent_of[n]) for n in names])
    assert len(v.cycles) == 1 and len(v.cycles[0].names) == BIG
    p = graph.plan([(n, parent_of[n]) for n in names] + [("child", "s5")])
    assert p.order == [] and len(p.blocked) == BIG + 1
    assert len(graph.ancestors("s0", parent_of)) == BIG - 1


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32))
def test_random_big_forests(seed):
    names, parent_of = random_forest(2_000, seed)
    out = graph.topological_order(names, parent_of)
    assert_parents_first(out, names, parent_of)
    assert_siblings_kept(out, names, parent_of)
