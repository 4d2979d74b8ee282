"""vsh.fleet.hostspec: -H and -x specs against a hosts file."""

from __future__ import annotations

import pytest

from vsh.fleet.hostspec import Host, SpecError, resolve, select
from vsh.fleet.inventory import Inventory, parse

FILE = b"""
[hosts]
hv01 = "u://1"
hv02 = "u://2"
hv03 = "u://3"
hv07 = "u://7"
lab = { uri = "u://lab", disabled = true }
edge1 = "u://e1"
[groups]
prod = ["hv[01-03]", "@edge", "hv07"]
edge = ["edge1", "lab"]
loop = ["@loop2", "hv01"]
loop2 = ["@loop", "hv02"]
bad = ["hv[01-03]", "nothere", "@missing"]
"""


def inv() -> Inventory:
    inventory = parse(FILE, "/h.toml")
    inventory.aliases = {"hail": "qemu+ssh://hail/system", "hv01": "shadowed://"}
    return inventory


def names(hosts: list[Host]) -> list[str]:
    return [h.name for h in hosts]


def test_names_ranges_and_order() -> None:
    assert resolve("hv[02-03],hv01,hv02", inv()) == [
        Host("hv02", "u://2"),
        Host("hv03", "u://3"),
        Host("hv01", "u://1"),
    ]


def test_groups_nest_in_place_and_skip_disabled() -> None:
    assert names(resolve("@prod", inv())) == ["hv01", "hv02", "hv03", "edge1", "hv07"]


def test_all_is_every_enabled_host_and_a_disabled_host_runs_when_named() -> None:
    assert names(resolve("@all", inv())) == ["hv01", "hv02", "hv03", "hv07", "edge1"]
    assert resolve("lab", inv()) == [Host("lab", "u://lab")]


def test_a_group_cycle_is_a_union() -> None:
    assert names(resolve("@loop", inv())) == ["hv02", "hv01"]


def test_literal_uris_and_libvirt_aliases() -> None:
    assert resolve("test:///default,hail,hv01", inv()) == [
        Host("test:///default", "test:///default"),
        Host("hail", "qemu+ssh://hail/system"),
        Host("hv01", "u://1"),  # the hosts file first
    ]


def test_every_unknown_name_and_group_is_reported() -> None:
    with pytest.raises(SpecError) as caught:
        resolve("hv0[1-5],@nope,@bad", inv())
    assert caught.value.messages == [
        "unknown host 'hv04'",
        "unknown host 'hv05'",
        "unknown group '@nope'",
        "unknown host 'nothere' (in group '@bad' of /h.toml)",
        "unknown group '@missing' (in group '@bad' of /h.toml)",
    ]


def test_a_bad_range_is_reported() -> None:
    with pytest.raises(SpecError) as caught:
        resolve("hv[3-1]", inv())
    assert caught.value.messages == ["bad range '3-1' in 'hv[3-1]': 1 < 3"]


def test_empty_spec() -> None:
    with pytest.raises(SpecError) as caught:
        resolve(" , ", inv())
    assert caught.value.messages == ["option -H: empty host spec"]


def test_excludes() -> None:
    assert names(select("@prod", "hv[02-03],@edge", inv())) == ["hv01", "hv07"]
    with pytest.raises(SpecError) as caught:
        select("@prod", "hv99", inv())
    assert caught.value.messages == ["unknown host 'hv99'"]
    with pytest.raises(SpecError) as caught:
        select("hv01", "hv01", inv())
    assert caught.value.messages == ["no hosts left to run on"]
