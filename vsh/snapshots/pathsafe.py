"""Turn libvirt names (domains, snapshots) into safe, reversible path components.

A libvirt name can be almost any string: ``../etc``, ``a/b``, ``.hidden``,
``-rf``, names with NUL, newlines, quotes or emoji.  Such a name must never
become a path component as it is.  :func:`encode` maps every name to a
component that

* contains only ``A-Z a-z 0-9 - _ . + @`` and ``%``;
* never starts with ``.`` (so never ``.``, ``..`` or a hidden file) nor
  with ``-`` (so never an option to ``rm``, ``tar`` ...);
* can be turned back into the name with :func:`decode` (when not shortened,
  see below).

The escaping is percent-encoding of the name's UTF-8 bytes: each byte of a
character outside the safe set becomes ``%XX`` (upper-case hex), ``%``
itself becomes ``%25``, and a leading ``.`` or ``-`` becomes ``%2E``/``%2D``.
Raw bytes that reached Python as ``surrogateescape`` code points are encoded
as themselves, so even a name that is not valid UTF-8 round-trips.  Examples::

    dom0            -> dom0
    ../up           -> %2E.%2Fup
    a/b             -> a%2Fb
    .hidden         -> %2Ehidden
    web 1           -> web%201
    快照            -> %E5%BF%AB%E7%85%A7

A component is at most 255 bytes (NAME_MAX).  When the escaped name plus
its suffix would be longer, it is cut (never inside a ``%XX``) and ``~`` and
the first 16 hex digits of the name's SHA-256 are appended.  ``~`` is never
produced otherwise (it is escaped as ``%7E``), so such a component is
recognisably shortened; :func:`decode` refuses it.  Bundle files carry the
real names inside, so nothing depends on decoding file names.

Two names differing only in letter case give different components, which
collide on case-insensitive file systems; :func:`collision_key` lets callers
detect that.
"""

from __future__ import annotations

import hashlib

__all__ = [
    "BUNDLE_SUFFIX",
    "MAX_COMPONENT",
    "bundle_filename",
    "collision_key",
    "decode",
    "domain_from_filename",
    "encode",
    "is_shortened",
]

MAX_COMPONENT = 255  # NAME_MAX of Linux file systems, in bytes
BUNDLE_SUFFIX = ".snapshots.xml"
# ASCII letters and digits, spelt out: the string module costs a regex compile at import.
_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+@")
_LEADING_UNSAFE = frozenset(b".-")
_HASH_MARK = "~"
_HASH_HEX = 16


def _name_bytes(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


def _escape(data: bytes) -> str:
    out: list[str] = []
    for i, b in enumerate(data):
        if b in _SAFE and not (i == 0 and b in _LEADING_UNSAFE):
            out.append(chr(b))
        else:
            out.append(f"%{b:02X}")
    return "".join(out)


def encode(name: str, suffix: str = "", limit: int = MAX_COMPONENT) -> str:
    """The safe component for ``name`` followed by ``suffix`` (at most ``limit`` bytes).

    ``suffix`` must itself be safe (for example ``.snapshots.xml``); it is
    appended unescaped.  An empty name is refused (libvirt has none).
    """
    if not name:
        raise ValueError("an empty name has no path component")
    if any(b not in _SAFE for b in suffix.encode()):
        raise ValueError(f"unsafe suffix {suffix!r}")
    raw = _name_bytes(name)
    escaped = _escape(raw)
    room = limit - len(suffix.encode())
    if len(escaped) <= room:
        return escaped + suffix
    digest = hashlib.sha256(raw).hexdigest()[:_HASH_HEX]
    keep = room - len(_HASH_MARK) - _HASH_HEX
    if keep < 1:
        raise ValueError("suffix leaves no room for a name")
    cut = escaped[:keep]
    # Never end inside a %XX triplet.
    pct = cut.rfind("%", max(0, len(cut) - 2))
    if pct >= 0:
        cut = cut[:pct]
    return cut + _HASH_MARK + digest + suffix


def is_shortened(component: str) -> bool:
    """True for a component :func:`encode` had to shorten (not reversible)."""
    return _HASH_MARK in component


def decode(component: str, suffix: str = "") -> str:
    """The name :func:`encode` turned into ``component``; ValueError if none did."""
    if suffix:
        if not component.endswith(suffix):
            raise ValueError(f"{component!r} does not end in {suffix!r}")
        component = component[: -len(suffix)]
    if not component:
        raise ValueError("empty component")
    if is_shortened(component):
        raise ValueError(f"{component!r} is a shortened name and cannot be decoded")
    out = bytearray()
    i, n = 0, len(component)
    while i < n:
        ch = component[i]
        if ch == "%":
            hexpart = component[i + 1 : i + 3]
            if len(hexpart) != 2 or any(c not in "0123456789ABCDEF" for c in hexpart):
                raise ValueError(f"bad escape at offset {i} in {component!r}")
            out.append(int(hexpart, 16))
            i += 3
            continue
        b = ord(ch)
        if b > 0x7F or b not in _SAFE or (i == 0 and b in _LEADING_UNSAFE):
            raise ValueError(f"character {ch!r} cannot appear in an encoded name")
        out.append(b)
        i += 1
    name = bytes(out).decode("utf-8", "surrogateescape")
    if _escape(_name_bytes(name)) != component:
        # e.g. "%41" for "A": valid hex but not what encode() writes.
        raise ValueError(f"{component!r} is not in canonical form")
    return name


def bundle_filename(domain: str) -> str:
    """``<escaped domain>.snapshots.xml``: the file ``snapshot-export --all`` writes."""
    return encode(domain, BUNDLE_SUFFIX)


def domain_from_filename(filename: str) -> str | None:
    """The domain a bundle file name stands for, or None (shortened or foreign)."""
    try:
        return decode(filename, BUNDLE_SUFFIX)
    except ValueError:
        return None


def collision_key(component: str) -> str:
    """Key under which components collide on a case-insensitive file system."""
    return component.casefold()
