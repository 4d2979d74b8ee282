"""vsh.snapshots.restore: bounded parallel reverts, results in order, failures isolated."""

from __future__ import annotations

import threading
import time

import pytest

from vsh.snapshots import restore
from vsh.snapshots.restore import Job, Result, run_jobs


class Recorder:
    """A worker that tracks how many jobs run at once."""

    def __init__(self, delay: float = 0.02, fail: set[str] = frozenset()) -> None:
        self.delay = delay
        self.fail = fail
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.seen: list[str] = []

    def __call__(self, job: Job) -> Result:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.seen.append(job.domain)
        try:
            time.sleep(self.delay)
            if job.domain in self.fail:
                return Result(job.domain, job.snapshot, restore.FAILED, error="nope")
            if job.domain == "crash":
                raise RuntimeError("bug")
            return Result(job.domain, job.snapshot, restore.REVERTED)
        finally:
            with self.lock:
                self.running -= 1


def jobs(n: int) -> list[Job]:
    return [Job(f"vm{i:02d}", "clean") for i in range(n)]


@pytest.mark.parametrize("parallel", [1, 2, 4, 7])
def test_parallelism_is_bounded(parallel: int) -> None:
    worker = Recorder()
    results = run_jobs(jobs(12), worker, parallel)
    assert worker.peak <= parallel
    if parallel > 1:
        assert worker.peak > 1
    assert [r.domain for r in results] == [j.domain for j in jobs(12)]
    assert all(r.ok for r in results)


def test_one_failure_does_not_stop_the_others() -> None:
    worker = Recorder(fail={"vm03"})
    all_jobs = [*jobs(6), Job("crash", "clean")]
    results = run_jobs(all_jobs, worker, 3)
    assert sorted(worker.seen) == sorted(j.domain for j in all_jobs)
    status = {r.domain: r.status for r in results}
    assert status.pop("vm03") == restore.FAILED
    assert status.pop("crash") == restore.FAILED
    assert set(status.values()) == {restore.REVERTED}
    crash = next(r for r in results if r.domain == "crash")
    assert crash.error == "RuntimeError: bug"


def test_jobs_failed_up_front_are_not_run() -> None:
    worker = Recorder()
    results = run_jobs([Job("a", "s"), Job("b", "s", error="failed to get domain 'b'")], worker)
    assert worker.seen == ["a"]
    assert [(r.domain, r.status, r.error) for r in results] == [
        ("a", restore.REVERTED, None),
        ("b", restore.FAILED, "failed to get domain 'b'"),
    ]
    assert run_jobs([Job("c", "s", error="x")], worker)[0].status == restore.FAILED


def test_seconds_are_measured() -> None:
    (result,) = run_jobs([Job("a", "s")], Recorder(delay=0.05))
    assert 0.04 < result.seconds < 5
    assert result.to_dict()["seconds"] == round(result.seconds, 3)


def test_on_done_runs_in_the_calling_thread() -> None:
    threads: set[str] = set()
    run_jobs(jobs(5), Recorder(), 2, on_done=lambda r: threads.add(threading.current_thread().name))
    assert threads == {threading.current_thread().name}


def test_invalid_parallelism() -> None:
    with pytest.raises(ValueError):
        run_jobs(jobs(1), Recorder(), 0)


def test_ctrl_c_cancels_pending_jobs_and_reports_them() -> None:
    started = threading.Event()

    def worker(job: Job) -> Result:
        started.set()
        time.sleep(0.2)
        return Result(job.domain, job.snapshot, restore.REVERTED)

    def interrupt_soon() -> None:
        started.wait(5)
        import _thread

        _thread.interrupt_main()

    threading.Thread(target=interrupt_soon, daemon=True).start()
    with pytest.raises(restore.Interrupted) as info:
        run_jobs(jobs(10), worker, 2)
    results = info.value.results
    assert len(results) == 10
    statuses = [r.status for r in results]
    assert statuses.count(restore.REVERTED) >= 1  # the running ones finished
    assert statuses.count(restore.INTERRUPTED) >= 6  # the rest never started
    assert isinstance(info.value, KeyboardInterrupt)
