"""Pure graph helpers over a snapshot/checkpoint ("moment") forest.

A forest is described by parent links (``name -> parent name or None``).
Everything here is iterative (no Python recursion), so 10,000-deep chains
are fine, and runs in O(n log n) or better.

Conventions shared by every function:

* ``names`` is the order the server gave us; it decides sibling order and
  tie-breaks.  Duplicate entries in ``names`` are ignored after the first.
* A parent link counts only if the parent is itself in ``names`` and is not
  the node itself.  A filtered-out, unknown or self parent makes the node a
  root, which is what a client sees when it lists a subset of moments.
* Cycles cannot come from a real server, but inputs may be hand-edited XML;
  ordering functions therefore still return a permutation, breaking each
  cycle at a deterministic node.  ``validate`` reports them properly.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping, Sequence

from vsh.core.record import FrozenRecord, Record, fresh

__all__ = [
    "Blocked",
    "Cycle",
    "Duplicate",
    "MissingParent",
    "Plan",
    "Validation",
    "ancestors",
    "children_map",
    "descendants",
    "find_cycles_and_orphans",
    "plan",
    "plan_order",
    "preorder",
    "roots",
    "topological_order",
    "validate",
]

ParentMap = Mapping[str, "str | None"]


# ---------------------------------------------------------------------------
# Index-based core shared by the ordering functions
# ---------------------------------------------------------------------------


class _Forest:
    """``names`` deduplicated, with parent/children expressed as indexes."""

    __slots__ = ("kids", "names", "parent")

    def __init__(self, names: list[str], parent: list[int], kids: list[list[int]]) -> None:
        self.names = names
        self.parent = parent  # -1 = root (parent absent, filtered out or self)
        self.kids = kids  # children indexes in ascending (= server) order


def _unique(names: Iterable[str]) -> list[str]:
    # dict keeps insertion order: first occurrence wins.
    return list(dict.fromkeys(names))


def _forest(names: Iterable[str], parent_of: ParentMap) -> _Forest:
    order = _unique(names)
    index = {n: i for i, n in enumerate(order)}
    parent = [-1] * len(order)
    kids: list[list[int]] = [[] for _ in order]
    for i, name in enumerate(order):
        p = parent_of.get(name)
        j = index.get(p, -1) if p is not None else -1
        if j >= 0 and j != i:
            parent[i] = j
            kids[j].append(i)  # i ascends, so each kids list stays sorted
    return _Forest(order, parent, kids)


def _cycle_entry(start: int, parent: Sequence[int]) -> int:
    """Walk up from an unplaced node until a node repeats: it is on a cycle.

    Only called for nodes whose ancestors were never placed, which means
    every walk ends in a cycle.  All nodes walked are descendants of the
    returned node, so they get placed right after and each is walked once.
    """
    seen: set[int] = set()
    node = start
    while node not in seen:
        seen.add(node)
        node = parent[node]
    return node


# ---------------------------------------------------------------------------
# Basic structure
# ---------------------------------------------------------------------------


def children_map(names: Sequence[str], parent_of: ParentMap) -> dict[str, list[str]]:
    """Every name -> its children, children in ``names`` order.

    Leaves map to an empty list, so ``children_map(...)[x]`` never fails
    for a listed ``x``.
    """
    f = _forest(names, parent_of)
    return {n: [f.names[k] for k in f.kids[i]] for i, n in enumerate(f.names)}


def roots(names: Sequence[str], parent_of: ParentMap) -> list[str]:
    """Names whose parent is None, not listed, or themselves; ``names`` order."""
    f = _forest(names, parent_of)
    return [n for i, n in enumerate(f.names) if f.parent[i] < 0]


def ancestors(name: str, parent_of: ParentMap) -> list[str]:
    """Parent, grandparent, ... of ``name`` (nearest first).

    Follows ``parent_of`` without any ``names`` filter and stops at a
    missing entry or when a cycle would repeat a node.
    """
    out: list[str] = []
    seen = {name}
    p = parent_of.get(name)
    while p is not None and p not in seen:
        out.append(p)
        seen.add(p)
        p = parent_of.get(p)
    return out


def descendants(
    start: str,
    children_of: Mapping[str, Sequence[str]],
    *,
    include_start: bool = False,
) -> list[str]:
    """All descendants of ``start`` in pre-order (a parent before its subtree).

    Children are visited in the order ``children_of`` lists them.  ``start``
    itself is left out unless ``include_start`` (matching
    virDomainSnapshotListAllChildren with DESCENDANTS).  A node reached twice
    (only possible with a malformed map) is emitted once.
    """
    out: list[str] = [start] if include_start else []
    seen = {start}
    stack = list(reversed(children_of.get(start, ())))
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        out.append(node)
        stack.extend(reversed(children_of.get(node, ())))
    return out


# ---------------------------------------------------------------------------
# Orderings
# ---------------------------------------------------------------------------


def topological_order(names: Sequence[str], parent_of: ParentMap) -> list[str]:
    """Parents before children, otherwise as close to ``names`` as possible.

    This is a *stable* topological sort: among the nodes whose parent has
    already been placed, the one earliest in ``names`` goes next.  So an
    input that is already parents-first comes back unchanged, and siblings
    always keep their relative order.  O(n log n) with a heap.
    """
    f = _forest(names, parent_of)
    heap = [i for i, p in enumerate(f.parent) if p < 0]  # ascending = a valid heap
    placed = [False] * len(f.names)
    out: list[str] = []
    scan = 0  # lowest index that might still be unplaced (for cycle breaking)
    while len(out) < len(f.names):
        if not heap:
            while placed[scan]:
                scan += 1
            heap.append(_cycle_entry(scan, f.parent))
        i = heapq.heappop(heap)
        placed[i] = True
        out.append(f.names[i])
        for k in f.kids[i]:
            if not placed[k]:  # only false for the entry node of a broken cycle
                heapq.heappush(heap, k)
    return out


def preorder(names: Sequence[str], parent_of: ParentMap) -> list[str]:
    """Depth-first pre-order: each root followed by its whole subtree.

    Roots and siblings keep ``names`` order.  This has the shape of the
    server's own TOPOLOGICAL listing (subtrees contiguous), which suits
    ``--tree`` style output.
    """
    f = _forest(names, parent_of)
    placed = [False] * len(f.names)
    out: list[str] = []

    def walk(root: int) -> None:
        stack = [root]
        while stack:
            i = stack.pop()
            if placed[i]:
                continue
            placed[i] = True
            out.append(f.names[i])
            stack.extend(reversed(f.kids[i]))

    for i, p in enumerate(f.parent):
        if p < 0:
            walk(i)
    for i in range(len(f.names)):
        if not placed[i]:
            walk(_cycle_entry(i, f.parent))
    return out


# ---------------------------------------------------------------------------
# Validation and redefine planning
# ---------------------------------------------------------------------------


class Duplicate(FrozenRecord):
    """``name`` occurs more than once; ``indexes`` are its record positions."""

    name: str
    indexes: tuple[int, ...]


class Cycle(FrozenRecord):
    """Nodes on one parent cycle in child-to-parent order.

    The first node is where a walk up from the earliest record entered it.
    """

    names: tuple[str, ...]


class MissingParent(FrozenRecord):
    """``parent`` of record ``name`` is neither a record nor existing."""

    name: str
    parent: str


class Blocked(FrozenRecord):
    """A record left out of a plan.

    ``reason`` is ``"duplicate"``, ``"cycle"``, ``"missing-parent"`` or
    ``"ancestor"`` (some ancestor record is blocked); ``culprit`` names the
    record that causes it (the record itself for the first three).
    """

    name: str
    reason: str
    culprit: str


class Validation(Record):
    duplicates: list[Duplicate] = fresh(list)
    cycles: list[Cycle] = fresh(list)
    missing_parents: list[MissingParent] = fresh(list)

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.cycles or self.missing_parents)


class Plan(Record):
    order: list[str]
    blocked: list[Blocked]
    problems: Validation


Link = tuple[str, "str | None"]  # (name, parent): one moment as a record to plan
Existing = Collection[str] | Mapping[str, "str | None"]


def _merged_parents(records: Sequence[Link], existing: Existing) -> dict[str, str | None]:
    """Parent links the server would end up with: records override existing.

    For duplicate records the first one is used, so analysis is
    deterministic; duplicates are reported and blocked anyway.
    """
    merged: dict[str, str | None] = {}
    if isinstance(existing, Mapping):
        merged.update(existing)
    else:
        merged.update(dict.fromkeys(existing))
    first: dict[str, str | None] = {}
    for name, parent in records:
        first.setdefault(name, parent)
    merged.update(first)
    return merged


def _duplicates(records: Sequence[Link]) -> list[Duplicate]:
    where: dict[str, list[int]] = {}
    for i, (name, _) in enumerate(records):
        where.setdefault(name, []).append(i)
    return [Duplicate(n, tuple(ix)) for n, ix in where.items() if len(ix) > 1]


def _cycles(order: Sequence[str], parent_of: Mapping[str, str | None]) -> list[Cycle]:
    """Every cycle reachable by walking up from ``order`` (colour marking, O(n))."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = finished
    found: list[Cycle] = []
    for start in order:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            found.append(Cycle(tuple(path[path.index(node) :])))
        for n in path:
            state[n] = 2
    return found


def validate(records: Sequence[Link], existing: Existing = ()) -> Validation:
    """Report duplicates, cycles and missing parents of ``(name, parent)`` records.

    ``existing`` names moments already on the server; give a mapping
    ``name -> parent`` to also catch cycles that pass through them (a
    record re-parenting an existing ancestor of its new parent).
    Never raises.
    """
    merged = _merged_parents(records, existing)
    names = _unique(n for n, _ in records)
    missing = [
        MissingParent(n, p)
        for n, p in ((n, merged[n]) for n in names)
        if p is not None and p not in merged
    ]
    return Validation(_duplicates(records), _cycles(names, merged), missing)


# Name kept for callers that think of it as "find problems".
find_cycles_and_orphans = validate


def _blocked(
    names: Sequence[str], merged: Mapping[str, str | None], problems: Validation
) -> dict[str, Blocked]:
    """Problem records plus every record that hangs below one of them."""
    bad: dict[str, Blocked] = {}
    for d in problems.duplicates:
        bad[d.name] = Blocked(d.name, "duplicate", d.name)
    for c in problems.cycles:
        for n in c.names:
            bad.setdefault(n, Blocked(n, "cycle", n))
    for m in problems.missing_parents:
        bad.setdefault(m.name, Blocked(m.name, "missing-parent", m.name))
    is_record = set(names)
    verdict: dict[str, Blocked | None] = dict(bad)  # memo: None = fine
    for start in names:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in is_record and node not in verdict:
            path.append(node)
            node = merged[node]
        # An ancestor we already judged decides the whole walked path.
        above = verdict.get(node) if node is not None else None
        culprit = above.culprit if above is not None else None
        for n in path:
            verdict[n] = Blocked(n, "ancestor", culprit) if culprit else None
    return {n: b for n, b in verdict.items() if b is not None and n in is_record}


def plan(records: Sequence[Link], existing: Existing = ()) -> Plan:
    """Order for redefining ``records`` so every parent exists before its child.

    Records that cannot be redefined safely (duplicates, cycles, missing
    parents, and everything below them) are left out and listed in
    ``blocked``.  The rest come in stable topological order of the input.
    """
    problems = validate(records, existing)
    merged = _merged_parents(records, existing)
    names = _unique(n for n, _ in records)
    bad = _blocked(names, merged, problems)
    good = [n for n in names if n not in bad]
    order = topological_order(good, merged)
    return Plan(order, [bad[n] for n in names if n in bad], problems)


def plan_order(records: Sequence[Link], existing: Existing = ()) -> list[str]:
    """Just the order of :func:`plan` (blocked records omitted)."""
    return plan(records, existing).order
