"""Run one vsh command line on many hosts at once: a thread and a connection per host.

Each host runs as a one-shot ``vsh -c URI [global options] -- COMMAND...``
would, but in a thread of this process, with a session of its own (its own
libvirt connection, settings and output buffers): its stdout, stderr and exit
status are that vsh's.  Threads, not processes: the libvirt calls release the
GIL, so the hosts' round trips overlap, and a host costs a connection instead
of an interpreter (or a fork) and its imports.

What a thread cannot do is be stopped.  A host that overstays (its open hangs
on a socket that accepts and never answers, past ``--connect-timeout``; its
command runs past ``--command-timeout``; Ctrl-C) is *abandoned*: reported at
once with what it printed so far, its slot given to the next host, its late
output dropped, its session told to run no further command.  Its thread is a
daemon: a one-shot fleet ends with the process; in the fleet shell it finishes
(or hangs) in the background.

The host's front end tells us what happened to its connection through its
session's ``fleet_events`` (``connected``, ``unreachable``, ``lost``; see
:mod:`vsh.cli`): that is how an unreachable host is told from a failed
command, and when the connect timeout stops counting.

Hosts share this process, so what a process holds is shared: libvirt's
``test:///default`` is one driver per process (give test hosts files of their
own, ``test:///path/node.xml``, for independent state).  Commands that need
the terminal or a process of their own are refused before anything runs
(:func:`vsh.core.terminal.needs_own_process`).
"""

from __future__ import annotations

import _thread
import contextlib
import io
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from vsh.fleet.hostspec import Host
from vsh.fleet.report import (
    FAILED,
    INTERRUPTED,
    OK,
    SKIPPED,
    TIMEOUT,
    UNREACHABLE,
    HostResult,
)

TICK = 0.02  # seconds between looks at the clocks while no host finishes


class Terminated(Exception):
    """SIGTERM or SIGHUP arrived while hosts ran."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """SIGTERM and SIGHUP become :class:`Terminated`, so that what arrived is printed."""
    previous: dict[int, Any] = {}
    try:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, _terminate)
    except ValueError:  # not the main thread: leave the signals alone
        pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@dataclass
class Limits:
    fanout: int = 16
    connect_timeout: float = 15.0
    command_timeout: float | None = None
    fail_fast: bool = False


@dataclass
class HostRun:
    """What one host's one-shot vsh gets and leaves: its arguments, its
    standard streams (buffers only it writes), its connection events, and a
    flag the runner raises when it abandons the host."""

    argv: list[str]
    stdin_text: str = ""
    out: io.StringIO = field(default_factory=io.StringIO)
    err: io.StringIO = field(default_factory=io.StringIO)
    events: list[str] = field(default_factory=list)  # appended by the host's front end
    abandoned: threading.Event = field(default_factory=threading.Event)


# The one-shot vsh of one host, run in its thread: the front end (vsh.cli)
# hands it in, since this layer cannot import it.  Returns the exit status.
OneShot = Callable[[HostRun], int]


@dataclass
class _Job:
    host: Host
    run: HostRun
    started: float
    exit: int | None = None  # set by the thread when the host's vsh returns
    connected_at: float | None = None


def host_argv(host: Host, forward: Sequence[str], words: Sequence[str]) -> list[str]:
    """The one-shot vsh's arguments for one host."""
    return [*forward, "-c", batch_uri(host.uri), "--", *words]


def batch_uri(uri: str) -> str:
    """``uri``, with libvirt's ``no_tty=1`` when its transport is the ssh command.

    libvirt's ssh child shares our controlling terminal, where many hosts'
    ssh would ask for passwords and host keys at once; ``no_tty`` runs it with
    ``BatchMode=yes``: a host that needs a prompt fails (unreachable) instead.
    """
    scheme, sep, rest = uri.partition("://")
    if not sep or not scheme.endswith("+ssh") or "no_tty=" in rest:
        return uri
    return f"{uri}{'&' if '?' in rest else '?'}no_tty=1"


class Runner:
    """Starts the hosts' threads (at most ``fanout`` at once), watches their clocks,
    and collects their results as they finish."""

    def __init__(
        self,
        hosts: Sequence[Host],
        argv_for: Callable[[Host], list[str]],
        limits: Limits,
        one_shot: OneShot,
        *,
        stdin_text: str = "",
        on_done: Callable[[HostResult], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hosts = list(hosts)
        self.argv_for = argv_for
        self.limits = limits
        self.one_shot = one_shot
        self.stdin_text = stdin_text
        self.on_done = on_done or (lambda _r: None)
        self.clock = clock
        self.results: dict[str, HostResult] = {}
        self.reported: set[str] = set()  # the hosts whose result went to on_done
        self.running: dict[str, _Job] = {}
        self.finished: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.stop_launching = False

    # -- the loop -------------------------------------------------------------------
    def run(self) -> list[HostResult]:
        """Every host's result, in the hosts' order; KeyboardInterrupt (and
        :class:`Terminated`) abandon the running hosts, keeping what they printed."""
        pending = list(self.hosts)
        with _terminate_cleanly():
            try:
                while pending or self.running:
                    while (
                        pending
                        and not self.stop_launching
                        and len(self.running) < max(1, self.limits.fanout)
                    ):
                        self._launch(pending.pop(0))
                    if self.stop_launching:
                        for host in pending:
                            self.results[host.name] = HostResult(host.name, SKIPPED, None)
                        pending = []
                    self._step()
            except BaseException:  # Ctrl-C, SIGTERM, a closed stdout...
                self._interrupt()
                raise
        return self.ordered()

    def ordered(self) -> list[HostResult]:
        return [self.results[h.name] for h in self.hosts if h.name in self.results]

    def _launch(self, host: Host) -> None:
        job = _Job(host, HostRun(self.argv_for(host), self.stdin_text), self.clock())
        self.running[host.name] = job
        # Not threading.Thread: its start() waits until the new thread runs,
        # half a millisecond per host on two busy cores, one host after the
        # other.  A bare thread is a daemon too: nothing waits for it at exit.
        _thread.start_new_thread(self._host_thread, (job,))

    def _host_thread(self, job: _Job) -> None:
        try:
            job.exit = self.one_shot(job.run)
        except BaseException as exc:  # never lose a host: its failure is its result
            job.run.err.write(f"error: {type(exc).__name__}: {exc}\n")
            job.exit = 1
        self.finished.put(job)

    def _step(self) -> None:
        try:
            job: _Job | None = self.finished.get(timeout=TICK)
        except queue.Empty:
            job = None
        while job is not None:
            if self.running.get(job.host.name) is job:  # not abandoned meanwhile
                self._reap(job)
            try:
                job = self.finished.get_nowait()
            except queue.Empty:
                job = None
        now = self.clock()
        for running in list(self.running.values()):
            self._watch(running, now)

    def _watch(self, job: _Job, now: float) -> None:
        if job.connected_at is None and "connected" in job.run.events:
            job.connected_at = now
        limits = self.limits
        if (
            job.connected_at is None
            and "unreachable" not in job.run.events
            and now - job.started > limits.connect_timeout
        ):
            self._abandon(job, UNREACHABLE, f"connect timed out after {limits.connect_timeout:g} s")
        elif (
            job.connected_at is not None
            and limits.command_timeout is not None
            and now - job.connected_at > limits.command_timeout
        ):
            self._abandon(job, TIMEOUT, f"command timed out after {limits.command_timeout:g} s")

    def _abandon(self, job: _Job, status: str, why: str) -> None:
        job.run.abandoned.set()
        del self.running[job.host.name]
        out, err = job.run.out.getvalue(), job.run.err.getvalue()
        self._finish_result(HostResult(job.host.name, status, None, out, err + f"error: {why}\n"))

    def _reap(self, job: _Job) -> None:
        self._finish_result(self._result(job))

    def _result(self, job: _Job) -> HostResult:
        """A finished host's result (it leaves the running ones)."""
        del self.running[job.host.name]
        code = job.exit if job.exit is not None else 1
        events = job.run.events
        if "unreachable" in events or "lost" in events:
            status = UNREACHABLE
        elif code == 0:
            status = OK
        else:
            status = FAILED
        out, err = job.run.out.getvalue(), job.run.err.getvalue()
        return HostResult(job.host.name, status, code, out, err)

    def _finish_result(self, result: HostResult) -> None:
        self.results[result.name] = result
        if result.status != OK and self.limits.fail_fast:
            self.stop_launching = True
        self.reported.add(result.name)
        self.on_done(result)

    def _interrupt(self) -> None:
        """Ctrl-C (or any other end): every running host abandoned with what it
        printed; those that had finished keep their results (not yet reported)."""
        while True:
            try:
                done = self.finished.get_nowait()
            except queue.Empty:
                break
            if self.running.get(done.host.name) is done:
                self.results[done.host.name] = self._result(done)
        for job in list(self.running.values()):
            job.run.abandoned.set()
            self.results[job.host.name] = HostResult(
                job.host.name,
                INTERRUPTED,
                None,
                job.run.out.getvalue(),
                job.run.err.getvalue(),
            )
        self.running.clear()
        for host in self.hosts:
            self.results.setdefault(host.name, HostResult(host.name, SKIPPED, None))
