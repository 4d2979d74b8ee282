"""Keycode sets and key names for ``send-key``, as virsh 9.0 resolves them. Pure.

* codesets (virKeycodeSet): their names, in libvirt's enum order, and the
  old name ``rfb`` virsh still accepts for ``qnum``;
* a keycode word: first an unsigned number in C's base-0 notation (decimal,
  ``0x`` hex, ``0`` octal; no sign other than ``+``) up to 0xffff, else a key
  name of the codeset (case-sensitive; only linux, os_x and win32 have names).

The name tables live in the generated :mod:`vsh.virt.keycodes_data`
(``python -m vsh.devtools.keycodegen``), imported only when a name is looked up.
"""

from __future__ import annotations

from functools import cache

from vsh.core.numbers import c_ullong

# virKeycodeSet, in libvirt's order: the index is the value sent to libvirt.
CODESETS: tuple[str, ...] = (
    "linux",
    "xt",
    "atset1",
    "atset2",
    "atset3",
    "os_x",
    "xt_kbd",
    "usb",
    "win32",
    "qnum",
)
DEFAULT_CODESET = "linux"
# The qnum codeset was first called rfb; virsh maps the old name.
ALIASES = {"rfb": "qnum"}

MAX_KEYS = 16  # VIR_DOMAIN_SEND_KEY_MAX_KEYS
MAX_KEYCODE = 0xFFFF


def codeset_name(option: str | None) -> str:
    """The codeset name virsh uses for the ``--codeset`` value (absent or empty: linux)."""
    if not option:
        return DEFAULT_CODESET
    return ALIASES.get(option, option)


def codeset_number(name: str) -> int | None:
    """virKeycodeSetTypeFromString: the codeset's number, or None (exact match)."""
    try:
        return CODESETS.index(name)
    except ValueError:
        return None


def keycode_number(word: str) -> int | None:
    """virshKeyCodeGetInt: the word as a number up to 0xffff, or None.

    virStrToLong_uip(word, NULL, 0): blanks, an optional '+', a C integer
    literal and nothing after it; any '-' is refused.
    """
    value = c_ullong(word, 0, positive=True)
    return value if value is not None and value <= MAX_KEYCODE else None


@cache
def _name_map(codeset: str) -> dict[str, int]:
    from vsh.virt.keycodes_data import NAMES

    out: dict[str, int] = {}
    for name, code in NAMES.get(codeset, ()):
        out.setdefault(name, code)  # the first entry carrying a name wins
    return out


def name_value(codeset: str, name: str) -> int | None:
    """virKeycodeValueFromString: the code of a key name in a codeset, or None."""
    return _name_map(codeset).get(name)


def keycode_value(codeset: str, word: str) -> int | None:
    """A ``send-key`` keycode word: a number, else a name of ``codeset``; None if neither."""
    value = keycode_number(word)
    if value is None:
        value = name_value(codeset, word)
    return value


def key_names(codeset: str) -> list[str]:
    """The key names of a codeset in libvirt's table order (virshKeycodeNameCompleter);
    empty for codesets without names or unknown ones."""
    from vsh.virt.keycodes_data import NAMES

    return [name for name, _code in NAMES.get(codeset, ())]
