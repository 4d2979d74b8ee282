"""vsh.commands.common: helpers shared by the command modules.

Expected results follow libvirt 9.0's C source (virsh-domain.c).
"""

from __future__ import annotations

import pytest

from vsh.commands.common import fetch_pass_fds
from vsh.core.errors import VshError


def test_fetch_pass_fds() -> None:
    assert fetch_pass_fds(None) == []
    assert fetch_pass_fds("") == []
    assert fetch_pass_fds("3,4") == [3, 4]
    assert fetch_pass_fds(" 5") == [5]
    for bad, piece in (("abc", "abc"), ("1,,2", ""), ("1,", ""), ("9999999999", "9999999999")):
        with pytest.raises(VshError) as exc:
            fetch_pass_fds(bad)
        assert exc.value.messages == [f"Unable to parse FD number '{piece}'"]
