"""virsh's event waiting (vshEventStart/vshEventWait/vshEventDone, tools/vsh.c)
for the commands that print events: ``event`` and ``qemu-monitor-event``.

Callbacks run in the libvirt event loop thread :mod:`vsh.virt.conn` starts;
each hands its event's line to :meth:`EventWait.deliver`.  The command waits
in :meth:`EventWait.wait` until an event (one-shot), the timeout, or Ctrl-C,
printing each line as it comes, then virsh's closing lines: ``event loop
timed out`` / ``event loop interrupted`` and ``events received: N``.  The
command succeeds only when at least one event arrived and every callback was
deregistered, as in virsh.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from types import TracebackType

import libvirt

from vsh.core.session import Session

# a line builder gets the --timestamp stamp, or None without --timestamp
LineBuilder = Callable[[str | None], str]


def timestamp() -> str:
    """virTimeStringNowRaw: ``YYYY-MM-DD HH:MM:SS.mmm+0000`` (UTC)."""
    now = time.time()
    ms = int(now * 1000) % 1000
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now)) + f".{ms:03d}+0000"


def stamped(stamp: str | None, text: str) -> str:
    """An event's line with the --timestamp stamp in front, as most event commands print it."""
    return text if stamp is None else f"{stamp}: {text}"


class EventWait:
    """One event command's wait: ``with`` it around the registrations, so that a
    failure before :meth:`wait` still deregisters what was registered."""

    def __init__(self, s: Session, loop: bool, stamped: bool) -> None:
        self.s = s
        self.loop = loop  # --loop: until timeout or interrupt, not one-shot
        self.stamped = stamped  # --timestamp
        self.count = 0
        self._lock = threading.Lock()
        self._lines: queue.Queue[str | None] = queue.Queue()  # None: one-shot done
        self._deregisters: list[Callable[[], object]] = []

    def registered(self, deregister: Callable[[], object]) -> None:
        """A callback is registered; ``deregister`` undoes it when the wait ends."""
        self._deregisters.append(deregister)

    def deliver(self, line: LineBuilder) -> None:
        """From a callback: the event's line, built under the lock (one-shot
        keeps only the first event); a builder that fails drops the event,
        as a callback must never kill the event loop."""
        with self._lock:
            if not self.loop and self.count:
                return
            try:
                text = line(timestamp() if self.stamped else None)
            except Exception:
                return
            self.count += 1
            self._lines.put(text)
            if not self.loop:
                self._lines.put(None)

    def wait(self, timeout_ms: int) -> bool:
        """vshEventWait and the report after it, then the deregistrations (a
        failure is kept as the session's last error and fails the command)."""
        ok = False
        try:
            outcome = self._print_until_done(timeout_ms)
            while True:  # events queued before the wait ended are still printed
                try:
                    item = self._lines.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    self.s.print(item)
            if outcome == "interrupt":
                self.s.print("event loop interrupted\n")
            elif outcome == "timeout":
                self.s.print("event loop timed out\n")
            self.s.print(f"events received: {self.count}\n")
            ok = self.count > 0
        finally:
            ok = self._deregister() and ok
        return ok

    def _print_until_done(self, timeout_ms: int) -> str:
        """How the wait ended: "done", "timeout" or "interrupt" (Ctrl-C)."""
        deadline = time.monotonic() + timeout_ms / 1000.0 if timeout_ms else None
        try:
            while True:
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    return "timeout"
                try:
                    item = self._lines.get(timeout=wait if wait is not None else 3600)
                except queue.Empty:
                    continue
                if item is None:
                    return "done"
                self.s.print(item)
                self.s.out.flush()
        except KeyboardInterrupt:
            return "interrupt"

    def _deregister(self) -> bool:
        ok = True
        while self._deregisters:
            try:
                self._deregisters.pop(0)()
            except libvirt.libvirtError as err:
                self.s.last_error = err
                ok = False
        return ok

    def __enter__(self) -> EventWait:
        return self

    def __exit__(
        self,
        typ: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._deregister()  # only what a failure before wait() left registered
