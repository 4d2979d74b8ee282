"""vsh.fleet.inventory: the hosts file and libvirt's uri_aliases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vsh.fleet import inventory
from vsh.fleet.inventory import HostEntry, InventoryError, parse, parse_uri_aliases

GOOD = b"""
[hosts]
hv01 = "qemu+ssh://root@hv01/system"
hv02 = "qemu+ssh://root@hv02/system"
lab  = { uri = "qemu+tls://lab/system", disabled = true }
edge1 = { uri = "test:///default" }
[groups]
prod = ["hv[01-02]", "@edge"]
edge = "edge1"
"""


def test_a_good_file() -> None:
    inv = parse(GOOD, "/x/hosts.toml")
    assert inv.hosts == {
        "hv01": HostEntry("qemu+ssh://root@hv01/system"),
        "hv02": HostEntry("qemu+ssh://root@hv02/system"),
        "lab": HostEntry("qemu+tls://lab/system", disabled=True),
        "edge1": HostEntry("test:///default"),
    }
    assert inv.groups == {"prod": ["hv[01-02]", "@edge"], "edge": ["edge1"]}
    assert inv.path == "/x/hosts.toml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"[hosts]\nhv01 = ", "/h.toml: Invalid value (at end of document)"),
        (b"\xff", "/h.toml: not UTF-8 text"),
        (b"[host]\n", "/h.toml: unknown table 'host' (expected hosts, groups)"),
        (b"hosts = 1\n", "/h.toml: 'hosts' must be a table"),
        (b"groups = 1\n", "/h.toml: 'groups' must be a table"),
        (b"[hosts]\nhv01 = 3\n", "/h.toml: hosts.hv01: must be a URI string or { uri = ..., ... }"),
        (b'[hosts]\nhv01 = ""\n', "/h.toml: hosts.hv01: empty URI"),
        (b"[hosts]\nhv01 = {disabled=true}\n", "/h.toml: hosts.hv01.uri: missing or not a string"),
        (
            b'[hosts]\nhv01 = {uri="x://", disabled="yes"}\n',
            "/h.toml: hosts.hv01.disabled: must be true or false",
        ),
        (
            b'[hosts]\nhv01 = {uri="x://", enabled=true}\n',
            "/h.toml: hosts.hv01: unknown key 'enabled' (expected uri, disabled)",
        ),
        (
            b'[hosts]\n"hv[1]" = "x://"\n',
            "/h.toml: hosts.'hv[1]': a name is letters, digits and _ . : -"
            " (no spaces, commas, brackets or @)",
        ),
        (b"[groups]\nprod = [1]\n", "/h.toml: groups.prod: must be a list of host specs (strings)"),
        (
            b'[groups]\nall = ["a"]\n',
            "/h.toml: groups.all: '@all' is built in (every enabled host)",
        ),
    ],
)
def test_malformed_files_name_the_file_and_key(text: bytes, message: str) -> None:
    with pytest.raises(InventoryError) as caught:
        parse(text, "/h.toml")
    assert caught.value.messages == [message]


def test_load_prefers_the_user_file_then_etc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    etc = tmp_path / "etc.toml"
    etc.write_bytes(b'[hosts]\netc1 = "test:///default"\n')
    monkeypatch.setattr(
        inventory, "hosts_file_candidates", lambda: [str(tmp_path / "vsh" / "hosts.toml"), str(etc)]
    )
    assert list(inventory.load().hosts) == ["etc1"]
    (tmp_path / "vsh").mkdir()
    (tmp_path / "vsh" / "hosts.toml").write_bytes(b'[hosts]\nmine = "test:///default"\n')
    loaded = inventory.load()
    assert list(loaded.hosts) == ["mine"]
    assert loaded.path == str(tmp_path / "vsh" / "hosts.toml")


def test_the_default_candidates_follow_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "/cfg")
    assert inventory.hosts_file_candidates() == ["/cfg/vsh/hosts.toml", "/etc/vsh/hosts.toml"]
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", "/home/u")
    assert inventory.hosts_file_candidates()[0] == "/home/u/.config/vsh/hosts.toml"


def test_no_file_is_an_empty_inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inventory, "hosts_file_candidates", lambda: [str(tmp_path / "none")])
    monkeypatch.setattr(inventory, "libvirt_conf_path", lambda: str(tmp_path / "none.conf"))
    loaded = inventory.load()
    assert (loaded.hosts, loaded.groups, loaded.aliases, loaded.path) == ({}, {}, {}, None)


def test_an_unreadable_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inventory, "hosts_file_candidates", lambda: [str(tmp_path)])  # a directory
    with pytest.raises(InventoryError) as caught:
        inventory.load()
    assert caught.value.messages == [f"{tmp_path}: Is a directory"]


def test_uri_aliases_as_libvirt_writes_them() -> None:
    text = """
# uri_aliases = [ "commented=x:///" ]
uri_aliases = [
  "hail=qemu+ssh://root@hail.cloud.example.com/system",   # a comment "quoted"
  'sleet=qemu+ssh://root@sleet/system#frag',
  "broken",
  "hail=second:///wins-not",
]
uri_default = "qemu:///system"
"""
    assert parse_uri_aliases(text) == {
        "hail": "qemu+ssh://root@hail.cloud.example.com/system",
        "sleet": "qemu+ssh://root@sleet/system#frag",
    }
    assert parse_uri_aliases('uri_default = "x"\n') == {}


def test_libvirt_conf_path_for_a_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/cfg")
    assert inventory.libvirt_conf_path() == "/cfg/libvirt/libvirt.conf"
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert inventory.libvirt_conf_path() == "/etc/libvirt/libvirt.conf"


def test_read_uri_aliases_missing_file(tmp_path: Path) -> None:
    assert inventory.read_uri_aliases(str(tmp_path / "nope")) == {}
