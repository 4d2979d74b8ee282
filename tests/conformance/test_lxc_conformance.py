"""Differential tests: lxc-enter-namespace on a connection without LXC.

The test driver (and QEMU, tests/real/test_lxc.py) lack
virDomainLxcOpenNamespace: the command fails there after its argument
handling and domain look-up, with libvirt's "not supported" line and status 1.
The entering itself is unit-tested against a fake (tests/virt/test_lxcenter.py).
"""

from __future__ import annotations

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"


def test_help() -> None:
    assert_same(["-c", DEFAULT, "help lxc-enter-namespace; lxc-enter-namespace --help"])


@pytest.mark.parametrize(
    "line",
    [
        "lxc-enter-namespace test /bin/true",
        "lxc-enter-namespace test",
        "lxc-enter-namespace test --noseclabel",
        "lxc-enter-namespace nope /bin/true",
        "lxc-enter-namespace '' /bin/true",
        "lxc-enter-namespace test ''",
        "lxc-enter-namespace test --noseclabel -- /bin/sh -c 'exit 3'",
        "lxc-enter-namespace --cmd x test",
        "lxc-enter-namespace --domain test --cmd /bin/ls --cmd -l",
        "lxc-enter-namespace 1 a b c; lxc-enter-namespace 6695eb01-f6a4-8304-79aa-97f2502e193f x",
        "destroy test; lxc-enter-namespace test /bin/true",
        "lxc-enter-namespace test --noseclabel --noseclabel /bin/true",
    ],
)
def test_errors(line: str) -> None:
    assert_same(["-c", DEFAULT, line])


def test_readonly() -> None:
    assert_same(["-r", "-c", DEFAULT, "lxc-enter-namespace test /bin/true"])
