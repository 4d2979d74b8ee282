"""libvirt's typed-parameter domain and node APIs called as virsh calls them (ctypes).

The Python binding's ``setMemoryParameters`` and friends take a dict and
first *get* the parameters to learn their types: a repeated or unknown
field never reaches the driver (the binding raises ``LookupError``), and a
failure of that hidden get replaces the driver's own error.  virsh's tuning
commands send exactly the fields the user gave, in order, and tell the
count query's failure from the fetch's; so these calls go straight to
``libvirt.so`` with the domain pointer the binding holds.  The library is
the one the binding loaded: a failure leaves its error where
``libvirt.libvirtError`` finds it.
"""

from __future__ import annotations

import ctypes
from typing import Any

import libvirt

from vsh.core.record import FrozenRecord

# virTypedParameterType
INT, UINT, LLONG, ULLONG, DOUBLE, BOOLEAN, STRING = range(1, 8)
FIELD_LENGTH = 80  # VIR_TYPED_PARAM_FIELD_LENGTH


class _Value(ctypes.Union):
    _fields_ = (
        ("i", ctypes.c_int),
        ("ui", ctypes.c_uint),
        ("l", ctypes.c_longlong),
        ("ul", ctypes.c_ulonglong),
        ("d", ctypes.c_double),
        ("b", ctypes.c_char),
        ("s", ctypes.c_char_p),
    )


class _Param(ctypes.Structure):
    _fields_ = (
        ("field", ctypes.c_char * FIELD_LENGTH),
        ("type", ctypes.c_int),
        ("value", _Value),
    )


_PARAM_P = ctypes.POINTER(_Param)


class Param(FrozenRecord):
    """One typed parameter: its field name, virTypedParameterType and value."""

    field: str
    kind: int
    value: Any


_lib: ctypes.CDLL | None = None


def _libvirt() -> ctypes.CDLL:
    global _lib
    if _lib is None:
        _lib = ctypes.CDLL("libvirt.so.0")
    return _lib


def _capsule(obj: object, name: bytes) -> ctypes.c_void_p:
    """The C pointer inside a binding object's ``_o`` capsule named ``name``."""
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype = ctypes.c_void_p
    get.argtypes = (ctypes.py_object, ctypes.c_char_p)
    return ctypes.c_void_p(get(obj._o, name))  # type: ignore[attr-defined]


def domain_ptr(dom: libvirt.virDomain) -> ctypes.c_void_p:
    """The virDomainPtr inside the binding's object."""
    return _capsule(dom, b"virDomainPtr")


def _connect_ptr(conn: libvirt.virConnect) -> ctypes.c_void_p:
    """The virConnectPtr inside the binding's object."""
    return _capsule(conn, b"virConnectPtr")


def _raise() -> None:
    raise libvirt.libvirtError("an error occurred")


def _arg(value: str | None) -> ctypes.c_char_p:
    return ctypes.c_char_p(None if value is None else value.encode())


def _decode(raw: _Param) -> Param:
    kind = raw.type
    value: Any
    if kind == INT:
        value = raw.value.i
    elif kind == UINT:
        value = raw.value.ui
    elif kind == LLONG:
        value = raw.value.l
    elif kind == ULLONG:
        value = raw.value.ul
    elif kind == DOUBLE:
        value = raw.value.d
    elif kind == BOOLEAN:
        value = raw.value.b != b"\0"
    else:
        value = (raw.value.s or b"").decode(errors="replace")
    return Param(raw.field.decode(errors="replace"), kind, value)


def _encode(params: list[Param]) -> Any:
    array = (_Param * max(len(params), 1))()
    for slot, param in zip(array, params, strict=False):
        slot.field = param.field.encode()[: FIELD_LENGTH - 1]
        slot.type = param.kind
        if param.kind == INT:
            slot.value.i = param.value
        elif param.kind == UINT:
            slot.value.ui = param.value
        elif param.kind == LLONG:
            slot.value.l = param.value
        elif param.kind == ULLONG:
            slot.value.ul = param.value
        elif param.kind == DOUBLE:
            slot.value.d = param.value
        elif param.kind == BOOLEAN:
            slot.value.b = b"\1" if param.value else b"\0"
        else:
            slot.value.s = str(param.value).encode()
    return array


def count(dom: libvirt.virDomain, api: str, args: tuple[str | None, ...], flags: int) -> int:
    """``virDomainGetX(dom, *args, NULL, &n, flags)``: how many parameters there are."""
    n = ctypes.c_int(0)
    func = getattr(_libvirt(), api)
    pointers = [_arg(a) for a in args]
    if func(domain_ptr(dom), *pointers, None, ctypes.byref(n), ctypes.c_uint(flags)) != 0:
        _raise()
    return n.value


def fetch(
    dom: libvirt.virDomain, api: str, args: tuple[str | None, ...], n: int, flags: int
) -> list[Param]:
    """``virDomainGetX(dom, *args, params, &n, flags)`` with room for ``n``."""
    array = (_Param * n)()
    got = ctypes.c_int(n)
    lib = _libvirt()
    func = getattr(lib, api)
    pointers = [_arg(a) for a in args]
    if func(domain_ptr(dom), *pointers, array, ctypes.byref(got), ctypes.c_uint(flags)) != 0:
        _raise()
    try:
        return [_decode(array[i]) for i in range(got.value)]
    finally:
        lib.virTypedParamsClear(array, got)


def fetch_allocated(dom: libvirt.virDomain, api: str, flags: int) -> list[Param]:
    """``virDomainGetX(dom, &params, &n, flags)`` where libvirt allocates (perf events)."""
    array = _PARAM_P()
    got = ctypes.c_int(0)
    lib = _libvirt()
    func = getattr(lib, api)
    if func(domain_ptr(dom), ctypes.byref(array), ctypes.byref(got), ctypes.c_uint(flags)) != 0:
        _raise()
    try:
        return [_decode(array[i]) for i in range(got.value)]
    finally:
        lib.virTypedParamsFree(array, got)


def store(
    dom: libvirt.virDomain,
    api: str,
    args: tuple[str | None, ...],
    params: list[Param],
    flags: int,
) -> None:
    """``virDomainSetX(dom, *args, params, n, flags)`` with exactly ``params``."""
    func = getattr(_libvirt(), api)
    pointers = [_arg(a) for a in args]
    array = _encode(params)
    if func(domain_ptr(dom), *pointers, array, len(params), ctypes.c_uint(flags)) != 0:
        _raise()


def store_with_id(
    dom: libvirt.virDomain, api: str, ident: int, params: list[Param], flags: int
) -> None:
    """``virDomainSetX(dom, id, params, n, flags)``: an unsigned id first (IOThreads)."""
    func = getattr(_libvirt(), api)
    array = _encode(params)
    if func(domain_ptr(dom), ctypes.c_uint(ident), array, len(params), ctypes.c_uint(flags)):
        _raise()


def job_stats(dom: libvirt.virDomain, flags: int) -> tuple[int, list[Param]]:
    """``virDomainGetJobStats(dom, &type, &params, &n, flags)``: the job type and
    the parameters with their types, in libvirt's order (the binding's dict
    loses the types that virsh's --rawstats prints by)."""
    kind = ctypes.c_int(0)
    array = _PARAM_P()
    got = ctypes.c_int(0)
    lib = _libvirt()
    call = lib.virDomainGetJobStats
    if call(
        domain_ptr(dom),
        ctypes.byref(kind),
        ctypes.byref(array),
        ctypes.byref(got),
        ctypes.c_uint(flags),
    ):
        _raise()
    try:
        return kind.value, [_decode(array[i]) for i in range(got.value)]
    finally:
        lib.virTypedParamsFree(array, got)


def migrate3(
    dom: libvirt.virDomain, dconn: libvirt.virConnect, params: list[Param], flags: int
) -> None:
    """``virDomainMigrate3(dom, dconn, params, n, flags)`` with exactly ``params``
    (a list may repeat a field, as virsh's --migrate-disks does); the domain it
    returns on the destination is freed at once, as virsh does."""
    lib = _libvirt()
    call = lib.virDomainMigrate3
    call.restype = ctypes.c_void_p
    array = _encode(params)
    ddom = call(domain_ptr(dom), _connect_ptr(dconn), array, len(params), ctypes.c_uint(flags))
    if not ddom:
        _raise()
    lib.virDomainFree(ctypes.c_void_p(ddom))


def migrate_to_uri3(
    dom: libvirt.virDomain, dconnuri: str | None, params: list[Param], flags: int
) -> None:
    """``virDomainMigrateToURI3(dom, dconnuri, params, n, flags)`` (p2p, direct)."""
    array = _encode(params)
    call = _libvirt().virDomainMigrateToURI3
    if call(domain_ptr(dom), _arg(dconnuri), array, len(params), ctypes.c_uint(flags)) != 0:
        _raise()


# -- connection-level calls (virNodeGet/SetMemoryParameters) ---------------------------


def node_count(conn: libvirt.virConnect, api: str, flags: int) -> int:
    """``virNodeGetX(conn, NULL, &n, flags)``: how many parameters there are."""
    n = ctypes.c_int(0)
    if getattr(_libvirt(), api)(_connect_ptr(conn), None, ctypes.byref(n), ctypes.c_uint(flags)):
        _raise()
    return n.value


def node_fetch(conn: libvirt.virConnect, api: str, n: int, flags: int) -> list[Param]:
    """``virNodeGetX(conn, params, &n, flags)`` with room for ``n``."""
    array = (_Param * n)()
    got = ctypes.c_int(n)
    lib = _libvirt()
    if getattr(lib, api)(_connect_ptr(conn), array, ctypes.byref(got), ctypes.c_uint(flags)):
        _raise()
    try:
        return [_decode(array[i]) for i in range(got.value)]
    finally:
        lib.virTypedParamsClear(array, got)


def node_store(conn: libvirt.virConnect, api: str, params: list[Param], flags: int) -> None:
    """``virNodeSetX(conn, params, n, flags)`` with exactly ``params``."""
    array = _encode(params)
    if getattr(_libvirt(), api)(_connect_ptr(conn), array, len(params), ctypes.c_uint(flags)):
        _raise()


def node_free_pages(
    conn: libvirt.virConnect, pages: list[int], start_cell: int, cell_count: int
) -> list[int]:
    """``virNodeGetFreePages``: the counts, ``cell_count`` rows of ``len(pages)``.

    Called directly: the binding builds its answer from the call's return
    value, which some drivers (the test driver) leave at 0 while filling the
    counts, as virsh reads them.
    """
    sizes = (ctypes.c_uint * max(len(pages), 1))(*pages)
    counts = (ctypes.c_ulonglong * max(len(pages) * cell_count, 1))()
    call = _libvirt().virNodeGetFreePages
    if (
        call(
            _connect_ptr(conn),
            ctypes.c_uint(len(pages)),
            sizes,
            ctypes.c_int(start_cell),
            ctypes.c_uint(cell_count),
            counts,
            ctypes.c_uint(0),
        )
        < 0
    ):
        _raise()
    return [int(counts[i]) for i in range(len(pages) * cell_count)]
