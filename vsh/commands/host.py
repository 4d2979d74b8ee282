"""host commands: hostname, uri, version, node information (tools/virsh-host.c); the node's
memory pages, memory tuning, CPU map, SEV and suspend are in :mod:`vsh.commands.node`."""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import complete_arches, complete_cells, complete_virttypes, opt_int
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NULL, NUM, STR, array_of, map_of, object_of, prop, shape
from vsh.core.session import Session
from vsh.virt.failing import failing

GROUP = "host"

# The libvirt release virsh was built against ("Compiled against library").
COMPILED_VERSION = 9_000_000


def version_text(number: int) -> str:
    """1000000*major + 1000*minor + release as "major.minor.release"."""
    return f"{number // 1_000_000}.{number % 1_000_000 // 1000}.{number % 1000}"


@command(
    "hostname",
    summary="print the hypervisor hostname",
    description="",
    group=GROUP,
)
def hostname(s: Session) -> bool:
    with failing("failed to get hostname"):
        name = s.conn.getHostname()
    s.print(f"{name}\n")
    return True


@command(
    "uri",
    summary="print the hypervisor canonical URI",
    description="",
    group=GROUP,
)
def uri(s: Session) -> bool:
    with failing("failed to get URI"):
        text = s.conn.getURI()
    s.print(f"{text}\n")
    return True


def version_data(s: Session, daemon: bool) -> tuple[dict[str, Any], list[str]]:
    """What ``version`` reports, and the errors virsh would print on the way.

    Raises VshError where virsh gives up (``_Partial`` when some lines were
    known by then); a daemon version that cannot be read is an error line
    but not a failure: virsh goes on and succeeds.
    """
    conn = s.conn
    with failing("failed to get hypervisor type"):
        hv_type = conn.getType()
    data: dict[str, Any] = {"compiled_library": version_text(COMPILED_VERSION)}
    try:
        lib_version, api_version = libvirt.getVersion(hv_type)
    except libvirt.libvirtError as err:
        raise _Partial(data, VshError("failed to get the library version", cause=err)) from err
    data["library"] = version_text(lib_version)
    data["hypervisor_type"] = hv_type
    data["api"] = version_text(api_version)
    try:
        hv_version = conn.getVersion()
    except libvirt.libvirtError as err:
        raise _Partial(data, VshError("failed to get the hypervisor version", cause=err)) from err
    data["hypervisor"] = version_text(hv_version) if hv_version else None
    errors: list[str] = []
    if daemon:
        try:
            data["daemon"] = version_text(conn.getLibVersion())
        except libvirt.libvirtError as err:
            data["daemon"] = None
            errors.append("failed to get the daemon version")
            s.last_error = err  # left pending, as in virsh
    return data, errors


class _Partial(Exception):
    """A failure after some of the data was known (virsh printed it already)."""

    def __init__(self, data: dict[str, Any], error: VshError) -> None:
        super().__init__(error)
        self.data = data
        self.error = error


def render_version(data: dict[str, Any]) -> str:
    lines = [f"Compiled against library: libvirt {data['compiled_library']}\n"]
    if "library" in data:
        lines.append(f"Using library: libvirt {data['library']}\n")
        lines.append(f"Using API: {data['hypervisor_type']} {data['api']}\n")
    if "hypervisor" in data:
        if data["hypervisor"] is None:
            lines.append(f"Cannot extract running {data['hypervisor_type']} hypervisor version\n")
        else:
            lines.append(f"Running hypervisor: {data['hypervisor_type']} {data['hypervisor']}\n")
    if data.get("daemon"):
        lines.append(f"Running against daemon: {data['daemon']}\n")
    return "".join(lines)


VERSION_JSON = shape(
    object_of(
        prop("compiled_library", STR, doc="the libvirt vsh reproduces (virsh's build)"),
        prop("library", STR, doc="libvirt loaded at run time"),
        prop("hypervisor_type", STR, doc='virConnectGetType ("TEST", "QEMU", ...)'),
        prop("api", STR, doc="the driver API version"),
        prop(
            "hypervisor",
            STR,
            NULL,
            doc='null: version not known (virsh: "Cannot extract")',
        ),
        prop(
            "daemon",
            STR,
            NULL,
            doc="only with --daemon; null if it cannot be read",
            optional=True,
        ),
    ),
    doc='Versions are "major.minor.release" strings, as virsh prints them.',
)


@command(
    "version",
    summary="show version",
    description="Display the system version information.",
    group=GROUP,
    json=VERSION_JSON,
)
@option("daemon", OptKind.BOOL, "report daemon version too")
@option("json", OptKind.BOOL, "print the versions as JSON", extension=True)
def version(s: Session, daemon: bool, json: bool) -> bool:
    as_json = json or s.settings.json
    try:
        data, errors = version_data(s, daemon)
    except _Partial as partial:
        if not as_json:
            s.print(render_version(partial.data))
        raise partial.error from None
    if as_json:
        from vsh.output.jsonout import render_json

        s.print(render_json(data))
    else:
        # virsh prints the daemon error between the lines it has printed and none after.
        s.print(render_version(data))
    for message in errors:
        s.error(message)
    return True


# ---------------------------------------------------------------------------
# Node information: nodeinfo, capabilities, domcapabilities, sysinfo, freecell,
# nodememstats, nodecpustats, maxvcpus, cpu-models.


def _dump_json(s: Session, obj: Any) -> None:
    from vsh.output.jsonout import render_json

    s.print(render_json(obj))


def _kv(label: str, width: int, value: object) -> str:
    """printf("%-<width>s ...") on a C string: padding counts bytes."""
    pad = width - len(label.encode())
    return f"{label}{' ' * max(pad, 0)} {value}\n"


def _node_info(conn: libvirt.virConnect) -> list[Any]:
    """virNodeGetInfo as virsh sees it: memory in KiB.

    The Python binding divides the memory by 1024 (MiB), losing the
    remainder virsh prints; the exact KiB come from libvirt itself through
    ctypes when it can be loaded, else from the binding's MiB.
    """
    info = list(conn.getInfo())
    exact = _node_memory_kib(conn)
    info[1] = exact if exact is not None else info[1] * 1024
    return info


def _node_memory_kib(conn: libvirt.virConnect) -> int | None:
    import ctypes

    class _NodeInfo(ctypes.Structure):
        _fields_ = [
            ("model", ctypes.c_char * 32),
            ("memory", ctypes.c_ulong),
            ("cpus", ctypes.c_uint),
            ("mhz", ctypes.c_uint),
            ("nodes", ctypes.c_uint),
            ("sockets", ctypes.c_uint),
            ("cores", ctypes.c_uint),
            ("threads", ctypes.c_uint),
        ]

    try:
        lib = ctypes.CDLL("libvirt.so.0")
        get_ptr = ctypes.pythonapi.PyCapsule_GetPointer
        get_ptr.restype = ctypes.c_void_p
        get_ptr.argtypes = [ctypes.py_object, ctypes.c_char_p]
        ptr = get_ptr(conn._o, b"virConnectPtr")
        lib.virNodeGetInfo.argtypes = [ctypes.c_void_p, ctypes.POINTER(_NodeInfo)]
        info = _NodeInfo()
        if lib.virNodeGetInfo(ptr, ctypes.byref(info)) < 0:
            return None
        return int(info.memory)
    except (OSError, AttributeError, ValueError, TypeError):
        return None


NODEINFO_JSON = shape(
    object_of(
        prop("cpu_model", STR),
        prop("cpus", INT),
        prop("mhz", INT, NULL, doc='null where virsh leaves the "CPU frequency:" line out (0)'),
        prop("sockets", INT),
        prop("cores_per_socket", INT),
        prop("threads_per_core", INT),
        prop("numa_cells", INT),
        prop("memory_kib", INT),
    ),
)


@command(
    "nodeinfo",
    summary="node information",
    description="Returns basic information about the node.",
    group=GROUP,
    json=NODEINFO_JSON,
)
@option("json", OptKind.BOOL, "print the node information as JSON", extension=True)
def nodeinfo(s: Session, json: bool) -> bool:
    with failing("failed to get node information"):
        model, memory, cpus, mhz, nodes, sockets, cores, threads = _node_info(s.conn)
    if json or s.settings.json:
        _dump_json(
            s,
            {
                "cpu_model": model,
                "cpus": cpus,
                "mhz": mhz or None,
                "sockets": sockets,
                "cores_per_socket": cores,
                "threads_per_core": threads,
                "numa_cells": nodes,
                "memory_kib": memory,
            },
        )
        return True
    out = [_kv("CPU model:", 20, model), _kv("CPU(s):", 20, cpus)]
    if mhz:
        out.append(_kv("CPU frequency:", 20, f"{mhz} MHz"))
    out += [
        _kv("CPU socket(s):", 20, sockets),
        _kv("Core(s) per socket:", 20, cores),
        _kv("Thread(s) per core:", 20, threads),
        _kv("NUMA cell(s):", 20, nodes),
        _kv("Memory size:", 20, f"{memory} KiB"),
    ]
    s.print("".join(out))
    return True


@command(
    "capabilities",
    summary="capabilities",
    description="Returns capabilities of hypervisor/driver.",
    group=GROUP,
)
def capabilities(s: Session) -> bool:
    with failing("failed to get capabilities"):
        caps = s.conn.getCapabilities()
    s.print(f"{caps}\n")
    return True


@command(
    "domcapabilities",
    summary="domain capabilities",
    description="Returns capabilities of emulator with respect to host and libvirt.",
    group=GROUP,
)
@option(
    "virttype",
    OptKind.STRING,
    "virtualization type (/domain/@type)",
    completer=complete_virttypes,
)
@option("emulatorbin", OptKind.STRING, "path to emulator binary (/domain/devices/emulator)")
@option(
    "arch",
    OptKind.STRING,
    "domain architecture (/domain/os/type/@arch)",
    completer=complete_arches,
)
@option("machine", OptKind.STRING, "machine type (/domain/os/type/@machine)")
def domcapabilities(
    s: Session,
    virttype: str | None,
    emulatorbin: str | None,
    arch: str | None,
    machine: str | None,
) -> bool:
    virttype = s.text(virttype, "virttype")
    emulatorbin = s.text(emulatorbin, "emulatorbin")
    arch = s.text(arch, "arch")
    machine = s.text(machine, "machine")
    with failing("failed to get emulator capabilities"):
        caps = s.conn.getDomainCapabilities(emulatorbin, arch, machine, virttype, 0)
    s.print(f"{caps}\n")
    return True


@command(
    "sysinfo",
    summary="print the hypervisor sysinfo",
    description="output an XML string for the hypervisor sysinfo, if available",
    group=GROUP,
)
def sysinfo(s: Session) -> bool:
    with failing("failed to get sysinfo"):
        text = s.conn.getSysinfo(0)
    s.print(text)
    return True


def _pending_error_text() -> str:
    """The message of libvirt's last error on this thread, as virsh's
    vshReportError would print it when a call failed without raising."""
    err = libvirt.virGetLastError()
    if err and err[0]:
        return str(err[2])
    return "An error occurred, but the cause is unknown"


def freecell_data(s: Session, cellno: int | None, all_: bool) -> dict[str, Any]:
    """What cmdFreecell reports: per-cell and total free memory in KiB.

    Raises VshError (or lets a libvirtError through) where virsh fails.
    """
    conn = s.conn
    if not all_:
        if cellno is not None:
            if cellno < 0:
                # libvirt's own argument check (virCheckNonNegativeArgGoto);
                # the Python binding drops its message.
                raise VshError("startCell in virNodeGetCellsFreeMemory must be zero or greater")
            free = conn.getCellsFreeMemory(cellno, 1)
            if len(free) != 1:
                raise VshError(_pending_error_text())
            return {"cells": [{"cell": cellno, "free_kib": free[0] // 1024}], "total_kib": None}
        memory = conn.getFreeMemory()
        if not memory:
            # The binding does not raise for 0: virsh reports libvirt's last error.
            raise VshError(_pending_error_text())
        return {"cells": [], "total_kib": memory // 1024}
    with failing("unable to get node capabilities"):
        caps = conn.getCapabilities()
    from vsh.virt import xpathdump

    root = xpathdump.parse(caps, "(capabilities)")
    if root is None:
        raise VshError("unable to get node capabilities")
    nodes = root.xpath("/capabilities/host/topology/cells/cell")
    assert isinstance(nodes, list)
    from vsh.core.numbers import c_ullong

    cells = []
    total = 0
    for node in nodes:
        text = node.xpath("string(@id)") if node.xpath("boolean(@id)") else None
        ident = c_ullong(str(text), positive=True) if text is not None else None
        if ident is None or ident > 2**64 - 1:
            raise VshError("conversion from string failed")
        with failing(f"failed to get free memory for NUMA node number: {ident}"):
            free = conn.getCellsFreeMemory(ident, 1)
        if len(free) != 1:
            raise VshError(f"failed to get free memory for NUMA node number: {ident}")
        cells.append({"cell": ident, "free_kib": free[0] // 1024})
        total += free[0]
    return {"cells": cells, "total_kib": total // 1024}


FREECELL_JSON = shape(
    object_of(
        prop(
            "cells",
            array_of(object_of(prop("cell", INT), prop("free_kib", INT))),
            doc="empty without --all or --cellno",
        ),
        prop("total_kib", INT),
    ),
)


@command(
    "freecell",
    summary="NUMA free memory",
    description="display available free memory for the NUMA cell.",
    group=GROUP,
    exclusive=(("all", "cellno"),),
    json=FREECELL_JSON,
)
@option("cellno", OptKind.INT, "NUMA cell number", completer=complete_cells)
@option("all", OptKind.BOOL, "show free memory for all NUMA cells")
@option("json", OptKind.BOOL, "print the free memory as JSON", extension=True)
def freecell(s: Session, cellno: str | None, all: bool, json: bool) -> bool:
    cell = opt_int(cellno, "cellno")
    data = freecell_data(s, cell, all)
    if json or s.settings.json:
        if data["total_kib"] is None:
            data["total_kib"] = sum(c["free_kib"] for c in data["cells"])
        _dump_json(s, data)
        return True
    if not all:
        if cell is not None:
            s.print(f"{cell}: {data['cells'][0]['free_kib']} KiB\n")
        else:
            s.print(f"Total: {data['total_kib']} KiB\n")
        return True
    s.print("".join(f"{c['cell']:5d}: {c['free_kib']:10d} KiB\n" for c in data["cells"]))
    s.print_extra("--------------------\n")
    s.print_extra(f"{'Total':>5s}: {data['total_kib']:10d} KiB\n")
    return True


NODEMEMSTATS_JSON = shape(
    map_of(INT, key="field"),
    doc="The driver's fields, in its order, values in KiB.",
)


@command(
    "nodememstats",
    summary="Prints memory stats of the node.",
    description="Returns memory stats of the node, in kilobytes.",
    group=GROUP,
    json=NODEMEMSTATS_JSON,
)
@option("cell", OptKind.INT, "prints specified cell statistics only.")
@option("json", OptKind.BOOL, "print the memory statistics as JSON", extension=True)
def nodememstats(s: Session, cell: str | None, json: bool) -> bool:
    number = opt_int(cell, "cell")
    with failing("Unable to get number of memory stats"):
        stats = s.conn.getMemoryStats(-1 if number is None else number, 0)
    if json or s.settings.json:
        _dump_json(s, dict(stats))
        return True
    lines = []
    for field, value in stats.items():
        pad = " " * max(7 - len(field.encode()), 0)
        lines.append(f"{field}{pad}: {value:20d} KiB\n")
    s.print("".join(lines))
    return True


# virshCPUStats: the fields virsh knows, with their labels, in its order.
_CPU_FIELDS = (
    ("user", "user:"),
    ("kernel", "system:"),
    ("idle", "idle:"),
    ("iowait", "iowait:"),
    ("intr", "intr:"),
)
_CPU_JSON_KEYS = {
    "user": "user",
    "kernel": "system",
    "idle": "idle",
    "iowait": "iowait",
    "intr": "intr",
}


def _c_div_percent(part: float, total: float) -> float:
    """C's ``part / total * 100`` on doubles (x86: 0/0 is a negative NaN)."""
    if total == 0:
        if part == 0:
            return -float("nan")
        return float("inf") if part > 0 else float("-inf")
    return part / total * 100


def _c_pct(value: float) -> str:
    """printf("%5.1lf") as glibc writes it, NaN and infinities included."""
    import math

    if math.isnan(value):
        text = "-nan" if math.copysign(1.0, value) < 0 else "nan"
        return f"{text:>5s}"
    if math.isinf(value):
        return f"{'-inf' if value < 0 else 'inf':>5s}"
    return f"{value:5.1f}"


def _complete_node_cpus(s: Session, _flags: int = 0) -> list[str]:
    """virshNodeCpuCompleter: the online CPUs of the host."""
    try:
        info = s.conn.getInfo()
        return [str(i) for i in range(info[2])]
    except Exception:  # completion never fails
        return []


NODECPUSTATS_JSON = shape(
    object_of(
        *(prop(name, INT, optional=True) for name in _CPU_JSON_KEYS.values()),
        when="without --percent",
    ),
    object_of(
        prop("usage", NUM, NULL),
        *(prop(name, NUM, NULL, optional=True) for name in _CPU_JSON_KEYS.values()),
        when="with --percent",
    ),
    doc="""The fields virsh prints (user, system, idle, iowait, intr: those the
    driver reports), in nanoseconds; with --percent, percentages (numbers;
    null where virsh prints "nan") keyed the same plus usage.""",
)


@command(
    "nodecpustats",
    summary="Prints cpu stats of the node.",
    description="Returns cpu stats of the node, in nanoseconds.",
    group=GROUP,
    json=NODECPUSTATS_JSON,
)
@option("cpu", OptKind.INT, "prints specified cpu statistics only.", completer=_complete_node_cpus)
@option("percent", OptKind.BOOL, "prints by percentage during 1 second.")
@option("json", OptKind.BOOL, "print the cpu statistics as JSON", extension=True)
def nodecpustats(s: Session, cpu: str | None, percent: bool, json: bool) -> bool:
    number = opt_int(cpu, "cpu")
    cpu_num = -1 if number is None else number
    conn = s.conn
    with failing("Unable to get number of cpu stats"):
        first = conn.getCPUStats(cpu_num, 0)
    if not first:
        return True
    stats: dict[str, int] = {}
    for key, _label in _CPU_FIELDS:
        if key in first:
            stats[key] = first[key]
    usage = first.get("utilization")
    if percent and usage is None:
        import time

        time.sleep(1)
        with failing("Unable to get node cpu stats"):
            second = conn.getCPUStats(cpu_num, 0)
        for key in stats:
            if key in second:
                stats[key] = (second[key] - stats[key]) % 2**64
        # virsh's sampling loop sleeps after its second sample too (its usage
        # check only looks at the first), so the command takes two seconds.
        time.sleep(1)
    as_json = json or s.settings.json
    if not percent:
        if as_json:
            _dump_json(s, {_CPU_JSON_KEYS[k]: v for k, v in stats.items()})
            return True
        s.print(
            "".join(
                _kv(label, 15, f"{stats[key]:20d}") for key, label in _CPU_FIELDS if key in stats
            )
        )
        return True
    if usage is not None:
        if as_json:
            _dump_json(s, {"usage": float(usage), "idle": float(100 - usage)})
            return True
        s.print(_kv("usage:", 15, f"{usage:5d}%"))
        s.print(_kv("idle:", 15, f"{(100 - usage) % 2**64:5d}%"))
        return True
    total = float(sum(stats.values()))
    pct = {key: _c_div_percent(float(value), total) for key, value in stats.items()}
    total_usage = _c_div_percent(float(stats.get("user", 0) + stats.get("kernel", 0)), total)
    if as_json:
        import math

        data = {"usage": None if math.isnan(total_usage) else total_usage}
        for key, value in pct.items():
            data[_CPU_JSON_KEYS[key]] = None if math.isnan(value) else value
        _dump_json(s, data)
        return True
    out = [_kv("usage:", 15, _c_pct(total_usage) + "%")]
    out += [_kv(label, 15, _c_pct(pct[key]) + "%") for key, label in _CPU_FIELDS if key in pct]
    s.print("".join(out))
    return True


MAXVCPUS_JSON = shape(object_of(prop("max_vcpus", INT)))


@command(
    "maxvcpus",
    summary="connection vcpu maximum",
    description="Show maximum number of virtual CPUs for guests on this connection.",
    group=GROUP,
    json=MAXVCPUS_JSON,
)
@option("type", OptKind.STRING, "domain type", completer=complete_virttypes)
@option("json", OptKind.BOOL, "print the maximum as JSON", extension=True)
def maxvcpus(s: Session, type: str | None, json: bool) -> bool:
    kind = s.text(type, "type")
    conn = s.conn
    vcpus = -1
    try:
        caps = conn.getDomainCapabilities(None, None, None, kind, 0)
    except libvirt.libvirtError:
        caps = None
        s.last_error = None
    if caps is not None:
        from vsh.core.numbers import c_int
        from vsh.virt import xpathdump

        root = xpathdump.parse(caps, "(domainCapabilities)")
        if root is None:
            return False
        found = c_int(str(root.xpath("string(./vcpu[1]/@max)")))
        if found is not None:
            vcpus = found
    if vcpus < 0:
        vcpus = conn.getMaxVcpus(kind)
        if vcpus < 0:
            return False
    if json or s.settings.json:
        _dump_json(s, {"max_vcpus": vcpus})
    else:
        s.print(f"{vcpus}\n")
    return True


CPU_MODELS_JSON = shape(
    object_of(
        prop("models", array_of(STR), doc='"486", ...; empty when all_accepted'),
        prop(
            "all_accepted",
            BOOL,
            doc='true where virsh prints "all CPU models are accepted"',
        ),
    ),
)


@command(
    "cpu-models",
    summary="CPU models",
    description="Get the CPU models for an arch.",
    group=GROUP,
    json=CPU_MODELS_JSON,
)
@option("arch", OptKind.DATA, "architecture", required=True, completer=complete_arches)
@option("json", OptKind.BOOL, "print the CPU models as JSON", extension=True)
def cpu_models(s: Session, arch: str, json: bool) -> bool:
    name = s.text(arch, "arch")
    with failing("failed to get CPU model names"):
        models = s.conn.getCPUModelNames(name, 0)
    if json or s.settings.json:
        _dump_json(s, {"models": list(models or []), "all_accepted": not models})
        return True
    if not models:
        s.print_extra("all CPU models are accepted\n")
    else:
        s.print("".join(f"{m}\n" for m in models))
    return True
