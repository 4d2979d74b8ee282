"""The benchmark framework (benchmarks/framework.py) on synthetic timings.

No real benchmark runs here (``make bench`` does that); the few processes
started are ``sh`` one-liners.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from benchmarks import framework
from benchmarks.framework import (
    Comparison,
    Context,
    Result,
    Sample,
    Series,
    Unavailable,
    interleave,
    median,
    ratio,
    repetitions,
)


def _series(label: str, walls: list[float], rss: list[int] | None = None) -> Series:
    rss = rss or [0] * len(walls)
    return Series(label, [Sample(w, r) for w, r in zip(walls, rss, strict=True)])


def _comparison() -> Comparison:
    vsh = _series("vsh", [0.30, 0.10, 0.20, 0.25, 0.15])
    virsh = _series("virsh", [0.40, 0.50, 0.45, 0.60, 0.35])
    vsh_mem = _series("vsh", [0.3, 0.3, 0.3], [2048, 4096, 3072])
    virsh_mem = _series("virsh", [0.4, 0.4, 0.4], [2048, 2048, 2048])
    probes = {"vsh": Sample(0.2, stdout=b"same\n"), "virsh": Sample(0.4, stdout=b"same\n")}
    memory = {"vsh": vsh_mem, "virsh": virsh_mem}
    return Comparison({"vsh": vsh, "virsh": virsh}, probes, 5, memory, 3)


# --- statistics ---------------------------------------------------------------


def test_median_odd_even_and_empty() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    with pytest.raises(ValueError):
        median([])


def test_ratio_edges() -> None:
    assert ratio(1.0, 2.0) == 0.5
    assert ratio(1.0, 0.0) == float("inf")
    assert ratio(0.0, 0.0) == 1.0


def test_series_medians() -> None:
    s = _series("x", [0.3, 0.1, 0.2], [10, 30, 20])
    assert s.median_wall == pytest.approx(0.2)
    assert s.median_rss_kib == 20
    assert Series("y", [Sample(0.1)]).median_rss_kib is None


def test_interleave_rotates_order_and_drops_warmup() -> None:
    calls: list[str] = []

    def contender(label: str, wall: float):
        def run() -> Sample:
            calls.append(label)
            return Sample(wall)

        return run

    series = interleave(
        {"a": contender("a", 1.0), "b": contender("b", 2.0), "c": contender("c", 3.0)},
        repeat=4,
        warmup=1,
    )
    rounds = [calls[i : i + 3] for i in range(0, len(calls), 3)]
    assert rounds == [
        ["a", "b", "c"],  # warm-up, discarded
        ["b", "c", "a"],
        ["c", "a", "b"],
        ["a", "b", "c"],
        ["b", "c", "a"],
    ]
    assert {k: len(v.samples) for k, v in series.items()} == {"a": 4, "b": 4, "c": 4}
    assert series["c"].median_wall == 3.0


def test_interleave_check_aborts() -> None:
    def bad(label: str, sample: Sample) -> None:
        if sample.status:
            raise Unavailable(label)

    with pytest.raises(Unavailable, match="b"):
        interleave({"a": lambda: Sample(1.0), "b": lambda: Sample(1.0, status=1)}, repeat=2,
                   check=bad)  # fmt: skip
    with pytest.raises(ValueError):
        interleave({"a": lambda: Sample(1.0)}, repeat=0)


@pytest.mark.parametrize(
    ("round_seconds", "expected"),
    [(0.1, 15), (20.0, 15), (30.0, 10), (90.0, 5), (1000.0, 5), (0.0, 15)],
)
def test_repetitions_fit_budget(round_seconds: float, expected: int) -> None:
    assert repetitions(round_seconds, repeat=15, min_repeat=5, budget=300) == expected


def test_repetitions_min_never_above_repeat() -> None:
    assert repetitions(1000.0, repeat=3, min_repeat=5, budget=300) == 3


# --- results -----------------------------------------------------------------


def test_time_and_memory_results_from_a_comparison() -> None:
    cmp = _comparison()
    t = Result.time("list", cmp, "vsh", "virsh", target=0.7)
    assert (t.subject_median, t.reference_median) == (0.20, 0.45)
    assert t.ratio == pytest.approx(0.20 / 0.45)
    assert (t.status, t.runs) == ("PASS", 5)
    m = Result.memory("rss", cmp, "vsh", "virsh", target=1.2)
    assert (m.subject_median, m.reference_median) == (3072, 2048)
    assert m.ratio == pytest.approx(1.5)
    assert (m.status, m.runs) == ("FAIL", 3)
    no_mem = Comparison(cmp.series, cmp.probes, 5, memory_unavailable="needs GNU time")
    m = Result.memory("rss", no_mem, "vsh", "virsh", target=1.2)
    assert (m.status, m.unavailable) == ("N/A", "needs GNU time")
    assert Result.time("info", cmp, "vsh", "virsh").status == "INFO"
    assert cmp.same_output("vsh", "virsh")


def test_statuses() -> None:
    assert Result.check("c", True).status == "PASS"
    assert Result.check("c", False).status == "FAIL"
    assert Result.missing("m", "no command", target=1.0).status == "N/A"
    assert Result.crashed("x", "boom").status == "ERROR"
    assert Result("r", subject_median=1.0, reference_median=1.0, target=1.0).status == "PASS"
    assert Result("r", subject_median=1.0).status == "N/A"


def test_exit_status() -> None:
    ok = [Result.check("c", True), Result.missing("m", "later")]
    assert framework.exit_status(ok) == 0
    assert framework.exit_status(ok, strict=True) == 1
    assert framework.exit_status([*ok, Result.check("c", False)]) == 1
    assert framework.exit_status([Result.crashed("x", "boom")]) == 1


# --- reports -----------------------------------------------------------------


def _results() -> list[Result]:
    cmp = _comparison()
    return [
        Result.time("snapshots: --tree", cmp, "vsh", "virsh", target=0.7),
        Result.memory("snapshots: --tree peak RSS", cmp, "vsh", "virsh", target=1.2),
        Result.missing("snapshots: --roots", "vsh: unknown command", target=1.0),
        Result.missing("snapshots: --roots peak RSS", "vsh: unknown command", kind="memory"),
        Result.check("startup: imports", True, "none of rich"),
    ]


def test_formatting() -> None:
    assert framework.fmt_value(0.1234, "time") == "123.4 ms"
    assert framework.fmt_value(45.678, "time") == "45.68 s"
    assert framework.fmt_value(7.2931, "time") == "7.29 s"
    assert framework.fmt_value(2048, "memory") == "2.0 MiB"
    assert framework.fmt_value(None, "time") == "-"
    assert framework.fmt_ratio(0.6666) == "0.67×"
    assert framework.fmt_target(1.25) == "≤ 1.25×"


def test_render_text() -> None:
    text = framework.render_text(_results(), {"startup": ["timed 'echo' instead"]})
    lines = text.splitlines()
    assert lines[0].split() == list(framework.COLUMNS)
    tree = next(line for line in lines if line.startswith("snapshots: --tree "))
    assert "200.0 ms" in tree and "450.0 ms (virsh)" in tree and "0.44×" in tree
    assert tree.split()[-2:] == ["PASS", "5"]
    rss = next(line for line in lines if line.startswith("snapshots: --tree peak RSS"))
    assert "3.0 MiB" in rss and "2.0 MiB (virsh)" in rss and rss.split()[-2:] == ["FAIL", "3"]
    # one explanation line per distinct reason, naming every figure concerned
    assert "* snapshots: --roots, snapshots: --roots peak RSS [N/A]: vsh: unknown command" in lines
    assert "* startup: timed 'echo' instead" in lines
    assert lines[-1] == "2 PASS, 1 FAIL, 2 N/A"


def test_render_markdown() -> None:
    machine = {"CPU": "Test CPU | 3 GHz", "Cores": "2 logical"}
    md = framework.render_markdown(
        _results(), machine, notes={"snapshots": ["fixture: 10000"]}, settings="S", when="W"
    )
    assert md.startswith("# vsh benchmarks\n")
    assert "| CPU | Test CPU \\| 3 GHz |" in md
    table = [line for line in md.splitlines() if line.startswith("| snapshots:")]
    assert len(table) == 4
    header = md.splitlines().index("| " + " | ".join(framework.COLUMNS) + " |")
    assert md.splitlines()[header + 1] == "|" + "---|" * len(framework.COLUMNS)
    assert all(row.count(" | ") == len(framework.COLUMNS) - 1 for row in table)
    assert "- snapshots: fixture: 10000" in md
    assert "Summary: 2 PASS, 1 FAIL, 2 N/A." in md


def test_machine_description_keys() -> None:
    info = framework.machine_description(Context())
    for key in ("CPU", "Cores", "Memory", "Python", "libvirt", "virsh", "vsh", "OS"):
        assert info[key], key


# --- discovery and running ---------------------------------------------------


def test_discover_finds_bench_modules() -> None:
    names = framework.discover()
    assert "benchmarks.bench_startup" in names and "benchmarks.bench_snapshots" in names
    assert names == sorted(names)
    assert framework.discover(["startup"]) == ["benchmarks.bench_startup"]
    with pytest.raises(SystemExit):
        framework.discover(["nonesuch"])


def _fake_module(monkeypatch: pytest.MonkeyPatch, name: str, run) -> str:
    mod = types.ModuleType(name)
    mod.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, mod)
    return name


def test_run_module_prefixes_and_catches_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = Context(verbose=False)
    good = _fake_module(monkeypatch, "bench_fake", lambda c: [Result.check("ok", True)])
    assert [r.name for r in framework.run_module(good, ctx)] == ["fake: ok"]

    def boom(c: Context) -> list[Result]:
        raise RuntimeError("kaput")

    bad = _fake_module(monkeypatch, "bench_broken", boom)
    (res,) = framework.run_module(bad, ctx)
    assert res.status == "ERROR" and "kaput" in (res.error or "")


def test_main_writes_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    cmp = _comparison()

    def run(ctx: Context) -> list[Result]:
        ctx.note("synthetic")
        return [Result.time("t", cmp, "vsh", "virsh", target=1.0)]

    name = _fake_module(monkeypatch, "bench_synth", run)
    monkeypatch.setattr(framework, "discover", lambda only=(): [name])
    monkeypatch.setattr(framework, "machine_description", lambda ctx: {"CPU": "fake"})
    monkeypatch.setattr(framework, "WORKDIR", tmp_path / "work")
    out = tmp_path / "RESULTS.md"
    assert framework.main(["--output", str(out), "-q"]) == 0
    text = out.read_text()
    assert "| synth: t | 200.0 ms | 450.0 ms (virsh) | 0.44× | ≤ 1.00× | PASS | 5 |" in text
    assert "- synth: synthetic" in text and "| CPU | fake |" in text
    assert "synth: t" in capsys.readouterr().out


# --- processes ---------------------------------------------------------------


def test_spawn_status_and_output() -> None:
    s = framework.spawn(["sh", "-c", "echo out; echo err >&2; exit 3"], capture=True)
    assert (s.status, s.stdout, s.stderr) == (3, b"out\n", b"err\n")
    assert s.maxrss_kib is None and s.wall > 0
    s = framework.spawn(["cat"], stdin=b"fed", capture=True)
    assert s.stdout == b"fed"


@pytest.mark.skipif(not framework.TIME_BIN, reason="GNU time not installed")
def test_spawn_rss_is_the_childs_own() -> None:
    # This process is far bigger than `true`; a naive wait4/getrusage would
    # report our size instead of the child's.
    ballast = bytearray(64 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    s = framework.spawn(["sh", "-c", "exit 2"], rss=True)
    assert s.status == 2
    assert s.maxrss_kib is not None and 0 < s.maxrss_kib < 32 * 1024
    del ballast


def test_spawn_rss_without_gnu_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framework, "TIME_BIN", "")
    assert "apt-get install time" in (framework.rss_unavailable() or "")
    with pytest.raises(Unavailable):
        framework.spawn(["true"], rss=True)


def test_spawn_timeout_kills() -> None:
    s = framework.spawn(["sleep", "30"], timeout=0.2)
    assert s.status == -9 and s.wall < 10 and b"killed" in s.stderr


def test_compare_with_tiny_commands(tmp_path: Path) -> None:
    ctx = Context(
        workdir=tmp_path, repeat=3, min_repeat=1, memory_repeat=2, budget=60, verbose=False
    )
    a = ctx.command("vsh", ["sh", "-c", "echo same"])
    b = ctx.command("virsh", ["sh", "-c", "echo same"])
    cmp = ctx.compare([a, b])
    assert cmp.runs == 3 and len(cmp.series["vsh"].samples) == 3
    assert all(s.maxrss_kib is None for s in cmp.series["vsh"].samples)
    if framework.TIME_BIN:
        assert cmp.memory_runs == 2 and cmp.memory_unavailable is None
        assert Result.memory("m", cmp, "vsh", "virsh").status == "INFO"
    assert cmp.same_output("vsh", "virsh")
    assert Result.time("x", cmp, "vsh", "virsh").status == "INFO"
    missing = ctx.command("vsh", ["sh", "-c", "echo 'error: unknown command' >&2; exit 1"])
    with pytest.raises(Unavailable, match="vsh: error: unknown command"):
        ctx.compare([missing, b])


def test_context_env_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "qemu:///system")
    monkeypatch.setenv("VSH_DEBUG", "0")
    env = Context(workdir=tmp_path).env(EXTRA="1")
    assert "LIBVIRT_DEFAULT_URI" not in env and "VSH_DEBUG" not in env
    assert env["HOME"] == str(tmp_path / "home") and env["EXTRA"] == "1"
