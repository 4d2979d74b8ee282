"""virsh's words for domain states and their reasons (virshDomainStateToString,
virshDomainStateReasonToString in tools/virsh-domain-monitor.c).

Pure tables: ``dominfo``, ``domstate`` and ``list`` print them.
"""

from __future__ import annotations

# virshDomainState and the per-state reason tables, in libvirt's enum order.
STATES = (
    "no state",
    "running",
    "idle",
    "paused",
    "in shutdown",
    "shut off",
    "crashed",
    "pmsuspended",
)
REASONS: tuple[tuple[str, ...], ...] = (
    ("unknown",),
    (
        "unknown",
        "booted",
        "migrated",
        "restored",
        "from snapshot",
        "unpaused",
        "migration canceled",
        "save canceled",
        "event wakeup",
        "crashed",
        "post-copy",
        "post-copy failed",
    ),
    ("unknown",),
    (
        "unknown",
        "user",
        "migrating",
        "saving",
        "dumping",
        "I/O error",
        "watchdog",
        "from snapshot",
        "shutting down",
        "creating snapshot",
        "crashed",
        "starting up",
        "post-copy",
        "post-copy failed",
    ),
    ("unknown", "user"),
    (
        "unknown",
        "shutdown",
        "destroyed",
        "crashed",
        "migrated",
        "saved",
        "failed",
        "from snapshot",
        "daemon",
    ),
    ("unknown", "panicked"),
    ("unknown",),
)


def state_text(state: int) -> str:
    """virshDomainStateToString."""
    return STATES[state] if 0 <= state < len(STATES) else "no state"


def reason_text(state: int, reason: int) -> str:
    """virshDomainStateReasonToString."""
    if 0 <= state < len(REASONS):
        table = REASONS[state]
        if 0 <= reason < len(table):
            return table[reason]
    return "unknown"
