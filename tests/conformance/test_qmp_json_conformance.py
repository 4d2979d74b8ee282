"""Differential tests: qemu-monitor-command's QMP wrapping, judged by libvirt's
JSON parser (yajl) as virsh judges it.

When the arguments cannot be wrapped into an object, virsh prints its own
line and then the parse error libvirt left behind: yajl's verbose message,
the text around the failure and the "(right here) ------^" pointer.  The
test driver has no QEMU monitor, so a wrapped command ends in "not
supported"; what is sent and printed on success is compared on the real
stack (tests/real/test_qmp_json.py).
"""

from __future__ import annotations

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"

LONG_KEY = '"' + "k" * 45 + '":1,x'

CASES = [
    "qemu-monitor-command test info info",
    "qemu-monitor-command test info 'a:1' 'b'",
    "qemu-monitor-command test x '\"a\":[1'",
    "qemu-monitor-command test x '\"a\":1,' '}'",
    "qemu-monitor-command test x 1",
    "qemu-monitor-command test x '\"a\":tru'",
    "qemu-monitor-command test x '\"a\":{}}'",
    "qemu-monitor-command test x ''",
    'qemu-monitor-command test x \'"a":"\\x"\'',
    "qemu-monitor-command test x '\"a\":1e'",
    "qemu-monitor-command test x 'éé'",
    # duplicate keys: libvirt's parser cancels at the second value
    "qemu-monitor-command test x '\"a\":1' '\"a\":2'",
    'qemu-monitor-command test x \'"a":{},"a":[]\'',
    'qemu-monitor-command test x \'"a":"b\\u0000c","a\\u0000d":1\'',  # keys end at NUL
    'qemu-monitor-command test \'{"execute":1,"execute":2}\'',
    "qemu-monitor-command test x '\"a\":NaN'",
    "qemu-monitor-command test x '\"a\":99999999999999999999999'",
    "qemu-monitor-command test x '/*c*/\"a\":1'",
    'qemu-monitor-command test x \'"a":"\x01"\'',
    'qemu-monitor-command test x \'"a":"\\ud800"\'',
    f"qemu-monitor-command test x '{LONG_KEY}'",  # the pointer's window scrolls
    "qemu-monitor-command test x '\"a\":\n1,\rx'",  # newlines shown as spaces
    "qemu-monitor-command --cmd info --pretty '--pass-fds=a b' --cmd=info --domain test",
    "qemu-monitor-command test --pretty --return-value x '{'",
]


@pytest.mark.parametrize("line", CASES)
def test_wrapping(line: str) -> None:
    assert_same(["-c", DEFAULT, line])
