"""Shared, libvirt-free logic of the snapshot and checkpoint commands.

Snapshots and checkpoints are both "moments" (libvirt's own word): named
points in a domain's history, linked to a parent.  The commands in
``vsh/commands/snapshot.py`` and ``vsh/commands/checkpoint.py`` talk to
libvirt; everything here is pure, so it can be tested without a server:

* a fast, safe scanner for the few top-level fields of a moment's XML;
* virsh's name order (``strcasecmp``), the client-side topological order
  used when a server rejects the TOPOLOGICAL listing flag, and the
  ``--tree`` layout (iterative, any depth);
* creation times as virsh prints them, and as ISO 8601 for JSON;
* the XML documents ``snapshot-create-as`` / ``checkpoint-create-as`` build;
* a few tests on a moment's XML (disk-snapshot state, UTF-8).

Reading an XML file the way virsh does is :func:`vsh.core.vshutil.read_file_all`.

XML scanning
------------
virsh parses each moment's whole XML with libxml2 to read four values.
Moment XML comes from libvirt's own formatter, where the top-level fields
(``name``, ``description``, ``state``, ``parent``, ``creationTime``,
``memory``, ``disks``) all precede the embedded ``<domain>``, which is
most of the document.  :func:`scan` therefore cuts the text at the first
``<domain`` element and reads the fields with anchored regular
expressions.  Nothing is ever expanded: no DTD, no external or custom
entities, only the five predefined entities and character references are
decoded, so hostile XML cannot make the scan expensive or reach outside.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from vsh.core.errors import VshError
from vsh.core.record import Record
from vsh.core.vshutil import split_commas
from vsh.output.tree import render_tree

# virDomainSnapshotListFlags
SNAP_LIST_DESCENDANTS = 1 << 0
SNAP_LIST_ROOTS = 1 << 0
SNAP_LIST_METADATA = 1 << 1
SNAP_LIST_LEAVES = 1 << 2
SNAP_LIST_NO_LEAVES = 1 << 3
SNAP_LIST_NO_METADATA = 1 << 4
SNAP_LIST_INACTIVE = 1 << 5
SNAP_LIST_ACTIVE = 1 << 6
SNAP_LIST_DISK_ONLY = 1 << 7
SNAP_LIST_INTERNAL = 1 << 8
SNAP_LIST_EXTERNAL = 1 << 9
SNAP_LIST_TOPOLOGICAL = 1 << 10
SNAP_FILTERS_STATUS = SNAP_LIST_INACTIVE | SNAP_LIST_ACTIVE | SNAP_LIST_DISK_ONLY
SNAP_FILTERS_LOCATION = SNAP_LIST_INTERNAL | SNAP_LIST_EXTERNAL

# virDomainCheckpointListFlags
CHK_LIST_ROOTS = 1 << 0
CHK_LIST_DESCENDANTS = 1 << 0
CHK_LIST_TOPOLOGICAL = 1 << 1
CHK_LIST_LEAVES = 1 << 2
CHK_LIST_NO_LEAVES = 1 << 3


# ---------------------------------------------------------------------------
# Ordering
# ---------------------------------------------------------------------------


def sort_key(name: str) -> bytes:
    """virsh's ``strcasecmp`` order: bytes with only ASCII letters folded.

    In a UTF-8 (or C) locale glibc folds no byte above 0x7f, so "ünï"
    sorts after "x"; Python's sort is stable like glibc's merge sort.
    """
    return name.encode("utf-8", "surrogateescape").lower()


def sort_by_name(entries: list[Entry]) -> list[Entry]:
    """virsh's ``qsort`` of a listing by name (see :func:`sort_key`)."""
    entries.sort(key=lambda e: sort_key(e.name))
    return entries


def parents_first(entries: Sequence[Entry]) -> list[Entry]:
    """Client-side TOPOLOGICAL order: parents before children.

    Used when the server rejects the TOPOLOGICAL flag (libvirt < 5.2).
    Depth-first like a modern server's own listing (each subtree in one
    run), with roots and siblings in the server's order; a parent outside
    the list (``--from X``: X itself) makes its children roots.
    """
    from vsh.snapshots import graph

    by_name = {e.name: e for e in entries}
    order = graph.preorder(list(by_name), {e.name: e.parent for e in entries})
    return [by_name[n] for n in order]


class Entry:
    """One listed moment: its name, libvirt object and parent name (if known)."""

    __slots__ = ("name", "obj", "parent")

    def __init__(self, name: str, obj: object = None, parent: str | None = None) -> None:
        self.name = name
        self.obj = obj
        self.parent = parent

    def __repr__(self) -> str:
        return f"Entry({self.name!r}, parent={self.parent!r})"


def print_tree(entries: Sequence[Entry], write: Callable[[str], None]) -> None:
    """virsh's ``--tree``: one tree per parentless entry, in list order.

    Children are the entries naming a node as parent, in list order; an
    entry whose parent is neither None nor listed is never shown (as in
    virsh, which only walks down from the roots).  Iterative.
    """
    roots: list[str] = []
    children: dict[str, list[str]] = {}
    for e in entries:
        if e.parent is None:
            roots.append(e.name)
        else:
            children.setdefault(e.parent, []).append(e.name)
    render_tree(roots, lambda n: children.get(n, ()), write)


def tree_order(entries: Sequence[Entry]) -> list[Entry]:
    """The entries in the order ``--tree`` prints them (depth-first)."""
    by_name = {e.name: e for e in entries}
    children: dict[str, list[str]] = {}
    for e in entries:
        if e.parent is not None:
            children.setdefault(e.parent, []).append(e.name)
    out: list[Entry] = []
    for e in entries:
        if e.parent is not None:
            continue
        stack = [e.name]
        while stack:
            name = stack.pop()
            out.append(by_name[name])
            stack.extend(reversed(children.get(name, ())))
    return out


def family_counts(
    names: Sequence[str], parent_of: Mapping[str, str | None]
) -> tuple[dict[str, int], dict[str, int]]:
    """(children, descendants) counts of every name, from parent links. O(n log n)."""
    from vsh.snapshots import graph

    kids = dict.fromkeys(names, 0)
    desc = dict.fromkeys(names, 0)
    for name in reversed(graph.topological_order(names, parent_of)):
        parent = parent_of.get(name)
        if parent is not None and parent in kids and parent != name:
            kids[parent] += 1
            desc[parent] += desc[name] + 1
    return kids, desc


# ---------------------------------------------------------------------------
# XML scanning
# ---------------------------------------------------------------------------

_DOMAIN_START = re.compile(r"<domain[\s/>]")
_NAME = re.compile(r"<name>([^<]*)</name>")
_STATE = re.compile(r"<state>([^<]*)</state>")
_PARENT = re.compile(r"<parent>\s*<name>([^<]*)</name>")
_CREATION = re.compile(r"<creationTime>([^<]*)</creationTime>")
_DESCRIPTION = re.compile(r"<description>([^<]*)</description>")
_MEMORY = re.compile(r"<memory\b([^>]*)>")
_EXTERNAL_DISK = re.compile(r"<disk\b[^>]*\bsnapshot=(['\"])external\1")
_EXTERNAL_ATTR = re.compile(r"\bsnapshot=(['\"])external\1")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _entity(m: re.Match[str]) -> str:
    ref = m.group(1)
    if ref[0] != "#":
        return _ENTITIES[ref]
    try:
        return chr(int(ref[2:], 16) if ref[1] == "x" else int(ref[1:]))
    except (ValueError, OverflowError):
        return m.group(0)


def _text(m: re.Match[str] | None) -> str | None:
    """Element text as XPath ``string()`` gives it; None when absent or empty."""
    if m is None:
        return None
    raw = m.group(1)
    if "&" in raw:
        raw = _ENTITY.sub(_entity, raw)
    return raw or None


def _prefix_end(xml: str) -> int:
    m = _DOMAIN_START.search(xml, 1)
    return m.start() if m else len(xml)


class Facts(Record):
    """The top-level fields of a moment's XML (None: absent or empty)."""

    name: str | None
    state: str | None
    parent: str | None
    creation: str | None
    description: str | None
    has_memory: bool
    external: bool

    @property
    def location(self) -> str:
        """snapshot-info's Location rule (see :func:`scan`)."""
        return "external" if self.external else "internal"


def scan(xml: str) -> Facts:
    """Read a moment's top-level fields without parsing the embedded domain.

    ``external`` follows snapshot-info: with a ``<memory>`` element, any
    ``snapshot='external'`` on it or on a ``<disks><disk>``; without one
    (XML older than libvirt 1.0.1), a state of ``disk-snapshot``.
    """
    end = _prefix_end(xml)
    state = _text(_STATE.search(xml, 0, end))
    memory = _MEMORY.search(xml, 0, end)
    if memory is not None:
        external = bool(
            _EXTERNAL_ATTR.search(memory.group(1)) or _EXTERNAL_DISK.search(xml, 0, end)
        )
    else:
        external = state == "disk-snapshot"
    return Facts(
        name=_text(_NAME.search(xml, 0, end)),
        state=state,
        parent=_text(_PARENT.search(xml, 0, end)),
        creation=_text(_CREATION.search(xml, 0, end)),
        description=_text(_DESCRIPTION.search(xml, 0, end)),
        has_memory=memory is not None,
        external=external,
    )


def row_fields(xml: str, want_parent: bool) -> tuple[str, str, str | None] | None:
    """(state, creationTime text, parent) for a table row, or None to skip it.

    The hot path of ``snapshot-list``: only what the row needs is read.
    """
    end = _prefix_end(xml)
    state = _text(_STATE.search(xml, 0, end))
    if state is None:
        return None
    creation = _text(_CREATION.search(xml, 0, end))
    parent = _text(_PARENT.search(xml, 0, end)) if want_parent else None
    return state, creation or "", parent


def parent_from_xml(xml: str) -> str | None:
    """``string(/domainsnapshot/parent/name)``, as virsh's old-server fallback reads it."""
    return _text(_PARENT.search(xml, 0, _prefix_end(xml)))


# ---------------------------------------------------------------------------
# Creation times
# ---------------------------------------------------------------------------

_LLONG_MIN, _LLONG_MAX = -(2**63), 2**63 - 1


def parse_llong(text: str) -> int | None:
    """virXPathLongLong on a string: the whole text, base 10, blanks first allowed."""
    s = text.lstrip(" \t\n\v\f\r")
    digits = s[1:] if s[:1] in "+-" else s
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    value = int(s)
    return value if _LLONG_MIN <= value <= _LLONG_MAX else None


def local_time(seconds: int) -> str | None:
    """``%Y-%m-%d %H:%M:%S %z`` in the local zone (GLib's), None when out of range."""
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(seconds))
    except (OverflowError, OSError, ValueError):
        return None


def iso_time(seconds: int) -> str | None:
    """ISO 8601 with the local offset, for JSON; None when out of range."""
    from datetime import datetime

    try:
        return datetime.fromtimestamp(seconds).astimezone().isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def table_time(creation: str) -> str | None:
    """The Creation Time cell for a creationTime text, or None to skip the row."""
    seconds = parse_llong(creation)
    return None if seconds is None else local_time(seconds)


# ---------------------------------------------------------------------------
# XML building (snapshot-create-as, checkpoint-create-as)
# ---------------------------------------------------------------------------

_XML_ESCAPES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;"}
_XML_DROPPED = frozenset(chr(c) for c in range(1, 0x20)) - {"\t", "\n", "\r"}
_NEEDS_ESCAPE = re.compile("[<>&\"'\x01-\x08\x0b\x0c\x0e-\x1f]")


def xml_escape(text: str) -> str:
    """virBufferEscapeString: escape ``<>&"'``, drop other control characters."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    return "".join(_XML_ESCAPES.get(ch, "" if ch in _XML_DROPPED else ch) for ch in text)


def _take(token: str, key: str, seen: dict[str, str]) -> bool:
    """Claim ``key=value`` for a key not yet seen (virsh's STRPREFIX chain)."""
    prefix = key + "="
    if key not in seen and token.startswith(prefix):
        seen[key] = token[len(prefix) :]
        return True
    return False


def memspec_xml(spec: str) -> str:
    """The ``<memory .../>`` line of a ``--memspec``, or virsh's error."""
    seen: dict[str, str] = {}
    for token in split_commas(spec):
        if _take(token, "snapshot", seen) or _take(token, "file", seen):
            continue
        if "file" not in seen and token.startswith("/"):
            seen["file"] = token
            continue
        raise VshError(f"unable to parse memspec: {spec}")
    out = "  <memory"
    if "snapshot" in seen:
        out += f" snapshot='{xml_escape(seen['snapshot'])}'"
    if "file" in seen:
        out += f" file='{xml_escape(seen['file'])}'"
    return out + "/>\n"


def _disk_open(tokens: list[str] | None, indent: str) -> str:
    """``<disk name='N'`` (nothing at all for virsh's NULL name of an empty spec)."""
    if tokens is None:
        return ""
    return f"{indent}<disk name='{xml_escape(tokens[0])}'"


def snapshot_diskspec_xml(spec: str) -> str:
    """One ``<disk>`` of a snapshot ``--diskspec``, or virsh's error(s)."""
    tokens = split_commas(spec) if spec else None
    seen: dict[str, str] = {}
    for token in (tokens or [])[1:]:
        if not any(_take(token, k, seen) for k in ("snapshot", "driver", "stype", "file")):
            raise VshError(f"unable to parse diskspec: {spec}")
    indent = "    "
    out = _disk_open(tokens, indent)
    if "snapshot" in seen:
        out += f" snapshot='{seen['snapshot']}'"
    is_file = True
    if "stype" in seen:
        stype = seen["stype"]
        if stype == "block":
            is_file = False
        elif stype != "file":
            raise VshError(f"Unknown storage type: '{stype}'", f"unable to parse diskspec: {spec}")
        out += f" type='{stype}'"
    if "driver" not in seen and "file" not in seen:
        return out + ("/>\n" if out else indent + "/>\n")
    out += ">\n" if out else indent + ">\n"
    if "driver" in seen:
        out += f"{indent}  <driver type='{seen['driver']}'/>\n"
    if "file" in seen:
        attr = "file" if is_file else "dev"
        out += f"{indent}  <source {attr}='{xml_escape(seen['file'])}'/>\n"
    return out + f"{indent}</disk>\n"


def checkpoint_diskspec_xml(spec: str) -> str:
    """One ``<disk .../>`` of a checkpoint ``--diskspec``, or virsh's error."""
    tokens = split_commas(spec) if spec else None
    seen: dict[str, str] = {}
    for token in (tokens or [])[1:]:
        if not any(_take(token, k, seen) for k in ("checkpoint", "bitmap")):
            raise VshError(f"unable to parse diskspec: {spec}")
    indent = "    "
    out = _disk_open(tokens, indent)
    if "checkpoint" in seen:
        out += f" checkpoint='{seen['checkpoint']}'"
    if "bitmap" in seen:
        out += f" bitmap='{seen['bitmap']}'"
    return out + ("/>\n" if out else indent + "/>\n")


def _document(
    root: str,
    name: str | None,
    description: str | None,
    middle: str,
    disks: Iterable[str],
    disk_xml: Callable[[str], str],
) -> str:
    out = [f"<{root}>\n"]
    if name is not None:
        out.append(f"  <name>{xml_escape(name)}</name>\n")
    if description is not None:
        out.append(f"  <description>{xml_escape(description)}</description>\n")
    out.append(middle)
    specs = list(disks)
    if specs:
        out.append("  <disks>\n")
        out.extend(disk_xml(spec) for spec in specs)
        out.append("  </disks>\n")
    out.append(f"</{root}>\n")
    return "".join(out)


def snapshot_xml(
    name: str | None,
    description: str | None,
    memspec: str | None,
    diskspecs: Sequence[str],
) -> str:
    """The ``<domainsnapshot>`` document snapshot-create-as sends (or prints)."""
    memory = memspec_xml(memspec) if memspec is not None else ""
    return _document("domainsnapshot", name, description, memory, diskspecs, snapshot_diskspec_xml)


def checkpoint_xml(name: str | None, description: str | None, diskspecs: Sequence[str]) -> str:
    """The ``<domaincheckpoint>`` document checkpoint-create-as sends (or prints)."""
    return _document("domaincheckpoint", name, description, "", diskspecs, checkpoint_diskspec_xml)


# ---------------------------------------------------------------------------
# XML checks
# ---------------------------------------------------------------------------


def has_disk_snapshot_state(xml: str) -> bool:
    """virsh's ``strstr(xml, "<state>disk-snapshot</state>")`` test."""
    return "<state>disk-snapshot</state>" in xml


def utf8_error(text: str, url: str) -> str | None:
    """The server's error for XML that is not UTF-8, or None if it is.

    libvirt-python cannot send such bytes (the file is read with
    ``surrogateescape``), so the error libxml2 would raise on the server is
    reproduced here: libvirt's catchXMLError layout around the first bad
    byte, with libxml2's "Bytes:" line when four bytes remain.
    """
    data = text.encode("utf-8", "surrogateescape")
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        cur = exc.start
    message = "Input is not proper UTF-8, indicate encoding !\n"
    if len(data) - cur >= 4:
        message += "Bytes: " + " ".join(f"0x{b:02X}" for b in data[cur : cur + 4]) + "\n"
    line = data.count(b"\n", 0, cur) + 1
    start = cur
    while start > 0 and data[start - 1 : start] not in (b"\n", b"\r"):
        start -= 1
    end = start
    while end < len(data) and data[end : end + 1] not in (b"\n", b"\r", b"\0"):
        end += 1
    context = data[start:end]
    pointer = "".join("\t" if b == 9 else "-" for b in context[: cur - start]) + "^"
    shown = context.decode("utf-8", "surrogateescape")
    return f"{url}:{line}: {message}{shown}\n{pointer}"
