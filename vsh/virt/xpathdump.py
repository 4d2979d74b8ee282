"""libxml2 as virsh uses it, through ctypes: ``--xpath``/``--wrap`` dumps and
XPath look-ups in libvirt's XML.

``*-dumpxml --xpath EXPR [--wrap]`` (virshDumpXML) re-parses the XML with
libxml2 (blank text nodes dropped), evaluates the expression and serialises
each matched node with ``xmlNodeDump`` (indented, so attribute quotes and
layout change), one per line; with ``--wrap`` the copies go under one
``<nodes>`` element.  The byte-exact result depends on libxml2's serialiser
and XPath engine, so this module calls the same libxml2 that libvirt itself
loads (a hard dependency of libvirt), through ctypes.  libxml2's own XPath
diagnostics ("XPath error : Invalid expression" and its caret line) go
straight to file descriptor 2, as they do in virsh.

:func:`parse` gives the same engine to commands that read values out of a
domain's XML (virsh's ``virXPathString``/``virXPathNodeSet``).

Safety: every document is parsed with ``XML_PARSE_NONET`` (no network
access) and without ``XML_PARSE_NOENT`` (entity references stay references:
nothing is substituted, no external entity is read), ``XML_PARSE_DTDLOAD``,
``XML_PARSE_DTDATTR``, ``XML_PARSE_DTDVALID``, ``XML_PARSE_XINCLUDE`` or
``XML_PARSE_HUGE`` (libxml2's size and entity-amplification limits stay on).
If libxml2 cannot be loaded, the command fails with an ``error:`` line.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import weakref
from collections.abc import Callable
from functools import cache

from vsh.core.errors import VshError

# libvirt links against this soname; loading it by name gives the very copy
# already mapped into the process by the libvirt bindings.
SONAME = "libxml2.so.2"

XML_PARSE_NOENT = 1 << 1  # substitute entities: never set
XML_PARSE_DTDLOAD = 1 << 2  # load the external subset: never set
XML_PARSE_NOERROR = 1 << 5
XML_PARSE_NOWARNING = 1 << 6
XML_PARSE_NONET = 1 << 11
XML_PARSE_HUGE = 1 << 19  # lift the parser's safety limits: never set

# virXMLParseHelper's options; NOERROR in place of its error callback, which
# keeps libxml2's parser messages off stderr (the failure is reported by vsh).
PARSE_OPTIONS = XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR

XPATH_NODESET = 1
XPATH_BOOLEAN = 2
XPATH_NUMBER = 3
XPATH_STRING = 4

XML_ELEMENT_NODE = 1
XML_TEXT_NODE = 3
XML_NAMESPACE_DECL = 18


class _NodeSet(ctypes.Structure):
    _fields_ = (
        ("nodeNr", ctypes.c_int),
        ("nodeMax", ctypes.c_int),
        ("nodeTab", ctypes.POINTER(ctypes.c_void_p)),
    )


class _XPathObject(ctypes.Structure):
    _fields_ = (
        ("type", ctypes.c_int),
        ("nodesetval", ctypes.POINTER(_NodeSet)),
        ("boolval", ctypes.c_int),
        ("floatval", ctypes.c_double),
        ("stringval", ctypes.c_char_p),
        ("user", ctypes.c_void_p),
        ("index", ctypes.c_int),
        ("user2", ctypes.c_void_p),
        ("index2", ctypes.c_int),
    )


_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "xmlInitParser": (None, []),
    "xmlKeepBlanksDefault": (ctypes.c_int, [ctypes.c_int]),
    "xmlReadMemory": (
        ctypes.c_void_p,
        [ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int],
    ),
    "xmlFreeDoc": (None, [ctypes.c_void_p]),
    "xmlDocGetRootElement": (ctypes.c_void_p, [ctypes.c_void_p]),
    "xmlXPathNewContext": (ctypes.c_void_p, [ctypes.c_void_p]),
    "xmlXPathFreeContext": (None, [ctypes.c_void_p]),
    "xmlXPathEval": (ctypes.POINTER(_XPathObject), [ctypes.c_char_p, ctypes.c_void_p]),
    "xmlXPathFreeObject": (None, [ctypes.c_void_p]),
    "xmlBufferCreate": (ctypes.c_void_p, []),
    "xmlBufferFree": (None, [ctypes.c_void_p]),
    "xmlBufferContent": (ctypes.c_char_p, [ctypes.c_void_p]),
    "xmlNodeDump": (
        ctypes.c_int,
        [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int],
    ),
    "xmlNewDoc": (ctypes.c_void_p, [ctypes.c_char_p]),
    "xmlNewNode": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_char_p]),
    "xmlDocSetRootElement": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p]),
    "xmlDocCopyNode": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]),
    "xmlAddChild": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p]),
    "xmlFreeNode": (None, [ctypes.c_void_p]),
    "xmlCopyNode": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int]),
    "xmlUnlinkNode": (None, [ctypes.c_void_p]),
    "xmlSetStructuredErrorFunc": (None, [ctypes.c_void_p, ctypes.c_void_p]),
    "xmlNodeSetName": (None, [ctypes.c_void_p, ctypes.c_char_p]),
    "xmlRemoveProp": (ctypes.c_int, [ctypes.c_void_p]),
    "xmlNewChild": (
        ctypes.c_void_p,
        [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p],
    ),
    "xmlHasProp": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_char_p]),
    "xmlNewProp": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]),
    "xmlSetProp": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]),
    "xmlNodeSetContent": (None, [ctypes.c_void_p, ctypes.c_char_p]),
    "xmlAddPrevSibling": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p]),
}


def _open(name: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(name)
    try:
        for func, (restype, argtypes) in _SIGNATURES.items():
            f = getattr(lib, func)
            f.restype = restype
            f.argtypes = argtypes
    except AttributeError as exc:  # not the libxml2 this module was written for
        raise OSError(f"{name}: {exc}") from None
    return lib


@cache
def _load() -> ctypes.CDLL:
    try:
        lib = _open(SONAME)
    except OSError as exc:
        # Some other name for it on this system?  (find_library runs ldconfig.)
        found = ctypes.util.find_library("xml2")
        if not found or found == SONAME:
            raise
        try:
            lib = _open(found)
        except OSError:
            raise exc from None
    lib.xmlInitParser()
    return lib


def _libxml2() -> ctypes.CDLL:
    """The system libxml2, or virsh-style ``error:`` output when it is missing."""
    try:
        return _load()
    except OSError as exc:
        raise VshError(f"cannot load libxml2 for XPath evaluation: {exc}") from None


def _read(lib: ctypes.CDLL, xml: str, url: str) -> int | None:
    data = xml.encode("utf-8", "surrogateescape")
    return lib.xmlReadMemory(
        data, len(data), url.encode("utf-8", "surrogateescape"), None, PARSE_OPTIONS
    )


_PTR = ctypes.sizeof(ctypes.c_void_p)


def _node_type(node: int) -> int:
    """``node->type``: second field of xmlNode, xmlAttr, xmlDoc and xmlNs alike."""
    return ctypes.c_int.from_address(node + _PTR).value


def _node_name(node: int) -> bytes:
    """``node->name``, the third field of xmlNode."""
    return ctypes.c_char_p.from_address(node + 2 * _PTR).value or b""


def _children(node: int) -> list[int]:
    """The child list of an xmlNode: (_private, type, name, children, last,
    parent, next, ...), ``children`` then each child's ``next``."""
    child = ctypes.c_void_p.from_address(node + 3 * _PTR).value
    out = []
    while child:
        out.append(child)
        child = ctypes.c_void_p.from_address(child + 6 * _PTR).value
    return out


def _eval(lib: ctypes.CDLL, doc: int, node: int, xpath: str) -> ctypes._Pointer[_XPathObject]:
    """xmlXPathEval with ``ctxt->node = node`` (virXMLXPathContextNew); NULL on error."""
    ctxt = lib.xmlXPathNewContext(doc)
    if not ctxt:
        raise MemoryError("xmlXPathNewContext")
    try:
        # ctxt->node: the field after ``xmlDocPtr doc`` in xmlXPathContext.
        ctypes.c_void_p.from_address(ctxt + ctypes.sizeof(ctypes.c_void_p)).value = node
        return lib.xmlXPathEval(xpath.encode("utf-8", "surrogateescape"), ctxt)
    finally:
        lib.xmlXPathFreeContext(ctxt)


def _nodes(obj: ctypes._Pointer[_XPathObject]) -> list[int]:
    nodeset = obj.contents.nodesetval
    if not nodeset or nodeset.contents.nodeNr <= 0:
        return []
    tab = nodeset.contents.nodeTab
    return [tab[i] for i in range(nodeset.contents.nodeNr)]


# ---------------------------------------------------------------------------
# virshDumpXML


def _node_to_string(lib: ctypes.CDLL, doc: int | None, node: int) -> str | None:
    """virXMLNodeToString: xmlNodeDump(level 0, format 1); None when it wrote nothing."""
    buf = lib.xmlBufferCreate()
    if not buf:
        raise MemoryError("xmlBufferCreate")
    try:
        if lib.xmlNodeDump(buf, doc, node, 0, 1) == 0:
            return None
        return (lib.xmlBufferContent(buf) or b"").decode("utf-8", "surrogateescape")
    finally:
        lib.xmlBufferFree(buf)


def _wrapped(lib: ctypes.CDLL, doc: int, nodes: list[int]) -> str | None:
    """The nodes copied under a new ``<nodes>`` root, serialised."""
    newdoc = lib.xmlNewDoc(b"1.0")
    if not newdoc:
        raise MemoryError("xmlNewDoc")
    try:
        newroot = lib.xmlNewNode(None, b"nodes")
        lib.xmlDocSetRootElement(newdoc, newroot)
        for node in nodes:
            if _node_type(node) == XML_NAMESPACE_DECL:
                # virsh 9.0 crashes here (xmlDocCopyNode returns an xmlNs that
                # xmlAddChild takes for a node); vsh leaves namespace nodes out.
                continue
            copy = lib.xmlDocCopyNode(node, newdoc, 1)
            if not lib.xmlAddChild(newroot, copy):
                if copy:
                    lib.xmlFreeNode(copy)
                # virsh fails here without a word (no libvirt error is set);
                # unreachable short of running out of memory.
                raise VshError()
        return _node_to_string(lib, doc, newroot)
    finally:
        lib.xmlFreeDoc(newdoc)


def xpath_dump(xml: str, url: str, xpath: str, wrap: bool) -> list[str | None]:
    """The pieces virsh prints (each followed by a newline) for ``--xpath``.

    ``None`` stands for a node xmlNodeDump writes nothing for (a namespace
    node for ``xml:``), which virsh prints as ``(null)``.
    """
    lib = _libxml2()
    old = lib.xmlKeepBlanksDefault(0)
    try:
        doc = _read(lib, xml, url)
    finally:
        lib.xmlKeepBlanksDefault(old)
    if not doc:
        raise VshError(f"XML error: failed to parse xml document '{url}'")
    obj = None
    try:
        root = lib.xmlDocGetRootElement(doc)
        if not root:
            raise VshError("internal error: missing root element")
        # libxml2 writes its XPath diagnostics to fd 2 itself: put what vsh
        # has written so far ahead of them.
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        obj = _eval(lib, doc, root, xpath)
        if obj and obj.contents.type != XPATH_NODESET:
            raise VshError(f"internal error: Incorrect xpath '{xpath}'")
        # NULL: libxml2 has reported the error; virsh goes on with no nodes
        # (and --wrap still prints an empty <nodes/>)
        nodes = _nodes(obj) if obj else []
        if wrap:
            return [_wrapped(lib, doc, nodes)]
        return [_node_to_string(lib, doc, node) for node in nodes]
    finally:
        if obj:
            lib.xmlXPathFreeObject(obj)
        lib.xmlFreeDoc(doc)


def dump(
    print_: Callable[[str], object], xml: str, url: str, xpath: str | None, wrap: bool
) -> None:
    """virshDumpXML: the XML as is, or the ``--xpath`` matches one per line."""
    if xpath is None:
        print_(xml)
        return
    for piece in xpath_dump(xml, url, xpath, wrap):
        print_(("(null)" if piece is None else piece) + "\n")


# ---------------------------------------------------------------------------
# XPath look-ups: virXPathString, virXPathNodeSet


class _Document:
    """A parsed document, freed when the last of its nodes goes."""

    def __init__(self, lib: ctypes.CDLL, ptr: int) -> None:
        self.lib = lib
        self.ptr = ptr
        weakref.finalize(self, lib.xmlFreeDoc, ptr)


class Node:
    """A node of a document from :func:`parse`; keeps the document alive."""

    __slots__ = ("_doc", "_ptr")

    def __init__(self, doc: _Document, ptr: int) -> None:
        self._doc = doc
        self._ptr = ptr

    def xpath(self, expr: str) -> list[Node] | str | float | bool:
        """Evaluate ``expr`` with this node as the context node.

        A node set comes back as a list of nodes, ``string()`` as a str,
        a number as a float, a boolean as a bool.
        """
        lib = self._doc.lib
        obj = _eval(lib, self._doc.ptr, self._ptr, expr)
        if not obj:
            raise VshError(f"internal error: Incorrect xpath '{expr}'")
        try:
            kind = obj.contents.type
            if kind == XPATH_NODESET:
                return [Node(self._doc, ptr) for ptr in _nodes(obj)]
            if kind == XPATH_STRING:
                return (obj.contents.stringval or b"").decode("utf-8", "surrogateescape")
            if kind == XPATH_NUMBER:
                return float(obj.contents.floatval)
            if kind == XPATH_BOOLEAN:
                return bool(obj.contents.boolval)
            raise VshError(f"internal error: Incorrect xpath '{expr}'")
        finally:
            lib.xmlXPathFreeObject(obj)

    def nodes(self, expr: str) -> list[Node]:
        """virXPathNodeSet: the nodes ``expr`` selects; any other result is an error."""
        found = self.xpath(expr)
        if not isinstance(found, list):
            raise VshError(f"internal error: Incorrect xpath '{expr}'")
        return found

    def string(self, expr: str) -> str:
        """The value of a ``string(...)`` expression; any other result is an error."""
        found = self.xpath(expr)
        if not isinstance(found, str):
            raise VshError(f"internal error: Incorrect xpath '{expr}'")
        return found

    # Edits, for commands that change a device's XML before sending it back
    # (domif-setlink, update-memory-device): libxml2's own calls, as virsh.

    def new_child(self, name: str) -> Node:
        """xmlNewChild(node, NULL, name, NULL): a new empty last child element."""
        ptr = self._doc.lib.xmlNewChild(self._ptr, None, name.encode(), None)
        if not ptr:
            raise MemoryError("xmlNewChild")
        return Node(self._doc, ptr)

    def has_prop(self, name: str) -> bool:
        """xmlHasProp: whether the element has the attribute."""
        return bool(self._doc.lib.xmlHasProp(self._ptr, name.encode()))

    def set_prop(self, name: str, value: str, *, new: bool = False) -> None:
        """xmlSetProp, or with ``new`` xmlNewProp (which adds one more attribute)."""
        call = self._doc.lib.xmlNewProp if new else self._doc.lib.xmlSetProp
        if not call(self._ptr, name.encode(), value.encode()):
            raise MemoryError("xmlSetProp")

    def set_content(self, text: str) -> None:
        """xmlNodeSetContent: replace the element's children by this text."""
        self._doc.lib.xmlNodeSetContent(self._ptr, text.encode())


def parse(xml: str, url: str = "(domain_definition)") -> Node | None:
    """The root element of ``xml`` (virXMLParseStringCtxt), or None when the
    text is not well formed or has no root element.  Blank text is kept."""
    lib = _libxml2()
    doc = _read(lib, xml, url)
    if not doc:
        return None
    root = lib.xmlDocGetRootElement(doc)
    document = _Document(lib, doc)
    return Node(document, root) if root else None


def node_to_string(node: Node, *, copy_without: str | None = None) -> str | None:
    """virXMLNodeToString(doc, node): the node as xmlNodeDump writes it (level
    0, formatted), or None when libxml2 writes nothing.

    With ``copy_without``, a deep copy of the node, detached from its document,
    minus its first child element of that name, serialised without the
    document (detach-disk: virshFindDisk's copy without ``backingStore``).
    """
    lib = node._doc.lib
    if copy_without is None:
        return _node_to_string(lib, node._doc.ptr, node._ptr)
    copy = lib.xmlCopyNode(node._ptr, 1)
    if not copy:
        raise MemoryError("xmlCopyNode")
    try:
        _drop_first_child(lib, copy, copy_without.encode())
        return _node_to_string(lib, None, copy)
    finally:
        lib.xmlFreeNode(copy)


def replace_source(
    node: Node, disk_type: str, source: tuple[str, str] | None, startup_policy: str | None
) -> str | None:
    """virshUpdateDiskXML's edit of a disk (change-media), serialised like
    :func:`node_to_string` with ``copy_without="backingStore"``.

    On a detached deep copy of the disk: the first ``<source>`` goes (its
    indentation stays), ``type`` becomes ``disk_type``, and a new ``<source
    ATTR=VALUE [startupPolicy=...]>`` goes before ``<target>``, followed by a
    copy of the last text node ahead of ``<target>`` (virsh's indentation).
    """
    lib = node._doc.lib
    copy = lib.xmlCopyNode(node._ptr, 1)
    if not copy:
        raise MemoryError("xmlCopyNode")
    try:
        _drop_first_child(lib, copy, b"backingStore")
        old = target = text = None
        for child in _children(copy):
            kind = _node_type(child)
            if target is None and kind == XML_TEXT_NODE:
                text = child
            if kind != XML_ELEMENT_NODE:
                continue
            if old is None and _node_name(child) == b"source":
                old = child
            elif target is None and _node_name(child) == b"target":
                target = child
        if old is not None:
            lib.xmlUnlinkNode(old)
            lib.xmlFreeNode(old)
        if not lib.xmlSetProp(copy, b"type", disk_type.encode()):
            raise MemoryError("xmlSetProp")
        if source is not None:
            _insert_source(lib, target, text, source, startup_policy)
        return _node_to_string(lib, None, copy)
    finally:
        lib.xmlFreeNode(copy)


def _insert_source(
    lib: ctypes.CDLL,
    target: int | None,
    text: int | None,
    source: tuple[str, str],
    startup_policy: str | None,
) -> None:
    new = lib.xmlNewNode(None, b"source")
    if not new:
        raise MemoryError("xmlNewNode")
    attr, value = source
    lib.xmlNewProp(new, attr.encode(), value.encode("utf-8", "surrogateescape"))
    if startup_policy is not None:
        lib.xmlNewProp(new, b"startupPolicy", startup_policy.encode())
    # Without a <target> virsh's xmlAddPrevSibling adds nothing (and leaks the node).
    if not target or not lib.xmlAddPrevSibling(target, new):
        lib.xmlFreeNode(new)
        return
    spacing = lib.xmlCopyNode(text, 0) if text else None
    if spacing and not lib.xmlAddPrevSibling(target, spacing):
        lib.xmlFreeNode(spacing)


def _drop_first_child(lib: ctypes.CDLL, node: int, name: bytes) -> None:
    for child in _children(node):
        if _node_type(child) == XML_ELEMENT_NODE and _node_name(child) == name:
            lib.xmlUnlinkNode(child)
            lib.xmlFreeNode(child)
            return


# ---------------------------------------------------------------------------
# Nodes out of a file's XML, with libvirt's parse error (virXMLParseStringCtxt)


class _Error(ctypes.Structure):
    """libxml2's xmlError."""

    _fields_ = (
        ("domain", ctypes.c_int),
        ("code", ctypes.c_int),
        ("message", ctypes.c_char_p),
        ("level", ctypes.c_int),
        ("file", ctypes.c_char_p),
        ("line", ctypes.c_int),
        ("str1", ctypes.c_char_p),
        ("str2", ctypes.c_char_p),
        ("str3", ctypes.c_char_p),
        ("int1", ctypes.c_int),
        ("int2", ctypes.c_int),
        ("ctxt", ctypes.c_void_p),
        ("node", ctypes.c_void_p),
    )


class _ParserInput(ctypes.Structure):
    """The head of libxml2's xmlParserInput, up to ``cur``."""

    _fields_ = (
        ("buf", ctypes.c_void_p),
        ("filename", ctypes.c_char_p),
        ("directory", ctypes.c_char_p),
        ("base", ctypes.c_void_p),
        ("cur", ctypes.c_void_p),
    )


class _ParserCtxt(ctypes.Structure):
    """The head of libxml2's xmlParserCtxt, up to ``input``."""

    _fields_ = (
        ("sax", ctypes.c_void_p),
        ("userData", ctypes.c_void_p),
        ("myDoc", ctypes.c_void_p),
        ("wellFormed", ctypes.c_int),
        ("replaceEntities", ctypes.c_int),
        ("version", ctypes.c_char_p),
        ("encoding", ctypes.c_char_p),
        ("standalone", ctypes.c_int),
        ("html", ctypes.c_int),
        ("input", ctypes.POINTER(_ParserInput)),
    )


_XML_ERR_FATAL = 3
_StructuredError = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(_Error))


def _error_text(err: _Error) -> str | None:
    """catchXMLError's message for the first fatal error: file, line, the
    message, the input line at the parser's position and a pointer line."""
    if err.level != _XML_ERR_FATAL or not err.message or not err.ctxt:
        return None
    ctxt = _ParserCtxt.from_address(err.ctxt)
    if not ctxt.input:
        return None
    base, cur = ctxt.input.contents.base or 0, ctxt.input.contents.cur or 0

    def at(addr: int) -> int:
        return ctypes.c_ubyte.from_address(addr).value

    pos = cur
    while pos > base and at(pos) in (0x0A, 0x0D):
        pos -= 1
    while pos > base and at(pos) not in (0x0A, 0x0D):
        pos -= 1
    if at(pos) in (0x0A, 0x0D):
        pos += 1
    col = cur - pos
    context = bytearray()
    while at(pos) not in (0, 0x0A, 0x0D):
        context.append(at(pos))
        pos += 1
    pointer = "".join("\t" if b == 0x09 else "-" for b in context[:col]) + "^"
    message = err.message.decode("utf-8", "replace")
    text = context.decode("utf-8", "replace")
    if err.file:
        return f"{err.file.decode('utf-8', 'replace')}:{err.line}: {message}{text}\n{pointer}"
    return f"at line {err.line}: {message}{text}\n{pointer}"


def extract(xml: str, url: str, xpath: str, bare: str = "", rename: str = "") -> list[str]:
    """Each node ``xpath`` selects in ``xml``, serialised as virXMLNodeToString
    does; a selected element named ``bare`` is renamed ``rename`` and loses its
    attributes first (virsh's domain capabilities ``<mode>`` made a ``<cpu>``).
    A document that is not well formed raises libvirt's XML error."""
    lib = _libxml2()
    errors: list[str] = []

    def on_error(_data: object, err: ctypes._Pointer[_Error]) -> None:
        if not errors:
            text = _error_text(err.contents)
            if text is not None:
                errors.append(text)

    handler = _StructuredError(on_error)
    lib.xmlSetStructuredErrorFunc(None, ctypes.cast(handler, ctypes.c_void_p))
    try:
        doc = _read(lib, xml, url)
    finally:
        lib.xmlSetStructuredErrorFunc(None, None)
    if not doc:
        raise VshError(errors[0] if errors else f"XML error: failed to parse xml document '{url}'")
    obj = None
    try:
        obj = _eval(lib, doc, lib.xmlDocGetRootElement(doc), xpath)
        if not obj or obj.contents.type != XPATH_NODESET:
            raise VshError(f"internal error: Incorrect xpath '{xpath}'")
        out = []
        for node in _nodes(obj):
            if bare and _node_name(node) == bare.encode():
                lib.xmlNodeSetName(node, rename.encode())
                while True:
                    prop = ctypes.c_void_p.from_address(node + 11 * _PTR).value
                    if not prop:
                        break
                    lib.xmlRemoveProp(prop)
            text = _node_to_string(lib, doc, node)
            out.append("" if text is None else text)
        return out
    finally:
        if obj:
            lib.xmlXPathFreeObject(obj)
        lib.xmlFreeDoc(doc)
