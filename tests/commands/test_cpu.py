"""vsh.commands.cpu: the comparisons the test driver lacks.

Baselines and every error path on the test driver are compared with virsh in
tests/conformance/test_images_conformance.py; here, virConnectCompareCPU and
virConnectCompareHypervisorCPU answers from a fake, and what the commands hand
libvirt.
"""

from __future__ import annotations

from pathlib import Path

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with

L = libvirt
CPU = "<cpu>\n  <arch>x86_64</arch>\n  <model>Haswell</model>\n</cpu>"


@pytest.fixture
def cpu_file(tmp_path: Path) -> Path:
    path = tmp_path / "cpu.xml"
    path.write_text(f"<?xml version='1.0'?>\n{CPU}\n")
    return path


@pytest.mark.parametrize(
    ("result", "ok", "text"),
    [
        (L.VIR_CPU_COMPARE_IDENTICAL, True, "CPU described in {} is identical to host CPU\n"),
        (L.VIR_CPU_COMPARE_SUPERSET, True, "Host CPU is a superset of CPU described in {}\n"),
        (
            L.VIR_CPU_COMPARE_INCOMPATIBLE,
            False,
            "CPU described in {} is incompatible with host CPU\n",
        ),
    ],
)
def test_cpu_compare(cpu_file: Path, result: int, ok: bool, text: str) -> None:
    conn = Fake(compareCPU=result)
    s = session_with(conn)
    assert run_script(s, f"cpu-compare {cpu_file} --error --validate") is ok
    assert output(s) == (text.format(cpu_file) + "\n", "")
    assert conn.called("compareCPU") == [(CPU, 3)]


@pytest.mark.parametrize(
    ("result", "ok", "text"),
    [
        (
            L.VIR_CPU_COMPARE_IDENTICAL,
            True,
            "CPU described in {} is identical to the CPU provided by hypervisor on the host\n",
        ),
        (
            L.VIR_CPU_COMPARE_SUPERSET,
            True,
            "The CPU provided by hypervisor on the host is a superset of CPU described in {}\n",
        ),
        (
            L.VIR_CPU_COMPARE_INCOMPATIBLE,
            False,
            "CPU described in {} is incompatible with the CPU provided by hypervisor on the host\n",
        ),
    ],
)
def test_hypervisor_cpu_compare(cpu_file: Path, result: int, ok: bool, text: str) -> None:
    conn = Fake(compareHypervisorCPU=result)
    s = session_with(conn)
    script = f"hypervisor-cpu-compare {cpu_file} --virttype kvm --arch x86_64 --machine pc"
    assert run_script(s, script) is ok
    assert output(s) == (text.format(cpu_file) + "\n", "")
    assert conn.called("compareHypervisorCPU") == [(None, "x86_64", "pc", "kvm", CPU, 0)]


def test_hypervisor_cpu_baseline_prints_libvirts_cpu(cpu_file: Path) -> None:
    baseline = "<cpu mode='custom' match='exact'>\n  <model>Haswell</model>\n</cpu>\n"
    conn = Fake(baselineHypervisorCPU=baseline)
    s = session_with(conn)
    assert run_script(s, "hypervisor-cpu-baseline --model Haswell --emulator /bin/q --features")
    assert run_script(s, f"hypervisor-cpu-baseline {cpu_file} --migratable")
    assert output(s) == (baseline + "\n" + baseline + "\n", "")
    assert conn.called("baselineHypervisorCPU") == [
        ("/bin/q", None, None, None, ["<cpu><model>Haswell</model></cpu>"], 1),
        (None, None, None, None, [CPU], 2),
    ]


DOMCAPS = (
    "<domainCapabilities><cpu><mode name='host-model' supported='yes'><model>H</model></mode>"
    "<mode name='custom' supported='yes'><model usable='yes'>Haswell</model>"
    "<model usable='no'>Broadwell</model></mode></cpu></domainCapabilities>"
)


def test_model_completer_reads_the_domain_capabilities() -> None:
    from vsh.commands import cpu

    conn = Fake(getDomainCapabilities=DOMCAPS)
    s = session_with(conn)
    values = {"arch": "x86_64", "virttype": "kvm"}
    assert cpu.complete_cpu_models(s, 0, values) == ["Haswell", "Broadwell"]
    assert conn.called("getDomainCapabilities") == [(None, "x86_64", None, "kvm", 0)]
    assert cpu.complete_cpu_models(s, 0, {"machine": ""}) == []
    failing = Fake(getDomainCapabilities=lv_error(3, "not supported"))
    assert cpu.complete_cpu_models(session_with(failing), 0, {}) == []
