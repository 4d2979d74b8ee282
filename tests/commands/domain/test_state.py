"""Pure parts of vsh.commands.domain.state."""

from __future__ import annotations

import pytest

from vsh.commands.common import opt_uint
from vsh.commands.domain import state as ds
from vsh.core.errors import VshError


def test_screen_number() -> None:
    """screenshot --screen goes through common.opt_uint (vshCommandOptUInt);
    absent, it is screen 0."""
    assert opt_uint(None, "screen") is None
    assert opt_uint("7", "screen") == 7
    for bad in ("-1", "x", "", "4294967296"):
        with pytest.raises(VshError, match="for <screen> option is malformed"):
            opt_uint(bad, "screen")


@pytest.mark.parametrize(
    ("addr", "wild"),
    [("0.0.0.0", True), ("::", True), ("0:0::0", True), ("127.0.0.1", False), ("host", False)],
)
def test_wildcard(addr: str, wild: bool) -> None:
    assert ds._is_wildcard(addr) is wild
