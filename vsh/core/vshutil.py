"""virsh's small shared helpers, pure of libvirt: reading an XML file the
virsh way (``virFileReadAll`` with ``VSH_MAX_XML_FILE`` and its messages),
``vshStringToArray``'s comma splitting, and holding Ctrl-C over a step that
must not be cut short.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
from collections.abc import Iterator

from vsh.core.errors import VshError

VSH_MAX_XML_FILE = 10 * 1024 * 1024


def read_file_all(path: str, maxlen: int = VSH_MAX_XML_FILE) -> str:
    """virFileReadAll: the file's text, at most ``maxlen`` bytes, or virsh's error.

    Like the C string virsh passes on, the text ends at the first NUL byte.
    """
    raw = read_file_bytes(path, maxlen).split(b"\0", 1)[0]
    return raw.decode("utf-8", "surrogateescape")


def read_file_bytes(path: str, maxlen: int = VSH_MAX_XML_FILE) -> bytes:
    """virFileReadAll: the file's bytes (NULs included), at most ``maxlen``, or virsh's error."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise VshError(f"Failed to open file '{path}': {exc.strerror}") from None
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= maxlen:
            try:
                data = os.read(fd, min(1 << 16, maxlen + 1 - size))
            except OSError as exc:
                raise VshError(f"Failed to read file '{path}': {exc.strerror}") from None
            if not data:
                break
            chunks.append(data)
            size += len(data)
    finally:
        os.close(fd)
    if size > maxlen:
        raise VshError(f"Failed to read file '{path}': {os.strerror(errno.EOVERFLOW)}")
    return b"".join(chunks)


def split_commas(text: str) -> list[str]:
    """vshStringToArray: split on ',' where ',,' stands for a literal comma."""
    parts = text.split(",")
    out = [parts[0]]
    concat = False
    for part in parts[1:]:
        if concat:
            out[-1] += "," + part
            concat = False
        elif part == "":
            concat = True
        else:
            out.append(part)
    if concat:
        out.append("")
    return out


@contextlib.contextmanager
def sigint_held() -> Iterator[list[int]]:
    """Catch Ctrl-C for the block instead of raising KeyboardInterrupt.

    Yields a list that receives the signals that arrived meanwhile (virsh's
    virshCatchInt records them the same way); the caller decides what they
    mean.  Only possible in the main thread; elsewhere nothing is caught.
    """
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, _frame: held.append(signum))
    except ValueError:  # pragma: no cover - not the main interpreter
        yield held
        return
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, previous)


# Characters that make virBufferEscapeShell quote a word.
_SHELL_SPECIAL = set("\r\t\n !\"#$&'()*;<>?[\\]^`{|}~")


def shell_quote(text: str) -> str:
    """Quote for /bin/sh only when needed, as virBufferEscapeShell does."""
    if not text:
        return "''"
    if not any(ch in _SHELL_SPECIAL for ch in text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"
