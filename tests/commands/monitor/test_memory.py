"""vsh.commands.monitor.memory: dommemstat (fakes for paths the test driver
cannot reach) and its ``--json``.

Differential tests against /usr/bin/virsh are in
tests/conformance/test_monitor_conformance.py.
"""

from __future__ import annotations

import json
from typing import Any

import libvirt

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from tests.conformance.harness import run_vsh

DEFAULT = "test:///default"


def _session(xml: str, **dom_methods: Any) -> Any:
    dom = Fake(name="d", ID=1, XMLDesc=xml, **dom_methods)
    conn = Fake(lookupByID=dom, lookupByName=dom)
    return session_with(conn)


def test_dommemstat_period_failure() -> None:
    s = _session(
        "<domain/>",
        isActive=1,
        setMemoryStatsPeriod=lv_error(libvirt.VIR_ERR_OPERATION_INVALID, "no"),
    )
    assert not run_script(s, "dommemstat d --period 3")
    assert output(s)[1] == "error: Unable to change balloon collection period.\nerror: no\n"


def test_json_schema() -> None:
    result = run_vsh(["-c", DEFAULT, "dommemstat test --json"])
    assert result.status == 0, result.err
    assert json.loads(result.out)["actual"] == 2097152
    assert "--json" not in run_vsh(["-c", DEFAULT, "help", "dommemstat"]).out
