"""virsh's job watching (virshWatchJob, tools/virsh-domain.c) for save and
managedsave, and for any other command that runs a long domain job.

The job's API call runs in a worker thread while the calling thread watches:

* every 0.5 s it reads the job's progress (virDomainGetJobInfo, errors
  ignored); with ``--verbose`` and a known data total it writes
  ``\\r<label>: [ NN %]`` to stderr, stdout flushed first;
* the first time the job shows as running, a terminal on stdin gets its
  interrupt character disabled and canonical mode off, so Ctrl-C arrives as
  a byte instead of a signal (vshTTYDisableInterrupt); without
  ``--verbose`` the polling stops there;
* on a terminal, stdin is watched all along: the saved interrupt character
  aborts the job (virDomainAbortJob), so does a hang-up; other bytes are
  dropped;
* SIGINT is caught and ignored meanwhile (virsh's handler only records it);
* with a ``timeout`` (migrate's ``--timeout``), ``on_timeout`` runs once
  that many seconds after the watch starts (virshWatchTimeout);
* afterwards a successful ``--verbose`` job ends its line with
  ``[100 %]``, and the terminal gets its settings back with TCSAFLUSH
  (virsh's vshTTYRestore: keys typed meanwhile are dropped).

virsh's own wake-up can be lost when the worker finishes before the watch
starts (it then waits for good); vsh's worker wakes the watch through a pipe,
so that cannot happen.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections.abc import Callable
from typing import Any

import libvirt

from vsh.core.errors import VshError
from vsh.core.session import DEBUG, Session
from vsh.core.vshutil import sigint_held

L = libvirt

PROGRESS_INTERVAL = 0.5  # virsh's g_timeout_source_new(500)
_RUNNING = (L.VIR_DOMAIN_JOB_BOUNDED, L.VIR_DOMAIN_JOB_UNBOUNDED)
_HANG_UP = select.POLLHUP | select.POLLERR | select.POLLNVAL


def progress_line(label: str, remaining: int, total: int) -> str:
    """virshPrintJobProgress's text: 100 only once nothing remains."""
    if remaining == 0:
        return f"\r{label}: [100 %]"
    # C's (int) cast of a double truncates toward zero, as int() does
    progress = min(int(100.0 - remaining * 100.0 / total), 99)
    return f"\r{label}: [{progress:3d} %]"


def print_progress(s: Session, label: str, remaining: int, total: int) -> None:
    s.out.flush()  # stdout first, as vshError does, so 2>&1 keeps the order
    s.err.write(progress_line(label, remaining, total))
    s.err.flush()


class Terminal:
    """stdin's terminal while a job runs (vshTTYDisableInterrupt, vshTTYRestore).

    ``saved`` is None when stdin is not a terminal (virsh's ``istty`` false).
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.saved: list[Any] | None = None
        if os.isatty(fd):
            import termios

            with contextlib.suppress(termios.error):
                self.saved = termios.tcgetattr(fd)

    def is_interrupt(self, data: bytes) -> bool:
        import termios

        return self.saved is not None and self.saved[6][termios.VINTR] == data

    def disable_interrupt(self) -> None:
        """The interrupt key becomes a plain byte, delivered at once."""
        import termios

        if self.saved is None or self.saved[6][termios.VINTR] == b"\0":
            return
        attrs = [*self.saved[:6], list(self.saved[6])]
        attrs[6][termios.VINTR] = b"\0"  # _POSIX_VDISABLE
        attrs[3] &= ~termios.ICANON
        with contextlib.suppress(termios.error):
            termios.tcsetattr(self.fd, termios.TCSANOW, attrs)

    def restore(self) -> None:
        if self.saved is None:
            return  # no terminal: nothing to import, on the way out of every job
        import termios

        with contextlib.suppress(termios.error):
            termios.tcsetattr(self.fd, termios.TCSAFLUSH, self.saved)


class JobWatch:
    """Watch ``dom``'s job while ``work`` runs in a worker thread."""

    def __init__(
        self,
        s: Session,
        dom: Any,
        verbose: bool,
        label: str,
        *,
        interval: float = PROGRESS_INTERVAL,
        stdin_fd: int = 0,
        timeout: float = 0,
        on_timeout: Callable[[], None] | None = None,
    ) -> None:
        self.s = s
        self.dom = dom
        self.verbose = verbose
        self.label = label
        self.interval = interval
        # a fleet host's fd 0 is its whole process's: its job leaves the terminal alone
        self.terminal = Terminal(-1 if s.detached else stdin_fd)
        self.polling = True
        self.watching_stdin = self.terminal.saved is not None
        self.started = False
        self.timeout = timeout
        self.on_timeout = on_timeout

    def run(self, work: Callable[[], None]) -> None:
        """Run ``work`` to its end; its exception, if any, is raised here."""
        failure: list[BaseException] = []
        wake_r, wake_w = os.pipe()
        thread = threading.Thread(
            target=self._work, args=(work, failure, wake_w), name="vsh-job", daemon=True
        )
        try:
            with sigint_held():  # virsh's virshCatchInt: recorded, ignored
                # virsh's watch prints these while its worker is still starting,
                # so they come before anything the worker says: say them first
                if self.watching_stdin:
                    self._debug("on TTY, enabling Ctrl-c processing")
                if self.timeout:
                    self._debug(f"setting timeout of {self.timeout:g} secs")
                thread.start()
                try:
                    self._watch(wake_r)
                finally:
                    thread.join()  # the job cannot be left behind, nor its pipe closed under it
            self._debug(f"job done, status {-1 if failure else 0}")
            if failure:
                raise failure[0]
            if self.verbose:
                print_progress(self.s, self.label, 0, 1)
        finally:
            os.close(wake_r)
            os.close(wake_w)
            self.terminal.restore()

    def _work(self, work: Callable[[], None], failure: list[BaseException], wake_fd: int) -> None:
        """The worker thread: the job, then a byte that ends the watch."""
        try:
            work()
        except VshError as exc:
            # virsh's worker prints its error lines itself, before the watch
            # ends; the libvirt cause waits for the command's end.
            for message in exc.messages:
                self.s.error(message)
            failure.append(VshError(cause=exc.cause))
        except BaseException as exc:  # handed over to the watching thread
            failure.append(exc)
        finally:
            os.write(wake_fd, b"x")

    def _debug(self, message: str) -> None:
        """virsh's vshDebug lines of the watch, for -d 0."""
        self.s.debug(DEBUG, f"watchJob: {message}\n")

    def _watch(self, wake_fd: int) -> None:
        poller = select.poll()
        poller.register(wake_fd, select.POLLIN)
        if self.watching_stdin:
            poller.register(self.terminal.fd, select.POLLIN)
        deadline: float | None = None
        if self.timeout:
            deadline = time.monotonic() + self.timeout
        next_poll = time.monotonic() + self.interval
        while True:
            waits = [t for t in (next_poll if self.polling else None, deadline) if t is not None]
            timeout = max(0.0, min(waits) - time.monotonic()) if waits else None
            events = dict(poller.poll(None if timeout is None else timeout * 1000))
            if wake_fd in events:
                return
            if deadline is not None and time.monotonic() >= deadline:
                deadline = None  # virshWatchTimeout: once
                self._debug("timeout")
                if self.on_timeout is not None:
                    self.on_timeout()
            stdin_events = events.get(self.terminal.fd, 0) if self.watching_stdin else 0
            if stdin_events and not self._on_stdin(stdin_events):
                poller.unregister(self.terminal.fd)
                self.watching_stdin = False
            if self.polling and time.monotonic() >= next_poll:
                self._poll_progress()
                next_poll = time.monotonic() + self.interval

    def _on_stdin(self, revents: int) -> bool:
        """virshWatchInterrupt: False once the job has been aborted."""
        # poll's bits are GLib's GIOCondition values, which virsh prints
        self._debug(f"stdin data {revents}")
        if revents & select.POLLIN:
            try:
                data = os.read(self.terminal.fd, 1)
            except OSError:
                data = b""
            self._debug(f"got {len(data)} characters")
            if len(data) == 1 and self.terminal.is_interrupt(data):
                self._abort()
                return False
        if revents & _HANG_UP:
            self._abort()
            return False
        return True

    def _abort(self) -> None:
        with contextlib.suppress(libvirt.libvirtError):
            self.dom.abortJob()

    def _poll_progress(self) -> None:
        """virshWatchProgress."""
        self._debug("progress update")
        try:
            info = self.dom.jobInfo()
        except libvirt.libvirtError:
            return  # not supported, or no job yet: virsh ignores it
        job_type, data_total, data_remaining = info[0], info[3], info[5]
        if self.verbose and data_total > 0:
            print_progress(self.s, self.label, data_remaining, data_total)
        if not self.started and job_type in _RUNNING:
            self.terminal.disable_interrupt()
            self.started = True
            if not self.verbose:
                self._debug("job started, disabling callback")
                self.polling = False


def watch_job(
    s: Session, dom: Any, verbose: bool, label: str, work: Callable[[], None], **kw: Any
) -> None:
    """virshWatchJob: run ``work`` (the job's API call) while watching ``dom``'s job."""
    JobWatch(s, dom, verbose, label, **kw).run(work)
