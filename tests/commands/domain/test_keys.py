"""vsh.commands.domain.keys: send-key's completers and what it hands libvirt.

Output and errors are compared with virsh in
tests/conformance/test_sendkey_conformance.py; here, the arguments of the
virDomainSendKey call (which the test driver does not show) and the
completers called directly.
"""

from __future__ import annotations

from typing import Any

from tests.commands.fakes import Fake, output, run_script, session_with
from vsh.commands.domain import keys as domain_keys
from vsh.core.session import Session


def _session(dom: Fake) -> Session:
    return session_with(Fake(lookupByName=dom, lookupByID=dom, lookupByUUIDString=dom))


def _send(script: str) -> tuple[bool, list[tuple[Any, ...]], tuple[str, str]]:
    dom = Fake(name="d", sendKey=0)
    s = _session(dom)
    ok = run_script(s, script)
    return ok, dom.called("sendKey"), output(s)


def test_codeset_numbers_and_keycodes_reach_libvirt() -> None:
    ok, calls, _out = _send("send-key d KEY_A 0x1e 036")
    assert ok and calls == [(0, 0, [30, 30, 30], 3, 0)]
    _ok, calls, _out = _send("send-key d --codeset win32 --holdtime 250 VK_A VK_OEM_5")
    assert calls == [(8, 250, [0x41, 0xDC], 2, 0)]
    _ok, calls, _out = _send("send-key d --codeset rfb 0x54")
    assert calls == [(9, 0, [0x54], 1, 0)]
    _ok, calls, _out = _send("send-key d --codeset '' KEY_ESC")
    assert calls == [(0, 0, [1], 1, 0)]


def test_holdtime_above_int_max_keeps_its_bits() -> None:
    """libvirt-python parses holdtime as a C int; virsh sends an unsigned int."""
    _ok, calls, _out = _send("send-key d --holdtime 2147483647 KEY_A")
    assert calls[0][1] == 2147483647
    _ok, calls, _out = _send("send-key d --holdtime 2147483648 KEY_A")
    assert calls[0][1] == -(2**31)
    _ok, calls, _out = _send("send-key d --holdtime 4294967295 KEY_A")
    assert calls[0][1] == -1


def test_nothing_is_sent_when_a_word_is_refused() -> None:
    ok, calls, out = _send("send-key d KEY_A " + " ".join(["1"] * 16))
    assert (ok, calls, out[1]) == (False, [], "error: too many keycodes\n")
    ok, calls, out = _send("send-key d --codeset xt KEY_A")
    assert (ok, calls, out[1]) == (False, [], "error: invalid keycode: 'KEY_A'\n")


def test_codeset_completer() -> None:
    assert domain_keys.complete_codesets(None) == [  # type: ignore[arg-type]
        "linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum",
    ]  # fmt: skip


def test_keycode_completer_follows_the_codeset_on_the_line() -> None:
    def names(values: dict[str, object]) -> list[str]:
        return domain_keys.complete_keycodes(None, 0, values)  # type: ignore[arg-type]

    linux = names({})
    assert linux[:2] == ["KEY_RESERVED", "KEY_ESC"] and "BTN_0" in linux
    assert names({"codeset": ""}) == linux
    assert names({"codeset": "linux", "domain": "x"}) == linux
    assert "ANSI_A" in names({"codeset": "os_x"})
    assert names({"codeset": "win32"}).count("VK_OEM_5") == 2
    for codeset in ("xt", "usb", "qnum", "rfb", "bogus", "LINUX"):
        assert names({"codeset": codeset}) == []
    assert domain_keys.complete_keycodes.completion_depends_on == ("codeset",)  # type: ignore[attr-defined]
