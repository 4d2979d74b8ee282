"""Redefining checkpoint metadata from a bundle: plan, execute, roll back.

``migrate --with-checkpoints`` journals a domain's checkpoints beside its
snapshots, and ``snapshot-redefine`` of that journal puts them back.
Checkpoints are simpler than snapshots: libvirt has no public "current"
checkpoint (redefining parents first makes the last child of the chain
current by itself) and no disk-only kind.  The checks mirror the snapshot
plan's: every problem at once, before anything changes (duplicates, parent
cycles, missing parents, existing names, another domain's UUID).  Nothing
here talks to libvirt: :class:`Target` is the host side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from vsh.core.record import Record, fresh
from vsh.snapshots import graph
from vsh.snapshots.bundle import BundleError, CheckpointRecord, Document
from vsh.snapshots.redefine import TargetError, normalise_uuid, quoted_names, rewrite_xml

__all__ = ["Outcome", "Plan", "Target", "execute", "make_plan"]


class Plan(Record):
    """Checkpoints to define, parents first, and those already there."""

    define: list[CheckpointRecord] = fresh(list)
    skip: list[str] = fresh(list)
    problems: list[str] = fresh(list)
    # (name, uuid) of the target domain: the embedded <domain> follows it
    adopt: tuple[str, str] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def make_plan(
    documents: Sequence[Document],
    existing: Mapping[str, str | None],
    uuid: str,
    *,
    skip_existing: bool,
    adopt: tuple[str, str] | None = None,
) -> Plan:
    """Check the documents' checkpoints against the domain's ``existing``
    ones (name -> parent) and order them; never touches the target."""
    records = [r for doc in documents for r in doc.checkpoints]
    plan = Plan(adopt=adopt)
    if not records:
        return plan
    pairs = [(r.name, r.parent) for r in records]
    check = graph.validate(pairs, existing)
    for d in check.duplicates:
        plan.problems.append(f"checkpoint '{d.name}' appears more than once")
    for c in check.cycles:
        chain = " -> ".join(f"'{n}'" for n in (*c.names, c.names[0]))
        plan.problems.append(f"checkpoint parent links form a cycle: {chain}")
    for m in check.missing_parents:
        plan.problems.append(
            f"parent '{m.parent}' of checkpoint '{m.name}' is neither in the input"
            " nor defined on the domain"
        )
    first: dict[str, CheckpointRecord] = {}
    for r in records:
        first.setdefault(r.name, r)
    there = [n for n in first if n in existing]
    if there and not skip_existing:
        plan.problems.append(
            f"checkpoints already defined on the domain: {quoted_names(there, 5)}"
            " (--skip-existing keeps them and defines the rest)"
        )
    for name in there:
        if existing[name] != first[name].parent:
            plan.problems.append(
                f"checkpoint '{name}' already exists with another parent"
                f" ({existing[name]!r}, the input gives {first[name].parent!r})"
            )
    wanted = normalise_uuid(uuid)
    foreign = [
        r.name
        for r in first.values()
        if r.name not in existing
        and r.domain_uuid is not None
        and adopt is None
        and normalise_uuid(r.domain_uuid) != wanted
    ]
    if foreign:
        plan.problems.append(f"checkpoints of another domain's UUID: {quoted_names(foreign, 5)}")
    order = graph.plan(pairs, existing).order
    plan.skip = [n for n in order if n in existing]
    plan.define = [first[n] for n in order if n not in existing]
    return plan


class Target(Protocol):
    """The domain the checkpoints go to."""

    def define(self, xml: str) -> None: ...

    def remove(self, name: str) -> None:
        """Metadata-only delete (rollback)."""


class Outcome(Record):
    defined: list[str] = fresh(list)
    failed_at: str | None = None
    error: str | None = None
    rolled_back: list[str] = fresh(list)
    rollback_errors: list[tuple[str, str]] = fresh(list)

    @property
    def ok(self) -> bool:
        return self.error is None


def execute(plan: Plan, target: Target) -> Outcome:
    """Define the plan's checkpoints parents first; on a failure, remove
    what this run defined, newest first, and report it."""
    if not plan.ok:
        raise ValueError("refusing to execute a plan with problems")
    out = Outcome()
    try:
        for record in plan.define:
            out.failed_at = record.name
            target.define(rewrite_xml(record.load(), adopt=plan.adopt))
            out.defined.append(record.name)
        out.failed_at = None
        return out
    except (TargetError, BundleError) as exc:
        out.error = str(exc)
    for name in reversed(out.defined):
        try:
            target.remove(name)
        except TargetError as exc:
            out.rollback_errors.append((name, exc.message))
            break  # removing its ancestors now would re-parent it
        out.rolled_back.append(name)
    return out
