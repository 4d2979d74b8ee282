"""domain commands (tools/virsh-domain.c): life cycle, definition, XML.

In virsh's help order: autostart, create, define, destroy, domid, domname,
domuuid, dumpxml, reboot, reset, resume, shutdown, start, suspend, undefine.

Also here, for other commands to share: :func:`parse_xml`
(XPath look-ups in a domain's XML).  ``--xpath``/``--wrap`` output and the
look-ups both go through :mod:`vsh.virt.xpathdump`, the system libxml2 that virsh
uses, loaded only when needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import libvirt

from vsh.commands.common import (
    complete_empty,
    domain_option,
    fetch_pass_fds,
    file_option,
    validate_option,
    xpath_options,
)
from vsh.commands.objects import act, flagged, from_file, read_xml, set_autostart
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.session import Session
from vsh.core.vshutil import split_commas
from vsh.virt import lookup
from vsh.virt.console import run_console as console_session
from vsh.virt.domxml import domain_xml, parse_xml, utf8_problem
from vsh.virt.failing import failing

if TYPE_CHECKING:
    pass

GROUP = "domain"

UINT_MAX = 2**32 - 1

L = libvirt


# ---------------------------------------------------------------------------
# helpers shared by the commands


def run_console(s: Session, dom: libvirt.virDomain) -> bool:
    """``start --console`` / ``create --console``: virsh's console on the first device."""
    return console_session(s, dom, None, 0)


SHUTDOWN_MODES = ("acpi", "agent", "initctl", "signal", "paravirt")


def complete_shutdown_modes(_s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainShutdownModeCompleter: modes, as a comma-separated list (``acpi,ag``)."""
    from vsh.completion.providers import comma_list

    return comma_list((values or {}).get("mode"), SHUTDOWN_MODES)


def complete_undefine_storage(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainUndefineStorageDisksCompleter: the domain's disk targets, comma-separated."""
    from vsh.completion.providers import comma_list, domain_on_line

    values = values or {}
    dom = domain_on_line(s, values)
    if dom is None:
        return []
    try:
        root = parse_xml(dom.XMLDesc(0))
    except libvirt.libvirtError:
        return []
    if root is None:
        return []
    disks: Any = root.xpath("./devices/disk")  # a node list (lxml types xpath() loosely)
    targets = [str(disk.xpath("string(./target/@dev)")) for disk in disks]
    if not all(targets):
        return []  # virsh gives up on a disk without a target
    return comma_list(values.get("storage"), targets)


# ---------------------------------------------------------------------------
def _on(
    s: Session, domain: str, verb: str, call: Callable[[libvirt.virDomain], object], done: str
) -> bool:
    """The commands named after the one call they make on a domain (reset,
    suspend, ...): look it up, call, report ``Domain 'x' <done>``."""
    dom = lookup.domain(s, domain, cmd=verb)
    return act(dom, s, call, f"Failed to {verb} domain '{domain}'", f"Domain '{domain}' {done}")


# commands, in virsh's table order


@command(
    "autostart",
    summary="autostart a domain",
    description="Configure a domain to be automatically started at boot.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_PERSISTENT)
@option("disable", OptKind.BOOL, "disable autostarting")
def autostart(s: Session, domain: str, disable: bool) -> bool:
    dom = lookup.domain(s, domain, cmd="autostart")
    failed = f"Failed to {{verb}} domain '{domain}' as autostarted"
    return set_autostart(s, dom, disable, failed, f"Domain '{domain}' {{verb}} as autostarted")


@command(
    "create",
    summary="create a domain from an XML file",
    description="Create a domain.",
    group=GROUP,
)
@file_option("file containing an XML domain description")
@option("console", OptKind.BOOL, "attach to console after creation")
@option(
    "paused", OptKind.BOOL, "leave the guest paused after creation", flag=L.VIR_DOMAIN_START_PAUSED
)
@option(
    "autodestroy",
    OptKind.BOOL,
    "automatically destroy the guest when virsh disconnects",
    flag=L.VIR_DOMAIN_START_AUTODESTROY,
)
@option(
    "pass-fds",
    OptKind.STRING,
    "pass file descriptors N,M,... to the guest",
    completer=complete_empty,
)
@validate_option(L.VIR_DOMAIN_START_VALIDATE)
@option(
    "reset-nvram",
    OptKind.BOOL,
    "re-initialize NVRAM from its pristine template",
    flag=L.VIR_DOMAIN_START_RESET_NVRAM,
)
def create(
    s: Session,
    file: str,
    console: bool,
    paused: bool,
    autodestroy: bool,
    pass_fds: str | None,
    validate: bool,
    reset_nvram: bool,
) -> bool:
    path, xml = read_xml(s, file)
    fds = fetch_pass_fds(pass_fds)
    flags = option_flags()
    problem = utf8_problem(xml)
    if problem is not None:
        raise VshError(f"Failed to create domain from {path}", problem)
    conn = s.conn
    with failing(f"Failed to create domain from {path}"):
        dom = conn.createXMLWithFiles(xml, fds, flags) if fds else conn.createXML(xml, flags)
    s.print_extra(f"Domain '{dom.name()}' created from {path}\n")
    if console:
        run_console(s, dom)  # virsh ignores the console's outcome here
    return True


@command(
    "define",
    summary="define (but don't start) a domain from an XML file",
    description="Define a domain.",
    group=GROUP,
)
@file_option("file containing an XML domain description")
@validate_option(L.VIR_DOMAIN_DEFINE_VALIDATE)
def define(s: Session, file: str, validate: bool) -> bool:
    conn = s.conn
    call = flagged(conn.defineXML, conn.defineXMLFlags, option_flags())
    from_file(s, file, "domain", "define", call, docname="(domain_definition)", quote=True)
    return True


@command(
    "destroy",
    summary="destroy (stop) a domain",
    description="Forcefully stop a given domain, but leave its resources intact.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option("graceful", OptKind.BOOL, "terminate gracefully", flag=L.VIR_DOMAIN_DESTROY_GRACEFUL)
@option("remove-logs", OptKind.BOOL, "remove domain logs", flag=L.VIR_DOMAIN_DESTROY_REMOVE_LOGS)
def destroy(s: Session, domain: str, graceful: bool, remove_logs: bool) -> bool:
    flags = option_flags()
    call = (lambda d: d.destroyFlags(flags)) if flags else (lambda d: d.destroy())
    return _on(s, domain, "destroy", call, "destroyed")


@command(
    "domid",
    summary="convert a domain name or UUID to domain id",
    description="",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE, "domain name or uuid")
def domid(s: Session, domain: str) -> bool:
    dom = lookup.domain(s, domain, lookup.BY_NAME | lookup.BY_UUID, cmd="domid")
    dom_id = dom.ID()
    s.print("-\n" if dom_id in (-1, UINT_MAX) else f"{dom_id}\n")
    return True


@command(
    "domname",
    summary="convert a domain id or UUID to domain name",
    description="",
    group=GROUP,
)
@option(
    "domain",
    OptKind.DATA,
    "domain id or uuid",
    required=True,
    completer=lookup.complete_domain_uuids,
)
def domname(s: Session, domain: str) -> bool:
    dom = lookup.domain(s, domain, lookup.BY_ID | lookup.BY_UUID, cmd="domname")
    s.print(f"{dom.name()}\n")
    return True


@command(
    "domuuid",
    summary="convert a domain name or id to domain UUID",
    description="",
    group=GROUP,
)
@domain_option(0, "domain id or name")
def domuuid(s: Session, domain: str) -> bool:
    dom = lookup.domain(s, domain, lookup.BY_NAME | lookup.BY_ID, cmd="domuuid")
    try:
        s.print(f"{dom.UUIDString()}\n")
    except libvirt.libvirtError as err:
        s.last_error = err
        s.error("failed to get domain UUID")
    return True  # virsh succeeds even then


@command(
    "dumpxml",
    summary="domain information in XML",
    description="Output the domain information as an XML dump to stdout.",
    group=GROUP,
)
@domain_option()
@option("inactive", OptKind.BOOL, "show inactive defined XML", flag=L.VIR_DOMAIN_XML_INACTIVE)
@option(
    "security-info",
    OptKind.BOOL,
    "include security sensitive information in XML dump",
    flag=L.VIR_DOMAIN_XML_SECURE,
)
@option(
    "update-cpu",
    OptKind.BOOL,
    "update guest CPU according to host CPU",
    flag=L.VIR_DOMAIN_XML_UPDATE_CPU,
)
@option(
    "migratable",
    OptKind.BOOL,
    "provide XML suitable for migrations",
    flag=L.VIR_DOMAIN_XML_MIGRATABLE,
)
@xpath_options
def dumpxml(
    s: Session,
    domain: str,
    inactive: bool,
    security_info: bool,
    update_cpu: bool,
    migratable: bool,
    xpath: str | None,
    wrap: bool,
) -> bool:
    flags = option_flags()
    dom = lookup.domain(s, domain, cmd="dumpxml")
    if xpath == "":
        return False  # vshCommandOptStringQuiet refuses it without a word
    xml = dom.XMLDesc(flags)
    from vsh.virt import xpathdump

    xpathdump.dump(s.print, xml, "domain", xpath, wrap)
    return True


def _mode_flags(mode: str | None, table: dict[str, int], expecting: str) -> int:
    flags = 0
    if mode is None:
        return flags
    for word in mode.split(","):
        if word not in table:
            raise VshError(f"Unknown mode {word} value, expecting {expecting}")
        flags |= table[word]
    return flags


_REBOOT_MODES = {
    "acpi": L.VIR_DOMAIN_REBOOT_ACPI_POWER_BTN,
    "agent": L.VIR_DOMAIN_REBOOT_GUEST_AGENT,
    "initctl": L.VIR_DOMAIN_REBOOT_INITCTL,
    "signal": L.VIR_DOMAIN_REBOOT_SIGNAL,
    "paravirt": L.VIR_DOMAIN_REBOOT_PARAVIRT,
}
_SHUTDOWN_MODES = {
    "acpi": L.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN,
    "agent": L.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT,
    "initctl": L.VIR_DOMAIN_SHUTDOWN_INITCTL,
    "signal": L.VIR_DOMAIN_SHUTDOWN_SIGNAL,
    "paravirt": L.VIR_DOMAIN_SHUTDOWN_PARAVIRT,
}


@command(
    "reboot",
    summary="reboot a domain",
    description="Run a reboot command in the target domain.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option(
    "mode",
    OptKind.STRING,
    "shutdown mode: acpi|agent|initctl|signal|paravirt",
    completer=complete_shutdown_modes,
)
def reboot(s: Session, domain: str, mode: str | None) -> bool:
    flags = _mode_flags(
        s.text(mode, "mode"),
        _REBOOT_MODES,
        "'acpi', 'agent', 'initctl', 'signal' or 'paravirt'",
    )
    return _on(s, domain, "reboot", lambda d: d.reboot(flags), "is being rebooted")


@command(
    "reset",
    summary="reset a domain",
    description="Reset the target domain as if by power button",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
def reset(s: Session, domain: str) -> bool:
    return _on(s, domain, "reset", lambda d: d.reset(0), "was reset")


@command(
    "resume",
    summary="resume a domain",
    description="Resume a previously suspended domain.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_PAUSED)
def resume(s: Session, domain: str) -> bool:
    return _on(s, domain, "resume", lambda d: d.resume(), "resumed")


@command(
    "shutdown",
    summary="gracefully shutdown a domain",
    description="Run shutdown in the target domain.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option(
    "mode",
    OptKind.STRING,
    "shutdown mode: acpi|agent|initctl|signal|paravirt",
    completer=complete_shutdown_modes,
)
def shutdown(s: Session, domain: str, mode: str | None) -> bool:
    flags = _mode_flags(
        s.text(mode, "mode"),
        _SHUTDOWN_MODES,
        "'acpi', 'agent', 'initctl', 'signal', or 'paravirt'",
    )
    call = (lambda d: d.shutdownFlags(flags)) if flags else (lambda d: d.shutdown())
    return _on(s, domain, "shutdown", call, "is being shutdown")


@command(
    "start",
    summary="start a (previously defined) inactive domain",
    description="Start a domain, either from the last managedsave\n"
    "    state, or via a fresh boot if no managedsave state\n"
    "    is present.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_SHUTOFF, "name of the inactive domain")
@option("console", OptKind.BOOL, "attach to console after creation")
@option(
    "paused", OptKind.BOOL, "leave the guest paused after creation", flag=L.VIR_DOMAIN_START_PAUSED
)
@option(
    "autodestroy",
    OptKind.BOOL,
    "automatically destroy the guest when virsh disconnects",
    flag=L.VIR_DOMAIN_START_AUTODESTROY,
)
@option(
    "bypass-cache",
    OptKind.BOOL,
    "avoid file system cache when loading",
    flag=L.VIR_DOMAIN_START_BYPASS_CACHE,
)
@option(
    "force-boot",
    OptKind.BOOL,
    "force fresh boot by discarding any managed save",
    flag=L.VIR_DOMAIN_START_FORCE_BOOT,
)
@option(
    "pass-fds",
    OptKind.STRING,
    "pass file descriptors N,M,... to the guest",
    completer=complete_empty,
)
@option(
    "reset-nvram",
    OptKind.BOOL,
    "re-initialize NVRAM from its pristine template",
    flag=L.VIR_DOMAIN_START_RESET_NVRAM,
)
def start(
    s: Session,
    domain: str,
    console: bool,
    paused: bool,
    autodestroy: bool,
    bypass_cache: bool,
    force_boot: bool,
    pass_fds: str | None,
    reset_nvram: bool,
) -> bool:
    dom = lookup.domain(s, domain, lookup.BY_NAME | lookup.BY_UUID, cmd="start")
    if dom.ID() not in (-1, UINT_MAX):
        raise VshError("Domain is already active")
    fds = fetch_pass_fds(pass_fds)
    flags = option_flags()

    started = False
    if flags & L.VIR_DOMAIN_START_FORCE_BOOT:
        # Force boot can be emulated for servers that reject the flag.
        try:
            _create(dom, fds, flags, always_flags=True)
            started = True
        except libvirt.libvirtError as err:
            if err.get_error_code() not in (L.VIR_ERR_NO_SUPPORT, L.VIR_ERR_INVALID_ARG):
                raise
            s.last_error = None
            try:
                has_image = dom.hasManagedSaveImage(0)
            except libvirt.libvirtError:
                has_image = 0
            if has_image > 0:
                dom.managedSaveRemove(0)
            flags &= ~L.VIR_DOMAIN_START_FORCE_BOOT
    if not started:
        with failing(f"Failed to start domain '{dom.name()}'"):
            _create(dom, fds, flags)
    s.print_extra(f"Domain '{dom.name()}' started\n")
    return not console or run_console(s, dom)


def _create(dom: libvirt.virDomain, fds: list[int], flags: int, always_flags: bool = False) -> None:
    """Prefer the oldest API that can do the job, as virsh does."""
    if fds:
        dom.createWithFiles(fds, flags)
    elif flags or always_flags:
        dom.createWithFlags(flags)
    else:
        dom.create()


@command(
    "suspend",
    summary="suspend a domain",
    description="Suspend a running domain.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_RUNNING)
def suspend(s: Session, domain: str) -> bool:
    return _on(s, domain, "suspend", lambda d: d.suspend(), "suspended")


# -- undefine ----------------------------------------------------------------


class _Volume:
    __slots__ = ("source", "target", "vol")

    def __init__(self, vol: libvirt.virStorageVol, source: str, target: str) -> None:
        self.vol, self.source, self.target = vol, source, target


def _storage_volumes(
    s: Session, dom: libvirt.virDomain, vol_string: str | None
) -> list[_Volume] | None:
    """The volumes to remove with the domain, or None when virsh gives up."""
    root = domain_xml(dom)
    wanted: list[str | None] = list(split_commas(vol_string)) if vol_string is not None else []
    vols: list[_Volume] = []
    conn = s.conn
    disks: Any = root.xpath("./devices/disk")  # a node list (lxml types xpath() loosely)
    for disk in disks:
        target = str(disk.xpath("string(./target/@dev)"))
        if not target:
            s.last_error = None
            return None  # virsh's "goto error" with nothing to report
        source = str(
            disk.xpath(
                "string(./source/@file|./source/@dir|./source/@name|./source/@dev|./source/@volume)"
            )
        )
        if not source:
            continue
        pool_name = str(disk.xpath("string(./source/@pool)"))
        if vol_string is not None:
            for j, item in enumerate(wanted):
                if item is not None and item in (target, source):
                    wanted[j] = None
                    break
            else:
                continue
        try:
            if pool_name:
                try:
                    pool = conn.storagePoolLookupByName(pool_name)
                except libvirt.libvirtError:
                    s.last_error = None
                    s.error(f"Storage pool '{pool_name}' for volume '{target}' not found.")
                    continue
                vol = pool.storageVolLookupByName(source)
            else:
                vol = conn.storageVolLookupByPath(source)
        except libvirt.libvirtError:
            s.last_error = None
            s.error(
                f"Storage volume '{target}'({source}) is not managed by libvirt. "
                "Remove it manually.\n"
            )
            continue
        vols.append(_Volume(vol, source, target))
    missing = [item for item in wanted if item is not None]
    for item in missing:
        s.error(f"Volume '{item}' was not found in domain's definition.\n")
    if missing:
        return None
    return vols


def _count(s: Session, call: Any) -> int:
    """A count that a server without the API reports as 0 (VIR_ERR_NO_SUPPORT)."""
    try:
        return int(call())
    except libvirt.libvirtError as err:
        if err.get_error_code() != L.VIR_ERR_NO_SUPPORT:
            raise
        s.last_error = None
        return 0


@command(
    "undefine",
    summary="undefine a domain",
    description="Undefine an inactive domain, or convert persistent to transient.",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_PERSISTENT)
@option("managed-save", OptKind.BOOL, "remove domain managed state file")
@option(
    "storage",
    OptKind.STRING,
    "remove associated storage volumes (comma separated list of targets or source paths) "
    "(see domblklist)",
    completer=complete_undefine_storage,
)
@option(
    "remove-all-storage", OptKind.BOOL, "remove all associated storage volumes (use with caution)"
)
@option("delete-snapshots", OptKind.ALIAS, alias="delete-storage-volume-snapshots")
@option(
    "delete-storage-volume-snapshots",
    OptKind.BOOL,
    "delete snapshots associated with volume(s), requires --remove-all-storage "
    "(must be supported by storage driver)",
)
@option("wipe-storage", OptKind.BOOL, "wipe data on the removed volumes")
@option(
    "snapshots-metadata",
    OptKind.BOOL,
    "remove all domain snapshot metadata (vm must be inactive)",
)
@option(
    "checkpoints-metadata",
    OptKind.BOOL,
    "remove all domain checkpoint metadata (vm must be inactive)",
)
@option("nvram", OptKind.BOOL, "remove nvram file")
@option("keep-nvram", OptKind.BOOL, "keep nvram file")
@option("tpm", OptKind.BOOL, "remove TPM state")
@option("keep-tpm", OptKind.BOOL, "keep TPM state")
def undefine(
    s: Session,
    domain: str,
    managed_save: bool,
    storage: str | None,
    remove_all_storage: bool,
    delete_storage_volume_snapshots: bool,
    wipe_storage: bool,
    snapshots_metadata: bool,
    checkpoints_metadata: bool,
    nvram: bool,
    keep_nvram: bool,
    tpm: bool,
    keep_tpm: bool,
) -> bool:
    if delete_storage_volume_snapshots and not remove_all_storage:
        raise VshError(
            "Option --remove-all-storage is required by option --delete-storage-volume-snapshots"
        )
    if nvram and keep_nvram:
        raise VshError("Options --nvram and --keep-nvram are mutually exclusive")
    if tpm and keep_tpm:
        raise VshError("Options --tpm and --keep-tpm are mutually exclusive")
    vol_string = storage or None  # an empty --storage counts as absent
    if wipe_storage and not (vol_string or remove_all_storage):
        raise VshError("'--wipe-storage' requires '--storage <string>' or '--remove-all-storage'")
    vol_flags = L.VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS if delete_storage_volume_snapshots else 0

    flags = 0
    managed_save_safe = snapshots_safe = False
    if managed_save:
        flags |= L.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        managed_save_safe = True
    if snapshots_metadata:
        flags |= L.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        snapshots_safe = True
    if checkpoints_metadata:
        flags |= L.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
    if nvram:
        flags |= L.VIR_DOMAIN_UNDEFINE_NVRAM
    if keep_nvram:
        flags |= L.VIR_DOMAIN_UNDEFINE_KEEP_NVRAM
    if tpm:
        flags |= L.VIR_DOMAIN_UNDEFINE_TPM
    if keep_tpm:
        flags |= L.VIR_DOMAIN_UNDEFINE_KEEP_TPM

    dom = lookup.domain(s, domain, cmd="undefine")

    # Drop flags the situation makes pointless, so older servers accept the call.
    has_managed_save = has_snapshots = has_snapshots_metadata = 0
    running = dom.isActive()
    if not running:
        has_managed_save = _count(s, lambda: dom.hasManagedSaveImage(0))
        has_snapshots = _count(s, lambda: dom.snapshotNum(0))
        if has_snapshots:
            try:
                has_snapshots_metadata = dom.snapshotNum(L.VIR_DOMAIN_SNAPSHOT_LIST_METADATA)
            except libvirt.libvirtError:
                s.last_error = None  # an old server: assume all have metadata
                has_snapshots_metadata = has_snapshots
            else:
                managed_save_safe = snapshots_safe = True
    if not has_managed_save:
        flags &= ~L.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        managed_save_safe = True
    if has_snapshots == 0:
        snapshots_safe = True
    if has_snapshots_metadata == 0:
        flags &= ~L.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
        snapshots_safe = True

    vols: list[_Volume] = []
    if vol_string or remove_all_storage:
        if running:
            raise VshError("Storage volume deletion is supported only on stopped domains")
        if vol_string and remove_all_storage:
            raise VshError("Specified both --storage and --remove-all-storage")
        found = _storage_volumes(s, dom, vol_string)
        if found is None:
            return False
        vols = found

    done = False
    failure: libvirt.libvirtError | None = None
    if (managed_save_safe and snapshots_safe) or nvram:
        try:
            dom.undefineFlags(flags)
            done = True
        except libvirt.libvirtError as err:
            if nvram or err.get_error_code() not in (L.VIR_ERR_NO_SUPPORT, L.VIR_ERR_INVALID_ARG):
                failure, done = err, True
            else:
                s.last_error = None
    if not done:
        # The new API is unsupported or unsafe: do it piecewise.
        if has_managed_save:
            if not managed_save:
                raise VshError("Refusing to undefine while domain managed save image exists")
            dom.managedSaveRemove(0)
        if has_snapshots_metadata:
            if snapshots_metadata:
                raise VshError(f"Unable to remove metadata of {has_snapshots_metadata} snapshots")
            raise VshError(f"Refusing to undefine while {has_snapshots_metadata} snapshots exist")
        try:
            dom.undefine()
        except libvirt.libvirtError as err:
            failure = err
    if failure is not None:
        raise VshError(f"Failed to undefine domain '{domain}'", cause=failure)
    s.print_extra(f"Domain '{domain}' has been undefined\n")

    ok = True
    for vol in vols:
        if wipe_storage:
            s.print_extra(f"Wiping volume '{vol.target}'({vol.source}) ... ")
            s.out.flush()
            try:
                vol.vol.wipe(0)
            except libvirt.libvirtError as err:
                s.last_error = err
                s.error("Failed! Volume not removed.")
                ok = False
                continue
            s.print_extra("Done.\n")
        try:
            vol.vol.delete(vol_flags)
        except libvirt.libvirtError as err:
            s.last_error = err
            s.error(f"Failed to remove storage volume '{vol.target}'({vol.source})")
            ok = False
        else:
            s.print_extra(f"Volume '{vol.target}'({vol.source}) removed.\n")
    return ok
