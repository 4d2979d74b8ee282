"""benchmarks/bench_snapshots.py: when vsh's and virsh's listings count as equal."""

from __future__ import annotations

from benchmarks import bench_snapshots


def test_snapshot_outputs_match() -> None:
    match = bench_snapshots.outputs_match
    assert match(("--tree",), b"a\nb\n", b"a\nb\n")
    assert not match(("--tree",), b"a\nb\n", b"b\na\n")
    assert match(("--topological", "--name"), b"a\nb\n", b"b\na\n")
    assert not match(("--topological", "--name"), b"a\nb\n", b"a\nc\n")
