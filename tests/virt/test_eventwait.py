"""vsh.virt.eventwait: virsh's event wait (vshEventWait) and its report.

Callbacks are called from other threads here as libvirt's event loop thread
calls them; the differential cases (timeouts, -q, --timestamp) are in
tests/conformance/test_resources_conformance.py.
"""

from __future__ import annotations

import io
import re
import signal
import threading
from typing import Any

import libvirt
import pytest

from tests.commands.fakes import lv_error
from vsh.core.session import Session, Settings
from vsh.virt.eventwait import EventWait, stamped, timestamp


def session() -> Session:
    return Session(Settings(), out=io.StringIO(), err=io.StringIO())


def out(s: Session) -> str:
    stream: Any = s.out
    return str(stream.getvalue())


def later(action: Any, seconds: float = 0.05) -> None:
    threading.Timer(seconds, action).start()


def test_one_shot_prints_the_first_event_only() -> None:
    s = session()
    events = EventWait(s, loop=False, stamped=False)

    def fire() -> None:
        events.deliver(lambda _stamp: "one\n")
        events.deliver(lambda _stamp: "two\n")

    later(fire)
    assert events.wait(0) is True
    assert out(s) == "one\nevents received: 1\n"


def test_loop_until_the_timeout() -> None:
    s = session()
    events = EventWait(s, loop=True, stamped=False)
    events.deliver(lambda _stamp: "a\n")
    events.deliver(lambda _stamp: "b\n")
    assert events.wait(1) is True
    assert out(s) == "a\nb\nevent loop timed out\nevents received: 2\n"


def test_no_event_fails() -> None:
    s = session()
    assert EventWait(s, loop=False, stamped=False).wait(1) is False
    assert out(s) == "event loop timed out\nevents received: 0\n"


def test_ctrl_c_ends_the_wait() -> None:
    s = session()
    events = EventWait(s, loop=True, stamped=False)
    events.deliver(lambda _stamp: "a\n")
    main = threading.main_thread().ident
    assert main is not None
    later(lambda: signal.pthread_kill(main, signal.SIGINT))  # a real Ctrl-C's signal
    assert events.wait(10_000) is True  # the timeout only bounds a failure
    assert out(s) == "a\nevent loop interrupted\nevents received: 1\n"


def test_a_failing_line_drops_the_event() -> None:
    s = session()
    events = EventWait(s, loop=False, stamped=False)
    events.deliver(lambda _stamp: str(1 / 0))
    assert events.count == 0
    events.deliver(lambda _stamp: "ok\n")
    assert events.wait(0) is True
    assert out(s) == "ok\nevents received: 1\n"


def test_stamps() -> None:
    seen: list[str | None] = []
    events = EventWait(session(), loop=True, stamped=True)
    events.deliver(lambda stamp: seen.append(stamp) or "x\n")
    assert seen[0] is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000", seen[0])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000", timestamp())
    assert stamped(None, "line\n") == "line\n"
    assert stamped("T", "line\n") == "T: line\n"


def test_deregistration_failure_fails_the_command() -> None:
    s = session()
    calls: list[int] = []

    def refuse() -> None:
        calls.append(1)
        raise lv_error(libvirt.VIR_ERR_INVALID_ARG, "gone")

    with EventWait(s, loop=False, stamped=False) as events:
        events.registered(refuse)
        events.registered(lambda: calls.append(2))
        events.deliver(lambda _stamp: "e\n")
        assert events.wait(0) is False
    assert calls == [1, 2]  # each once: not again on leaving the block
    assert isinstance(s.last_error, libvirt.libvirtError)
    assert out(s) == "e\nevents received: 1\n"


def test_a_failure_before_the_wait_deregisters() -> None:
    calls: list[str] = []
    with pytest.raises(RuntimeError), EventWait(session(), False, False) as events:
        events.registered(lambda: calls.append("undone"))
        raise RuntimeError("registration failed")
    assert calls == ["undone"]
