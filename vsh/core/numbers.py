"""virsh's number parsing (virStrToLong_* and virScaleInteger), pure.

Strict like libvirt: the whole string must be a number, leading blanks allowed.
"""

from __future__ import annotations

import re

_BLANKS = " \t\n\v\f\r"
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
UINT_MAX = 2**32 - 1
ULLONG_MAX = 2**64 - 1
LLONG_MIN, LLONG_MAX = -(2**63), 2**63 - 1


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _c_integer(text: str, base: int) -> int | None:
    """strtol's grammar: blanks, sign, then digits of ``base`` (0: C prefixes)."""
    s = text.lstrip(_BLANKS)
    sign = 1
    if s[:1] in ("+", "-"):
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if base == 0:
        if s[:2].lower() == "0x" and len(s) > 2:
            base, s = 16, s[2:]
        elif s[:1] == "0" and len(s) > 1:
            base, s = 8, s[1:]
        else:
            base = 10
    elif base == 16 and s[:2].lower() == "0x" and len(s) > 2:
        s = s[2:]
    # Only the base's digits: int() itself would also take "0x"/"0o"/"0b"
    # prefixes and underscores, which strtol never does ("0x0x1").
    if not s or not all(c in _DIGITS[:base] for c in s.lower()):
        return None
    return sign * int(s, base)


def c_int(text: str, base: int = 10) -> int | None:
    """virStrToLong_i: an int in C's range, else None."""
    value = _c_integer(text, base)
    return value if value is not None and INT_MIN <= value <= INT_MAX else None


def c_uint(text: str, base: int = 10) -> int | None:
    """virStrToLong_ui: like strtoul, '-1' wraps to UINT_MAX (libvirt accepts it)."""
    value = _c_integer(text, base)
    if value is None:
        return None
    if value < 0:
        if -value > UINT_MAX:
            return None
        value += UINT_MAX + 1
    return value if value <= UINT_MAX else None


def c_ullong(text: str, base: int = 10, *, positive: bool = False) -> int | None:
    """virStrToLong_ull (or _ullp with ``positive``: no '-' at all, not even "-0")."""
    value = _c_integer(text, base)
    if value is None:
        return None
    if positive and text.lstrip(_BLANKS).startswith("-"):
        return None
    if value < 0:
        if positive or -value > ULLONG_MAX:
            return None
        value += ULLONG_MAX + 1
    return value if value <= ULLONG_MAX else None


def as_signed64(value: int) -> int:
    """The signed 64-bit integer with an unsigned ``value``'s bits.  libvirt-python
    parses some unsigned C arguments as signed longs and casts them back, so
    values above LLONG_MAX (virsh's wrapped -1 included) go through this way."""
    return value - (ULLONG_MAX + 1) if value > LLONG_MAX else value


def c_llong(text: str) -> int | None:
    """virStrToLong_ll in base 10: the whole text, blanks first allowed, else None."""
    if _STRTOULL.fullmatch(text) is None:
        return None
    value = int(text.strip(_BLANKS))
    return value if LLONG_MIN <= value <= LLONG_MAX else None


# strtoull's accepted prefix in base 10 (ASCII digits only)
_STRTOULL = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")


def scaled_prefix(text: str) -> tuple[int, str] | None:
    """virStrToLong_ullp's part of vshCommandOptScaledInt: the unsigned number
    at the start of ``text`` (no '-' at all) and the suffix after it, or None."""
    match = _STRTOULL.match(text)
    if match is None or "-" in match.group():
        return None
    number = int(match.group().strip(_BLANKS))
    if number > ULLONG_MAX:
        return None
    return number, text[match.end() :]


def scale_integer(value: int, suffix: str, scale: int, limit: int) -> int:
    """virScaleInteger: ``value`` times the suffix's scale; raises ValueError(libvirt text)."""
    if not suffix:
        pass
    elif suffix.lower() in ("b", "byte", "bytes"):
        scale = 1
    else:
        if len(suffix) == 1 or suffix[1:].lower() == "ib":
            base = 1024
        elif suffix[1].lower() == "b" and len(suffix) == 2:
            base = 1000
        else:
            raise ValueError(f"invalid argument: unknown suffix '{suffix}'")
        power = "kmgtpe".find(suffix[0].lower()) if suffix[0].isascii() else -1
        if power < 0:
            raise ValueError(f"invalid argument: unknown suffix '{suffix}'")
        scale = base ** (power + 1)
    if value and value > limit // scale:
        raise ValueError(f"numerical overflow: value too large: {value}{suffix}")
    return value * scale


def numeric_message(value: object, name: str) -> str:
    """virsh's error for a number option it cannot parse (vshCommandOpt*Int)."""
    return f"Numeric value '{value}' for <{name}> option is malformed or out of range"


def scaled_message(value: str, name: str) -> str:
    """virsh's error for a scaled number option (vshCommandOptScaledInt)."""
    return f"Scaled numeric value '{value}' for <{name}> option is malformed or out of range"
