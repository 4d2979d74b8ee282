"""An in-memory stand-in for a libvirt domain and its snapshots/checkpoints.

It answers the listing calls the way libvirt's common moment code does and
can play an older server: one that rejects the TOPOLOGICAL flag (libvirt <
5.2), the status/location filters (< 1.0.1), or the whole 0.9.13+ listing
API.  Errors are real ``libvirt.libvirtError`` objects with the codes and
texts a server would send.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import libvirt

TOPO = libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL
STATUS = (
    libvirt.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE
    | libvirt.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE
    | libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY
)
LOCATION = libvirt.VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL | libvirt.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL


def lverr(code: int, message: str) -> libvirt.libvirtError:
    err = libvirt.libvirtError(message)
    err.err = (code, libvirt.VIR_FROM_DOMAIN_SNAPSHOT, message, 2, None, None, None, 0, 0)
    return err


def unsupported_flags(flags: int, func: str) -> libvirt.libvirtError:
    return lverr(libvirt.VIR_ERR_INVALID_ARG, f"unsupported flags (0x{flags:x}) in function {func}")


def no_support(func: str) -> libvirt.libvirtError:
    return lverr(
        libvirt.VIR_ERR_NO_SUPPORT,
        f"this function is not supported by the connection driver: {func}",
    )


class FakeSnapshot:
    def __init__(self, dom: FakeDomain, name: str) -> None:
        self.dom = dom
        self.name = name

    def getName(self) -> str:
        return self.name

    def getParent(self, flags: int = 0) -> FakeSnapshot:
        self.dom.calls.append(("getParent", self.name))
        if not self.dom.has_get_parent:
            raise no_support("virDomainSnapshotGetParent")
        parent = self.dom.parents[self.name]
        if parent is None:
            raise lverr(
                libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT,
                f"Domain snapshot not found: snapshot '{self.name}' does not have a parent",
            )
        return FakeSnapshot(self.dom, parent)

    def getXMLDesc(self, flags: int = 0) -> str:
        parent = self.dom.parents[self.name]
        state = self.dom.states.get(self.name, "running")
        parent_xml = f"  <parent>\n    <name>{parent}</name>\n  </parent>\n" if parent else ""
        memory = "no" if state == "disk-snapshot" else "internal"
        disks = (
            "  <disks>\n    <disk name='vda' snapshot='external' type='file'/>\n  </disks>\n"
            if state == "disk-snapshot"
            else ""
        )
        return (
            f"<domainsnapshot>\n  <name>{self.name}</name>\n  <state>{state}</state>\n"
            f"{parent_xml}  <creationTime>{self.dom.times.get(self.name, 1700000000)}"
            f"</creationTime>\n  <memory snapshot='{memory}'/>\n{disks}"
            "  <domain type='test'>\n    <name>fake</name>\n  </domain>\n</domainsnapshot>\n"
        )

    def listAllChildren(self, flags: int = 0) -> list[FakeSnapshot]:
        self.dom.check_modern("virDomainSnapshotListAllChildren", flags)
        return [FakeSnapshot(self.dom, n) for n in self.dom.children_names(self.name, flags)]

    def numChildren(self, flags: int = 0) -> int:
        if not self.dom.has_child_names:
            raise no_support("virDomainSnapshotNumChildren")
        return len(self.dom.children_names(self.name, flags))

    def listChildrenNames(self, flags: int = 0) -> list[str]:
        if not self.dom.has_child_names:
            raise no_support("virDomainSnapshotListChildrenNames")
        return self.dom.children_names(self.name, flags)

    def isCurrent(self, flags: int = 0) -> int:
        return int(self.name == self.dom.current)

    def hasMetadata(self, flags: int = 0) -> int:
        return 1


class FakeDomain:
    """A domain whose snapshots are ``parents`` (name -> parent), in server order."""

    def __init__(
        self,
        parents: Mapping[str, str | None],
        *,
        states: Mapping[str, str] | None = None,
        topological: bool = True,
        filters: bool = True,
        modern: bool = True,
        has_child_names: bool = True,
        has_get_parent: bool = True,
        roots_flag: bool = True,
        current: str | None = None,
    ) -> None:
        self.parents = dict(parents)
        self.states = dict(states or {})
        self.times: dict[str, int] = {}
        self.topological = topological
        self.filters = filters
        self.modern = modern
        self.has_child_names = has_child_names
        self.has_get_parent = has_get_parent
        self.roots_flag = roots_flag
        self.current = current
        self.calls: list[tuple[str, object]] = []
        self.persistent = True
        self.active = True

    def name(self) -> str:
        return "fake"

    # -- server-side listing semantics -------------------------------------------
    def check_modern(self, func: str, flags: int) -> None:
        self.calls.append((func, flags))
        if not self.modern:
            raise no_support(func)
        self.check_flags(func, flags)

    def check_flags(self, func: str, flags: int) -> None:
        if flags & TOPO and not self.topological:
            raise unsupported_flags(flags, func)
        if flags & (STATUS | LOCATION) and not self.filters:
            raise unsupported_flags(flags, func)

    def kids(self, name: str) -> list[str]:
        return [n for n, p in self.parents.items() if p == name]

    def preorder(self, roots: Iterable[str]) -> list[str]:
        out: list[str] = []
        stack = list(reversed(list(roots)))
        while stack:
            n = stack.pop()
            out.append(n)
            stack.extend(reversed(self.kids(n)))
        return out

    def select(self, names: list[str], flags: int) -> list[str]:
        fl = libvirt
        if (
            flags & fl.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES
            and flags & fl.VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES
        ):
            return []
        if flags & fl.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES:
            names = [n for n in names if not self.kids(n)]
        if flags & fl.VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES:
            names = [n for n in names if self.kids(n)]
        if (
            flags & fl.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA
            and not flags & fl.VIR_DOMAIN_SNAPSHOT_LIST_METADATA
        ):
            return []
        if flags & STATUS:

            def status_ok(n: str) -> bool:
                state = self.states.get(n, "running")
                if state == "disk-snapshot":
                    return bool(flags & fl.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY)
                if state == "shutoff":
                    return bool(flags & fl.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE)
                return bool(flags & fl.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE)

            names = [n for n in names if status_ok(n)]
        if flags & LOCATION:

            def location_ok(n: str) -> bool:
                external = self.states.get(n) == "disk-snapshot"
                bit = (
                    fl.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL
                    if external
                    else fl.VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL
                )
                return bool(flags & bit)

            names = [n for n in names if location_ok(n)]
        return names

    def all_names(self, flags: int) -> list[str]:
        if flags & libvirt.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS:
            names = [n for n, p in self.parents.items() if p is None]
            base = self.preorder(names) if flags & TOPO else names
            return self.select([n for n in base if self.parents[n] is None], flags)
        names = list(self.parents)
        if flags & TOPO:
            names = self.preorder(n for n, p in self.parents.items() if p is None)
        return self.select(names, flags)

    def children_names(self, name: str, flags: int) -> list[str]:
        if flags & libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS:
            names = self.preorder(self.kids(name))
        else:
            names = self.kids(name)
        return self.select(names, flags & ~libvirt.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS)

    # -- libvirt API -------------------------------------------------------------
    def listAllSnapshots(self, flags: int = 0) -> list[FakeSnapshot]:
        self.check_modern("virDomainListAllSnapshots", flags)
        return [FakeSnapshot(self, n) for n in self.all_names(flags)]

    def snapshotNum(self, flags: int = 0) -> int:
        self.calls.append(("snapshotNum", flags))
        if flags & libvirt.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS and not self.roots_flag:
            raise unsupported_flags(flags, "virDomainSnapshotNum")
        self.check_flags("virDomainSnapshotNum", flags)
        return len(self.all_names(flags))

    def snapshotListNames(self, flags: int = 0) -> list[str]:
        self.calls.append(("snapshotListNames", flags))
        if flags & libvirt.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS and not self.roots_flag:
            raise unsupported_flags(flags, "virDomainSnapshotListNames")
        self.check_flags("virDomainSnapshotListNames", flags)
        return self.all_names(flags)

    def snapshotLookupByName(self, name: str, flags: int = 0) -> FakeSnapshot:
        if name not in self.parents:
            raise lverr(
                libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT,
                f"Domain snapshot not found: no domain snapshot with matching name '{name}'",
            )
        return FakeSnapshot(self, name)

    def snapshotCurrent(self, flags: int = 0) -> FakeSnapshot:
        if self.current is None:
            raise lverr(
                libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT,
                "Domain snapshot not found: the domain does not have a current snapshot",
            )
        return FakeSnapshot(self, self.current)

    def isPersistent(self) -> int:
        return int(self.persistent)

    def isActive(self) -> int:
        return int(self.active)

    def destroy(self) -> int:
        self.calls.append(("destroy", None))
        self.active = False
        return 0
