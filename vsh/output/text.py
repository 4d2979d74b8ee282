"""Cell text encoding and display width, as virsh's table printer sees them.

virsh (tools/vsh-table.c, ``vshTableSafeEncode``) rewrites every table cell
before measuring it:

* an ASCII control byte (0x00-0x1f, 0x7f) becomes ``\\xNN`` (its real value);
* a backslash directly followed by a lowercase ``x`` becomes ``\\x5c`` so that
  escapes stay unambiguous;
* in a UTF-8 locale a character that glibc's ``iswprint`` rejects (C1
  controls, unassigned code points, U+2028/U+2029, surrogates) is escaped
  byte by byte; in the C locale *every* non-ASCII byte is escaped;
* each escape counts 4 columns, other characters count 0, 1 or 2 columns
  according to GLib's ``g_unichar_iszerowidth`` / ``g_unichar_iswide``.

A quirk worth knowing: virsh formats the escaped byte from a *signed* ``char``
with ``%02x`` into a 5-byte buffer, so any byte >= 0x80 is printed as
``\\xff`` (the truncated ``ffffffNN``), never as its real value.

The width rules were checked code point by code point against glibc 2.36's
``iswprint`` (C.UTF-8) and GLib 2.74's width functions; they match Python
3.11's ``unicodedata`` (Unicode 14.0) exactly.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Mapping

__all__ = ["display_width", "encode_cell", "locale_is_utf8", "safe_encode", "to_c_bytes"]

# Escape emitted for any byte >= 0x80 (see the module docstring).
_HIGH_BYTE_ESCAPE = "\\xff"
_ESCAPE_WIDTH = 4

# General categories glibc's iswprint() rejects in a UTF-8 locale.
_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cs", "Cn", "Zl", "Zp"})
# General categories GLib treats as zero width.
_ZERO_WIDTH_CATEGORIES = frozenset({"Mn", "Me", "Cf"})

# Per-character cache for the non-ASCII path: char -> (text, width).
_char_cache: dict[str, tuple[str, int]] = {}


def _utf8_len(cp: int) -> int:
    """Number of bytes the code point takes in UTF-8."""
    if cp < 0x80:
        return 1
    if cp < 0x800:
        return 2
    if cp < 0x10000:
        return 3
    return 4


def _glib_width(cp: int) -> int:
    """Column width of a printable character, per GLib's zero-width/wide tests."""
    if cp == 0x00AD:  # soft hyphen is Cf but GLib counts it as one column
        return 1
    ch = chr(cp)
    if unicodedata.category(ch) in _ZERO_WIDTH_CATEGORIES:
        return 0
    # Hangul medial/final jamo (and their Old Korean extension) and ZWSP.
    if 0x1160 <= cp < 0x1200 or 0xD7B0 <= cp < 0xD800 or cp == 0x200B:
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _encode_non_ascii(ch: str) -> tuple[str, int]:
    """Encode one non-ASCII character in a UTF-8 locale (cached)."""
    hit = _char_cache.get(ch)
    if hit is not None:
        return hit
    cp = ord(ch)
    if 0xDC80 <= cp <= 0xDCFF:
        # surrogateescape'd raw byte: glibc's mbrtowc rejects it.
        res = (_HIGH_BYTE_ESCAPE, _ESCAPE_WIDTH)
    elif unicodedata.category(ch) in _UNPRINTABLE_CATEGORIES:
        n = _utf8_len(cp)
        res = (_HIGH_BYTE_ESCAPE * n, _ESCAPE_WIDTH * n)
    else:
        res = (ch, _glib_width(cp))
    _char_cache[ch] = res
    return res


def _resync_surrogates(s: str) -> str:
    """Re-decode a string holding surrogates the way a C program sees the bytes.

    ``surrogateescape`` characters become their raw byte, other surrogates
    their (invalid) 3-byte encoding; decoding again with ``surrogateescape``
    rejoins valid sequences and leaves one U+DCxx per invalid byte.
    """
    raw = bytearray()
    for ch in s:
        cp = ord(ch)
        if 0xDC80 <= cp <= 0xDCFF:
            raw.append(cp - 0xDC00)
        else:
            raw += ch.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "surrogateescape")


def to_c_bytes(s: str) -> bytes:
    """The bytes a C program would hold for ``s`` (UTF-8, surrogateescape undone)."""
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError:
        return _resync_surrogates(s).encode("utf-8", "surrogateescape")


def _is_plain(s: str) -> bool:
    """True when virsh would print ``s`` unchanged with width ``len(s)``."""
    return s.isascii() and s.isprintable() and "\\x" not in s


def _encode_c_locale(s: str) -> tuple[str, int]:
    """Byte-wise encoding used when the locale is not UTF-8."""
    data = to_c_bytes(s)
    out: list[str] = []
    width = 0
    n = len(data)
    for i, b in enumerate(data):
        if b >= 0x80:
            out.append(_HIGH_BYTE_ESCAPE)
            width += _ESCAPE_WIDTH
        elif b < 0x20 or b == 0x7F or (b == 0x5C and i + 1 < n and data[i + 1] == 0x78):
            out.append(f"\\x{b:02x}")
            width += _ESCAPE_WIDTH
        else:
            out.append(chr(b))
            width += 1
    return "".join(out), width


def _encode_utf8_locale(s: str) -> tuple[str, int]:
    """Character-wise encoding used in a UTF-8 locale."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in s):
        s = _resync_surrogates(s)
    out: list[str] = []
    width = 0
    n = len(s)
    for i, ch in enumerate(s):
        cp = ord(ch)
        if cp >= 0x80:
            text, w = _encode_non_ascii(ch)
            out.append(text)
            width += w
        elif cp < 0x20 or cp == 0x7F or (ch == "\\" and i + 1 < n and s[i + 1] == "x"):
            out.append(f"\\x{cp:02x}")
            width += _ESCAPE_WIDTH
        else:
            out.append(ch)
            width += 1
    return "".join(out), width


def encode_cell(s: str, utf8: bool = True) -> tuple[str, int]:
    """Return ``(safe_encode(s), display_width(s))`` in a single pass."""
    if _is_plain(s):
        return s, len(s)
    return _encode_utf8_locale(s) if utf8 else _encode_c_locale(s)


def safe_encode(s: str, utf8: bool = True) -> str:
    """Escape ``s`` the way virsh escapes a table cell (see module docstring)."""
    return encode_cell(s, utf8)[0]


def display_width(s: str, utf8: bool = True) -> int:
    """Columns virsh reserves for the cell ``s`` (i.e. of ``safe_encode(s)``).

    Note this is the width of the *raw* text after virsh's escaping: tabs and
    other control characters count as 4 (``\\xNN``), so calling it on text
    that is already escaped would escape ``\\x`` a second time.
    """
    return encode_cell(s, utf8)[1]


def _codeset_is_utf8(name: str) -> bool:
    """Whether a locale name such as ``en_US.UTF-8@euro`` names UTF-8."""
    _, dot, rest = name.partition(".")
    if not dot:
        return False
    codeset = rest.partition("@")[0]
    # glibc normalises codesets: lower case, punctuation dropped.
    return "".join(c for c in codeset.lower() if c.isalnum()) == "utf8"


def _python_coerced_locale(environ: Mapping[str, str]) -> bool:
    """Detect PEP 538 C-locale coercion, which rewrites LC_CTYPE at startup.

    When the inherited locale was C/POSIX (or unusable), CPython sets
    ``LC_CTYPE=C.UTF-8`` in its own environment and turns on UTF-8 mode; the
    original value is lost, but glibc in virsh would have seen the C locale.
    """
    return (
        bool(sys.flags.utf8_mode)
        and environ.get("LC_CTYPE") == "C.UTF-8"
        and not environ.get("LC_ALL")
        and "PYTHONUTF8" not in environ
    )


def locale_is_utf8(environ: Mapping[str, str] | None = None) -> bool:
    """Decide, like glibc's ``setlocale(LC_ALL, "")``, whether LC_CTYPE is UTF-8.

    Precedence is LC_ALL, then LC_CTYPE, then LANG; empty values are skipped.
    With no argument the process environment is used and Python's own
    C-locale coercion is undone.  Limitation: a named locale that is not
    installed makes virsh fall back to C, which is not detected here.
    """
    if environ is None:
        environ = os.environ
        if _python_coerced_locale(environ):
            return False
    for var in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = environ.get(var)
        if value:
            return _codeset_is_utf8(value)
    return False


_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def pretty_capacity(value: int) -> str:
    """vshPrettyCapacity printed as ``%.2lf %s`` (1024-based units up to EiB)."""
    limit = 1024
    for unit in _UNITS:
        if value < limit:
            return f"{value / (limit // 1024):.2f} {unit}"
        limit *= 1024
    return f"{value / (limit // 1024):.2f} EiB"


def capacity_parts(value: int) -> tuple[float, str]:
    """vshPrettyCapacity: the value scaled to the largest 1024-based unit below it."""
    limit = 1024
    for unit in _UNITS:
        if value < limit:
            return value / (limit // 1024), unit
        limit *= 1024
    return value / (limit // 1024), "EiB"
