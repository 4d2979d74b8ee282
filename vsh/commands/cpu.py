"""CPU model commands of the host group (tools/virsh-host.c): cpu-baseline,
cpu-compare, hypervisor-cpu-baseline, hypervisor-cpu-compare.

Each reads its CPUs from a file as virsh's vshExtractCPUDefXMLs does: the
file's ``<cpu>`` elements, or those of a domain, of host capabilities, or the
supported ``host-model`` mode of domain capabilities (made a bare ``<cpu>``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import libvirt

from vsh.commands.common import complete_arches, complete_virttypes, option_stack
from vsh.completion import providers
from vsh.completion.cache import depends_on
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.session import Session
from vsh.core.vshutil import read_file_all
from vsh.virt.failing import failing

GROUP = "host"
L = libvirt

_CPU_XPATH = (
    "/container/cpu|/container/domain/cpu|/container/capabilities/host/cpu|"
    "/container/domainCapabilities/cpu/mode[@name='host-model' and @supported='yes']"
)


def extract_cpus(path: str) -> list[str]:
    """vshExtractCPUDefXMLs: the CPU definitions in the file at ``path``."""
    from vsh.virt import xpathdump

    text = read_file_all(path)
    doc = text
    if text.startswith("<?xml"):
        end = text.find("?>")
        if end >= 0:
            doc = text[end + 2 :]
    cpus = xpathdump.extract(
        f"<container>{doc}</container>", path, _CPU_XPATH, bare="mode", rename="cpu"
    )
    if not cpus:
        raise VshError(
            f"File '{path}' does not contain any <cpu> element or valid domain XML, "
            "host capabilities XML, or domain capabilities XML"
        )
    return cpus


@depends_on("virttype", "emulator", "arch", "machine")
def complete_cpu_models(
    s: Session, _flags: int = 0, values: Mapping[str, object] | None = None
) -> list[str]:
    """virshCPUModelCompleter: the custom-mode CPU models of the domain
    capabilities for the hypervisor options on the line."""
    given = dict(values or {})
    args = []
    for name in ("emulator", "arch", "machine", "virttype"):
        value = given.get(name)
        if value == "":
            return []  # vshCommandOptStringReq refuses it
        args.append(value if isinstance(value, str) else None)
    conn = s.connection.current
    try:
        if conn is None or conn.isAlive() <= 0:
            return []
        caps = conn.getDomainCapabilities(*args, 0)
    except libvirt.libvirtError as err:
        providers.keep(err)
        return []
    from vsh.virt.domxml import parse_xml

    root = parse_xml(caps)
    if root is None:
        return []
    return [m.string("string(.)") for m in root.nodes("./cpu/mode[@name='custom']/model")]


def _hypervisor_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--virttype, --emulator, --arch, --machine of the hypervisor-cpu commands."""
    func = option("machine", OptKind.STRING, "machine type (/domain/os/type/@machine)")(func)
    func = option(
        "arch",
        OptKind.STRING,
        "CPU architecture (/domain/os/type/@arch)",
        completer=complete_arches,
    )(func)
    func = option("emulator", OptKind.STRING, "path to emulator binary (/domain/devices/emulator)")(
        func
    )
    return option(
        "virttype",
        OptKind.STRING,
        "virtualization type (/domain/@type)",
        completer=complete_virttypes,
    )(func)


def _hypervisor_texts(
    s: Session, virttype: str | None, emulator: str | None, arch: str | None, machine: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """The hypervisor options checked in virsh's order; in the API's order
    (emulator, arch, machine, virttype)."""
    virttype = s.text(virttype, "virttype")
    emulator = s.text(emulator, "emulator")
    arch = s.text(arch, "arch")
    machine = s.text(machine, "machine")
    return emulator, arch, machine, virttype


_FEATURES = "Show features that are part of the CPU model type"
_MIGRATABLE = "Do not include features that block migration"
_baseline_options = option_stack(
    option("features", OptKind.BOOL, _FEATURES, flag=L.VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES),
    option("migratable", OptKind.BOOL, _MIGRATABLE, flag=L.VIR_CONNECT_BASELINE_CPU_MIGRATABLE),
)
_compare_file_option = option(
    "file", OptKind.DATA, "file containing an XML CPU description", required=True, value_kind="file"
)
_INCOMPATIBLE = "report error if CPUs are incompatible"
_VALIDATE = "validate the XML document against schema"
_compare_options = option_stack(
    option("error", OptKind.BOOL, _INCOMPATIBLE, flag=L.VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE),
    option("validate", OptKind.BOOL, _VALIDATE, flag=L.VIR_CONNECT_COMPARE_CPU_VALIDATE_XML),
)


@command(
    "cpu-baseline",
    summary="compute baseline CPU",
    description="Compute baseline CPU for a set of given CPUs.",
    group=GROUP,
)
@option(
    "file", OptKind.DATA, "file containing XML CPU descriptions", required=True, value_kind="file"
)
@_baseline_options
def cpu_baseline(s: Session, file: str, features: bool, migratable: bool) -> bool:
    flags = option_flags()
    path = s.text(file, "file")
    assert path is not None
    cpus = extract_cpus(path)
    s.print(s.conn.baselineCPU(cpus, flags))
    return True


_COMPARE = {
    L.VIR_CPU_COMPARE_INCOMPATIBLE: "CPU described in {} is incompatible with host CPU\n",
    L.VIR_CPU_COMPARE_IDENTICAL: "CPU described in {} is identical to host CPU\n",
    L.VIR_CPU_COMPARE_SUPERSET: "Host CPU is a superset of CPU described in {}\n",
}
_HV_COMPARE = {
    L.VIR_CPU_COMPARE_INCOMPATIBLE: "CPU described in {} is incompatible with the CPU "
    "provided by hypervisor on the host\n",
    L.VIR_CPU_COMPARE_IDENTICAL: "CPU described in {} is identical to the CPU provided by "
    "hypervisor on the host\n",
    L.VIR_CPU_COMPARE_SUPERSET: "The CPU provided by hypervisor on the host is a superset "
    "of CPU described in {}\n",
}


def _compare(
    s: Session, path: str, what: str, compare: Callable[[str], int], texts: dict[int, str]
) -> bool:
    """The compare commands: the file's first CPU against the ``what`` CPU,
    virsh's sentence for the result; incompatible fails."""
    cpus = extract_cpus(path)
    with failing(f"Failed to compare {what} CPU with {path}"):
        result = compare(cpus[0])
    if result not in texts:
        raise VshError(f"Failed to compare {what} CPU with {path}")
    s.print(texts[result].format(path))
    return result != L.VIR_CPU_COMPARE_INCOMPATIBLE


@command(
    "cpu-compare",
    summary="compare host CPU with a CPU described by an XML file",
    description="compare CPU with host CPU",
    group=GROUP,
)
@_compare_file_option
@_compare_options
def cpu_compare(s: Session, file: str, error: bool, validate: bool) -> bool:
    flags = option_flags()
    path = s.text(file, "file")
    assert path is not None
    return _compare(s, path, "host", lambda cpu: s.conn.compareCPU(cpu, flags), _COMPARE)


@command(
    "hypervisor-cpu-baseline",
    summary="compute baseline CPU usable by a specific hypervisor",
    description="Compute baseline CPU for a set of given CPUs. The result will be "
    "tailored to the specified hypervisor.",
    group=GROUP,
)
@option("file", OptKind.STRING, "file containing XML CPU descriptions", value_kind="file")
@_hypervisor_options
@_baseline_options
@option(
    "model",
    OptKind.STRING,
    "Shortcut for calling the command with a single CPU model and no additional features",
    completer=complete_cpu_models,
)
def hypervisor_cpu_baseline(
    s: Session,
    file: str | None,
    virttype: str | None,
    emulator: str | None,
    arch: str | None,
    machine: str | None,
    features: bool,
    migratable: bool,
    model: str | None,
) -> bool:
    flags = option_flags()
    path = s.text(file, "file")
    hypervisor = _hypervisor_texts(s, virttype, emulator, arch, machine)
    model = s.text(model, "model")
    if path is not None and model is not None:
        raise VshError("Options --file and --model are mutually exclusive")
    if path is None and model is None:
        raise VshError("Either --file or --model must be provided")
    cpus = extract_cpus(path) if path is not None else [f"<cpu><model>{model}</model></cpu>"]
    result = s.conn.baselineHypervisorCPU(*hypervisor, cpus, flags)
    s.print(result)
    return True


@command(
    "hypervisor-cpu-compare",
    summary="compare a CPU with the CPU created by a hypervisor on the host",
    description="compare CPU with hypervisor CPU",
    group=GROUP,
)
@_compare_file_option
@_hypervisor_options
@_compare_options
def hypervisor_cpu_compare(
    s: Session,
    file: str,
    virttype: str | None,
    emulator: str | None,
    arch: str | None,
    machine: str | None,
    error: bool,
    validate: bool,
) -> bool:
    flags = option_flags()
    path = s.text(file, "file")
    hypervisor = _hypervisor_texts(s, virttype, emulator, arch, machine)
    assert path is not None

    def compare(cpu: str) -> int:
        return int(s.conn.compareHypervisorCPU(*hypervisor, cpu, flags))

    return _compare(s, path, "hypervisor", compare, _HV_COMPARE)
