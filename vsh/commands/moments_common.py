"""What the snapshot and checkpoint commands share (virsh-snapshot.c and
virsh-checkpoint.c are one design twice): their reports, the editor loop of
*-edit, the option checks and output forms of *-list, the family counts of
the JSON lists.  ``kind`` is virsh's word: "snapshot" or "checkpoint".

A shared layer of the command modules, as :mod:`vsh.commands.common` is: it
declares no commands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import libvirt

from vsh.core.errors import VshError
from vsh.core.session import Session
from vsh.snapshots import moments
from vsh.snapshots.moments import Entry


def moment(e: Entry) -> Any:
    """The libvirt snapshot or checkpoint of an entry (the pure Entry types it
    as a plain object: vsh/snapshots does not import libvirt)."""
    return e.obj


def report_created(s: Session, kind: str, name: str, path: str | None) -> bool:
    """virsh{Snapshot,Checkpoint}Create's closing line."""
    source = f" from '{path}'" if path is not None else ""
    s.print_extra(f"Domain {kind} {name} created{source}")
    return True


def report_deleted(s: Session, kind: str, name: str, children_only: bool) -> bool:
    what = "children deleted" if children_only else "deleted"
    s.print_extra(f"Domain {kind} {name} {what}\n")
    return True


def edit(
    s: Session,
    name: str,
    get_xml: Callable[[], str],
    define: Callable[[str, str], tuple[Any, Any]],
    unchanged_is_done: Callable[[], bool],
) -> Any:
    """The editor loop of *-edit, with virsh's ``Failed to update <name>``."""
    from vsh.virt import editor

    try:
        return editor.edit(s, get_xml, define, unchanged_is_done)
    except editor.EditFailed as failed:
        raise VshError(f"Failed to update {name}", cause=failed.cause) from None
    except libvirt.libvirtError as err:
        raise VshError(f"Failed to update {name}", cause=err) from err


def print_parent(s: Session, kind: str, name: str, parent: str | None) -> bool:
    """*-parent: the parent's name, or virsh's error for a root."""
    if parent is None:
        raise VshError(f"{kind} '{name}' has no parent")
    s.print(parent)
    return True


def refuse_together(pairs: Iterable[tuple[str, str, bool]]) -> None:
    """*-list's VSH_EXCLUSIVE_OPTIONS_EXPR checks, in virsh's order."""
    for a, b, both in pairs:
        if both:
            raise VshError(f"Options --{a} and --{b} are mutually exclusive")


def filter_flags(opt: Mapping[str, Any], bits: Iterable[tuple[str, int]], tree: bool) -> int:
    """*-list's filter options, each refused with --tree (virsh's message)."""
    flags = 0
    for option_name, bit in bits:
        if opt[option_name.replace("-", "_")]:
            if tree:
                raise VshError(f"--{option_name} and --tree are mutually exclusive")
            flags |= bit
    return flags


def print_list(
    s: Session,
    entries: list[Entry],
    *,
    as_json: Callable[[], None] | None,
    tree: bool,
    names: bool,
    table: Callable[[], None],
) -> bool:
    """*-list's output forms: JSON (vsh's), --tree, --name, or the table."""
    if as_json is not None:
        as_json()
    elif tree:
        moments.print_tree(entries, s.print)
    elif names:
        write = s.print
        for e in entries:
            write(e.name + "\n")
    else:
        table()
    return True


def family_counts(everything: list[Entry]) -> tuple[dict[str, int], dict[str, int]]:
    """Children and descendants of every moment of a domain (parents filled)."""
    return moments.family_counts(
        [e.name for e in everything], {e.name: e.parent for e in everything}
    )


def iso_creation(facts: moments.Facts) -> str | None:
    """The JSON ``creation_time``: ISO 8601, None when unreadable."""
    seconds = moments.parse_llong(facts.creation or "")
    return None if seconds is None else moments.iso_time(seconds)


# The creation options of snapshot-create, snapshot-create-as and snapshot-rotate
# and the flags they set.
CREATE_FLAGS = {
    "redefine": libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE,
    "current": libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT,
    "no_metadata": libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA,
    "halt": libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_HALT,
    "disk_only": libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY,
    "reuse_external": libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT,
    "quiesce": libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE,
    "atomic": libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC,
    "live": libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE,
    "validate": libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE,
}


def create_flags(**wanted: bool) -> int:
    """The VIR_DOMAIN_SNAPSHOT_CREATE_* flags for the options given."""
    flags = 0
    for name, given in wanted.items():
        if given:
            flags |= CREATE_FLAGS[name]
    return flags
