"""vsh.commands.monitor.listing: list's flags, order, fall-backs, table and JSON.

Expected texts come from virsh 9.0 (captured outputs, quoted in
/work/shared/reference/virsh-reference.md section 3.1) or from the C source's
rules (virsh-domain-monitor.c); differential tests against the real binary are
in tests/conformance/test_domain_conformance.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from tests.conformance.harness import run_vsh
from vsh.commands.monitor.listing import (
    ACTIVE,
    AUTOSTART,
    HAS_SNAPSHOT,
    INACTIVE,
    MANAGEDSAVE,
    PAUSED,
    PERSISTENT,
    RUNNING,
    SHUTOFF,
    TRANSIENT,
    collect_domains,
    list_,
    list_base,
)
from vsh.core.errors import VshError

NODE = "test://" + str(Path(__file__).resolve().parents[2] / "fixtures" / "domains" / "node.xml")


# ---------------------------------------------------------------------------
# list: flags, order, fall-backs


def list_flags(opts: dict[str, bool]) -> int:
    """What list passes to listAllDomains: the base, then the options' flag= bits."""
    return list_base(opts) | list_.option_flags(opts)


def test_list_flags() -> None:
    assert list_flags({}) == ACTIVE
    assert list_flags({"inactive": True}) == INACTIVE
    assert list_flags({"all": True}) == ACTIVE | INACTIVE
    assert list_flags({"inactive": True, "all": True}) == ACTIVE | INACTIVE
    # --state-shutoff implies inactive domains, and filters on the state.
    assert list_flags({"state_shutoff": True}) == INACTIVE | SHUTOFF
    assert list_flags({"state_running": True, "state_paused": True}) == ACTIVE | RUNNING | PAUSED
    assert list_flags({"persistent": True, "transient": True, "all": True}) == (
        ACTIVE | INACTIVE | PERSISTENT | TRANSIENT
    )
    assert list_flags({"with_managed_save": True, "autostart": True, "with_snapshot": True}) == (
        ACTIVE | MANAGEDSAVE | AUTOSTART | HAS_SNAPSHOT
    )
    # Column and display options carry no filter bit.
    assert list_flags({"name": True, "title": True, "managed_save": True}) == ACTIVE


def _dom(name: str, dom_id: int = -1, **more: object) -> Fake:
    return Fake(name=name, ID=dom_id, **more)


def test_order_running_by_id_then_inactive_by_name_ignoring_case() -> None:
    doms = [
        _dom("b"),
        _dom("z", 10),
        _dom("Zeta"),
        _dom("alpha"),
        _dom("a", 2),
        _dom("Beta"),
        _dom("ü"),
        _dom("_x"),
    ]
    conn = Fake(listAllDomains=doms)
    names = [d.name() for d in collect_domains(conn, ACTIVE | INACTIVE)]
    # strcasecmp: ASCII letters folded, other bytes compared as they are
    # ('_' 0x5f sorts before the folded letters, 'ü' 0xc3 after them).
    assert names == ["a", "z", "_x", "alpha", "b", "Beta", "Zeta", "ü"]


def test_order_keeps_server_order_between_equal_names() -> None:
    doms = [_dom("Alpha"), _dom("alpha"), _dom("ALPHA")]
    conn = Fake(listAllDomains=doms)
    assert [d.name() for d in collect_domains(conn, INACTIVE)] == ["Alpha", "alpha", "ALPHA"]


def test_list_failure() -> None:
    conn = Fake(listAllDomains=lv_error(libvirt.VIR_ERR_RPC, "gone"))
    with pytest.raises(VshError) as exc:
        collect_domains(conn, ACTIVE)
    assert exc.value.messages == ["Failed to list domains"]
    assert exc.value.cause is not None


def test_list_invalid_arg_retries_with_masked_flags_and_filters() -> None:
    calls: list[int] = []
    running = _dom("run", 1, isPersistent=1, state=[1, 1])
    paused = _dom("pause", 2, isPersistent=0, state=[3, 1])
    off = _dom("off", -1, isPersistent=1, state=[5, 0])

    def list_all(flags: int) -> list[Fake]:
        calls.append(flags)
        if flags & ~(ACTIVE | INACTIVE):
            raise lv_error(libvirt.VIR_ERR_INVALID_ARG)
        return [off, paused, running]

    conn = Fake(listAllDomains=list_all)
    flags = ACTIVE | INACTIVE | PERSISTENT | RUNNING | SHUTOFF
    assert [d.name() for d in collect_domains(conn, flags)] == ["run", "off"]
    assert calls == [flags, ACTIVE | INACTIVE]


def test_list_old_server_uses_per_kind_calls() -> None:
    doms = {
        1: _dom("one", 1, autostart=1),
        3: _dom("three", 3, autostart=0),
        "x": _dom("x", -1, autostart=1),
    }
    conn = Fake(
        listAllDomains=lv_error(libvirt.VIR_ERR_NO_SUPPORT),
        numOfDomains=2,
        listDomainsID=[3, 1, 7],  # 7 vanished meanwhile
        numOfDefinedDomains=1,
        listDefinedDomains=["x"],
        lookupByID=lambda i: doms[i] if i in doms else (_ for _ in ()).throw(lv_error(42)),
        lookupByName=lambda n: doms[n],
    )
    names = [d.name() for d in collect_domains(conn, ACTIVE | INACTIVE | AUTOSTART)]
    assert names == ["one", "x"]
    # Only active domains asked for: the defined ones are not listed.
    conn.calls.clear()
    assert [d.name() for d in collect_domains(conn, ACTIVE)] == ["one", "three"]
    assert not conn.called("listDefinedDomains")


def test_list_old_server_errors() -> None:
    conn = Fake(
        listAllDomains=lv_error(libvirt.VIR_ERR_NO_SUPPORT),
        numOfDomains=lv_error(libvirt.VIR_ERR_RPC),
    )
    with pytest.raises(VshError) as exc:
        collect_domains(conn, ACTIVE)
    assert exc.value.messages == ["Failed to list active domains"]
    conn = Fake(
        listAllDomains=lv_error(libvirt.VIR_ERR_NO_SUPPORT),
        numOfDomains=0,
        numOfDefinedDomains=lv_error(libvirt.VIR_ERR_RPC),
    )
    with pytest.raises(VshError) as exc:
        collect_domains(conn, INACTIVE)
    assert exc.value.messages == ["Failed to list inactive domains"]
    conn = Fake(
        listAllDomains=lv_error(libvirt.VIR_ERR_NO_SUPPORT),
        numOfDomains=1,
        listDomainsID=[1],
        lookupByID=_dom("one", 1, snapshotNum=lv_error(libvirt.VIR_ERR_RPC)),
    )
    with pytest.raises(VshError) as exc:
        collect_domains(conn, ACTIVE | HAS_SNAPSHOT)
    assert exc.value.messages == ["Failed to get snapshot count"]


def test_list_command_reports_failure() -> None:
    s = session_with(Fake(listAllDomains=lv_error(libvirt.VIR_ERR_RPC, "broken pipe")))
    assert not run_script(s, "list")
    assert output(s) == ("\n", "error: Failed to list domains\nerror: broken pipe\n")


def test_list_skips_domains_whose_state_fails() -> None:
    doms = [
        _dom("gone", 1, state=lv_error(libvirt.VIR_ERR_NO_DOMAIN)),
        _dom("here", 2, state=[1, 0]),
    ]
    s = session_with(Fake(listAllDomains=doms))
    assert run_script(s, "list")
    out, err = output(s)
    assert out == " Id   Name   State\n----------------------\n 2    here   running\n\n"
    assert err == ""


def test_list_title_falls_back_to_xml() -> None:
    dom = _dom(
        "old",
        1,
        state=[1, 0],
        metadata=lv_error(libvirt.VIR_ERR_NO_SUPPORT),
        XMLDesc="<domain><name>old</name><title>From &amp; XML</title></domain>",
    )
    s = session_with(Fake(listAllDomains=[dom]))
    assert run_script(s, "list --title")
    assert output(s)[0] == (
        " Id   Name   State     Title\n"
        "-----------------------------------\n"
        " 1    old    running   From & XML\n\n"
    )


def test_list_title_error_fails_without_table() -> None:
    dom = _dom("d", 1, state=[1, 0], metadata=lv_error(libvirt.VIR_ERR_RPC, "lost"))
    s = session_with(Fake(listAllDomains=[dom]))
    assert not run_script(s, "list --title")
    assert output(s) == ("\n", "error: lost\n")


# ---------------------------------------------------------------------------
# JSON (a vsh extension): schema and agreement with the text output


def _json(*args: str) -> object:
    outcome = run_vsh(["-q", *args])
    assert outcome.status == 0, outcome
    assert outcome.err == ""
    return json.loads(outcome.out)


def test_list_json_schema() -> None:
    items = _json("-c", NODE, "list --all --json")
    assert isinstance(items, list)
    assert all(list(item) == ["id", "name", "uuid", "state", "title"] for item in items)
    by_name = {item["name"]: item for item in items}
    assert by_name["web"] == {
        "id": 1,
        "name": "web",
        "uuid": "00000000-0000-4000-8000-000000000001",
        "state": "running",
        "title": None,
    }
    assert by_name["saved"]["id"] is None and by_name["saved"]["state"] == "shut off"
    assert by_name["ünïcode 雪 \"q\" 'a' & <x>"]["state"] == "shut off"
    # Same domains, same order as the table.
    names = run_vsh(["-q", "-c", NODE, "list --all --name"]).out.split("\n")
    assert [item["name"] for item in items] == [n for n in names if n]


def test_list_json_follows_filters_and_marks() -> None:
    items = _json("-c", NODE, "list --all --managed-save --title --with-managed-save --json")
    assert items == [
        {
            "id": None,
            "name": "saved",
            "uuid": "00000000-0000-4000-8000-000000000003",
            "state": "saved",
            "title": "has a managed save image",
        }
    ]
    # Column choices do not change the objects; filters still apply.
    assert _json("-c", NODE, "list --id --json") == _json("-c", NODE, "list --json")
    assert _json("-c", NODE, "list --transient --json")[0]["name"] == "fleeting"
    assert _json("-c", NODE, "list --state-other --inactive --json") == []


def test_list_json_errors_are_virsh_errors() -> None:
    outcome = run_vsh(["-c", "test:///default", "list --table --name --json"])
    assert outcome.err == "error: Options --table and --name are mutually exclusive\n"


def test_json_is_hidden_from_help() -> None:
    assert "json" not in run_vsh(["help", "list"]).out
