"""Host specs: ``hv[01-08,10],@edge,@all,qemu+ssh://x/system``, and ``-x`` excludes.

An item is a literal URI (it contains ``://``: its name is the URI), ``@all``
(every host of the hosts file not ``disabled``), ``@group`` (the file's
groups, which may name groups in turn), or a name pattern matched against the
hosts file and then libvirt's ``uri_aliases``.  Every unknown name or group is
reported before anything runs.  Groups expand with an explicit work list, so a
group that names itself (directly or not) is just a union, never a loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from vsh.core.errors import VshError
from vsh.fleet import nodeset
from vsh.fleet.inventory import Inventory


class SpecError(VshError):
    """Unknown hosts or groups, or a malformed spec (one message each)."""


@dataclass(frozen=True)
class Host:
    name: str
    uri: str


def resolve(spec: str, inventory: Inventory, *, option: str = "-H") -> list[Host]:
    """The hosts ``spec`` names, in the order it names them, each once."""
    found: dict[str, Host] = {}
    problems: list[str] = []
    items = nodeset.split_top(spec)
    if not items:
        raise SpecError(f"option {option}: empty host spec")
    for item in items:
        for host in _item(item, inventory, problems, "", set()):
            found.setdefault(host.name, host)
    if problems:
        raise SpecError(*dict.fromkeys(problems))
    return list(found.values())


def select(spec: str, exclude: str | None, inventory: Inventory) -> list[Host]:
    """``-H spec`` minus ``-x exclude`` (excluded by name); an empty result is an error."""
    hosts = resolve(spec, inventory)
    if exclude is not None:
        dropped = {host.name for host in resolve(exclude, inventory, option="-x")}
        hosts = [host for host in hosts if host.name not in dropped]
    if not hosts:
        raise SpecError("no hosts left to run on")
    return hosts


def _item(
    item: str, inventory: Inventory, problems: list[str], context: str, seen: set[str]
) -> list[Host]:
    """One spec item; groups expand in place through a work list (``seen``: groups done)."""
    hosts: list[Host] = []
    # (spec item, where it came from for messages, whether it came from a group)
    work: list[tuple[str, str, bool]] = [(item, context, False)]
    while work:
        current, where, in_group = work.pop(0)
        if "://" in current:
            hosts.append(Host(current, current))
        elif current == "@all":
            hosts.extend(
                Host(name, entry.uri)
                for name, entry in inventory.hosts.items()
                if not entry.disabled
            )
        elif current.startswith("@"):
            group = current[1:]
            if group not in inventory.groups:
                problems.append(f"unknown group '{current}'{where}")
            elif group not in seen:
                seen.add(group)
                inner = f" (in group '@{group}' of {inventory.where()})"
                work[:0] = [
                    (member, inner, True)
                    for pattern in inventory.groups[group]
                    for member in nodeset.split_top(pattern)
                ]
        else:
            hosts.extend(_names(current, inventory, problems, where, in_group=in_group))
    return hosts


def _names(
    pattern: str, inventory: Inventory, problems: list[str], where: str, *, in_group: bool
) -> list[Host]:
    try:
        names = nodeset.expand(pattern)
    except nodeset.RangeError as exc:
        problems.extend(f"{message}{where}" for message in exc.messages)
        return []
    hosts = []
    for name in names:
        entry = inventory.hosts.get(name)
        if entry is not None:
            if not (in_group and entry.disabled):  # a disabled host runs only when named
                hosts.append(Host(name, entry.uri))
        elif name in inventory.aliases:
            hosts.append(Host(name, inventory.aliases[name]))
        else:
            problems.append(f"unknown host '{name}'{where}")
    return hosts
