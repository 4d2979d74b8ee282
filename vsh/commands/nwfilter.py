"""network filter commands (tools/virsh-nwfilter.c): nwfilter-define,
nwfilter-dumpxml, nwfilter-edit, nwfilter-list, nwfilter-undefine and the
binding commands nwfilter-binding-create, -delete, -dumpxml, -list."""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import (
    Decorator,
    file_option,
    json_text,
    table_text,
    validate_option,
    xpath_options,
)
from vsh.commands.objects import act, edit_definition, flagged, from_file, read_xml, refuse_not_utf8
from vsh.completion.providers import nwfilter_binding_portdevs, nwfilter_names
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import STR, array_of, object_of, prop, shape
from vsh.core.session import Session
from vsh.virt import lookup
from vsh.virt.failing import failing

GROUP = "filter"

L = libvirt

_DOC = "(nwfilter_definition)"  # libvirt's name for the XML in its parse errors
_BINDING_DOC = "(nwfilterbinding_definition)"


def _nwfilter_option(func: Any) -> Any:
    return option(
        "nwfilter",
        OptKind.DATA,
        "network filter name or uuid",
        required=True,
        completer=nwfilter_names,
    )(func)


@command(
    "nwfilter-define",
    summary="define or update a network filter from an XML file",
    description="Define a new network filter or update an existing one.",
    group=GROUP,
)
@file_option("file containing an XML network filter description")
@validate_option(L.VIR_NWFILTER_DEFINE_VALIDATE)
def nwfilter_define(s: Session, file: str, validate: bool) -> bool:
    conn = s.conn
    call = flagged(conn.nwfilterDefineXML, conn.nwfilterDefineXMLFlags, option_flags())
    from_file(s, file, "network filter", "define", call, docname=_DOC)
    return True


@command(
    "nwfilter-undefine",
    summary="undefine a network filter",
    description="Undefine a given network filter.",
    group=GROUP,
)
@_nwfilter_option
def nwfilter_undefine(s: Session, nwfilter: str) -> bool:
    nwf = lookup.nwfilter(s, nwfilter, cmd="nwfilter-undefine")
    failed = f"Failed to undefine network filter {nwfilter}"
    return act(nwf, s, lambda f: f.undefine(), failed, f"Network filter {nwfilter} undefined")


@command(
    "nwfilter-edit",
    summary="edit XML configuration for a network filter",
    description="Edit the XML configuration for a network filter.",
    group=GROUP,
)
@_nwfilter_option
def nwfilter_edit(s: Session, nwfilter: str) -> bool:

    nwf = lookup.nwfilter(s, nwfilter, cmd="nwfilter-edit")

    return edit_definition(
        s,
        lambda name: f"Network filter {name}",
        nwf.name(),
        lambda: nwf.XMLDesc(0),
        s.conn.nwfilterDefineXML,
    )


@command(
    "nwfilter-dumpxml",
    summary="network filter information in XML",
    description="Output the network filter information as an XML dump to stdout.",
    group=GROUP,
)
@_nwfilter_option
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


# -- bindings ----------------------------------------------------------------------------


def _binding(s: Session, value: str | None, cmd: str) -> libvirt.virNWFilterBinding:
    """virshCommandOptNWFilterBinding: by port device."""
    from vsh.core.session import DEBUG, INFO

    name = s.text(value, "binding")
    assert name is not None
    s.debug(INFO, f"{cmd}: found option <binding>: {name}\n")
    s.debug(DEBUG, f"{cmd}: <binding> trying as nwfilter binding port dev\n")
    try:
        return s.conn.nwfilterBindingLookupByPortDev(name)
    except libvirt.libvirtError as err:
        raise VshError(f"failed to get nwfilter binding '{name}'", cause=err) from err


@command(
    "nwfilter-binding-create",
    summary="create a network filter binding from an XML file",
    description="Create a new network filter binding.",
    group=GROUP,
)
@file_option("file containing an XML network filter binding description")
@validate_option(L.VIR_NWFILTER_BINDING_CREATE_VALIDATE)
def nwfilter_binding_create(s: Session, file: str, validate: bool) -> bool:
    path, xml = read_xml(s, file)
    failed = f"Failed to create network filter from {path}"
    flags = option_flags()
    conn = s.conn
    refuse_not_utf8(xml, _BINDING_DOC, lambda x: conn.nwfilterBindingCreateXML(x, flags), failed)
    with failing(failed):
        binding = conn.nwfilterBindingCreateXML(xml, flags)
    s.print_extra(f"Network filter binding on {binding.portDev()} created from {path}\n")
    return True


def _binding_option(help_text: str) -> Decorator:
    return option(
        "binding", OptKind.DATA, help_text, required=True, completer=nwfilter_binding_portdevs
    )


@command(
    "nwfilter-binding-delete",
    summary="delete a network filter binding",
    description="Delete a given network filter binding.",
    group=GROUP,
)
@_binding_option("network filter binding port dev")
def nwfilter_binding_delete(s: Session, binding: str) -> bool:
    found = _binding(s, binding, "nwfilter-binding-delete")
    failed = f"Failed to delete network filter binding on {binding}"
    done = f"Network filter binding on {binding} deleted"
    return act(found, s, lambda b: b.delete(), failed, done)


@command(
    "nwfilter-binding-dumpxml",
    summary="network filter information in XML",
    description="Output the network filter information as an XML dump to stdout.",
    group=GROUP,
)
@_binding_option("network filter binding portdev")
@xpath_options
def nwfilter_binding_dumpxml(s: Session, binding: str, xpath: str | None, wrap: bool) -> bool:
    found = _binding(s, binding, "nwfilter-binding-dumpxml")
    try:
        xml = found.XMLDesc(0)
    except libvirt.libvirtError:
        return True  # virsh 9.0's handler succeeds here, saying nothing
    from vsh.virt import xpathdump

    # virsh 9.0 never reads --xpath here: the whole document, --wrap unused.
    xpathdump.dump(s.print, xml, "nwfilter-binding", None, wrap)
    return True


NWFILTER_BINDING_LIST_JSON = shape(
    array_of(object_of(prop("portdev", STR), prop("filter", STR))),
    doc="In virsh's order (port devices, ASCII case ignored).",
)


@command(
    "nwfilter-binding-list",
    summary="list network filter bindings",
    description="Returns list of network filter bindings.",
    group=GROUP,
    json=NWFILTER_BINDING_LIST_JSON,
)
@option("json", OptKind.BOOL, "print the bindings as JSON", extension=True)
def nwfilter_binding_list(s: Session, json: bool) -> bool:
    from vsh.output.text import to_c_bytes

    with failing("Failed to list network filter bindings"):
        bindings = s.conn.listAllNWFilterBindings(0)
    rows = [{"portdev": b.portDev(), "filter": b.filterName()} for b in bindings]
    rows.sort(key=lambda r: to_c_bytes(r["portdev"]).lower())
    if json or s.settings.json:
        s.print(json_text(rows))
        return True
    s.print(table_text(s, ["Port Dev", "Filter"], [[r["portdev"], r["filter"]] for r in rows]))
    return True
