"""vsh.virt.console: the escape character and the checks before a console opens.

Expected results follow virsh 9.0 (virsh-console.c, virsh-domain.c).
"""

from __future__ import annotations

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, session_with
from vsh.virt.console import escape_char, run_console


@pytest.mark.parametrize(
    ("setting", "char"),
    [("^]", 0x1D), ("^a", 0x01), ("^A", 0x01), ("~", ord("~")), ("^[", 0x1B)],
)
def test_escape_char(setting: str, char: int) -> None:
    assert escape_char(setting) == char


def test_console_needs_a_running_domain_and_a_tty() -> None:
    dom = Fake(name="d", state=[libvirt.VIR_DOMAIN_SHUTOFF, 0])
    s = session_with(None)
    assert not run_console(s, dom, None, 0)
    assert output(s)[1] == "error: The domain is not running\n"
    dom = Fake(name="d", state=lv_error(libvirt.VIR_ERR_OPERATION_FAILED, "x"))
    s = session_with(None)
    assert not run_console(s, dom, None, 0)
    assert output(s)[1] == "error: Unable to get domain status\n"
