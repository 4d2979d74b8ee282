"""benchmarks/bench_migrate_snapshots.py without real daemons: the tree the
guest gets, the N/A paths.  The benchmark itself needs two private libvirtd
(``make bench``); nothing here starts one."""

from __future__ import annotations

import subprocess
from typing import Any

from benchmarks import bench_migrate_snapshots as bench
from benchmarks.framework import Context, Sample
from tests.conformance.harness import VIRSH


def test_tree_script_makes_a_tree_with_an_inner_current() -> None:
    # the test driver's "test" domain, in one virsh process (its state is per process)
    script, current = bench.tree_script("test", count=30)
    listing = "; ".join((script, "snapshot-list test --parent", "snapshot-current test --name"))
    done = subprocess.run(
        [VIRSH, "-c", "test:///default", listing],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    table = done.stdout.split("-" * 20, 1)[1].split("\n\n", 1)[0]  # the listing's rows
    cells = [line.split() for line in table.splitlines() if line.strip().startswith("s")]
    parents = {c[0]: (c[5] if len(c) > 5 else None) for c in cells}  # name, 3 time cells, state
    assert len(parents) == 30
    assert parents["s011"] == "s006" and parents["s021"] == "s016"  # branches
    assert parents["s012"] == "s011"
    assert current == "s015" and done.stdout.rstrip().endswith("\ns015")
    assert any(p == current for p in parents.values())  # the current one has children


def test_vsh_without_the_option_is_na(monkeypatch: Any, tmp_path: Any) -> None:
    failed = Sample(0.01, status=1, stderr=b"error: command 'migrate' doesn't support option\n")
    monkeypatch.setattr(bench, "spawn", lambda *a, **k: failed)
    results = bench.run(Context(workdir=tmp_path, verbose=False))
    assert [r.status for r in results] == ["N/A"] * 4
    assert "vsh has no migrate --with-snapshots" in (results[0].unavailable or "")
    assert results[0].target == bench.TARGET == 1.3


def test_unavailable_stacks_report_the_figures_na(monkeypatch: Any, tmp_path: Any) -> None:
    from tests.realstack import stack as stack_mod

    def refuse(self: Any, timeout: float = 120) -> None:
        raise stack_mod.StackUnavailable("needs root (private mount namespace)\nmore detail")

    stopped: list[bool] = []
    monkeypatch.setattr(bench, "spawn", lambda *a, **k: Sample(0.01))
    monkeypatch.setattr(stack_mod.Stack, "start", refuse)
    monkeypatch.setattr(stack_mod.Stack, "stop", lambda self, timeout=30: stopped.append(True))
    results = bench.run(Context(workdir=tmp_path, verbose=False))
    assert [r.status for r in results] == ["N/A"] * 4
    assert all("needs root" in (r.unavailable or "") for r in results)
    assert stopped == [True, True]
