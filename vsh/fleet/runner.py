"""Run one vsh command line on many hosts at once: one vsh process per host.

Why a process per host (and not threads in this process): libvirt's open can
hang in C on a socket that accepts and never answers, and a thread cannot be
stopped there; a process can always be killed, with its connection, and
nothing of it leaks into the others.  Each host's process is ``python -m vsh
-c URI [global options] -- COMMAND...``, so its stdout, stderr and exit status
are exactly what that one-shot vsh would give (and it takes the warm server's
fast path when one runs, forking from a preloaded process).  Each runs in a
session of its own: no controlling terminal (ssh cannot stop to prompt), its
process group killed as a whole, and the terminal's Ctrl-C reaches only us.

The host's vsh tells us what happened to its connection through a small file
named by ``VSH_FLEET_REPORT`` (``connected``, ``unreachable``, ``lost``; see
:mod:`vsh.cli`): that is how an unreachable host is told from a failed
command, and when the connect timeout stops counting.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from vsh.core import launch
from vsh.core.launch import Launched
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

REPORT_VAR = "VSH_FLEET_REPORT"
TICK = 0.02  # seconds between looks at the reports and the clocks
KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL


class Terminated(Exception):
    """SIGTERM or SIGHUP arrived while hosts ran (they are stopped first)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """SIGTERM and SIGHUP become :class:`Terminated`, so that the hosts are killed:
    they run in sessions of their own, where those signals never reach them."""
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
class _Job:
    host: Host
    proc: subprocess.Popen[bytes] | Launched
    report: str
    started: float
    out: bytearray = field(default_factory=bytearray)
    err: bytearray = field(default_factory=bytearray)
    streams: int = 2  # pipes still open
    connected_at: float | None = None
    forced: str | None = None  # TIMEOUT or UNREACHABLE when we stopped it
    note: str = ""  # our own line for its stderr
    killed_at: float | None = None


def host_argv(host: Host, forward: Sequence[str], words: Sequence[str]) -> list[str]:
    """The one-shot vsh's arguments for one host."""
    return [*forward, "-c", host.uri, "--", *words]


def _events(path: str) -> list[str]:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read().split()
    except OSError:
        return []


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


class Runner:
    """Launches, watches and reaps the hosts' processes (at most ``fanout`` at once)."""

    def __init__(
        self,
        hosts: Sequence[Host],
        argv_for: Callable[[Host], list[str]],
        limits: Limits,
        *,
        stdin_path: str | None = None,
        on_done: Callable[[HostResult], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hosts = list(hosts)
        self.argv_for = argv_for
        self.limits = limits
        self.stdin_path = stdin_path
        self.on_done = on_done or (lambda _r: None)
        self.clock = clock
        self.results: dict[str, HostResult] = {}
        self.running: dict[str, _Job] = {}
        self.selector = selectors.DefaultSelector()
        self.stop_launching = False

    # -- the loop -------------------------------------------------------------------
    def run(self) -> list[HostResult]:
        """Every host's result, in the hosts' order; KeyboardInterrupt stops them all."""
        with (
            tempfile.TemporaryDirectory(prefix="vsh-fleet-") as scratch,
            _terminate_cleanly(),
        ):
            self.scratch = scratch
            pending = list(self.hosts)
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
            except BaseException:  # Ctrl-C, a closed stdout...: no host outlives us
                self._interrupt()
                raise
            finally:
                self.selector.close()
        return self.ordered()

    def ordered(self) -> list[HostResult]:
        return [self.results[h.name] for h in self.hosts if h.name in self.results]

    def _launch(self, host: Host) -> None:
        report = os.path.join(self.scratch, f"{len(self.results) + len(self.running)}.report")
        env = dict(os.environ)
        env[REPORT_VAR] = report
        args = self.argv_for(host)
        proc: subprocess.Popen[bytes] | Launched | None = None
        with contextlib.ExitStack() as stack:
            stdin = stack.enter_context(open(self.stdin_path or os.devnull, "rb"))
            launcher = launch.get_launcher()
            if launcher is not None:
                proc = launcher(args, env, stdin.fileno())
            try:
                if proc is None:
                    proc = subprocess.Popen(
                        [sys.executable, "-m", "vsh", *args],
                        stdin=stdin,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        env=env,
                        start_new_session=True,
                    )
            except OSError as exc:
                self._finish_result(
                    HostResult(host.name, FAILED, None, "", f"error: cannot start vsh: {exc}\n")
                )
                return
        job = _Job(host, proc, report, self.clock())
        assert proc.stdout is not None and proc.stderr is not None
        for stream, buffer in ((proc.stdout, job.out), (proc.stderr, job.err)):
            os.set_blocking(stream.fileno(), False)
            self.selector.register(stream, selectors.EVENT_READ, (job, buffer, stream))
        self.running[host.name] = job

    def _step(self) -> None:
        for key, _mask in self.selector.select(TICK):
            job, buffer, stream = key.data
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if chunk:
                buffer += chunk
            else:
                self.selector.unregister(stream)
                stream.close()
                job.streams -= 1
        now = self.clock()
        for job in list(self.running.values()):
            self._watch(job, now)

    def _watch(self, job: _Job, now: float) -> None:
        if job.connected_at is None and "connected" in _events(job.report):
            job.connected_at = now
        limits = self.limits
        if job.forced is None and job.proc.poll() is None:
            if job.connected_at is None and now - job.started > limits.connect_timeout:
                self._stop(
                    job, UNREACHABLE, f"connect timed out after {limits.connect_timeout:g} s"
                )
            elif (
                job.connected_at is not None
                and limits.command_timeout is not None
                and now - job.connected_at > limits.command_timeout
            ):
                self._stop(job, TIMEOUT, f"command timed out after {limits.command_timeout:g} s")
        if job.killed_at is not None and now - job.killed_at > KILL_GRACE:
            self._signal(job, signal.SIGKILL)
        exited = job.proc.poll() is not None
        # Once killed, a process that left its pipes to a child of its own is done anyway.
        abandoned = exited and job.killed_at is not None and now - job.killed_at > 2 * KILL_GRACE
        if exited and (job.streams == 0 or abandoned):
            self._reap(job)

    def _stop(self, job: _Job, status: str, why: str) -> None:
        job.forced, job.note = status, f"error: {why}\n"
        job.killed_at = self.clock()
        self._signal(job, signal.SIGTERM)

    @staticmethod
    def _signal(job: _Job, signum: int) -> None:
        with contextlib.suppress(OSError):
            os.killpg(job.proc.pid, signum)

    def _reap(self, job: _Job) -> None:
        del self.running[job.host.name]
        for stream in (job.proc.stdout, job.proc.stderr):
            if stream is not None and not stream.closed:
                with contextlib.suppress(KeyError, ValueError):
                    self.selector.unregister(stream)
                stream.close()
        code = job.proc.wait()
        events = _events(job.report)
        stderr = _decode(bytes(job.err)) + job.note
        exit_code: int | None = code if code >= 0 else None
        if job.forced is not None:
            status, exit_code = job.forced, None
        elif "unreachable" in events or "lost" in events:
            status = UNREACHABLE
        elif code == 0:
            status = OK
        else:
            status = FAILED
        self._finish_result(
            HostResult(job.host.name, status, exit_code, _decode(bytes(job.out)), stderr)
        )

    def _finish_result(self, result: HostResult) -> None:
        self.results[result.name] = result
        if result.status != OK and self.limits.fail_fast:
            self.stop_launching = True
        self.on_done(result)

    def _interrupt(self) -> None:
        """Ctrl-C (or any other end): stop every running host, keep what it printed so far.

        SIGTERM first, as for a timeout: a host's vsh on the warm path passes it
        on to its worker, which SIGKILL would orphan; SIGKILL after a grace.
        """
        jobs = list(self.running.values())
        for job in jobs:
            self._signal(job, signal.SIGTERM)
        deadline = time.monotonic() + KILL_GRACE
        for job in jobs:
            try:
                job.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal(job, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    job.proc.wait(timeout=KILL_GRACE)
        for job in jobs:
            self._drain(job)
            self.results[job.host.name] = HostResult(
                job.host.name,
                INTERRUPTED,
                None,
                _decode(bytes(job.out)),
                _decode(bytes(job.err)),
            )
            for stream in (job.proc.stdout, job.proc.stderr):
                if stream is not None:
                    with contextlib.suppress(KeyError, ValueError):
                        self.selector.unregister(stream)
                    stream.close()
        self.running.clear()
        for host in self.hosts:
            self.results.setdefault(host.name, HostResult(host.name, SKIPPED, None))

    @staticmethod
    def _drain(job: _Job) -> None:
        """What a stopped host wrote last, without waiting for a pipe a straggler holds."""
        for stream, buffer in ((job.proc.stdout, job.out), (job.proc.stderr, job.err)):
            if stream is None or stream.closed:
                continue
            with contextlib.suppress(OSError):
                while chunk := os.read(stream.fileno(), 65536):
                    buffer += chunk
