"""Commands that need the caller's terminal, or a process of their own.

The warm client runs these in its own process (a worker has the caller's
descriptors but not its controlling terminal); fleet mode refuses them, since
its hosts run in threads of one process that has one terminal and one fd 0.
Kept apart and import-free: the warm client reads it before anything heavy.
"""

from __future__ import annotations

from collections.abc import Mapping

TTY_COMMANDS = frozenset({"console", "edit"})
# forks into the domain's namespaces and hands it the process's own stdio
OWN_PROCESS_COMMANDS = frozenset({"lxc-enter-namespace"})


def needs_terminal(name: str) -> bool:
    """``console``, ``edit`` and the ``*-edit`` family: an editor or a console on the tty."""
    return name in TTY_COMMANDS or name.endswith("-edit")


def fleet_refusal(name: str, values: Mapping[str, object]) -> str | None:
    """Why ``name`` with ``values`` cannot run on a fleet's hosts, or None."""
    if needs_terminal(name) or values.get("interactive") is True:
        return f"{name} needs a terminal of its own: run it with -c on one host"
    if name in OWN_PROCESS_COMMANDS:
        return f"{name} needs a process of its own: run it with -c on one host"
    return None
