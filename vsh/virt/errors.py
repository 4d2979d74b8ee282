"""What a libvirt error says about the connection (virsh's disconnect rule)."""

from __future__ import annotations

import libvirt


def is_disconnect(err: libvirt.libvirtError) -> bool:
    """True when the error says the hypervisor connection died (virsh's rule)."""
    code, domain = err.get_error_code(), err.get_error_domain()
    return (code == libvirt.VIR_ERR_SYSTEM_ERROR and domain == libvirt.VIR_FROM_REMOTE) or code in (
        libvirt.VIR_ERR_RPC,
        libvirt.VIR_ERR_NO_CONNECT,
        libvirt.VIR_ERR_INVALID_CONN,
    )
