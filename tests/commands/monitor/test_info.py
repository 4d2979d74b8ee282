"""vsh.commands.monitor.info: dominfo, domstate, domcontrol and domtime, their
data, text and JSON.

Expected texts come from virsh 9.0 (captured outputs, quoted in
/work/shared/reference/virsh-reference.md section 3.1) or from the C source's
rules (virsh-domain-monitor.c); differential tests against the real binary are
in tests/conformance/test_domain_conformance.py and
tests/conformance/test_monitor_conformance.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from tests.conformance.harness import run_vsh
from vsh.commands.monitor import info
from vsh.commands.monitor.info import render_dominfo

NODE = "test://" + str(Path(__file__).resolve().parents[2] / "fixtures" / "domains" / "node.xml")
DEFAULT = "test:///default"


def _session(xml: str, **dom_methods: Any) -> Any:
    dom = Fake(name="d", ID=1, XMLDesc=xml, **dom_methods)
    conn = Fake(lookupByID=dom, lookupByName=dom)
    return session_with(conn)


def _json(*args: str) -> Any:
    outcome = run_vsh(["-q", *args])
    assert outcome.status == 0, outcome
    assert outcome.err == ""
    return json.loads(outcome.out)


# ---------------------------------------------------------------------------
# dominfo

FULL = {
    "id": 1,
    "name": "test",
    "uuid": "6695eb01-f6a4-8304-79aa-97f2502e193f",
    "os_type": "linux",
    "state": "running",
    "cpus": 2,
    "cpu_time_ns": 1795691863600000000,
    "max_memory_kib": 8388608,
    "used_memory_kib": 2097152,
    "persistent": True,
    "autostart": False,
    "managed_save": False,
    "security_model": "testSecurity",
    "security_doi": "",
    "security_label": "libvirt-test",
    "security_enforcing": True,
    "messages": [],
}


def test_render_dominfo_as_virsh() -> None:
    # virsh -c test:///default dominfo test (reference section 3.1)
    assert render_dominfo(FULL) == (
        "Id:             1\n"
        "Name:           test\n"
        "UUID:           6695eb01-f6a4-8304-79aa-97f2502e193f\n"
        "OS Type:        linux\n"
        "State:          running\n"
        "CPU(s):         2\n"
        "CPU time:       1795691863.6s\n"
        "Max memory:     8388608 KiB\n"
        "Used memory:    2097152 KiB\n"
        "Persistent:     yes\n"
        "Autostart:      disable\n"
        "Managed save:   no\n"
        "Security model: testSecurity\n"
        "Security DOI:   \n"
        "Security label: libvirt-test (enforcing)\n"
    )


def test_render_dominfo_variants() -> None:
    data = dict(
        FULL,
        id=None,
        uuid=None,
        os_type=None,
        cpu_time_ns=0,
        max_memory_kib=None,
        persistent=None,
        autostart=None,
        managed_save=None,
        security_label=None,
        messages=["first", "second"],
    )
    assert render_dominfo(data) == (
        "Id:             -\n"
        "Name:           test\n"
        "State:          running\n"
        "CPU(s):         2\n"
        "Max memory:     no limit\n"
        "Used memory:    2097152 KiB\n"
        "Persistent:     unknown\n"
        "Managed save:   unknown\n"
        "Security model: testSecurity\n"
        "Security DOI:   \n"
        "Messages:       first\n"
        "                second\n"
    )
    no_info = dict(FULL, state=None, security_model=None, security_enforcing=False)
    assert "State:" not in render_dominfo(no_info)
    assert "CPU(s):" not in render_dominfo(no_info)
    assert "Security" not in render_dominfo(no_info)


def _info_dom(**more: object) -> Fake:
    base: dict[str, object] = {
        "ID": 5,
        "name": "d",
        "UUIDString": "u",
        "OSType": "hvm",
        "info": [1, 1024, 512, 1, 0],
        "isPersistent": 1,
        "autostart": 1,
        "hasManagedSaveImage": 0,
        "securityLabel": ["", False],
        "messages": [],
    }
    base.update(more)
    return Fake(**base)


def test_dominfo_data_collects_and_survives_failures() -> None:
    s = session_with(Fake(getSecurityModel=["", ""]))
    dom = _info_dom(info=lv_error(libvirt.VIR_ERR_RPC, "no info"), autostart=lv_error(7, "nope"))
    data, ok = info.dominfo_data(s, dom)
    assert not ok
    assert data["state"] is None and data["autostart"] is None
    assert data["persistent"] is True and data["security_model"] is None
    # The most recent libvirt error is the one virsh reports at the end.
    assert s.last_error is not None and s.last_error.get_error_message() == "nope"


def test_dominfo_no_security_driver_clears_the_pending_error() -> None:
    # virsh calls vshResetLibvirtError on VIR_ERR_NO_SUPPORT: the failed
    # GetInfo leaves the command failing, but with nothing left to report.
    s = session_with(Fake(getSecurityModel=lv_error(libvirt.VIR_ERR_NO_SUPPORT)))
    dom = _info_dom(info=lv_error(libvirt.VIR_ERR_RPC, "no info"))
    data, ok = info.dominfo_data(s, dom)
    assert not ok and s.last_error is None
    assert data["security_model"] is None and data["messages"] == []


def test_dominfo_security_errors_stop_the_command() -> None:
    s = session_with(Fake(getSecurityModel=lv_error(libvirt.VIR_ERR_RPC, "model?")))
    data, ok = info.dominfo_data(s, _info_dom())
    assert not ok and data["security_model"] is None
    s = session_with(Fake(getSecurityModel=["selinux", "0"]))
    data, ok = info.dominfo_data(s, _info_dom(securityLabel=lv_error(9, "label?")))
    assert not ok and data["security_model"] == "selinux" and data["security_label"] is None
    s = session_with(Fake(getSecurityModel=["selinux", "0"]))
    data, ok = info.dominfo_data(s, _info_dom(securityLabel=["system_u:x", False]))
    assert ok and data["security_label"] == "system_u:x" and data["security_enforcing"] is False
    assert "Security label: system_u:x (permissive)\n" in render_dominfo(data)


def test_dominfo_command_prints_what_it_has_then_fails() -> None:
    s = session_with(Fake(getSecurityModel=["", ""]))
    dom = _info_dom(info=lv_error(libvirt.VIR_ERR_OPERATION_FAILED, "info failed"))
    s._connection.current.lookupByID = lambda _i: dom  # type: ignore[union-attr]
    assert not run_script(s, "dominfo 5")
    out, err = output(s)
    assert out == (
        "Id:             5\n"
        "Name:           d\n"
        "UUID:           u\n"
        "OS Type:        hvm\n"
        "Persistent:     yes\n"
        "Autostart:      enable\n"
        "Managed save:   no\n"
        "\n"
    )
    assert err == "error: info failed\n"


def test_dominfo_json_schema() -> None:
    data = _json("-c", "test:///default", "dominfo test --json")
    assert list(data) == list(FULL)
    assert {k: v for k, v in data.items() if k != "cpu_time_ns"} == {
        k: v for k, v in FULL.items() if k != "cpu_time_ns"
    }
    assert isinstance(data["cpu_time_ns"], int) and data["cpu_time_ns"] > 0


def test_dominfo_json_messages_and_inactive() -> None:
    data = _json("-c", NODE, "dominfo deprecated --json")
    assert data["messages"] == [
        "tainted: use of deprecated configuration settings",
        "deprecated configuration: CPU model Deprecated-Test",
    ]
    data = _json("-c", NODE, "dominfo saved --json")
    assert data["id"] is None and data["managed_save"] is True and data["security_label"] is None


def test_domstate_json() -> None:
    assert _json("-c", "test:///default", "domstate test --json") == {
        "state": "running",
        "reason": "unknown",
    }
    assert _json("-c", NODE, "domstate 'paused one' --json --reason") == {
        "state": "paused",
        "reason": "unknown",
    }
    assert _json("-c", "test:///default", "suspend test; domstate test --json") == {
        "state": "paused",
        "reason": "user",
    }


def test_dominfo_json_errors_are_virsh_errors() -> None:
    outcome = run_vsh(["-c", DEFAULT, "dominfo nosuch --json"])
    assert (outcome.status, outcome.out, outcome.err) == (
        1,
        "\n",
        "error: failed to get domain 'nosuch'\n",
    )


def test_json_is_hidden_from_help() -> None:
    for name in ("dominfo", "domstate", "domcontrol", "domtime"):
        assert "json" not in run_vsh(["help", name]).out


# ---------------------------------------------------------------------------
# domcontrol, domtime


# cmdDomControl prints "%s (%0.3fs)\n" for a state other than ok and error,
# "%s: %s\n" for an error with a reason, else "%s\n"; the runner then ends
# the command with "\n" (virsh -c test:///default domcontrol test prints
# "ok\n\n").
@pytest.mark.parametrize(
    ("state", "text"),
    [
        ((libvirt.VIR_DOMAIN_CONTROL_OK, 0, 0), "ok\n"),
        ((libvirt.VIR_DOMAIN_CONTROL_JOB, 0, 1500), "background job (1.500s)\n"),
        ((libvirt.VIR_DOMAIN_CONTROL_OCCUPIED, 0, 2), "occupied (0.002s)\n"),
        ((libvirt.VIR_DOMAIN_CONTROL_ERROR, 2, 0), "error: monitor failure\n"),
        ((libvirt.VIR_DOMAIN_CONTROL_ERROR, 0, 0), "error\n"),
        ((libvirt.VIR_DOMAIN_CONTROL_ERROR, 9, 0), "error: unknown\n"),
        ((7, 0, 0), "unknown (0.000s)\n"),
    ],
)
def test_domcontrol_states(state: tuple[int, int, int], text: str) -> None:
    s = _session("<domain/>", controlInfo=list(state))
    assert run_script(s, "domcontrol d")
    assert output(s) == (text + "\n", "")


@pytest.mark.parametrize(
    ("state", "data"),
    [
        ((libvirt.VIR_DOMAIN_CONTROL_JOB, 0, 1500), ("background job", None, 1500)),
        ((libvirt.VIR_DOMAIN_CONTROL_ERROR, 2, 0), ("error", "monitor failure", 0)),
        ((libvirt.VIR_DOMAIN_CONTROL_ERROR, 0, 0), ("error", None, 0)),
        ((7, 0, 3), ("unknown", None, 3)),
    ],
)
def test_domcontrol_json_states(state: tuple[int, int, int], data: tuple[Any, ...]) -> None:
    s = _session("<domain/>", controlInfo=list(state))
    assert run_script(s, "domcontrol d --json")
    assert json.loads(output(s)[0]) == dict(
        zip(("state", "reason", "state_time_ms"), data, strict=True)
    )


def test_domcontrol_and_domtime_json() -> None:
    assert _json("-c", DEFAULT, "domcontrol test --json") == {
        "state": "ok",
        "reason": None,
        "state_time_ms": 0,
    }
    assert _json("-c", DEFAULT, "domtime test --json") == {"seconds": 627319920, "nanoseconds": 0}
