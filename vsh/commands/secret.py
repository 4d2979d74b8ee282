"""secret commands (tools/virsh-secret.c): secret-define, secret-dumpxml,
secret-event, secret-get-value, secret-list, secret-set-value, secret-undefine.

Secret values are bytes.  They are printed only by secret-get-value (its
data), and never reach an error message, the debug output or the log: the
base64 option is declared ``sensitive`` (the debug output and the log show
no value for it, the shell's history keeps its lines with the value hidden),
and no exception built here carries one.  Python cannot wipe bytes objects,
so unlike virsh vsh does not erase the value from memory after use.
"""

from __future__ import annotations

import base64 as b64
import os
from functools import partial
from typing import Any

import libvirt

from vsh.commands.common import (
    complete_empty,
    event_wait_options,
    file_option,
    timestamp_option,
    validate_option,
    xpath_options,
)
from vsh.commands.objects import act, object_events, read_xml, refuse_not_utf8
from vsh.completion.providers import secret_uuids
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.session import Session
from vsh.core.vshutil import read_file_bytes
from vsh.virt import lookup
from vsh.virt.eventwait import EventWait, stamped
from vsh.virt.failing import failing

GROUP = "secret"

L = libvirt

# virSecretUsageType, in libvirt's enum order.
USAGE_TYPES = ("none", "volume", "ceph", "iscsi", "tls", "vtpm")

# secret-set-value --file reads at most this much (virsh's virFileReadAll limit).
MAX_SECRET_FILE = 1024


def _secret_option(func: Any) -> Any:
    """The required <secret> UUID of the commands on one secret."""
    return option("secret", OptKind.DATA, "secret UUID", required=True, completer=secret_uuids)(
        func
    )


@command(
    "secret-define",
    summary="define or modify a secret from an XML file",
    description="Define or modify a secret.",
    group=GROUP,
)
@file_option("file containing secret attributes in XML")
@validate_option(L.VIR_SECRET_DEFINE_VALIDATE)
def secret_define(s: Session, file: str, validate: bool) -> bool:
    path, xml = read_xml(s, file)
    failed = f"Failed to set attributes from {path}"
    flags = option_flags()
    conn = s.conn
    refuse_not_utf8(xml, "(definition_of_secret)", lambda x: conn.secretDefineXML(x, flags), failed)
    with failing(failed):
        sec = conn.secretDefineXML(xml, flags)
    with failing("Failed to get UUID of created secret"):
        uuid = sec.UUIDString()
    s.print_extra(f"Secret {uuid} created\n")
    return True


@command(
    "secret-dumpxml",
    summary="secret attributes in XML",
    description="Output attributes of a secret as an XML dump to stdout.",
    group=GROUP,
)
@_secret_option
@xpath_options
def secret_dumpxml(s: Session, secret: str, xpath: str | None, wrap: bool) -> bool:
    sec = lookup.secret(s, secret, cmd="secret-dumpxml")
    if xpath == "":
        return False
    xml = sec.XMLDesc(0)
    from vsh.virt import xpathdump

    xpathdump.dump(s.print, xml, "secret", xpath, wrap)
    return True


def collect(s: Session, flags: int) -> list[libvirt.virSecret]:
    """virshSecretListCollect: the secrets ``flags`` selects, sorted by UUID."""
    conn = s.conn
    try:
        secrets = conn.listAllSecrets(flags)
    except libvirt.libvirtError as err:
        if err.get_error_code() != L.VIR_ERR_NO_SUPPORT:
            raise VshError("Failed to list node secrets", cause=err) from err
        s.last_error = None
        if flags:
            raise VshError("Filtering is not supported by this libvirt") from None
        with failing("Failed to count secrets"):
            count = conn.numOfSecrets()
        secrets = []
        if count:
            with failing("Failed to list secrets"):
                uuids = conn.listSecrets()
            for uuid in uuids:
                try:
                    secrets.append(conn.secretLookupByUUIDString(uuid))
                except libvirt.libvirtError:
                    continue
    return sorted(secrets, key=lambda sec: sec.UUIDString().lower())


SECRET_LIST_JSON = shape(
    array_of(
        object_of(
            prop("uuid", STR),
            prop(
                "usage_type",
                choice(*USAGE_TYPES[1:]),
                NULL,
                doc='null for a secret virsh lists as "Unused"',
            ),
            prop("usage_id", STR, NULL, doc='"/var/lib/...", ...'),
        )
    ),
    doc="In virsh's order (UUIDs, ASCII case ignored), the filters applied.",
)


@command(
    "secret-list",
    summary="list secrets",
    description="Returns a list of secrets",
    group=GROUP,
    json=SECRET_LIST_JSON,
)
@option(
    "ephemeral", OptKind.BOOL, "list ephemeral secrets", flag=L.VIR_CONNECT_LIST_SECRETS_EPHEMERAL
)
@option(
    "no-ephemeral",
    OptKind.BOOL,
    "list non-ephemeral secrets",
    flag=L.VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL,
)
@option("private", OptKind.BOOL, "list private secrets", flag=L.VIR_CONNECT_LIST_SECRETS_PRIVATE)
@option(
    "no-private",
    OptKind.BOOL,
    "list non-private secrets",
    flag=L.VIR_CONNECT_LIST_SECRETS_NO_PRIVATE,
)
@option("json", OptKind.BOOL, "print the secrets as JSON", extension=True)
def secret_list(
    s: Session,
    ephemeral: bool,
    no_ephemeral: bool,
    private: bool,
    no_private: bool,
    json: bool,
) -> bool:
    flags = option_flags()
    rows: list[dict[str, Any]] = []
    for sec in collect(s, flags):
        try:
            usage = sec.usageType()
        except libvirt.libvirtError:
            usage = -1
        entry: dict[str, Any] = {"uuid": sec.UUIDString(), "usage_type": None, "usage_id": None}
        if usage:
            entry["usage_type"] = USAGE_TYPES[usage] if 0 <= usage < len(USAGE_TYPES) else None
            try:
                entry["usage_id"] = sec.usageID()
            except libvirt.libvirtError:
                entry["usage_id"] = None
        rows.append(entry)
    if json or s.settings.json:
        from vsh.output.jsonout import render_json

        s.print(render_json(rows))
        return True
    from vsh.output.table import render_table
    from vsh.output.text import locale_is_utf8

    table = [
        [
            r["uuid"],
            "Unused"
            if r["usage_type"] is None
            else f"{r['usage_type']} {r['usage_id'] if r['usage_id'] is not None else ''}",
        ]
        for r in rows
    ]
    s.print(
        render_table(
            ["UUID", "Usage"], table, header_shown=not s.settings.quiet, utf8=locale_is_utf8()
        )
    )
    return True


# -- values ----------------------------------------------------------------------------


_B64_RANK = {
    c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}
_B64_RANK[ord("=")] = 0


def glib_base64_decode(text: bytes) -> bytes:
    """g_base64_decode as virsh calls it: the text ends at a NUL byte (it is a C
    string), characters outside the alphabet are skipped, a trailing partial
    group is dropped and '=' in a group's last two places drops bytes."""
    out = bytearray()
    acc = count = 0
    last = prev = 0
    for c in text.split(b"\0", 1)[0]:
        rank = _B64_RANK.get(c)
        if rank is None:
            continue
        prev, last = last, c
        acc = ((acc << 6) | rank) & 0xFFFFFF
        count += 1
        if count == 4:
            out.append(acc >> 16)
            if prev != ord("="):
                out.append((acc >> 8) & 0xFF)
            if last != ord("="):
                out.append(acc & 0xFF)
            count = 0
    return bytes(out)


def _read_terminal_line() -> bytes | None:
    """virGetPassword (glibc's getpass with an empty prompt), from a terminal
    only: /dev/tty, else stdin when it is one; echo and signal keys off while
    reading; the newline not echoed is written after.  None without a
    terminal."""
    import termios

    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
        own, out_fd = True, fd
    except OSError:
        if not os.isatty(0):
            return None
        fd, out_fd, own = 0, 2, False
    try:
        try:
            saved = termios.tcgetattr(fd)
        except termios.error:
            return None
        quiet = list(saved)
        quiet[3] &= ~(termios.ECHO | termios.ISIG)
        changed = True
        try:
            termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)
        except termios.error:
            changed = False
        line = bytearray()
        try:
            while True:
                ch = os.read(fd, 1)
                if not ch:
                    break
                line += ch
                if ch == b"\n":
                    del line[-1]
                    if changed:
                        os.write(out_fd, b"\n")
                    break
        finally:
            if changed:
                termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
        return bytes(line).split(b"\0", 1)[0]  # virsh takes its strlen
    finally:
        if own:
            os.close(fd)


@command(
    "secret-set-value",
    summary="set a secret value",
    description="Set a secret value.",
    group=GROUP,
    exclusive=(
        ("file", "base64"),
        ("plain", "base64"),
        ("interactive", "base64"),
        ("interactive", "plain"),
        ("interactive", "file"),
    ),
)
@_secret_option
@option(
    "file",
    OptKind.STRING,
    "read secret from file",
    named_only=True,
    value_kind="file",
)
@option("plain", OptKind.BOOL, "read the secret from file without converting from base64")
@option("interactive", OptKind.BOOL, "read the secret from the terminal")
@option(
    "base64",
    OptKind.STRING,
    "base64-encoded secret value",
    completer=complete_empty,
    sensitive=True,
)
def secret_set_value(
    s: Session,
    secret: str,
    file: str | None,
    plain: bool,
    interactive: bool,
    base64: str | None,
) -> bool:
    sec = lookup.secret(s, secret, cmd="secret-set-value")
    encoded = s.text(base64, "base64")
    path = s.text(file, "file")
    if encoded is not None:
        s.error("Passing secret value as command-line argument is insecure!")
        try:
            value = encoded.encode("utf-8", "surrogateescape")
        except UnicodeError:  # its message would quote the value
            value = encoded.encode("utf-8", "surrogatepass")
    elif path is not None:
        value = read_file_bytes(path, MAX_SECRET_FILE)
    elif interactive:
        s.print("Enter new value for secret:")
        s.out.flush()
        line = _read_terminal_line()
        if line is None:
            raise VshError("Failed to read secret")
        value, plain = line, True
    else:
        raise VshError("Input secret value is missing")
    if not plain:
        value = glib_base64_decode(value)
    with failing("Failed to set secret value"):
        sec.setValue(value, 0)
    del value
    s.print_extra("Secret value set\n")
    return True


def _write_raw(s: Session, data: bytes) -> None:
    """Bytes to standard output as they are (virsh's fwrite)."""
    s.out.flush()
    raw = getattr(s.out, "buffer", None)
    if raw is not None:
        raw.write(data)
        raw.flush()
        return
    encoding = getattr(s.out, "encoding", None) or "utf-8"
    s.out.write(data.decode(encoding, "surrogateescape"))


@command(
    "secret-get-value",
    summary="Output a secret value",
    description="Output a secret value to stdout.",
    group=GROUP,
)
@_secret_option
@option("plain", OptKind.BOOL, "get value without converting to base64")
def secret_get_value(s: Session, secret: str, plain: bool) -> bool:
    sec = lookup.secret(s, secret, cmd="secret-get-value")
    value = sec.value(0)
    if not plain:
        s.print(b64.b64encode(value).decode("ascii"))
        return True
    try:
        _write_raw(s, value)
    except (OSError, ValueError, UnicodeError):
        # the exception's text could quote the value: virsh's words only
        raise VshError("failed to write secret") from None
    return True


@command(
    "secret-undefine",
    summary="undefine a secret",
    description="Undefine a secret.",
    group=GROUP,
)
@_secret_option
def secret_undefine(s: Session, secret: str) -> bool:
    sec = lookup.secret(s, secret, cmd="secret-undefine")
    failed = f"Failed to delete secret {secret}"
    return act(sec, s, lambda x: x.undefine(), failed, f"Secret {secret} deleted")


# -- secret-event ----------------------------------------------------------------------

# virshSecretEventCallbacks, in VIR_SECRET_EVENT_ID_* order.
EVENT_NAMES = ("lifecycle", "value-changed")
_LIFECYCLE = ("Defined", "Undefined")


def complete_event_names(_s: Session, _flags: int = 0) -> list[str]:
    """virshSecretEventNameCompleter."""
    return list(EVENT_NAMES)


def _lifecycle_line(uuid: str, event: int, stamp: str | None) -> str:
    word = _LIFECYCLE[event] if 0 <= event < len(_LIFECYCLE) else "unknown"
    return stamped(stamp, f"event 'lifecycle' for secret {uuid}: {word}\n")


def _generic_line(name: str, uuid: str, stamp: str | None) -> str:
    return stamped(stamp, f"event '{name}' for secret {uuid}\n")


def _callback(events: EventWait, name: str) -> Any:
    if name == "lifecycle":

        def lifecycle(_conn: Any, sec: Any, event: int, _detail: int, _opaque: Any) -> None:
            events.deliver(partial(_lifecycle_line, sec.UUIDString(), event))

        return lifecycle

    def generic(_conn: Any, sec: Any, _opaque: Any) -> None:
        events.deliver(partial(_generic_line, name, sec.UUIDString()))

    return generic


@command(
    "secret-event",
    summary="Secret Events",
    description="List event types, or wait for secret events to occur",
    group=GROUP,
)
@option(
    "secret",
    OptKind.STRING,
    "filter by secret name or uuid",
    completer=secret_uuids,
)
@option("event", OptKind.STRING, "which event type to wait for", completer=complete_event_names)
@event_wait_options
@option("list", OptKind.BOOL, "list valid event types")
@timestamp_option
def secret_event(
    s: Session,
    secret: str | None,
    event: str | None,
    loop: bool,
    timeout: str | None,
    list: bool,  # virsh's option name
    timestamp: bool,
) -> bool:
    conn = s.conn
    return object_events(
        s,
        names=EVENT_NAMES,
        event=event,
        list_only=list,
        timeout=timeout,
        loop=loop,
        timestamp=timestamp,
        find=None if secret is None else lambda: lookup.secret(s, secret, cmd="secret-event"),
        lenient_lookup=True,
        register=lambda obj, index, cb: conn.secretEventRegisterAny(obj, index, cb, None),
        deregister=conn.secretEventDeregisterAny,
        callback=_callback,
    )
