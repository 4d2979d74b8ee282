"""Migration tuning (tools/virsh-domain.c): migrate-setmaxdowntime,
migrate-getmaxdowntime, migrate-compcache, migrate-setspeed, migrate-getspeed,
migrate-postcopy.

Each is one libvirt call on a domain; virsh lets a failed call's libvirt
error speak for itself (no context line), and so do these.
"""

from __future__ import annotations

import libvirt

from vsh.commands.common import domain_option, json_text, opt_ullong
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import INT, NUM, STR, object_of, prop, shape
from vsh.core.numbers import as_signed64
from vsh.core.session import Session
from vsh.virt import lookup

GROUP = "domain"
L = libvirt
ACTIVE = L.VIR_CONNECT_LIST_DOMAINS_ACTIVE


def _answer(value: int | None, api: str) -> int:
    """The value of a getter whose Python binding returns None on failure
    instead of raising: libvirtError picks up the thread's last error."""
    if value is None:
        raise libvirt.libvirtError(f"{api}() failed")
    return int(value)


@command(
    "migrate-setmaxdowntime",
    summary="set maximum tolerable downtime",
    description="Set maximum tolerable downtime of a domain which is being "
    "live-migrated to another host.",
    group=GROUP,
)
@domain_option(ACTIVE)
@option(
    "downtime",
    OptKind.INT,
    "maximum tolerable downtime (in milliseconds) for migration",
    required=True,
)
def migrate_setmaxdowntime(s: Session, domain: str, downtime: str) -> bool:
    dom = lookup.domain(s, domain)
    milliseconds = opt_ullong(downtime, "downtime", wrap=False)
    if milliseconds < 1:
        raise VshError("migrate: Invalid downtime")
    dom.migrateSetMaxDowntime(as_signed64(milliseconds), 0)
    return True


MAXDOWNTIME_JSON = shape(
    object_of(prop("downtime", INT, doc="milliseconds")),
    doc="The maximum tolerable downtime of a migration.",
)


@command(
    "migrate-getmaxdowntime",
    summary="get maximum tolerable downtime",
    description="Get maximum tolerable downtime of a domain which is being "
    "live-migrated to another host.",
    group=GROUP,
    json=MAXDOWNTIME_JSON,
)
@domain_option(ACTIVE)
@option("json", OptKind.BOOL, "print the downtime as JSON", extension=True)
def migrate_getmaxdowntime(s: Session, domain: str, json: bool) -> bool:
    dom = lookup.domain(s, domain)
    downtime = _answer(dom.migrateGetMaxDowntime(0), "virDomainMigrateGetMaxDowntime")
    if json or s.settings.json:
        s.print(json_text({"downtime": downtime}))
    else:
        s.print(f"{downtime}\n")
    return True


COMPCACHE_JSON = shape(
    object_of(
        prop("bytes", INT, doc="the cache size in bytes"),
        prop("size", NUM, doc="virsh's scaled number (before rounding to 3 decimals)"),
        prop("unit", STR, doc='its unit ("B", "KiB", "MiB", ...)'),
    ),
    doc="The compression cache size (after setting it, with --size).",
)


@command(
    "migrate-compcache",
    summary="get/set compression cache size",
    description="Get/set size of the cache (in bytes) used for compressing "
    "repeatedly transferred memory pages during live migration.",
    group=GROUP,
    json=COMPCACHE_JSON,
)
@domain_option(ACTIVE)
@option(
    "size",
    OptKind.INT,
    "requested size of the cache (in bytes) used for compression",
    named_only=True,
)
@option("json", OptKind.BOOL, "print the cache size as JSON", extension=True)
def migrate_compcache(s: Session, domain: str, size: str | None, json: bool) -> bool:
    from vsh.output.text import capacity_parts

    dom = lookup.domain(s, domain)
    if size is not None:
        dom.migrateSetCompressionCache(as_signed64(opt_ullong(size, "size", wrap=False)), 0)
    current = _answer(dom.migrateGetCompressionCache(0), "virDomainMigrateGetCompressionCache")
    value, unit = capacity_parts(current)
    if json or s.settings.json:
        s.print(json_text({"bytes": current, "size": value, "unit": unit}))
    else:
        # virsh's format has no newline: the next output follows on the same line.
        s.print(f"Compression cache: {value:.3f} {unit}")
    return True


@command(
    "migrate-setspeed",
    summary="Set the maximum migration bandwidth",
    description="Set the maximum migration bandwidth (in MiB/s) for a domain "
    "which is being migrated to another host.",
    group=GROUP,
)
@domain_option(ACTIVE)
@option("bandwidth", OptKind.INT, "migration bandwidth limit in MiB/s", required=True)
@option(
    "postcopy",
    OptKind.BOOL,
    "set post-copy migration bandwidth",
    flag=L.VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY,
)
def migrate_setspeed(s: Session, domain: str, bandwidth: str, postcopy: bool) -> bool:
    dom = lookup.domain(s, domain)
    mibs = opt_ullong(bandwidth, "bandwidth", wrap=True)
    dom.migrateSetMaxSpeed(as_signed64(mibs), option_flags())
    return True


MAXSPEED_JSON = shape(
    object_of(prop("bandwidth", INT, doc="MiB/s")),
    doc="The maximum migration bandwidth (post-copy's with --postcopy).",
)


@command(
    "migrate-getspeed",
    summary="Get the maximum migration bandwidth",
    description="Get the maximum migration bandwidth (in MiB/s) for a domain.",
    group=GROUP,
    json=MAXSPEED_JSON,
)
@domain_option(ACTIVE)
@option(
    "postcopy",
    OptKind.BOOL,
    "get post-copy migration bandwidth",
    flag=L.VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY,
)
@option("json", OptKind.BOOL, "print the bandwidth as JSON", extension=True)
def migrate_getspeed(s: Session, domain: str, postcopy: bool, json: bool) -> bool:
    dom = lookup.domain(s, domain)
    bandwidth = int(dom.migrateGetMaxSpeed(option_flags()))
    if json or s.settings.json:
        s.print(json_text({"bandwidth": bandwidth}))
    else:
        s.print(f"{bandwidth}\n")
    return True


@command(
    "migrate-postcopy",
    summary="Switch running migration from pre-copy to post-copy",
    description="Switch running migration from pre-copy to post-copy. "
    "The migration must have been started with --postcopy option.",
    group=GROUP,
)
@domain_option(ACTIVE)
def migrate_postcopy(s: Session, domain: str) -> bool:
    dom = lookup.domain(s, domain)
    dom.migrateStartPostCopy(0)
    return True
