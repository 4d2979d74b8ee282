"""Block devices (tools/virsh-domain-monitor.c): domblklist, domblkinfo,
domblkstat, domblkerror.
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import domain_option, json_text, kv_text, table_text, xpath_text
from vsh.completion.providers import complete_disk_targets
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import INT, NULL, STR, array_of, choice, map_of, object_of, prop, shape
from vsh.core.session import Session
from vsh.virt import lookup
from vsh.virt.domxml import domain_xml
from vsh.virt.failing import failing
from vsh.virt.typedparams import typed_value

GROUP = "monitor"
L = libvirt


# ---------------------------------------------------------------------------
# domblklist


def _pci_address(node: Any) -> tuple[int, int, int, int] | None:
    """virPCIDeviceAddressParseXML, enough for domblklist's NVMe source."""
    from vsh.core.numbers import c_uint

    out = []
    for attr, limit in (("domain", 0xFFFF), ("bus", 0xFF), ("slot", 0x1F), ("function", 7)):
        text = xpath_text(node, f"./@{attr}")
        if text is None:
            out.append(0)
            continue
        value = c_uint(text, 0)
        if value is None or value > limit:
            return None
        out.append(value)
    return out[0], out[1], out[2], out[3]


def blklist_data(s: Session, domain: str, flags: int, details: bool) -> list[dict[str, Any]]:
    root: Any = domain_xml(lookup.domain(s, domain, cmd="domblklist"), flags)
    rows: list[dict[str, Any]] = []
    for disk in root.xpath("./devices/disk"):
        dtype = xpath_text(disk, "./@type")
        device = xpath_text(disk, "./@device")
        if details and (dtype is None or device is None):
            s.print("unable to query block list details")
            raise VshError()
        target = xpath_text(disk, "./target/@dev")
        if target is None:
            raise VshError("unable to query block list")
        if dtype == "nvme":
            namespace = xpath_text(disk, "./source/@namespace")
            addr_nodes = disk.xpath("./source/address")
            addr = _pci_address(addr_nodes[0]) if addr_nodes else None
            if namespace is None or addr is None:
                raise VshError("Unable to query NVMe disk address")
            source: str | None = (
                f"nvme://{addr[0]:04x}:{addr[1]:02x}:{addr[2]:02x}.{addr[3]}/{namespace}"
            )
        else:
            source = xpath_text(
                disk,
                "./source/@file|./source/@dev|./source/@dir|./source/@name"
                "|./source/@volume|./source/@path",
            )
        rows.append({"type": dtype, "device": device, "target": target, "source": source})
    return rows


DOMBLKLIST_JSON = shape(
    array_of(
        object_of(
            prop("type", STR, NULL, doc="also without --details"),
            prop("device", STR, NULL, doc="also without --details"),
            prop("target", STR),
            prop("source", STR, NULL, doc="null where virsh prints -"),
        )
    ),
    doc="One object per disk.",
)


@command(
    "domblklist",
    summary="list all domain blocks",
    description="Get the summary of block devices for a domain.",
    group=GROUP,
    json=DOMBLKLIST_JSON,
)
@domain_option()
@option(
    "inactive",
    OptKind.BOOL,
    "get inactive rather than running configuration",
    flag=L.VIR_DOMAIN_XML_INACTIVE,
)
@option("details", OptKind.BOOL, "additionally display the type and device value")
@option("json", OptKind.BOOL, "print the block devices as JSON", extension=True)
def domblklist(s: Session, domain: str, inactive: bool, details: bool, json: bool) -> bool:
    rows = blklist_data(s, domain, option_flags(), details)
    if json or s.settings.json:
        s.print(json_text(rows))
        return True
    if details:
        header = ["Type", "Device", "Target", "Source"]
        cells = [[r["type"], r["device"], r["target"], r["source"] or "-"] for r in rows]
    else:
        header = ["Target", "Source"]
        cells = [[r["target"], r["source"] or "-"] for r in rows]
    s.print(table_text(s, header, cells))
    return True


# ---------------------------------------------------------------------------
# domblkinfo


_PRETTY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def pretty_capacity3(value: int) -> str:
    """vshPrettyCapacity printed as ``%.3lf %s``."""
    limit = 1024
    for unit in _PRETTY_UNITS:
        if value < limit:
            return f"{value / (limit // 1024):.3f} {unit}"
        limit *= 1024
    return f"{value / (limit // 1024):.3f} EiB"


def _blkinfo_cells(info: tuple[int, int, int], human: bool) -> list[str]:
    if info == (0, 0, 0):
        return ["-", "-", "-"]
    if human:
        return [pretty_capacity3(v) for v in info]
    return [str(v) for v in info]


DOMBLKINFO_JSON = shape(
    object_of(
        prop("capacity", INT),
        prop("allocation", INT),
        prop("physical", INT),
        when="with a device",
    ),
    array_of(
        object_of(
            prop("target", STR),
            prop("capacity", INT),
            prop("allocation", INT),
            prop("physical", INT),
        ),
        when="with --all",
    ),
    doc="""The sizes in bytes; with --all an array of those objects with a leading
    target (zeros where virsh prints -).""",
)


@command(
    "domblkinfo",
    summary="domain block device size information",
    description="Get block device size info for a domain.",
    group=GROUP,
    exclusive=(("all", "device"),),
    json=DOMBLKINFO_JSON,
)
@domain_option()
@option("device", OptKind.STRING, "block device", completer=complete_disk_targets)
@option("human", OptKind.BOOL, "Human readable output")
@option("all", OptKind.BOOL, "display all block devices info")
@option("json", OptKind.BOOL, "print the sizes as JSON", extension=True)
def domblkinfo(
    s: Session, domain: str, device: str | None, human: bool, all: bool, json: bool
) -> bool:
    dom = lookup.domain(s, domain, cmd="domblkinfo")
    if not all and not device:
        raise VshError("command 'domblkinfo' requires <device> option")
    as_json = json or s.settings.json
    keys = ("capacity", "allocation", "physical")
    if not all:
        assert device is not None
        info = tuple(dom.blockInfo(device, 0))
        if as_json:
            s.print(json_text(dict(zip(keys, info, strict=True))))
            return True
        cells = _blkinfo_cells(info, human)
        s.print(kv_text(list(zip(("Capacity:", "Allocation:", "Physical:"), cells, strict=True))))
        return True
    try:
        active = dom.isActive() == 1
    except libvirt.libvirtError:
        active = False

    root: Any = domain_xml(dom)
    rows: list[tuple[str, tuple[int, int, int]]] = []
    for disk in root.xpath("./devices/disk"):
        protocol = xpath_text(disk, "./source/@protocol")
        target = xpath_text(disk, "./target/@dev")
        info3: tuple[int, int, int] = (0, 0, 0)
        if disk.xpath("boolean(./source)"):
            try:
                info3 = tuple(dom.blockInfo(target, 0))
            except libvirt.libvirtError as err:
                if not (
                    protocol
                    and not active
                    and err.get_error_code() == L.VIR_ERR_INTERNAL_ERROR
                    and err.get_error_domain() == L.VIR_FROM_STORAGE
                ):
                    raise
                s.last_error = None
        rows.append((target or "", info3))
    if as_json:
        s.print(json_text([{"target": t, **dict(zip(keys, i, strict=True))} for t, i in rows]))
        return True
    table = [[t, *_blkinfo_cells(i, human)] for t, i in rows]
    s.print(table_text(s, ["Target", "Capacity", "Allocation", "Physical"], table))
    return True


# ---------------------------------------------------------------------------
# domblkstat

# (typed parameter field, legacy name, human text) in virsh's order.
_BLKSTAT_FIELDS = (
    ("rd_operations", "rd_req", "number of read operations:"),
    ("rd_bytes", "rd_bytes", "number of bytes read:"),
    ("wr_operations", "wr_req", "number of write operations:"),
    ("wr_bytes", "wr_bytes", "number of bytes written:"),
    ("errs", "errs", "error count:"),
    ("flush_operations", None, "number of flush operations:"),
    ("rd_total_times", None, "total duration of reads (ns):"),
    ("wr_total_times", None, "total duration of writes (ns):"),
    ("flush_total_times", None, "total duration of flushes (ns):"),
)


DOMBLKSTAT_JSON = shape(
    object_of(
        prop("device", STR),
        prop(
            "stats",
            map_of(INT),
            doc="""the names virsh prints without --human (rd_req, wr_bytes, ...,
            then any further libvirt fields), in virsh's order""",
        ),
    ),
)


@command(
    "domblkstat",
    summary="get device block stats for a domain",
    description="Get device block stats for a running domain. See man page or use --human "
    "for explanation of fields",
    group=GROUP,
    json=DOMBLKSTAT_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("device", OptKind.STRING, "block device", empty_ok=True, completer=complete_disk_targets)
@option("human", OptKind.BOOL, "print a more human readable output")
@option("json", OptKind.BOOL, "print the statistics as JSON", extension=True)
def domblkstat(s: Session, domain: str, device: str | None, human: bool, json: bool) -> bool:

    dom = lookup.domain(s, domain, cmd="domblkstat")
    device = device or ""
    # (printed name, human text, value) in virsh's order
    lines: list[tuple[str, str | None, Any]] = []
    try:
        params = dom.blockStatsFlags(device, 0)
    except libvirt.libvirtError as err:
        if err.get_error_code() != L.VIR_ERR_NO_SUPPORT:
            raise
        s.last_error = None
        # virsh names the domain as given: an id or UUID stays one
        with failing(f"Failed to get block stats {domain} {device}"):
            legacy = dom.blockStats(device)
        for (_field, legacy_name, text), value in zip(_BLKSTAT_FIELDS, legacy, strict=False):
            if value >= 0:
                lines.append((legacy_name or _field, text, value))
    else:
        params = dict(params)
        for field, legacy_name, text in _BLKSTAT_FIELDS:
            if field in params:
                lines.append((legacy_name or field, text, params.pop(field)))
        for field, value in params.items():
            lines.append((field, None, value))
    if json or s.settings.json:
        s.print(json_text({"device": device, "stats": {n: v for n, _t, v in lines}}))
        return True
    out = []
    prefix = device
    if human:
        out.append(f"Device: {device}\n")
        prefix = ""
    for printed, label, value in lines:
        shown = typed_value(value)
        if human and label is not None:
            out.append(f"{prefix} {label:<31} {shown}\n")
        else:
            out.append(f"{prefix} {printed} {shown}\n")
    s.print("".join(out))
    return True


# ---------------------------------------------------------------------------
# domblkerror

_IO_ERRORS = ("no error", "unspecified error", "no space")


DOMBLKERROR_JSON = shape(
    array_of(
        object_of(
            prop("disk", STR),
            prop("error", choice(*_IO_ERRORS, "unknown error")),
        )
    ),
    doc="Empty when virsh prints No errors found.",
)


@command(
    "domblkerror",
    summary="Show errors on block devices",
    description="Show block device errors",
    group=GROUP,
    json=DOMBLKERROR_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("json", OptKind.BOOL, "print the errors as JSON", extension=True)
def domblkerror(s: Session, domain: str, json: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="domblkerror")
    errors = dom.diskErrors(0)
    if json or s.settings.json:
        s.print(
            json_text(
                [
                    {
                        "disk": disk,
                        "error": _IO_ERRORS[err] if 0 <= err < len(_IO_ERRORS) else "unknown error",
                    }
                    for disk, err in (errors or {}).items()
                ]
            )
        )
        return True
    if not errors:
        s.print("No errors found\n")
        return True
    s.print(
        "".join(
            f"{disk}: {_IO_ERRORS[err] if 0 <= err < len(_IO_ERRORS) else 'unknown error'}\n"
            for disk, err in errors.items()
        )
    )
    return True
