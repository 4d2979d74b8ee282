"""host commands: hostname, uri, version (tools/virsh-host.c).

``version --json`` (a vsh extension) prints one object::

    {
      "compiled_library": "9.0.0",    # the libvirt vsh reproduces (virsh's build)
      "library": "9.0.0",             # libvirt loaded at run time
      "hypervisor_type": "TEST",      # virConnectGetType
      "api": "9.0.0",                 # the driver API version
      "hypervisor": "0.0.2" | null,   # null: version not known (virsh: "Cannot extract")
      "daemon": "9.0.0"               # only with --daemon; null if it cannot be read
    }

Versions are "major.minor.release" strings, as virsh prints them.
"""

from __future__ import annotations

from typing import Any

import libvirt

from vsh.command import command, option
from vsh.errors import VshError
from vsh.grammar import OptKind
from vsh.session import Session

GROUP = "host"

# The libvirt release virsh was built against ("Compiled against library").
COMPILED_VERSION = 9_000_000


def version_text(number: int) -> str:
    """1000000*major + 1000*minor + release as "major.minor.release"."""
    return f"{number // 1_000_000}.{number % 1_000_000 // 1000}.{number % 1000}"


@command(
    "hostname",
    summary="print the hypervisor hostname",
    description="",
    group=GROUP,
)
def hostname(s: Session) -> bool:
    try:
        name = s.conn.getHostname()
    except libvirt.libvirtError as err:
        raise VshError("failed to get hostname", cause=err) from err
    s.print(f"{name}\n")
    return True


@command(
    "uri",
    summary="print the hypervisor canonical URI",
    description="",
    group=GROUP,
)
def uri(s: Session) -> bool:
    try:
        text = s.conn.getURI()
    except libvirt.libvirtError as err:
        raise VshError("failed to get URI", cause=err) from err
    s.print(f"{text}\n")
    return True


def version_data(s: Session, daemon: bool) -> tuple[dict[str, Any], list[str]]:
    """What ``version`` reports, and the errors virsh would print on the way.

    Raises VshError where virsh gives up (``_Partial`` when some lines were
    known by then); a daemon version that cannot be read is an error line
    but not a failure: virsh goes on and succeeds.
    """
    conn = s.conn
    try:
        hv_type = conn.getType()
    except libvirt.libvirtError as err:
        raise VshError("failed to get hypervisor type", cause=err) from err
    data: dict[str, Any] = {"compiled_library": version_text(COMPILED_VERSION)}
    try:
        lib_version, api_version = libvirt.getVersion(hv_type)
    except libvirt.libvirtError as err:
        raise _Partial(data, VshError("failed to get the library version", cause=err)) from err
    data["library"] = version_text(lib_version)
    data["hypervisor_type"] = hv_type
    data["api"] = version_text(api_version)
    try:
        hv_version = conn.getVersion()
    except libvirt.libvirtError as err:
        raise _Partial(data, VshError("failed to get the hypervisor version", cause=err)) from err
    data["hypervisor"] = version_text(hv_version) if hv_version else None
    errors: list[str] = []
    if daemon:
        try:
            data["daemon"] = version_text(conn.getLibVersion())
        except libvirt.libvirtError as err:
            data["daemon"] = None
            errors.append("failed to get the daemon version")
            s.last_error = err  # left pending, as in virsh
    return data, errors


class _Partial(Exception):
    """A failure after some of the data was known (virsh printed it already)."""

    def __init__(self, data: dict[str, Any], error: VshError) -> None:
        super().__init__(error)
        self.data = data
        self.error = error


def render_version(data: dict[str, Any]) -> str:
    lines = [f"Compiled against library: libvirt {data['compiled_library']}\n"]
    if "library" in data:
        lines.append(f"Using library: libvirt {data['library']}\n")
        lines.append(f"Using API: {data['hypervisor_type']} {data['api']}\n")
    if "hypervisor" in data:
        if data["hypervisor"] is None:
            lines.append(f"Cannot extract running {data['hypervisor_type']} hypervisor version\n")
        else:
            lines.append(f"Running hypervisor: {data['hypervisor_type']} {data['hypervisor']}\n")
    if data.get("daemon"):
        lines.append(f"Running against daemon: {data['daemon']}\n")
    return "".join(lines)


@command(
    "version",
    summary="show version",
    description="Display the system version information.",
    group=GROUP,
)
@option("daemon", OptKind.BOOL, "report daemon version too")
@option("json", OptKind.BOOL, "print the versions as JSON", extension=True)
def version(s: Session, daemon: bool, json: bool) -> bool:
    as_json = json or s.settings.json
    try:
        data, errors = version_data(s, daemon)
    except _Partial as partial:
        if not as_json:
            s.print(render_version(partial.data))
        raise partial.error from None
    if as_json:
        from vsh.output.jsonout import render_json

        s.print(render_json(data))
    else:
        # virsh prints the daemon error between the lines it has printed and none after.
        s.print(render_version(data))
    for message in errors:
        s.error(message)
    return True
