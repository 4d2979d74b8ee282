"""Pure helpers of vsh/commands/domain/resources.py: virsh's number parsing and bitmaps."""

from __future__ import annotations

import pytest

from vsh.commands.common import opt_int, opt_scaled, opt_uint
from vsh.commands.domain.resources import (
    format_bitmap,
    parse_bitmap,
)
from vsh.core.errors import VshError
from vsh.core.numbers import scale_integer

ULONG_MAX = 2**64 - 1


def test_opt_int() -> None:
    assert opt_int(None, "start") is None
    assert opt_int(" -5", "start") == -5
    for bad in ("abc", "42MB", "2147483648", ""):
        with pytest.raises(VshError) as exc:
            opt_int(bad, "start")
        assert exc.value.messages == [
            f"Numeric value '{bad}' for <start> option is malformed or out of range"
        ]


def test_opt_uint_rejects_any_minus_unless_wrapping() -> None:
    assert opt_uint("7", "vcpu") == 7
    with pytest.raises(VshError):
        opt_uint("-0", "vcpu")
    assert opt_uint("-1", "vcpu", wrap=True) == 2**32 - 1


def test_scale_integer() -> None:
    assert scale_integer(42, "", 1024, ULONG_MAX) == 42 * 1024
    assert scale_integer(42, "MB", 1024, ULONG_MAX) == 42_000_000
    assert scale_integer(1, "MiB", 1024, ULONG_MAX) == 1024**2
    assert scale_integer(3, "bytes", 1024, ULONG_MAX) == 3
    assert scale_integer(1, "e", 1024, ULONG_MAX) == 1024**6
    with pytest.raises(ValueError, match="unknown suffix 'WB'"):
        scale_integer(42, "WB", 1024, ULONG_MAX)
    with pytest.raises(ValueError, match="value too large: 99G"):
        scale_integer(99, "G", 1024, 2**30)


def test_opt_scaled_messages() -> None:
    head = "Scaled numeric value '{}' for <size> option is malformed or out of range"
    for bad in ("abc", "-1", "", " -0"):
        with pytest.raises(VshError) as exc:
            opt_scaled(bad, "size", 1024, ULONG_MAX)
        assert exc.value.messages == [head.format(bad)]
    with pytest.raises(VshError) as exc:
        opt_scaled("42WB", "size", 1024, ULONG_MAX)
    assert exc.value.messages == [head.format("42WB"), "invalid argument: unknown suffix 'WB'"]
    assert opt_scaled(" 5", "size", 1024, ULONG_MAX) == 5120


def test_bitmaps() -> None:
    assert format_bitmap([True, True, False, True]) == "0-1,3"
    assert format_bitmap([False, False]) == ""
    assert parse_bitmap("0-3,^2", 8) == [True, True, False, True] + [False] * 4
    assert parse_bitmap(" 1 - 2 , 5", 8) == [False, True, True, False, False, True, False, False]
    for bad in ("", "x", "3-1", "^1-2", "1,,2", "9"):
        assert parse_bitmap(bad, 8) is None
