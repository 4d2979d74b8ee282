"""benchmarks/bench_blockcommit.py without a real stack: arguments, checks, N/A path.

The benchmark itself needs a private libvirtd (``make bench``); nothing here
starts one.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import bench_blockcommit
from benchmarks.framework import Context


def test_unavailable_stack_reports_the_figure_na(monkeypatch, tmp_path) -> None:
    from tests.realstack import stack as stack_mod

    def refuse(self, timeout: float = 120):
        raise stack_mod.StackUnavailable("needs root (private mount namespace)\nmore detail")

    stopped: list[bool] = []
    monkeypatch.setattr(stack_mod.Stack, "start", refuse)
    monkeypatch.setattr(stack_mod.Stack, "stop", lambda self, timeout=30: stopped.append(True))
    results = bench_blockcommit.run(Context(workdir=tmp_path, verbose=False))
    assert [(r.name, r.status, r.target) for r in results] == [
        ("blockcommit --active --pivot --wait", "N/A", 1.0),
        ("blockcommit --active --pivot --wait, empty overlay", "N/A", None),
    ]
    for r in results:
        assert r.unavailable and "needs root" in r.unavailable
        assert "more detail" not in r.unavailable
    assert not stopped  # nothing was started, nothing to stop


def test_the_timed_command_and_the_untimed_overlay() -> None:
    assert bench_blockcommit.commit_args("qemu+unix:///system?socket=/s") == [
        "-c",
        "qemu+unix:///system?socket=/s",
        "blockcommit",
        "bench-commit",
        "vda",
        "--active",
        "--pivot",
        "--wait",
    ]
    args = bench_blockcommit.snapshot_args("o7")
    assert args[:3] == ["snapshot-create-as", "bench-commit", "o7"]
    assert {"--disk-only", "--atomic", "--no-metadata"} <= set(args)
    assert "--reuse-external" not in args
    made = bench_blockcommit.snapshot_args("w2", Path("/r/images/bench-commit.w2"))
    assert made[-3:] == ["--reuse-external", "--diskspec", "vda,file=/r/images/bench-commit.w2"]


def test_the_overlay_is_filled_without_its_backing_file() -> None:
    """The running guest holds the base image: qemu-io must not open it."""
    argv = bench_blockcommit.fill_args(Path("/r/images/o 1"))
    assert argv[:3] == ["/usr/bin/qemu-io", "-c", "write -P 0xab 1M 32M"]
    assert argv[3].startswith("json:")
    assert json.loads(argv[3][5:]) == {
        "driver": "qcow2",
        "file": {"driver": "file", "filename": "/r/images/o 1"},
        "backing": None,
    }


BLK = """ Target   Source
------------------------------------------------
 vda      {src}

"""


def test_on_base_reads_vda_from_domblklist() -> None:
    base = "/tmp/r/images/bench-commit.qcow2"
    assert bench_blockcommit.on_base(BLK.format(src=base), base)
    assert not bench_blockcommit.on_base(BLK.format(src=f"{base[:-6]}.o3"), base)
    assert not bench_blockcommit.on_base("", base)
