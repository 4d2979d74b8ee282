"""vsh.commands.host node commands: --json and glibc's %5.1lf for NaN/inf."""

from __future__ import annotations

import json

from tests.conformance.harness import run_vsh
from vsh.commands.host import _c_div_percent, _c_pct

DEFAULT = "test:///default"


def test_c_pct() -> None:
    assert _c_pct(_c_div_percent(0.0, 0.0)) == " -nan"
    assert _c_pct(_c_div_percent(1.0, 0.0)) == "  inf"
    assert _c_pct(_c_div_percent(1.0, 4.0)) == " 25.0"
    assert _c_pct(100.0) == "100.0"


def test_nodeinfo_json() -> None:
    out = run_vsh(["-c", DEFAULT, "nodeinfo --json"])
    assert json.loads(out.out) == {
        "cpu_model": "i686",
        "cpus": 16,
        "mhz": 1400,
        "sockets": 2,
        "cores_per_socket": 2,
        "threads_per_core": 2,
        "numa_cells": 2,
        "memory_kib": 3145728,
    }


def test_freecell_json() -> None:
    data = json.loads(run_vsh(["-c", DEFAULT, "freecell --all --json"]).out)
    assert data == {
        "cells": [{"cell": 0, "free_kib": 2048}, {"cell": 1, "free_kib": 4096}],
        "total_kib": 6144,
    }
    assert json.loads(run_vsh(["-c", DEFAULT, "freecell --json"]).out) == {
        "cells": [],
        "total_kib": 3072,
    }
    one = json.loads(run_vsh(["-c", DEFAULT, "freecell 1 --json"]).out)
    assert one == {"cells": [{"cell": 1, "free_kib": 4096}], "total_kib": 4096}


def test_cpu_and_vcpu_json() -> None:
    stats = json.loads(run_vsh(["-c", DEFAULT, "nodecpustats --json"]).out)
    assert list(stats) == ["user", "system", "idle", "iowait"]
    assert json.loads(run_vsh(["-c", DEFAULT, "maxvcpus --json"]).out) == {"max_vcpus": 32}


def test_cpu_models_json() -> None:
    data = json.loads(run_vsh(["-c", DEFAULT, "cpu-models i686 --json"]).out)
    assert data["all_accepted"] is False
    assert data["models"][:3] == ["486", "pentium", "pentium2"]
    assert "json" not in run_vsh(["help", "cpu-models"]).out


def test_cpu_models_json_all_accepted() -> None:
    from tests.commands.fakes import Fake, output, run_script, session_with

    s = session_with(Fake(getCPUModelNames=[]))
    assert run_script(s, "cpu-models x --json")
    assert json.loads(output(s)[0]) == {"models": [], "all_accepted": True}
