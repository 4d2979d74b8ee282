"""virsh's ``*-edit`` flow (tools/virsh-edit.c, vshEdit* in tools/vsh.c).

1. the object's XML goes to ``$TMPDIR/virshXXXXXX.xml`` (``/tmp`` without
   TMPDIR; mode 0600);
2. the editor runs on it: ``$VISUAL``, else ``$EDITOR``, else
   ``sensible-editor`` (Debian's virsh default, its patch
   Use-sensible-editor-by-default; upstream says ``vi``).  A
   value made only of ``[A-Za-z0-9-/_.:@]`` is run directly; anything
   else goes through ``sh -c "EDITOR FILE"`` (and then the file name must
   itself be plain, or the edit is refused);
3. the file is read back (10 MiB limit); unchanged text ends the edit,
   unless the command wants a redefine anyway;
4. the object's XML is fetched again: if someone changed it meanwhile, or
   the redefine fails, an interactive user is asked "Try again?"
   (``y`` edit again, ``n`` give up, ``f`` redefine again and, for a
   command that can relax its define (virsh's ``EDIT_RELAX``: ``edit``
   drops ``VIR_DOMAIN_DEFINE_VALIDATE``), ``i`` redefine again without
   validation, offered once per editor run).

libvirt-free: the caller passes the get/define steps.  Errors are printed
as virsh prints them; a failed step raises :class:`EditFailed`, whose
``cause`` is a libvirt error still to be reported.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import string
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from vsh.core.errors import libvirt_message
from vsh.core.session import Session
from vsh.core.vshutil import shell_quote

_ACCEPTED = frozenset(string.ascii_letters + string.digits + "-/_.:@")
_TEMPLATE_CHARS = string.ascii_letters + string.digits
DEFAULT_EDITOR = "sensible-editor"
MAX_XML_FILE = 10 * 1024 * 1024


class EditFailed(Exception):
    """The edit did not complete; errors so far are printed."""

    def __init__(self, cause: Any = None) -> None:
        super().__init__()
        self.cause = cause


def _plain(text: str) -> bool:
    return all(ch in _ACCEPTED for ch in text)


def write_temp(s: Session, doc: str) -> str:
    """vshEditWriteToTempFile: a fresh 0600 file holding ``doc``; its path."""
    tmpdir = os.environ.get("TMPDIR")
    if tmpdir is None:
        tmpdir = "/tmp"
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    for _ in range(100):
        suffix = "".join(secrets.choice(_TEMPLATE_CHARS) for _ in range(6))
        path = f"{tmpdir}/virsh{suffix}.xml"
        try:
            fd = os.open(path, flags, stat.S_IRUSR | stat.S_IWUSR)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            s.error(f"g_mkstemp_full: failed to create temporary file: {exc.strerror}")
            raise EditFailed from exc
    else:
        s.error("g_mkstemp_full: failed to create temporary file: File exists")
        raise EditFailed
    try:
        data = doc.encode("utf-8", "surrogateescape")
        while data:
            written = os.write(fd, data)
            data = data[written:]
    except OSError as exc:
        os.close(fd)
        unlink(path)
        s.error(f"write: {path}: failed to write to temporary file: {exc.strerror}")
        raise EditFailed from exc
    try:
        os.close(fd)
    except OSError as exc:
        unlink(path)
        s.error(f"close: {path}: failed to write or close temporary file: {exc.strerror}")
        raise EditFailed from exc
    return path


def unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def editor_command() -> str:
    """The editor setting as virsh reads it (an empty VISUAL counts as set)."""
    for var in ("VISUAL", "EDITOR"):
        value = os.environ.get(var)
        if value is not None:
            return value
    return DEFAULT_EDITOR


def find_program(name: str) -> str | None:
    """g_find_program_in_path: a path with '/' is taken as is, else PATH is searched."""
    if not name:
        return None

    def runnable(path: str) -> bool:
        return os.access(path, os.X_OK) and not os.path.isdir(path)

    if "/" in name:
        return os.path.abspath(name) if runnable(name) else None
    search = os.environ.get("PATH")
    if search is None:
        search = "/bin:/usr/bin:."
    for directory in search.split(":"):
        candidate = os.path.join(directory or ".", name)
        if runnable(candidate):
            return os.path.abspath(candidate)
    return None


def run_editor(s: Session, path: str) -> None:
    """vshEditFile: run the editor on ``path`` with our stdin/stdout/stderr."""
    editor = editor_command()
    if _plain(editor):
        argv = [editor, path]
    else:
        if not _plain(path):
            s.error(
                f"{path}: temporary filename contains shell meta or other "
                "unacceptable characters (is $TMPDIR wrong?)"
            )
            raise EditFailed
        argv = ["sh", "-c", f"{editor} {path}"]
    binary = argv[0] if argv[0].startswith("/") else find_program(argv[0])
    if binary is None:
        s.error(f"Cannot find '{argv[0]}' in path: No such file or directory")
        raise EditFailed
    try:
        status = subprocess.run(argv, executable=binary, check=False).returncode
    except OSError as exc:
        # virsh's child reports the failed exec itself (libvirt's default
        # error output) and exits 127 (ENOENT) or 126, which the parent reports.
        s.err.write(f"libvirt:  error : cannot execute binary {binary}: {exc.strerror}\n")
        s.err.flush()
        status = 127 if exc.errno == errno.ENOENT else 126
    if status != 0:
        what = f"exit status {status}" if status > 0 else f"fatal signal {-status}"
        shown = " ".join(shell_quote(a) for a in argv)
        s.error(f"internal error: Child process ({shown}) unexpected {what}")
        raise EditFailed


def read_back(s: Session, path: str) -> str:
    """vshEditReadBackFile: the edited text (up to a NUL byte, 10 MiB at most)."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_XML_FILE + 1)
    except OSError as exc:
        s.error(f"{path}: failed to read temporary file: {exc.strerror}")
        raise EditFailed from exc
    if len(data) > MAX_XML_FILE:
        s.error(f"{path}: failed to read temporary file: {os.strerror(75)}")
        raise EditFailed
    return data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


_HELP_HEAD = ("", "y - yes, start editor again", "n - no, throw away my changes")
_HELP_RELAX = ("i - turn off validation and try to redefine again",)
_HELP_TAIL = ("f - force, try to redefine again", "? - print this help")


def reedit_prompt(msg: str, relax_avail: bool) -> str:
    """vshAskReedit's question; ``i`` is listed only when it is accepted."""
    choices = "[y,n,i,f,?]" if relax_avail else "[y,n,f,?]"
    return f"\r{msg} Try again? {choices}: "


def reedit_help(relax_avail: bool) -> str:
    """What ``?`` prints: one line each, ended by CR LF (the terminal is raw)."""
    lines = _HELP_HEAD + (_HELP_RELAX if relax_avail else ()) + _HELP_TAIL
    return "".join(line + "\r\n" for line in lines)


def _read_answer(s: Session, fd: int, msg: str, relax_avail: bool) -> str:
    accepted = ("y", "n", "f", "i") if relax_avail else ("y", "n", "f")
    while True:
        s.print(reedit_prompt(msg, relax_avail))
        s.out.flush()
        ch = os.read(fd, 1).decode("latin-1").lower()
        if ch == "?":
            s.print(reedit_help(relax_avail))
        elif ch in accepted:
            return ch
        elif ch == "":
            # End of input: virsh asks forever; vsh takes it as "no".
            return "n"


def ask_reedit(s: Session, msg: str, cause: Any, relax_avail: bool = False) -> str | None:
    """vshAskReedit: 'y', 'n', 'f' or (``relax_avail``) 'i' from a terminal;
    None when stdin is not one."""
    if not os.isatty(0):
        return None
    if cause is not None:
        s.error(libvirt_message(cause))
    import termios
    import tty

    fd = sys.stdin.fileno()
    try:
        saved = termios.tcgetattr(fd)
        tty.setraw(fd)
    except termios.error:
        return None
    try:
        ch = _read_answer(s, fd, msg, relax_avail)
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
    s.print("\r\n")
    return ch


def edit(
    s: Session,
    get_xml: Callable[[], str],
    define: Callable[[str, str], tuple[Any, Any]],
    unchanged_is_done: Callable[[], bool],
    relax: Callable[[], None] | None = None,
) -> Any:
    """Run virsh's edit loop; the newly defined object, or None if nothing changed.

    ``get_xml()`` fetches the current XML (a libvirt error propagates);
    ``define(doc, edited)`` returns ``(object, None)`` or ``(None, error)``;
    ``unchanged_is_done()`` is asked when the text came back unchanged and
    says whether to stop there (after printing its message) or redefine;
    ``relax()``, if given, makes the next ``define`` skip validation (the
    ``i`` answer).
    """
    doc = get_xml()
    path = write_temp(s, doc)
    try:
        while True:  # reedit
            # virsh re-arms the relax choice on every editor run.
            relax_avail = relax is not None
            run_editor(s, path)
            edited = read_back(s, path)
            if edited == doc and unchanged_is_done():
                return None
            while True:  # redefine
                msg = None
                cause = None
                reread = get_xml()
                if reread != doc:
                    msg = "The XML configuration was changed by another user."
                    doc = reread
                if msg is None:
                    obj, cause = define(doc, edited)
                    if obj is not None:
                        return obj
                    msg = "Failed."
                answer = ask_reedit(s, msg, cause, relax_avail)
                if answer == "y":
                    break
                if answer == "f":
                    continue
                if answer == "i" and relax is not None:
                    relax()
                    relax_avail = False
                    continue
                if answer == "n":
                    raise EditFailed
                # Not a terminal.  virsh prints the message and then crashes on
                # the missing object; vsh fails cleanly instead.
                s.error(msg)
                raise EditFailed(cause)
    finally:
        unlink(path)
