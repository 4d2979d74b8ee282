"""volume commands (tools/virsh-volume.c): storage volumes.

In virsh's help order: vol-clone, vol-create-as, vol-create, vol-create-from,
vol-delete, vol-download, vol-dumpxml, vol-info, vol-key, vol-list, vol-name,
vol-path, vol-pool, vol-resize, vol-upload, vol-wipe.

Volumes are found through :func:`vsh.virt.lookup.volume`: by name in ``--pool``
when it is given, else by key, else by path, with virsh's messages.  Sizes
(``vol-create-as``, ``vol-resize``) are virsh's scaled integers: digits and
an optional suffix (b, k/KiB = 1024, KB = 1000, ... up to E), parsed by
:func:`vol_size` exactly as virshVolSize does, errors included.

``vol-download`` opens its file as virsh does: ``O_WRONLY|O_CREAT|O_EXCL``
with mode 0666 (so the umask decides: 0644 under the usual 022), falling
back to ``O_WRONLY|O_TRUNC`` on an existing file (whose mode is kept); a
file it created is removed again when the download fails.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable
from typing import Any

import libvirt

from vsh.commands.common import (
    complete_empty,
    file_option,
    json_text,
    kv_text,
    table_text,
    validate_option,
    xpath_options,
)
from vsh.completion.providers import pool_names, volume_names
from vsh.core.command import command, option, option_flags
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind
from vsh.core.jsonshape import INT, NULL, STR, array_of, choice, object_of, prop, shape
from vsh.core.numbers import ULLONG_MAX, c_ullong, numeric_message, scale_integer
from vsh.core.session import DEBUG, Session
from vsh.output.text import pretty_capacity
from vsh.virt import lookup
from vsh.virt.failing import failing

GROUP = "volume"

L = libvirt

VOL_TYPES = ("file", "block", "dir", "network", "netdir", "ploop")
WIPE_ALGORITHMS = (
    "zero",
    "nnsa",
    "dod",
    "bsi",
    "gutmann",
    "schneier",
    "pfitzner7",
    "pfitzner33",
    "random",
    "trim",
)
_C_SPACE = b" \t\n\v\f\r"  # isspace() in the C locale
_G_SPACE = " \t\n\f\r"  # g_ascii_isspace()


def vol_type_text(vtype: int) -> str:
    """virshVolumeTypeToString."""
    return VOL_TYPES[vtype] if 0 <= vtype < len(VOL_TYPES) else "unknown"


# ---------------------------------------------------------------------------
# sizes


def vol_size(text: str) -> int:
    """virshVolSize: virStrToLong_ullp then virScaleInteger(scale 1, ULLONG_MAX).

    Raises ``Malformed size TEXT``, followed (like virsh) by the error
    virScaleInteger reports for an unknown suffix or an overflow.
    """
    from vsh.output.text import to_c_bytes

    raw = to_c_bytes(text)
    i = 0
    while i < len(raw) and raw[i] in _C_SPACE:
        i += 1
    j = i
    if j < len(raw) and raw[j] in b"+-":
        j += 1
    k = j
    while k < len(raw) and 0x30 <= raw[k] <= 0x39:
        k += 1
    malformed = f"Malformed size {text}"
    if k == j or b"-" in raw[i:k]:
        raise VshError(malformed)
    value = int(raw[j:k])
    if value > ULLONG_MAX:
        raise VshError(malformed)
    shown = raw[k:].decode("utf-8", "surrogateescape")
    try:
        return scale_integer(value, shown, 1, ULLONG_MAX)
    except ValueError as exc:
        raise VshError(malformed, str(exc)) from None


def _ull_option(value: str | None, name: str, *, wrap: bool) -> int:
    """vshCommandOptULongLong (``wrap``: ...Wrap): absent is 0.

    The result is given as C's ``long long`` of the same bits: the Python
    binding of virStorageVolUpload/Download parses offset and length signed.
    """
    if value is None:
        return 0
    number = c_ullong(value, positive=not wrap)
    if number is None:
        raise VshError(numeric_message(value, name))
    return number - (ULLONG_MAX + 1) if number > ULLONG_MAX // 2 else number


# ---------------------------------------------------------------------------
# options and completion


def complete_volume_keys(s: Session, _flags: int = 0) -> list[str]:
    """virshStorageVolKeyCompleter: keys of the volumes of active pools."""
    conn = s.connection.current
    if conn is None:
        return []
    keys: list[str] = []
    try:
        for p in conn.listAllStoragePools(L.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE):
            keys.extend(v.key() for v in p.listAllVolumes(0))
    except libvirt.libvirtError:
        return []
    return keys


def complete_wipe_algorithms(_s: Session, _flags: int = 0) -> list[str]:
    return list(WIPE_ALGORITHMS)


_Deco = Callable[[Callable[..., Any]], Callable[..., Any]]


def _vol_option(help_text: str = "vol name, key or path") -> _Deco:
    return option("vol", OptKind.DATA, help_text, required=True, completer=volume_names)


def _pool_optional() -> _Deco:
    return option(
        "pool",
        OptKind.STRING,
        "pool name or uuid",
        completer=pool_names,
        completer_flags=L.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE,
    )


def _pool_required(help_text: str) -> _Deco:
    return option(
        "pool",
        OptKind.DATA,
        help_text,
        required=True,
        completer=pool_names,
        completer_flags=L.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE,
    )


_PREALLOC = "preallocate metadata (for qcow2 instead of full allocation)"


def _create_from_flags(f: Callable[..., Any]) -> Callable[..., Any]:
    """--prealloc-metadata and --reflink of vol-clone and vol-create-from."""
    f = option(
        "reflink",
        OptKind.BOOL,
        "use btrfs COW lightweight copy",
        flag=L.VIR_STORAGE_VOL_CREATE_REFLINK,
    )(f)
    return option(
        "prealloc-metadata",
        OptKind.BOOL,
        _PREALLOC,
        flag=L.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA,
    )(f)


def clone_xml(origxml: str, newname: str) -> str | None:
    """virshMakeCloneXML: the volume's XML with ``/volume/name`` set to
    ``newname`` (libxml2's xmlNodeSetContent and serialiser, as virsh), or
    None when the XML has no such element."""
    from vsh.virt import xpathdump

    root = xpathdump.parse(origxml, "(volume_definition)")
    if root is None:
        return None
    names = root.nodes("/volume/name")
    if not names:
        return None
    names[0].set_content(newname)
    return xpathdump.node_to_string(root)


# ---------------------------------------------------------------------------
# commands, in virsh's table order


@command(
    "vol-clone",
    summary="clone a volume.",
    description="Clone an existing volume within the parent pool.",
    group=GROUP,
)
@_vol_option()
@option("newname", OptKind.DATA, "clone name", required=True, completer=complete_empty)
@_pool_optional()
@_create_from_flags
@option("print-xml", OptKind.BOOL, "print XML document rather than clone the volume")
def vol_clone(
    s: Session,
    vol: str,
    newname: str,
    pool: str | None,
    prealloc_metadata: bool,
    reflink: bool,
    print_xml: bool,
) -> bool:
    origvol = lookup.volume(s, vol, pool, cmd="vol-clone")
    flags = option_flags()
    with failing("failed to get parent pool"):
        origpool = origvol.storagePoolLookupByVolume()
    name = s.text(newname, "newname")
    assert name is not None
    newxml = clone_xml(origvol.XMLDesc(0), name)
    if newxml is None:
        raise VshError("Failed to allocate XML buffer")
    if print_xml:
        s.print(newxml)
        return True
    with failing(f"Failed to clone vol from {origvol.name()}"):
        newvol = origpool.createXMLFrom(newxml, origvol, flags)
    s.print_extra(f"Vol {newvol.name()} cloned from {origvol.name()}\n")
    return True


@command(
    "vol-create-as",
    summary="create a volume from a set of args",
    description="Create a vol.",
    group=GROUP,
)
@_pool_required("pool name")
@option("name", OptKind.DATA, "name of the volume", required=True, completer=complete_empty)
@option(
    "capacity",
    OptKind.DATA,
    "size of the vol, as scaled integer (default bytes)",
    required=True,
    completer=complete_empty,
)
@option(
    "allocation",
    OptKind.STRING,
    "initial allocation size, as scaled integer (default bytes)",
    completer=complete_empty,
)
@option("format", OptKind.STRING, "file format type raw,bochs,qcow,qcow2,qed,vmdk")
@option("backing-vol", OptKind.STRING, "the backing volume if taking a snapshot")
@option("backing-vol-format", OptKind.STRING, "format of backing volume if taking a snapshot")
@option("prealloc-metadata", OptKind.BOOL, _PREALLOC)
@option("print-xml", OptKind.BOOL, "print XML document, but don't define/create")
def vol_create_as(
    s: Session,
    pool: str,
    name: str,
    capacity: str,
    allocation: str | None,
    format: str | None,
    backing_vol: str | None,
    backing_vol_format: str | None,
    prealloc_metadata: bool,
    print_xml: bool,
) -> bool:
    flags = L.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA if prealloc_metadata else 0
    pool_obj = lookup.pool(s, pool, cmd="vol-create-as")
    vol_name = s.text(name, "name")
    cap_text = s.text(capacity, "capacity")
    assert cap_text is not None
    cap = vol_size(cap_text)
    alloc: int | None = None
    if allocation:  # vshCommandOptStringQuiet: an empty value counts as absent
        alloc = vol_size(allocation)
    fmt = s.text(format, "format")
    backing = s.text(backing_vol, "backing-vol")
    backing_fmt = s.text(backing_vol_format, "backing-vol-format")

    lines = ["<volume>", f"  <name>{vol_name}</name>", f"  <capacity>{cap}</capacity>"]
    if alloc is not None:
        lines.append(f"  <allocation>{alloc}</allocation>")
    if fmt is not None:
        lines += ["  <target>", f"    <format type='{fmt}'/>", "  </target>"]
    if backing is not None:
        path = _backing_path(s, pool_obj, backing)
        lines += ["  <backingStore>", f"    <path>{path}</path>"]
        if backing_fmt is not None:
            lines.append(f"    <format type='{backing_fmt}'/>")
        lines.append("  </backingStore>")
    lines.append("</volume>")
    xml = "\n".join(lines) + "\n"
    if print_xml:
        s.print(xml)
        return True
    with failing(f"Failed to create vol {vol_name}"):
        pool_obj.createXML(xml, flags)
    s.print_extra(f"Vol {vol_name} created\n")
    return True


def _backing_path(s: Session, pool_obj: libvirt.virStoragePool, backing: str) -> str:
    """The backing volume as name in the pool, then key, then path; its path."""
    cmd = "vol-create-as"
    conn = s.conn
    vol = None
    finders: tuple[tuple[str, Callable[[], libvirt.virStorageVol]], ...] = (
        ("name", lambda: pool_obj.storageVolLookupByName(backing)),
        ("key", lambda: conn.storageVolLookupByKey(backing)),
        ("path", lambda: conn.storageVolLookupByPath(backing)),
    )
    for how, find in finders:
        s.debug(DEBUG, f"{cmd}: Look up backing store volume '{backing}' as {how}\n")
        try:
            vol = find()
        except libvirt.libvirtError as err:
            s.last_error = err
            continue
        s.debug(DEBUG, f"{cmd}: Backing store volume found using '{backing}' as {how}\n")
        break
    if vol is None:
        raise VshError(f"failed to get vol '{backing}'")
    return vol.path()


@command(
    "vol-create", summary="create a vol from an XML file", description="Create a vol.", group=GROUP
)
@_pool_required("pool name")
@file_option("file containing an XML vol description")
@option(
    "prealloc-metadata", OptKind.BOOL, _PREALLOC, flag=L.VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA
)
@validate_option(L.VIR_STORAGE_VOL_CREATE_VALIDATE)
def vol_create(s: Session, pool: str, file: str, prealloc_metadata: bool, validate: bool) -> bool:
    from vsh.core.vshutil import read_file_all

    flags = option_flags()
    pool_obj = lookup.pool(s, pool, cmd="vol-create")
    path = s.text(file, "file")
    assert path is not None
    xml = read_file_all(path)
    with failing(f"Failed to create vol from {path}"):
        vol = pool_obj.createXML(xml, flags)
    s.print_extra(f"Vol {vol.name()} created from {path}\n")
    return True


@command(
    "vol-create-from",
    summary="create a vol, using another volume as input",
    description="Create a vol from an existing volume.",
    group=GROUP,
)
@_pool_required("pool name or uuid")
@file_option("file containing an XML vol description")
@_vol_option()
@option(
    "inputpool",
    OptKind.STRING,
    "pool name or uuid of the input volume's pool",
    completer=pool_names,
)
@_create_from_flags
@validate_option(L.VIR_STORAGE_VOL_CREATE_VALIDATE)
def vol_create_from(
    s: Session,
    pool: str,
    file: str,
    vol: str,
    inputpool: str | None,
    prealloc_metadata: bool,
    reflink: bool,
    validate: bool,
) -> bool:
    from vsh.core.vshutil import read_file_all

    pool_obj = lookup.pool(s, pool, cmd="vol-create-from")
    flags = option_flags()
    path = s.text(file, "file")
    assert path is not None
    inputvol = lookup.volume(s, vol, inputpool, pool_option="inputpool", cmd="vol-create-from")
    xml = read_file_all(path)
    with failing(f"Failed to create vol from {path}"):
        newvol = pool_obj.createXMLFrom(xml, inputvol, flags)
    s.print_extra(f"Vol {newvol.name()} created from input vol {inputvol.name()}\n")
    return True


@command("vol-delete", summary="delete a vol", description="Delete a given vol.", group=GROUP)
@_vol_option()
@_pool_optional()
@option(
    "delete-snapshots",
    OptKind.BOOL,
    "delete snapshots associated with volume (must be supported by storage driver)",
)
def vol_delete(s: Session, vol: str, pool: str | None, delete_snapshots: bool) -> bool:
    obj = lookup.volume(s, vol, pool, cmd="vol-delete")
    flags = L.VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS if delete_snapshots else 0
    with failing(f"Failed to delete vol {vol}"):
        obj.delete(flags)
    s.print_extra(f"Vol {vol} deleted\n")
    return True


# -- streams -------------------------------------------------------------------


def _in_data(fd: int) -> tuple[bool, int]:
    """virFileInData: (in a data section?, bytes left in the section)."""
    cur = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        data = os.lseek(fd, cur, os.SEEK_DATA)
    except OSError as exc:
        if exc.errno != errno.ENXIO:
            raise
        end = os.lseek(fd, 0, os.SEEK_END)
        os.lseek(fd, cur, os.SEEK_SET)
        return False, end - cur
    if data > cur:
        os.lseek(fd, cur, os.SEEK_SET)
        return False, data - cur
    hole = os.lseek(fd, cur, os.SEEK_HOLE)
    os.lseek(fd, cur, os.SEEK_SET)
    return True, hole - cur


@command(
    "vol-download",
    summary="download volume contents to a file",
    description="Download volume contents to a file",
    group=GROUP,
)
@_vol_option()
@file_option("file")
@_pool_optional()
@option("offset", OptKind.INT, "volume offset to download from")
@option("length", OptKind.INT, "amount of data to download")
@option("sparse", OptKind.BOOL, "preserve sparseness of volume")
def vol_download(
    s: Session,
    vol: str,
    file: str,
    pool: str | None,
    offset: str | None,
    length: str | None,
    sparse: bool,
) -> bool:
    start = _ull_option(offset, "offset", wrap=False)
    count = _ull_option(length, "length", wrap=True)
    obj = lookup.volume(s, vol, pool, cmd="vol-download")
    path = s.text(file, "file")
    assert path is not None
    flags = L.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM if sparse else 0
    created = False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
    except OSError as exc:
        fd = -1
        if exc.errno == errno.EEXIST:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_TRUNC, 0o666)
            except OSError:
                fd = -1
        if fd < 0:
            raise VshError(f"cannot create {path}") from None
    ok = False
    try:
        ok = _download(s, obj, vol, path, fd, start, count, flags)
        fd = -1
    finally:
        if fd >= 0:
            os.close(fd)
        if not ok and created:
            os.unlink(path)
    return ok


def _download(
    s: Session,
    obj: libvirt.virStorageVol,
    name: str,
    path: str,
    fd: int,
    offset: int,
    length: int,
    flags: int,
) -> bool:
    """Receive the volume into ``fd`` (closed here on success)."""
    is_block = stat.S_ISBLK(os.fstat(fd).st_mode)
    with failing("cannot create a new stream"):
        st = s.conn.newStream(0)
    with failing(f"cannot download from volume {name}"):
        obj.download(st, offset, length, flags)

    def sink(_st: libvirt.virStream, data: bytes, _opaque: object) -> int:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        return len(data)

    def skip(_st: libvirt.virStream, size: int, _opaque: object) -> int:
        if is_block:
            zeros = bytes(min(size, 1 << 20))
            while size:
                size -= os.write(fd, zeros[: min(size, len(zeros))])
        else:
            os.ftruncate(fd, os.lseek(fd, size, os.SEEK_CUR))
        return 0

    try:
        st.sparseRecvAll(sink, skip, None)
    except libvirt.libvirtError as err:
        raise VshError(f"cannot receive data from volume {name}", cause=err) from err
    except (OSError, RuntimeError) as exc:
        _abort(st)
        raise VshError(f"cannot receive data from volume {name}") from exc
    try:
        os.close(fd)
    except OSError:
        _abort(st)
        raise VshError(f"cannot close file {path}") from None
    with failing(f"cannot close volume {name}"):
        st.finish()
    return True


def _abort(st: libvirt.virStream) -> None:
    with contextlib.suppress(libvirt.libvirtError):
        st.abort()


@command(
    "vol-dumpxml",
    summary="vol information in XML",
    description="Output the vol information as an XML dump to stdout.",
    group=GROUP,
)
@_vol_option()
@_pool_optional()
@xpath_options
def vol_dumpxml(s: Session, vol: str, pool: str | None, xpath: str | None, wrap: bool) -> bool:
    obj = lookup.volume(s, vol, pool, cmd="vol-dumpxml")
    if xpath == "":
        return False  # vshCommandOptStringQuiet refuses it without a word
    xml = obj.XMLDesc(0)
    from vsh.virt import xpathdump

    xpathdump.dump(s.print, xml, "volume", xpath, wrap)
    return True


VOL_INFO_JSON = shape(
    object_of(
        prop("name", STR),
        prop("type", choice(*VOL_TYPES, "unknown")),
        prop("capacity_bytes", INT),
        prop("allocation_bytes", INT, NULL, doc="null with --physical"),
        prop(
            "physical_bytes",
            INT,
            NULL,
            doc="the host's physical size with --physical, null without it",
        ),
    ),
)


@command(
    "vol-info",
    summary="storage vol information",
    description="Returns basic information about the storage vol.",
    group=GROUP,
    json=VOL_INFO_JSON,
)
@_vol_option()
@_pool_optional()
@option("bytes", OptKind.BOOL, "sizes are represented in bytes rather than pretty units")
@option("physical", OptKind.BOOL, "return the physical size of the volume in allocation field")
@option("json", OptKind.BOOL, "print the volume information as JSON", extension=True)
def vol_info(
    s: Session,
    vol: str,
    pool: str | None,
    bytes: bool,
    physical: bool,
    json: bool,
) -> bool:
    obj = lookup.volume(s, vol, pool, cmd="vol-info")
    as_json = json or s.settings.json
    name = obj.name()
    if not as_json:
        s.print(kv_text([("Name:", name)]))
    if physical:
        vtype, capacity, allocation = obj.infoFlags(L.VIR_STORAGE_VOL_GET_PHYSICAL)
    else:
        vtype, capacity, allocation = obj.info()
    if as_json:
        data = {
            "name": name,
            "type": vol_type_text(vtype),
            "capacity_bytes": capacity,
            "allocation_bytes": None if physical else allocation,
            "physical_bytes": allocation if physical else None,
        }
        s.print(json_text(data))
        return True
    second = "Physical:" if physical else "Allocation:"
    if bytes:
        sizes = [("Capacity:", f"{capacity} bytes"), (second, f"{allocation} bytes")]
    else:
        sizes = [("Capacity:", pretty_capacity(capacity)), (second, pretty_capacity(allocation))]
    s.print(kv_text([("Type:", vol_type_text(vtype)), *sizes]))
    return True


@command(
    "vol-key",
    summary="returns the volume key for a given volume name or path",
    description="",
    group=GROUP,
)
@_vol_option("volume name or path")
@_pool_optional()
def vol_key(s: Session, vol: str, pool: str | None) -> bool:
    obj = lookup.volume(s, vol, pool, cmd="vol-key")
    s.print(f"{obj.key()}\n")
    return True


# -- vol-list ------------------------------------------------------------------


def collect_volumes(pool_obj: libvirt.virStoragePool) -> list[libvirt.virStorageVol]:
    """virshStorageVolListCollect: the pool's volumes sorted by name (ASCII case
    ignored).  (virsh's fall-back for servers older than 0.10.2 is not kept.)"""
    from vsh.output.text import to_c_bytes

    with failing("Failed to list volumes"):
        vols = pool_obj.listAllVolumes(0)
    return sorted(vols, key=lambda v: to_c_bytes(v.name()).lower())


def _vol_item(s: Session, v: libvirt.virStorageVol, details: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": v.name(),
        "path": None,
        "type": None,
        "capacity_bytes": None,
        "allocation_bytes": None,
    }
    try:
        item["path"] = v.path()
    except libvirt.libvirtError as err:
        s.last_error = err
    if details:
        try:
            vtype, capacity, allocation = v.info()
        except libvirt.libvirtError as err:
            s.last_error = err
        else:
            item.update(
                type=vol_type_text(vtype), capacity_bytes=capacity, allocation_bytes=allocation
            )
    return item


VOL_LIST_JSON = shape(
    array_of(
        object_of(
            prop("name", STR),
            prop("path", STR, NULL, doc="null when it could not be read (virsh shows unknown)"),
            prop(
                "type",
                choice(*VOL_TYPES, "unknown"),
                NULL,
                doc="null when the volume's info could not be read",
            ),
            prop("capacity_bytes", INT, NULL, doc="null when the info could not be read"),
            prop("allocation_bytes", INT, NULL, doc="null when the info could not be read"),
        )
    ),
    doc="In virsh's order (names ignoring ASCII case).",
)


@command(
    "vol-list",
    summary="list vols",
    description="Returns list of vols by pool.",
    group=GROUP,
    json=VOL_LIST_JSON,
)
@_pool_required("pool name or uuid")
@option("details", OptKind.BOOL, "display extended details for volumes")
@option("json", OptKind.BOOL, "print the volumes as JSON", extension=True)
def vol_list(s: Session, pool: str, details: bool, json: bool) -> bool:
    pool_obj = lookup.pool(s, pool, cmd="vol-list")
    as_json = json or s.settings.json
    items = [_vol_item(s, v, details or as_json) for v in collect_volumes(pool_obj)]
    if as_json:
        s.print(json_text(items))
        return True
    rows: list[list[str]] = []
    for item in items:
        row = [item["name"], "unknown" if item["path"] is None else item["path"]]
        if details:
            if item["type"] is None:
                row += ["unknown"] * 3
            else:
                row += [
                    item["type"],
                    pretty_capacity(item["capacity_bytes"]),
                    pretty_capacity(item["allocation_bytes"]),
                ]
        rows.append(row)
    header = ["Name", "Path"]
    if details:
        header += ["Type", "Capacity", "Allocation"]
    s.print(table_text(s, header, rows))
    return True


@command(
    "vol-name",
    summary="returns the volume name for a given volume key or path",
    description="",
    group=GROUP,
)
@option("vol", OptKind.DATA, "volume key or path", required=True, completer=complete_volume_keys)
def vol_name(s: Session, vol: str) -> bool:
    obj = lookup.volume(s, vol, None, pool_option=None, flags=lookup.BY_UUID, cmd="vol-name")
    s.print(f"{obj.name()}\n")
    return True


@command(
    "vol-path",
    summary="returns the volume path for a given volume name or key",
    description="",
    group=GROUP,
)
@_vol_option("volume name or key")
@_pool_optional()
def vol_path(s: Session, vol: str, pool: str | None) -> bool:
    obj = lookup.volume(s, vol, pool, cmd="vol-path")
    s.print(f"{obj.path()}\n")
    return True


@command(
    "vol-pool",
    summary="returns the storage pool for a given volume key or path",
    description="",
    group=GROUP,
)
@option("vol", OptKind.DATA, "volume key or path", required=True, completer=complete_volume_keys)
@option("uuid", OptKind.BOOL, "return the pool uuid rather than pool name")
def vol_pool(s: Session, vol: str, uuid: bool) -> bool:
    obj = lookup.volume(s, vol, None, pool_option=None, flags=lookup.BY_UUID, cmd="vol-pool")
    with failing("failed to get parent pool"):
        pool_obj = obj.storagePoolLookupByVolume()
    if uuid:
        try:
            s.print(f"{pool_obj.UUIDString()}\n")
        except libvirt.libvirtError as err:
            s.last_error = err
    else:
        s.print(f"{pool_obj.name()}\n")
    return True


@command(
    "vol-resize",
    summary="resize a vol",
    description="Resizes a storage volume. This is safe only for storage volumes not in use "
    "by an active guest.\nSee blockresize for live resizing.",
    group=GROUP,
)
@_vol_option()
@option(
    "capacity",
    OptKind.DATA,
    "new capacity for the vol, as scaled integer (default bytes)",
    required=True,
    completer=complete_empty,
)
@_pool_optional()
@option(
    "allocate",
    OptKind.BOOL,
    "allocate the new capacity, rather than leaving it sparse",
    flag=L.VIR_STORAGE_VOL_RESIZE_ALLOCATE,
)
@option("delta", OptKind.BOOL, "use capacity as a delta to current size, rather than the new size")
@option(
    "shrink",
    OptKind.BOOL,
    "allow the resize to shrink the volume",
    flag=L.VIR_STORAGE_VOL_RESIZE_SHRINK,
)
def vol_resize(
    s: Session,
    vol: str,
    capacity: str,
    pool: str | None,
    allocate: bool,
    delta: bool,
    shrink: bool,
) -> bool:
    flags = option_flags()
    obj = lookup.volume(s, vol, pool, cmd="vol-resize")
    text = s.text(capacity, "capacity")
    assert text is not None
    text = text.lstrip(_G_SPACE)
    if text.startswith("-"):
        if not shrink:
            raise VshError("negative size requires --shrink")
        text = text[1:]
        delta = True
    if delta:
        flags |= L.VIR_STORAGE_VOL_RESIZE_DELTA
    size = vol_size(text)
    how = "by" if delta else "to"
    with failing(f"Failed to change size of volume '{obj.name()}' {how} {text}"):
        obj.resize(size, flags)
    s.print_extra(f"Size of volume '{obj.name()}' successfully changed {how} {text}\n")
    return True


@command(
    "vol-upload",
    summary="upload file contents to a volume",
    description="Upload file contents to a volume",
    group=GROUP,
)
@_vol_option()
@file_option("file")
@_pool_optional()
@option("offset", OptKind.INT, "volume offset to upload to")
@option("length", OptKind.INT, "amount of data to upload")
@option("sparse", OptKind.BOOL, "preserve sparseness of volume")
def vol_upload(
    s: Session,
    vol: str,
    file: str,
    pool: str | None,
    offset: str | None,
    length: str | None,
    sparse: bool,
) -> bool:
    start = _ull_option(offset, "offset", wrap=False)
    count = _ull_option(length, "length", wrap=True)
    obj = lookup.volume(s, vol, pool, cmd="vol-upload")
    path = s.text(file, "file")
    assert path is not None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        raise VshError(f"cannot read {path}") from None
    try:
        return _upload(s, obj, vol, path, fd, start, count, sparse)
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)


def _upload(
    s: Session,
    obj: libvirt.virStorageVol,
    name: str,
    path: str,
    fd: int,
    offset: int,
    length: int,
    sparse: bool,
) -> bool:
    is_block = stat.S_ISBLK(os.fstat(fd).st_mode)
    flags = L.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM if sparse else 0
    with failing("cannot create a new stream"):
        st = s.conn.newStream(0)
    with failing(f"cannot upload to volume {name}"):
        obj.upload(st, offset, length, flags)

    def source(_st: libvirt.virStream, nbytes: int, _opaque: object) -> bytes:
        return os.read(fd, nbytes)

    def in_data(_st: libvirt.virStream, _opaque: object) -> tuple[bool, int]:
        if is_block:
            return True, 1 << 20
        try:
            return _in_data(fd)
        except OSError:
            s.error("Unable to get current position in stream")
            raise

    def skip(_st: libvirt.virStream, size: int, _opaque: object) -> int:
        os.lseek(fd, size, os.SEEK_CUR)
        return 0

    try:
        if sparse:
            st.sparseSendAll(source, in_data, skip, None)
        else:
            st.sendAll(source, None)
    except libvirt.libvirtError as err:
        raise VshError(f"cannot send data to volume {name}", cause=err) from err
    except (OSError, RuntimeError) as exc:
        _abort(st)
        raise VshError(f"cannot send data to volume {name}") from exc
    with failing(f"cannot close volume {name}"):
        st.finish()
    return True


@command(
    "vol-wipe",
    summary="wipe a vol",
    description="Ensure data previously on a volume is not accessible to future reads",
    group=GROUP,
)
@_vol_option()
@_pool_optional()
@option(
    "algorithm",
    OptKind.STRING,
    "perform selected wiping algorithm",
    completer=complete_wipe_algorithms,
)
def vol_wipe(s: Session, vol: str, pool: str | None, algorithm: str | None) -> bool:
    obj = lookup.volume(s, vol, pool, cmd="vol-wipe")
    algo_text = s.text(algorithm, "algorithm")
    algo = L.VIR_STORAGE_VOL_WIPE_ALG_ZERO
    if algo_text is not None:
        if algo_text not in WIPE_ALGORITHMS:
            raise VshError(f"Unsupported algorithm '{algo_text}'")
        algo = WIPE_ALGORITHMS.index(algo_text)
    with failing(f"Failed to wipe vol {vol}"):
        try:
            obj.wipePattern(algo, 0)
        except libvirt.libvirtError as err:
            if not (
                err.get_error_code() == L.VIR_ERR_NO_SUPPORT
                and algo == L.VIR_STORAGE_VOL_WIPE_ALG_ZERO
            ):
                raise
            obj.wipe(0)
    s.print_extra(f"Vol {vol} wiped\n")
    return True
