"""network filter commands (tools/virsh-nwfilter.c): nwfilter-dumpxml, nwfilter-list."""

from __future__ import annotations

import libvirt

from vsh.commands.common import xpath_options
from vsh.completion.providers import nwfilter_names
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import STR, array_of, object_of, prop, shape
from vsh.core.session import Session
from vsh.virt import lookup
from vsh.virt.failing import failing

GROUP = "filter"

L = libvirt


@command(
    "nwfilter-dumpxml",
    summary="network filter information in XML",
    description="Output the network filter information as an XML dump to stdout.",
    group=GROUP,
)
@option(
    "nwfilter",
    OptKind.DATA,
    "network filter name or uuid",
    required=True,
    completer=nwfilter_names,
)
@xpath_options
def nwfilter_dumpxml(s: Session, nwfilter: str, xpath: str | None, wrap: bool) -> bool:
    nwf = lookup.nwfilter(s, nwfilter, cmd="nwfilter-dumpxml")
    if xpath == "":
        return False
    xml = nwf.XMLDesc(0)
    from vsh.virt import xpathdump

    xpathdump.dump(s.print, xml, "nwfilter", xpath, wrap)
    return True


def collect(s: Session) -> list[libvirt.virNWFilter]:
    """virshNWFilterListCollect: every filter, sorted by name."""
    conn = s.conn
    try:
        filters = conn.listAllNWFilters(0)
    except libvirt.libvirtError as err:
        if err.get_error_code() != L.VIR_ERR_NO_SUPPORT:
            raise VshError("Failed to list network filters", cause=err) from err
        s.last_error = None
        with failing("Failed to count network filters"):
            count = conn.numOfNWFilters()
        filters = []
        if count:
            with failing("Failed to list network filters"):
                names = conn.listNWFilters()
            for name in names:
                try:
                    filters.append(conn.nwfilterLookupByName(name))
                except libvirt.libvirtError:
                    continue
    from vsh.output.text import to_c_bytes

    return sorted(filters, key=lambda f: to_c_bytes(f.name()).lower())


NWFILTER_LIST_JSON = shape(
    array_of(object_of(prop("uuid", STR), prop("name", STR))),
    doc="In virsh's order (names, ASCII case ignored).",
)


@command(
    "nwfilter-list",
    summary="list network filters",
    description="Returns list of network filters.",
    group=GROUP,
    json=NWFILTER_LIST_JSON,
)
@option("json", OptKind.BOOL, "print the filters as JSON", extension=True)
def nwfilter_list(s: Session, json: bool) -> bool:
    rows = [{"uuid": f.UUIDString(), "name": f.name()} for f in collect(s)]
    if json or s.settings.json:
        from vsh.output.jsonout import render_json

        s.print(render_json(rows))
        return True
    from vsh.output.table import render_table
    from vsh.output.text import locale_is_utf8

    s.print(
        render_table(
            ["UUID", "Name"],
            [[r["uuid"], r["name"]] for r in rows],
            header_shown=not s.settings.quiet,
            utf8=locale_is_utf8(),
        )
    )
    return True
