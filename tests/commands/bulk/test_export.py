"""snapshot-export (vsh.commands.bulk.export) on libvirt's test driver.

Multi-step scenarios run in one session (see tests/commands/bulk/support.py).
"""

from __future__ import annotations

import io
import json
import os
import time

from tests.commands.bulk.support import libvirt, lv_error, mode
from tests.fixtures.snapgen import build_domain, render_xml, write_fixture
from vsh.snapshots import bundle, pathsafe


def test_export_to_stdout(tmp_path, shells) -> None:
    info = write_fixture(tmp_path / "f.xml", count=5)
    sh = shells(info.uri)
    for args in (("dom0",), ("dom0", "-"), ("--domain", "dom0", "--file", "-")):
        ok, out, err = sh.run("snapshot-export", *args)
        assert ok and err == ""
        assert out.startswith("<?xml version='1.0' encoding='UTF-8'?>\n")
        assert out.endswith("</snapshots>\n\n")  # the runner's blank line follows
        source = bundle.StreamSource(io.BytesIO(out.encode()))
        doc = bundle.scan(source)
        assert [r.name for r in doc.records] == [f"snap-{i}" for i in range(5)]
        assert doc.header.current == "snap-4" and doc.header.security_info is False


def test_export_without_server_topological_order(tmp_path, shells, monkeypatch) -> None:
    """A driver rejecting LIST_TOPOLOGICAL: vsh orders parents first itself."""
    info = write_fixture(tmp_path / "f.xml", shape="random", count=80, seed=11)
    sh = shells(info.uri)
    real = libvirt.virDomain.listAllSnapshots
    flags_seen: list[int] = []

    def no_topological(self, flags=0):
        flags_seen.append(flags)
        if flags & libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL:
            raise lv_error("unsupported flags (0x400)", libvirt.VIR_ERR_INVALID_ARG)
        return list(reversed(real(self, flags)))  # children before parents

    monkeypatch.setattr(libvirt.virDomain, "listAllSnapshots", no_topological)
    path = tmp_path / "b.xml"
    ok, _, err = sh.run("snapshot-export", "dom0", str(path))
    assert ok, err
    assert flags_seen == [libvirt.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL, 0]
    seen: set[str] = set()
    for record in bundle.scan(bundle.FileSource(str(path))).records:
        assert record.parent is None or record.parent in seen
        seen.add(record.name)
    assert len(seen) == 80


def test_export_refuses_existing_file_without_overwrite(tmp_path, shells) -> None:
    info = write_fixture(tmp_path / "f.xml", count=3)
    sh = shells(info.uri)
    path = tmp_path / "b.xml"
    path.write_text("precious")
    ok, _out, err = sh.run("snapshot-export", "dom0", str(path))
    assert not ok
    assert err == f"error: file '{path}' already exists (use --overwrite to replace it)\n"
    assert path.read_text() == "precious"
    ok, _, err = sh.run("snapshot-export", "dom0", str(path), "--overwrite")
    assert ok, err
    assert "<snapshots" in path.read_text() and mode(path) == 0o600


def test_export_disk_full_leaves_nothing(tmp_path, shells, monkeypatch) -> None:
    import errno

    from vsh.snapshots import atomicfile

    def enospc(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomicfile, "_os_write", enospc)
    info = write_fixture(tmp_path / "f.xml", count=3)
    sh = shells(info.uri)
    path = tmp_path / "b.xml"
    ok, _, err = sh.run("snapshot-export", "dom0", str(path))
    assert not ok
    assert err == f"error: cannot write '{path}': No space left on device\n"
    assert os.listdir(tmp_path) == ["f.xml"]


def test_export_failure_before_rename_leaves_old_file(tmp_path, shells, monkeypatch) -> None:
    info = write_fixture(tmp_path / "f.xml", count=30)
    sh = shells(info.uri)
    path = tmp_path / "b.xml"
    path.write_text("old export")
    real = libvirt.virDomainSnapshot.getXMLDesc
    calls = {"n": 0}

    def flaky(self, flags=0):
        calls["n"] += 1
        if calls["n"] == 20:
            raise lv_error(
                "Domain snapshot not found: injected", libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT
            )
        return real(self, flags)

    monkeypatch.setattr(libvirt.virDomainSnapshot, "getXMLDesc", flaky)
    ok, out, err = sh.run("snapshot-export", "dom0", str(path), "--overwrite")
    assert not ok
    assert err == (
        "error: failed to export the snapshots of domain 'dom0'\n"
        "error: Domain snapshot not found: injected\n"
    )
    assert path.read_text() == "old export"
    assert sorted(os.listdir(tmp_path)) == ["b.xml", "f.xml"]
    calls["n"] = 0
    ok, out, err = sh.run("snapshot-export", "dom0")  # stdout: nothing half-written
    assert not ok and out == "\n"


def test_export_killed_mid_write_leaves_no_file(tmp_path) -> None:
    """SIGKILL while vsh streams a big bundle: the target is absent (or complete)."""
    import signal
    import subprocess

    from tests.conformance.harness import VSH, base_env

    info = write_fixture(tmp_path / "f.xml", shape="random", count=6000, disks=False)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "b.xml"
    proc = subprocess.Popen(
        [*VSH, "-c", info.uri, "snapshot-export", "dom0", str(target)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=base_env(),
    )
    try:
        deadline = time.monotonic() + 60

        def partial() -> int:  # bytes already flushed to the temporary file
            sizes = [os.stat(out_dir / n).st_size for n in os.listdir(out_dir)]
            return max(sizes, default=0)

        while partial() < 1 << 20 and not target.exists() and time.monotonic() < deadline:
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    if target.exists():  # the whole write won the race: then it is complete
        assert len(bundle.scan(bundle.FileSource(str(target))).records) == 6000
    else:
        assert all(n.endswith(".vsh-tmp") for n in os.listdir(out_dir))


def test_export_domain_without_snapshots_and_unknown_domain(tmp_path, shells) -> None:
    path = tmp_path / "f.xml"
    path.write_text(render_xml([build_domain("empty", count=0)]))
    sh = shells("test://" + str(path))
    ok, _, err = sh.run("snapshot-export", "empty", str(tmp_path / "x.xml"))
    assert not ok and err == "error: domain 'empty' has no snapshots to export\n"
    assert not (tmp_path / "x.xml").exists()
    ok, _, err = sh.run("snapshot-export", "nosuch")
    assert not ok and err == "error: failed to get domain 'nosuch'\n"
    ok, _, err = sh.run("snapshot-export", "empty", "a", "b")
    assert not ok and err == "error: unexpected data 'b'\n"


def test_export_security_info_on_read_only_connection(tmp_path, shells) -> None:
    info = write_fixture(tmp_path / "f.xml", count=3)
    sh = shells(info.uri, readonly=True)
    ok, _, err = sh.run("snapshot-export", "dom0", str(tmp_path / "b.xml"), "--security-info")
    assert not ok and err == "error: --security-info needs a read-write connection\n"
    assert sh.run("snapshot-export", "dom0", str(tmp_path / "b.xml"))[0]  # fine without


ODD_DOMAINS = [
    "..",
    ".hidden",
    "-rf",
    "a b",
    "快照",
    "semi;colon",
    "~x",
    "x\\y",
    "it's",
    "Web",
    "web",
]


def test_export_all_escapes_domain_names(tmp_path, shells) -> None:
    fixture = tmp_path / "f.xml"
    fixture.write_text(render_xml([build_domain(n, count=3) for n in ODD_DOMAINS]))
    out_dir = tmp_path / "out"
    sh = shells("test://" + str(fixture))
    ok, out, err = sh.run("snapshot-export", "--all", str(out_dir))
    # "Web" and "web" collide on case-insensitive file systems: the second is refused.
    assert not ok
    assert err == "error: domain 'web': file name collides with 'Web'\n"
    files = sorted(os.listdir(out_dir))
    assert "%2E..snapshots.xml" in files and "%2Ehidden.snapshots.xml" in files
    assert "%2Drf.snapshots.xml" in files and "a%20b.snapshots.xml" in files
    assert len(files) == len(ODD_DOMAINS) - 1
    assert sorted(os.listdir(tmp_path)) == ["f.xml", "out"]  # nothing escaped upwards
    for name in files:
        assert mode(out_dir / name) == 0o600
        doc = bundle.scan(bundle.FileSource(str(out_dir / name)))
        assert pathsafe.domain_from_filename(name) == doc.header.domain
    lines = out.splitlines()
    assert lines[0].split() == ["Domain", "Snapshots", "Current", "File", "Result"]
    dotdot = next(line for line in lines if line.startswith(" ..  "))
    assert dotdot.split()[1:] == ["3", "snap-2", "%2E..snapshots.xml", "exported"]

    # --domain globs select; existing files need --overwrite.
    ok, out, err = sh.run("snapshot-export", "--all", str(out_dir), "--domain", "[Ww]eb", "--json")
    assert not ok
    rows = json.loads(out[: out.rindex("]") + 1])
    assert [r["domain"] for r in rows] == ["Web", "web"]
    assert rows[0]["result"] == "failed" and "already exists" in rows[0]["error"]


def test_export_all_skips_domains_without_snapshots(tmp_path, shells) -> None:
    fixture = tmp_path / "f.xml"
    fixture.write_text(render_xml([build_domain("a", count=2), build_domain("b", count=0)]))
    sh = shells("test://" + str(fixture))
    ok, out, err = sh.run("snapshot-export", "--all", str(tmp_path / "o"))
    assert ok, err
    assert "skipped (no snapshots)" in out
    assert os.listdir(tmp_path / "o") == ["a.snapshots.xml"]
    ok, _, err = sh.run("snapshot-export", "--all", str(tmp_path / "o"), "--domain", "zz*")
    assert not ok and err == "error: no domain matches 'zz*'\n"
