"""vsh.commands.pool: pure helpers and the ``--json`` extension.

Byte-for-byte agreement with virsh is in
tests/conformance/test_pool_conformance.py; here are the parts virsh does not
have (JSON) and the rules taken from the C source (vshPrettyCapacity,
virshBuildPoolXML).
"""

from __future__ import annotations

import json
from typing import Any

import libvirt
import pytest

from tests.conformance.harness import run_vsh
from vsh.commands.pool import POOL_TYPES, c_pad, pool_state_text

DEFAULT = "test:///default"
POOL_KEYS = [
    "name",
    "uuid",
    "state",
    "active",
    "persistent",
    "autostart",
    "capacity_bytes",
    "allocation_bytes",
    "available_bytes",
]


def test_state_text() -> None:
    assert [pool_state_text(i) for i in range(-1, 6)] == [
        "unknown",
        "inactive",
        "building",
        "running",
        "degraded",
        "inaccessible",
        "unknown",
    ]


def test_c_pad_counts_bytes() -> None:
    assert c_pad("ab", 4) == "ab  "
    assert c_pad("é", 4) == "é  "  # two bytes
    assert c_pad("toolong", 3) == "toolong"


def test_pool_types_in_libvirt_order() -> None:
    assert [name for name, _ in POOL_TYPES][:4] == ["dir", "fs", "netfs", "logical"]
    assert len({flag for _, flag in POOL_TYPES}) == len(POOL_TYPES)


def _json(script: str) -> object:
    outcome = run_vsh(["-q", "-c", DEFAULT, script])
    assert outcome.status == 0, outcome
    assert outcome.err == ""
    return json.loads(outcome.out)


def test_pool_list_json() -> None:
    items = _json("pool-list --all --json")
    assert isinstance(items, list) and len(items) == 1
    item = items[0]
    assert list(item) == POOL_KEYS
    assert item["name"] == "default-pool"
    assert item["state"] == "running" and item["active"] is True
    assert item["persistent"] is True and item["autostart"] is False
    assert item["capacity_bytes"] == 107374182400
    assert item["allocation_bytes"] == 0


def test_pool_list_json_filters_apply_layout_does_not() -> None:
    assert _json("pool-list --inactive --json") == []
    assert _json("pool-list --type logical --json") == []
    assert _json("pool-list --details --json") == _json("pool-list --name --json")


def test_pool_list_json_inactive_pool_has_no_sizes() -> None:
    # pool-define-as prints nothing under -q; the JSON follows.
    items = _json("pool-define-as p2 dir --target /tmp/p2; pool-list --all --json")
    p2 = next(item for item in items if item["name"] == "p2")  # type: ignore[union-attr]
    assert p2["state"] == "inactive" and p2["active"] is False
    assert p2["capacity_bytes"] is None and p2["available_bytes"] is None


def test_pool_info_json() -> None:
    data = _json("pool-info default-pool --json")
    assert list(data) == [k for k in POOL_KEYS if k != "active"]  # type: ignore[arg-type]
    assert data["available_bytes"] == 107374182400  # type: ignore[index]


def test_pool_info_json_missing_pool_fails_like_virsh() -> None:
    outcome = run_vsh(["-c", DEFAULT, "pool-info nope --json"])
    assert outcome.status == 1
    assert outcome.out == "\n"
    assert outcome.err == (
        "error: failed to get pool 'nope'\n"
        "error: Storage pool not found: no storage pool with matching name 'nope'\n"
    )


def test_json_is_hidden_from_help() -> None:
    for name in ("pool-list", "pool-info"):
        outcome = run_vsh(["help", name])
        assert "--json" not in outcome.out


# -- pool-event, find-storage-pool-sources-as, pool-edit ------------------------


def test_pool_event_lines() -> None:
    from vsh.commands.pool import POOL_EVENTS, pool_event_line

    assert POOL_EVENTS == ("lifecycle", "refresh")  # VIR_STORAGE_POOL_EVENT_ID_* order
    words = [pool_event_line("lifecycle", "p", (i, 0)) for i in range(-1, 7)]
    words_ = ("unknown", "Defined", "Undefined", "Started", "Stopped", "Created", "Deleted")
    assert words == [f"event 'lifecycle' for storage pool p: {w}\n" for w in (*words_, "unknown")]
    assert pool_event_line("refresh", "p", ()) == "event 'refresh' for storage pool p\n"


def test_find_sources_as_source_document() -> None:
    from tests.commands.fakes import Fake, output, run_script, session_with

    conn = Fake(findStoragePoolSources="<sources/>\n")
    s = session_with(conn)
    assert run_script(
        s,
        "find-storage-pool-sources-as iscsi h 3260 iqn.x; "
        "find-storage-pool-sources-as netfs h; find-storage-pool-sources-as logical --port 1",
    )
    # virshBuildPoolXML's neighbour: <source> only with a host, the port and
    # initiator only when given.
    assert conn.called("findStoragePoolSources") == [
        (
            "iscsi",
            "<source>\n  <host name='h' port='3260'/>\n  <initiator>\n"
            "    <iqn name='iqn.x'/>\n  </initiator>\n</source>\n",
            0,
        ),
        ("netfs", "<source>\n  <host name='h'/>\n</source>\n", 0),
        ("logical", None, 0),
    ]
    assert output(s)[0] == "<sources/>\n\n" * 3  # each command ends with a newline


def test_pool_edit_falls_back_without_inactive_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.commands.fakes import Fake, lv_error, output, run_script, session_with

    xml = "<pool type='dir'><name>p</name></pool>"

    def desc(flags: int) -> str:
        if flags:
            raise lv_error(libvirt.VIR_ERR_INVALID_ARG, "unsupported flags")
        return xml

    pool = Fake(XMLDesc=desc, name="p")
    conn = Fake(storagePoolLookupByName=pool)
    s = session_with(conn)
    monkeypatch.setenv("VISUAL", "true")
    assert run_script(s, "pool-edit p")
    assert output(s) == ("Pool p XML configuration not changed.\n\n", "")
    assert pool.called("XMLDesc") == [(libvirt.VIR_STORAGE_XML_INACTIVE,), (0,)]


def test_pool_event_registers_delivers_and_deregisters() -> None:
    from tests.commands.fakes import Fake, output, run_script, session_with

    pool = Fake(name="p")

    def register(obj: object, event_id: int, callback: Any, opaque: object) -> int:
        # the driver fires two events at once; one-shot keeps the first
        callback(None, pool, libvirt.VIR_STORAGE_POOL_EVENT_STARTED, 0, opaque)
        callback(None, pool, libvirt.VIR_STORAGE_POOL_EVENT_STOPPED, 0, opaque)
        return 7

    conn = Fake(
        storagePoolLookupByName=pool,
        storagePoolEventRegisterAny=register,
        storagePoolEventDeregisterAny=0,
    )
    s = session_with(conn)
    assert run_script(s, "pool-event --pool p --event lifecycle --timeout 5")
    assert output(s) == (
        "event 'lifecycle' for storage pool p: Started\nevents received: 1\n\n",
        "",
    )
    (registered,) = conn.called("storagePoolEventRegisterAny")
    assert registered[0] is pool
    assert registered[1] == libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE
    assert conn.called("storagePoolEventDeregisterAny") == [(7,)]
