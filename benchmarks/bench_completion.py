"""Completion latency with 10,000 snapshots, and the shell's start-up to its first prompt.

* **Snapshot names, warm cache** (target: 50 ms at the 95th percentile).  The
  shell's completer (``VshCompleter``: engine, name cache, prompt_toolkit
  ``Completion`` objects, everything but the thread hop and the drawing) is
  called in-process (garbage collector frozen after set-up, as the shell
  does) for ``snapshot-info dom0 <word>`` on the same generated
  node as bench_snapshots (10,000 snapshots, random tree, seed 1), once the
  cache holds the names.  Words: empty (all 10,000 names offered),
  ``snap-1`` (1,111), ``snap-12`` (111) and ``snap-1234`` (1), interleaved
  round by round.  The figure is the p95 against the 50 ms budget.
* **Snapshot names, cold cache**: the first completion, which fetches the
  names from libvirt, against that bare libvirt call
  (``[s.getName() for s in dom.listAllSnapshots()]``); for information.
* **Start-up to the first prompt** (target: 0.5 s), in a pseudo-terminal:
  from ``fork`` until ``vsh #`` is on the screen (prompt_toolkit's cursor
  position request is answered, as a terminal would), ``-c test:///default``.
  virsh doing the same is timed alongside, for information.
* **bash completion round trip**: one Tab in bash runs a whole
  ``vsh -q -c URI complete -- dominfo t`` process; against virsh's, for
  information.
"""

from __future__ import annotations

import fcntl
import gc
import math
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping, Sequence

from benchmarks.framework import Context, Result, Sample, Series, Unavailable, interleave, timed

COUNT = 10_000
SHAPE = "random"
SEED = 1
WARM_BUDGET = 0.050  # seconds, at the 95th percentile
STARTUP_BUDGET = 0.5  # seconds
WORDS = ("", "snap-1", "snap-12", "snap-1234")
URI = "test:///default"
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r|\x08")


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def budget_result(name: str, series: Series, budget: float, *, pct: float = 95) -> Result:
    """An absolute figure as a ratio to its budget: p``pct`` / budget, target 1."""
    walls = series.walls
    value = percentile(walls, pct)
    return Result(
        name,
        "time",
        "vsh",
        f"{budget * 1000:g} ms budget",
        value,
        budget,
        1.0,
        len(walls),
        f"p{pct:g} {value * 1000:.1f} ms, median {series.median_wall * 1000:.1f} ms, "
        f"max {max(walls) * 1000:.1f} ms",
    )


# -- in-process completion ------------------------------------------------------------------------


def completion_figures(ctx: Context) -> list[Result]:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from tests.fixtures.snapgen import write_fixture
    from vsh.completion.cache import NameCache
    from vsh.completion.ptk import VshCompleter
    from vsh.core.session import Session, Settings
    from vsh.virt import connector

    ctx.workdir.mkdir(parents=True, exist_ok=True)
    fixture = write_fixture(
        ctx.workdir / f"snapshots-{SHAPE}-{COUNT}.xml", shape=SHAPE, count=COUNT, seed=SEED
    )
    ctx.note(f"fixture: {COUNT} snapshots, shape {SHAPE}, seed {SEED}, domain {fixture.domain}")
    session = Session(Settings(uri=fixture.uri, uri_given=True, quiet=True), connector=connector)
    if not session.connection.reconnect():
        raise Unavailable(f"cannot open {fixture.uri}")
    conn = session.conn
    cache = NameCache()
    completer = VshCompleter(session, cache)
    gc.freeze()  # as the shell does once it has started (vsh.shell.repl.Shell.run)
    event = CompleteEvent(completion_requested=True)
    domain = fixture.domain

    def complete(word: str) -> int:
        document = Document(f"snapshot-info {domain} {word}")
        return len(list(completer.get_completions(document, event)))

    def bare_fetch() -> None:
        dom = conn.lookupByName(domain)
        [s.getName() for s in dom.listAllSnapshots(0)]

    def cold() -> Sample:
        cache.reset()
        start = time.perf_counter()
        complete("")
        return Sample(time.perf_counter() - start)

    try:
        rounds = max(5, ctx.repeat // 3)
        ctx.log(f"cold cache: {rounds} interleaved rounds against the bare libvirt listing")
        cold_series = interleave({"cold": cold, "libvirt": timed(bare_fetch)}, repeat=rounds)
        counts = {word: complete(word) for word in WORDS}  # also warms the cache
        if counts[""] < COUNT:
            raise Unavailable(f"only {counts['']} snapshot names offered, expected {COUNT}")
        samples = max(100, ctx.repeat * 10)
        ctx.log(f"warm cache: {samples} interleaved rounds over {len(WORDS)} words")
        contenders: dict[str, Callable[[], Sample]] = {
            word: timed(lambda word=word: complete(word)) for word in WORDS
        }
        warm = interleave(contenders, repeat=samples)
    finally:
        session.connection.close()
    results = []
    for word in WORDS:
        shown = f"'{word}'" if word else "empty word"
        name = f"snapshot names, warm cache, {shown} ({counts[word]:,} offered), p95"
        results.append(budget_result(name, warm[word], WARM_BUDGET))
    results.append(
        Result(
            "snapshot names, cold cache (first Tab) / bare libvirt listing",
            "time",
            "vsh",
            "libvirt",
            cold_series["cold"].median_wall,
            cold_series["libvirt"].median_wall,
            None,
            rounds,
            "10,000 names offered; vsh's figure includes the engine and the Completion objects",
        )
    )
    return results


# -- start-up to the first prompt, in a pseudo-terminal -------------------------------------------


def time_to_prompt(
    argv: Sequence[str], prompt: bytes, env: Mapping[str, str], timeout: float = 30.0
) -> Sample:
    """Wall time from starting ``argv`` on a pty until ``prompt`` is on its screen."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=dict(env),
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    seen = b""
    wall: float | None = None
    status = 0
    try:
        deadline = start + timeout
        while wall is None:
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.perf_counter()))
            if not ready:
                raise Unavailable(f"{argv[0]}: no prompt after {timeout:g} s")
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                raise Unavailable(f"{argv[0]} exited before its prompt: {seen[-200:]!r}")
            if b"\x1b[6n" in data:  # a cursor position request: answer as a terminal would
                os.write(master, b"\x1b[1;1R")
            seen += data
            if prompt in _ANSI.sub(b"", seen):
                wall = time.perf_counter() - start
    finally:
        try:
            os.write(master, b"\x04")  # end of input: both shells leave
            status = proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        os.close(master)
    return Sample(wall, status=status)


def startup_figures(ctx: Context) -> list[Result]:
    env = ctx.env(TERM="xterm-256color")
    contenders = {
        "vsh": lambda: time_to_prompt([str(ctx.vsh), "-c", URI], b"vsh #", env),
        "virsh": lambda: time_to_prompt([str(ctx.virsh), "-c", URI], b"virsh #", env),
    }
    try:
        series = interleave(contenders, repeat=ctx.repeat)
    except Unavailable as exc:
        return [Result.missing("start-up to the first prompt", str(exc), target=1.0)]
    vsh, virsh = series["vsh"], series["virsh"]
    return [
        Result(
            "start-up to the first prompt (pty), median",
            "time",
            "vsh",
            f"{STARTUP_BUDGET * 1000:g} ms budget",
            vsh.median_wall,
            STARTUP_BUDGET,
            1.0,
            len(vsh.walls),
            f"median {vsh.median_wall * 1000:.1f} ms, "
            f"p95 {percentile(vsh.walls, 95) * 1000:.1f} ms",
        ),
        Result(
            "start-up to the first prompt (pty) / virsh's",
            "time",
            "vsh",
            "virsh",
            vsh.median_wall,
            virsh.median_wall,
            None,
            len(vsh.walls),
        ),
    ]


# -- bash completion: one process per Tab ---------------------------------------------------------


def bash_round_trip(ctx: Context) -> list[Result]:
    args = ["-q", "-c", URI, "complete", "--", "dominfo", "t"]
    vsh = ctx.command("vsh", [ctx.vsh, *args])
    virsh = ctx.command("virsh", [ctx.virsh, *args])
    try:
        cmp = ctx.compare([vsh, virsh], memory=False)
    except Unavailable as exc:
        return [Result.missing("bash Tab round trip", str(exc), reference="virsh")]
    same = cmp.same_output("vsh", "virsh")
    return [
        Result.time(
            "bash Tab round trip (complete -- dominfo t)",
            cmp,
            "vsh",
            "virsh",
            note="" if same else "vsh's candidates differ from virsh's",
        )
    ]


def run(ctx: Context) -> list[Result]:
    results: list[Result] = []
    try:
        results += completion_figures(ctx)
    except Unavailable as exc:
        results.append(Result.missing("snapshot names", str(exc), target=1.0))
    results += startup_figures(ctx)
    results += bash_round_trip(ctx)
    return results
