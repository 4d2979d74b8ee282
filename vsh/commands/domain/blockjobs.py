"""Block jobs (tools/virsh-domain.c): blockcommit, blockcopy, blockjob, blockpull.

The three job starters share virsh's waiting (:mod:`vsh.virt.blockwait`): with
``--wait`` (or an option implying it) the block job events are registered
before the job starts, then the job is polled until it ends or syncs.  virsh
prints the outcome lines with vshPrintExtra and no final newline; so does vsh.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import libvirt

from vsh.commands.common import Decorator, domain_option, exclusive, opt_timeout_ms, opt_uint
from vsh.completion.providers import complete_disk_targets, domain_xml_on_line
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.numbers import (
    ULLONG_MAX,
    as_signed64,
    c_ullong,
    numeric_message,
    scale_integer,
    scaled_message,
    scaled_prefix,
)
from vsh.core.session import Session
from vsh.core.vshutil import read_file_all
from vsh.virt import lookup
from vsh.virt.blockwait import BlockJobWait
from vsh.virt.jobwatch import print_progress

GROUP = "domain"
L = libvirt
ACTIVE = L.VIR_CONNECT_LIST_DOMAINS_ACTIVE
ULONG_MAX = 2**64 - 1
LONG_MAX = 2**63 - 1

# virshDomainBlockJob: libvirt's job type is the index
JOB_NAMES = (
    "Unknown job",
    "Block Pull",
    "Block Copy",
    "Block Commit",
    "Active Block Commit",
    "Backup",
)
# virStorageFileFormat (virshDomainStorageFileFormatCompleter)
FILE_FORMATS = (
    *("none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi"),
    *("fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed", "vmdk"),
)

_CANCELED = L.VIR_DOMAIN_BLOCK_JOB_CANCELED
_FAILED = L.VIR_DOMAIN_BLOCK_JOB_FAILED


# ---------------------------------------------------------------------------
# completers


def complete_base_top(s: Session, _flags: int = 0, values: Any = None) -> list[str]:
    """virshDomainBlockjobBaseTopCompleter: each disk's target, then target[index]
    for its own source and backingStore (only --path's disk when it names one)."""
    root = domain_xml_on_line(s, values)
    if root is None:
        return []
    disks = root.nodes("./devices/disk")
    targets = [d.string("string(./target/@dev)") for d in disks]
    path = (values or {}).get("path")
    wanted = path if path in targets else None
    out: list[str] = []
    for disk, target in zip(disks, targets, strict=True):
        if wanted is not None and target != wanted:
            continue
        out.append(target)
        for node in disk.nodes("./source[@index]|./backingStore[@index]"):
            out.append(f"{target}[{node.string('string(@index)')}]")
    return out


def complete_formats(_s: Session, _flags: int = 0) -> list[str]:
    return list(FILE_FORMATS)


# ---------------------------------------------------------------------------
# option values


def bandwidth_value(value: str | None, bytes_: bool) -> int:
    """vshBlockJobOptionBandwidth: a plain number wraps like strtoul (MiB/s, or
    bytes/s with --bytes); else a scaled size in bytes, shifted to MiB/s."""
    if value is None:
        return 0
    plain = c_ullong(value)
    if plain is not None:
        return plain
    parsed = scaled_prefix(value)
    if parsed is None:
        raise VshError(scaled_message(value, "--bandwidth"))
    try:
        size = scale_integer(parsed[0], parsed[1], 1, ULONG_MAX)
    except ValueError as exc:
        raise VshError(scaled_message(value, "--bandwidth"), str(exc)) from None
    return size if bytes_ else size >> 20


def _path_option(help_text: str = "fully-qualified path of disk") -> Decorator:
    """The required <path> of the block job commands: the disk, by target or source."""
    return option("path", OptKind.DATA, help_text, required=True, completer=complete_disk_targets)


def _not_blocking(verbose: bool, async_: bool, implied: str) -> None:
    for name, given in (("verbose", verbose), ("async", async_)):
        if given:
            raise VshError(
                f"--{name} requires at least one of --timeout, --wait, --pivot, or --{implied}"
            )


def _waiter(
    s: Session, dom: Any, path: str, label: str, verbose: bool, timeout: int, async_: bool
) -> BlockJobWait:
    return BlockJobWait(
        s, s.conn, dom, path, label, verbose=verbose, timeout_ms=timeout, async_abort=async_
    )


def _ended_badly(s: Session, status: int, noun: str) -> bool:
    """virsh's line for a waited-for job that was canceled or failed; True when it was."""
    word = {_CANCELED: "aborted", _FAILED: "failed"}.get(status)
    if word is not None:
        s.print_extra(f"\n{noun} {word}")
    return word is not None


def _conclude(s: Session, dom: Any, path: str, flags: int, verb: str) -> None:
    try:
        dom.blockJobAbort(path, flags)
    except libvirt.libvirtError as err:
        raise VshError(f"failed to {verb} job for disk {path}", cause=err) from None


# ---------------------------------------------------------------------------
# blockcommit


@command(
    "blockcommit",
    summary="Start a block commit operation.",
    description="Commit changes from a snapshot down to its backing image.",
    group=GROUP,
    exclusive=(("pivot", "keep-overlay"),),
)
@domain_option(ACTIVE)
@_path_option()
@option("bandwidth", OptKind.INT, "bandwidth limit in MiB/s")
@option(
    "base",
    OptKind.STRING,
    "path of base file to commit into (default bottom of chain)",
    completer=complete_base_top,
)
@option(
    "shallow",
    OptKind.BOOL,
    "use backing file of top as base",
    flag=L.VIR_DOMAIN_BLOCK_COMMIT_SHALLOW,
)
@option(
    "top",
    OptKind.STRING,
    "path of top file to commit from (default top of chain)",
    completer=complete_base_top,
)
@option("active", OptKind.BOOL, "trigger two-stage active commit of top file")
@option(
    "delete",
    OptKind.BOOL,
    "delete files that were successfully committed",
    flag=L.VIR_DOMAIN_BLOCK_COMMIT_DELETE,
)
@option("wait", OptKind.BOOL, "wait for job to complete (with --active, wait for job to sync)")
@option("verbose", OptKind.BOOL, "with --wait, display the progress")
@option("timeout", OptKind.INT, "implies --wait, abort if copy exceeds timeout (in seconds)")
@option("pivot", OptKind.BOOL, "implies --active --wait, pivot when commit is synced")
@option("keep-overlay", OptKind.BOOL, "implies --active --wait, quit when commit is synced")
@option("async", OptKind.BOOL, "with --wait, don't wait for cancel to finish")
@option(
    "keep-relative",
    OptKind.BOOL,
    "keep the backing chain relatively referenced",
    flag=L.VIR_DOMAIN_BLOCK_COMMIT_RELATIVE,
)
@option(
    "bytes",
    OptKind.BOOL,
    "the bandwidth limit is in bytes/s rather than MiB/s",
    flag=L.VIR_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES,
)
def blockcommit(
    s: Session,
    domain: str,
    path: str,
    bandwidth: str | None,
    base: str | None,
    shallow: bool,
    top: str | None,
    active: bool,
    delete: bool,
    wait: bool,
    verbose: bool,
    timeout: str | None,
    pivot: bool,
    keep_overlay: bool,
    keep_relative: bool,
    **kw: bool,
) -> bool:
    async_, bytes_ = kw["async"], kw["bytes"]  # Python keywords / builtins as option names
    active = active or pivot or keep_overlay
    blocking = wait or pivot or keep_overlay
    s.text(path, "path")  # virsh: vshCommandOptStringReq
    base = s.text(base, "base")
    top = s.text(top, "top")
    speed = bandwidth_value(bandwidth, bytes_)
    flags = option_flags()
    if active:
        flags |= L.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE
    wait_ms = opt_timeout_ms(timeout)
    blocking = blocking or bool(wait_ms)
    if not blocking:
        _not_blocking(verbose, async_, "keep-overlay")
    abort_flags = L.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC if async_ else 0
    dom = lookup.domain(s, domain)
    if not blocking:
        dom.blockCommit(path, base, top, as_signed64(speed), flags)
        s.print_extra("Active Block Commit started" if active else "Block Commit started")
        return True
    with _waiter(s, dom, path, "Block commit", verbose, wait_ms, async_) as waiter:
        dom.blockCommit(path, base, top, as_signed64(speed), flags)
        status = waiter.wait()
    if _ended_badly(s, status, "Commit"):
        return False
    if not active:
        s.print_extra("\nCommit complete")
    elif pivot:
        _conclude(s, dom, path, abort_flags | L.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT, "pivot")
        s.print_extra("\nSuccessfully pivoted")
    elif keep_overlay:
        _conclude(s, dom, path, abort_flags, "finish")
        s.print_extra("\nCommit complete, overlay image kept")
    else:
        s.print_extra("\nNow in synchronized phase")
    return True


# ---------------------------------------------------------------------------
# blockcopy


def copy_xml(dest: str | None, format_: str | None, blockdev: bool) -> str:
    """The <disk> virsh builds from --dest, --format and --blockdev."""
    from vsh.snapshots.moments import xml_escape

    kind, attr = ("block", "dev") if blockdev else ("file", "file")
    children = ""
    if dest is not None:
        children += f"  <source {attr}='{xml_escape(dest)}'/>\n"
    if format_ is not None:
        children += f"  <driver type='{xml_escape(format_)}'/>\n"
    if not children:
        return f"<disk type='{kind}'/>\n"
    return f"<disk type='{kind}'>\n{children}</disk>\n"


def copy_params(bandwidth: int, bytes_: bool, granularity: int, buf_size: int) -> dict[str, int]:
    """virDomainBlockCopy's typed parameters (bandwidth in bytes/s)."""
    params: dict[str, int] = {}
    if bandwidth:
        if not bytes_:
            limit = min(ULONG_MAX, ULLONG_MAX >> 20)
            if bandwidth > limit:
                raise VshError(f"bandwidth must be less than {limit}")
            bandwidth <<= 20
        params[L.VIR_DOMAIN_BLOCK_COPY_BANDWIDTH] = bandwidth
    if granularity:
        params[L.VIR_DOMAIN_BLOCK_COPY_GRANULARITY] = granularity
    if buf_size:
        params[L.VIR_DOMAIN_BLOCK_COPY_BUF_SIZE] = buf_size
    return params


def _ullong(value: str | None, name: str) -> int:
    """vshCommandOptULongLong (no '-' at all); absent: 0."""
    if value is None:
        return 0
    number = c_ullong(value, positive=True)
    if number is None:
        raise VshError(numeric_message(value, name))
    return number


@command(
    "blockcopy",
    summary="Start a block copy operation.",
    description="Copy a disk backing image chain to dest.",
    group=GROUP,
)
@domain_option(ACTIVE)
@_path_option("fully-qualified path of source disk")
@option("dest", OptKind.STRING, "path of the copy to create", value_kind="file")
@option("bandwidth", OptKind.INT, "bandwidth limit in MiB/s")
@option(
    "shallow",
    OptKind.BOOL,
    "make the copy share a backing chain",
    flag=L.VIR_DOMAIN_BLOCK_REBASE_SHALLOW,
)
@option(
    "reuse-external",
    OptKind.BOOL,
    "reuse existing destination",
    flag=L.VIR_DOMAIN_BLOCK_REBASE_REUSE_EXT,
)
@option("raw", OptKind.ALIAS, "format=raw", alias="format=raw")
@option("blockdev", OptKind.BOOL, "copy destination is block device instead of regular file")
@option("wait", OptKind.BOOL, "wait for job to reach mirroring phase")
@option("verbose", OptKind.BOOL, "with --wait, display the progress")
@option("timeout", OptKind.INT, "implies --wait, abort if copy exceeds timeout (in seconds)")
@option("pivot", OptKind.BOOL, "implies --wait, pivot when mirroring starts")
@option("finish", OptKind.BOOL, "implies --wait, quit when mirroring starts")
@option("async", OptKind.BOOL, "with --wait, don't wait for cancel to finish")
@option(
    "xml",
    OptKind.STRING,
    "filename containing XML description of the copy destination",
    value_kind="file",
)
@option("format", OptKind.STRING, "format of the destination file", completer=complete_formats)
@option("granularity", OptKind.INT, "power-of-two granularity to use during the copy")
@option("buf-size", OptKind.INT, "maximum amount of in-flight data during the copy")
@option("bytes", OptKind.BOOL, "the bandwidth limit is in bytes/s rather than MiB/s")
@option(
    "transient-job",
    OptKind.BOOL,
    "the copy job is not persisted if VM is turned off",
    flag=L.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB,
)
@option(
    "synchronous-writes",
    OptKind.BOOL,
    "the copy job forces guest writes to be synchronously written to the destination",
    flag=L.VIR_DOMAIN_BLOCK_COPY_SYNCHRONOUS_WRITES,
)
@option(
    "print-xml",
    OptKind.BOOL,
    "print the XML used to start the copy job instead of starting the job",
)
def blockcopy(
    s: Session,
    domain: str,
    path: str,
    dest: str | None,
    bandwidth: str | None,
    shallow: bool,
    reuse_external: bool,
    blockdev: bool,
    wait: bool,
    verbose: bool,
    timeout: str | None,
    pivot: bool,
    finish: bool,
    xml: str | None,
    format: str | None,
    granularity: str | None,
    buf_size: str | None,
    transient_job: bool,
    synchronous_writes: bool,
    print_xml: bool,
    **kw: bool,
) -> bool:
    async_, bytes_ = kw["async"], kw["bytes"]
    blocking = wait or finish or pivot
    s.text(path, "path")  # virsh: vshCommandOptStringReq
    dest = s.text(dest, "dest")
    xml = s.text(xml, "xml")
    format_ = s.text(format, "format")
    speed = bandwidth_value(bandwidth, bytes_)
    grain = opt_uint(granularity, "granularity") or 0
    buf = _ullong(buf_size, "buf-size")
    flags = option_flags()  # the REBASE and COPY bits share their values
    wait_ms = opt_timeout_ms(timeout)
    blocking = blocking or bool(wait_ms)
    abort_flags = L.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC if async_ else 0
    exclusive(dest=dest is not None, xml=xml is not None)
    exclusive(format=format_ is not None, xml=xml is not None)
    exclusive(blockdev=blockdev, xml=xml is not None)
    exclusive(pivot=pivot, finish=finish)
    if dest is None and xml is None:
        raise VshError("need either --dest or --xml")
    if not blocking:
        _not_blocking(verbose, async_, "finish")
    dom = lookup.domain(s, domain)
    waiter = _waiter(s, dom, path, "Block Copy", verbose, wait_ms, async_) if blocking else None
    with waiter or nullcontext():
        xml_text = read_file_all(xml) if xml is not None else None
        new_api = bool(
            grain
            or buf
            or (format_ is not None and format_ != "raw")
            or xml_text is not None
            or transient_job
            or synchronous_writes
            or print_xml
        )
        if new_api:
            params = copy_params(speed, bytes_, grain, buf) if speed or grain or buf else {}
            if xml_text is None:
                xml_text = copy_xml(dest, format_, blockdev)
            if print_xml:
                s.print(xml_text)
                return True
            dom.blockCopy(path, xml_text, params or None, flags)
        else:
            flags |= L.VIR_DOMAIN_BLOCK_REBASE_COPY
            if blockdev:
                flags |= L.VIR_DOMAIN_BLOCK_REBASE_COPY_DEV
            if format_ == "raw":
                flags |= L.VIR_DOMAIN_BLOCK_REBASE_COPY_RAW
            if bytes_:
                flags |= L.VIR_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES
            dom.blockRebase(path, dest, as_signed64(speed), flags)
        if waiter is None:
            s.print_extra("Block Copy started")
            return True
        status = waiter.wait()
    if _ended_badly(s, status, "Copy"):
        return False
    if pivot:
        _conclude(s, dom, path, abort_flags | L.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT, "pivot")
        s.print_extra("\nSuccessfully pivoted")
    elif finish:
        _conclude(s, dom, path, abort_flags, "finish")
        s.print_extra("\nSuccessfully copied")
    else:
        s.print_extra("\nNow in mirroring phase")
    return True


# ---------------------------------------------------------------------------
# blockjob

# virsh's priv->blockJobNoBytes: sessions whose daemon refused a bytes/s query
_NO_BYTES: set[int] = set()


def _job_info(s: Session, dom: Any, path: str, raw: bool, bytes_: bool) -> bool:
    """virshBlockJobInfo."""
    info: dict[str, int] | None = None
    speed = 0
    if bytes_ or not (raw or id(s) in _NO_BYTES):
        try:
            info = dom.blockJobInfo(path, L.VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES)
        except libvirt.libvirtError as err:
            code = err.get_error_code()
            if code == L.VIR_ERR_INVALID_ARG:
                _NO_BYTES.add(id(s))
            if code not in (L.VIR_ERR_INVALID_ARG, L.VIR_ERR_OVERFLOW) or bytes_ or raw:
                raise
        else:
            speed = int(info.get("bandwidth", 0)) if info else 0
    if info is None:
        info = dom.blockJobInfo(path, 0)
        speed = int(info.get("bandwidth", 0)) if info else 0
        if not raw:
            if (speed << 20) > ULLONG_MAX:
                raise VshError(f"overflow in converting {speed} MiB/s to bytes\n")
            speed <<= 20
    if not info:
        if not raw:
            s.print_extra(f"No current block job for {path}")
        return True
    kind, cur, end = int(info["type"]), int(info["cur"]), int(info["end"])
    if raw:
        name = JOB_NAMES[kind] if 0 <= kind < len(JOB_NAMES) else "(null)"
        s.print(f" type={name}\n bandwidth={info['bandwidth']}\n cur={cur}\n end={end}\n")
        return True
    label = JOB_NAMES[kind] if 0 <= kind < len(JOB_NAMES) else JOB_NAMES[0]
    print_progress(s, label, end - cur, end)
    if speed:
        from vsh.output.text import capacity_parts

        value, unit = capacity_parts(speed)
        s.print(f"    Bandwidth limit: {speed} bytes/s ({value:<.3f} {unit}/s)")
    s.print("\n")
    return True


@command(
    "blockjob",
    summary="Manage active block operations",
    description="Query, adjust speed, or cancel active block operations.",
    group=GROUP,
    exclusive=(
        ("raw", "abort"),
        ("raw", "pivot"),
        ("raw", "async"),
        ("raw", "bandwidth"),
        ("info", "abort"),
        ("info", "pivot"),
        ("info", "async"),
        ("info", "bandwidth"),
        ("bytes", "abort"),
        ("bytes", "pivot"),
        ("bytes", "async"),
    ),
)
@domain_option(ACTIVE)
@_path_option()
@option("abort", OptKind.BOOL, "abort the active job on the specified disk")
@option(
    "async",
    OptKind.BOOL,
    "implies --abort; request but don't wait for job end",
    flag=L.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC,
)
@option(
    "pivot",
    OptKind.BOOL,
    "implies --abort; conclude and pivot a copy or commit job",
    flag=L.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT,
)
@option("info", OptKind.BOOL, "get active job information for the specified disk")
@option("bytes", OptKind.BOOL, "get/set bandwidth in bytes rather than MiB/s")
@option("raw", OptKind.BOOL, "implies --info; output details rather than human summary")
@option("bandwidth", OptKind.INT, "set the bandwidth limit in MiB/s")
def blockjob(
    s: Session,
    domain: str,
    path: str,
    abort: bool,
    pivot: bool,
    info: bool,
    raw: bool,
    bandwidth: str | None,
    **kw: bool,
) -> bool:
    async_, bytes_ = kw["async"], kw["bytes"]
    dom = lookup.domain(s, domain)
    s.text(path, "path")  # virsh: vshCommandOptStringReq
    if bandwidth is not None:
        speed = bandwidth_value(bandwidth, bytes_)
        flags = L.VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES if bytes_ else 0
        dom.blockJobSetSpeed(path, as_signed64(speed), flags)
        return True
    if abort or pivot or async_:
        dom.blockJobAbort(path, option_flags())
        return True
    return _job_info(s, dom, path, raw, bytes_)


# ---------------------------------------------------------------------------
# blockpull


@command(
    "blockpull",
    summary="Populate a disk from its backing image.",
    description="Populate a disk from its backing image.",
    group=GROUP,
)
@domain_option(ACTIVE)
@_path_option()
@option("bandwidth", OptKind.INT, "bandwidth limit in MiB/s")
@option(
    "base",
    OptKind.STRING,
    "path of backing file in chain for a partial pull",
    completer=complete_base_top,
)
@option("wait", OptKind.BOOL, "wait for job to finish")
@option("verbose", OptKind.BOOL, "with --wait, display the progress")
@option("timeout", OptKind.INT, "with --wait, abort if pull exceeds timeout (in seconds)")
@option("async", OptKind.BOOL, "with --wait, don't wait for cancel to finish")
@option(
    "keep-relative",
    OptKind.BOOL,
    "keep the backing chain relatively referenced",
    flag=L.VIR_DOMAIN_BLOCK_REBASE_RELATIVE,
)
@option("bytes", OptKind.BOOL, "the bandwidth limit is in bytes/s rather than MiB/s")
def blockpull(
    s: Session,
    domain: str,
    path: str,
    bandwidth: str | None,
    base: str | None,
    wait: bool,
    verbose: bool,
    timeout: str | None,
    keep_relative: bool,
    **kw: bool,
) -> bool:
    async_, bytes_ = kw["async"], kw["bytes"]
    for needy in ("verbose", "async"):
        if (verbose if needy == "verbose" else async_) and not wait:
            raise VshError(f"Option --wait is required by option --{needy}")
    s.text(path, "path")  # virsh: vshCommandOptStringReq
    base = s.text(base, "base")
    speed = bandwidth_value(bandwidth, bytes_)
    wait_ms = opt_timeout_ms(timeout)
    flags = option_flags()
    dom = lookup.domain(s, domain)
    waiter = _waiter(s, dom, path, "Block Pull", verbose, wait_ms, async_) if wait else None
    with waiter or nullcontext():
        if base is not None or flags:
            if bytes_:
                flags |= L.VIR_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES
            dom.blockRebase(path, base, as_signed64(speed), flags)
        else:
            if bytes_:
                flags |= L.VIR_DOMAIN_BLOCK_PULL_BANDWIDTH_BYTES
            dom.blockPull(path, as_signed64(speed), flags)
        if waiter is None:
            s.print_extra("Block Pull started")
            return True
        status = waiter.wait()
    if _ended_badly(s, status, "Pull"):
        return False
    s.print_extra("\nPull complete")
    return True
