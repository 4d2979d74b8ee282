"""The snapshot bundle format: a streaming writer and a hardened streaming reader.

A bundle is one UTF-8 XML document holding a domain's whole snapshot tree::

    <?xml version='1.0' encoding='UTF-8'?>
    <!-- vsh snapshot bundle: restore with vsh snapshot-redefine DOMAIN FILE -->
    <snapshots version='1' domain='dom0' uuid='c7a1...' current='snap-9'
               count='10' security-info='no' created='2026-11-26T11:00:00Z'
               generator='vsh 0.1.0'>
    <domainsnapshot>
      <name>snap-0</name>
      ... exactly what virDomainSnapshotGetXMLDesc returned,
          embedded <domain> included ...
    </domainsnapshot>
    <domainsnapshot>
      ...
    </domainsnapshot>
    </snapshots>

* ``domain``/``uuid`` name the exported domain, ``current`` its current
  snapshot (absent when it had none).  ``version`` is the format version
  (``1``; a reader refuses others).  ``count``, ``security-info``,
  ``created`` and ``generator`` are informative.  Only ``<domainsnapshot>``
  elements may appear inside ``<snapshots>``; they come parents first.
* A bundle may also carry the domain's checkpoints (``migrate
  --with-checkpoints`` journals them): ``<domaincheckpoint>`` elements,
  verbatim as virDomainCheckpointGetXMLDesc returned them, after the
  snapshots, parents first; the root then says ``checkpoints='N'``.
* Every ``<domainsnapshot>`` is the server's XML *verbatim* (not re-indented,
  so whitespace inside ``<description>`` survives), which keeps the bundle
  diffable against ``snapshot-dumpxml`` output.  A single
  ``snapshot-dumpxml`` file (root ``<domainsnapshot>``) is read by the same
  reader, as a one-snapshot document without domain or current.

Reading is two-pass and memory-bounded.  :func:`scan` parses the document
with expat, hardened as defusedxml's expat reader is (document type
declarations, entities and external references are refused, so entity
expansion bombs never start), records for each snapshot only what planning
needs (name, parent, state, embedded domain name/UUID) plus the byte range
of its element and a digest of those bytes.  :meth:`SnapshotRecord.load`
later reads exactly that range again and checks the digest, so at most one
snapshot's XML is in memory at a time and the text handed to libvirt is
byte-for-byte the exported one.  Standard input is spooled to an anonymous
temporary file for the second pass.  Documents must be UTF-8 (or ASCII):
byte ranges are only meaningful in the encoding they were measured in.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Callable
from typing import BinaryIO
from xml.parsers import expat

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from vsh.core.record import Record, fresh

__all__ = [
    "FORMAT_VERSION",
    "MAX_SNAPSHOT_BYTES",
    "BundleError",
    "BundleWriter",
    "CheckpointRecord",
    "Document",
    "FileSource",
    "Header",
    "SnapshotRecord",
    "Source",
    "StreamSource",
    "peek_header",
    "scan",
    "xml_attr",
]

FORMAT_VERSION = "1"
# One snapshot's XML may not exceed this (libvirt's RPC caps a string at
# 4 MiB; local drivers have no cap, so allow some headroom).  Bounds memory.
MAX_SNAPSHOT_BYTES = 16 << 20
MAX_DEPTH = 256
CHUNK = 1 << 16
_UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


class BundleError(Exception):
    """A document cannot be used; the message names the file and the reason."""


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

_ATTR_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "'": "&apos;",
    '"': "&quot;",
    "\t": "&#9;",
    "\n": "&#10;",
    "\r": "&#13;",
}


def _xml_char_ok(ch: str) -> bool:
    cp = ord(ch)
    return (
        cp >= 0x20 and not 0xD800 <= cp <= 0xDFFF and cp not in (0xFFFE, 0xFFFF)
    ) or ch in "\t\n\r"


def xml_attr(value: str) -> str:
    """``value`` as a single-quoted XML attribute value (quotes included).

    Characters XML 1.0 cannot carry at all are dropped, as libvirt itself
    drops them when it writes names into XML.
    """
    return "'" + "".join(_ATTR_ESCAPES.get(c, c) for c in value if _xml_char_ok(c)) + "'"


_XML_DECL = re.compile(r"\A\s*<\?xml[^>]*\?>\s*")


class BundleWriter:
    """Write a bundle through ``write`` one snapshot at a time.

    ``begin()`` writes the header, ``add(xml)`` one snapshot (the caller can
    drop it right after), ``end()`` the closing tag.  Nothing is buffered
    here: pair it with :class:`vsh.snapshots.atomicfile.AtomicFile` for files.
    """

    def __init__(
        self,
        write: Callable[[str], object],
        *,
        domain: str,
        uuid: str,
        current: str | None,
        count: int,
        secure: bool,
        generator: str = "vsh",
        created: float | None = None,
        checkpoints: int = 0,
    ) -> None:
        self._write = write
        self.domain = domain
        self.uuid = uuid
        self.current = current
        self.count = count
        self.secure = secure
        self.generator = generator
        self.created = time.time() if created is None else created
        self.checkpoints = checkpoints
        self.written = 0
        self._state = "new"

    def begin(self) -> None:
        if self._state != "new":
            raise ValueError("bundle already begun")
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created))
        attrs = [("version", FORMAT_VERSION), ("domain", self.domain), ("uuid", self.uuid)]
        if self.current is not None:
            attrs.append(("current", self.current))
        attrs += [
            ("count", str(self.count)),
            *([("checkpoints", str(self.checkpoints))] if self.checkpoints else []),
            ("security-info", "yes" if self.secure else "no"),
            ("created", stamp),
            ("generator", self.generator),
        ]
        self._write(
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            "<!-- vsh snapshot bundle: restore with vsh snapshot-redefine DOMAIN FILE -->\n"
            "<snapshots" + "".join(f" {k}={xml_attr(v)}" for k, v in attrs) + ">\n"
        )
        self._state = "open"

    def add(self, snapshot_xml: str) -> None:
        """Append one ``<domainsnapshot>`` document (an XML declaration is dropped)."""
        if self._state != "open":
            raise ValueError("add() outside begin()/end(), or after a checkpoint")
        self._write(_element_text(snapshot_xml, "domainsnapshot", "snapshot"))
        self.written += 1

    def add_checkpoint(self, checkpoint_xml: str) -> None:
        """Append one ``<domaincheckpoint>`` document, after every snapshot."""
        if self._state not in ("open", "checkpoints"):
            raise ValueError("add_checkpoint() outside begin()/end()")
        self._write(_element_text(checkpoint_xml, "domaincheckpoint", "checkpoint"))
        self._state = "checkpoints"  # snapshots come first

    def end(self) -> None:
        if self._state not in ("open", "checkpoints"):
            raise ValueError("end() without begin()")
        self._write("</snapshots>\n")
        self._state = "closed"


def _element_text(xml: str, root: str, what: str) -> str:
    """``xml`` without its XML declaration, ending in a newline; refused
    unless its root is ``root`` and it declares no document type."""
    text = _XML_DECL.sub("", xml, count=1).lstrip()
    if not text.startswith("<" + root):
        raise BundleError(f"{what} XML does not start with <{root}>")
    if "<!DOCTYPE" in text:
        raise BundleError(f"{what} XML carries a document type declaration")
    return text if text.endswith("\n") else text + "\n"


# ---------------------------------------------------------------------------
# Sources: where a document's bytes can be read again
# ---------------------------------------------------------------------------


class Source:
    """A document's bytes: streamed once by :func:`scan`, ranges re-read later."""

    label: str

    def stream(self) -> BinaryIO:
        raise NotImplementedError

    def read_range(self, start: int, end: int) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        """Release resources (temporary spools)."""


class FileSource(Source):
    """A file on disk; ranges are read through one descriptor, held until close()."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.label = path
        self._reader: BinaryIO | None = None

    def stream(self) -> BinaryIO:
        return open(self.path, "rb")

    def read_range(self, start: int, end: int) -> bytes:
        if self._reader is None:
            self._reader = open(self.path, "rb")  # noqa: SIM115 - see close()
        self._reader.seek(start)
        return self._reader.read(end - start)

    def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()


class StreamSource(Source):
    """A non-seekable stream (stdin): spooled to an anonymous temporary file."""

    def __init__(self, raw: BinaryIO, label: str = "<stdin>") -> None:
        self.raw = raw
        self.label = label
        import tempfile  # only for standard input: not on every command's import path

        self.spool: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - see close()

    def stream(self) -> BinaryIO:
        return _Tee(self.raw, self.spool)  # type: ignore[return-value]

    def read_range(self, start: int, end: int) -> bytes:
        self.spool.seek(start)
        return self.spool.read(end - start)

    def close(self) -> None:
        self.spool.close()


class _Tee:
    """Read from ``raw`` and copy what was read to ``spool``."""

    def __init__(self, raw: BinaryIO, spool: BinaryIO) -> None:
        self.raw, self.spool = raw, spool

    def read(self, n: int) -> bytes:
        data = self.raw.read(n)
        if data:
            self.spool.write(data)
        return data

    def close(self) -> None:
        self.spool.flush()


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


class SnapshotRecord(Record):
    """One snapshot of a document: what planning needs, and where its XML is."""

    __slots__ = (
        "digest",
        "domain_name",
        "domain_type",
        "domain_uuid",
        "end",
        "has_creation_time",
        "index",
        "name",
        "parent",
        "source",
        "start",
        "state",
    )

    def __init__(
        self,
        *,
        name: str | None,
        parent: str | None,
        state: str | None,
        has_creation_time: bool,
        domain_type: str | None,  # <domain type=...>; None: no usable embedded domain
        domain_name: str | None,
        domain_uuid: str | None,
        source: Source,
        index: int,  # position in its document, from 0
        start: int,
        end: int,
        digest: bytes,
    ) -> None:
        self.name = name
        self.parent = parent
        self.state = state
        self.has_creation_time = has_creation_time
        self.domain_type = domain_type
        self.domain_name = domain_name
        self.domain_uuid = domain_uuid
        self.source = source
        self.index = index
        self.start = start
        self.end = end
        self.digest = digest

    @property
    def label(self) -> str:
        return f"{self.source.label}[{self.index}]"

    def load(self) -> str:
        """This snapshot's XML exactly as in the document, plus a final newline.

        The bytes are checked against the digest taken in pass one.
        """
        return _load(self.source, self.start, self.end, self.digest)


class CheckpointRecord(Record):
    """One checkpoint of a bundle: its name, parent, and where its XML is."""

    name: str
    parent: str | None
    domain_uuid: str | None
    source: Source
    index: int  # position among its document's checkpoints, from 0
    start: int
    end: int
    digest: bytes

    @property
    def label(self) -> str:
        return f"{self.source.label}[checkpoint {self.index}]"

    def load(self) -> str:
        """This checkpoint's XML exactly as in the document, plus a final newline."""
        return _load(self.source, self.start, self.end, self.digest)


def _load(source: Source, start: int, end: int, digest: bytes) -> str:
    """Bytes ``start:end`` of ``source`` again, checked against the digest
    taken in pass one, as text ending in a newline."""
    try:
        data = source.read_range(start, end)
    except OSError as exc:
        raise BundleError(f"{source.label}: cannot read again: {_os_reason(exc)}") from exc
    if len(data) != end - start or _digest(data) != digest:
        raise BundleError(f"{source.label}: the file changed while vsh was reading it")
    # The element ends at its '>'; libvirt's own XML ends with a newline.
    try:
        return data.decode("utf-8") + "\n"
    except UnicodeDecodeError as exc:  # pragma: no cover - expat checked UTF-8
        raise BundleError(f"{source.label}: not UTF-8: {exc}") from None


class Header(Record):
    """The root element of a document."""

    kind: str  # "bundle" (root <snapshots>) or "snapshot" (root <domainsnapshot>)
    domain: str | None = None
    uuid: str | None = None
    current: str | None = None
    version: str | None = None
    count: int | None = None
    security_info: bool | None = None


class Document(Record):
    header: Header
    source: Source
    records: list[SnapshotRecord] = fresh(list)
    checkpoints: list[CheckpointRecord] = fresh(list)
    # Per-snapshot defects found while reading (a missing <name>, ...).
    problems: list[str] = fresh(list)
    # Most bytes held at once while reading (diagnostics: memory stays bounded).
    peak_buffer: int = 0

    @property
    def label(self) -> str:
        return self.source.label


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


class _Stop(Exception):
    """Raised by a handler to end parsing early (peek_header)."""


class _Parser:
    """pyexpat, hardened as defusedxml's expat reader is, forced to UTF-8.

    Used directly rather than through SAX: ``xml.sax.expatreader`` imports
    ``urllib.request`` (and with it http, email and ssl), which cost more
    start-up time than reading a 300-snapshot bundle, and its per-element
    wrappers double the parsing time.  Document type declarations, entity
    declarations and external references raise defusedxml's exceptions;
    parameter entities are never parsed.  Handlers get plain names and an
    attribute dict (no namespace processing), like the SAX reader's.
    """

    def __init__(self) -> None:
        self.declared_encoding: str | None = None
        self.on_token: Callable[[], None] | None = None
        p = self.expat = expat.ParserCreate("UTF-8")
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.XmlDeclHandler = self._xml_decl
        p.CommentHandler = self._comment
        p.StartDoctypeDeclHandler = self._doctype
        p.EntityDeclHandler = self._entity_decl
        p.UnparsedEntityDeclHandler = self._unparsed_entity_decl
        p.ExternalEntityRefHandler = self._external_ref

    def set_handler(self, handler: _Handler) -> None:
        p = self.expat
        p.StartElementHandler = handler.startElement
        p.EndElementHandler = handler.endElement
        p.CharacterDataHandler = handler.characters
        p.ProcessingInstructionHandler = handler.processingInstruction

    def feed(self, data: bytes) -> None:
        self.expat.Parse(data, False)

    def close(self) -> None:
        self.expat.Parse(b"", True)

    def _comment(self, _data: str) -> None:
        if self.on_token is not None:
            self.on_token()

    def _xml_decl(self, version: str, encoding: str | None, standalone: int) -> None:
        if encoding is not None and encoding.lower() not in _UTF8_NAMES:
            self.declared_encoding = encoding
            raise _Stop

    @staticmethod
    def _doctype(name: str, sysid: str | None, pubid: str | None, _internal: bool) -> None:
        raise DTDForbidden(name, sysid, pubid)

    @staticmethod
    def _entity_decl(
        name: str,
        _is_parameter: bool,
        value: str | None,
        base: str | None,
        sysid: str | None,
        pubid: str | None,
        notation: str | None,
    ) -> None:
        raise EntitiesForbidden(name, value, base, sysid, pubid, notation)

    @staticmethod
    def _unparsed_entity_decl(
        name: str, base: str | None, sysid: str | None, pubid: str | None, notation: str | None
    ) -> None:  # pragma: no cover - expat reports these through EntityDeclHandler
        raise EntitiesForbidden(name, None, base, sysid, pubid, notation)

    @staticmethod
    def _external_ref(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    @property
    def byte_index(self) -> int:
        return self.expat.CurrentByteIndex


class _Buffer:
    """The bytes not yet known to be outside any snapshot, with their offset."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.base = 0
        self.peak = 0  # largest size seen (tests check memory stays bounded)

    def slice(self, start: int, end: int) -> bytes:
        return bytes(self.data[start - self.base : end - self.base])

    def find(self, needle: bytes, start: int) -> int:
        pos = self.data.find(needle, start - self.base)
        return -1 if pos < 0 else pos + self.base

    def trim(self, keep_from: int) -> None:
        drop = min(keep_from, self.base + len(self.data)) - self.base
        if drop > 0:
            del self.data[:drop]
            self.base += drop


_CAPTURE = {
    ("name",): "name",
    ("state",): "state",
    ("creationTime",): "creation",
    ("parent", "name"): "parent",
}  # the embedded domain's <name> and <uuid>: see _Handler._domain_start
_CAPTURE_LEVELS = max(len(k) for k in _CAPTURE)  # levels below <domainsnapshot> to track


class _Pending:
    def __init__(self, start: int, checkpoint: bool) -> None:
        self.start = start
        self.checkpoint = checkpoint  # a <domaincheckpoint>, else a <domainsnapshot>
        self.values: dict[str, str] = {}
        self.domain_seen = False
        self.domain_type: str | None = None


class _Handler:
    def __init__(self, parser: _Parser, buf: _Buffer, source: Source, header_only: bool) -> None:
        self.parser = parser
        self.buf = buf
        self.source = source
        self.header_only = header_only
        self.header: Header | None = None
        self.records: list[SnapshotRecord] = []
        self.checkpoints: list[CheckpointRecord] = []
        self.problems: list[str] = []
        self.depth = 0
        # Start of the earliest byte that may still belong to a snapshot not
        # yet reported: every token outside snapshots moves it forward.
        self.mark = 0
        parser.on_token = self.token
        self.snap_depth = -1
        self.path: list[str] = []
        self.pending: _Pending | None = None
        self.capture: str | None = None
        self.capture_depth = -1
        self.text: list[str] = []
        self.count = 0

    # -- helpers -------------------------------------------------------------
    def token(self) -> None:
        if self.pending is None:
            self.mark = self.parser.byte_index

    def fail(self, message: str) -> None:
        raise BundleError(f"{self.source.label}: {message}")

    def root(self, name: str, attrs: dict[str, str]) -> None:
        if name == "snapshots":
            for key in attrs:
                if key == "xmlns" or key.startswith("xmlns:"):
                    self.fail("namespace declarations on <snapshots> are not supported")
            version = attrs.get("version")
            if version is not None and version != FORMAT_VERSION:
                self.fail(f"unsupported bundle version '{version}' (this vsh reads version 1)")
            count = attrs.get("count")
            secure = attrs.get("security-info")
            self.header = Header(
                "bundle",
                domain=attrs.get("domain"),
                uuid=attrs.get("uuid"),
                current=attrs.get("current") or None,
                version=version,
                count=int(count) if count and count.isdigit() else None,
                security_info=None if secure is None else secure == "yes",
            )
            self.snap_depth = 1
        elif name == "domainsnapshot":
            self.header = Header("snapshot")
            self.snap_depth = 0
        else:
            self.fail(
                f"unexpected root element <{name}>, expecting <snapshots> or <domainsnapshot>"
            )
        if self.header_only:
            raise _Stop

    # -- parser events -------------------------------------------------------
    # Hot paths: a 300-snapshot bundle is ~15,000 elements and ~40,000 text
    # events, nearly all inside an embedded <domain>; only the first two
    # levels below <domainsnapshot> are tracked.
    def startElement(self, name: str, values: dict[str, str]) -> None:
        depth = self.depth
        if depth >= MAX_DEPTH:
            self.fail(f"elements nested deeper than {MAX_DEPTH} levels")
        pending = self.pending
        if pending is None:
            self.mark = self.parser.byte_index
            if depth == 0:
                self.root(name, values)
            if depth == self.snap_depth:
                checkpoint = name == "domaincheckpoint" and depth > 0
                if name != "domainsnapshot" and not checkpoint:
                    self.fail(f"unexpected element <{name}> in <snapshots>")
                self.pending = _Pending(self.parser.byte_index, checkpoint)
                self.path = []
        elif depth - self.snap_depth <= _CAPTURE_LEVELS:
            path = self.path
            path.append(name)
            key = _CAPTURE.get(tuple(path))
            if key is not None and key not in pending.values and self.capture is None:
                self.capture, self.capture_depth, self.text = key, depth, []
            if name == "domain" and len(path) == 1 and not pending.domain_seen:
                pending.domain_seen = True
                pending.domain_type = values.get("type")
                self._enter_domain(depth + 1)
        self.depth = depth + 1

    # Inside the embedded <domain> (nearly every element of a bundle) only
    # its <name> and <uuid> matter: lean handlers (closures over a local
    # depth, the cheapest state Python offers) count levels and capture
    # those two, and no text handler runs except while capturing.  This
    # halves the time to scan a bundle.
    def _enter_domain(self, child_depth: int) -> None:
        p = self.parser.expat
        pending = self.pending
        assert pending is not None
        values = pending.values
        levels = 0  # below <domain>: 1 for its children
        limit = MAX_DEPTH - child_depth  # same nesting limit as elsewhere
        text: list[str] = []
        capture: str | None = None

        def start(name: str, _attrs: dict[str, str]) -> None:
            nonlocal levels, capture, text
            if levels >= limit:
                self.fail(f"elements nested deeper than {MAX_DEPTH} levels")
            levels += 1
            if levels == 1 and (name == "name" or name == "uuid") and capture is None:
                key = "domain_" + name
                if key not in values:
                    capture, text = key, []
                    p.CharacterDataHandler = text.append

        def end(name: str) -> None:
            nonlocal levels, capture
            if levels == 0:  # </domain> itself
                self.depth = child_depth
                self.parser.set_handler(self)
                self.endElement(name)
                return
            if capture is not None and levels == 1:
                values[capture] = "".join(text)
                capture = None
                p.CharacterDataHandler = None
            levels -= 1

        p.StartElementHandler = start
        p.EndElementHandler = end
        p.CharacterDataHandler = None

    def endElement(self, name: str) -> None:
        self.depth = depth = self.depth - 1
        pending = self.pending
        if pending is None:
            return
        if self.capture is not None and depth == self.capture_depth:
            pending.values[self.capture] = "".join(self.text)
            self.capture = None
        level = depth - self.snap_depth
        if level == 0:
            self.pending = None
            self.finish(pending)
        elif level <= _CAPTURE_LEVELS:
            self.path.pop()

    def processingInstruction(self, target: str, data: str) -> None:
        self.token()

    def characters(self, content: str) -> None:
        if self.capture is not None:
            self.text.append(content)
        elif self.pending is None:
            self.mark = self.parser.byte_index
            if self.depth == 1 and content.strip():
                self.fail("unexpected text inside <snapshots>")

    def finish(self, pending: _Pending) -> None:
        if pending.checkpoint:
            index = len(self.checkpoints)
            label, what = f"{self.source.label}[checkpoint {index}]", "checkpoint"
        else:
            index = self.count
            self.count += 1
            label, what = f"{self.source.label}[{index}]", "snapshot"
        root = "domaincheckpoint" if pending.checkpoint else "domainsnapshot"
        at = self.parser.byte_index
        if self.buf.slice(at, at + 2) != b"</":
            self.problems.append(f"{label}: empty <{root}/>")
            return
        close = self.buf.find(b">", at)
        if close < 0:  # pragma: no cover - expat has seen the whole end tag
            self.fail(f"internal error: end of <{root}> not found")
        end = close + 1
        self.mark = end
        data = self.buf.slice(pending.start, end)
        v = pending.values
        name = v.get("name", "").strip() or None
        if name is None:
            self.problems.append(f"{label}: {what} without a <name>")
            return
        if pending.checkpoint:
            self.checkpoints.append(
                CheckpointRecord(
                    v["name"],
                    v.get("parent") or None,
                    (v.get("domain_uuid") or "").strip() or None,
                    self.source,
                    index,
                    pending.start,
                    end,
                    _digest(data),
                )
            )
            return
        # libvirt trims nothing, but XPath string() of <name> is what it reads.
        record = SnapshotRecord(
            name=v.get("name"),
            parent=v.get("parent") or None,
            state=(v.get("state") or "").strip() or None,
            has_creation_time=bool((v.get("creation") or "").strip()),
            domain_type=pending.domain_type,
            domain_name=v.get("domain_name"),
            domain_uuid=(v.get("domain_uuid") or "").strip() or None,
            source=self.source,
            index=index,
            start=pending.start,
            end=end,
            digest=_digest(data),
        )
        if record.state is None:
            self.problems.append(f"{label}: snapshot '{record.name}' has no <state>")
        if not record.has_creation_time:
            self.problems.append(f"{label}: snapshot '{record.name}' has no <creationTime>")
        self.records.append(record)


def _describe_defused(exc: Exception) -> str:
    if isinstance(exc, DTDForbidden):
        return "refusing a document type declaration (<!DOCTYPE>): vsh reads no DTDs or entities"
    if isinstance(exc, EntitiesForbidden):
        return f"refusing the entity declaration '{exc.name}': vsh reads no DTDs or entities"
    if isinstance(exc, ExternalReferenceForbidden):
        return "refusing an external entity reference"
    return str(exc)


def _run(source: Source, header_only: bool) -> _Handler:
    parser = _Parser()
    buf = _Buffer()
    handler = _Handler(parser, buf, source, header_only)
    parser.set_handler(handler)
    try:
        stream = source.stream()
    except OSError as exc:
        raise BundleError(f"{source.label}: cannot open: {_os_reason(exc)}") from exc
    try:
        got_any = False
        while True:
            try:
                chunk = stream.read(CHUNK)
            except OSError as exc:
                raise BundleError(f"{source.label}: cannot read: {_os_reason(exc)}") from exc
            if not chunk:
                break
            if not got_any and (chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in chunk[:4]):
                raise BundleError(f"{source.label}: not UTF-8 (bundles are UTF-8)")
            got_any = True
            buf.data += chunk
            buf.peak = max(buf.peak, len(buf.data))
            parser.feed(chunk)
            keep = handler.pending.start if handler.pending else handler.mark
            buf.trim(keep)
            if len(buf.data) > MAX_SNAPSHOT_BYTES:
                handler.fail(f"a snapshot is larger than {MAX_SNAPSHOT_BYTES >> 20} MiB")
        if not got_any:
            raise BundleError(f"{source.label}: empty file, not a snapshot bundle")
        parser.close()
    except _Stop:
        if parser.declared_encoding is not None:
            raise BundleError(
                f"{source.label}: unsupported encoding '{parser.declared_encoding}'"
                " (bundles are UTF-8)"
            ) from None
        if not header_only:  # pragma: no cover - only peek_header stops early
            raise
    except expat.ExpatError as exc:
        raise BundleError(
            f"{source.label}: line {exc.lineno}, column {exc.offset}:"
            f" malformed XML: {expat.ErrorString(exc.code)}"
        ) from None
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise BundleError(f"{source.label}: {_describe_defused(exc)}") from None
    except UnicodeDecodeError as exc:  # pragma: no cover - expat checks UTF-8 first
        raise BundleError(f"{source.label}: not UTF-8: {exc}") from None
    finally:
        with contextlib.suppress(OSError):
            stream.close()
    return handler


def scan(source: Source) -> Document:
    """Read a bundle or a single ``snapshot-dumpxml`` document (pass one).

    Raises BundleError for anything that makes the whole document unusable:
    unreadable, malformed or truncated XML, a DTD or entity, a wrong root,
    an empty bundle.  Per-snapshot defects end up in ``Document.problems``.
    """
    handler = _run(source, header_only=False)
    assert handler.header is not None
    doc = Document(
        handler.header,
        source,
        handler.records,
        handler.checkpoints,
        handler.problems,
        handler.buf.peak,
    )
    if handler.count == 0 and not handler.checkpoints:
        raise BundleError(f"{source.label}: the bundle holds no snapshots")
    return doc


def peek_header(source: Source) -> Header:
    """Only the root element (to match bundles to domains cheaply)."""
    handler = _run(source, header_only=True)
    if handler.header is None:
        raise BundleError(f"{source.label}: no root element")
    return handler.header
