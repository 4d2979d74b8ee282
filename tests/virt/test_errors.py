"""vsh.virt.errors: which libvirt errors mean the connection died (virsh's rule)."""

from __future__ import annotations

import libvirt
import pytest

from vsh.virt.errors import is_disconnect


def lv_error(code: int, domain: int) -> libvirt.libvirtError:
    err = libvirt.libvirtError("x")
    err.err = (code, domain, "x", 2, None, None, None, 0, 0)
    return err


@pytest.mark.parametrize(
    ("code", "domain", "disconnect"),
    [
        (libvirt.VIR_ERR_NO_CONNECT, libvirt.VIR_FROM_NONE, True),
        (libvirt.VIR_ERR_INVALID_CONN, libvirt.VIR_FROM_NONE, True),
        (libvirt.VIR_ERR_RPC, libvirt.VIR_FROM_RPC, True),
        (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_REMOTE, True),
        (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_NONE, False),
        (libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_FROM_TEST, False),
    ],
)
def test_is_disconnect(code: int, domain: int, disconnect: bool) -> None:
    assert is_disconnect(lv_error(code, domain)) is disconnect
