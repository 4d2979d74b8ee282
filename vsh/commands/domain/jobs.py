"""Domain jobs (tools/virsh-domain.c): domjobabort, domjobinfo.

domjobinfo reads virDomainGetJobStats (through :mod:`vsh.virt.typedcall`, to
keep the parameter types --rawstats prints by) and falls back to
virDomainGetJobInfo where the daemon lacks it, as virsh does.
"""

from __future__ import annotations

import libvirt

from vsh.commands.common import domain_option, json_text
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NUM, STR, map_of, object_of, prop, shape
from vsh.core.session import Session
from vsh.virt import lookup, typedcall
from vsh.virt.typedcall import BOOLEAN, DOUBLE, STRING, Param

GROUP = "domain"
L = libvirt
ACTIVE = L.VIR_CONNECT_LIST_DOMAINS_ACTIVE

# virshDomainJob and virshDomainJobOperation: the index is libvirt's value.
JOB_TYPES = ("None", "Bounded", "Unbounded", "Completed", "Failed", "Cancelled")
OPERATIONS = (
    "Unknown",
    "Start",
    "Save",
    "Restore",
    "Incoming migration",
    "Outgoing migration",
    "Snapshot",
    "Snapshot revert",
    "Dump",
    "Backup",
    "Snapshot delete",
)
# virDomainJobInfo's fields after the type, as virDomainGetJobInfo returns them,
# and the typed parameters virshDomainJobStatsToDomainJobInfo reads them from.
INFO_FIELDS = (
    "time_elapsed",
    "time_remaining",
    "data_total",
    "data_processed",
    "data_remaining",
    "memory_total",
    "memory_processed",
    "memory_remaining",
    "disk_total",
    "disk_processed",
    "disk_remaining",
)


def _name(table: tuple[str, ...], index: int) -> str:
    return table[index] if 0 <= index < len(table) else "unknown"


def typed_text(param: Param) -> str:
    """virTypedParameterToString: C's %d/%u/%lld/%llu, %g for doubles."""
    if param.kind == BOOLEAN:
        return "1" if param.value else "0"
    if param.kind == DOUBLE:
        return _c_g(float(param.value))
    return str(param.value)


def _c_g(value: float) -> str:
    """printf's %g (Python's 'g' drops the same trailing zeros)."""
    return f"{value:g}"


def _capacity(value: int) -> str:
    from vsh.output.text import capacity_parts

    number, unit = capacity_parts(value)
    return f"{number:.3f} {unit}"


def job_lines(kind: int, params: list[Param], completed: bool, anystats: bool) -> str:
    """virsh's domjobinfo table for a job of ``kind`` with these parameters."""
    values = {p.field: p.value for p in params}  # virTypedParamsGet*: the first match

    def get(field: str) -> int | None:
        for p in params:
            if p.field == field:
                return int(p.value)
        return None

    info = {f: int(values.get(f, 0) or 0) for f in INFO_FIELDS}
    out = [f"{'Job type:':<17} {_name(JOB_TYPES, kind):<12}"]
    if kind == L.VIR_DOMAIN_JOB_NONE:
        return "\n".join(out) + "\n"
    op = get("operation")
    out.append(f"{'Operation:':<17} {_name(OPERATIONS, 0 if op is None else op):<12}")
    running = kind in (L.VIR_DOMAIN_JOB_BOUNDED, L.VIR_DOMAIN_JOB_UNBOUNDED)
    if not anystats and not running and not (completed and kind == L.VIR_DOMAIN_JOB_COMPLETED):
        return "\n".join(out) + "\n"

    def ms(label: str, value: int) -> None:
        out.append(f"{label:<17} {value:<12} ms")

    def size(label: str, value: int, suffix: str = "") -> None:
        out.append(f"{label:<17} {_capacity(value)}{suffix}")

    def count(label: str, value: int, width: int = 12, suffix: str = "") -> None:
        out.append(f"{label:<17} {value:<{width}}{suffix}")

    ms("Time elapsed:", info["time_elapsed"])
    if (value := get("time_elapsed_net")) is not None:
        ms("Time elapsed w/o network:", value)
    if kind == L.VIR_DOMAIN_JOB_BOUNDED:
        ms("Time remaining:", info["time_remaining"])
    for prefix, label in (("data", "Data"), ("memory", "Memory"), ("disk", "File")):
        total, done, left = (info[f"{prefix}_{k}"] for k in ("total", "processed", "remaining"))
        if not (total or left or done):
            continue
        size(f"{label} processed:", done)
        size(f"{label} remaining:", left)
        size(f"{label} total:", total)
        if prefix == "memory":
            if value := get("memory_bps"):
                size("Memory bandwidth:", value, "/s")
            if (value := get("memory_dirty_rate")) is not None:
                count("Dirty rate:", value, suffix=" pages/s")
            if (value := get("memory_page_size")) is not None:
                count("Page size:", value, suffix=" bytes")
            if (value := get("memory_iteration")) is not None:
                count("Iteration:", value)
            if (value := get("memory_postcopy_requests")) is not None:
                count("Postcopy requests:", value)
        elif prefix == "disk" and (value := get("disk_bps")):
            size("File bandwidth:", value, "/s")
    if (value := get("memory_constant")) is not None:
        count("Constant pages:", value)
    if (value := get("memory_normal")) is not None:
        count("Normal pages:", value)
    if (value := get("memory_normal_bytes")) is not None:
        size("Normal data:", value)
    if (value := get("downtime")) is not None:
        done = kind == L.VIR_DOMAIN_JOB_COMPLETED
        ms("Total downtime:" if done else "Expected downtime:", value)
    if (value := get("downtime_net")) is not None:
        ms("Downtime w/o network:", value)
    if (value := get("setup_time")) is not None:
        ms("Setup time:", value)
    if (value := get("compression_cache")) is not None:
        size("Compression cache:", value)
    if (value := get("compression_bytes")) is not None:
        size("Compressed data:", value)
    if (value := get("compression_pages")) is not None:
        count("Compressed pages:", value, 13)
    if (value := get("compression_cache_misses")) is not None:
        count("Compression cache misses:", value, 13)
    if (value := get("compression_overflow")) is not None:
        count("Compression overflows:", value, 13)
    if (value := get("auto_converge_throttle")) is not None:
        count("Auto converge throttle:", value, 13)
    if (value := get("disk_temp_used")) is not None:
        size("Temporary disk space use:", value)
    if (value := get("disk_temp_total")) is not None:
        size("Temporary disk space total:", value)
    for p in params:
        if p.field == "errmsg" and p.kind == STRING:
            out.append(f"{'Error message:':<17} {p.value}")
            break
    return "\n".join(out) + "\n"


def raw_lines(kind: int, params: list[Param]) -> str:
    """--rawstats: the job type's number and every parameter as libvirt gave it."""
    return f"Job type: {kind}\n\n" + "".join(f"{p.field}: {typed_text(p)}\n" for p in params)


DOMJOBINFO_JSON = shape(
    object_of(
        prop("type", STR, doc='virsh\'s job type word ("None", "Unbounded", "Completed", ...)'),
        prop("type_code", INT, doc="the virDomainJobType number"),
        prop(
            "stats",
            map_of(STR, INT, NUM, BOOL, key="field"),
            doc="the typed parameters libvirt returned, in its order (with "
            "virDomainGetJobInfo's fallback, its fields under their job-stats names)",
        ),
    ),
    doc="The job's type and statistics.",
)


def _fetch(dom: libvirt.virDomain, flags: int, rawstats: bool) -> tuple[int, list[Param]]:
    """virDomainGetJobStats, else (a daemon without it, no flags) virDomainGetJobInfo."""
    try:
        return typedcall.job_stats(dom, flags)
    except libvirt.libvirtError as err:
        if err.get_error_code() != L.VIR_ERR_NO_SUPPORT:
            raise
        if flags or rawstats:
            # virsh reports the unsupported call's error after its own.
            raise VshError(
                "Optional flags or --rawstats are not supported by the daemon", cause=err
            ) from err
    info = dom.jobInfo()
    return int(info[0]), [
        Param(name, typedcall.ULLONG, int(value))
        for name, value in zip(INFO_FIELDS, info[1:], strict=False)
    ]


@command(
    "domjobinfo",
    summary="domain job information",
    description="Returns information about jobs running on a domain.",
    group=GROUP,
    json=DOMJOBINFO_JSON,
)
@domain_option(ACTIVE)
@option("completed", OptKind.BOOL, "return statistics of a recently completed job")
@option(
    "keep-completed",
    OptKind.BOOL,
    "don't destroy statistics of a recently completed job when reading",
)
@option("anystats", OptKind.BOOL, "print statistics for any kind of job (even failed ones)")
@option("rawstats", OptKind.BOOL, "print the raw data returned by libvirt")
@option("json", OptKind.BOOL, "print the job type and statistics as JSON", extension=True)
def domjobinfo(
    s: Session,
    domain: str,
    completed: bool,
    keep_completed: bool,
    anystats: bool,
    rawstats: bool,
    json: bool,
) -> bool:
    if keep_completed and not completed:
        raise VshError("Option --completed is required by option --keep-completed")
    dom = lookup.domain(s, domain, cmd="domjobinfo")
    flags = 0
    if completed:
        flags |= L.VIR_DOMAIN_JOB_STATS_COMPLETED
    if keep_completed:
        flags |= L.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED
    kind, params = _fetch(dom, flags, rawstats)
    if json or s.settings.json:
        stats = {p.field: p.value for p in params}
        document = {"type": _name(JOB_TYPES, kind), "type_code": kind, "stats": stats}
        s.print(json_text(document))
    elif rawstats:
        s.print(raw_lines(kind, params))
    else:
        s.print(job_lines(kind, params, completed, anystats))
    return True


@command(
    "domjobabort",
    summary="abort active domain job",
    description="Aborts the currently running domain job",
    group=GROUP,
)
@domain_option(ACTIVE)
@option("postcopy", OptKind.BOOL, "interrupt post-copy migration")
def domjobabort(s: Session, domain: str, postcopy: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="domjobabort")
    if postcopy:
        dom.abortJobFlags(L.VIR_DOMAIN_ABORT_JOB_POSTCOPY)
    else:
        dom.abortJob()
    return True
