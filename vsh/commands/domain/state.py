"""domain state commands (tools/virsh-domain.c, virsh-console.c).

In virsh's help order: console, desc, domdisplay, domrename, edit,
managedsave, managedsave-remove, metadata, restore, save, screenshot,
vncdisplay.

``edit``, ``desc --edit`` and ``metadata --edit`` run the editor through
:mod:`vsh.virt.editor` (``$VISUAL``, ``$EDITOR``, ``sensible-editor``).  ``console`` runs the
interactive console on a terminal: the domain's character device through a
non-blocking libvirt stream, the terminal raw, the global ``-e`` escape
character ending the session.
"""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Any

import libvirt

from vsh.commands.common import (
    affect_flags,
    complete_empty,
    domain_option,
    exclusive,
    file_option,
    opt_uint,
)
from vsh.commands.objects import edit_definition
from vsh.completion.providers import domain_xml_on_line
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.session import Session
from vsh.core.vshutil import read_file_all
from vsh.virt import lookup
from vsh.virt.console import run_console
from vsh.virt.domxml import parse_xml
from vsh.virt.failing import failing
from vsh.virt.jobwatch import watch_job

GROUP = "domain"
L = libvirt


def complete_consoles(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainConsoleCompleter: the aliases of the domain's consoles and serials."""
    root = domain_xml_on_line(s, values)
    if root is None:
        return []
    out = []
    for path in ("./devices/console", "./devices/serial"):
        nodes = root.xpath(path)
        assert isinstance(nodes, list)
        for node in nodes:
            alias = str(node.xpath("string(./alias/@name)"))
            if alias:
                out.append(alias)
    return out


# ---------------------------------------------------------------------------
# console


@command(
    "console",
    summary="connect to the guest console",
    description="Connect the virtual serial console for the guest",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("devname", OptKind.STRING, "character device name", completer=complete_consoles)
@option(
    "force",
    OptKind.BOOL,
    "force console connection (disconnect already connected sessions)",
    flag=L.VIR_DOMAIN_CONSOLE_FORCE,
)
@option(
    "safe",
    OptKind.BOOL,
    "only connect if safe console handling is supported",
    flag=L.VIR_DOMAIN_CONSOLE_SAFE,
)
def console(s: Session, domain: str, devname: str | None, force: bool, safe: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="console")
    name = s.text(devname, "devname")
    flags = option_flags()
    return run_console(s, dom, name, flags)


# ---------------------------------------------------------------------------
# desc, metadata


def get_description(s: Session, dom: libvirt.virDomain, title: bool, flags: int) -> str:
    """virshGetDomainDescription: the title or description, "" when unset."""
    kind = L.VIR_DOMAIN_METADATA_TITLE if title else L.VIR_DOMAIN_METADATA_DESCRIPTION
    try:
        return dom.metadata(kind, None, flags)
    except libvirt.libvirtError as err:
        code = err.get_error_code()
        if code == L.VIR_ERR_NO_DOMAIN_METADATA:
            s.last_error = None
            return ""
        if code != L.VIR_ERR_NO_SUPPORT:
            raise
    root = parse_xml(dom.XMLDesc(flags))
    if root is None:
        raise VshError("Failed to parse domain description xml")
    return str(root.xpath("string(./title[1])" if title else "string(./description[1])"))


@command(
    "desc",
    summary="show or set domain's description or title",
    description="Allows setting or modifying the description or title of a domain.",
    group=GROUP,
)
@domain_option()
@option("live", OptKind.BOOL, "modify/get running state")
@option("config", OptKind.BOOL, "modify/get persistent configuration")
@option("current", OptKind.BOOL, "modify/get current state configuration")
@option("title", OptKind.BOOL, "modify/get the title instead of description")
@option("edit", OptKind.BOOL, "open an editor to modify the description")
@option("new-desc", OptKind.ARGV, "message")
def desc(
    s: Session,
    domain: str,
    live: bool,
    config: bool,
    current: bool,
    title: bool,
    edit: bool,
    new_desc: tuple[str, ...],
) -> bool:
    flags = affect_flags(current, live, config)
    query = L.VIR_DOMAIN_XML_INACTIVE if config else 0
    dom = lookup.domain(s, domain, cmd="desc")
    lookup.domain_state(s, dom)
    kind = L.VIR_DOMAIN_METADATA_TITLE if title else L.VIR_DOMAIN_METADATA_DESCRIPTION
    words = [w for w in (new_desc or ())]
    arg = " ".join(words).rstrip(" ") if words else None
    what = "title" if title else "description"
    if edit or arg is not None:
        current_text = get_description(s, dom, title, query)
        if arg is None:
            arg = current_text
        if edit:
            from vsh.virt import editor

            try:
                path = editor.write_temp(s, arg)
                try:
                    editor.run_editor(s, path)
                    edited = editor.read_back(s, path)
                finally:
                    editor.unlink(path)
            except editor.EditFailed:
                return False
            if title and edited.endswith("\n"):
                edited = edited[:-1]
            if edited == current_text:
                s.print_extra(f"Domain {what} not changed\n")
                return True
            new_text = edited
        else:
            new_text = arg
        with failing(f"Failed to set new domain {what}"):
            dom.setMetadata(kind, new_text, None, None, flags)
        s.print_extra(f"Domain {what} updated successfully")
        return True
    text = get_description(s, dom, title, query)
    if text:
        s.print(text)
    else:
        s.print_extra(f"No {what} for domain: {dom.name()}")
    return True


@command(
    "metadata",
    summary="show or set domain's custom XML metadata",
    description="Shows or modifies the XML metadata of a domain.",
    group=GROUP,
)
@domain_option()
@option("uri", OptKind.DATA, "URI of the namespace", required=True)
@option("live", OptKind.BOOL, "modify/get running state")
@option("config", OptKind.BOOL, "modify/get persistent configuration")
@option("current", OptKind.BOOL, "modify/get current state configuration")
@option("edit", OptKind.BOOL, "use an editor to change the metadata")
@option("key", OptKind.STRING, "key to be used as a namespace identifier")
@option("set", OptKind.STRING, "new metadata to set", completer=complete_empty)
@option("remove", OptKind.BOOL, "remove the metadata corresponding to an uri")
def metadata(
    s: Session,
    domain: str,
    uri: str,
    live: bool,
    config: bool,
    current: bool,
    edit: bool,
    key: str | None,
    set: str | None,
    remove: bool,
) -> bool:
    flags = affect_flags(current, live, config)
    exclusive(edit=edit, set=set is not None)
    exclusive(remove=remove, set=set is not None)
    exclusive(remove=remove, edit=edit)
    dom = lookup.domain(s, domain, cmd="metadata")
    uri_text = s.text(uri, "uri")
    key = s.text(key, "key")
    set = s.text(set, "set")
    if (set is not None or edit) and key is None:
        raise VshError("namespace key is required when modifying metadata")
    element = L.VIR_DOMAIN_METADATA_ELEMENT
    if set is not None or remove:
        dom.setMetadata(element, set, key, uri_text, flags)
        s.print_extra("Metadata removed\n" if remove else "Metadata modified\n")
        return True
    if edit:
        from vsh.virt import editor

        def get_xml() -> str:
            try:
                return dom.metadata(element, uri_text, flags)
            except libvirt.libvirtError:
                s.last_error = None
                return "\n"

        def unchanged_is_done() -> bool:
            s.print_extra("Metadata not changed")
            return True

        def define(_doc: str, edited: str) -> tuple[Any, Any]:
            try:
                dom.setMetadata(element, edited, key, uri_text, flags)
            except libvirt.libvirtError as err:
                return None, err
            return True, None

        try:
            changed = editor.edit(s, get_xml, define, unchanged_is_done)
        except editor.EditFailed as failed:
            if failed.cause is None:
                return False
            # Without a terminal virsh reports "Failed." and then carries on
            # as if the edit had worked, its libvirt error dropped.
            changed = True
        if changed is None:
            return True
        s.print_extra("Metadata modified\n")
        return True
    data = dom.metadata(element, uri_text, flags)
    s.print(f"{data}\n")
    return True


# ---------------------------------------------------------------------------
# domdisplay, vncdisplay


def _xpath_string(root: Any, expr: str) -> str | None:
    """virXPathString: None for an empty result."""
    value = str(root.xpath(expr))
    return value or None


def _xpath_int(root: Any, expr: str) -> int | None:
    """virXPathInt: the number, or None (missing or not a number)."""
    from vsh.core.numbers import c_int

    value = str(root.xpath(expr))
    if not value:
        return None
    return c_int(value)


def _is_wildcard(addr: str) -> bool:
    try:
        infos = socket.getaddrinfo(addr, None, socket.AF_UNSPEC, 0, 0, socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return False
    if not infos:
        return False
    family, _, _, _, sockaddr = infos[0]
    if family == socket.AF_INET:
        return sockaddr[0] == "0.0.0.0"
    return family == socket.AF_INET6 and (
        socket.inet_pton(socket.AF_INET6, str(sockaddr[0])) == bytes(16)
    )


def _uri_server(s: Session) -> str | None:
    from urllib.parse import urlsplit

    try:
        uri = s.conn.getURI()
    except libvirt.libvirtError:
        return None
    try:
        netloc = urlsplit(uri).netloc
    except ValueError:
        return None
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[1:].partition("]")[0] or None
    return host.partition(":")[0] or None


def _one_display(s: Session, scheme: str, root: Any) -> str | None:
    if scheme == "dbus":
        addr = _xpath_string(root, "string(/domain/devices/graphics[@type='dbus']/@address)")
        if addr is None:
            return None
        if addr.startswith("unix:path="):
            return f"dbus+unix://{addr[10:]}"
        s.error(f"'{addr}' D-Bus address is not handled")
        return None

    def xp(tail: str) -> str:
        return f"string(/domain/devices/graphics[@type='{scheme}']/{tail})"

    port = _xpath_int(root, xp("@port")) or 0
    tls_port = _xpath_int(root, xp("@tlsPort")) or 0
    listen = _xpath_string(root, xp("@listen"))
    sockpath = None
    if _xpath_string(root, xp("listen/@type")) == "socket":
        sockpath = _xpath_string(root, xp("listen/@socket"))
    if not port and not tls_port and not sockpath:
        return None
    if listen is None:
        listen = _xpath_string(root, xp("listen/@address"))
    elif _is_wildcard(listen):
        listen = _uri_server(s)
    passwd = _xpath_string(root, xp("@passwd"))
    out = f"{scheme}+unix://" if sockpath else f"{scheme}://"
    if scheme == "vnc" and passwd is not None:
        out += f":{passwd}@"
    if sockpath:
        out += sockpath
    elif listen is None:
        out += "localhost"
    elif ":" in listen:
        out += f"[{listen}]"
    else:
        out += listen
    if port:
        out += f":{port - 5900 if scheme == 'vnc' else port}"
    out += "?"
    if tls_port:
        out += f"tls-port={tls_port}&"
    if scheme == "spice" and passwd is not None:
        out += f"password={passwd}&"
    return out[:-1]


@command(
    "domdisplay",
    summary="domain display connection URI",
    description="Output the IP address and port number for the graphical display.",
    group=GROUP,
    exclusive=(("all", "type"),),
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option(
    "include-password",
    OptKind.BOOL,
    "includes the password into the connection URI if available",
)
@option(
    "type",
    OptKind.STRING,
    'select particular graphical display (e.g. "vnc", "spice", "rdp", "dbus")',
)
@option("all", OptKind.BOOL, "show all possible graphical displays")
def domdisplay(
    s: Session, domain: str, include_password: bool, type: str | None, all: bool
) -> bool:
    dom = lookup.domain(s, domain, cmd="domdisplay")
    if not dom.isActive():
        raise VshError("Domain is not running")
    flags = L.VIR_DOMAIN_XML_SECURE if include_password else 0
    wanted = s.text(type, "type")
    root = parse_xml(dom.XMLDesc(flags))
    if root is None:
        return False
    found = False
    for scheme in ("vnc", "spice", "rdp", "dbus"):
        if not all and wanted is not None and wanted != scheme:
            continue
        display = _one_display(s, scheme, root)
        if display is None:
            continue
        s.print(display)
        found = True
        if not all:
            break
        s.print("\n")
    if not found:
        if wanted is not None:
            s.error(f"No graphical display with type '{wanted}' found")
        else:
            s.error("No graphical display found")
    return found


@command(
    "vncdisplay",
    summary="vnc display",
    description="Output the IP address and port number for the VNC display.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
def vncdisplay(s: Session, domain: str) -> bool:
    dom = lookup.domain(s, domain, cmd="vncdisplay")
    if not dom.isActive():
        raise VshError("Domain is not running")
    root = parse_xml(dom.XMLDesc(0))
    if root is None:
        return False
    port = _xpath_int(root, "string(/domain/devices/graphics[@type='vnc']/@port)")
    if port is None:
        raise VshError("Failed to get VNC port. Is this domain using VNC?")
    listen = _xpath_string(root, "string(/domain/devices/graphics[@type='vnc']/@listen)")
    if listen is None:
        listen = _xpath_string(
            root, "string(/domain/devices/graphics[@type='vnc']/listen/@address)"
        )
    if listen is None or listen == "0.0.0.0":
        s.print(f":{port - 5900}\n")
    else:
        s.print(f"{listen}:{port - 5900}\n")
    return True


# ---------------------------------------------------------------------------
# domrename, edit


@command(
    "domrename",
    summary="rename a domain",
    description="Rename an inactive domain.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_INACTIVE, "domain name or uuid")
@option("new-name", OptKind.DATA, "new domain name", required=True, completer=complete_empty)
def domrename(s: Session, domain: str, new_name: str) -> bool:
    dom = lookup.domain(s, domain, cmd="domrename")
    name = s.text(new_name, "new-name")
    dom.rename(name, 0)
    s.print_extra("Domain successfully renamed\n")
    return True


@command(
    "edit",
    summary="edit XML configuration for a domain",
    description="Edit the XML configuration for a domain.",
    group=GROUP,
)
@domain_option()
@option("skip-validate", OptKind.BOOL, "skip validation of the XML against the schema")
def edit(s: Session, domain: str, skip_validate: bool) -> bool:

    dom = lookup.domain(s, domain, cmd="edit")
    define_flags = 0 if skip_validate else L.VIR_DOMAIN_DEFINE_VALIDATE

    def relax() -> None:
        # The "i" answer: define again without schema validation.
        nonlocal define_flags
        define_flags &= ~L.VIR_DOMAIN_DEFINE_VALIDATE

    def get_xml() -> str:
        return dom.XMLDesc(L.VIR_DOMAIN_XML_SECURE | L.VIR_DOMAIN_XML_INACTIVE)

    def define(edited: str) -> Any:
        conn = s.conn
        if not define_flags:
            return conn.defineXML(edited)
        try:
            return conn.defineXMLFlags(edited, define_flags)
        except libvirt.libvirtError as err:
            if err.get_error_code() != L.VIR_ERR_NO_SUPPORT or (
                define_flags != L.VIR_DOMAIN_DEFINE_VALIDATE
            ):
                raise
            return conn.defineXML(edited)

    return edit_definition(s, lambda name: f"Domain '{name}'", dom.name(), get_xml, define, relax)


# ---------------------------------------------------------------------------
# save, restore, managedsave


def _save_flags(bypass_cache: bool, running: bool, paused: bool) -> int:
    flags = 0
    if bypass_cache:
        flags |= L.VIR_DOMAIN_SAVE_BYPASS_CACHE
    if running:
        flags |= L.VIR_DOMAIN_SAVE_RUNNING
    if paused:
        flags |= L.VIR_DOMAIN_SAVE_PAUSED
    return flags


@command(
    "managedsave",
    summary="managed save of a domain state",
    description="Save and destroy a running domain, so it can be restarted from\n"
    "    the same state at a later time.  When the virsh 'start'\n"
    "    command is next run for the domain, it will automatically\n"
    "    be started from this saved state.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("bypass-cache", OptKind.BOOL, "avoid file system cache when saving")
@option("running", OptKind.BOOL, "set domain to be running on next start")
@option("paused", OptKind.BOOL, "set domain to be paused on next start")
@option("verbose", OptKind.BOOL, "display the progress of save")
def managedsave(
    s: Session, domain: str, bypass_cache: bool, running: bool, paused: bool, verbose: bool
) -> bool:
    dom = lookup.domain(s, domain, cmd="managedsave")
    flags = _save_flags(bypass_cache, running, paused)

    def work() -> None:  # virsh's worker thread, with its own look-up
        job_dom = lookup.domain(s, domain, cmd="managedsave")
        with failing(f"Failed to save domain '{domain}' state"):
            job_dom.managedSave(flags)

    watch_job(s, dom, verbose, "Managedsave", work)
    s.print_extra(f"\nDomain '{domain}' state saved by libvirt\n")
    return True


@command(
    "managedsave-remove",
    summary="Remove managed save of a domain",
    description="Remove an existing managed save state file from a domain",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)
def managedsave_remove(s: Session, domain: str) -> bool:
    dom = lookup.domain(s, domain, cmd="managedsave-remove")
    with failing("Failed to check for domain managed save image"):
        has = dom.hasManagedSaveImage(0)
    if has == 0:
        s.print_extra(f"Domain '{domain}' has no manage save image; removal skipped")
        return True
    with failing(f"Failed to remove managed save image for domain '{domain}'"):
        dom.managedSaveRemove(0)
    s.print_extra(f"Removed managedsave image for domain '{domain}'")
    return True


@command(
    "restore",
    summary="restore a domain from a saved state in a file",
    description="Restore a domain.",
    group=GROUP,
)
@file_option("the state to restore")
@option("bypass-cache", OptKind.BOOL, "avoid file system cache when restoring")
@option(
    "xml",
    OptKind.STRING,
    "filename containing updated XML for the target",
    value_kind="file",
)
@option("running", OptKind.BOOL, "restore domain into running state")
@option("paused", OptKind.BOOL, "restore domain into paused state")
@option(
    "reset-nvram",
    OptKind.BOOL,
    "re-initialize NVRAM from its pristine template",
    flag=L.VIR_DOMAIN_SAVE_RESET_NVRAM,
)
def restore(
    s: Session,
    file: str,
    bypass_cache: bool,
    xml: str | None,
    running: bool,
    paused: bool,
    reset_nvram: bool,
) -> bool:
    path = s.text(file, "file")
    flags = _save_flags(bypass_cache, running, paused) | option_flags()
    xml_path = s.text(xml, "xml")
    doc = read_file_all(xml_path) if xml_path is not None else None
    with failing(f"Failed to restore domain from {path}"):
        if flags or doc is not None:
            s.conn.restoreFlags(path, doc, flags)
        else:
            s.conn.restore(path)
    s.print_extra(f"Domain restored from {path}\n")
    return True


@command(
    "save",
    summary="save a domain state to a file",
    description="Save the RAM state of a running domain.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@file_option("where to save the data")
@option("bypass-cache", OptKind.BOOL, "avoid file system cache when saving")
@option(
    "xml",
    OptKind.STRING,
    "filename containing updated XML for the target",
    value_kind="file",
)
@option("running", OptKind.BOOL, "set domain to be running on restore")
@option("paused", OptKind.BOOL, "set domain to be paused on restore")
@option("verbose", OptKind.BOOL, "display the progress of save")
def save(
    s: Session,
    domain: str,
    file: str,
    bypass_cache: bool,
    xml: str | None,
    running: bool,
    paused: bool,
    verbose: bool,
) -> bool:
    dom = lookup.domain(s, domain, cmd="save")
    to = s.text(file, "file")

    def work() -> None:  # virsh's worker thread: the options again, its own look-up
        flags = _save_flags(bypass_cache, running, paused)
        xml_path = s.text(xml, "xml")
        job_dom = lookup.domain(s, domain, cmd="save")
        doc = read_file_all(xml_path) if xml_path is not None else None
        with failing(f"Failed to save domain '{domain}' to {to}"):
            if flags or doc is not None:
                job_dom.saveFlags(to, doc, flags)
            else:
                job_dom.save(to)

    watch_job(s, dom, verbose, "Save", work)
    s.print_extra(f"\nDomain '{domain}' saved to {to}\n")
    return True


# ---------------------------------------------------------------------------
# screenshot


@command(
    "screenshot",
    summary="take a screenshot of a current domain console and store it into a file",
    description="screenshot of a current domain console",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("file", OptKind.STRING, "where to store the screenshot", value_kind="file")
@option("screen", OptKind.INT, "ID of a screen to take screenshot of")
def screenshot(s: Session, domain: str, file: str | None, screen: str | None) -> bool:
    path = s.text(file, "file")
    screen_id = opt_uint(screen, "screen") or 0
    dom = lookup.domain(s, domain, cmd="screenshot")
    stream = s.conn.newStream(0)
    with failing(f"could not take a screenshot of {domain}"):
        mime = dom.screenshot(stream, screen_id, 0)
    if path is None:
        import time

        ext = {"image/x-portable-pixmap": ".ppm", "image/png": ".png"}.get(mime, "")
        path = f"{dom.name()}-{time.strftime('%Y-%m-%d-%H:%M:%S')}{ext}"
    created = False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
    except OSError as exc:
        fd = -1
        if exc.errno == 17:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_TRUNC, 0o666)
            except OSError:
                fd = -1
        if fd < 0:
            raise VshError(f"cannot create file {path}") from None
    ok = False
    try:

        def sink(_st: Any, data: bytes, out_fd: int) -> int:
            return os.write(out_fd, data)

        with failing(f"could not receive data from domain '{domain}'"):
            stream.recvAll(sink, fd)
        try:
            os.close(fd)
        except OSError:
            raise VshError(f"cannot close file {path}") from None
        finally:
            fd = -1
        with failing(f"cannot close stream on domain '{domain}'"):
            stream.finish()
        s.print_extra(f"Screenshot saved to {path}, with type of {mime}")
        ok = True
    finally:
        if fd >= 0:
            os.close(fd)
        if not ok and created:
            with contextlib.suppress(OSError):
                os.unlink(path)
    return True
