"""A domain's checkpoints through libvirt: listing them parents first, and
:class:`vsh.snapshots.checkpointredefine.Target` for redefining them."""

from __future__ import annotations

import libvirt

from vsh.core.errors import libvirt_message
from vsh.snapshots.checkpointredefine import Target
from vsh.snapshots.redefine import TargetError
from vsh.virt.errors import is_disconnect
from vsh.virt.snapshotstore import is_test_driver

_REDEFINE = libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE
_VALIDATE = libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE
_METADATA_ONLY = libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY
XML_SECURE = libvirt.VIR_DOMAIN_CHECKPOINT_XML_SECURE


def parents_first(dom: libvirt.virDomain) -> list[libvirt.virDomainCheckpoint]:
    """Every checkpoint of ``dom``, each after its parent."""
    return list(dom.listAllCheckpoints(libvirt.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL))


def parent_name(chk: libvirt.virDomainCheckpoint) -> str | None:
    try:
        return str(chk.getParent(0).getName())
    except libvirt.libvirtError as err:
        if err.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_CHECKPOINT:
            return None  # a root
        raise


def existing(dom: libvirt.virDomain) -> dict[str, str | None]:
    """``name -> parent`` of the checkpoints ``dom`` has."""
    return {chk.getName(): parent_name(chk) for chk in dom.listAllCheckpoints(0)}


class CheckpointTarget(Target):
    """Checkpoints redefined on one libvirt domain.  With ``validate`` the
    daemon checks that each checkpoint's bitmaps exist in the running
    guest's images (libvirt can only check a running guest, and the test
    driver knows no such flag)."""

    def __init__(self, conn: libvirt.virConnect, dom: libvirt.virDomain) -> None:
        self.dom = dom
        self.is_test = is_test_driver(conn)
        self.flags = _REDEFINE | (_VALIDATE if dom.isActive() and not self.is_test else 0)

    def define(self, xml: str) -> None:
        try:
            self.dom.checkpointCreateXML(xml, self.flags)
        except libvirt.libvirtError as err:
            raise TargetError(libvirt_message(err), fatal=is_disconnect(err)) from None

    def remove(self, name: str) -> None:
        try:
            self.dom.checkpointLookupByName(name, 0).delete(_METADATA_ONLY)
        except libvirt.libvirtError as err:
            raise TargetError(libvirt_message(err), fatal=is_disconnect(err)) from None
