"""vsh.commands.monitor.blocks: domblklist, domblkinfo, domblkstat and
domblkerror, with fakes for paths the test driver cannot reach, and their
``--json`` schemas.

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
from vsh.commands.monitor import blocks

DEFAULT = "test:///default"


def _session(xml: str, **dom_methods: Any) -> Any:
    dom = Fake(name="d", ID=1, XMLDesc=xml, **dom_methods)
    conn = Fake(lookupByID=dom, lookupByName=dom)
    return session_with(conn)


def _json(*script: str) -> Any:
    result = run_vsh(["-c", DEFAULT, *script])
    assert result.status == 0, result.err
    return json.loads(result.out)


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
    assert blocks.pretty_capacity3(value) == text


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


# cmdDomBlkError prints "No errors found\n" or "%s: %s\n" per disk, the error
# as virshDomainIOErrorToString words it ("unknown error" past the table);
# the runner then ends the command with "\n" (virsh -c test:///default
# domblkerror test prints "vda: unspecified error\n\n").
def test_domblkerror_none_and_unknown() -> None:
    s = _session("<domain/>", diskErrors={})
    assert run_script(s, "domblkerror d")
    assert output(s) == ("No errors found\n\n", "")
    s = _session("<domain/>", diskErrors={"vda": 2, "vdb": 7})
    assert run_script(s, "domblkerror d")
    assert output(s) == ("vda: no space\nvdb: unknown error\n\n", "")


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


def test_json_schemas() -> None:
    assert _json("domblklist test --json") == [
        {"type": "file", "device": "disk", "target": "vda", "source": "/guest/diskimage1"}
    ]
    info = _json("domblkinfo test vda --json")
    assert set(info) == {"capacity", "allocation", "physical"}
    assert [d["target"] for d in _json("domblkinfo test --all --json")] == ["vda"]
    stat = _json("domblkstat test vda --json")
    assert stat["device"] == "vda"
    assert list(stat["stats"]) == ["rd_req", "rd_bytes", "wr_req", "wr_bytes", "errs"]
    assert _json("domblkerror test --json") == [{"disk": "vda", "error": "unspecified error"}]


def test_json_hidden_from_help() -> None:
    for name in ("domblklist", "domblkinfo", "domblkstat", "domblkerror"):
        assert "--json" not in run_vsh(["-c", DEFAULT, "help", name]).out
