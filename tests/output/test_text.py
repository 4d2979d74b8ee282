"""Tests for vsh.output.text (cell escaping, widths, locale detection).

Expected values come from virsh 9.0.0 tables captured with domains of those
names on ``virsh -c test:///default`` under ``LANG=C.UTF-8`` and ``LANG=C``
(see tests/output/test_table.py for the full captured tables), or from first
principles where noted.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsh.output.text import (
    display_width,
    encode_cell,
    locale_is_utf8,
    pretty_capacity,
    safe_encode,
    to_c_bytes,
)

REPO = Path(__file__).resolve().parents[2]

# (name, escaped in C.UTF-8, width in C.UTF-8, escaped in C, width in C)
CAPTURED = [
    ("a\tb", "a\\x09b", 6, "a\\x09b", 6),
    ("a\rb", "a\\x0db", 6, "a\\x0db", 6),
    ("a\x7fb", "a\\x7fb", 6, "a\\x7fb", 6),
    ("a b", "a b", 3, "a b", 3),
    ("x;y", "x;y", 3, "x;y", 3),
    ("q'\"", "q'\"", 3, "q'\"", 3),
    ("a\\xb", "a\\x5cxb", 7, "a\\x5cxb", 7),  # backslash-x is escaped...
    ("a\\b", "a\\b", 3, "a\\b", 3),  # ...a lone backslash is not
    ("日本語", "日本語", 6, "\\xff" * 9, 36),  # C: every byte >= 0x80 is "\xff"
    ("e\u0301x", "e\u0301x", 2, "e\\xff\\xffx", 10),  # combining acute: 0
    ("😀", "😀", 2, "\\xff" * 4, 16),
    ("👍🏽", "👍🏽", 4, "\\xff" * 8, 32),  # skin-tone modifier is wide on its own
    ("🇯🇵", "🇯🇵", 2, "\\xff" * 8, 32),  # regional indicators: 1 each
    ("❤\ufe0f", "❤\ufe0f", 1, "\\xff" * 6, 24),  # VS16 is zero width
    ("Ａ", "Ａ", 2, "\\xff" * 3, 12),  # fullwidth
    ("ｱ", "ｱ", 1, "\\xff" * 3, 12),  # halfwidth
    ("한", "한", 2, "\\xff" * 3, 12),
    ("\U00020000", "\U00020000", 2, "\\xff" * 4, 16),
    ("a\u3000b", "a\u3000b", 4, "a\\xff\\xff\\xffb", 14),  # ideographic space
    ("a\u00adb", "a\u00adb", 3, "a\\xff\\xffb", 10),  # soft hyphen: 1 column
    ("a\u00a0b", "a\u00a0b", 3, "a\\xff\\xffb", 10),
    ("a\u00b1b", "a\u00b1b", 3, "a\\xff\\xffb", 10),  # ambiguous width: 1
    ("a\u0903b", "a\u0903b", 3, "a\\xff\\xff\\xffb", 14),  # spacing mark: 1
    ("a\ue000b", "a\ue000b", 3, "a\\xff\\xff\\xffb", 14),  # private use: 1
    ("a\u1160b", "a\u1160b", 2, "a\\xff\\xff\\xffb", 14),  # Hangul jamo filler: 0
    ("a\u200bb", "a\u200bb", 2, "a\\xff\\xff\\xffb", 14),  # zero width space
    ("a\u200db", "a\u200db", 2, "a\\xff\\xff\\xffb", 14),
    ("a\u200eb", "a\u200eb", 2, "a\\xff\\xff\\xffb", 14),
    ("a\u202eb", "a\u202eb", 2, "a\\xff\\xff\\xffb", 14),
    ("a\ufeffb", "a\ufeffb", 2, "a\\xff\\xff\\xffb", 14),
    ("a\u20ddb", "a\u20ddb", 2, "a\\xff\\xff\\xffb", 14),  # enclosing mark
    ("a\U000e0001b", "a\U000e0001b", 2, "a\\xff\\xff\\xff\\xffb", 18),  # tag (Cf)
    # Not printable for glibc even in UTF-8: escaped per byte, as "\xff".
    ("\x85", "\\xff\\xff", 8, "\\xff\\xff", 8),
    ("a\x80b", "a\\xff\\xffb", 10, "a\\xff\\xffb", 10),
    ("a\u0378b", "a\\xff\\xffb", 10, "a\\xff\\xffb", 10),  # unassigned
    ("a\u2028b", "a\\xff\\xff\\xffb", 14, "a\\xff\\xff\\xffb", 14),  # line separator
    ("a\ufdd0b", "a\\xff\\xff\\xffb", 14, "a\\xff\\xff\\xffb", 14),  # noncharacter
]


@pytest.mark.parametrize(("raw", "u_text", "u_width", "c_text", "c_width"), CAPTURED)
def test_captured(raw: str, u_text: str, u_width: int, c_text: str, c_width: int) -> None:
    assert safe_encode(raw) == u_text
    assert display_width(raw) == u_width
    assert safe_encode(raw, utf8=False) == c_text
    assert display_width(raw, utf8=False) == c_width


@pytest.mark.parametrize("utf8", [True, False])
def test_first_principles_ascii(utf8: bool) -> None:
    printable = "".join(chr(c) for c in range(0x20, 0x7F))
    assert encode_cell(printable, utf8) == (printable, 95)  # its "\\" precedes "]"
    assert encode_cell("", utf8) == ("", 0)
    assert encode_cell("\x00\x1f", utf8) == ("\\x00\\x1f", 8)
    assert encode_cell("\\\\x", utf8) == ("\\\\x5cx", 6)  # only the 2nd "\" is before x
    assert encode_cell("x\\", utf8) == ("x\\", 2)
    assert encode_cell("\\X", utf8) == ("\\X", 2)  # only a lowercase x counts
    assert encode_cell("../up", utf8) == ("../up", 5)


def test_surrogateescape_bytes() -> None:
    # First principles: a str holding raw bytes via surrogateescape is treated
    # as those bytes; valid UTF-8 rejoins, invalid bytes become "\xff".
    raw = b"\xe6\x97\xa5".decode("utf-8", "surrogateescape")  # real UTF-8
    assert encode_cell("\udce6\udc97\udca5", True) == (raw, 2)
    assert encode_cell("a\udcffb", True) == ("a\\xffb", 6)
    assert encode_cell("a\udcffb", False) == ("a\\xffb", 6)
    assert encode_cell("\ud800", True) == ("\\xff" * 3, 12)  # lone surrogate
    assert to_c_bytes("a\udcffé") == b"a\xff\xc3\xa9"


_any_text = st.text(st.characters(codec="utf-8"), max_size=20)


@given(_any_text)
def test_c_locale_output_is_printable_ascii(s: str) -> None:
    text, width = encode_cell(s, utf8=False)
    assert text.isascii() and text.isprintable()
    assert width == len(text)


@given(_any_text, _any_text)
def test_concatenation(a: str, b: str) -> None:
    # Escaping is local, except that "\" + "x" across the seam is escaped.
    if a.endswith("\\") and b.startswith("x"):
        return
    for utf8 in (True, False):
        ta, wa = encode_cell(a, utf8)
        tb, wb = encode_cell(b, utf8)
        assert encode_cell(a + b, utf8) == (ta + tb, wa + wb)


def _glibc_and_glib() -> tuple[ctypes.CDLL, ctypes.CDLL]:
    try:
        libc = ctypes.CDLL("libc.so.6")
        glib = ctypes.CDLL("libglib-2.0.so.0")
    except OSError:
        pytest.skip("glibc/GLib not loadable")
    libc.setlocale.restype = ctypes.c_char_p
    libc.setlocale.argtypes = [ctypes.c_int, ctypes.c_char_p]
    return libc, glib


def test_matches_glibc_iswprint_and_glib_widths() -> None:
    """Cross-check against the C functions virsh really calls, where available.

    Scans the BMP, the SIP and the tag plane fully (the Unicode versions of
    glibc 2.36 and Python 3.11 are both 14.0, so they must agree).
    """
    libc, glib = _glibc_and_glib()
    lc_ctype = 0
    old = libc.setlocale(lc_ctype, None)
    if libc.setlocale(lc_ctype, b"C.UTF-8") is None:
        pytest.skip("C.UTF-8 locale unavailable")
    try:
        ranges = [range(0x80, 0xD800), range(0xE000, 0x32000), range(0xE0000, 0xE0200)]
        bad = []
        for cp in (c for r in ranges for c in r):
            ch = chr(cp)
            if libc.iswprint(cp):
                zero = glib.g_unichar_iszerowidth(cp)
                expected = (ch, 0 if zero else 2 if glib.g_unichar_iswide(cp) else 1)
            else:
                n = len(ch.encode())
                expected = ("\\xff" * n, 4 * n)
            if encode_cell(ch) != expected:
                bad.append(hex(cp))
        assert bad == []
    finally:
        libc.setlocale(lc_ctype, old)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, False),
        ({"LANG": "C"}, False),
        ({"LANG": "POSIX"}, False),
        ({"LANG": ""}, False),
        ({"LANG": "C.UTF-8"}, True),
        ({"LANG": "C.utf8"}, True),
        ({"LANG": "en_US.UTF-8@euro"}, True),
        ({"LANG": "de_DE.ISO-8859-1"}, False),
        ({"LANG": "de_DE"}, False),
        ({"LC_ALL": "C", "LANG": "C.UTF-8"}, False),
        ({"LC_ALL": "", "LANG": "C.UTF-8"}, True),
        ({"LC_CTYPE": "C.UTF-8", "LANG": "C"}, True),
        ({"LC_CTYPE": "C", "LANG": "C.UTF-8"}, False),
        ({"LC_ALL": "C.UTF-8", "LC_CTYPE": "C"}, True),
    ],
)
def test_locale_is_utf8_env(env: dict[str, str], expected: bool) -> None:
    assert locale_is_utf8(env) is expected


# Each environment was run through virsh (does `list --all` show "\xff"?) and
# through a fresh Python, which applies PEP 538 locale coercion first.
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "C"}, False),
        ({"LANG": "C.UTF-8"}, True),
        ({"LC_ALL": "C", "LANG": "C.UTF-8"}, False),
        ({"LC_CTYPE": "C.UTF-8", "LANG": "C"}, True),
        ({"LC_CTYPE": "C", "LANG": "C.UTF-8"}, False),
        ({"LANG": "xx_YY.UTF-8"}, False),  # not installed: virsh falls back to C
        ({}, False),
    ],
)
def test_locale_is_utf8_in_fresh_interpreter(env: dict[str, str], expected: bool) -> None:
    code = "from vsh.output.text import locale_is_utf8; print(locale_is_utf8())"
    env = {**env, "PYTHONPATH": str(REPO), "PATH": os.environ.get("PATH", "")}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(expected)


def test_output_modules_import_cheaply() -> None:
    code = (
        "import sys\n"
        "import vsh.output.text, vsh.output.table, vsh.output.tree, vsh.output.jsonout\n"
        "bad = {'wcwidth', 'libvirt', 'click', 'rich', 'json'} & set(sys.modules)\n"
        "print(sorted(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# vshPrettyCapacity, printed with "%.2lf %s" (first principles: powers of 1024)
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0.00 B"),
        (1023, "1023.00 B"),
        (1024, "1.00 KiB"),
        (1536, "1.50 KiB"),
        (1048575, "1024.00 KiB"),
        (1048576, "1.00 MiB"),
        (107374182400, "100.00 GiB"),
        (2**40, "1.00 TiB"),
        (2**50, "1.00 PiB"),
        (2**60, "1.00 EiB"),
        (2**64 - 1, "16.00 EiB"),
    ],
)
def test_pretty_capacity(value: int, text: str) -> None:
    assert pretty_capacity(value) == text
