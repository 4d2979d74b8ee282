"""send-key (tools/virsh-domain.c): keycodes to a running guest.

A keycode word is a number (C notation, up to 0xffff) or a key name of the
codeset (linux by default); see :mod:`vsh.virt.keycodes`.  Which codes a codeset
accepts is the driver's business: vsh sends what virsh sends.
"""

from __future__ import annotations

from collections.abc import Mapping

import libvirt

from vsh.commands.common import domain_option, opt_uint
from vsh.completion.cache import depends_on
from vsh.core.command import command, option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.session import Session
from vsh.virt import keycodes, lookup

GROUP = "domain"
L = libvirt

_INT_MAX = 2**31 - 1


def complete_codesets(_s: Session, _flags: int = 0) -> list[str]:
    """virshCodesetNameCompleter: every codeset name, in libvirt's order."""
    return list(keycodes.CODESETS)


@depends_on("codeset")
def complete_keycodes(
    _s: Session, _flags: int = 0, values: Mapping[str, object] | None = None
) -> list[str]:
    """virshKeycodeNameCompleter: the key names of the ``--codeset`` on the line
    (linux when absent or empty; nothing for an unknown codeset)."""
    given = (values or {}).get("codeset")
    return keycodes.key_names(keycodes.codeset_name(given if isinstance(given, str) else None))


@command(
    "send-key",
    summary="Send keycodes to the guest",
    description="Send keycodes (integers or symbolic names) to the guest",
    group=GROUP,
)
@domain_option(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
@option(
    "codeset",
    OptKind.STRING,
    "the codeset of keycodes, default:linux",
    named_only=True,
    completer=complete_codesets,
)
@option(
    "holdtime",
    OptKind.INT,
    "the time (in milliseconds) how long the keys will be held",
    named_only=True,
)
@option("keycode", OptKind.ARGV, "the key code", required=True, completer=complete_keycodes)
def send_key(
    s: Session,
    domain: str,
    codeset: str | None,
    holdtime: str | None,
    keycode: tuple[str, ...],
) -> bool:
    dom = lookup.domain(s, domain, cmd="send-key")
    name = keycodes.codeset_name(codeset)  # vshCommandOptStringQuiet: empty is absent
    hold = opt_uint(holdtime, "holdtime") or 0
    number = keycodes.codeset_number(name)
    if number is None:
        raise VshError(f"unknown codeset: '{name}'")
    codes: list[int] = []
    for word in keycode:
        if len(codes) == keycodes.MAX_KEYS:
            raise VshError("too many keycodes")
        value = keycodes.keycode_value(name, word)
        if value is None:
            raise VshError(f"invalid keycode: '{word}'")
        codes.append(value)
    # libvirt-python takes holdtime as a C int; the bits reach libvirt unchanged.
    signed_hold = hold - 2**32 if hold > _INT_MAX else hold
    dom.sendKey(number, signed_hold, codes, len(codes), 0)
    return True
