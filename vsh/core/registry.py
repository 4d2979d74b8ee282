"""The command table: groups, and a lazy index from command name to module.

Commands are declared once, in ``vsh/commands/*.py``.  ``vsh/commands/_index.py``
is generated from those declarations (``make index``; a test fails when it is
stale), so listing commands reads only the index and running one imports only
its own module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from vsh.commands._index import ALIASES, COMMANDS
from vsh.core.record import FrozenRecord

if TYPE_CHECKING:
    from vsh.core.command import VshCommand

# virsh's groups, in virsh's order: (title, help keyword).
GROUPS: tuple[tuple[str, str], ...] = (
    ("Domain Management", "domain"),
    ("Domain Monitoring", "monitor"),
    ("Domain Events", "events"),
    ("Host and Hypervisor", "host"),
    ("Checkpoint", "checkpoint"),
    ("Interface", "interface"),
    ("Network Filter", "filter"),
    ("Networking", "network"),
    ("Node Device", "nodedev"),
    ("Secret", "secret"),
    ("Snapshot", "snapshot"),
    ("Backup", "backup"),
    ("Storage Pool", "pool"),
    ("Storage Volume", "volume"),
    # vsh's own commands live apart, so `help GROUP` for virsh's groups stays
    # identical to virsh's (and "Virsh itself" stays last, as in virsh).
    ("Beyond virsh", "vsh"),
    ("Virsh itself", "virsh"),
)

# Modules holding commands, in help order within a group.
MODULES: tuple[str, ...] = (
    "vsh.commands.domain.lifecycle",
    "vsh.commands.domain.devices",
    "vsh.commands.domain.state",
    "vsh.commands.domain.resources",
    "vsh.commands.domain.keys",
    "vsh.commands.domain.guest",
    "vsh.commands.domain.qemu",
    "vsh.commands.domain.tuning",
    "vsh.commands.domain.iothreads",
    "vsh.commands.domain.images",
    "vsh.commands.domain.cpus",
    "vsh.commands.domain.hotplug",
    "vsh.commands.domain.jobs",
    "vsh.commands.domain.migration",
    "vsh.commands.domain.blockjobs",
    "vsh.commands.monitor.info",
    "vsh.commands.monitor.listing",
    "vsh.commands.monitor.blocks",
    "vsh.commands.monitor.interfaces",
    "vsh.commands.monitor.memory",
    "vsh.commands.monitor.stats",
    "vsh.commands.events",
    "vsh.commands.host",
    "vsh.commands.node",
    "vsh.commands.cpu",
    "vsh.commands.interface",
    "vsh.commands.nwfilter",
    "vsh.commands.network",
    "vsh.commands.nodedev",
    "vsh.commands.secret",
    "vsh.commands.backup",
    "vsh.commands.checkpoint",
    "vsh.commands.snapshot",
    "vsh.commands.pool",
    "vsh.commands.volume",
    "vsh.commands.bulk.export",
    "vsh.commands.bulk.redefine",
    "vsh.commands.bulk.restore",
    "vsh.commands.bulk.rotate",
    "vsh.commands.builtins",
)


class Entry(FrozenRecord):
    module: str
    attr: str
    group: str
    summary: str
    hidden: bool


def entries() -> dict[str, Entry]:
    return {name: Entry(*row) for name, row in COMMANDS.items()}


def resolve_name(name: str) -> str | None:
    """The real command name for a name or alias, or None."""
    if name in COMMANDS:
        return name
    return ALIASES.get(name)


_loaded: dict[str, VshCommand] = {}


def get_command(name: str) -> VshCommand | None:
    """Import and return one command by name or alias."""
    real = resolve_name(name)
    if real is None:
        return None
    cmd = _loaded.get(real)
    if cmd is None:
        module, attr = COMMANDS[real][0], COMMANDS[real][1]
        cmd = getattr(importlib.import_module(module), attr)
        _loaded[real] = cmd
    return cmd


def group_title(keyword_or_title: str) -> tuple[str, str] | None:
    for title, keyword in GROUPS:
        if keyword_or_title in (title, keyword):
            return title, keyword
    return None


def commands_in_group(keyword: str, include_hidden: bool = False) -> list[tuple[str, str]]:
    """(name, summary) of a group's commands, in table order."""
    return [
        (name, row[3])
        for name, row in COMMANDS.items()
        if row[2] == keyword and (include_hidden or not row[4])
    ]
