"""virsh's block job waiting (virshBlockJobWaitInit/virshBlockJobWait,
tools/virsh-domain.c) for blockcommit, blockcopy and blockpull.

Before the job starts, the BLOCK_JOB and BLOCK_JOB_2 events of the domain are
registered; an event naming the waited-for disk records its status.  Then,
every 0.5 s, the job is queried (virDomainGetBlockJobInfo); unlike virsh's fixed
sleep, an event for the disk cuts the pause short, so the wait ends as soon as
the job does instead of at the next tick (same polls and outcome, sooner):

* a failed query ends the wait with ``failed to query job for disk DEV``;
* a recorded event ends it with that event's status;
* where an event could not be registered, a vanished job counts as
  COMPLETED and a job at 100 % as READY (after 5 more polls if one of the two
  events is there);
* ``--verbose`` writes ``\\r<label>: [ NN %]`` to stderr when the numbers moved;
* Ctrl-C (held meanwhile, as virsh's virshCatchInt does) or the timeout
  aborts the job (``failed to abort job for disk 'DEV'`` if that fails) and
  the wait ends CANCELED.

A COMPLETED or READY end with ``--verbose`` prints ``[100 %]``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import libvirt

from vsh.core.errors import VshError
from vsh.core.session import Session
from vsh.core.vshutil import sigint_held
from vsh.virt.jobwatch import print_progress

L = libvirt
POLL_INTERVAL = 0.5  # virsh's g_usleep(500 * 1000)
READY_RETRIES = 5
_EVENTS = (L.VIR_DOMAIN_EVENT_ID_BLOCK_JOB, L.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2)


class BlockJobWait:
    """Registered before the job's API call; :meth:`wait` after it."""

    def __init__(
        self,
        s: Session,
        conn: Any,
        dom: Any,
        dev: str,
        label: str,
        *,
        verbose: bool,
        timeout_ms: int,
        async_abort: bool,
        interval: float = POLL_INTERVAL,
    ) -> None:
        self.s = s
        self.conn = conn
        self.dom = dom
        self.dev = dev
        self.label = label
        self.verbose = verbose
        self.timeout_ms = timeout_ms
        self.async_abort = async_abort
        self.interval = interval
        self.status = -1
        self._woken = threading.Event()  # set by the event thread: poll again now
        self.callbacks: list[int] = []
        for event_id in _EVENTS:
            try:
                self.callbacks.append(
                    conn.domainEventRegisterAny(dom, event_id, self._on_event, None)
                )
            except libvirt.libvirtError:
                self.callbacks.append(-1)  # vshResetLibvirtError: the fallback covers it

    def _on_event(
        self, _conn: Any, _dom: Any, disk: str, _type: int, status: int, _opaque: Any
    ) -> None:
        """virshBlockJobStatusHandler (runs in the event loop's thread)."""
        if disk == self.dev:
            self.status = status
            self._woken.set()

    def close(self) -> None:
        """virshBlockJobWaitFree."""
        for cb_id in self.callbacks:
            if cb_id >= 0:
                with contextlib.suppress(libvirt.libvirtError):
                    self.conn.domainEventDeregisterAny(cb_id)
        self.callbacks = [-1, -1]

    def __enter__(self) -> BlockJobWait:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def wait(self) -> int:
        """A VIR_DOMAIN_BLOCK_JOB_* status; raises VshError as virsh fails."""
        with sigint_held() as held:
            result = self._loop(held)
        if self.verbose and result in (
            L.VIR_DOMAIN_BLOCK_JOB_COMPLETED,
            L.VIR_DOMAIN_BLOCK_JOB_READY,
        ):
            print_progress(self.s, self.label, 0, 1)
        return result

    def _loop(self, held: list[int]) -> int:
        cb_id, cb_id2 = self.callbacks
        any_event = cb_id >= 0 or cb_id2 >= 0
        retries = READY_RETRIES
        start = time.monotonic()
        last = (0, 0)
        while True:
            try:
                info = self.dom.blockJobInfo(self.dev, 0)
            except libvirt.libvirtError as err:
                raise VshError(f"failed to query job for disk {self.dev}", cause=err) from None
            if any_event and self.status != -1:
                return self.status
            cur, end = (int(info.get("cur", 0)), int(info.get("end", 0))) if info else (0, 0)
            if cb_id < 0 or cb_id2 < 0:
                if not info:
                    return int(L.VIR_DOMAIN_BLOCK_JOB_COMPLETED)
                if end == cur:
                    if not any_event:
                        return int(L.VIR_DOMAIN_BLOCK_JOB_READY)
                    retries -= 1
                    if retries == 0:
                        return int(L.VIR_DOMAIN_BLOCK_JOB_READY)
            if self.verbose and (cur, end) != last:
                print_progress(self.s, self.label, end - cur, end)
            last = (cur, end)
            elapsed_ms = (time.monotonic() - start) * 1000
            if held or (self.timeout_ms and elapsed_ms > self.timeout_ms):
                self._abort()
                return int(L.VIR_DOMAIN_BLOCK_JOB_CANCELED)
            self._woken.wait(self.interval)

    def _abort(self) -> None:
        flags = L.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC if self.async_abort else 0
        try:
            self.dom.blockJobAbort(self.dev, flags)
        except libvirt.libvirtError as err:
            raise VshError(f"failed to abort job for disk '{self.dev}'", cause=err) from None
