"""A domain's XML for commands: parsing for virsh's XPath look-ups, and
libvirt's own wording when a file is not UTF-8.

Look-ups go through :mod:`vsh.virt.xpathdump`, the system libxml2 that virsh
uses, loaded only when needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libvirt

from vsh.core.errors import VshError

if TYPE_CHECKING:
    from vsh.virt.xpathdump import Node


def utf8_problem(text: str, docname: str = "(domain_definition)") -> str | None:
    """libvirt's XML error for text that is not UTF-8 (libvirt parses it as UTF-8
    whatever it declares), or None.  The text comes from :func:`read_file_all`,
    invalid bytes as surrogate escapes; virsh shows the raw byte in the context
    line, vsh a U+FFFD (Python text streams cannot write a lone byte).
    """
    bad = next((i for i, ch in enumerate(text) if 0xDC80 <= ord(ch) <= 0xDCFF), None)
    if bad is None:
        return None
    raw = text.encode("utf-8", "surrogateescape")
    offset = len(text[:bad].encode("utf-8", "surrogateescape"))
    line = raw.count(b"\n", 0, offset) + 1
    four = raw[offset : offset + 4].ljust(4, b"\0")
    start = max(raw.rfind(b"\n", 0, offset), raw.rfind(b"\r", 0, offset)) + 1
    end = len(raw)
    for stop in (b"\n", b"\r", b"\0"):
        found = raw.find(stop, offset)
        if found >= 0:
            end = min(end, found)
    context = raw[start:end]
    pointer = "".join("\t" if b == 0x09 else "-" for b in context[: offset - start]) + "^"
    return (
        f"{docname}:{line}: Input is not proper UTF-8, indicate encoding !\n"
        f"Bytes: {' '.join(f'0x{b:02X}' for b in four)}\n"
        f"{context.decode('utf-8', 'replace')}\n{pointer}"
    )


def parse_xml(text: str) -> Node | None:
    """Parse a domain's XML for virsh's XPath look-ups (virXMLParseStringCtxt).

    Returns the root element, whose ``xpath()`` evaluates with libxml2 (no
    network, no DTD, no entity substitution), or None when the text is not
    well formed.
    """
    from vsh.virt import xpathdump

    return xpathdump.parse(text)


def domain_xml(dom: libvirt.virDomain, flags: int = 0) -> Node:
    """virshDomainGetXMLFromDom: the domain's XML parsed, or virsh's errors."""
    try:
        desc = dom.XMLDesc(flags)
    except libvirt.libvirtError as err:
        raise VshError("Failed to get domain description xml", cause=err) from err
    root = parse_xml(desc)
    if root is None:
        raise VshError("Failed to parse domain description xml")
    return root


def find_disk(doc: str, path: str, *, changeable: bool = False) -> Node:
    """virshFindDisk: the first ``<disk>`` whose target or source (file, dev, dir
    or name) is ``path``; with ``changeable``, only CD-ROMs, floppies and disks
    without a device attribute are candidates.  virsh's errors otherwise."""
    root = parse_xml(doc)
    disks = root.nodes("/domain/devices/disk") if root is not None else []
    if not disks:
        raise VshError("Failed to get disk information")
    for disk in disks:
        device = disk.string("string(@device)") if disk.xpath("boolean(@device)") else None
        if changeable and device not in (None, "cdrom", "floppy"):
            continue
        # virXMLPropString: an attribute present but empty still matches "".
        names = [
            disk.string(f"string(./source[1]/@{attr})")
            for attr in ("file", "dev", "dir", "name")
            if disk.xpath(f"boolean(./source[1]/@{attr})")
        ]
        # virXPathString: an empty target is no target.
        target = disk.string("string(./target/@dev)") or None
        if path == target or path in names:
            return disk
    raise VshError(f"No disk found whose source path or target is {path}")


EJECT, INSERT, UPDATE = "eject", "insert", "update"


def changed_media_xml(
    disk: Node, source: str | None, block: bool, path: str, action: str
) -> str | None:
    """virshUpdateDiskXML: the disk's XML (without its backing chain) with its
    media ejected, inserted or replaced, serialised as virsh does; virsh's
    errors for a disk that is not removable, has no media to eject or already
    has media to insert over."""
    device = disk.string("string(@device)") if disk.xpath("boolean(@device)") else None
    if device not in ("cdrom", "floppy"):
        raise VshError(f"The disk device '{path}' is not removable")
    has_source = bool(disk.nodes("./source[1]"))
    if action == EJECT:
        if not has_source:
            raise VshError(f"The disk device '{path}' doesn't have media")
        block, source = False, None
    elif source is None:
        raise VshError("New disk media source was not specified")
    policy = None
    if has_source:
        present = any(
            disk.xpath(f"boolean(./source[1]/@{attr})")
            for attr in ("file", "dev", "dir", "pool", "name")
        )
        if present and action == INSERT:
            raise VshError(f"The disk device '{path}' already has media")
        if disk.xpath("boolean(./source[1]/@startupPolicy)"):
            policy = disk.string("string(./source[1]/@startupPolicy)")
    from vsh.virt import xpathdump

    new = None if source is None else ("dev" if block else "file", source)
    return xpathdump.replace_source(disk, "block" if block else "file", new, policy)
