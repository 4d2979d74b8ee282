"""Running a command inside an LXC guest's namespaces, as virsh's
lxc-enter-namespace does (cmdLxcEnterNamespace).

The namespaces are opened first (virDomainLxcOpenNamespace) and, unless
``--noseclabel``, the host's security model and the guest's label fetched.
Then one child is forked so vsh itself stays where it is: the child takes the
guest's security label, joins its cgroup and namespaces, and forks again
(joining a PID namespace only applies to children), the grandchild
exec'ing the command.  The child exits as the command did (re-raising its
fatal signal).  The parent waits for the child and, like virProcessWait
without a status, takes anything but a clean exit 0 as a failure.

libvirt-python has ``lxcOpenNamespace`` and ``lxcEnterCGroup`` but neither
``virDomainLxcEnterNamespace`` nor ``virDomainLxcEnterSecurityLabel``: those
two are called in ``libvirt-lxc.so.0`` through ctypes.  :class:`LxcApi` is
the seam the unit tests replace.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, Protocol

import libvirt

from vsh.core.errors import VshError

EXIT_CANCELED = 125  # a step before exec failed (virsh's EXIT_CANCELED)
EXIT_CANNOT_INVOKE = 126
EXIT_ENOENT = 127

SECURITY_MODEL_BUFLEN = 256 + 1
SECURITY_DOI_BUFLEN = 256 + 1
SECURITY_LABEL_BUFLEN = 4096 + 1


class _SecurityModel(ctypes.Structure):
    _fields_ = (
        ("model", ctypes.c_char * SECURITY_MODEL_BUFLEN),
        ("doi", ctypes.c_char * SECURITY_DOI_BUFLEN),
    )


class _SecurityLabel(ctypes.Structure):
    _fields_ = (
        ("label", ctypes.c_char * SECURITY_LABEL_BUFLEN),
        ("enforcing", ctypes.c_int),
    )


Label = tuple[list[Any], list[Any]]  # ([model, doi], [label, enforcing]) from the binding


class LxcApi(Protocol):
    """The libvirt calls of lxc-enter-namespace; each raises on failure."""

    def open_namespace(self, dom: Any) -> list[int]: ...

    def security_label(self, conn: Any, dom: Any) -> Label: ...

    def enter_security_label(self, label: Label) -> None: ...

    def enter_cgroup(self, dom: Any) -> None: ...

    def enter_namespace(self, dom: Any, fds: Sequence[int]) -> None: ...


class Libvirt:
    """:class:`LxcApi` over libvirt-python and ``libvirt-lxc.so.0``."""

    def __init__(self) -> None:
        self._lib: ctypes.CDLL | None = None

    def _lxc(self) -> ctypes.CDLL:
        if self._lib is None:
            self._lib = ctypes.CDLL("libvirt-lxc.so.0")
        return self._lib

    def open_namespace(self, dom: Any) -> list[int]:
        import libvirt_lxc

        return list(libvirt_lxc.lxcOpenNamespace(dom, 0))

    def security_label(self, conn: Any, dom: Any) -> Label:
        return list(conn.getSecurityModel()), list(dom.securityLabel())

    def enter_security_label(self, label: Label) -> None:
        (model, doi), (text, enforcing) = label
        smodel = _SecurityModel(model=model.encode(), doi=doi.encode())
        slabel = _SecurityLabel(label=text.encode(), enforcing=int(enforcing))
        if self._lxc().virDomainLxcEnterSecurityLabel(
            ctypes.byref(smodel), ctypes.byref(slabel), None, 0
        ):
            raise libvirt.libvirtError("virDomainLxcEnterSecurityLabel failed")

    def enter_cgroup(self, dom: Any) -> None:
        import libvirt_lxc

        libvirt_lxc.lxcEnterCGroup(dom, 0)

    def enter_namespace(self, dom: Any, fds: Sequence[int]) -> None:
        from vsh.virt.typedcall import domain_ptr

        array = (ctypes.c_int * max(len(fds), 1))(*fds)
        call = self._lxc().virDomainLxcEnterNamespace
        call.argtypes = (
            ctypes.c_void_p,
            ctypes.c_uint,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.c_uint,
        )
        if call(domain_ptr(dom), len(fds), array, None, None, 0):
            raise libvirt.libvirtError("virDomainLxcEnterNamespace failed")


def status_text(status: int) -> str:
    """virProcessTranslateStatus."""
    if os.WIFEXITED(status):
        return f"exit status {os.WEXITSTATUS(status)}"
    if os.WIFSIGNALED(status):
        return f"fatal signal {os.WTERMSIG(status)}"
    return f"invalid value {status}"


def _reset_signals() -> None:
    """virFork's child: every handler back to its default, nothing blocked
    (an ignored SIGPIPE would otherwise survive exec)."""
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        with contextlib.suppress(OSError, ValueError):
            signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def _wait(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:
            continue


def _exit_like(status: int) -> None:
    """virProcessExitWithStatus: exit with the command's status, or die of its signal."""
    value = EXIT_CANNOT_INVOKE
    if os.WIFEXITED(status):
        value = os.WEXITSTATUS(status)
    elif os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        value = 128 + sig
    os._exit(value)


def _child(api: LxcApi, dom: Any, fds: Sequence[int], label: Label | None, argv: list[str]) -> None:
    """The forked child: never returns."""
    try:
        _reset_signals()
        try:
            if label is not None:
                api.enter_security_label(label)
            api.enter_cgroup(dom)
            api.enter_namespace(dom, fds)
            pid = os.fork()
        except Exception:
            os._exit(EXIT_CANCELED)
        if pid == 0:
            try:
                os.execv(argv[0], argv)
            except OSError as exc:
                os._exit(EXIT_ENOENT if exc.errno == errno.ENOENT else EXIT_CANNOT_INVOKE)
            os._exit(EXIT_CANNOT_INVOKE)
        try:
            status = _wait(pid)
        except OSError:
            os._exit(EXIT_CANNOT_INVOKE)
        _exit_like(status)
    finally:
        os._exit(EXIT_CANCELED)


def enter(api: LxcApi, conn: Any, dom: Any, argv: list[str], setlabel: bool) -> None:
    """lxc-enter-namespace after the domain look-up; raises virsh's errors."""
    fds = api.open_namespace(dom)
    label = api.security_label(conn, dom) if setlabel else None
    # vsh's own output must not be written twice by the children.
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    pid = os.fork()
    if pid == 0:
        _child(api, dom, fds, label, argv)
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    try:
        status = _wait(pid)
    except OSError as exc:
        raise VshError(f"unable to wait for process {pid}: {os.strerror(exc.errno or 0)}") from None
    if status != 0:
        raise VshError(f"internal error: Child process ({pid}) unexpected {status_text(status)}")
