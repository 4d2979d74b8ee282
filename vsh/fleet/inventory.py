"""The hosts file and libvirt's own ``uri_aliases``.

``$XDG_CONFIG_HOME/vsh/hosts.toml`` (default ``~/.config``), else
``/etc/vsh/hosts.toml``: the first that exists is read, with the standard
library's TOML reader::

    [hosts]
    hv01 = "qemu+ssh://root@hv01/system"
    lab  = { uri = "qemu+tls://lab/system", disabled = true }
    [groups]
    prod = ["hv[01-08]", "@edge"]

A malformed file is an ``error:`` naming the file and the key.  Group members
are host specs (names, ranges, ``@group``, URIs); they are checked when a
spec uses them (:mod:`vsh.fleet.hostspec`).

libvirt's client configuration (``$XDG_CONFIG_HOME/libvirt/libvirt.conf``,
``/etc/libvirt/libvirt.conf`` for root) may define ``uri_aliases``; those names
are hosts too, after the file's own.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field

from vsh.core.errors import VshError

NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")


class InventoryError(VshError):
    """A malformed hosts file (the message names the file and the key)."""


@dataclass(frozen=True)
class HostEntry:
    uri: str
    disabled: bool = False


@dataclass
class Inventory:
    hosts: dict[str, HostEntry] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    path: str | None = None  # the hosts file read, for messages

    def where(self) -> str:
        return self.path or "the hosts file"


def _config_home() -> str:
    return os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.environ.get("HOME", "/"), ".config")


def hosts_file_candidates() -> list[str]:
    return [os.path.join(_config_home(), "vsh", "hosts.toml"), "/etc/vsh/hosts.toml"]


def load() -> Inventory:
    """The first hosts file that exists (none: an empty inventory), plus the aliases."""
    inventory = Inventory()
    for path in hosts_file_candidates():
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise InventoryError(f"{path}: {exc.strerror or exc}") from None
        inventory = parse(data, path)
        break
    inventory.aliases = read_uri_aliases(libvirt_conf_path())
    return inventory


def parse(data: bytes, path: str) -> Inventory:
    """A hosts file's content -> :class:`Inventory`; :class:`InventoryError` if malformed."""
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InventoryError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(f"{path}: {exc}") from None
    inventory = Inventory(path=path)
    for key in doc:
        if key not in ("hosts", "groups"):
            raise InventoryError(f"{path}: unknown table '{key}' (expected hosts, groups)")
    hosts = doc.get("hosts", {})
    if not isinstance(hosts, dict):
        raise InventoryError(f"{path}: 'hosts' must be a table")
    for name, value in hosts.items():
        inventory.hosts[_name(path, "hosts", name)] = _host(path, name, value)
    groups = doc.get("groups", {})
    if not isinstance(groups, dict):
        raise InventoryError(f"{path}: 'groups' must be a table")
    for name, members in groups.items():
        key = f"groups.{name}"
        _name(path, "groups", name)
        if name == "all":
            raise InventoryError(f"{path}: {key}: '@all' is built in (every enabled host)")
        if isinstance(members, str):
            members = [members]
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise InventoryError(f"{path}: {key}: must be a list of host specs (strings)")
        inventory.groups[name] = list(members)
    return inventory


def _name(path: str, table: str, name: str) -> str:
    if not NAME.match(name):
        raise InventoryError(
            f"{path}: {table}.{name!r}: a name is letters, digits and _ . : -"
            " (no spaces, commas, brackets or @)"
        )
    return name


def _host(path: str, name: str, value: object) -> HostEntry:
    key = f"hosts.{name}"
    if isinstance(value, str):
        if not value:
            raise InventoryError(f"{path}: {key}: empty URI")
        return HostEntry(value)
    if not isinstance(value, dict):
        raise InventoryError(f"{path}: {key}: must be a URI string or {{ uri = ..., ... }}")
    unknown = sorted(set(value) - {"uri", "disabled"})
    if unknown:
        raise InventoryError(f"{path}: {key}: unknown key '{unknown[0]}' (expected uri, disabled)")
    uri = value.get("uri")
    if not isinstance(uri, str) or not uri:
        raise InventoryError(f"{path}: {key}.uri: missing or not a string")
    disabled = value.get("disabled", False)
    if not isinstance(disabled, bool):
        raise InventoryError(f"{path}: {key}.disabled: must be true or false")
    return HostEntry(uri, disabled)


# -- libvirt's uri_aliases ----------------------------------------------------------------------


def libvirt_conf_path() -> str:
    """libvirt's client configuration: the system one for root, else the user's."""
    if os.geteuid() == 0:
        return "/etc/libvirt/libvirt.conf"
    return os.path.join(_config_home(), "libvirt", "libvirt.conf")


_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'')


def read_uri_aliases(path: str) -> dict[str, str]:
    """``uri_aliases = [ "name=uri", ... ]`` from libvirt's configuration file.

    A file that is missing or unreadable, or an entry without ``=``, gives
    nothing: libvirt itself reports those when it connects.
    """
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return {}
    return parse_uri_aliases(text)


def parse_uri_aliases(text: str) -> dict[str, str]:
    lines = []
    for line in text.splitlines():
        # a comment runs from a # outside quotes to the end of the line
        quote = ""
        for index, char in enumerate(line):
            if quote:
                if char == quote:
                    quote = ""
            elif char in "\"'":
                quote = char
            elif char == "#":
                line = line[:index]
                break
        lines.append(line)
    match = re.search(r"(?m)^\s*uri_aliases\s*=\s*\[(.*?)\]", "\n".join(lines), re.DOTALL)
    if match is None:
        return {}
    aliases: dict[str, str] = {}
    for found in _STRING.finditer(match.group(1)):
        entry = found.group(1) if found.group(1) is not None else found.group(2)
        name, eq, uri = entry.partition("=")
        if eq and name and uri and NAME.match(name):
            aliases.setdefault(name, uri)
    return aliases
