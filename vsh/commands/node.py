"""host commands about the node's memory, CPUs and power (tools/virsh-host.c):
allocpages, freepages, node-memory-tune, nodecpumap, nodesevinfo, nodesuspend.

The rest of the host group is in :mod:`vsh.commands.host`.  Free pages and
the node's memory parameters are read with libvirt's own calls
(:mod:`vsh.virt.typedcall`): the binding's getFreePages trusts the call's
return value, which the test driver leaves at 0, and its
setMemoryParameters fetches first and masks the driver's error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libvirt

from vsh.commands.common import (
    complete_cells,
    json_text,
    opt_int,
    opt_scaled,
    opt_uint,
    opt_ullong,
)
from vsh.completion.cache import depends_on
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NUM, STR, array_of, map_of, object_of, prop, shape
from vsh.core.numbers import UINT_MAX, as_signed64, c_int, c_llong, c_ullong, numeric_message
from vsh.core.session import Session
from vsh.virt import typedcall
from vsh.virt.failing import failing
from vsh.virt.typedparams import typed_value

GROUP = "host"
L = libvirt

_CELLS = "/capabilities/host/topology/cells/cell"


def _c_pad(label: str, width: int) -> str:
    """printf's ``%-Ns``: padded to ``width`` bytes."""
    return label + " " * max(0, width - len(label.encode()))


def _div_up(value: int, by: int) -> int:
    return (value + by - 1) // by


def _capabilities(s: Session, url: str, parse_error: str) -> Any:
    """The node's capabilities document (root node), with virsh's two messages."""
    from vsh.virt import xpathdump

    with failing("unable to get node capabilities"):
        caps = s.conn.getCapabilities()
    root = xpathdump.parse(caps, url)
    if root is None:
        raise VshError(parse_error)
    return root


def _prop(node: Any, name: str) -> str | None:
    """virXMLPropString: the attribute's value, None when absent."""
    return str(node.xpath(f"string(@{name})")) if node.xpath(f"boolean(@{name})") else None


@depends_on("cellno")
def complete_pagesizes(
    s: Session, _flags: int = 0, values: Mapping[str, object] | None = None
) -> list[str]:
    """virshAllocpagesPagesizeCompleter: the page sizes of the cell given by
    --cellno, else of the host's CPU, as ``4KiB``, ``2MiB``, ``1GiB``."""
    from vsh.core.numbers import ULLONG_MAX, scale_integer
    from vsh.output.text import capacity_parts

    cell = (values or {}).get("cellno")
    if isinstance(cell, str) and cell:
        path = f'{_CELLS}[@id="{cell}"]/pages'
    else:
        path = "/capabilities/host/cpu/pages"
    try:
        root = _capabilities(s, "capabilities", "")
        sizes = []
        for node in root.nodes(path):
            size = c_ullong(_prop(node, "size") or "")
            if size is None:
                return []
            unit = _prop(node, "unit") or ""
            value, shown = capacity_parts(scale_integer(size, unit, 1024, ULLONG_MAX))
            sizes.append(f"{value:.0f}{shown}")
        return sizes
    except Exception:  # completion never fails
        return []


_CELLNO_HELP = "NUMA cell number"
_PAGESIZE_HELP = "page size (in kibibytes)"


# ---------------------------------------------------------------------------
# allocpages


@command(
    "allocpages",
    summary="Manipulate pages pool size",
    description="Allocate or free some pages in the pool for NUMA cell.",
    group=GROUP,
    exclusive=(("all", "cellno"),),
)
@option("pagesize", OptKind.INT, _PAGESIZE_HELP, required=True, completer=complete_pagesizes)
@option("pagecount", OptKind.INT, "page count", required=True)
@option("cellno", OptKind.INT, _CELLNO_HELP, completer=complete_cells)
@option("add", OptKind.BOOL, "instead of setting new pool size add pages to it")
@option("all", OptKind.BOOL, "set on all NUMA cells")
def allocpages(
    s: Session, pagesize: str, pagecount: str, cellno: str | None, add: bool, all: bool
) -> bool:
    start = opt_int(cellno, "cellno")
    size = opt_scaled(pagesize, "pagesize", 1024, UINT_MAX * 1024)
    assert size is not None
    pages = {_div_up(size, 1024): opt_ullong(pagecount, "pagecount")}
    flags = L.VIR_NODE_ALLOC_PAGES_ADD if add else L.VIR_NODE_ALLOC_PAGES_SET
    conn = s.conn
    if not all:
        conn.allocPages(pages, -1 if start is None else start, 1, flags)
        return True
    root = _capabilities(s, "(capabilities)", "unable to get node capabilities")
    for node in root.nodes(_CELLS):
        ident = c_ullong(_prop(node, "id") or "", positive=True)
        if ident is None:
            raise VshError("conversion from string failed")
        conn.allocPages(pages, ident, 1, flags)
    return True


# ---------------------------------------------------------------------------
# freepages

FREEPAGES_JSON = shape(
    array_of(
        object_of(
            prop("cell", INT, doc="as given to --cellno (-1: libvirt's choice)"),
            prop(
                "pages",
                array_of(object_of(prop("size_kib", INT), prop("free", INT))),
                doc="one entry per page size, in virsh's order",
            ),
        )
    ),
    doc="One entry per cell: every cell of the host with --all, else the one asked for.",
)


def _page_sizes(root: Any) -> list[int]:
    """The host's page sizes, sorted and without duplicates (virsh's --all
    without --pagesize): the CPU's list, else the cells' lists."""
    nodes = root.nodes("/capabilities/host/cpu/pages")
    if not nodes:
        nodes = root.nodes(f"{_CELLS}/pages")
        if not nodes:
            raise VshError("could not get information about supported page sizes")
    sizes = []
    for node in nodes:
        text = _prop(node, "size")
        size = opt_size(text)
        if size is None:
            raise VshError(f"unable to parse page size: {'(null)' if text is None else text}")
        sizes.append(size)
    return sorted(set(sizes))


def opt_size(text: str | None) -> int | None:
    """virStrToLong_uip: an unsigned int without a sign, or None."""
    if text is None or "-" in text:
        return None
    from vsh.core.numbers import c_uint

    return c_uint(text)


def _free_rows(s: Session, sizes: list[int], cell: int) -> dict[str, Any]:
    counts = typedcall.node_free_pages(s.conn, sizes, cell, 1)
    pages = [
        {"size_kib": size, "free": as_signed64(count)}
        for size, count in zip(sizes, counts, strict=True)
    ]
    return {"cell": cell, "pages": pages}


def _free_text(entry: dict[str, Any]) -> str:
    return "".join(f"{p['size_kib']}KiB: {p['free']}\n" for p in entry["pages"])


@command(
    "freepages",
    summary="NUMA free pages",
    description="display available free pages for the NUMA cell.",
    group=GROUP,
    exclusive=(("all", "cellno"),),
    json=FREEPAGES_JSON,
)
@option("cellno", OptKind.INT, _CELLNO_HELP, completer=complete_cells)
@option("pagesize", OptKind.INT, _PAGESIZE_HELP, completer=complete_pagesizes)
@option("all", OptKind.BOOL, "show free pages for all NUMA cells")
@option("json", OptKind.BOOL, "print the free pages as JSON", extension=True)
def freepages(s: Session, cellno: str | None, pagesize: str | None, all: bool, json: bool) -> bool:
    as_json = json or s.settings.json
    size = opt_scaled(pagesize, "pagesize", 1024, UINT_MAX)
    kib = _div_up(size or 0, 1024)
    entries = []
    if all:
        root = _capabilities(s, "capabilities", "unable to parse node capabilities")
        sizes = _page_sizes(root) if pagesize is None else [kib]
        for node in root.nodes(_CELLS):
            text = _prop(node, "id")
            cell = c_int(text) if text is not None else None
            if cell is None:
                raise VshError(f"unable to parse numa node id: {text}")
            entry = _free_rows(s, sizes, cell)
            entries.append(entry)
            if not as_json:
                s.print(f"Node {cell}:\n{_free_text(entry)}\n")
    else:
        if cellno is None:
            raise VshError("missing cellno argument")
        cell = opt_int(cellno, "cellno")
        assert cell is not None
        if cell < -1:
            raise VshError("cell number must be non-negative integer or -1")
        if pagesize is None:
            raise VshError("missing pagesize argument")
        entry = _free_rows(s, [kib], cell)
        entries.append(entry)
        if not as_json:
            s.print(_free_text(entry))
    if as_json:
        s.print(json_text(entries))
    return True


# ---------------------------------------------------------------------------
# node-memory-tune

_SHM_PARAMS = (
    ("shm-pages-to-scan", L.VIR_NODE_MEMORY_SHARED_PAGES_TO_SCAN),
    ("shm-sleep-millisecs", L.VIR_NODE_MEMORY_SHARED_SLEEP_MILLISECS),
    ("shm-merge-across-nodes", L.VIR_NODE_MEMORY_SHARED_MERGE_ACROSS_NODES),
)

NODE_MEMORY_TUNE_JSON = shape(
    map_of(INT, NUM, BOOL, STR, key="field"),
    doc="The driver's parameters in its order (shm_pages_to_scan, ...); only when querying: "
    "setting prints nothing.",
)


@command(
    "node-memory-tune",
    summary="Get or set node memory parameters",
    description="Get or set node memory parameters\n"
    "    To get the memory parameters, use following command: \n\n"
    "    virsh # node-memory-tune",
    group=GROUP,
    json=NODE_MEMORY_TUNE_JSON,
)
@option(
    "shm-pages-to-scan",
    OptKind.INT,
    "number of pages to scan before the shared memory service goes to sleep",
)
@option(
    "shm-sleep-millisecs",
    OptKind.INT,
    "number of millisecs the shared memory service should sleep before next scan",
)
@option(
    "shm-merge-across-nodes",
    OptKind.INT,
    "Specifies if pages from different numa nodes can be merged",
)
@option("json", OptKind.BOOL, "print the memory parameters as JSON", extension=True)
def node_memory_tune(s: Session, json: bool, **values: str | None) -> bool:
    params = []
    for name, field in _SHM_PARAMS:
        value = opt_uint(values[name.replace("-", "_")], name)
        if value is not None:
            params.append(typedcall.Param(field, typedcall.UINT, value))
    conn = s.conn
    if params:
        with failing("Unable to change memory parameters"):
            typedcall.node_store(conn, "virNodeSetMemoryParameters", params, 0)
        return True
    with failing("Unable to get number of memory parameters"):
        n = typedcall.node_count(conn, "virNodeGetMemoryParameters", 0)
    if n == 0:
        return True
    with failing("Unable to get memory parameters"):
        got = typedcall.node_fetch(conn, "virNodeGetMemoryParameters", n, 0)
    if json or s.settings.json:
        s.print(json_text({p.field: p.value for p in got}))
        return True
    lines = [f"\t{_c_pad(p.field, 15)} {typed_value(p.value)}\n" for p in got]
    s.print("Shared memory:\n" + "".join(lines))
    return True


# ---------------------------------------------------------------------------
# nodecpumap

NODECPUMAP_JSON = shape(
    object_of(
        prop("cpus_present", INT),
        prop("cpus_online", INT),
        prop("online", array_of(INT), doc="the online CPUs' numbers, ascending"),
    ),
)


@command(
    "nodecpumap",
    summary="node cpu map",
    description="Displays the node's total number of CPUs, the number of online CPUs and the "
    "list of online CPUs.",
    group=GROUP,
    json=NODECPUMAP_JSON,
)
@option("pretty", OptKind.BOOL, "return human readable output")
@option("json", OptKind.BOOL, "print the CPU map as JSON", extension=True)
def nodecpumap(s: Session, pretty: bool, json: bool) -> bool:
    with failing("Unable to get cpu map"):
        cpunum, cpumap, online = s.conn.getCPUMap(0)
    if json or s.settings.json:
        data = {
            "cpus_present": cpunum,
            "cpus_online": online,
            "online": [i for i, up in enumerate(cpumap) if up],
        }
        s.print(json_text(data))
        return True
    if pretty:
        from vsh.virt.cpumap import format_bitmap

        shown = format_bitmap(cpumap)
    else:
        shown = "".join("y" if up else "-" for up in cpumap)
    s.print(
        f"{_c_pad('CPUs present:', 15)} {cpunum}\n"
        f"{_c_pad('CPUs online:', 15)} {online}\n"
        f"{_c_pad('CPU map:', 15)} {shown}\n"
    )
    return True


# ---------------------------------------------------------------------------
# nodesevinfo

NODESEVINFO_JSON = shape(
    map_of(INT, STR, key="field"),
    doc="The driver's fields in its order (pdh, cert-chain, cbitpos, ...).",
)


@command(
    "nodesevinfo",
    summary="node SEV information",
    description="Returns basic SEV information about the node.",
    group=GROUP,
    json=NODESEVINFO_JSON,
)
@option("json", OptKind.BOOL, "print the SEV information as JSON", extension=True)
def nodesevinfo(s: Session, json: bool) -> bool:
    with failing("Unable to get host SEV information"):
        info = s.conn.getSEVInfo(0)
    if json or s.settings.json:
        s.print(json_text(dict(info)))
        return True
    s.print("".join(f"{_c_pad(k, 18)}: {typed_value(v)}\n" for k, v in info.items()))
    return True


# ---------------------------------------------------------------------------
# nodesuspend

# virshNodeSuspendTarget, in VIR_NODE_SUSPEND_TARGET_* order.
SUSPEND_TARGETS = ("mem", "disk", "hybrid")


def _complete_targets(_s: Session, _flags: int = 0) -> list[str]:
    """virshNodeSuspendTargetCompleter."""
    return list(SUSPEND_TARGETS)


@command(
    "nodesuspend",
    summary="suspend the host node for a given time duration",
    description="Suspend the host node for a given time duration and attempt to resume thereafter.",
    group=GROUP,
)
@option(
    "target",
    OptKind.DATA,
    "mem(Suspend-to-RAM), disk(Suspend-to-Disk), hybrid(Hybrid-Suspend)",
    required=True,
    completer=_complete_targets,
)
@option("duration", OptKind.INT, "Suspend duration in seconds, at least 60", required=True)
def nodesuspend(s: Session, target: str, duration: str) -> bool:
    name = s.text(target, "target")
    seconds = c_llong(duration)
    if seconds is None:
        raise VshError(numeric_message(duration, "duration"))
    if name not in SUSPEND_TARGETS:
        raise VshError("Invalid target")
    if seconds < 0:
        raise VshError("Invalid duration")
    with failing("The host was not suspended"):
        s.conn.suspendForDuration(SUSPEND_TARGETS.index(name), seconds, 0)
    return True
