"""domain image and XML commands (tools/virsh-domain.c).

In virsh's help order: domxml-from-native, domxml-to-native, dump,
managedsave-define, managedsave-dumpxml, managedsave-edit,
save-image-define, save-image-dumpxml, save-image-edit.

``dump`` runs its API call in a worker thread watched by
:mod:`vsh.virt.jobwatch` (``--verbose`` progress, the interrupt key aborting
the job), as ``save`` does.  The ``*-edit`` commands run the editor through
:mod:`vsh.virt.editor`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libvirt

from vsh.commands.common import FULL, Decorator, domain_option, option_stack, xpath_options
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.session import Session
from vsh.core.vshutil import read_file_all
from vsh.virt import lookup
from vsh.virt.failing import failing
from vsh.virt.jobwatch import watch_job

GROUP = "domain"
L = libvirt
_RUNNING, _PAUSED = L.VIR_DOMAIN_SAVE_RUNNING, L.VIR_DOMAIN_SAVE_PAUSED

SAVE_IMAGE_URL = "domain-save-image"  # virshDumpXML's document name for both dumpxml commands

# virsh's own enum (virshDomainCoreDumpFormat): "elf" is the raw format
DUMP_FORMATS = ("elf", "kdump-zlib", "kdump-lzo", "kdump-snappy", "win-dmp")


def complete_dump_formats(_s: Session, _flags: int = 0) -> list[str]:
    """virshDomainCoreDumpFormatCompleter: every format name."""
    return list(DUMP_FORMATS)


def _start_state_options(when: str) -> Decorator:
    """--running and --paused of the image commands (``when``: "start" or "restore")."""
    return option_stack(
        option("running", OptKind.BOOL, f"set domain to be running on {when}", flag=_RUNNING),
        option("paused", OptKind.BOOL, f"set domain to be paused on {when}", flag=_PAUSED),
    )


_updated_xml_option = option(
    "xml",
    OptKind.DATA,
    "filename containing updated XML for the target",
    required=True,
    value_kind="file",
)
_security_info_option = option(
    "security-info",
    OptKind.BOOL,
    "include security sensitive information in XML dump",
    flag=L.VIR_DOMAIN_XML_SECURE,
)


def _dump_xml(s: Session, get_xml: Callable[[], str], xpath: str | None, wrap: bool) -> bool:
    """The *-dumpxml of an image: its XML, filtered by --xpath/--wrap."""
    from vsh.virt import xpathdump

    if xpath == "":
        return False  # vshCommandOptStringQuiet refuses it without a word
    xpathdump.dump(s.print, get_xml(), SAVE_IMAGE_URL, xpath, wrap)
    return True


def _run_edit(
    s: Session,
    get_xml: Callable[[], str],
    define: Callable[[str], None],
    not_changed: str,
    edited: str,
) -> bool:
    """virsh-edit.c for the image commands: ``edited`` once defined (also,
    without a terminal, after its "Failed." line, as virsh carries on), or
    ``not_changed`` when the text came back unchanged; False when the edit
    failed."""
    from vsh.virt import editor

    def unchanged_is_done() -> bool:
        s.print_extra(not_changed)
        return True

    def define_step(_doc: str, text: str) -> tuple[Any, Any]:
        try:
            define(text)
        except libvirt.libvirtError as err:
            return None, err
        return True, None

    try:
        done = editor.edit(s, get_xml, define_step, unchanged_is_done)
    except editor.EditFailed as failed:
        if failed.cause is None:
            return False
        done = True
    if done is not None:
        s.print_extra(edited)
    return True


# ---------------------------------------------------------------------------
# native configurations


@command(
    "domxml-from-native",
    summary="Convert native config to domain XML",
    description="Convert native guest configuration format to domain XML format.",
    group=GROUP,
)
@option("format", OptKind.DATA, "source config data format", required=True)
@option("config", OptKind.DATA, "config data file to import from", required=True, value_kind="file")
def domxml_from_native(s: Session, format: str, config: str) -> bool:
    fmt = s.text(format, "format")
    path = s.text(config, "config")
    assert fmt is not None and path is not None
    data = read_file_all(path)
    s.print(s.conn.domainXMLFromNative(fmt, data, 0))
    return True


@command(
    "domxml-to-native",
    summary="Convert domain XML to native config",
    description="Convert domain XML config to a native guest configuration format.",
    group=GROUP,
)
@option("format", OptKind.DATA, "target config data type format", required=True)
@option(
    "domain",
    OptKind.STRING,
    FULL,
    named_only=True,
    completer=lookup.complete_domain_names,
)
@option("xml", OptKind.STRING, "xml data file to export from", value_kind="file")
def domxml_to_native(s: Session, format: str, domain: str | None, xml: str | None) -> bool:
    fmt = s.text(format, "format")
    path = s.text(xml, "xml")
    assert fmt is not None
    if domain is not None and xml is not None:
        raise VshError("Options --domain and --xml are mutually exclusive")
    if domain is not None:
        dom = lookup.domain(s, domain, cmd="domxml-to-native")
        try:
            doc = dom.XMLDesc(0)
        except libvirt.libvirtError as err:
            raise VshError("failed to retrieve XML", cause=err) from err
    elif path is not None:
        doc = read_file_all(path)
    else:
        raise VshError("need either domain or domain XML")
    s.print(s.conn.domainXMLToNative(fmt, doc, 0))
    return True


# ---------------------------------------------------------------------------
# dump


def _dump_format(memory_only: bool, fmt: str | None) -> int:
    """--format checked as virsh's worker does: raw unless a non-empty name is given."""
    if fmt is None:
        return L.VIR_DOMAIN_CORE_DUMP_FORMAT_RAW
    if not memory_only:
        raise VshError("--format only works with --memory-only")
    if fmt == "":
        return L.VIR_DOMAIN_CORE_DUMP_FORMAT_RAW  # vshCommandOptStringQuiet: ignored
    if fmt not in DUMP_FORMATS:
        raise VshError(
            f"format '{fmt}' is not supported, expecting "
            "'kdump-zlib', 'kdump-lzo', 'kdump-snappy', 'win-dmp' or 'elf'"
        )
    return DUMP_FORMATS.index(fmt)


@command(
    "dump",
    summary="dump the core of a domain to a file for analysis",
    description="Core dump a domain.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("file", OptKind.DATA, "where to dump the core", required=True, value_kind="file")
@option("live", OptKind.BOOL, "perform a live core dump if supported", flag=L.VIR_DUMP_LIVE)
@option("crash", OptKind.BOOL, "crash the domain after core dump", flag=L.VIR_DUMP_CRASH)
@option(
    "bypass-cache",
    OptKind.BOOL,
    "avoid file system cache when dumping",
    flag=L.VIR_DUMP_BYPASS_CACHE,
)
@option("reset", OptKind.BOOL, "reset the domain after core dump", flag=L.VIR_DUMP_RESET)
@option("verbose", OptKind.BOOL, "display the progress of dump")
@option("memory-only", OptKind.BOOL, "dump domain's memory only", flag=L.VIR_DUMP_MEMORY_ONLY)
@option(
    "format",
    OptKind.STRING,
    "specify the format of memory-only dump",
    completer=complete_dump_formats,
)
def dump(
    s: Session,
    domain: str,
    file: str,
    live: bool,
    crash: bool,
    bypass_cache: bool,
    reset: bool,
    verbose: bool,
    memory_only: bool,
    format: str | None,
) -> bool:
    dom = lookup.domain(s, domain, cmd="dump")
    to = s.text(file, "file")
    flags = option_flags()

    def work() -> None:  # virsh's worker thread: its own look-up, then the options
        job_dom = lookup.domain(s, domain, cmd="dump")
        dump_format = _dump_format(memory_only, format)
        with failing(f"Failed to core dump domain '{domain}' to {to}"):
            if dump_format != L.VIR_DOMAIN_CORE_DUMP_FORMAT_RAW:
                job_dom.coreDumpWithFormat(to, dump_format, flags)
            else:
                job_dom.coreDump(to, flags)

    watch_job(s, dom, verbose, "Dump", work)
    s.print_extra(f"\nDomain '{domain}' dumped to {to}\n")
    return True


# ---------------------------------------------------------------------------
# managed save images


@command(
    "managedsave-define",
    summary="redefine the XML for a domain's managed save state file",
    description="Replace the domain XML associated with a managed save state file",
    group=GROUP,
    exclusive=(("running", "paused"),),
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)
@_updated_xml_option
@_start_state_options("start")
def managedsave_define(s: Session, domain: str, xml: str, running: bool, paused: bool) -> bool:
    flags = option_flags()
    path = s.text(xml, "xml")
    assert path is not None
    doc = read_file_all(path)
    dom = lookup.domain(s, domain, cmd="managedsave-define")
    with failing(f"Failed to update {dom.name()} XML configuration"):
        dom.managedSaveDefineXML(doc, flags)
    s.print_extra(f"Managed save state file of domain '{dom.name()}' updated.\n")
    return True


@command(
    "managedsave-dumpxml",
    summary="Domain information of managed save state file in XML",
    description="Dump XML of domain information for a managed save state file to stdout.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)
@_security_info_option
@xpath_options
def managedsave_dumpxml(
    s: Session, domain: str, security_info: bool, xpath: str | None, wrap: bool
) -> bool:
    flags = option_flags()
    dom = lookup.domain(s, domain, cmd="managedsave-dumpxml")
    return _dump_xml(s, lambda: dom.managedSaveGetXMLDesc(flags), xpath, wrap)


@command(
    "managedsave-edit",
    summary="edit XML for a domain's managed save state file",
    description="Edit the domain XML associated with the managed save state file",
    group=GROUP,
    exclusive=(("running", "paused"),),
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)
@_start_state_options("start")
def managedsave_edit(s: Session, domain: str, running: bool, paused: bool) -> bool:
    define_flags = option_flags()
    dom = lookup.domain(s, domain, cmd="managedsave-edit")
    name = dom.name()
    return _run_edit(
        s,
        lambda: dom.managedSaveGetXMLDesc(L.VIR_DOMAIN_XML_SECURE),
        lambda edited: dom.managedSaveDefineXML(edited, define_flags),
        f"Managed save image of domain '{name}' XML configuration not changed.\n",
        f"Managed save image of Domain '{name}' XML configuration edited.\n",
    )


# ---------------------------------------------------------------------------
# save images


@command(
    "save-image-define",
    summary="redefine the XML for a domain's saved state file",
    description="Replace the domain XML associated with a saved state file",
    group=GROUP,
)
@option("file", OptKind.DATA, "saved state file to modify", required=True, value_kind="file")
@_updated_xml_option
@_start_state_options("restore")
def save_image_define(s: Session, file: str, xml: str, running: bool, paused: bool) -> bool:
    flags = option_flags()
    image = s.text(file, "file")
    path = s.text(xml, "xml")
    assert image is not None and path is not None
    doc = read_file_all(path)
    with failing(f"Failed to update {image}"):
        s.conn.saveImageDefineXML(image, doc, flags)
    s.print_extra(f"State file {image} updated.\n")
    return True


@command(
    "save-image-dumpxml",
    summary="saved state domain information in XML",
    description="Dump XML of domain information for a saved state file to stdout.",
    group=GROUP,
)
@option("file", OptKind.DATA, "saved state file to read", required=True, value_kind="file")
@_security_info_option
@xpath_options
def save_image_dumpxml(
    s: Session, file: str, security_info: bool, xpath: str | None, wrap: bool
) -> bool:
    flags = option_flags()
    image = s.text(file, "file")
    return _dump_xml(s, lambda: s.conn.saveImageGetXMLDesc(image, flags), xpath, wrap)


@command(
    "save-image-edit",
    summary="edit XML for a domain's saved state file",
    description="Edit the domain XML associated with a saved state file",
    group=GROUP,
    exclusive=(("running", "paused"),),
)
@option("file", OptKind.DATA, "saved state file to edit", required=True, value_kind="file")
@_start_state_options("restore")
def save_image_edit(s: Session, file: str, running: bool, paused: bool) -> bool:
    define_flags = option_flags()
    image = s.text(file, "file")
    conn = s.conn
    return _run_edit(
        s,
        lambda: conn.saveImageGetXMLDesc(image, L.VIR_DOMAIN_XML_SECURE),
        lambda edited: conn.saveImageDefineXML(image, edited, define_flags),
        f"Saved image {image} XML configuration not changed.\n",
        f"State file {image} edited.\n",
    )
