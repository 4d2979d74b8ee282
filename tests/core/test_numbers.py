"""vsh.core.numbers: libvirt's virStrToLong_i/_ui/_ull/_ullp (src/util/virstring.c).

First principles: strtol/strtoul/strtoull skip leading isspace() blanks, take
an optional sign, then digits of the base (base 0: ``0x`` hex, ``0`` octal);
libvirt rejects an empty conversion, any trailing character and ERANGE, and
for _i a value outside int.  _ui accepts a negative number whose magnitude fits
in 32 bits, wrapped ("-1" is UINT_MAX); _ull wraps like strtoull; _ullp rejects
any '-'.
"""

from __future__ import annotations

import ctypes

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsh.core import numbers
from vsh.core.numbers import (
    INT_MAX,
    INT_MIN,
    UINT_MAX,
    ULLONG_MAX,
    c_int,
    c_llong,
    c_uint,
    c_ullong,
    numeric_message,
    scaled_message,
    scaled_prefix,
)


@pytest.mark.parametrize(
    ("text", "base", "value"),
    [
        ("0", 10, 0),
        ("42", 10, 42),
        ("-42", 10, -42),
        ("+7", 10, 7),
        ("  7", 10, 7),
        ("\t\n\v\f\r 7", 10, 7),
        ("0010", 10, 10),
        ("-0", 10, 0),
        ("2147483647", 10, INT_MAX),
        ("-2147483648", 10, INT_MIN),
        ("0x10", 0, 16),
        ("0X1f", 0, 31),
        ("-0x10", 0, -16),
        ("+0x1", 0, 1),
        (" 0x1", 0, 1),
        ("010", 0, 8),
        ("0", 0, 0),
        ("00", 0, 0),
        ("10", 0, 10),
        ("ff", 16, 255),
        ("0xff", 16, 255),
        ("FF", 16, 255),
        ("17", 8, 15),
    ],
)
def test_c_int_accepts(text: str, base: int, value: int) -> None:
    assert c_int(text, base) == value


@pytest.mark.parametrize(
    ("text", "base"),
    [
        ("", 10),
        (" ", 10),
        ("-", 10),
        ("+", 10),
        ("+-1", 10),
        ("7 ", 10),
        ("7\n", 10),
        ("12abc", 10),
        ("1e3", 10),
        ("1.0", 10),
        ("1_000", 10),  # Python's int() would take it; strtol stops at '_'
        ("١", 10),  # a non-ASCII digit
        ("0x10", 10),
        ("2147483648", 10),
        ("-2147483649", 10),
        ("99999999999999999999999", 10),
        ("08", 0),
        ("0x", 0),
        ("0xg", 0),
        ("0x-1", 0),
        ("0b1", 0),
        ("0x0x1", 0),  # int() would take the second prefix
        ("0x0x1", 16),
        ("00o7", 0),
        ("0o7", 8),
        ("1_0", 10),
        ("0x", 16),
        ("g", 16),
        ("8", 8),
    ],
)
def test_c_int_rejects(text: str, base: int) -> None:
    assert c_int(text, base) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("4294967295", UINT_MAX),
        ("-1", UINT_MAX),
        ("-0", 0),
        ("-4294967295", 1),
        (" +5", 5),
    ],
)
def test_c_uint_accepts(text: str, value: int) -> None:
    assert c_uint(text) == value


@pytest.mark.parametrize(
    "text",
    ["4294967296", "-4294967296", "18446744073709551615", "-18446744073709551615", "x", ""],
)
def test_c_uint_rejects(text: str) -> None:
    assert c_uint(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("18446744073709551615", ULLONG_MAX),
        ("-1", ULLONG_MAX),
        ("-18446744073709551615", 1),
        ("0x10", 16),
        ("0", 0),
        ("-0", 0),
    ],
)
def test_c_ullong_accepts(text: str, value: int) -> None:
    assert c_ullong(text, 0) == value


@pytest.mark.parametrize("text", ["18446744073709551616", "-18446744073709551616", "1k", " "])
def test_c_ullong_rejects(text: str) -> None:
    assert c_ullong(text, 0) is None


@pytest.mark.parametrize(("text", "value"), [("5", 5), (" 18446744073709551615", ULLONG_MAX)])
def test_c_ullong_positive_accepts(text: str, value: int) -> None:
    assert c_ullong(text, positive=True) == value


@pytest.mark.parametrize("text", ["-1", "-0", " -0", "-18446744073709551615"])
def test_c_ullong_positive_rejects_any_minus(text: str) -> None:
    assert c_ullong(text, positive=True) is None


# -- against the C library itself ------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_libc.strtol.restype = ctypes.c_long
_libc.strtol.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int]


def libvirt_str_to_long_i(text: str, base: int) -> int | None:
    """virStrToLong_i through glibc's strtol."""
    raw = text.encode()
    end = ctypes.c_char_p()
    ctypes.set_errno(0)
    value = _libc.strtol(raw, ctypes.byref(end), base)
    errno = ctypes.get_errno()
    consumed = len(raw) - len(end.value or b"")
    if errno or consumed == 0 or end.value or not INT_MIN <= value <= INT_MAX:
        return None
    return value


NUMBERISH = st.text(st.sampled_from(" \t+-0123456789abcdefoxX_.\n"), max_size=12)


@settings(max_examples=500, deadline=None)
@given(NUMBERISH, st.sampled_from([0, 8, 10, 16]))
def test_c_int_matches_strtol(text: str, base: int) -> None:
    assert c_int(text, base) == libvirt_str_to_long_i(text, base)


def test_c_llong() -> None:
    assert c_llong(" -9223372036854775808") == -(2**63)
    assert c_llong("9223372036854775807") == 2**63 - 1
    assert c_llong("9223372036854775808") is None
    assert c_llong("12 ") is None
    assert c_llong("0x10") is None
    assert c_llong("") is None


def test_scaled_prefix() -> None:
    assert scaled_prefix(" +12KiB") == (12, "KiB")
    assert scaled_prefix("7") == (7, "")
    assert scaled_prefix("-1") is None
    assert scaled_prefix("k") is None
    assert scaled_prefix(str(2**64)) is None


def test_messages() -> None:
    assert numeric_message("x", "count") == (
        "Numeric value 'x' for <count> option is malformed or out of range"
    )
    assert scaled_message("x", "size") == (
        "Scaled numeric value 'x' for <size> option is malformed or out of range"
    )


def test_as_signed64_keeps_the_bits() -> None:
    """libvirt-python's signed long arguments get an unsigned value's bits."""
    assert numbers.as_signed64(5) == 5
    assert numbers.as_signed64(2**63 - 1) == 2**63 - 1
    assert numbers.as_signed64(2**63) == -(2**63)
    assert numbers.as_signed64(2**64 - 1) == -1
