"""vsh.commands.monitor device commands: helpers, fakes for paths the test
driver cannot reach, and the ``--json`` schemas.

Expected texts follow virsh-domain-monitor.c's rules; differential tests
against /usr/bin/virsh are in tests/conformance/test_monitor_conformance.py.
"""

from __future__ import annotations

import json
from typing import Any

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from tests.conformance.harness import run_vsh
from vsh.commands import monitor

DEFAULT = "test:///default"


def _session(xml: str, **dom_methods: Any) -> Any:
    dom = Fake(name="d", ID=1, XMLDesc=xml, **dom_methods)
    conn = Fake(lookupByID=dom, lookupByName=dom)
    return session_with(conn)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0.000 B"),
        (1023, "1023.000 B"),
        (1024, "1.000 KiB"),
        (1099506450432, "1023.995 GiB"),
        (1099511627776, "1.000 TiB"),
        (2**60, "1.000 EiB"),
    ],
)
def test_pretty_capacity3(value: int, text: str) -> None:
    assert monitor.pretty_capacity3(value) == text


@pytest.mark.parametrize(
    ("text", "mac"),
    [
        ("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"),
        ("a:b:c:d:e:f", "0a:0b:0c:0d:0e:0f"),
        ("vnet0", ""),
        ("aa:bb:cc:dd:ee", ""),
    ],
)
def test_mac_normal(text: str, mac: str) -> None:
    assert monitor._mac_normal(text) == mac


NVME = """<domain><devices>
<disk type='nvme' device='disk'><source type='pci' managed='yes' namespace='1'>
<address domain='0x0001' bus='0x02' slot='0x00' function='0x0'/></source>
<target dev='vdb'/></disk>
<disk type='file' device='cdrom'><target dev='hdc'/></disk>
</devices></domain>"""


def test_domblklist_nvme_and_empty_source() -> None:
    s = _session(NVME)
    assert run_script(s, "domblklist d --details")
    out, err = output(s)
    assert err == ""
    assert "nvme://0001:02:00.0/1" in out
    assert out.splitlines()[-2].split() == ["file", "cdrom", "hdc", "-"]


def test_domblklist_missing_target() -> None:
    s = _session("<domain><devices><disk type='file'/></devices></domain>")
    assert not run_script(s, "domblklist d")
    assert output(s)[1] == "error: unable to query block list\n"


def test_domblklist_details_missing_device() -> None:
    s = _session("<domain><devices><disk type='file'><target dev='a'/></disk></devices></domain>")
    assert not run_script(s, "domblklist d --details")
    assert output(s)[0].startswith("unable to query block list details")


def test_domiflist_missing_type() -> None:
    s = _session("<domain><devices><interface/></devices></domain>")
    assert not run_script(s, "domiflist d")
    assert output(s)[1] == "error: internal error: Incorrect number of cells in a table row\n"


def test_domif_getlink_multiple_and_state() -> None:
    xml = """<domain><devices>
<interface type='network'><target dev='v0'/><link state='down'/></interface>
<interface type='network'><mac address='aa:bb:cc:dd:ee:ff'/><target dev='v1'/></interface>
<interface type='network'><mac address='aa:bb:cc:dd:ee:ff'/></interface>
</devices></domain>"""
    s = _session(xml)
    assert run_script(s, "domif-getlink d v0")
    assert output(s)[0].startswith("v0 down")
    s = _session(xml)
    assert not run_script(s, "domif-getlink d AA:BB:CC:DD:EE:FF")
    assert output(s)[1] == "error: multiple matching interfaces found\n"


@pytest.mark.parametrize(
    ("info", "text"),
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
def test_domcontrol_states(info: tuple[int, int, int], text: str) -> None:
    s = _session("<domain/>", controlInfo=list(info))
    assert run_script(s, "domcontrol d")
    assert output(s)[0].startswith(text)


def test_domblkerror_none_and_unknown() -> None:
    s = _session("<domain/>", diskErrors={})
    assert run_script(s, "domblkerror d")
    assert output(s)[0].startswith("No errors found\n")
    s = _session("<domain/>", diskErrors={"vda": 2, "vdb": 7})
    assert run_script(s, "domblkerror d")
    assert output(s)[0].startswith("vda: no space\nvdb: unknown error\n")


def test_domblkstat_flags_api_order_and_extra_fields() -> None:
    stats = {"wr_bytes": 4, "rd_operations": 1, "flush_operations": 6, "extra": 9}
    s = _session("<domain/>", blockStatsFlags=stats)
    assert run_script(s, "domblkstat d vda")
    assert output(s)[0].startswith(
        "vda rd_req 1\nvda wr_bytes 4\nvda flush_operations 6\nvda extra 9\n"
    )
    s = _session("<domain/>", blockStatsFlags=stats)
    assert run_script(s, "domblkstat d vda --human")
    out = output(s)[0]
    assert out.startswith("Device: vda\n number of read operations:      1\n")
    assert " number of flush operations:     6\n extra 9\n" in out


def test_domblkstat_other_error_is_reported_alone() -> None:
    s = _session("<domain/>", blockStatsFlags=lv_error(libvirt.VIR_ERR_INVALID_ARG, "bad"))
    assert not run_script(s, "domblkstat d vda")
    assert output(s)[1] == "error: bad\n"


def test_dommemstat_period_failure() -> None:
    s = _session(
        "<domain/>",
        isActive=1,
        setMemoryStatsPeriod=lv_error(libvirt.VIR_ERR_OPERATION_INVALID, "no"),
    )
    assert not run_script(s, "dommemstat d --period 3")
    assert output(s)[1] == "error: Unable to change balloon collection period.\nerror: no\n"


def test_domifaddr_layout() -> None:
    v4, v6 = libvirt.VIR_IP_ADDR_TYPE_IPV4, libvirt.VIR_IP_ADDR_TYPE_IPV6
    addrs = {
        "eth0": {
            "hwaddr": "52:54:00:00:00:01",
            "addrs": [
                {"type": v4, "addr": "10.0.0.2", "prefix": 8},
                {"type": v6, "addr": "fe80::1", "prefix": 64},
            ],
        },
        "lo": {"hwaddr": None, "addrs": []},
    }
    rows = [
        " eth0       52:54:00:00:00:01    ipv4         10.0.0.2/8\n",
        " -          -                    ipv6         fe80::1/64\n",
        " lo         N/A                  N/A          N/A\n",
    ]
    s = _session("<domain/>", interfaceAddresses=addrs)
    assert run_script(s, "domifaddr d")
    assert "".join(rows) in output(s)[0]
    s = _session("<domain/>", interfaceAddresses=addrs)
    assert run_script(s, "domifaddr d --full --json")
    assert json.loads(output(s)[0])[0]["addresses"][1] == {
        "protocol": "ipv6",
        "address": "fe80::1",
        "prefix": 64,
    }
    s = _session("<domain/>", interfaceAddresses=addrs)
    assert run_script(s, "domifaddr d --full")
    assert " eth0       52:54:00:00:00:01    ipv6         fe80::1/64\n" in output(s)[0]


def _json(*script: str) -> Any:
    result = run_vsh(["-c", DEFAULT, *script])
    assert result.status == 0, result.err
    return json.loads(result.out)


def test_json_schemas() -> None:
    assert _json("domblklist test --json") == [
        {"type": "file", "device": "disk", "target": "vda", "source": "/guest/diskimage1"}
    ]
    assert _json("domiflist test --json") == [
        {
            "interface": "testnet0",
            "type": "network",
            "source": "default",
            "model": None,
            "mac": "aa:bb:cc:dd:ee:ff",
        }
    ]
    info = _json("domblkinfo test vda --json")
    assert set(info) == {"capacity", "allocation", "physical"}
    assert [d["target"] for d in _json("domblkinfo test --all --json")] == ["vda"]
    stat = _json("domblkstat test vda --json")
    assert stat["device"] == "vda"
    assert list(stat["stats"]) == ["rd_req", "rd_bytes", "wr_req", "wr_bytes", "errs"]
    ifstat = _json("domifstat test testnet0 --json")
    assert list(ifstat) == ["interface", *monitor._IFSTAT_FIELDS]
    mem = _json("dommemstat test --json")
    assert mem["actual"] == 2097152
    assert _json("domtime test --json") == {"seconds": 627319920, "nanoseconds": 0}
    assert _json("domifaddr test --json") == [
        {
            "name": "testnet0",
            "mac": "aa:bb:cc:dd:ee:ff",
            "addresses": [{"protocol": "ipv4", "address": "192.168.122.3", "prefix": 24}],
        }
    ]


def test_json_link_control_and_block_errors() -> None:
    assert _json("domif-getlink test testnet0 --json") == {
        "interface": "testnet0",
        "state": "up",
    }
    assert _json("domcontrol test --json") == {
        "state": "ok",
        "reason": None,
        "state_time_ms": 0,
    }
    assert _json("domblkerror test --json") == [{"disk": "vda", "error": "unspecified error"}]


@pytest.mark.parametrize(
    ("info", "data"),
    [
        ((libvirt.VIR_DOMAIN_CONTROL_JOB, 0, 1500), ("background job", None, 1500)),
        ((libvirt.VIR_DOMAIN_CONTROL_ERROR, 2, 0), ("error", "monitor failure", 0)),
        ((libvirt.VIR_DOMAIN_CONTROL_ERROR, 0, 0), ("error", None, 0)),
        ((7, 0, 3), ("unknown", None, 3)),
    ],
)
def test_domcontrol_json_states(info: tuple[int, int, int], data: tuple[Any, ...]) -> None:
    s = _session("<domain/>", controlInfo=list(info))
    assert run_script(s, "domcontrol d --json")
    assert json.loads(output(s)[0]) == dict(
        zip(("state", "reason", "state_time_ms"), data, strict=True)
    )


def test_domblkerror_json_none_and_unknown() -> None:
    s = _session("<domain/>", diskErrors={})
    assert run_script(s, "domblkerror d --json")
    assert json.loads(output(s)[0]) == []
    s = _session("<domain/>", diskErrors={"vda": 2, "vdb": 7})
    assert run_script(s, "domblkerror d --json")
    assert json.loads(output(s)[0]) == [
        {"disk": "vda", "error": "no space"},
        {"disk": "vdb", "error": "unknown error"},
    ]


def test_json_hidden_from_help() -> None:
    result = run_vsh(["-c", DEFAULT, "help domblklist"])
    assert "--json" not in result.out
