"""JSON as libvirt 9.0 reads and writes it (virjson.c over yajl 2), through ctypes.

virsh's QMP commands parse JSON with virJSONValueFromString and print it with
virJSONValueToString, both over the system's yajl: what counts as JSON (no
comments, no NaN, no duplicate keys, strict UTF-8), the parse error text
(yajl's verbose message with its "(right here) ------^" pointer) and the
output layout (yajl's beautifier, numbers exactly as they were written) all
come from there.  So this module calls the same ``libyajl.so.2`` that libvirt
links against, with callbacks that build the value as libvirt's parser does:

* numbers keep their text (:class:`Number`), never range-checked;
* strings and keys end at an embedded NUL (libvirt copies them with strndup);
* a value whose key is already in its object cancels the parse (libvirt's
  object insertion refuses duplicate keys), which yajl reports as "client
  cancelled parse via callback return value".

Objects are dicts (keys unique, in order), arrays lists, ``null`` None.
"""

from __future__ import annotations

import ctypes
from functools import cache
from typing import Any

from vsh.core.errors import VshError

SONAME = "libyajl.so.2"

_GEN_BEAUTIFY = 0x01
_GEN_INDENT_STRING = 0x02
_GEN_VALIDATE_UTF8 = 0x08
_MAX_DEPTH = 128  # YAJL_MAX_DEPTH: yajl_gen refuses deeper nesting


class Number(str):
    """A JSON number, as written in the document."""

    __slots__ = ()


class JsonError(Exception):
    """libvirt's "cannot parse json ..." message (without "internal error: ")."""


_CB_VOID = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)
_CB_INT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
_CB_LLONG = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_longlong)
_CB_DOUBLE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_double)
_CB_TEXT = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_char), ctypes.c_size_t
)


class _Callbacks(ctypes.Structure):
    _fields_ = (
        ("null", _CB_VOID),
        ("boolean", _CB_INT),
        ("integer", _CB_LLONG),
        ("double", _CB_DOUBLE),
        ("number", _CB_TEXT),
        ("string", _CB_TEXT),
        ("start_map", _CB_VOID),
        ("map_key", _CB_TEXT),
        ("end_map", _CB_VOID),
        ("start_array", _CB_VOID),
        ("end_array", _CB_VOID),
    )


@cache
def _lib() -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL(SONAME)
    except OSError as exc:
        raise VshError(f"cannot load yajl for JSON: {exc}") from None
    vp, sz = ctypes.c_void_p, ctypes.c_size_t
    lib.yajl_alloc.restype = vp
    lib.yajl_alloc.argtypes = (ctypes.POINTER(_Callbacks), vp, vp)
    lib.yajl_parse.argtypes = (vp, ctypes.c_char_p, sz)
    lib.yajl_complete_parse.argtypes = (vp,)
    lib.yajl_get_error.restype = ctypes.POINTER(ctypes.c_char)
    lib.yajl_get_error.argtypes = (vp, ctypes.c_int, ctypes.c_char_p, sz)
    lib.yajl_free_error.argtypes = (vp, ctypes.POINTER(ctypes.c_char))
    lib.yajl_free.argtypes = (vp,)
    lib.yajl_gen_alloc.restype = vp
    lib.yajl_gen_alloc.argtypes = (vp,)
    lib.yajl_gen_free.argtypes = (vp,)
    lib.yajl_gen_null.argtypes = (vp,)
    lib.yajl_gen_bool.argtypes = (vp, ctypes.c_int)
    lib.yajl_gen_number.argtypes = (vp, ctypes.c_char_p, sz)
    lib.yajl_gen_string.argtypes = (vp, ctypes.c_char_p, sz)
    for name in ("map_open", "map_close", "array_open", "array_close"):
        getattr(lib, f"yajl_gen_{name}").argtypes = (vp,)
    lib.yajl_gen_get_buf.argtypes = (vp, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(sz))
    return lib


def _text(ptr: Any, length: int) -> str:
    raw = ctypes.string_at(ptr, length).split(b"\0", 1)[0]  # strndup stops at a NUL
    return raw.decode("utf-8", "surrogateescape")


class _Builder:
    """libvirt's virJSONParser: a stack of open containers and pending keys."""

    def __init__(self) -> None:
        self.head: Any = None
        self.stack: list[tuple[dict[str, Any] | list[Any], str | None]] = []

    def insert(self, value: Any) -> int:
        if not self.stack:
            self.head = value
            return 1
        container, key = self.stack[-1]
        if isinstance(container, list):
            container.append(value)
            return 1
        if key is None or key in container:
            return 0  # virJSONValueObjectAppend: no key, or a duplicate
        container[key] = value
        self.stack[-1] = (container, None)
        return 1

    def open(self, container: dict[str, Any] | list[Any]) -> int:
        if not self.insert(container):
            return 0
        self.stack.append((container, None))
        return 1

    def key(self, name: str) -> int:
        container, _old = self.stack[-1]
        self.stack[-1] = (container, name)
        return 1

    def close(self) -> int:
        self.stack.pop()
        return 1


def _callbacks(b: _Builder) -> _Callbacks:
    return _Callbacks(
        null=_CB_VOID(lambda _c: b.insert(None)),
        boolean=_CB_INT(lambda _c, v: b.insert(bool(v))),
        integer=_CB_LLONG(),
        double=_CB_DOUBLE(),
        number=_CB_TEXT(lambda _c, p, n: b.insert(Number(_text(p, n)))),
        string=_CB_TEXT(lambda _c, p, n: b.insert(_text(p, n))),
        start_map=_CB_VOID(lambda _c: b.open({})),
        map_key=_CB_TEXT(lambda _c, p, n: b.key(_text(p, n))),
        end_map=_CB_VOID(lambda _c: b.close()),
        start_array=_CB_VOID(lambda _c: b.open([])),
        end_array=_CB_VOID(lambda _c: b.close()),
    )


def loads(text: str) -> Any:
    """virJSONValueFromString: the value, or :class:`JsonError` with libvirt's message."""
    lib = _lib()
    data = text.encode("utf-8", "surrogateescape")
    builder = _Builder()
    callbacks = _callbacks(builder)
    hand = lib.yajl_alloc(ctypes.byref(callbacks), None, None)
    if not hand:
        raise JsonError("Unable to create JSON parser")
    try:
        if lib.yajl_parse(hand, data, len(data)) != 0 or lib.yajl_complete_parse(hand) != 0:
            err = lib.yajl_get_error(hand, 1, data, len(data))
            detail = ctypes.string_at(err).decode("utf-8", "surrogateescape") if err else ""
            if err:
                lib.yajl_free_error(hand, err)
            raise JsonError(f"cannot parse json {text}: {detail}")
    finally:
        lib.yajl_free(hand)
    if builder.stack:
        raise JsonError(f"cannot parse json {text}: unterminated string/map/array")
    return builder.head


def parses_to_object(text: str) -> bool:
    """Whether virJSONValueFromString gives an object (virJSONValueIsObject)."""
    try:
        return isinstance(loads(text), dict)
    except JsonError:
        return False


def dumps(value: Any, pretty: bool = False) -> str:
    """virJSONValueToString: yajl's output, beautified with two-space indents
    (and a final newline) when ``pretty``."""
    lib = _lib()
    g = lib.yajl_gen_alloc(None)
    if not g:
        raise MemoryError("yajl_gen_alloc")
    try:
        # yajl_gen_config is variadic: the option and its value as C types.
        lib.yajl_gen_config(ctypes.c_void_p(g), ctypes.c_int(_GEN_BEAUTIFY), ctypes.c_int(pretty))
        indent = ctypes.c_char_p(b"  " if pretty else b"")
        lib.yajl_gen_config(ctypes.c_void_p(g), ctypes.c_int(_GEN_INDENT_STRING), indent)
        lib.yajl_gen_config(ctypes.c_void_p(g), ctypes.c_int(_GEN_VALIDATE_UTF8), ctypes.c_int(1))
        _generate(lib, g, value, 0)
        buf = ctypes.c_char_p()
        size = ctypes.c_size_t()
        if lib.yajl_gen_get_buf(g, ctypes.byref(buf), ctypes.byref(size)) != 0:
            raise MemoryError("yajl_gen_get_buf")
        return ctypes.string_at(buf, size.value).decode("utf-8", "surrogateescape")
    finally:
        lib.yajl_gen_free(g)


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _generate(lib: ctypes.CDLL, g: int, value: Any, depth: int) -> None:
    """virJSONValueToStringOne (JSON nesting is bounded by yajl's 128 levels)."""
    if depth > _MAX_DEPTH:
        raise MemoryError("JSON nested too deeply")
    if isinstance(value, dict):
        lib.yajl_gen_map_open(g)
        for key, item in value.items():
            raw = _bytes(key)
            lib.yajl_gen_string(g, raw, len(raw))
            _generate(lib, g, item, depth + 1)
        lib.yajl_gen_map_close(g)
    elif isinstance(value, list):
        lib.yajl_gen_array_open(g)
        for item in value:
            _generate(lib, g, item, depth + 1)
        lib.yajl_gen_array_close(g)
    elif isinstance(value, Number):
        raw = _bytes(value)
        lib.yajl_gen_number(g, raw, len(raw))
    elif isinstance(value, str):
        raw = _bytes(value)
        lib.yajl_gen_string(g, raw, len(raw))
    elif isinstance(value, bool):
        lib.yajl_gen_bool(g, int(value))
    elif value is None:
        lib.yajl_gen_null(g)
    elif isinstance(value, int | float):
        raw = _bytes(repr(value))
        lib.yajl_gen_number(g, raw, len(raw))
    else:
        raise TypeError(f"not a JSON value: {type(value).__name__}")
