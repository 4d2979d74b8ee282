"""Which commands change state on the host: the one table fleet mode asks.

A command changes state unless it is listed here as read-only (wholly, or
with one of the options that make it so, like ``snapshot-rotate --check``).
Unknown and new commands count as changing: forgetting one here costs a
needless confirmation, never an unconfirmed change on many hosts.  Commands
whose getter and setter forms share a name (``schedinfo``, ``memtune``,
``desc``...) count as changing.
"""

from __future__ import annotations

from collections.abc import Mapping

READ_ONLY = frozenset(
    {
        # builtins and shell
        "cd", "complete", "completion", "echo", "exit", "help", "pwd", "quit", "self-test",
        # domains
        "cpu-stats", "domblkerror", "domblkinfo", "domblklist", "domblkstat", "domcontrol",
        "domdisplay", "domfsinfo", "domhostname", "domid", "domif-getlink", "domifaddr",
        "domiflist", "domifstat", "dominfo", "domjobinfo", "domlaunchsecinfo", "dommemstat",
        "domname", "domstate", "domstats", "domuuid", "domxml-from-native", "domxml-to-native",
        "dumpxml", "event", "get-user-sshkeys", "guestinfo", "iothreadinfo",
        "managedsave-dumpxml", "migrate-getmaxdowntime", "migrate-getspeed",
        "qemu-monitor-event", "save-image-dumpxml", "screenshot", "list", "vcpucount",
        "vcpuinfo", "vncdisplay",
        # host
        "capabilities", "cpu-baseline", "cpu-compare", "cpu-models", "domcapabilities",
        "freecell", "freepages", "hostname", "hypervisor-cpu-baseline",
        "hypervisor-cpu-compare", "maxvcpus", "nodecpumap", "nodecpustats", "nodeinfo",
        "nodememstats", "nodesevinfo", "sysinfo", "uri", "version",
        # other objects
        "backup-dumpxml", "checkpoint-dumpxml", "checkpoint-info", "checkpoint-list",
        "checkpoint-parent", "find-storage-pool-sources", "find-storage-pool-sources-as",
        "iface-dumpxml", "iface-list", "iface-mac", "iface-name", "net-dhcp-leases",
        "net-dumpxml", "net-event", "net-info", "net-list", "net-name", "net-port-dumpxml",
        "net-port-list", "net-uuid", "nodedev-dumpxml", "nodedev-event", "nodedev-info",
        "nodedev-list", "nwfilter-binding-dumpxml", "nwfilter-binding-list",
        "nwfilter-dumpxml", "nwfilter-list", "pool-capabilities", "pool-dumpxml",
        "pool-event", "pool-info", "pool-list", "pool-name", "pool-uuid", "secret-dumpxml",
        "secret-event", "secret-get-value", "secret-list", "snapshot-dumpxml",
        "snapshot-export", "snapshot-info", "snapshot-list", "snapshot-parent",
        "vol-download", "vol-dumpxml", "vol-info", "vol-key", "vol-list", "vol-name",
        "vol-path", "vol-pool",
    }
)  # fmt: skip

# Commands that are read-only when one of these options is given.
READ_ONLY_WITH: Mapping[str, tuple[str, ...]] = {
    "snapshot-rotate": ("check", "dry-run"),
    "snapshot-restore": ("dry-run",),
    "snapshot-redefine": ("dry-run",),
}


def changes_state(name: str, values: Mapping[str, object]) -> bool:
    """Whether command ``name`` with bound option ``values`` may change the host."""
    if name in READ_ONLY:
        return False
    return not any(values.get(option) for option in READ_ONLY_WITH.get(name, ()))
