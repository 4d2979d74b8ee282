"""benchmarks/bench_rotate.py without timing: the fixture, both contenders' work, N/A paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import bench_rotate
from benchmarks.framework import Context, Sample

libvirt = pytest.importorskip("libvirt")
REPO = Path(__file__).resolve().parents[2]


def test_fixture_has_marked_chains_the_policy_prunes(tmp_path) -> None:
    uri = bench_rotate.write_fixture(tmp_path / "f.xml", domains=3, snapshots=20)
    conn = libvirt.open(uri)
    try:
        doms = conn.listAllDomains(0)
        assert sorted(d.name() for d in doms) == ["rot000", "rot001", "rot002"]
        snaps = doms[0].listAllSnapshots(0)
        assert len(snaps) == 20
        assert all("vsh-rotate: label=nightly" in s.getXMLDesc(0) for s in snaps)
    finally:
        conn.close()
    done = subprocess.run(
        [sys.executable, "-m", "vsh", *bench_rotate.rotate_args(uri)],
        capture_output=True, env={"PYTHONPATH": str(REPO), "XDG_RUNTIME_DIR": str(tmp_path),
                                  "PATH": "/usr/bin:/bin"},
        cwd=REPO, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = bench_rotate.plan_rows(done.stdout.encode())
    assert [r[0] for r in rows] == ["rot000", "rot001", "rot002"]
    # 20 snapshots 12h apart: 7 daily + up to 4 weekly stay, the rest is planned
    assert all(r[1] == "-" and r[-1] == "ok" and int(r[3]) > 0 for r in rows)


def test_raw_reference_lists_every_snapshot_xml(tmp_path) -> None:
    uri = bench_rotate.write_fixture(tmp_path / "f.xml", domains=2, snapshots=5)
    script = tmp_path / "raw.py"
    script.write_text(bench_rotate.RAW_LIST)
    done = subprocess.run([sys.executable, script, uri], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    assert int(done.stdout) > 10 * 200  # ten XML documents were read


def test_unavailable_vsh_reports_both_figures_na(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(bench_rotate, "spawn", lambda *a, **k: Sample(0.0, status=1, stderr=b"x"))
    results = bench_rotate.run(Context(workdir=tmp_path, verbose=False))
    assert [r.status for r in results] == ["N/A", "N/A"]
    assert results[0].target == 1.5 and results[1].kind == "memory"
