"""The warm protocol, both directions, over a unix stream socket.

Request (client → server), one per connection::

    b"VSH1" + u32 length + fields joined by NUL

The fields are the request kind (``run``, ``status`` or ``stop``), the
client's identity (see :func:`identity`), and for ``run`` the working
directory, the umask in octal, argv[0], the argument count, the arguments and
then ``KEY=VALUE`` environment entries, all as the bytes the client has (NUL
cannot occur in any of them).  A ``run`` request carries the client's
descriptors 0, 1 and 2 (SCM_RIGHTS) with its first bytes.

Replies (server or worker → client) are text lines: ``pid N`` (the worker,
also its process group), ``exit N`` or ``signal N`` (how it ended; the first
such line counts), ``stale`` (the server is another build of vsh and goes
away), ``refused REASON``, ``status KEY=VALUE ...`` and ``stopping``.
"""

from __future__ import annotations

import os
import struct

MAGIC = b"VSH1"
HEADER = struct.Struct("=4sI")
MAX_REQUEST = 64 << 20  # argv + environment; the kernel's own limits are lower
STDIO = (0, 1, 2)


class ProtocolError(Exception):
    """A malformed request or reply."""


def identity() -> str:
    """This installation of vsh: its version and its files' identity.

    A server whose identity differs from its client's is another build (an
    upgrade, or a developer's edit) and must not run the client's command.
    """
    import vsh

    parts = [vsh.__version__]
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name in ("__init__.py", "cli.py", os.path.join("warm", "wire.py")):
        info = os.stat(os.path.join(here, name))
        parts.append(f"{info.st_ino}:{info.st_mtime_ns}:{info.st_size}")
    return "/".join(parts)


def encode_request(kind: str, ident: str, fields: list[bytes] | None = None) -> bytes:
    payload = b"\0".join([kind.encode(), ident.encode(), *(fields or [])])
    return HEADER.pack(MAGIC, len(payload)) + payload


def run_fields(argv0: str, args: list[str], cwd: bytes, umask: int) -> list[bytes]:
    """The fields of a ``run`` request from this process's state."""
    environ = dict(os.environb)
    if _coerced(environ):
        # undo PEP 538: the interpreter turned a C locale into LC_CTYPE=C.UTF-8
        # (and UTF-8 mode, which a worker cannot have); the caller's locale was C
        environ[b"LC_CTYPE"] = b"C"
    env = [k + b"=" + v for k, v in environ.items()]
    return [
        cwd,
        f"{umask:o}".encode(),
        os.fsencode(argv0),
        str(len(args)).encode(),
        *(os.fsencode(a) for a in args),
        *env,
    ]


def _coerced(environ: dict[bytes, bytes]) -> bool:
    """Whether this interpreter coerced a C locale (see vsh.output.text)."""
    import sys

    return (
        bool(sys.flags.utf8_mode)
        and environ.get(b"LC_CTYPE") == b"C.UTF-8"
        and not environ.get(b"LC_ALL")
        and b"PYTHONUTF8" not in environ
    )


class Request:
    """A decoded request (the server side)."""

    __slots__ = ("args", "argv0", "cwd", "env", "ident", "kind", "payload", "umask")

    def __init__(self, payload: bytes) -> None:
        self.payload = payload  # as received: the server passes it on to the worker
        fields = payload.split(b"\0")
        if len(fields) < 2:
            raise ProtocolError("short request")
        self.kind = fields[0].decode("ascii", "replace")
        self.ident = fields[1].decode("utf-8", "replace")
        self.cwd = b"/"
        self.umask = 0o022
        self.argv0 = "vsh"
        self.args: list[str] = []
        self.env: dict[bytes, bytes] = {}
        if self.kind != "run":
            return
        try:
            self.cwd = fields[2]
            self.umask = int(fields[3], 8)
            self.argv0 = os.fsdecode(fields[4])
            count = int(fields[5])
            self.args = [os.fsdecode(a) for a in fields[6 : 6 + count]]
            if len(self.args) != count:
                raise ProtocolError("argument count")
            for entry in fields[6 + count :]:
                key, eq, value = entry.partition(b"=")
                if eq:
                    self.env[key] = value
        except (IndexError, ValueError) as exc:
            raise ProtocolError(f"bad run request: {exc}") from None


def parse_header(data: bytes) -> int:
    """The payload length announced by a request's first bytes."""
    magic, length = HEADER.unpack(data[: HEADER.size])
    if magic != MAGIC or length > MAX_REQUEST:
        raise ProtocolError("not a vsh request")
    return int(length)
