"""vsh.virt.jobwatch: virsh's job watching (virshWatchJob) with stand-in domains.

The test driver finishes save and managedsave at once (differential tests
in tests/conformance/test_state_conformance.py compare the final output);
here fake domains report a job that progresses.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

import libvirt
import pytest

from tests.commands.fakes import lv_error
from vsh.core.errors import VshError
from vsh.core.session import Session, Settings
from vsh.virt import jobwatch

NONE, BOUNDED = libvirt.VIR_DOMAIN_JOB_NONE, libvirt.VIR_DOMAIN_JOB_BOUNDED
TICK = 0.01


def info(job_type: int, total: int, remaining: int) -> list[int]:
    """virDomainGetJobInfo's fields as the bindings return them."""
    return [job_type, 0, 0, total, total - remaining, remaining, 0, 0, 0, 0, 0, 0]


class JobDomain:
    """A domain whose job reports ``infos`` one poll after another; ``finished``
    is set once the last has been read (it is then repeated)."""

    def __init__(self, infos: list[list[int] | Exception]) -> None:
        self.infos = infos
        self.polls = 0
        self.aborted = threading.Event()
        self.finished = threading.Event()

    def jobInfo(self) -> list[int]:
        self.polls += 1
        item = self.infos[min(self.polls, len(self.infos)) - 1]
        if self.polls >= len(self.infos):
            self.finished.set()
        if isinstance(item, Exception):
            raise item
        return item

    def abortJob(self) -> int:
        self.aborted.set()
        return 0


@pytest.fixture
def s() -> Session:
    return Session(Settings(), out=io.StringIO(), err=io.StringIO())


def err(s: Session) -> str:
    return s.err.getvalue()  # type: ignore[attr-defined]


def watch(s: Session, dom: JobDomain, verbose: bool, work: Callable[[], None]) -> None:
    # stdin of the test run is no terminal; the pty test below covers that case
    jobwatch.watch_job(s, dom, verbose, "Save", work, interval=TICK, stdin_fd=-1)


@pytest.mark.parametrize(
    ("remaining", "total", "text"),
    [
        (0, 1, "\rSave: [100 %]"),
        (0, 0, "\rSave: [100 %]"),  # nothing remains: done, whatever the total
        (100, 100, "\rSave: [  0 %]"),
        (50, 100, "\rSave: [ 50 %]"),
        (1, 3, "\rSave: [ 66 %]"),  # truncated, not rounded
        (1, 1000, "\rSave: [ 99 %]"),  # never 100 while something remains
        (1, 10**9, "\rSave: [ 99 %]"),
        (200, 100, "\rSave: [-100 %]"),
    ],
)
def test_progress_line(remaining: int, total: int, text: str) -> None:
    assert jobwatch.progress_line("Save", remaining, total) == text


def test_verbose_prints_each_poll_then_100(s: Session) -> None:
    dom = JobDomain(
        [
            info(NONE, 0, 0),  # no total yet: nothing printed
            info(BOUNDED, 1000, 1000),
            info(BOUNDED, 1000, 500),
            info(BOUNDED, 1000, 1),
        ]
    )
    s.out.write("pending stdout")
    watch(s, dom, True, lambda: dom.finished.wait(10))
    assert (
        err(s)
        == "\rSave: [  0 %]\rSave: [ 50 %]\rSave: [ 99 %]"
        + ("\rSave: [ 99 %]" * (dom.polls - 4))
        + "\rSave: [100 %]"
    )
    assert s.out.getvalue() == "pending stdout"  # type: ignore[attr-defined]


def test_without_verbose_polling_stops_once_the_job_runs(s: Session) -> None:
    dom = JobDomain([lv_error(libvirt.VIR_ERR_NO_SUPPORT), info(NONE, 0, 0), info(BOUNDED, 9, 9)])
    watch(s, dom, False, lambda: (dom.finished.wait(10), time.sleep(20 * TICK)))
    assert dom.polls == 3  # an error is ignored, the job seen running ends the polling
    assert err(s) == ""


def test_a_failed_job_reports_as_virshs_worker_does(s: Session) -> None:
    dom = JobDomain([info(BOUNDED, 10, 5)])
    cause = lv_error(libvirt.VIR_ERR_OPERATION_ABORTED, "operation aborted")

    def work() -> None:
        dom.finished.wait(10)
        raise VshError("Failed to save domain 'd' to /x", cause=cause)

    s.settings.debug = 0
    with pytest.raises(VshError) as failed:
        watch(s, dom, True, work)
    # The context line comes from the worker, before the watch ends; the
    # libvirt error is left for the command's end; no [100 %].
    assert failed.value.messages == [] and failed.value.cause is cause
    assert err(s) == "\rSave: [ 50 %]error: Failed to save domain 'd' to /x\n"
    assert s.out.getvalue().endswith("watchJob: job done, status -1\n")  # type: ignore[attr-defined]


def test_other_failures_are_raised_as_they_are(s: Session) -> None:
    def work() -> None:
        raise lv_error(libvirt.VIR_ERR_NO_DOMAIN, "no domain")

    with pytest.raises(libvirt.libvirtError, match="no domain"):
        watch(s, JobDomain([info(NONE, 0, 0)]), True, work)
    assert err(s) == ""


def test_debug_lines(s: Session) -> None:
    s.settings.debug = 0
    dom = JobDomain([info(NONE, 0, 0), info(BOUNDED, 9, 9)])
    watch(s, dom, False, lambda: (dom.finished.wait(10), time.sleep(10 * TICK)))
    assert s.out.getvalue() == (  # type: ignore[attr-defined]
        "watchJob: progress update\n" * 2
        + "watchJob: job started, disabling callback\n"
        + "watchJob: job done, status 0\n"
    )


def test_a_fast_job_is_not_polled(s: Session) -> None:
    dom = JobDomain([info(BOUNDED, 10, 5)])
    jobwatch.watch_job(s, dom, True, "Managedsave", lambda: None, stdin_fd=-1)
    assert dom.polls == 0
    assert err(s) == "\rManagedsave: [100 %]"


def test_sigint_is_ignored_while_the_job_runs(s: Session) -> None:
    before = signal.getsignal(signal.SIGINT)
    dom = JobDomain([info(NONE, 0, 0)])

    def work() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(10 * TICK)

    watch(s, dom, False, work)  # no KeyboardInterrupt
    assert signal.getsignal(signal.SIGINT) is before


CHILD = """
import sys, termios, threading, time
from vsh.virt import jobwatch
from vsh.core.session import Session

BOUNDED = 1
class Dom:
    aborted = threading.Event()
    def jobInfo(self):
        return [BOUNDED, 0, 0, 10, 5, 5, 0, 0, 0, 0, 0, 0]
    def abortJob(self):
        self.aborted.set()

def switched():
    # the job seen running: no interrupt character, no line editing
    while True:
        attrs = termios.tcgetattr(0)
        if not attrs[3] & termios.ICANON and attrs[6][termios.VINTR] == b"\\0":
            print("running", flush=True)
            return
        time.sleep(0.01)

before = termios.tcgetattr(0)
threading.Thread(target=switched, daemon=True).start()
dom = Dom()
def work():
    if not dom.aborted.wait(20):
        raise SystemExit("not aborted")
    raise RuntimeError("job aborted")
try:
    jobwatch.watch_job(Session(), dom, MODE, "Save", work, interval=0.01)
except RuntimeError as exc:
    print(exc, termios.tcgetattr(0) == before, flush=True)
"""


@pytest.mark.parametrize("verbose", [True, False])
def test_the_interrupt_key_aborts_a_running_job(verbose: bool) -> None:
    from tests.realstack.ptyshell import PtyShell

    code = CHILD.replace("MODE", str(verbose))
    with PtyShell([sys.executable, "-c", code]) as sh:
        sh.expect("running")
        sh.send("\x03")  # Ctrl-C, now a byte on stdin rather than SIGINT
        sh.expect("job aborted True")
        assert sh.proc.wait(10) == 0


def test_timeout_runs_once_while_the_job_goes_on(s: Session) -> None:
    """virshWatchTimeout: ``on_timeout`` once, ``timeout`` seconds after the watch starts."""
    fired: list[float] = []
    start = time.monotonic()
    dom = JobDomain([info(BOUNDED, 10, 5)])

    def work() -> None:
        while len(fired) < 1 and time.monotonic() - start < 10:
            time.sleep(TICK)
        time.sleep(0.2)  # time for a second firing, which must not come

    s.settings.debug = 0
    jobwatch.watch_job(
        s,
        dom,
        False,
        "Migration",
        work,
        interval=TICK,
        stdin_fd=-1,
        timeout=0.1,
        on_timeout=lambda: fired.append(time.monotonic() - start),
    )
    assert len(fired) == 1 and 0.1 <= fired[0] < 5
    debug = s.out.getvalue()  # type: ignore[attr-defined]
    assert debug.startswith("watchJob: setting timeout of 0.1 secs\n")
    assert debug.count("watchJob: timeout\n") == 1


def test_no_timeout_without_one(s: Session) -> None:
    fired: list[bool] = []
    dom = JobDomain([info(BOUNDED, 10, 5)])
    jobwatch.watch_job(
        s,
        dom,
        False,
        "Migration",
        lambda: time.sleep(0.2),
        interval=TICK,
        stdin_fd=-1,
        on_timeout=lambda: fired.append(True),
    )
    assert fired == []
