"""vsh.commands.host: version data, its text as virsh prints it, the node
commands' --json and glibc's %5.1lf for NaN/inf.

Texts follow cmdVersion/cmdURI/cmdHostname in tools/virsh-host.c; the
differential tests are in tests/conformance/test_host_conformance.py.
"""

from __future__ import annotations

import json

import libvirt

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from tests.conformance.harness import run_vsh
from vsh.commands.host import _c_div_percent, _c_pct, render_version, version_text


def test_version_text() -> None:
    assert version_text(9_000_000) == "9.0.0"
    assert version_text(0) == "0.0.0"
    assert version_text(2) == "0.0.2"
    assert version_text(1_002_003) == "1.2.3"
    assert version_text(10_010_999) == "10.10.999"


def test_render_version() -> None:
    data = {
        "compiled_library": "9.0.0",
        "library": "9.0.0",
        "hypervisor_type": "TEST",
        "api": "9.0.0",
        "hypervisor": "0.0.2",
    }
    # virsh -c test:///default version (reference section 3.1)
    assert render_version(data) == (
        "Compiled against library: libvirt 9.0.0\n"
        "Using library: libvirt 9.0.0\n"
        "Using API: TEST 9.0.0\n"
        "Running hypervisor: TEST 0.0.2\n"
    )
    assert render_version(dict(data, daemon="9.0.0")).endswith(
        "Running hypervisor: TEST 0.0.2\nRunning against daemon: 9.0.0\n"
    )
    assert render_version(dict(data, hypervisor=None)).endswith(
        "Cannot extract running TEST hypervisor version\n"
    )
    assert render_version({"compiled_library": "9.0.0"}) == (
        "Compiled against library: libvirt 9.0.0\n"
    )


def _conn(**more: object) -> Fake:
    base: dict[str, object] = {
        "getType": "QEMU",
        "getVersion": 7_002_000,
        "getLibVersion": 9_000_000,
        "getURI": "qemu:///system",
        "getHostname": "host.example",
    }
    base.update(more)
    return Fake(**base)


def test_version_on_another_driver() -> None:
    s = session_with(_conn())
    assert run_script(s, "version --daemon")
    assert output(s) == (
        "Compiled against library: libvirt 9.0.0\n"
        "Using library: libvirt 9.0.0\n"
        "Using API: QEMU 9.0.0\n"
        "Running hypervisor: QEMU 7.2.0\n"
        "Running against daemon: 9.0.0\n\n",
        "",
    )


def test_version_unknown_hypervisor_version() -> None:
    s = session_with(_conn(getVersion=0))
    assert run_script(s, "version")
    assert output(s)[0].endswith("Cannot extract running QEMU hypervisor version\n\n")


def test_version_daemon_failure_is_not_fatal() -> None:
    s = session_with(_conn(getLibVersion=lv_error(libvirt.VIR_ERR_NO_SUPPORT, "no")))
    assert run_script(s, "version --daemon")
    out, err = output(s)
    assert out.endswith("Running hypervisor: QEMU 7.2.0\n\n")
    assert err == "error: failed to get the daemon version\n"


def test_version_failures() -> None:
    s = session_with(_conn(getType=lv_error(libvirt.VIR_ERR_RPC, "rpc")))
    assert not run_script(s, "version")
    assert output(s) == ("\n", "error: failed to get hypervisor type\nerror: rpc\n")
    s = session_with(_conn(getVersion=lv_error(libvirt.VIR_ERR_RPC, "rpc")))
    assert not run_script(s, "version")
    out, err = output(s)
    assert out == (
        "Compiled against library: libvirt 9.0.0\n"
        "Using library: libvirt 9.0.0\n"
        "Using API: QEMU 9.0.0\n\n"
    )
    assert err == "error: failed to get the hypervisor version\nerror: rpc\n"


def test_uri_and_hostname() -> None:
    s = session_with(_conn())
    assert run_script(s, "uri; hostname")
    assert output(s) == ("qemu:///system\n\nhost.example\n\n", "")
    s = session_with(_conn(getURI=lv_error(1, "x"), getHostname=lv_error(1, "y")))
    assert not run_script(s, "uri; hostname")
    assert output(s)[1] == (
        "error: failed to get URI\nerror: x\nerror: failed to get hostname\nerror: y\n"
    )


def test_version_json() -> None:
    outcome = run_vsh(["-q", "-c", "test:///default", "version --json --daemon"])
    assert outcome.status == 0 and outcome.err == ""
    assert json.loads(outcome.out) == {
        "compiled_library": "9.0.0",
        "library": "9.0.0",
        "hypervisor_type": "TEST",
        "api": "9.0.0",
        "hypervisor": "0.0.2",
        "daemon": "9.0.0",
    }
    outcome = run_vsh(["-q", "-c", "test:///default", "version --json"])
    assert "daemon" not in json.loads(outcome.out)
    assert "json" not in run_vsh(["help", "version"]).out


# --- node commands ----------------------------------------------------------

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
