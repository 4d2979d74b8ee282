"""virsh's two-line failure report around a libvirt call.

virsh prints ``error: Failed to start domain 'x'`` and then the libvirt
error's own message on a second line.  Write it as::

    with failing(f"Failed to start domain '{name}'"):
        dom.create()

A :class:`libvirt.libvirtError` raised inside becomes
``VshError(*context, cause=err)``; the runner prints both lines and keeps the
error as the session's last one.  Anything else passes through untouched.
Build the context text before the call: it must not call libvirt itself.
"""

from __future__ import annotations

from types import TracebackType

import libvirt

from vsh.core.errors import VshError


class failing:  # a lower-case name: used like a context-manager function
    __slots__ = ("context",)

    def __init__(self, *context: str) -> None:
        self.context = context

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        typ: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(err, libvirt.libvirtError):
            raise VshError(*self.context, cause=err) from err
