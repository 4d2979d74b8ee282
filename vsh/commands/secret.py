"""secret commands (tools/virsh-secret.c): secret-dumpxml, secret-list.

Secret values are never read or printed here: these commands show only a
secret's attributes (UUID, usage, its XML, which holds no value).
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.commands.common import xpath_options
from vsh.completion.providers import secret_uuids
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.session import Session
from vsh.virt import lookup
from vsh.virt.failing import failing

GROUP = "secret"

L = libvirt

# virSecretUsageType, in libvirt's enum order.
USAGE_TYPES = ("none", "volume", "ceph", "iscsi", "tls", "vtpm")


@command(
    "secret-dumpxml",
    summary="secret attributes in XML",
    description="Output attributes of a secret as an XML dump to stdout.",
    group=GROUP,
)
@option("secret", OptKind.DATA, "secret UUID", required=True, completer=secret_uuids)
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
