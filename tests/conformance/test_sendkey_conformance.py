"""Differential tests: send-key against /usr/bin/virsh on test:///default.

The test driver accepts a keycode when it appears in the codeset's code
table (keycodemapdb) and rejects it with an internal error otherwise, so
these cases reach both virsh's own checks (codeset, holdtime, keycode words,
the 16-key limit) and the driver's.  Every expectation is virsh's output.
"""

from __future__ import annotations

import pytest

from tests.conformance.harness import assert_same, both

DEFAULT = "test:///default"
UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"
SIXTEEN = " ".join(str(n) for n in range(1, 17))


def test_help() -> None:
    assert_same(["-c", DEFAULT, "help send-key; send-key --help"])


@pytest.mark.parametrize(
    "words",
    [
        # linux names (the default codeset), case-sensitive
        "KEY_A",
        "KEY_LEFTCTRL KEY_LEFTALT KEY_DELETE",
        "key_a",
        "KEY_a",
        "Key_A",
        "bogus",
        "KEY_A bogus KEY_B",
        "''",
        # two names for one Linux keycode: only the last row's name is known
        "KEY_LEFTSHIFT",
        "KEY_SHIFT",
        "BTN_0",
        "BTN_MISC",
        # numbers: C notation up to 0xffff, then the driver's own check
        "30",
        "0x1e 0X1E 036 +30",
        "' 30'",
        "'30 '",
        "0",
        "08",
        "0x",
        "0x0x1",
        "00o7",
        "1_0",
        "-- -1",
        "-- -0",
        "0x2fe",
        "0x2ff",
        "767",
        "0xffff",
        "0x10000",
        "65536",
        "4294967296",
        "99999999999999999999",
    ],
)
def test_keycode_words(words: str) -> None:
    assert_same(["-c", DEFAULT, f"send-key test {words}"])


@pytest.mark.parametrize(
    "args",
    [
        # every codeset by name, with numbers it has and has not
        "--codeset linux 30 KEY_A",
        "--codeset xt 30 0xe05b",
        "--codeset xt 0x7f",
        "--codeset atset1 0x1e 0xe05b",
        "--codeset atset2 0x1c 0xe01f",
        "--codeset atset3 0x1c",
        "--codeset os_x 0x0 0xff",
        "--codeset xt_kbd 0x1e 0x15b",
        "--codeset usb 4",
        "--codeset usb 0x300",
        "--codeset win32 0x41",
        "--codeset win32 0xffff",
        "--codeset qnum 0x1e 0xdb",
        "--codeset rfb 0x54",
        # names exist for linux, os_x and win32 only
        "--codeset os_x ANSI_A kVK_ANSI_A",
        "--codeset os_x ANSI_A Escape Command Shift",
        "--codeset os_x KEY_A",
        "--codeset win32 VK_A VK_RETURN",
        "--codeset win32 VK_OEM_5 VK_OEM_102",
        "--codeset win32 VK_CONTROL",
        "--codeset win32 VK_LCONTROL",
        "--codeset win32 vk_a",
        "--codeset win32 KEY_A",
        "--codeset xt KEY_A",
        "--codeset atset1 KEY_A",
        "--codeset usb KEY_A",
        "--codeset qnum KEY_A",
        "--codeset rfb KEY_A",
        # unknown codesets: exact, case-sensitive names
        "--codeset bogus KEY_A",
        "--codeset LINUX KEY_A",
        "--codeset Linux KEY_A",
        "--codeset osx KEY_A",
        "--codeset xtkbd 30",
        "--codeset bogus bogus",
        "--codeset '' KEY_A",
        "--codeset=win32 VK_A",
    ],
)
def test_codesets(args: str) -> None:
    assert_same(["-c", DEFAULT, f"send-key test {args}"])


@pytest.mark.parametrize(
    "args",
    [
        SIXTEEN,
        f"{SIXTEEN} 17",
        f"{SIXTEEN} bogus",
        f"bogus {SIXTEEN}",
        " ".join(["KEY_A"] * 15 + ["bogus"]),
        " ".join(["KEY_A"] * 16),
        " ".join(["KEY_A"] * 17),
    ],
)
def test_key_count(args: str) -> None:
    assert_same(["-c", DEFAULT, f"send-key test {args}"])


HOLDTIMES = ["0", "100", "' 5'", "+7", "2147483647", "2147483648", "4294967295"]
BAD_HOLDTIMES = ["4294967296", "-1", "-0", "''", "x", "1.5", "0x10", "10ms"]


@pytest.mark.parametrize("value", [*HOLDTIMES, *BAD_HOLDTIMES])
def test_holdtime(value: str) -> None:
    assert_same(["-c", DEFAULT, f"send-key test --holdtime {value} KEY_A"])


@pytest.mark.parametrize(
    "script",
    [
        # virsh's order: domain, holdtime, codeset, keycodes, then the driver
        "send-key test --holdtime x --codeset bogus KEY_A",
        "send-key test --codeset bogus --holdtime x bogus",
        "send-key nosuch --holdtime x --codeset bogus bogus",
        "send-key test --codeset bogus 0xffff",
        # option forms
        "send-key --keycode KEY_A --domain test --keycode KEY_B",
        "send-key test --keycode=KEY_A",
        "send-key --domain=test KEY_A",
        "send-key test KEY_A --holdtime 1 --holdtime 2",
        "send-key test --codeset a --codeset b KEY_A",
        "send-key test --holdtime",
        "send-key test --bogus KEY_A",
        # missing arguments
        "send-key test",
        "send-key",
        "send-key --codeset linux test",
        "send-key --holdtime 5",
        # domains
        "send-key nosuch KEY_A",
        "send-key nosuch bogus",
        "send-key 1 KEY_A",
        f"send-key {UUID} KEY_A",
        "send-key ''  KEY_A",
        "destroy test; send-key test KEY_A",
        "destroy test; send-key test bogus",
        "destroy test; send-key test 0xffff",
        "suspend test; send-key test KEY_A",
        "send-key test KEY_A; send-key test 0xffff; send-key test KEY_B",
    ],
)
def test_scripts(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize("flag", ["-r", "-q", "-d0"])
@pytest.mark.parametrize(
    "script",
    [
        "send-key test KEY_A",
        "send-key test bogus",
        "send-key test --holdtime 5 --codeset win32 VK_A 0x41",
        "destroy test; send-key test KEY_A",
    ],
)
def test_global_options(flag: str, script: str) -> None:
    assert_same([flag, "-c", DEFAULT, script])


@pytest.mark.parametrize(
    "script",
    [
        "complete -- send-key test --codeset ''",
        "complete -- send-key test --codeset l",
        "complete -- send-key test --codeset=",
        "complete -- send-key test KEY_Z",
        "complete -- send-key test KEY_A KEY_Z",
        "complete -- send-key test --keycode KEY_Z",
        "complete -- send-key test --codeset linux KEY_Z",
        "complete -- send-key test --codeset os_x ANSI_Z",
        "complete -- send-key --codeset=os_x test A",
        "complete -- send-key test --codeset win32 VK_OEM_",
        "complete -- send-key test --codeset xt K",
        "complete -- send-key test --codeset rfb K",
        "complete -- send-key test --codeset bogus K",
        "complete -- send-key test --codeset '' KEY_Z",
        "complete -- send-key test KEY_A ''",
        "complete -- send-key test --codeset win32 ''",
        "complete -- send-key test --holdtime ''",
    ],
)
def test_completion(script: str) -> None:
    """virsh lists names in table order (duplicates kept); compared as sorted lines."""
    expected, actual = both(["-q", "-c", DEFAULT, script])
    assert actual.err == expected.err, script
    assert sorted(actual.out.splitlines()) == sorted(expected.out.splitlines()), script
    assert actual.status == expected.status, script
