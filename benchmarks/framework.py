"""The benchmark framework behind ``make bench`` (``python -m benchmarks``).

A benchmark module is any ``benchmarks/bench_*.py`` exposing
``run(ctx) -> list[Result]``; it is found automatically.  Every figure is a
*ratio*: vsh's median over its reference's median, both measured in the same
run, interleaved round by round (the order rotates each round, so drift and
caching hit both sides alike), after one discarded warm-up run each (the
probe, whose output is kept for comparison).  Whole processes are timed with
``perf_counter`` around ``fork``/``exec``/``wait4``.  Peak memory (RSS) is
measured in separate interleaved rounds under GNU ``time`` (see ``TIME_BIN``
for why ``getrusage``/``wait4`` from here cannot measure it).

A module typically does::

    def run(ctx: Context) -> list[Result]:
        vsh = ctx.command("vsh", [ctx.vsh, "-c", "test:///default", "list"])
        virsh = ctx.command("virsh", [ctx.virsh, "-c", "test:///default", "list"])
        try:
            cmp = ctx.compare([vsh, virsh])
        except Unavailable as exc:
            return [Result.missing("list", str(exc), reference="virsh", target=1.0)]
        return [Result.time("list", cmp, "vsh", "virsh", target=1.0),
                Result.memory("list RSS", cmp, "vsh", "virsh", target=1.2)]

In-process figures (completion latency, say) pass callables returning a
``Sample`` to ``interleave`` (``timed(fn)`` makes one).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import importlib
import os
import pkgutil
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parent
REPO = PACKAGE_DIR.parent
RESULTS_FILE = PACKAGE_DIR / "RESULTS.md"
WORKDIR = PACKAGE_DIR / ".work"  # gitignored scratch: fixtures, HOME, captured output

DEFAULT_REPEAT = 15
DEFAULT_MIN_REPEAT = 5
DEFAULT_MEMORY_REPEAT = 5  # peak RSS barely varies; 5 rounds give a stable median
DEFAULT_BUDGET = 300.0  # seconds one comparison may take before repetitions are cut

_DROP_ENV_PREFIXES = ("VIRSH_", "VSH_", "LIBVIRT_")


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One run: wall seconds, peak RSS in KiB (when measured), exit status, output."""

    wall: float
    maxrss_kib: int | None = None
    status: int = 0
    stdout: bytes = b""
    stderr: bytes = b""


# Peak RSS needs a small process between us and the measured one: a child's
# ru_maxrss starts at its parent's resident size (fork copies the memory map,
# and exec after vfork records the shared one's high-water mark), so wait4 or
# RUSAGE_CHILDREN from this Python process would report *our* RSS for any
# child smaller than us.  GNU time (Debian package "time") forks from a ~2 MB
# process and reports the child's own peak.  It costs ~3 ms of wall time per
# run, which is why time and memory are measured in separate rounds.
TIME_BIN = shutil.which("time", path="/usr/bin:/bin") or ""


def rss_unavailable() -> str | None:
    """Why peak RSS cannot be measured here, or None when it can."""
    if not TIME_BIN:
        return "peak RSS needs GNU time: apt-get install time"
    return None


def spawn(
    argv: Sequence[str | os.PathLike[str]],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    stdin: bytes | None = None,
    capture: bool = False,
    timeout: float | None = None,
    rss: bool = False,
) -> Sample:
    """Run ``argv`` once and wait for it with a blocking ``wait4`` (no polling).

    Output goes to unlinked temporary files (no pipe-draining threads to
    perturb timings); stdout is read back only when ``capture`` is set,
    stderr always, so a failure can be explained.  ``rss`` runs the command
    under GNU time to get its peak RSS (see ``TIME_BIN``).  ``timeout`` kills
    the whole process group.
    """
    words = [os.fspath(a) for a in argv]
    with contextlib.ExitStack() as stack:
        err = stack.enter_context(tempfile.TemporaryFile())
        out = stack.enter_context(tempfile.TemporaryFile()) if capture else subprocess.DEVNULL
        if stdin is not None:
            inp = stack.enter_context(tempfile.TemporaryFile())
            inp.write(stdin)
            inp.seek(0)
        else:
            inp = subprocess.DEVNULL
        rss_file = None
        if rss:
            if not TIME_BIN:
                raise Unavailable(rss_unavailable())
            rss_file = stack.enter_context(tempfile.NamedTemporaryFile(prefix="vsh-bench-rss-"))
            words = [TIME_BIN, "-f", "%M", "-o", rss_file.name, *words]
        start = time.perf_counter()
        proc = subprocess.Popen(
            words,
            stdin=inp,
            stdout=out,
            stderr=err,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=timeout is not None,
        )
        killer = None
        if timeout is not None:
            killer = threading.Timer(timeout, _kill, (proc,))
            killer.start()
        try:
            _, wstatus, _usage = os.wait4(proc.pid, 0)
        finally:
            if killer is not None:
                killer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = status = os.waitstatus_to_exitcode(wstatus)  # keep Popen quiet
        err.seek(0)
        stderr = err.read()
        stdout = b""
        if capture:
            assert not isinstance(out, int)
            out.seek(0)
            stdout = out.read()
        maxrss = _read_rss(rss_file.name) if rss_file is not None else None
    if killer is not None and wall >= timeout:  # type: ignore[operator]
        stderr += f"\n[killed after {timeout:g}s]".encode()
        if status == 0:
            status = -9
    return Sample(wall, maxrss, status, stdout, stderr)


def _read_rss(path: str) -> int | None:
    """The last line GNU time wrote (earlier ones say how the command ended)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = [line.strip() for line in fh if line.strip()]
    except OSError:
        return None
    return int(lines[-1]) if lines and lines[-1].isdigit() else None


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, 9)


def timed(fn: Callable[[], object]) -> Callable[[], Sample]:
    """An in-process contender for ``interleave``: wall time of one ``fn()`` call."""

    def sample() -> Sample:
        start = time.perf_counter()
        fn()
        return Sample(time.perf_counter() - start)

    return sample


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def ratio(subject: float, reference: float) -> float:
    """subject / reference; infinite when the reference took no time at all."""
    if reference <= 0:
        return float("inf") if subject > 0 else 1.0
    return subject / reference


@dataclass
class Series:
    """The kept (post warm-up) samples of one contender."""

    label: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def walls(self) -> list[float]:
        return [s.wall for s in self.samples]

    @property
    def median_wall(self) -> float:
        return median(self.walls)

    @property
    def median_rss_kib(self) -> float | None:
        rss = [s.maxrss_kib for s in self.samples if s.maxrss_kib is not None]
        return median(rss) if rss else None


def interleave(
    contenders: Mapping[str, Callable[[], Sample]],
    *,
    repeat: int,
    warmup: int = 1,
    check: Callable[[str, Sample], None] | None = None,
) -> dict[str, Series]:
    """Run every contender ``warmup + repeat`` times, round-robin, rotating the order.

    Round ``i`` starts with contender ``i mod n``, so each contender runs first,
    second, ... equally often.  ``check(label, sample)`` may raise to abort.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    labels = list(contenders)
    series = {label: Series(label) for label in labels}
    for round_no in range(warmup + repeat):
        k = round_no % len(labels)
        for label in labels[k:] + labels[:k]:
            sample = contenders[label]()
            if check is not None:
                check(label, sample)
            if round_no >= warmup:
                series[label].samples.append(sample)
    return series


def repetitions(round_seconds: float, *, repeat: int, min_repeat: int, budget: float) -> int:
    """How many rounds fit the budget, between ``min_repeat`` and ``repeat``."""
    low = min(min_repeat, repeat)
    if round_seconds <= 0:
        return repeat
    return max(low, min(repeat, int(budget // round_seconds)))


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


class Unavailable(Exception):
    """A figure cannot be measured (vsh lacks the command, a tool is missing...)."""


@dataclass(frozen=True)
class Comparison:
    """Interleaved timing series and peak-RSS series by label, plus each
    contender's captured probe run.  ``memory_unavailable`` says why there
    are no memory rounds, if there are none."""

    series: Mapping[str, Series]
    probes: Mapping[str, Sample]
    runs: int
    memory: Mapping[str, Series] = field(default_factory=dict)
    memory_runs: int = 0
    memory_unavailable: str | None = None

    def same_output(self, a: str, b: str) -> bool:
        return self.probes[a].stdout == self.probes[b].stdout


@dataclass(frozen=True)
class Result:
    """One named figure: ``subject_median / reference_median`` against ``target``.

    ``kind`` is ``time`` (seconds), ``memory`` (KiB) or ``check`` (pass/fail,
    no ratio; ``ok`` holds the verdict).  ``unavailable`` says why a figure
    could not be measured; ``error`` that a benchmark module broke.
    """

    name: str
    kind: str = "time"
    subject: str = "vsh"
    reference: str = ""
    subject_median: float | None = None
    reference_median: float | None = None
    target: float | None = None
    runs: int = 0
    note: str = ""
    ok: bool | None = None
    unavailable: str | None = None
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.subject_median is None or self.reference_median is None:
            return None
        return ratio(self.subject_median, self.reference_median)

    @property
    def status(self) -> str:
        if self.error is not None:
            return "ERROR"
        if self.unavailable is not None:
            return "N/A"
        if self.kind == "check":
            return "PASS" if self.ok else "FAIL"
        r = self.ratio
        if r is None:
            return "N/A"
        if self.target is None:
            return "INFO"
        return "PASS" if r <= self.target else "FAIL"

    # constructors -------------------------------------------------------

    @classmethod
    def time(
        cls,
        name: str,
        cmp: Comparison,
        subject: str,
        reference: str,
        *,
        target: float | None = None,
        note: str = "",
    ) -> Result:
        return cls(
            name,
            "time",
            subject,
            reference,
            cmp.series[subject].median_wall,
            cmp.series[reference].median_wall,
            target,
            cmp.runs,
            note,
        )

    @classmethod
    def memory(
        cls,
        name: str,
        cmp: Comparison,
        subject: str,
        reference: str,
        *,
        target: float | None = None,
        note: str = "",
    ) -> Result:
        if cmp.memory_unavailable or subject not in cmp.memory or reference not in cmp.memory:
            why = cmp.memory_unavailable or "no memory rounds were run"
            return cls.missing(
                name, why, kind="memory", subject=subject, reference=reference, target=target
            )
        return cls(
            name,
            "memory",
            subject,
            reference,
            cmp.memory[subject].median_rss_kib,
            cmp.memory[reference].median_rss_kib,
            target,
            cmp.memory_runs,
            note,
        )

    @classmethod
    def check(cls, name: str, ok: bool, note: str = "", *, subject: str = "vsh") -> Result:
        return cls(name, "check", subject, ok=ok, note=note, runs=1)

    @classmethod
    def missing(
        cls,
        name: str,
        reason: str,
        *,
        kind: str = "time",
        subject: str = "vsh",
        reference: str = "",
        target: float | None = None,
    ) -> Result:
        return cls(name, kind, subject, reference, target=target, unavailable=reason)

    @classmethod
    def crashed(cls, name: str, error: str) -> Result:
        return cls(name, "check", error=error)


# ---------------------------------------------------------------------------
# Context handed to benchmark modules
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A whole-process contender; calling it runs it once (output discarded,
    peak RSS measured when ``rss`` is set)."""

    label: str
    argv: tuple[str, ...]
    env: Mapping[str, str]
    cwd: str | None = None
    stdin: bytes | None = None
    timeout: float | None = None
    rss: bool = False

    def __call__(self) -> Sample:
        return spawn(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=self.stdin,
            timeout=self.timeout,
            rss=self.rss,
        )

    def probe(self, timeout: float | None = None) -> Sample:
        return spawn(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=self.stdin,
            capture=True,
            timeout=timeout or self.timeout,
        )

    @property
    def shell(self) -> str:
        return shlex.join(self.argv)


def first_line(data: bytes) -> str:
    for line in data.decode(errors="replace").splitlines():
        if line.strip():
            return line.strip()
    return ""


@dataclass
class Context:
    repo: Path = REPO
    workdir: Path = WORKDIR
    python: Path = Path(sys.executable)
    vsh: Path = Path(sys.executable).parent / "vsh"
    virsh: Path = Path(shutil.which("virsh") or "/usr/bin/virsh")
    repeat: int = DEFAULT_REPEAT
    min_repeat: int = DEFAULT_MIN_REPEAT
    budget: float = DEFAULT_BUDGET
    memory_repeat: int = DEFAULT_MEMORY_REPEAT
    verbose: bool = True
    notes: dict[str, list[str]] = field(default_factory=dict)
    module: str = ""

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"  [{self.module or 'bench'}] {message}", file=sys.stderr, flush=True)

    def note(self, text: str) -> None:
        """A remark printed with the results and kept in RESULTS.md."""
        self.notes.setdefault(self.module, []).append(text)
        self.log(text)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for measured runs: private HOME/XDG, no inherited URIs."""
        home = self.workdir / "home"
        for sub in ("", "cache", "config"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(_DROP_ENV_PREFIXES)}
        env.pop("PYTHONPROFILEIMPORTTIME", None)
        env.update(
            HOME=str(home),
            XDG_CACHE_HOME=str(home / "cache"),
            XDG_CONFIG_HOME=str(home / "config"),
            LANG="C.UTF-8",
            TZ="UTC",
            TERM="dumb",
        )
        env.pop("LC_ALL", None)
        # In-process unless a figure asks for the warm server (warm_env): every
        # other figure keeps measuring what it always has, and no server is left.
        env.update(VSH_WARM="0", XDG_RUNTIME_DIR=str(self.runtime_dir()))
        env.update(extra)
        return env

    def runtime_dir(self) -> Path:
        """A private XDG_RUNTIME_DIR for the warm server of this run (0700)."""
        path = self.workdir / "run"
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)
        return path

    def warm_env(self, **extra: str) -> dict[str, str]:
        """The environment of a vsh that hands its commands to the warm server."""
        return self.env(VSH_WARM="force", **extra)

    def stop_warm_server(self, timeout: float = 30.0) -> None:
        """Stop this run's warm server, even one still starting, and wait until
        it has gone: a server holds ``warm.lock`` from its first instant."""
        import fcntl

        lock = self.runtime_dir() / "vsh" / "warm.lock"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                fd = os.open(lock, os.O_RDWR)
            except FileNotFoundError:
                return  # no server ever ran here
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return  # free: no server
            except BlockingIOError:
                pass
            finally:
                os.close(fd)
            if (lock.parent / "warm.sock").exists():
                spawn([self.vsh, "--warm-stop"], env=self.env(), capture=True, timeout=30)
            time.sleep(0.01)
        raise Unavailable(f"the warm server in {lock.parent} did not stop")

    def command(
        self,
        label: str,
        argv: Sequence[str | os.PathLike[str]],
        *,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        timeout: float | None = None,
    ) -> Command:
        return Command(
            label,
            tuple(os.fspath(a) for a in argv),
            dict(env) if env is not None else self.env(),
            str(self.workdir),
            stdin,
            timeout,
        )

    def compare(
        self, commands: Sequence[Command], *, expect_status: int = 0, memory: bool = True
    ) -> Comparison:
        """Probe each command once (warm-up, output capture, sanity), then interleave.

        Timing rounds come first, cut to fit ``budget`` seconds (never below
        ``min_repeat``); then, with ``memory``, up to ``memory_repeat``
        interleaved rounds under GNU time for peak RSS.  Raises
        ``Unavailable`` with the command's own error when a run does not
        exit with ``expect_status``.
        """
        self.workdir.mkdir(parents=True, exist_ok=True)
        probes: dict[str, Sample] = {}
        for cmd in commands:
            self.log(f"probe {cmd.label}: {cmd.shell}")
            sample = cmd.probe()
            if sample.status != expect_status:
                why = first_line(sample.stderr) or f"exit status {sample.status}"
                raise Unavailable(f"{cmd.label}: {why}")
            probes[cmd.label] = sample
        round_seconds = sum(s.wall for s in probes.values())
        runs = repetitions(
            round_seconds, repeat=self.repeat, min_repeat=self.min_repeat, budget=self.budget
        )
        timeout = max(60.0, 10 * max(s.wall for s in probes.values()))

        def check(label: str, sample: Sample) -> None:
            if sample.status != expect_status:
                why = first_line(sample.stderr) or f"exit status {sample.status}"
                raise Unavailable(f"{label} failed during timing: {why}")

        def contenders(rss: bool) -> dict[str, Command]:
            return {c.label: replace(c, timeout=c.timeout or timeout, rss=rss) for c in commands}

        self.log(f"{runs} interleaved timing rounds of ~{round_seconds:.2f}s")
        series = interleave(contenders(False), repeat=runs, warmup=0, check=check)
        why_not = rss_unavailable() if memory else "not measured"
        mem: dict[str, Series] = {}
        memory_runs = 0
        if why_not is None:
            memory_runs = min(self.memory_repeat, runs)
            self.log(f"{memory_runs} interleaved peak-RSS rounds")
            mem = interleave(contenders(True), repeat=memory_runs, warmup=0, check=check)
        return Comparison(series, probes, runs, mem, memory_runs, why_not)


# ---------------------------------------------------------------------------
# Discovery and running
# ---------------------------------------------------------------------------


def discover(only: Sequence[str] = ()) -> list[str]:
    """Module names ``benchmarks.bench_*``, sorted; ``only`` filters by short name."""
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(PACKAGE_DIR)]) if m.name.startswith("bench_")
    )
    if only:
        wanted = {o.removeprefix("bench_").removesuffix(".py") for o in only}
        unknown = wanted - {n.removeprefix("bench_") for n in names}
        if unknown:
            raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        names = [n for n in names if n.removeprefix("bench_") in wanted]
    return [f"{__package__ or 'benchmarks'}.{n}" for n in names]


def short_name(module: str) -> str:
    return module.rsplit(".", 1)[-1].removeprefix("bench_")


def run_module(module: str, ctx: Context) -> list[Result]:
    """Import and run one module; a crash becomes an ERROR result, not an abort."""
    ctx.module = short_name(module)
    try:
        mod: ModuleType = importlib.import_module(module)
        results = list(mod.run(ctx))
    except Exception as exc:
        tb = traceback.format_exc(limit=-3)
        print(tb, file=sys.stderr)
        return [Result.crashed(f"{ctx.module}: module failed", f"{type(exc).__name__}: {exc}")]
    return [r if r.name.startswith(ctx.module) else _prefixed(r, ctx.module) for r in results]


def _prefixed(result: Result, module: str) -> Result:
    return replace(result, name=f"{module}: {result.name}")


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


def fmt_value(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "time":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if kind == "memory":
        return f"{value / 1024:.1f} MiB"
    return f"{value:g}"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}×"


def fmt_target(target: float | None) -> str:
    return "-" if target is None else f"≤ {target:.2f}×"


COLUMNS = ("figure", "vsh", "reference", "ratio", "target", "status", "runs")


def rows(results: Sequence[Result]) -> list[tuple[str, ...]]:
    out = []
    for r in results:
        ref = fmt_value(r.reference_median, r.kind)
        if r.reference:
            ref = f"{ref} ({r.reference})" if r.reference_median is not None else r.reference
        out.append(
            (
                r.name,
                fmt_value(r.subject_median, r.kind) if r.kind != "check" else "-",
                ref if r.kind != "check" else "-",
                fmt_ratio(r.ratio),
                fmt_target(r.target),
                r.status,
                str(r.runs) if r.runs else "-",
            )
        )
    return out


def _explanations(results: Sequence[Result]) -> list[str]:
    """One line per distinct reason, naming every figure it applies to."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for r in results:
        why = r.error or r.unavailable or r.note
        if why:
            grouped.setdefault((r.status, why), []).append(r.name)
    return [f"{', '.join(names)} [{status}]: {why}" for (status, why), names in grouped.items()]


def render_text(results: Sequence[Result], notes: Mapping[str, Sequence[str]] = {}) -> str:
    table = [COLUMNS, *rows(results)]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    lines = []
    for n, row in enumerate(table):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    extra = _explanations(results) + [f"{m}: {t}" for m, ts in notes.items() for t in ts]
    if extra:
        lines.append("")
        lines.extend(f"* {e}" for e in extra)
    lines.append("")
    lines.append(summary(results))
    return "\n".join(lines) + "\n"


def summary(results: Sequence[Result]) -> str:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    order = ("PASS", "FAIL", "INFO", "N/A", "ERROR")
    return ", ".join(f"{counts[s]} {s}" for s in order if s in counts) or "no results"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(
    results: Sequence[Result],
    machine: Mapping[str, str],
    *,
    notes: Mapping[str, Sequence[str]] = {},
    settings: str = "",
    when: str = "",
) -> str:
    out = [
        "# vsh benchmarks",
        "",
        f"Generated by `make bench` (`python -m benchmarks`){' on ' + when if when else ''}.",
        "Each figure is vsh's median divided by its reference's median, both measured in",
        "this run, interleaved round by round with the order rotating, after one",
        "discarded warm-up run each.  Times are whole-process wall times; memory is the",
        "process's peak RSS as reported by GNU time, in separate interleaved rounds.",
        "A ratio below 1 means vsh is faster (or smaller) than the reference.",
    ]
    if settings:
        out += ["", settings]
    out += ["", "## Machine", "", "| | |", "|---|---|"]
    out += [f"| {_md_cell(k)} | {_md_cell(v)} |" for k, v in machine.items()]
    out += ["", "## Results", ""]
    out.append("| " + " | ".join(COLUMNS) + " |")
    out.append("|" + "---|" * len(COLUMNS))
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows(results)]
    extra = _explanations(results)
    note_lines = [f"{m}: {t}" for m, ts in notes.items() for t in ts]
    if extra or note_lines:
        out += ["", "## Notes", ""]
        out += [f"- {_md_cell(e)}" for e in extra + note_lines]
    out += ["", f"Summary: {summary(results)}.", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# The machine
# ---------------------------------------------------------------------------


def _proc_field(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                name, sep, value = line.partition(":")
                if sep and name.strip() == key:
                    return value.strip()
    except OSError:
        return None
    return None


def _output(argv: Sequence[str], cwd: Path | None = None) -> str | None:
    try:
        proc = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=30, cwd=cwd, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _libvirt_versions() -> str:
    try:
        import libvirt
    except ImportError:
        return "libvirt-python not importable"
    v = libvirt.getVersion()
    lib = f"{v // 1_000_000}.{v // 1000 % 1000}.{v % 1000}"
    try:
        from importlib.metadata import version

        py = version("libvirt-python")
    except Exception:
        py = "?"
    return f"{lib} (library), libvirt-python {py}"


def machine_description(ctx: Context | None = None) -> dict[str, str]:
    ctx = ctx or Context()
    cpu = (
        _proc_field("/proc/cpuinfo", "model name")
        or _proc_field("/proc/cpuinfo", "Hardware")
        or platform.processor()
        or "unknown"
    )
    logical = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else logical
    cores = f"{logical} logical" + (f" ({usable} usable)" if usable != logical else "")
    mem = _proc_field("/proc/meminfo", "MemTotal")
    memory = "unknown"
    if mem and mem.split()[0].isdigit():
        memory = f"{int(mem.split()[0]) / 1024 / 1024:.1f} GiB"
    load = "unknown"
    with contextlib.suppress(OSError):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    git = _output(["git", "describe", "--always", "--dirty"], cwd=ctx.repo) or "not a git tree"
    try:
        from importlib.metadata import version

        vsh_version = version("vsh")
    except Exception:
        vsh_version = "?"
    return {
        "CPU": cpu,
        "Cores": cores,
        "Memory": memory,
        "Load average at start": load,
        "OS": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "libvirt": _libvirt_versions(),
        "virsh": f"{_output([str(ctx.virsh), '--version']) or 'not runnable'} ({ctx.virsh})",
        "vsh": f"{vsh_version} (git {git})",
    }


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run vsh's benchmarks (benchmarks/bench_*.py) and write benchmarks/RESULTS.md.",
    )
    p.add_argument("only", nargs="*", help="benchmarks to run (e.g. startup); default all")
    p.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, help="rounds per comparison")
    p.add_argument(
        "--min-repeat", type=int, default=DEFAULT_MIN_REPEAT, help="fewest rounds under budget"
    )
    p.add_argument(
        "--memory-repeat",
        type=int,
        default=DEFAULT_MEMORY_REPEAT,
        help="peak-RSS rounds per comparison",
    )
    p.add_argument(
        "--budget", type=float, default=DEFAULT_BUDGET, help="seconds per comparison, at most"
    )
    p.add_argument("--quick", action="store_true", help="3 rounds, for a smoke test")
    p.add_argument("--output", type=Path, default=RESULTS_FILE, help="markdown report")
    p.add_argument("--no-write", action="store_true", help="do not write the markdown report")
    p.add_argument("--strict", action="store_true", help="N/A figures fail the run too")
    p.add_argument("--vsh", type=Path, help="vsh executable (default: the venv's)")
    p.add_argument("--virsh", type=Path, help="virsh executable (default: virsh on PATH)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.quick:
        args.repeat = args.min_repeat = args.memory_repeat = 3
    ctx = Context(
        workdir=WORKDIR,
        repeat=args.repeat,
        min_repeat=args.min_repeat,
        budget=args.budget,
        memory_repeat=args.memory_repeat,
        verbose=not args.quiet,
    )
    if args.vsh:
        ctx.vsh = args.vsh.resolve()
    if args.virsh:
        ctx.virsh = args.virsh.resolve()
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    modules = discover(args.only)
    started = _dt.datetime.now(_dt.UTC)
    machine = machine_description(ctx)
    results: list[Result] = []
    for module in modules:
        print(f"== {short_name(module)}", file=sys.stderr, flush=True)
        results += run_module(module, ctx)
    ctx.module = ""
    with contextlib.suppress(OSError):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        ordered: dict[str, str] = {}
        for key, value in machine.items():
            ordered[key] = value
            if key == "Load average at start":
                ordered["Load average at end"] = load
        machine = ordered
    print()
    print(render_text(results, ctx.notes), end="")
    if not args.no_write:
        elapsed = (_dt.datetime.now(_dt.UTC) - started).total_seconds()
        settings = (
            f"Settings: up to {ctx.repeat} rounds per comparison (at least "
            f"{min(ctx.min_repeat, ctx.repeat)}, fewer when a comparison would exceed "
            f"{ctx.budget:.0f} s), then up to {ctx.memory_repeat} peak-RSS rounds; modules: "
            f"{', '.join(short_name(m) for m in modules)}; whole run {elapsed:.0f} s."
        )
        when = started.strftime("%Y-%m-%d %H:%M UTC")
        args.output.write_text(
            render_markdown(results, machine, notes=ctx.notes, settings=settings, when=when),
            encoding="utf-8",
        )
        print(f"wrote {args.output}")
    return exit_status(results, strict=args.strict)


def exit_status(results: Sequence[Result], *, strict: bool = False) -> int:
    bad = {"FAIL", "ERROR"} | ({"N/A"} if strict else set())
    return 1 if any(r.status in bad for r in results) else 0
