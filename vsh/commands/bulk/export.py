"""snapshot-export (a vsh command virsh lacks): a domain's whole snapshot tree,
parents first, as one bundle (atomically, mode 0600), or every domain's into
a directory.  The bundle format is :mod:`vsh.snapshots.bundle`'s.
"""

from __future__ import annotations

import codecs
import fnmatch
import os
from collections.abc import Callable, Sequence

import libvirt

from vsh.commands.common import exclusive, os_error_text
from vsh.core.command import command, option
from vsh.core.errors import VshError, libvirt_message
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import INT, NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.record import Record
from vsh.core.session import Session
from vsh.output.jsonout import render_json
from vsh.output.progress import Progress
from vsh.output.table import render_table
from vsh.snapshots import bundle, pathsafe
from vsh.snapshots.atomicfile import AtomicFile
from vsh.virt import lookup
from vsh.virt.failing import failing
from vsh.virt.snapshotstore import current_name, read_only, snapshots_parents_first

GROUP = "vsh"  # vsh's own group: `help snapshot` stays as in virsh
GENERATOR = "vsh 0.1.0"

_XML_SECURE = libvirt.VIR_DOMAIN_SNAPSHOT_XML_SECURE


class _NoSnapshots(VshError):
    """The domain has no snapshot: ``--all`` skips it, a single export fails."""


class _Exported(Record):
    domain: str
    count: int
    current: str | None
    path: str | None  # None: standard output
    status: str = "exported"
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "domain": self.domain,
            "snapshots": self.count,
            "current": self.current,
            "file": self.path,
            "result": self.status,
            "error": self.error,
        }


def _write_bundle(
    s: Session,
    dom: libvirt.virDomain,
    snaps: Sequence[libvirt.virDomainSnapshot],
    write: Callable[[str], object],
    secure: bool,
) -> str | None:
    """Stream one domain's bundle through ``write``; returns the current snapshot."""
    current = current_name(dom)
    writer = bundle.BundleWriter(
        write,
        domain=dom.name(),
        uuid=dom.UUIDString(),
        current=current,
        count=len(snaps),
        secure=secure,
        generator=GENERATOR,
    )
    flags = _XML_SECURE if secure else 0
    writer.begin()
    with Progress(s.err, len(snaps), f"exporting {dom.name()}", quiet=s.settings.quiet) as bar:
        for i, snap in enumerate(snaps, 1):
            writer.add(snap.getXMLDesc(flags))  # one snapshot's XML in memory at a time
            bar.update(i)
    writer.end()
    return current


def _export_domain(
    s: Session, dom: libvirt.virDomain, path: str | None, secure: bool, overwrite: bool
) -> _Exported:
    """Export one domain to ``path`` (None: standard output). Raises VshError."""
    name = dom.name()
    with failing(f"failed to list the snapshots of domain '{name}'"):
        snaps = snapshots_parents_first(dom)
    if not snaps:
        raise _NoSnapshots(f"domain '{name}' has no snapshots to export")
    try:
        with failing(f"failed to export the snapshots of domain '{name}'"):
            if path is None:
                current = _export_to_stdout(s, dom, snaps, secure)
            else:
                with AtomicFile(path, overwrite=overwrite) as f:
                    current = _write_bundle(s, dom, snaps, f.write, secure)
    except FileExistsError:
        raise VshError(f"file '{path}' already exists (use --overwrite to replace it)") from None
    except OSError as exc:
        raise VshError(f"cannot write '{path}': {os_error_text(exc)}") from None
    except bundle.BundleError as exc:
        raise VshError(f"failed to export the snapshots of domain '{name}': {exc}") from None
    return _Exported(name, len(snaps), current, path)


def _export_to_stdout(
    s: Session, dom: libvirt.virDomain, snaps: Sequence[libvirt.virDomainSnapshot], secure: bool
) -> str | None:
    """Spool first (memory-bounded: spills to a temporary file), then copy.

    So a failure half-way prints nothing rather than a truncated document.
    """
    import tempfile  # only for standard output: not on the other commands' import path

    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:

        def write(text: str) -> None:
            spool.write(text.encode("utf-8"))

        current = _write_bundle(s, dom, snaps, write, secure)
        spool.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        while chunk := spool.read(1 << 16):
            s.print(decoder.decode(chunk))
        s.print(decoder.decode(b"", final=True))
    return current


def _select_domains(conn: libvirt.virConnect, globs: Sequence[str]) -> list[libvirt.virDomain]:
    doms = sorted(conn.listAllDomains(0), key=lambda d: d.name())
    if not globs:
        return doms
    return [d for d in doms if any(fnmatch.fnmatchcase(d.name(), g) for g in globs)]


def _export_all(
    s: Session, directory: str, globs: Sequence[str], secure: bool, overwrite: bool, json: bool
) -> bool:
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        if not os.path.isdir(directory):
            raise VshError(f"'{directory}' is not a directory") from None
    except OSError as exc:
        raise VshError(f"cannot create directory '{directory}': {os_error_text(exc)}") from None
    with failing("failed to list domains"):
        doms = _select_domains(s.conn, globs)
    if globs and not doms:
        raise VshError("no domain matches " + ", ".join(f"'{g}'" for g in globs))
    results: list[_Exported] = []
    seen: dict[str, str] = {}
    for dom in doms:
        name = dom.name()
        filename = pathsafe.bundle_filename(name)
        path = os.path.join(directory, filename)
        key = pathsafe.collision_key(filename)
        if key in seen:
            results.append(
                _Exported(name, 0, None, path, "failed", f"file name collides with '{seen[key]}'")
            )
            continue
        seen[key] = name
        try:
            results.append(_export_domain(s, dom, path, secure, overwrite))
        except _NoSnapshots:
            results.append(_Exported(name, 0, None, None, "skipped", "no snapshots"))
        except VshError as exc:
            message = "; ".join(exc.messages)
            if exc.cause is not None:
                message += ": " + libvirt_message(exc.cause)
            results.append(_Exported(name, 0, None, path, "failed", message))
    failed = [r for r in results if r.status == "failed"]
    if json:
        s.print(render_json([r.to_dict() for r in results]))
    else:
        rows = [
            [
                r.domain,
                str(r.count),
                r.current or "-",
                os.path.basename(r.path) if r.path else "-",
                r.status if r.status != "skipped" else "skipped (no snapshots)",
            ]
            for r in results
        ]
        s.print(render_table(["Domain", "Snapshots", "Current", "File", "Result"], rows))
    for r in failed:
        s.error(f"domain '{r.domain}': {r.error}")
    return not failed


def _split_domain_words(
    cmd: str, words: Sequence[str], file: str | None
) -> tuple[str | None, str | None]:
    """``<domain> [<file>]`` from the positional words (see the option notes)."""
    words = list(words)
    if file is not None and len(words) > 1:
        raise VshError(f"unexpected data '{words[1]}'")
    if len(words) > 2:
        raise VshError(f"unexpected data '{words[2]}'")
    if not words:
        raise VshError(f"command '{cmd}' requires <domain> option")
    return words[0], (words[1] if len(words) == 2 else file)


_EXPORTED = object_of(
    prop("domain", STR),
    prop("snapshots", INT, doc="how many were written"),
    prop("current", STR, NULL, doc="the current snapshot, null if none"),
    prop("file", STR, NULL, doc="the bundle's path"),
    prop("result", choice("exported", "skipped", "failed")),
    prop("error", STR, NULL, doc='why it failed or was skipped ("no snapshots")'),
)
SNAPSHOT_EXPORT_JSON = shape(
    _EXPORTED,
    array_of(_EXPORTED, when="with --all"),
    doc="""The exported domain (--json needs a file: the bundle itself cannot share standard
    output); with --all an array, one object per domain.""",
)


@command(
    "snapshot-export",
    summary="export a domain's snapshot metadata to one file",
    description="Write every snapshot of a domain (its full XML, parents first, and which one\n"
    "    is current) into one XML bundle that snapshot-redefine restores. The file is\n"
    "    written atomically with mode 0600; '-' or no file means standard output.\n"
    "    With --all DIR, every domain (or those matching --domain GLOB) is exported\n"
    "    to DIR/NAME.snapshots.xml, NAME escaped for use as a file name.",
    group=GROUP,
    json=SNAPSHOT_EXPORT_JSON,
)
# <domain> is ARGV so that --domain may repeat as a glob with --all; without
# --all the first word is the domain and a second one the file.
@option(
    "domain",
    OptKind.ARGV,
    "domain name, id or uuid (with --all: a name glob, repeatable)",
    completer=lookup.complete_domain_names,
    completer_flags=libvirt.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
)
@option("file", OptKind.STRING, "bundle file to write, '-' for standard output", value_kind="file")
@option(
    "all", OptKind.STRING, "export every domain into this directory", named_only=True,
    value_kind="file",
)  # fmt: skip
@option("security-info", OptKind.BOOL, "include security sensitive information in XML dump")
@option("overwrite", OptKind.BOOL, "replace an existing file")
@option("json", OptKind.BOOL, "print the summary as JSON", extension=True)
def snapshot_export(
    s: Session,
    domain: tuple[str, ...],
    file: str | None,
    all: str | None,
    security_info: bool,
    overwrite: bool,
    json: bool,
) -> bool:
    if security_info and s.connection.readonly:
        raise VshError("--security-info needs a read-write connection")
    if all is not None:
        directory = s.text(all, "all")
        assert directory is not None
        exclusive(all=True, file=file is not None)
        return _export_all(s, directory, domain, security_info, overwrite, json)
    name, target = _split_domain_words("snapshot-export", domain, file)
    s.text(name, "domain")
    to_stdout = target in (None, "-")
    if json and to_stdout:
        raise VshError("--json needs a file: the bundle itself goes to standard output")
    if target is not None and not to_stdout:
        s.text(target, "file")
        if not overwrite and os.path.lexists(target):
            raise VshError(f"file '{target}' already exists (use --overwrite to replace it)")
    dom = lookup.domain(s, name)
    if security_info and read_only(s, dom):
        raise VshError("--security-info needs a read-write connection")
    result = _export_domain(s, dom, None if to_stdout else target, security_info, overwrite)
    if json:
        s.print(render_json(result.to_dict()))
    elif not to_stdout:
        current = f", current '{result.current}'" if result.current else ""
        s.print_extra(
            f"Exported {result.count} snapshots of domain '{result.domain}'{current}"
            f" to '{target}'\n"
        )
    return True
