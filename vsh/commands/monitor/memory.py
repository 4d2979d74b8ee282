"""Memory statistics (cmdDomMemStat in tools/virsh-domain-monitor.c): dommemstat."""

from __future__ import annotations

import libvirt

from vsh.commands.common import affect_flags, affect_options, domain_option, json_text, opt_int
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import INT, map_of, shape
from vsh.core.session import Session
from vsh.virt import lookup
from vsh.virt.failing import failing

GROUP = "monitor"
L = libvirt

_MEMSTAT_ORDER = (
    "swap_in",
    "swap_out",
    "major_fault",
    "minor_fault",
    "unused",
    "available",
    "usable",
    "actual",
    "rss",
    "last_update",
    "disk_caches",
    "hugetlb_pgalloc",
    "hugetlb_pgfail",
)


DOMMEMSTAT_JSON = shape(
    map_of(INT, key="statistic"),
    doc="""The statistics the domain reports, with virsh's names (actual, swap_in, rss, ...), in its
    order; --period prints nothing.""",
)


@command(
    "dommemstat",
    summary="get memory statistics for a domain",
    description="Get memory statistics for a running domain.",
    group=GROUP,
    json=DOMMEMSTAT_JSON,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("period", OptKind.INT, "period in seconds to set collection", named_only=True)
@affect_options
@option("json", OptKind.BOOL, "print the statistics as JSON", extension=True)
def dommemstat(
    s: Session,
    domain: str,
    period: str | None,
    config: bool,
    live: bool,
    current: bool,
    json: bool,
) -> bool:
    flags = affect_flags(current, live, config)
    dom = lookup.domain(s, domain, cmd="dommemstat")
    if not (current or live or config):
        try:
            if dom.isActive() == 1:
                flags |= L.VIR_DOMAIN_AFFECT_LIVE
        except libvirt.libvirtError as err:
            s.last_error = err
    seconds = opt_int(period, "period")
    if seconds is not None:
        if seconds < 0:
            raise VshError(f"Invalid collection period value '{seconds}'")
        with failing("Unable to change balloon collection period."):
            dom.setMemoryStatsPeriod(seconds, flags)
        return True
    # virsh names the domain as given: an id or UUID stays one
    with failing(f"Failed to get memory statistics for domain {domain}"):
        stats = dom.memoryStats()
    shown = {k: v for k, v in stats.items() if k in _MEMSTAT_ORDER}
    if json or s.settings.json:
        s.print(json_text(shown))
        return True
    s.print("".join(f"{k} {v}\n" for k, v in shown.items()))
    return True
