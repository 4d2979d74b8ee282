"""vsh.virt.blockwait: virsh's block job wait (virshBlockJobWait) with stand-ins.

The real flows run in tests/real/test_blockjobs.py; here a fake connection
delivers (or refuses) the block job events and a fake domain reports the
job's progress poll after poll.
"""

from __future__ import annotations

import io
from typing import Any

import libvirt
import pytest

from tests.commands.fakes import lv_error
from vsh.core.errors import VshError
from vsh.core.session import Session, Settings
from vsh.virt import blockwait
from vsh.virt.blockwait import BlockJobWait

L = libvirt
TICK = 0.001


class Conn:
    """Registers callbacks (or refuses the event ids in ``refuse``)."""

    def __init__(self, refuse: tuple[int, ...] = ()) -> None:
        self.refuse = refuse
        self.callbacks: dict[int, Any] = {}
        self.deregistered: list[int] = []

    def domainEventRegisterAny(self, _dom: Any, event_id: int, cb: Any, _opaque: Any) -> int:
        if event_id in self.refuse:
            raise lv_error(L.VIR_ERR_NO_SUPPORT, "no events")
        self.callbacks[event_id] = cb
        return 10 + event_id

    def domainEventDeregisterAny(self, cb_id: int) -> None:
        self.deregistered.append(cb_id)


class Dom:
    """Reports ``infos`` one poll after another (the last repeats); ``on_poll``
    runs with the poll's index, e.g. to fire an event."""

    def __init__(self, infos: list[Any], on_poll: Any = None) -> None:
        self.infos = infos
        self.polls = 0
        self.on_poll = on_poll
        self.aborts: list[tuple[str, int]] = []

    def blockJobInfo(self, dev: str, flags: int) -> dict[str, int]:
        item = self.infos[min(self.polls, len(self.infos) - 1)]
        if self.on_poll is not None:
            self.on_poll(self.polls)
        self.polls += 1
        if isinstance(item, Exception):
            raise item
        return item

    def blockJobAbort(self, dev: str, flags: int) -> None:
        self.aborts.append((dev, flags))


def job(cur: int, end: int) -> dict[str, int]:
    return {"type": L.VIR_DOMAIN_BLOCK_JOB_TYPE_PULL, "bandwidth": 0, "cur": cur, "end": end}


def session() -> Session:
    return Session(Settings(), out=io.StringIO(), err=io.StringIO())


def waiter(s: Session, conn: Conn, dom: Dom, **kw: Any) -> BlockJobWait:
    opts: dict[str, Any] = {"verbose": False, "timeout_ms": 0, "async_abort": False}
    opts.update(kw)
    return BlockJobWait(s, conn, dom, "vda", "Block Pull", interval=TICK, **opts)


def test_an_event_for_the_disk_ends_the_wait_with_its_status() -> None:
    conn = Conn()

    def fire(poll: int) -> None:
        if poll == 2:  # the BLOCK_JOB_2 event names the target
            conn.callbacks[L.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2](
                None, None, "vdb", 0, L.VIR_DOMAIN_BLOCK_JOB_FAILED, None
            )
            conn.callbacks[L.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2](
                None, None, "vda", 0, L.VIR_DOMAIN_BLOCK_JOB_READY, None
            )

    s = session()
    dom = Dom([job(0, 100), job(50, 100), job(100, 100)], on_poll=fire)
    with waiter(s, conn, dom, verbose=True) as w:
        assert w.wait() == L.VIR_DOMAIN_BLOCK_JOB_READY
    assert dom.polls == 3
    # progress only when the numbers moved, then 100 % for a READY end
    assert s.err.getvalue() == "\rBlock Pull: [  0 %]\rBlock Pull: [ 50 %]\rBlock Pull: [100 %]"  # type: ignore[attr-defined]
    assert sorted(conn.deregistered) == [10 + i for i in blockwait._EVENTS]


def test_without_events_a_vanished_job_is_completed() -> None:
    both = (L.VIR_DOMAIN_EVENT_ID_BLOCK_JOB, L.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2)
    dom = Dom([job(10, 100), {}])
    with waiter(session(), Conn(refuse=both), dom) as w:
        assert w.wait() == L.VIR_DOMAIN_BLOCK_JOB_COMPLETED


def test_without_events_a_full_job_is_ready_at_once() -> None:
    both = (L.VIR_DOMAIN_EVENT_ID_BLOCK_JOB, L.VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2)
    dom = Dom([job(10, 100), job(100, 100)])
    with waiter(session(), Conn(refuse=both), dom) as w:
        assert w.wait() == L.VIR_DOMAIN_BLOCK_JOB_READY
    assert dom.polls == 2


def test_with_one_event_a_full_job_waits_five_polls_for_it() -> None:
    dom = Dom([job(100, 100)])
    with waiter(session(), Conn(refuse=(L.VIR_DOMAIN_EVENT_ID_BLOCK_JOB,)), dom) as w:
        assert w.wait() == L.VIR_DOMAIN_BLOCK_JOB_READY
    assert dom.polls == blockwait.READY_RETRIES


def test_a_failed_query_is_virshs_error() -> None:
    dom = Dom([lv_error(L.VIR_ERR_OPERATION_INVALID, "gone")])
    with waiter(session(), Conn(), dom) as w, pytest.raises(VshError) as exc:
        w.wait()
    assert exc.value.messages == ["failed to query job for disk vda"]
    assert exc.value.cause is not None


@pytest.mark.parametrize("async_abort", [False, True])
def test_the_timeout_aborts_the_job(async_abort: bool) -> None:
    dom = Dom([job(1, 100)])
    with waiter(session(), Conn(), dom, timeout_ms=20, async_abort=async_abort) as w:
        assert w.wait() == L.VIR_DOMAIN_BLOCK_JOB_CANCELED
    flags = L.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC if async_abort else 0
    assert dom.aborts == [("vda", flags)]


def test_ctrl_c_aborts_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """A SIGINT recorded by the one holder (sigint_held) aborts at the next poll."""
    import contextlib

    @contextlib.contextmanager
    def held_one() -> Any:
        yield [2]

    monkeypatch.setattr(blockwait, "sigint_held", held_one)
    s = session()
    dom = Dom([job(1, 100)])
    with waiter(s, conn=Conn(), dom=dom, verbose=True) as w:
        assert w.wait() == L.VIR_DOMAIN_BLOCK_JOB_CANCELED
    assert dom.aborts == [("vda", 0)]
    assert s.err.getvalue() == "\rBlock Pull: [  1 %]"  # type: ignore[attr-defined]  # no 100 %


def test_a_failed_abort_is_virshs_error() -> None:
    class Stubborn(Dom):
        def blockJobAbort(self, dev: str, flags: int) -> None:
            raise lv_error(L.VIR_ERR_OPERATION_INVALID, "no")

    dom = Stubborn([job(1, 100)])
    with waiter(session(), Conn(), dom, timeout_ms=1) as w, pytest.raises(VshError) as exc:
        w.wait()
    assert exc.value.messages == ["failed to abort job for disk 'vda'"]


def test_an_event_cuts_the_pause_short() -> None:
    """The event (from libvirt's event thread) wakes the wait at once: one more
    poll, then its status, long before the next tick."""
    import threading
    import time

    conn = Conn()
    dom = Dom([job(0, 100)])

    def fire() -> None:
        conn.callbacks[L.VIR_DOMAIN_EVENT_ID_BLOCK_JOB](
            None, None, "vda", 0, L.VIR_DOMAIN_BLOCK_JOB_READY, None
        )

    opts: dict[str, Any] = {"verbose": False, "timeout_ms": 0, "async_abort": False}
    w = BlockJobWait(session(), conn, dom, "vda", "Block Pull", interval=30.0, **opts)
    timer = threading.Timer(0.05, fire)
    started = time.monotonic()
    timer.start()
    try:
        assert w.wait() == L.VIR_DOMAIN_BLOCK_JOB_READY
    finally:
        timer.cancel()
        w.close()
    assert time.monotonic() - started < 10
    assert dom.polls == 2  # virsh's order: query, then look at the recorded status
