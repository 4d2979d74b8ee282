"""lxc-enter-namespace on the QEMU stack: virsh's error and status, byte for byte."""

from __future__ import annotations

import pytest

from tests.real.util import needs, same

pytestmark = pytest.mark.real


@pytest.mark.real(timeout=120)
def test_lxc_enter_namespace_on_qemu(real_stack, guests):
    needs("lxc-enter-namespace")
    guests("lxc-q", start=True)
    guests("lxc-off")
    for args in (
        ("lxc-enter-namespace", "lxc-q", "/bin/true"),
        ("lxc-enter-namespace", "lxc-q", "--noseclabel", "--", "/bin/sh", "-c", "exit 3"),
        ("lxc-enter-namespace", "lxc-off", "/bin/true"),
        ("lxc-enter-namespace", "nope", "/bin/true"),
        ("lxc-enter-namespace", "lxc-q"),
    ):
        out = same(real_stack, *args)
        assert out.status == 1
    out = same(real_stack, "lxc-enter-namespace", "lxc-q", "/bin/true", readonly=True)
    assert out.status == 1
