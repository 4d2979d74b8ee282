"""Statistics of one or more domains (cmdDomstats in
tools/virsh-domain-monitor.c): domstats.
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import json_text
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import BOOL, INT, NUM, STR, array_of, map_of, object_of, prop, shape
from vsh.core.session import DEBUG, Session
from vsh.virt import lookup
from vsh.virt.typedparams import typed_value

GROUP = "monitor"

# (option, VIR_DOMAIN_STATS_* bit, help) in virsh's order; the bits are spelled
# out so an older Python binding without the newest constants still works.
_STATS_GROUPS = (
    ("state", 1 << 0, "report domain state"),
    ("cpu-total", 1 << 1, "report domain physical cpu usage"),
    ("balloon", 1 << 2, "report domain balloon statistics"),
    ("vcpu", 1 << 3, "report domain virtual cpu information"),
    ("interface", 1 << 4, "report domain network interface information"),
    ("block", 1 << 5, "report domain block device statistics"),
    ("perf", 1 << 6, "report domain perf event statistics"),
    ("iothread", 1 << 7, "report domain IOThread information"),
    ("memory", 1 << 8, "report domain memory usage"),
    ("dirtyrate", 1 << 9, "report domain dirty rate information"),
    ("vm", 1 << 10, "report hypervisor-specific statistics"),
)
# (option, VIR_CONNECT_GET_ALL_DOMAINS_STATS_* bit, help) in virsh's order;
# ``raw`` (accepted, unused by virsh 9.0) has no bit.
_STATS_FLAGS = (
    ("list-active", 1 << 0, "list only active domains"),
    ("list-inactive", 1 << 1, "list only inactive domains"),
    ("list-persistent", 1 << 2, "list only persistent domains"),
    ("list-transient", 1 << 3, "list only transient domains"),
    ("list-running", 1 << 4, "list only running domains"),
    ("list-paused", 1 << 5, "list only paused domains"),
    ("list-shutoff", 1 << 6, "list only shutoff domains"),
    ("list-other", 1 << 7, "list only domains in other states"),
    ("raw", 0, "do not pretty-print the fields"),
    ("enforce", 1 << 31, "enforce requested stats parameters"),
    ("backing", 1 << 30, "add backing chain information to block stats"),
    ("nowait", 1 << 29, "report only stats that are accessible instantly"),
)


def _stats_domain(s: Session, name: str) -> libvirt.virDomain:
    """virshLookupDomainBy (id, uuid, name) for one ``<domain>`` word.

    Unlike option values, an empty word is looked up, not refused: only the
    name lookup applies to it, and it fails like any unknown name.
    """
    if name != "":
        return lookup.domain(s, name)
    s.debug(DEBUG, "unknown: <domain> trying as domain NAME\n")
    raise VshError("failed to get domain ''")


def domstats_data(
    s: Session, domains: tuple[str, ...], stats: int, flags: int
) -> list[dict[str, Any]]:
    """cmdDomstats' records as ``[{"domain": name, "stats": {field: value}}]``."""
    if domains:
        doms = [_stats_domain(s, word) for word in domains]
        records = s.conn.domainListGetStats(doms, stats, flags)
    else:
        records = s.conn.getAllDomainStats(stats, flags)
    return [{"domain": dom.name(), "stats": dict(params)} for dom, params in records or []]


def render_domstats(items: list[dict[str, Any]]) -> str:
    """virshDomainStatsPrintRecord for each record, a blank line between them."""

    blocks = []
    for item in items:
        lines = [f"Domain: '{item['domain']}'\n"]
        lines += [f"  {field}={typed_value(v)}\n" for field, v in item["stats"].items()]
        blocks.append("".join(lines))
    return "\n".join(blocks)


def _domstats_options(func: Any) -> Any:
    decorators = [option(name, OptKind.BOOL, text) for name, _b, text in _STATS_GROUPS]
    decorators += [option(name, OptKind.BOOL, text, flag=bit) for name, bit, text in _STATS_FLAGS]
    # --json before <domain>: an argv option must come last (virsh self-test)
    decorators.append(option("json", OptKind.BOOL, "print the statistics as JSON", extension=True))
    decorators.append(
        option(
            "domain",
            OptKind.ARGV,
            "list of domains to get stats for",
            completer=lookup.complete_domain_names,
            completer_flags=0,
        )
    )
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


DOMSTATS_JSON = shape(
    array_of(
        object_of(
            prop("domain", STR),
            prop(
                "stats",
                map_of(INT, NUM, BOOL, STR, key="field"),
                doc="the fields in libvirt's order with their typed values",
            ),
        )
    ),
    doc="One object per domain, in virsh's order.",
)


@command(
    "domstats",
    summary="get statistics about one or multiple domains",
    description="Gets statistics about one or more (or all) domains",
    group=GROUP,
    json=DOMSTATS_JSON,
)
@_domstats_options
def domstats(s: Session, **opts: Any) -> bool:
    """cmdDomstats.  ``--json``: ``[{"domain": str, "stats": {field: value}}]``,
    the fields in libvirt's order with their typed values (int, float, bool,
    str)."""
    # The stats groups are a second bit set (the ``stats`` argument), so they
    # are mapped here; the list filters are the flag= bits of their options.
    stats = 0
    for name, bit, _help in _STATS_GROUPS:
        if opts[name.replace("-", "_")]:
            stats |= bit
    items = domstats_data(s, opts["domain"], stats, option_flags())
    as_json = opts["json"] or s.settings.json
    if as_json:
        s.print(json_text(items))
        return True
    s.print(render_domstats(items))
    return True
