"""Where the warm server lives, and the checks that make the place private.

The directory is ``$XDG_RUNTIME_DIR/vsh`` or, when that variable is unset,
``/tmp/vsh-UID`` (as ssh-agent and tmux do).  Whoever creates it makes it
0700; whoever uses it checks that it is a real directory (not a symlink),
owned by the caller's UID and closed to group and others.  Anything else is
refused: another user must never be able to plant a socket we talk to.
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False  # typing would cost the client more than its budget
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

SOCKET_NAME = "warm.sock"
LOCK_NAME = "warm.lock"
LOG_NAME = "warm.log"


class Unsafe(Exception):
    """The directory or socket is not ours alone (the message says how)."""


def directory(environ: Mapping[str, str] | None = None) -> str:
    """The per-user directory the server's socket lives in (not created)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_RUNTIME_DIR", "")
    if base:
        return os.path.join(base, "vsh")
    return f"/tmp/vsh-{os.geteuid()}"


def ensure_private(path: str, *, create: bool) -> str:
    """``path`` as a checked private directory; created 0700 when asked."""
    if create:
        try:  # noqa: SIM105 (contextlib costs the client 3 ms)
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
    check_private(path, stat.S_ISDIR, "directory")
    return path


def check_private(path: str, is_kind: Callable[[int], bool], kind: str) -> os.stat_result:
    """lstat ``path``: the right kind, owned by us, no group or other access."""
    info = os.lstat(path)
    if not is_kind(info.st_mode):
        raise Unsafe(f"{path} is not a {kind}")
    if info.st_uid != os.geteuid():
        raise Unsafe(f"{path} is owned by UID {info.st_uid}, not {os.geteuid()}")
    if info.st_mode & 0o077:
        raise Unsafe(f"{path} has mode {stat.S_IMODE(info.st_mode):04o}, not private")
    return info
