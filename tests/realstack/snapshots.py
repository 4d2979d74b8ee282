"""Snapshot metadata in bulk on a real stack (tests and benchmarks).

    tree = synthetic_tree(300)                          # [(name, parent or None), ...]
    files = write_snapshot_files(stack, "g1", tree, workdir)
    redefine_with_virsh(stack, "g1", files, current=tree[150][0])   # one virsh process

The snapshots are metadata only: shut-off, internal-disk snapshots whose data is not in
the qcow2 (libvirt 9.0 does not check that on REDEFINE), each embedding the domain's
inactive XML like a real one, so their size is realistic.  Parents always come earlier
in the list, so the list order is a valid redefinition order.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from tests.realstack.stack import Stack

CREATION_BASE = 1_700_000_000


def snapshot_name(i: int) -> str:
    """Distinct for i < 1000; name order differs from creation order."""
    return f"f{(i * 7919) % 1000:03d}"


def synthetic_tree(count: int) -> list[tuple[str, str | None]]:
    """A bushy tree: snapshot i's parent is a pseudo-random earlier one."""
    if count > 1000:
        raise ValueError("synthetic_tree names are unique only up to 1000 snapshots")
    tree: list[tuple[str, str | None]] = []
    for i in range(count):
        parent = None if i == 0 else snapshot_name((i * 2654435761 >> 7) % i)
        tree.append((snapshot_name(i), parent))
    return tree


def snapshot_xml(name: str, parent: str | None, creation_time: int, domain_xml: str) -> str:
    ptag = f"<parent><name>{escape(parent)}</name></parent>" if parent is not None else ""
    return (
        f"<domainsnapshot><name>{escape(name)}</name>{ptag}<state>shutoff</state>"
        f"<creationTime>{creation_time}</creationTime><memory snapshot='no'/>"
        f"<disks><disk name='vda' snapshot='internal'/></disks>{domain_xml}</domainsnapshot>"
    )


def write_snapshot_files(
    stack: Stack, domain: str, tree: Sequence[tuple[str, str | None]], workdir: Path
) -> list[Path]:
    """One ``<domainsnapshot>`` file per snapshot, in tree (parents-first) order."""
    domain_xml = stack.virsh("dumpxml", domain, "--inactive").stdout
    files = []
    for i, (name, parent) in enumerate(tree):
        path = Path(workdir) / f"{name}.xml"
        path.write_text(snapshot_xml(name, parent, CREATION_BASE + i, domain_xml))
        files.append(path)
    return files


def redefine_with_virsh(
    stack: Stack,
    domain: str,
    files: Sequence[Path],
    *,
    current: str | None = None,
    timeout: float = 300,
) -> None:
    """``snapshot-create --redefine`` for each file through one virsh process."""
    lines = [f"snapshot-create {domain} {path} --redefine" for path in files]
    if current:
        lines.append(f"snapshot-current {domain} {current}")
    stack.virsh(stdin="\n".join(lines) + "\n", timeout=timeout)
