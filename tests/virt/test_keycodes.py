"""vsh.virt.keycodes: codesets, keycode words and key names as virsh 9.0 resolves them.

Expected values are facts of keycodemapdb's keymaps.csv (libvirt 9.0.0) and
of virsh (tools/virsh-domain.c, src/util/virkeycode.c); the conformance tests
in tests/conformance/test_sendkey_conformance.py check the same words
against /usr/bin/virsh.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from vsh.virt import keycodes


def test_codesets_in_libvirts_enum_order() -> None:
    assert keycodes.CODESETS == (
        "linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum",
    )  # fmt: skip
    assert keycodes.codeset_number("linux") == 0
    assert keycodes.codeset_number("usb") == 7
    assert keycodes.codeset_number("win32") == 8
    assert keycodes.codeset_number("qnum") == 9


@pytest.mark.parametrize("name", ["LINUX", "Linux", "osx", "xtkbd", "rfb", "", "bogus"])
def test_unknown_codesets(name: str) -> None:
    assert keycodes.codeset_number(name) is None


def test_codeset_name_defaults_and_the_rfb_alias() -> None:
    assert keycodes.codeset_name(None) == "linux"
    assert keycodes.codeset_name("") == "linux"  # vshCommandOptStringQuiet: empty is absent
    assert keycodes.codeset_name("rfb") == "qnum"
    assert keycodes.codeset_name("os_x") == "os_x"
    assert keycodes.codeset_name("bogus") == "bogus"


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("30", 30),
        ("0x1e", 30),
        ("0X1E", 30),
        ("036", 30),
        ("+30", 30),
        (" \t30", 30),
        ("0", 0),
        ("00", 0),
        ("0xffff", 0xFFFF),
        ("65535", 0xFFFF),
    ],
)
def test_keycode_numbers(word: str, value: int) -> None:
    assert keycodes.keycode_number(word) == value


@pytest.mark.parametrize(
    "word",
    [
        "",
        " ",
        "30 ",  # nothing may follow
        "08",  # not octal
        "0x",  # strtoul reads "0" and stops at "x"
        "0x0x1",
        "00o7",
        "0o7",
        "0b1",
        "1_0",
        "-1",  # virStrToLong_uip refuses any minus
        "-0",
        "+-1",
        "0x10000",  # above 0xffff
        "65536",
        "4294967296",
        "99999999999999999999",
        "\u0663",  # a non-ASCII digit
        "KEY_A",
    ],
)
def test_not_keycode_numbers(word: str) -> None:
    assert keycodes.keycode_number(word) is None


@pytest.mark.parametrize(
    ("codeset", "name", "value"),
    [
        ("linux", "KEY_RESERVED", 0),
        ("linux", "KEY_ESC", 1),
        ("linux", "KEY_A", 30),
        ("linux", "KEY_LEFTSHIFT", 42),
        ("linux", "BTN_0", 0x100),
        ("os_x", "ANSI_A", 0x00),
        ("os_x", "Escape", 0x35),
        ("win32", "VK_ESCAPE", 0x1B),
        ("win32", "VK_A", 0x41),
        ("win32", "VK_CONTROL", 0x11),
        ("win32", "VK_OEM_5", 0xDC),
        ("win32", "VK_OEM_102", 0xE2),
    ],
)
def test_key_names(codeset: str, name: str, value: int) -> None:
    assert keycodes.name_value(codeset, name) == value
    assert keycodes.keycode_value(codeset, name) == value


@pytest.mark.parametrize(
    ("codeset", "name"),
    [
        # several rows share a Linux keycode: the last row's name is the table's
        ("linux", "KEY_SHIFT"),
        ("linux", "BTN_MISC"),
        ("win32", "VK_LCONTROL"),
        ("win32", "VK_HANGEUL"),
        # case matters
        ("linux", "key_a"),
        ("linux", "KEY_a"),
        ("win32", "vk_a"),
        # names belong to their codeset
        ("os_x", "KEY_A"),
        ("win32", "KEY_A"),
        ("linux", "VK_A"),
        # codesets without names
        ("xt", "KEY_A"),
        ("atset1", "KEY_A"),
        ("usb", "KEY_A"),
        ("qnum", "KEY_A"),
        ("bogus", "KEY_A"),
        ("linux", ""),
    ],
)
def test_unknown_key_names(codeset: str, name: str) -> None:
    assert keycodes.name_value(codeset, name) is None
    assert keycodes.keycode_value(codeset, name) is None


def test_numbers_win_over_names_and_are_not_checked_against_the_codeset() -> None:
    assert keycodes.keycode_value("xt", "0xe05b") == 0xE05B
    assert keycodes.keycode_value("linux", "0xffff") == 0xFFFF  # the driver judges it
    assert keycodes.keycode_value("linux", "0x10000") is None


def test_key_names_in_table_order_with_duplicates() -> None:
    linux = keycodes.key_names("linux")
    assert linux[:3] == ["KEY_RESERVED", "KEY_ESC", "KEY_1"]
    assert linux.index("KEY_A") < linux.index("KEY_Z") < linux.index("BTN_0")
    win32 = keycodes.key_names("win32")
    assert win32.count("VK_OEM_5") == 2 and win32.count("VK_OEM_102") == 2
    assert "ANSI_A" in keycodes.key_names("os_x")
    for codeset in ("xt", "atset1", "atset2", "atset3", "xt_kbd", "usb", "qnum", "bogus"):
        assert keycodes.key_names(codeset) == []


def test_the_name_tables_are_imported_only_when_needed() -> None:
    probe = (
        "import sys\n"
        "from vsh.virt import keycodes\n"
        "assert keycodes.keycode_value('linux', '30') == 30\n"
        "print('vsh.virt.keycodes_data' in sys.modules)\n"
        "keycodes.keycode_value('linux', 'KEY_A')\n"
        "print('vsh.virt.keycodes_data' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert proc.stdout.split() == ["False", "True"]
