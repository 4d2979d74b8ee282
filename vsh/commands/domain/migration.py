"""Migration (tools/virsh-domain.c): migrate, and the tuning commands
migrate-setmaxdowntime, migrate-getmaxdowntime, migrate-compcache,
migrate-setspeed, migrate-getspeed, migrate-postcopy.

Each tuning command is one libvirt call on a domain; virsh lets a failed
call's libvirt error speak for itself (no context line), and so do these.

``migrate`` is virsh's cmdMigrate: its early checks, the destination
connection (client-managed migration only), then the worker (doMigrate)
that reads the options again into typed parameters and calls
virDomainMigrate3 or, for --p2p/--direct, virDomainMigrateToURI3, while the
job is watched (--verbose progress, Ctrl-C, --timeout's action).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import libvirt

from vsh.commands.common import (
    complete_empty,
    domain_option,
    json_text,
    opt_int,
    opt_uint,
    opt_ullong,
)
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import INT, NUM, STR, object_of, prop, shape
from vsh.core.numbers import as_signed64
from vsh.core.session import DEBUG, INFO, Session
from vsh.core.vshutil import read_file_all
from vsh.snapshots import migrationplan
from vsh.virt import lookup, migratesnap, typedcall
from vsh.virt.conn import drop_ahead, open_ahead, open_connection, take_ahead
from vsh.virt.jobwatch import watch_job
from vsh.virt.typedcall import Param

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


# ---------------------------------------------------------------------------
# migrate


def complete_migrate_disks(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainMigrateDisksCompleter: the domain's disk targets, comma-separated."""
    from vsh.completion.providers import comma_list, complete_disk_targets

    targets = complete_disk_targets(s, 0, values)
    return comma_list((values or {}).get("migrate-disks"), targets) if targets else []


def complete_comp_methods(_s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainMigrateCompMethodsCompleter."""
    from vsh.completion.providers import comma_list

    return comma_list((values or {}).get("comp-methods"), ["xbzrle", "mt"])


# doMigrate's typed parameters, in its order: (option, how it is read, field).
# "text": a string, sent when given; "port": an int sent when not 0 (virsh
# tests the value, not the presence); "int"/"ullong": a number sent when
# given; "list": a string split on every ',' into repeated fields (g_strsplit);
# "file": a file's content.
PARAMS: tuple[tuple[str, str, str], ...] = (
    ("migrateuri", "text", L.VIR_MIGRATE_PARAM_URI),
    ("graphicsuri", "text", L.VIR_MIGRATE_PARAM_GRAPHICS_URI),
    ("listen-address", "text", L.VIR_MIGRATE_PARAM_LISTEN_ADDRESS),
    ("disks-port", "port", L.VIR_MIGRATE_PARAM_DISKS_PORT),
    ("disks-uri", "text", L.VIR_MIGRATE_PARAM_DISKS_URI),
    ("dname", "text", L.VIR_MIGRATE_PARAM_DEST_NAME),
    ("migrate-disks", "list", L.VIR_MIGRATE_PARAM_MIGRATE_DISKS),
    ("comp-methods", "list", L.VIR_MIGRATE_PARAM_COMPRESSION),
    ("comp-mt-level", "int", L.VIR_MIGRATE_PARAM_COMPRESSION_MT_LEVEL),
    ("comp-mt-threads", "int", L.VIR_MIGRATE_PARAM_COMPRESSION_MT_THREADS),
    ("comp-mt-dthreads", "int", L.VIR_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS),
    ("comp-xbzrle-cache", "ullong", L.VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE),
    ("xml", "file", L.VIR_MIGRATE_PARAM_DEST_XML),
    ("persistent-xml", "file", L.VIR_MIGRATE_PARAM_PERSIST_XML),
    ("auto-converge-initial", "int", L.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL),
    ("auto-converge-increment", "int", L.VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT),
    ("postcopy-bandwidth", "ullong", L.VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY),
    ("parallel-connections", "int", L.VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS),
    ("bandwidth", "ullong", L.VIR_MIGRATE_PARAM_BANDWIDTH),
    ("tls-destination", "text", L.VIR_MIGRATE_PARAM_TLS_DESTINATION),
)

# VSH_REQUIRE_OPTION(needy, needed), in cmdMigrate's order
REQUIRED = (
    ("postcopy-after-precopy", "postcopy"),
    ("postcopy-resume", "postcopy"),
    ("timeout-postcopy", "postcopy"),
    ("persistent-xml", "persistent"),
    ("tls-destination", "tls"),
)

SYNC_WRITES = L.VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES
COPY_STORAGE = L.VIR_MIGRATE_NON_SHARED_DISK | L.VIR_MIGRATE_NON_SHARED_INC


def _given(opts: Mapping[str, Any], name: str) -> Any:
    """An option's bound value by its virsh name (None or False when absent)."""
    return opts.get(name.replace("-", "_"))


def migrate_params(
    s: Session, opts: Mapping[str, Any], read: Callable[[str], str] = read_file_all
) -> list[Param]:
    """doMigrate's typed parameters from the bound options, with its errors in its order."""
    params: list[Param] = []
    for name, how, field in PARAMS:
        value = _given(opts, name)
        if how in ("text", "list", "file"):
            text = s.text(value, name)
            if text is None:
                continue
            if how == "text":
                params.append(Param(field, typedcall.STRING, text))
            elif how == "list":
                params += [Param(field, typedcall.STRING, item) for item in text.split(",")]
            else:
                try:
                    content = read(text)
                except VshError as exc:  # virsh: its line, then virFileReadAll's error
                    raise VshError(f"cannot read file '{text}'", *exc.messages) from None
                params.append(Param(field, typedcall.STRING, content))
        elif how == "ullong":
            number = opt_ullong(value, name)
            if number is not None:
                params.append(Param(field, typedcall.ULLONG, number))
        else:
            number = opt_int(value, name)
            if number is not None and (how == "int" or number != 0):
                params.append(Param(field, typedcall.INT, number))
    return params


def migrate_flags(declared: int, opts: Mapping[str, Any]) -> int:
    """doMigrate's flags: the options' declared bits, and the synchronous-writes
    bit only with a storage copy (virsh's check, after the parameters)."""
    if _given(opts, "copy-storage-synchronous-writes"):
        if not declared & COPY_STORAGE:
            raise VshError(
                "'--copy-storage-synchronous-writes' requires one of "
                "'--copy-storage-all', 'copy-storage-inc'"
            )
        declared |= SYNC_WRITES
    return declared


def _timeout_action(s: Session, dom: libvirt.virDomain, postcopy: bool) -> Callable[[], None]:
    """virshMigrateTimeout: suspend the guest, or switch to post-copy."""

    def act() -> None:
        try:
            if postcopy:
                s.debug(DEBUG, "migration timed out; switching to post-copy\n")
                dom.migrateStartPostCopy(0)
            else:
                s.debug(DEBUG, "migration timed out; suspending domain\n")
                dom.suspend()
        except libvirt.libvirtError:
            what = "switching to post-copy" if postcopy else "suspending domain"
            s.debug(INFO, f"{what} failed\n")

    return act


def _switch_after_precopy(s: Session) -> Callable[..., None]:
    """virshMigrateIteration: post-copy once the first pre-copy pass is over."""

    def on_iteration(_conn: Any, dom: libvirt.virDomain, iteration: int, _opaque: Any) -> None:
        if iteration == 2:
            s.debug(DEBUG, f"iteration {iteration - 1} finished; switching to post-copy\n")
            try:
                dom.migrateStartPostCopy(0)
            except libvirt.libvirtError:
                s.debug(INFO, "switching to post-copy failed\n")

    return on_iteration


def _bool(name: str, help_text: str, flag: int = 0) -> Callable[..., Any]:
    return option(name, OptKind.BOOL, help_text, flag=flag)


def _text(name: str, help_text: str, **kw: Any) -> Callable[..., Any]:
    return option(
        name, OptKind.STRING, help_text, completer=kw.pop("completer", complete_empty), **kw
    )


def _number(name: str, help_text: str) -> Callable[..., Any]:
    return option(name, OptKind.INT, help_text)


# options that mean no destination connection from here, or not at once
NOT_AHEAD = ("p2p", "direct", "with-snapshots", "with-checkpoints", "dry-run")


def _open_destination_ahead(s: Session, values: Mapping[str, Any]) -> None:
    """Start opening the destination while the source connects: virsh opens
    it after the source and the look-up, so the handshakes add up there."""
    desturi = values.get("desturi")
    if isinstance(desturi, str) and desturi and not any(values.get(n) for n in NOT_AHEAD):
        open_ahead(s, desturi)


@command(
    "migrate",
    summary="migrate domain to another host",
    description="Migrate domain to another host.  Add --live for live migration.",
    group=GROUP,
    exclusive=(("live", "offline"), ("timeout-suspend", "timeout-postcopy")),
    ahead=_open_destination_ahead,
)
@domain_option()
@option(
    "desturi",
    OptKind.DATA,
    "connection URI of the destination host as seen from the client(normal migration) "
    "or source(p2p migration)",
    required=True,
    completer=complete_empty,
)
@_bool("live", "live migration", L.VIR_MIGRATE_LIVE)
@_bool("offline", "offline migration", L.VIR_MIGRATE_OFFLINE)
@_bool("p2p", "peer-2-peer migration", L.VIR_MIGRATE_PEER2PEER)
@_bool("direct", "direct migration")
@option("tunneled", OptKind.ALIAS, "tunnelled", alias="tunnelled")
@_bool("tunnelled", "tunnelled migration", L.VIR_MIGRATE_TUNNELLED)
@_bool("persistent", "persist VM on destination", L.VIR_MIGRATE_PERSIST_DEST)
@_bool("undefinesource", "undefine VM on source", L.VIR_MIGRATE_UNDEFINE_SOURCE)
@_bool("suspend", "do not restart the domain on the destination host", L.VIR_MIGRATE_PAUSED)
@_bool(
    "copy-storage-all",
    "migration with non-shared storage with full disk copy",
    L.VIR_MIGRATE_NON_SHARED_DISK,
)
@_bool(
    "copy-storage-inc",
    "migration with non-shared storage with incremental copy (same base image shared "
    "between source and destination)",
    L.VIR_MIGRATE_NON_SHARED_INC,
)
@_bool(
    "copy-storage-synchronous-writes",
    "force guest disk writes to be synchronously written to the destination to improve "
    "storage migration convergence",
)
@_bool(
    "change-protection",
    "prevent any configuration changes to domain until migration ends",
    L.VIR_MIGRATE_CHANGE_PROTECTION,
)
@_bool("unsafe", "force migration even if it may be unsafe", L.VIR_MIGRATE_UNSAFE)
@_bool("verbose", "display the progress of migration")
@_bool("compressed", "compress repeated pages during live migration", L.VIR_MIGRATE_COMPRESSED)
@_bool("auto-converge", "force convergence during live migration", L.VIR_MIGRATE_AUTO_CONVERGE)
@_bool(
    "rdma-pin-all",
    "pin all memory before starting RDMA live migration",
    L.VIR_MIGRATE_RDMA_PIN_ALL,
)
@_bool("abort-on-error", "abort on soft errors during migration", L.VIR_MIGRATE_ABORT_ON_ERROR)
@_bool(
    "postcopy",
    "enable post-copy migration; switch to it using migrate-postcopy command",
    L.VIR_MIGRATE_POSTCOPY,
)
@_bool(
    "postcopy-after-precopy",
    "automatically switch to post-copy migration after one pass of pre-copy",
)
@_bool("postcopy-resume", "resume failed post-copy migration", L.VIR_MIGRATE_POSTCOPY_RESUME)
@_bool("zerocopy", "use zero-copy mechanism for migrating memory pages", L.VIR_MIGRATE_ZEROCOPY)
@_text("migrateuri", "migration URI, usually can be omitted")
@_text("graphicsuri", "graphics URI to be used for seamless graphics migration")
@_text("listen-address", "listen address that destination should bind to for incoming migration")
@_text("dname", "rename to new name during migration (if supported)")
@_number(
    "timeout",
    "run action specified by --timeout-* option (suspend by default) if live migration "
    "exceeds timeout (in seconds)",
)
@_bool("timeout-suspend", "suspend the guest after timeout")
@_bool("timeout-postcopy", "switch to post-copy after timeout")
@_text("xml", "filename containing updated XML for the target", completer=None, value_kind="file")
@_text(
    "migrate-disks",
    "comma separated list of disks to be migrated",
    completer=complete_migrate_disks,
)
@_number("disks-port", "port to use by target server for incoming disks migration")
@_text("disks-uri", "URI to use for disks migration (overrides --disks-port)")
@_text(
    "comp-methods",
    "comma separated list of compression methods to be used",
    completer=complete_comp_methods,
)
@_number("comp-mt-level", "compress level for multithread compression")
@_number("comp-mt-threads", "number of compression threads for multithread compression")
@_number("comp-mt-dthreads", "number of decompression threads for multithread compression")
@_number("comp-xbzrle-cache", "page cache size for xbzrle compression")
@_number("auto-converge-initial", "initial CPU throttling rate for auto-convergence")
@_number("auto-converge-increment", "CPU throttling rate increment for auto-convergence")
@_text(
    "persistent-xml",
    "filename containing updated persistent XML for the target",
    completer=None,
    value_kind="file",
)
@_bool("tls", "use TLS for migration", L.VIR_MIGRATE_TLS)
@_number("postcopy-bandwidth", "post-copy migration bandwidth limit in MiB/s")
@_bool("parallel", "enable parallel migration", L.VIR_MIGRATE_PARALLEL)
@_number("parallel-connections", "number of connections for parallel migration")
@_number("bandwidth", "migration bandwidth limit in MiB/s")
@_text("tls-destination", "override the destination host name used for TLS verification")
@option("with-snapshots", OptKind.BOOL, "carry the snapshot metadata along", extension=True)
@option(
    "with-checkpoints",
    OptKind.BOOL,
    "carry the checkpoint metadata too",
    extension=True,
)
@option(
    "metadata-uri",
    OptKind.STRING,
    "the destination as this client reaches it, for the metadata",
    extension=True,
    completer=complete_empty,
)
@option("dry-run", OptKind.BOOL, "run the checks and print the plan only", extension=True)
def migrate(s: Session, domain: str, desturi: str, **opts: Any) -> bool:
    try:
        return _migrate(s, domain, desturi, opts)
    finally:
        drop_ahead(s)  # the command ended before it needed the destination


def _migrate(s: Session, domain: str, desturi: str, opts: dict[str, Any]) -> bool:
    for needy, needed in REQUIRED:
        if _given(opts, needy) not in (None, False) and not _given(opts, needed):
            raise VshError(f"Option --{needed} is required by option --{needy}")
    dom = lookup.domain(s, domain, cmd="migrate")
    timeout = opt_uint(_given(opts, "timeout"), "timeout") or 0
    if timeout > 0 and not opts["live"]:
        raise VshError("migrate: Unexpected timeout for offline migration")
    if not timeout and (opts["timeout_suspend"] or opts["timeout_postcopy"]):
        raise VshError("migrate: Unexpected --timeout-* option without --timeout")
    if opts["with_snapshots"] or opts["with_checkpoints"] or opts["dry_run"]:
        return _with_snapshots(s, dom, domain, desturi, opts, timeout)
    return _migrate_now(s, dom, domain, desturi, opts, timeout)


def _migrate_now(
    s: Session,
    dom: libvirt.virDomain,
    domain: str,
    desturi: str,
    opts: Mapping[str, Any],
    timeout: int,
) -> bool:
    """virsh's migration proper: the destination connection, then the worker."""
    declared = option_flags()  # in the command's thread; the worker adds to it
    conn = s.conn
    iteration_cb = -1
    if opts["postcopy_after_precopy"]:
        iteration_cb = conn.domainEventRegisterAny(
            dom, L.VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION, _switch_after_precopy(s), None
        )
    dconn: libvirt.virConnect | None = None
    try:
        if not (opts["p2p"] or opts["direct"]):
            # client-managed migration: the client connects to the destination
            uri = s.text(desturi, "desturi")
            opened = take_ahead(s, uri) if uri is not None else None
            dconn = open_connection(s, uri, False, opened)
            if dconn is None:
                return False  # libvirt's error, left in the session
        _run_migration(s, dom, domain, desturi, dconn, declared, opts, timeout)
    finally:
        if dconn is not None:
            dconn.close()
        if iteration_cb != -1:
            conn.domainEventDeregisterAny(iteration_cb)
    return True


def _run_migration(
    s: Session,
    dom: libvirt.virDomain,
    domain: str,
    desturi: str,
    dconn: libvirt.virConnect | None,
    declared: int,
    opts: Mapping[str, Any],
    timeout: int,
) -> None:
    """virsh's worker (doMigrate) under its job watch."""

    def work() -> None:  # the worker: its own look-up, then the options again
        job_dom = lookup.domain(s, domain, cmd="migrate")
        uri = s.text(desturi, "desturi")
        params = migrate_params(s, opts)
        flags = migrate_flags(declared, opts)
        if dconn is None:
            typedcall.migrate_to_uri3(job_dom, uri, params, flags)
        else:
            typedcall.migrate3(job_dom, dconn, params, flags)

    on_timeout = _timeout_action(s, dom, bool(opts["timeout_postcopy"])) if timeout else None
    watch_job(s, dom, opts["verbose"], "Migration", work, timeout=timeout, on_timeout=on_timeout)


def _with_snapshots(
    s: Session, dom: libvirt.virDomain, domain: str, desturi: str, opts: Any, timeout: int
) -> bool:
    """``--with-snapshots`` (vsh issue 14): checks, journal, move, redefine."""
    for name in ("with-checkpoints", "metadata-uri", "dry-run"):
        if _given(opts, name) not in (None, False) and not opts["with_snapshots"]:
            raise VshError(f"Option --with-snapshots is required by option --{name}")
    uri = s.text(_given(opts, "metadata-uri"), "metadata-uri") or desturi
    target = s.text(_given(opts, "dname"), "dname") or dom.name()
    copy = next((c for c in _COPY_OPTIONS if opts[c.replace("-", "_")]), None)
    checked = migratesnap.check(dom, uri, target, copy, bool(opts["with_checkpoints"]))
    if checked.problems:
        for problem in checked.problems:
            s.error(f"migrate: {problem}")
        return False
    try:
        if opts["dry_run"]:
            storage = copy or "shared"
            for line in migratesnap.plan_lines(checked.moments, storage, checked.checkpoints):
                s.print(line + "\n")
            return True
        return _move(s, dom, domain, desturi, opts, timeout, checked, uri, target)
    finally:
        checked.lock.release()


def _move(
    s: Session,
    dom: libvirt.virDomain,
    domain: str,
    desturi: str,
    opts: Any,
    timeout: int,
    checked: migratesnap.Checked,
    uri: str,
    target: str,
) -> bool:
    moments, checkpoints = checked.moments, checked.checkpoints
    uuid = dom.UUIDString()
    journal = migratesnap.write_journal(dom, checkpoints=checkpoints is not None, read=checked.read)
    moved = False
    try:  # a failed removal is undone as a failed migration is
        migratesnap.remove_metadata(dom, checked.read)
        moved = _migrate_now(s, dom, domain, desturi, opts, timeout)
    finally:
        if not moved:  # put everything back on the source from the journal
            problems = migratesnap.redefine_journal(s.conn, dom, journal)
            problems += migrationplan.verify(moments, migratesnap.source_moments(dom))
            if problems:
                for problem in problems:
                    s.error(f"migrate: {problem}")
                resume = migrationplan.resume_command(domain, journal, s.conn.getURI())
                s.error(f"migrate: the journal is kept; finish with: {resume}")
            else:
                os.unlink(journal)
                s.out.flush()  # a status line beside libvirt's error, not an error itself
                s.err.write("snapshot metadata restored on the source\n")
    if not moved:  # the destination did not open: libvirt's error is in the session
        return False
    problems = _redefine_on_destination(uri, target, uuid, journal, checked)
    if problems:
        for problem in problems:
            s.error(f"migrate: {problem}")
        resume = migrationplan.resume_command(target, journal, uri)
        s.error(f"migrate: the journal is kept; finish with: {resume}")
        return False
    os.unlink(journal)
    if checkpoints and not opts["undefinesource"]:
        # the destination has them; the bitmaps now belong to the migrated guest
        failed = _remove_source_checkpoints(s, uuid, checkpoints)
        if failed:
            s.error(f"migrate: {failed}")
            return False
    count = None if checkpoints is None else len(checkpoints)
    s.print(migrationplan.done_message(moments, count, uri) + "\n")
    return True


def _redefine_on_destination(
    uri: str, target: str, uuid: str, journal: str, checked: migratesnap.Checked
) -> list[str]:
    """Redefine the journal on the migrated guest, then compare the
    destination's trees with it (problems; empty when all is well)."""
    try:
        mconn = libvirt.open(uri)
    except libvirt.libvirtError as err:
        return [f"cannot reach the destination through {uri}: {err}"]
    try:
        ddom = mconn.lookupByName(target)
        if ddom.UUIDString() != uuid:  # the embedded domains are renamed to it
            return [f"domain '{target}' on {uri} is not the migrated guest (UUID {uuid})"]
        problems = migratesnap.redefine_journal(mconn, ddom, journal)
        if problems:
            return problems
        problems = migrationplan.verify(checked.moments, migratesnap.source_moments(ddom))
        if checked.checkpoints is not None:
            found = migratesnap.source_checkpoints(ddom)
            problems += [
                f"checkpoints: {p}" for p in migrationplan.verify(checked.checkpoints, found)
            ]
        return problems
    except libvirt.libvirtError as err:
        return [str(err)]
    finally:
        mconn.close()


def _remove_source_checkpoints(
    s: Session, uuid: str, checkpoints: list[migrationplan.Moment]
) -> str | None:
    """Remove the checkpoint metadata the source kept (a persistent guest's
    definition stays behind without --undefinesource); an error, or None."""
    try:
        left = s.conn.lookupByUUIDString(uuid)
    except libvirt.libvirtError:
        return None  # a transient guest left nothing behind
    try:
        migratesnap.remove_checkpoint_metadata(left, checkpoints)
    except libvirt.libvirtError as err:
        return f"the destination has the checkpoints, but removing them on the source failed: {err}"
    return None


_COPY_OPTIONS = ("copy-storage-all", "copy-storage-inc")
