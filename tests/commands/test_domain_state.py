"""Pure parts of vsh.commands.domain_state."""

from __future__ import annotations

import pytest

from vsh.commands import domain_state as ds
from vsh.errors import VshError


@pytest.mark.parametrize(
    ("setting", "char"),
    [("^]", 0x1D), ("^a", 0x01), ("^A", 0x01), ("~", ord("~")), ("^[", 0x1B)],
)
def test_escape_char(setting: str, char: int) -> None:
    assert ds.escape_char(setting) == char


def test_uint_option() -> None:
    assert ds._uint_option(None, "screen") == 0
    assert ds._uint_option("7", "screen") == 7
    for bad in ("-1", "x", "", "4294967296"):
        with pytest.raises(VshError, match="for <screen> option is malformed"):
            ds._uint_option(bad, "screen")


@pytest.mark.parametrize(
    ("addr", "wild"),
    [("0.0.0.0", True), ("::", True), ("0:0::0", True), ("127.0.0.1", False), ("host", False)],
)
def test_wildcard(addr: str, wild: bool) -> None:
    assert ds._is_wildcard(addr) is wild
