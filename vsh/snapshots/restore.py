"""Bulk revert: run one revert per domain, a bounded number at a time.

Written for the nightly "reset the lab VMs" cron job: every domain gets its
own job, one failure never stops the others, and the caller gets one result
per job in the order the jobs were given.  Nothing here talks to libvirt:
``vsh/commands/bulk/restore.py`` supplies the worker that reverts one domain
(sharing the session's connection, which libvirt makes thread-safe) and
renders the results.

Ctrl-C: jobs not yet started are cancelled and reported as ``interrupted``;
jobs already inside libvirt cannot be stopped half-way, so they are waited
for and reported as they finished.  Then KeyboardInterrupt propagates (the
caller exits 130 after printing the table).
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from queue import SimpleQueue

from vsh.core.record import FrozenRecord, Record, fresh

__all__ = [
    "DEFAULT_PARALLEL",
    "MAX_PARALLEL",
    "Interrupted",
    "Job",
    "Result",
    "run_jobs",
]

DEFAULT_PARALLEL = 4
MAX_PARALLEL = 64

# Result.status values
REVERTED = "reverted"
FAILED = "failed"
INTERRUPTED = "interrupted"
PLANNED = "would revert"


class Job(FrozenRecord):
    """Revert ``domain`` to ``snapshot`` (None: the domain's current snapshot)."""

    _fields = ("domain", "snapshot", "error")  # the handle is not part of the value
    domain: str
    snapshot: str | None
    # Set when the job is known to fail before it runs (lookup failed ...).
    error: str | None = None
    # The caller's handle on the domain (a libvirt virDomain), for the worker.
    handle: object = None


class Result(Record):
    domain: str
    snapshot: str | None
    status: str
    seconds: float = 0.0
    error: str | None = None
    forced: bool = False
    notes: list[str] = fresh(list)

    @property
    def ok(self) -> bool:
        return self.status in (REVERTED, PLANNED)

    def to_dict(self) -> dict[str, object]:
        return {
            "domain": self.domain,
            "snapshot": self.snapshot,
            "result": self.status,
            "ok": self.ok,
            "forced": self.forced,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`run_jobs`; ``results`` holds what is known."""

    def __init__(self, results: list[Result]) -> None:
        super().__init__()
        self.results = results


Worker = Callable[[Job], Result]


def _timed(worker: Worker, job: Job) -> Result:
    start = time.monotonic()
    try:
        result = worker(job)
    except Exception as exc:  # a bug or an unexpected error: this job only
        result = Result(job.domain, job.snapshot, FAILED, error=f"{type(exc).__name__}: {exc}")
    result.seconds = time.monotonic() - start
    return result


def run_jobs(
    jobs: Sequence[Job],
    worker: Worker,
    parallel: int = DEFAULT_PARALLEL,
    on_done: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run ``worker`` over ``jobs`` with at most ``parallel`` at once.

    Results come back in job order.  A job with ``error`` set is not run.
    ``on_done`` is called in the calling thread as each job finishes.
    """
    if parallel < 1:
        raise ValueError("parallel must be at least 1")
    results: list[Result | None] = [None] * len(jobs)
    for i, job in enumerate(jobs):
        if job.error is not None:
            results[i] = Result(job.domain, job.snapshot, FAILED, error=job.error)
    todo = [i for i, r in enumerate(results) if r is None]
    if not todo:
        return [r for r in results if r is not None]
    # A small pool of our own rather than ThreadPoolExecutor: Ctrl-C can
    # strike anywhere in the main thread, even half-way through starting a
    # thread, and every job that did start must still be waited for and
    # reported.  Workers store results themselves and take no new job once
    # ``stop`` is set; the main thread only waits.
    queue = collections.deque(todo)  # popleft() is atomic
    finished: SimpleQueue[int] = SimpleQueue()
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                i = queue.popleft()
            except IndexError:
                return
            results[i] = _timed(worker, jobs[i])
            finished.put(i)

    threads: list[threading.Thread] = []
    try:
        for n in range(min(parallel, len(todo))):
            thread = threading.Thread(target=run, name=f"revert-{n}", daemon=True)
            threads.append(thread)
            thread.start()
        for _ in todo:
            i = finished.get()
            if on_done is not None:
                on_done(results[i])  # type: ignore[arg-type]
    except KeyboardInterrupt:
        stop.set()
        for thread in threads:
            with contextlib.suppress(RuntimeError):  # never started
                thread.join()
        for i in todo:  # never started
            if results[i] is None:
                job = jobs[i]
                results[i] = Result(job.domain, job.snapshot, INTERRUPTED, error="interrupted")
        raise Interrupted([r for r in results if r is not None]) from None
    return [r for r in results if r is not None]
