"""The pure side of ``migrate --with-snapshots`` (vsh issue 14).

libvirt refuses to migrate a domain that has snapshot metadata, so the
metadata is journalled, removed on the source (leaves first, one
metadata-only delete at a time), the guest migrated, and the metadata
redefined on the destination (parents first, current last).  Nothing here
talks to libvirt: the command describes the source's snapshots as
:class:`Moment` records and this module decides the checks, the orders,
the verification and the messages.  Orders come from
:mod:`vsh.snapshots.graph` (iterative, no recursion over the forest).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Mapping, Sequence

from vsh.core.record import FrozenRecord
from vsh.snapshots import graph
from vsh.snapshots.redefine import quoted_names

__all__ = [
    "Moment",
    "delete_order",
    "done_message",
    "journal_name",
    "redefine_order",
    "resume_command",
    "storage_problems",
    "verify",
]


class Moment(FrozenRecord):
    """One snapshot or checkpoint as listed on a host.

    ``location`` is the snapshot's disk kind: ``internal``, ``external`` or
    ``""`` (no disk state, e.g. checkpoints or memory-less snapshots).
    """

    name: str
    parent: str | None = None
    current: bool = False
    location: str = ""


def _parent_map(moments: Sequence[Moment]) -> dict[str, str | None]:
    return {m.name: m.parent for m in moments}


def redefine_order(moments: Sequence[Moment]) -> list[str]:
    """Parents first, otherwise the listing's order (the current one is
    marked last by the redefine step itself)."""
    return graph.topological_order([m.name for m in moments], _parent_map(moments))


def delete_order(moments: Sequence[Moment]) -> list[str]:
    """Leaves first: the reverse of a parents-first order, so every
    metadata-only delete removes a snapshot that has no children left (a
    delete never re-parents anything and never needs ``--children``)."""
    return redefine_order(moments)[::-1]


def storage_problems(moments: Sequence[Moment], copy_storage: str | None) -> list[str]:
    """Why ``--copy-storage-all``/``--copy-storage-inc`` cannot carry these
    snapshots (empty when the storage is shared or the copy is harmless)."""
    if not copy_storage:
        return []
    internal = [m.name for m in moments if m.location == "internal"]
    external = [m.name for m in moments if m.location == "external"]
    out: list[str] = []
    if internal:
        out.append(
            f"--{copy_storage} cannot carry internal snapshots "
            f"({quoted_names(internal, 5)}): they live inside the qcow2 image and the "
            "storage copy transfers only what the guest sees"
        )
    if external:
        out.append(
            f"--{copy_storage} cannot carry external snapshots "
            f"({quoted_names(external, 5)}): the storage copy flattens the backing chain"
        )
    return out


def verify(expected: Sequence[Moment], found: Sequence[Moment]) -> list[str]:
    """Differences in names, parents and current between the journal and a
    host's listing after redefining (empty when they match)."""
    want: Mapping[str, Moment] = {m.name: m for m in expected}
    have: Mapping[str, Moment] = {m.name: m for m in found}
    out: list[str] = []
    missing = [n for n in want if n not in have]
    extra = [n for n in have if n not in want]
    if missing:
        out.append(f"missing: {quoted_names(missing, 5)}")
    if extra:
        out.append(f"unexpected: {quoted_names(extra, 5)}")
    for name, m in want.items():
        got = have.get(name)
        if got is not None and got.parent != m.parent:
            out.append(f"'{name}' has parent {got.parent!r}, expected {m.parent!r}")
    want_cur = [m.name for m in expected if m.current]
    have_cur = [m.name for m in found if m.current]
    if want_cur != have_cur:
        out.append(f"current is {have_cur or None}, expected {want_cur or None}")
    return out


def journal_name(uuid: str, when: float | None = None) -> str:
    """The journal's file name: the domain's UUID and the UTC time."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if when is None else when))
    return f"{uuid}-{stamp}.xml"


def resume_command(domain: str, journal: str, uri: str) -> str:
    """The command that finishes an interrupted move on ``uri``."""
    words = ["vsh", "-c", uri, "snapshot-redefine", domain, journal, "--skip-existing"]
    return " ".join(shlex.quote(w) for w in words)


def done_message(snapshots: Sequence[Moment], checkpoints: int | None, uri: str) -> str:
    """The one line printed after virsh's own output on full success."""
    current = next((m.name for m in snapshots if m.current), None)
    text = f"Moved {len(snapshots)} snapshot{'' if len(snapshots) == 1 else 's'}"
    if current is not None:
        text += f" (current '{current}')"
    if checkpoints is not None:
        text += f" and {checkpoints} checkpoint{'' if checkpoints == 1 else 's'}"
    return f"{text} to {uri}"
