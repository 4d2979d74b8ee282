"""benchmarks/bench_bulk.py without a real stack: scripts, wipe order, N/A paths.

The benchmark itself needs a private libvirtd (``make bench``); nothing here
starts one.
"""

from __future__ import annotations

import random
import shlex
from pathlib import Path

import pytest

from benchmarks import bench_bulk
from benchmarks.framework import Context, Result, Sample, Unavailable


def _names(results: list[Result]) -> list[str]:
    return [r.name for r in results]


# --- N/A when the stack cannot start -------------------------------------------


def test_unavailable_stack_reports_every_figure_na(monkeypatch, tmp_path) -> None:
    from tests.realstack import stack as stack_mod

    def refuse(self, timeout: float = 120):
        raise stack_mod.StackUnavailable("needs root (private mount namespace)\nmore detail")

    stopped: list[bool] = []
    monkeypatch.setattr(stack_mod.Stack, "start", refuse)
    monkeypatch.setattr(stack_mod.Stack, "stop", lambda self, timeout=30: stopped.append(True))
    results = bench_bulk.run(Context(workdir=tmp_path, verbose=False))
    assert [r.status for r in results] == ["N/A"] * 8
    assert all(r.unavailable and "needs root" in r.unavailable for r in results)
    assert all("more detail" not in (r.unavailable or "") for r in results)
    assert not stopped  # nothing was started, nothing to stop


def test_all_missing_keeps_targets_and_kinds() -> None:
    results = {r.name: r for r in bench_bulk.all_missing("why")}
    assert results[bench_bulk.REDEFINE_VIRSH].target == 0.1
    assert results[bench_bulk.REDEFINE_RAW].target == 1.3
    assert results[bench_bulk.EXPORT_VIRSH].target == 0.1
    assert results[bench_bulk.REDEFINE_RSS].kind == "memory"
    assert results[bench_bulk.REDEFINE_RSS].target is None  # informative
    assert results[bench_bulk.REDEFINE_FLOOR].target is None
    only = bench_bulk.all_missing("why", (bench_bulk.EXPORT_VIRSH,))
    assert _names(only) == [bench_bulk.EXPORT_VIRSH]


# --- the virsh loops ------------------------------------------------------------


def test_virsh_redefine_script_one_process_per_file_then_current() -> None:
    files = [Path("/w/a b.xml"), Path("/w/c.xml")]
    text = bench_bulk.virsh_redefine_script("/usr/bin/virsh", "qemu:///x?s=1", "dom", files, "c")
    lines = text.splitlines()
    assert lines[0] == "set -e"
    words = [shlex.split(line) for line in lines[1:]]
    assert words == [
        ["/usr/bin/virsh", "-q", "-c", "qemu:///x?s=1", "snapshot-create", "dom", "--redefine",
         "/w/a b.xml"],
        ["/usr/bin/virsh", "-q", "-c", "qemu:///x?s=1", "snapshot-create", "dom", "--redefine",
         "/w/c.xml"],
        ["/usr/bin/virsh", "-q", "-c", "qemu:///x?s=1", "snapshot-current", "dom", "c"],
    ]  # fmt: skip


def test_virsh_export_script_redirects_each_snapshot(tmp_path) -> None:
    text = bench_bulk.virsh_export_script("virsh", "u", "d", ["s1", "it's"], tmp_path)
    lines = text.splitlines()[1:]
    assert len(lines) == 2
    assert shlex.split(lines[1]) == [
        "virsh", "-q", "-c", "u", "snapshot-dumpxml", "d", "it's", ">", f"{tmp_path}/it's.xml",
    ]  # fmt: skip


# --- wiping: leaves first, one at a time ---------------------------------------------


def _random_tree(n: int, seed: int) -> dict[str, str | None]:
    rng = random.Random(seed)
    names = [f"s{i}" for i in range(n)]
    return {name: (None if i == 0 or rng.random() < 0.05 else names[rng.randrange(i)])
            for i, name in enumerate(names)}  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
def test_leaves_first_deletes_children_before_parents(seed: int) -> None:
    parents = _random_tree(300, seed)
    order = bench_bulk.leaves_first(parents)
    assert sorted(order) == sorted(parents)
    pos = {n: i for i, n in enumerate(order)}
    for name, parent in parents.items():
        if parent is not None:
            assert pos[name] < pos[parent]


def test_leaves_first_deep_chain_and_cycle() -> None:
    chain = {f"s{i}": (f"s{i - 1}" if i else None) for i in range(5000)}  # no recursion limit
    assert bench_bulk.leaves_first(chain)[0] == "s4999"
    with pytest.raises(ValueError):
        bench_bulk.leaves_first({"a": "b", "b": "a"})


class _FakeSnap:
    def __init__(self, dom: _FakeDom, name: str) -> None:
        self.dom, self.name = dom, name

    def getName(self) -> str:
        return self.name

    def delete(self, flags: int) -> None:
        assert flags == 4  # metadata only, never CHILDREN
        kids = [n for n, p in self.dom.parents.items() if p == self.name]
        assert not kids, f"deleting {self.name} with children {kids}"
        del self.dom.parents[self.name]
        self.dom.deleted.append(self.name)


class _FakeDom:
    def __init__(self, parents: dict[str, str | None]) -> None:
        self.parents = dict(parents)
        self.deleted: list[str] = []

    def listAllSnapshots(self, flags: int) -> list[_FakeSnap]:
        return [_FakeSnap(self, n) for n in self.parents]


def test_wipe_metadata_one_at_a_time_leaves_first() -> None:
    dom = _FakeDom(_random_tree(100, 7))
    n = bench_bulk.wipe_metadata(dom, 4, lambda s: dom.parents[s.getName()])
    assert n == 100 and not dom.parents and len(dom.deleted) == 100


# --- the reset-between-runs comparison ------------------------------------------------


def test_compare_with_reset_resets_before_and_verifies_after_every_run(tmp_path) -> None:
    ctx = Context(workdir=tmp_path, repeat=3, min_repeat=3, memory_repeat=1, verbose=False)
    events: list[str] = []
    a = ctx.command("a", ["/bin/sh", "-c", "exit 0"])
    b = ctx.command("b", ["/bin/sh", "-c", "exit 0"])
    cmp = bench_bulk.compare_with_reset(
        ctx, [a, b], lambda: events.append("reset"), lambda label: events.append(label)
    )
    assert cmp.runs == 3 and len(cmp.series["a"].samples) == 3
    assert events[:4] == ["reset", "a", "reset", "b"]  # probes
    assert set(events[0::2]) == {"reset"}  # a reset before every run...
    assert set(events[1::2]) == {"a", "b"}  # ...and a check after it
    memory_runs = cmp.memory_runs * 2
    assert len(events) == 2 * (2 + 3 * 2 + memory_runs)


def test_compare_with_reset_failure_is_unavailable(tmp_path) -> None:
    ctx = Context(workdir=tmp_path, repeat=1, min_repeat=1, verbose=False)
    bad = ctx.command("bad", ["/bin/sh", "-c", "echo nope >&2; exit 3"])
    with pytest.raises(Unavailable, match="bad: nope"):
        bench_bulk.compare_with_reset(ctx, [bad], lambda: None, lambda label: None)


def test_result_ratios_use_medians() -> None:
    from benchmarks.framework import Comparison, Series

    cmp = Comparison(
        {"vsh": Series("vsh", [Sample(w) for w in (0.3, 0.1, 0.2)]),
         "libvirt-python": Series("libvirt-python", [Sample(w) for w in (0.2, 0.2, 0.1)])},
        {}, 3,
    )  # fmt: skip
    r = Result.time(bench_bulk.REDEFINE_RAW, cmp, "vsh", "libvirt-python", target=1.3)
    assert r.ratio == pytest.approx(1.0) and r.status == "PASS"
