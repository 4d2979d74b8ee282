"""snapshot-redefine (vsh.commands.bulk.redefine) on libvirt's test driver,
and the export/redefine round trip.

Multi-step scenarios run in one session (see tests/commands/bulk/support.py).
Exit statuses and the two-"host" scenarios (export on one fixture, redefine
on a fresh one with the same domain) go through ``vsh.cli.main``.
"""

from __future__ import annotations

import io
import json
import random
import time

import pytest

from tests.commands.bulk.support import (
    MIX,
    SHAPES,
    Shell,
    current_of,
    fail_nth_create,
    libvirt,
    lv_error,
    mode,
    snapshot_state,
    tree_text,
    wipe,
)
from tests.fixtures import journal
from tests.fixtures.onedomain import node_uri
from tests.fixtures.snapgen import build_domain, render_xml, write_fixture
from vsh.cli import main
from vsh.snapshots import bundle
from vsh.virt import snapshotstore

# ---------------------------------------------------------------------------
# round trips on 1,000 snapshots
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_round_trip_1000_bundle(tmp_path, shells, shape) -> None:
    info = write_fixture(
        tmp_path / "f.xml", shape=shape, count=1000, seed=7, states=MIX, current=617
    )
    sh = shells(info.uri)
    dom = sh.dom()
    before = snapshot_state(dom)
    assert len(before[0]) == 1000 and before[1] == info.current

    path = tmp_path / "dom0.snapshots.xml"
    t0 = time.perf_counter()
    ok, out, err = sh.run("snapshot-export", "dom0", str(path))
    t_export = time.perf_counter() - t0
    assert ok, err
    assert out == f"Exported 1000 snapshots of domain 'dom0', current 'snap-617' to '{path}'\n\n"
    assert mode(path) == 0o600
    doc = bundle.scan(bundle.FileSource(str(path)))
    seen: set[str] = set()
    for record in doc.records:  # parents first, as listed by the server
        assert record.parent is None or record.parent in seen
        seen.add(record.name)

    wipe(dom)
    t0 = time.perf_counter()
    ok, out, err = sh.run("snapshot-redefine", "dom0", str(path))
    t_redefine = time.perf_counter() - t0
    assert ok, err
    assert err == ""
    assert (
        out
        == "Redefined 1000 snapshots of domain 'dom0' (0 skipped); current snapshot: snap-617\n\n"
    )
    after = snapshot_state(dom)
    assert tree_text(after[0], after[1]) == tree_text(before[0], before[1])
    assert after == before  # parents, current and every snapshot's XML
    print(f"\n1000 snapshots, {shape}: export {t_export:.2f}s, redefine {t_redefine:.2f}s")


@pytest.mark.parametrize("shape", SHAPES)
def test_round_trip_1000_shuffled_dumpxml_files(tmp_path, shells, shape) -> None:
    info = write_fixture(tmp_path / "f.xml", shape=shape, count=1000, seed=3, states=MIX)
    sh = shells(info.uri)
    dom = sh.dom()
    before = snapshot_state(dom)
    files = []
    for i, (_name, xml) in enumerate(before[2].items()):
        path = tmp_path / f"{i}.xml"
        path.write_text(xml)  # what `snapshot-dumpxml dom0 NAME > i.xml` writes
        files.append(str(path))
    random.Random(shape).shuffle(files)
    wipe(dom)
    t0 = time.perf_counter()
    ok, _out, err = sh.run("snapshot-redefine", "dom0", *files, "--current", info.current)
    elapsed = time.perf_counter() - t0
    assert ok, err
    assert snapshot_state(dom) == before
    print(f"\n1000 shuffled dumpxml files, {shape}: redefine {elapsed:.2f}s")


def test_round_trip_is_a_fixed_point(tmp_path, shells) -> None:
    info = write_fixture(tmp_path / "f.xml", shape="random", count=300, states=MIX, current=9)
    sh = shells(info.uri)
    dom = sh.dom()
    path = tmp_path / "b.xml"
    for _ in range(2):  # the first round lets libvirt align the disks
        assert sh.run("snapshot-export", "dom0", str(path), "--overwrite")[0]
        first = snapshot_state(dom, raw=True)
        wipe(dom)
        assert sh.run("snapshot-redefine", "dom0", str(path))[0]
    assert snapshot_state(dom, raw=True) == first


def test_odd_snapshot_names_round_trip(tmp_path, shells) -> None:
    info = write_fixture(
        tmp_path / "f.xml", shape="random", count=60, odd_names=True, states=MIX, current=41
    )
    sh = shells(info.uri)
    dom = sh.dom()
    before = snapshot_state(dom)
    assert any("/" in n for n in before[0]) and any("'" in n for n in before[0])
    path = tmp_path / "b.xml"
    assert sh.run("snapshot-export", "dom0", str(path), "--security-info")[0]
    wipe(dom)
    ok, _, err = sh.run("snapshot-redefine", "dom0", str(path))
    assert ok, err
    assert snapshot_state(dom) == before


# ---------------------------------------------------------------------------
# redefine: refusals change nothing
# ---------------------------------------------------------------------------


@pytest.fixture
def exported(tmp_path, shells):
    """A 200-snapshot domain, its bundle, and the domain wiped."""
    info = write_fixture(tmp_path / "f.xml", shape="random", count=200, seed=5, states=MIX)
    sh = shells(info.uri)
    dom = sh.dom()
    before = snapshot_state(dom)
    path = tmp_path / "b.xml"
    assert sh.run("snapshot-export", "dom0", str(path))[0]
    wipe(dom)
    return sh, dom, path, before


def test_missing_parent_refused_with_nothing_changed(tmp_path, exported) -> None:
    sh, dom, path, before = exported
    text = path.read_text()
    # Drop the root snapshot from the bundle: its children lose their parent.
    start = text.index("<domainsnapshot>")
    end = text.index("</domainsnapshot>", start) + len("</domainsnapshot>\n")
    path.write_text(text[:start] + text[end:])
    kids = [n for n, p in before[0].items() if p == "snap-0"]
    ok, out, err = sh.run("snapshot-redefine", "dom0", str(path))
    assert not ok and out == "\n"
    lines = err.splitlines()
    assert lines[0] == (
        f"error: cannot redefine the snapshots of domain 'dom0': {len(kids)} problem"
        + ("s" if len(kids) > 1 else "")
        + ", nothing was changed"
    )
    assert sorted(lines[1:]) == sorted(
        f"error: parent 'snap-0' of snapshot '{k}' is neither in the input nor defined"
        " on domain 'dom0'"
        for k in kids
    )
    assert dom.snapshotNum() == 0


def test_dry_run_changes_nothing(exported) -> None:
    sh, dom, path, _before = exported
    ok, out, err = sh.run("snapshot-redefine", "dom0", str(path), "--dry-run")
    assert ok and err == ""
    assert out.startswith(
        "Plan for domain 'dom0': define 200, skip 0, then mark 'snap-199' current"
        " (from the bundle)\n"
    )
    assert "Problems: none" in out
    assert dom.snapshotNum() == 0
    ok, out, err = sh.run("snapshot-redefine", "dom0", str(path), "--dry-run", "--json")
    data = json.loads(out)
    assert data["result"] is None and data["plan"]["ok"] and len(data["plan"]["steps"]) == 200
    assert dom.snapshotNum() == 0
    # A dry run with problems says so and fails, still changing nothing.
    assert sh.run("snapshot-redefine", "dom0", str(path))[0]
    ok, out, err = sh.run("snapshot-redefine", "dom0", str(path), "--dry-run")
    assert not ok and "Problems: 1\n  200 snapshots already defined" in out
    assert (
        err
        == "error: cannot redefine the snapshots of domain 'dom0': 1 problem, nothing was changed\n"
    )


def test_redefine_refuses_every_problem_at_once(tmp_path, exported) -> None:
    sh, dom, path, _before = exported
    garbage = tmp_path / "garbage.xml"
    garbage.write_text("<domainsnapshot><name>x")
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<!DOCTYPE a [<!ENTITY a "aaaa">]><domainsnapshot><name>&a;</name></domainsnapshot>'
    )
    empty = tmp_path / "empty.xml"
    empty.write_text("<snapshots domain='dom0'/>")
    ok, _out, err = sh.run(
        "snapshot-redefine", "dom0", str(path), str(path), str(garbage), str(bomb), str(empty),
        str(tmp_path / "missing.xml"),
    )  # fmt: skip
    assert not ok
    assert err.startswith("error: cannot redefine the snapshots of domain 'dom0': 204 problems")
    assert f"error: {garbage}: line 1, column 23: malformed XML: no element found\n" in err
    assert f"error: {bomb}: refusing a document type declaration (<!DOCTYPE>)" in err
    assert f"error: {empty}: the bundle holds no snapshots\n" in err
    assert f"error: {tmp_path / 'missing.xml'}: cannot open: No such file or directory\n" in err
    assert "error: snapshot 'snap-0' appears more than once" in err
    assert dom.snapshotNum() == 0


def test_bundle_for_another_domain(tmp_path, shells) -> None:
    fixture = tmp_path / "f.xml"
    fixture.write_text(render_xml([build_domain("a", count=4), build_domain("b", count=0)]))
    sh = shells("test://" + str(fixture))
    path = tmp_path / "a.xml"
    assert sh.run("snapshot-export", "a", str(path))[0]
    ok, _, err = sh.run("snapshot-redefine", "b", str(path))
    assert not ok
    uuid_a, uuid_b = sh.dom("a").UUIDString(), sh.dom("b").UUIDString()
    assert err.splitlines() == [
        "error: cannot redefine the snapshots of domain 'b': 2 problems, nothing was changed",
        f"error: {path}: bundle of domain 'a' (UUID {uuid_a}), not of 'b' (UUID {uuid_b});"
        " --adopt restores it onto this domain anyway",
        f"error: {path}: 4 snapshots embed domain UUID {uuid_a}, not 'b''s {uuid_b}:"
        " 'snap-0', 'snap-1', 'snap-2', 'snap-3' (--adopt rewrites it)",
    ]
    assert sh.dom("b").snapshotNum() == 0
    # --adopt clones the tree onto b, with b's name and UUID inside.
    ok, _out, err = sh.run("snapshot-redefine", "b", str(path), "--adopt")
    assert ok, err
    parents, current, xml = snapshot_state(sh.dom("b"))
    assert parents == snapshot_state(sh.dom("a"))[0] and current == "snap-3"
    assert all(f"<uuid>{uuid_b}</uuid>" in x and "<name>b</name>" in x for x in xml.values())


def test_map_path_rewrites_disks(tmp_path, shells) -> None:
    info = write_fixture(tmp_path / "f.xml", count=6, states=("disk-snapshot", "running"))
    sh = shells(info.uri)
    path = tmp_path / "b.xml"
    assert sh.run("snapshot-export", "dom0", str(path))[0]
    wipe(sh.dom())
    ok, _, err = sh.run(
        "snapshot-redefine", "dom0", str(path), "--map-path", "/var/lib/libvirt=/srv/vm"
    )
    assert ok, err
    xmls = snapshot_state(sh.dom())[2]
    assert all("/var/lib/libvirt" not in x for x in xmls.values())
    assert "<source file='/srv/vm/images/dom0.snap0.qcow2'/>" in xmls["snap-0"]
    ok, _, err = sh.run("snapshot-redefine", "dom0", str(path), "--map-path", "bad")
    assert not ok and err == "error: invalid --map-path 'bad': expected OLD=NEW\n"


def test_read_only_connection_is_refused_up_front(exported, tmp_path) -> None:
    sh, _dom, path, _before = exported
    ro = Shell(sh.session.settings.uri, readonly=True)
    try:
        ok, _, err = ro.run("snapshot-redefine", "dom0", str(path))
        assert not ok
        assert err == (
            "error: snapshot-redefine needs a read-write connection (this one is read-only);"
            " nothing was changed\n"
        )
        assert ro.run("snapshot-redefine", "dom0", str(path), "--dry-run")[0] is False
        assert ro.dom().snapshotNum() == 200  # its own, untouched, state
    finally:
        ro.close()


def test_stdin_input(exported, monkeypatch) -> None:
    sh, dom, path, before = exported

    class FakeStdin:
        buffer = io.BytesIO(path.read_bytes())

    monkeypatch.setattr("sys.stdin", FakeStdin)
    ok, _, err = sh.run("snapshot-redefine", "dom0", "-")
    assert ok, err
    assert snapshot_state(dom) == before
    ok, _, err = sh.run("snapshot-redefine", "dom0", "-", "-")
    assert not ok and err == "error: standard input ('-') can be read only once\n"


# ---------------------------------------------------------------------------
# redefine: failures mid-way
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 57, 200, 201])
def test_server_failure_mid_way_is_rolled_back(exported, monkeypatch, k) -> None:
    sh, dom, path, _before = exported
    fail_nth_create(monkeypatch, k, lambda: lv_error("internal error: injected failure"))
    ok, _out, err = sh.run("snapshot-redefine", "dom0", str(path))
    assert not ok
    lines = err.splitlines()
    if k <= 200:
        assert lines[0].startswith("error: failed to redefine snapshot 'snap-")
    else:
        assert lines[0] == "error: failed to mark snapshot 'snap-199' current on domain 'dom0'"
    assert lines[1] == "error: internal error: injected failure"
    if k > 1:
        assert lines[2] == (
            f"error: rolled back the {k - 1} snapshots this run had defined; nothing was changed"
        )
    assert len(lines) == (2 if k == 1 else 3)
    assert dom.snapshotNum() == 0 and current_of(dom) is None


def test_no_rollback_then_skip_existing_resumes(exported, monkeypatch) -> None:
    sh, dom, path, before = exported
    calls = fail_nth_create(monkeypatch, 120, lambda: lv_error("internal error: injected"))
    ok, _, err = sh.run("snapshot-redefine", "dom0", str(path), "--no-rollback")
    assert not ok
    assert "error: --no-rollback kept 119 snapshots defined by this run: 'snap-0'" in err
    assert err.endswith("error: rerun snapshot-redefine with --skip-existing to complete the job\n")
    assert dom.snapshotNum() == 119
    # Without --skip-existing the rerun is refused; with it, it completes.
    ok, _, err = sh.run("snapshot-redefine", "dom0", str(path))
    assert not ok and "119 snapshots already defined" in err
    calls["n"] = -(10**9)
    ok, out, err = sh.run("snapshot-redefine", "dom0", str(path), "--skip-existing")
    assert ok, err
    assert (
        out
        == "Redefined 81 snapshots of domain 'dom0' (119 skipped); current snapshot: snap-199\n\n"
    )
    assert snapshot_state(dom) == before


def test_daemon_dying_mid_run(exported, monkeypatch) -> None:
    sh, dom, path, before = exported
    calls = fail_nth_create(
        monkeypatch,
        80,
        lambda: lv_error(
            "End of file while reading data: Input/output error",
            libvirt.VIR_ERR_SYSTEM_ERROR,
            libvirt.VIR_FROM_REMOTE,
        ),
    )
    t0 = time.perf_counter()
    ok, _, err = sh.run("snapshot-redefine", "dom0", str(path))
    assert time.perf_counter() - t0 < 30  # never hangs
    assert not ok
    lines = err.splitlines()
    assert lines[1] == "error: End of file while reading data: Input/output error"
    assert lines[2] == (
        "error: connection lost after defining 79 of 200 snapshots; nothing could be rolled back"
    )
    assert lines[3].startswith("error: snapshot 'snap-") and "may or may not" in lines[3]
    assert lines[4].startswith("error: left 79 snapshots defined by this run:")
    assert lines[5] == "error: rerun snapshot-redefine with --skip-existing to complete the job"
    assert dom.snapshotNum() == 79
    calls["n"] = -(10**9)
    ok, _, err = sh.run("snapshot-redefine", "dom0", str(path), "--skip-existing")
    assert ok, err
    assert snapshot_state(dom) == before


def test_ctrl_c_rolls_back(exported, monkeypatch) -> None:
    sh, dom, path, _before = exported
    # Ctrl-C arriving while libvirt defines snapshot 90: it was defined, never recorded.
    fail_nth_create(monkeypatch, 90, KeyboardInterrupt, after=True)
    with pytest.raises(KeyboardInterrupt):
        sh.run("snapshot-redefine", "dom0", str(path))
    assert sh.err.getvalue() == (
        "error: rolled back the 90 snapshots this run had defined; nothing was changed\n"
    )
    assert dom.snapshotNum() == 0


def test_disk_only_flag_and_the_test_driver(exported, monkeypatch) -> None:
    """DISK_ONLY goes with disk-snapshot states; the test driver refuses it, once."""
    sh, dom, path, before = exported
    real = libvirt.virDomain.snapshotCreateXML
    seen: list[int] = []

    def record(self, xml, flags=0):
        seen.append(flags)
        return real(self, xml, flags)

    monkeypatch.setattr(libvirt.virDomain, "snapshotCreateXML", record)
    ok, _, err = sh.run("snapshot-redefine", "dom0", str(path))
    assert ok, err
    disk_only = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
    redefine_flag = libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
    first_disk = next(i for i, f in enumerate(seen) if f & disk_only)
    assert seen[first_disk] == redefine_flag | disk_only  # tried once ...
    assert seen[first_disk + 1] == redefine_flag  # ... refused, resent without
    assert sum(1 for f in seen if f & disk_only) == 1
    assert snapshot_state(dom) == before


def test_disk_only_refusal_is_not_retried_on_other_drivers(exported, monkeypatch) -> None:
    sh, dom, path, _before = exported
    monkeypatch.setattr(snapshotstore, "is_test_driver", lambda conn: False)
    monkeypatch.setattr(libvirt.virDomainSnapshot, "delete", _metadata_delete_on_test_driver())
    ok, _, err = sh.run("snapshot-redefine", "dom0", str(path))
    assert not ok
    assert "unsupported flags (0x10) in function testDomainSnapshotCreateXML" in err
    assert dom.snapshotNum() == 0  # rolled back with metadata-only deletes


def _metadata_delete_on_test_driver():
    """Pretend the test driver honours METADATA_ONLY (what a real driver gets)."""
    real = libvirt.virDomainSnapshot.delete
    metadata_only = libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY
    children = (
        libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN
        | libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY
    )

    def delete(self, flags=0):
        assert flags == metadata_only, "a real driver must get METADATA_ONLY, never a plain delete"
        assert not flags & children
        return real(self, 0)

    return delete


def test_rollback_deletes_one_at_a_time_leaves_first(exported, monkeypatch) -> None:
    sh, dom, path, _before = exported
    deleted: list[tuple[str, int, int]] = []
    real = libvirt.virDomainSnapshot.delete

    def delete(self, flags=0):
        deleted.append((self.getName(), flags, self.numChildren(0)))
        return real(self, flags)

    monkeypatch.setattr(libvirt.virDomainSnapshot, "delete", delete)
    fail_nth_create(monkeypatch, 150, lambda: lv_error("internal error: injected"))
    assert not sh.run("snapshot-redefine", "dom0", str(path))[0]
    assert len(deleted) == 149
    assert all(flags == 0 and kids == 0 for _, flags, kids in deleted)  # test driver: plain
    assert dom.snapshotNum() == 0


# ---------------------------------------------------------------------------
# two hosts: export on one, redefine on a fresh one (through vsh.cli.main)
# ---------------------------------------------------------------------------


@pytest.fixture
def two_hosts(tmp_path):
    """The same domain (name and UUID) with 150 snapshots, and without any."""
    old = write_fixture(tmp_path / "old.xml", shape="balanced", count=150, states=MIX, current=77)
    new = write_fixture(tmp_path / "new.xml", count=0)
    assert old.domains[0].uuid == new.domains[0].uuid
    return old, new


def test_migrate_metadata_between_hosts(tmp_path, two_hosts, capsys, shells) -> None:
    old, new = two_hosts
    path = tmp_path / "b.xml"
    assert main(["-q", "-c", old.uri, "snapshot-export", "dom0", str(path)]) == 0
    script = f"snapshot-redefine dom0 {path}; snapshot-redefine dom0 {path} --skip-existing"
    assert main(["-c", new.uri, script]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out == (
        "Redefined 150 snapshots of domain 'dom0' (0 skipped); current snapshot: snap-77\n\n"
        "Redefined 0 snapshots of domain 'dom0' (150 skipped); current snapshot: snap-77\n\n"
    )


def test_exit_status_130_on_ctrl_c(tmp_path, two_hosts, capsys, monkeypatch) -> None:
    old, new = two_hosts
    path = tmp_path / "b.xml"
    assert main(["-q", "-c", old.uri, "snapshot-export", "dom0", str(path)]) == 0
    fail_nth_create(monkeypatch, 30, KeyboardInterrupt)
    assert main(["-c", new.uri, "snapshot-redefine", "dom0", str(path)]) == 130
    _, err = capsys.readouterr()
    assert err == (
        "error: rolled back the 29 snapshots this run had defined; nothing was changed\n"
        "error: interrupted\n"
    )


def test_exit_status_1_on_failures(tmp_path, two_hosts, capsys) -> None:
    old, new = two_hosts
    assert main(["-c", new.uri, "snapshot-redefine", "dom0", str(tmp_path / "nope.xml")]) == 1
    assert main(["-r", "-c", old.uri, "snapshot-redefine", "dom0", str(tmp_path / "x")]) == 1
    assert main(["-c", new.uri, "snapshot-redefine", "dom0"]) == 1
    _, err = capsys.readouterr()
    assert "error: command 'snapshot-redefine' requires <file> option\n" in err


# ---------------------------------------------------------------------------
# redefine --all
# ---------------------------------------------------------------------------


def test_redefine_all_matches_by_uuid_then_name(tmp_path, shells) -> None:
    names = ["alpha", "beta", "..", "gamma"]
    src = tmp_path / "src.xml"
    src.write_text(render_xml([build_domain(n, count=5, shape="random") for n in names]))
    out_dir = tmp_path / "bundles"
    sh = shells("test://" + str(src))
    assert sh.run("snapshot-export", "--all", str(out_dir))[0]

    # The new host: alpha and ".." keep their UUIDs, beta was re-created (new
    # UUID, same name), gamma is gone.
    dst = tmp_path / "dst.xml"
    beta = build_domain("beta", count=0)
    beta = type(beta)(**{**beta.__dict__, "uuid": "99999999-9999-9999-9999-999999999999"})
    dst.write_text(render_xml([build_domain("alpha", count=0), beta, build_domain("..", count=0)]))
    sh2 = shells("test://" + str(dst))
    ok, out, err = sh2.run("snapshot-redefine", "--all", str(out_dir), "--json")
    assert not ok
    rows = {r["file"]: r for r in json.loads(out[: out.rindex("]") + 1])}
    assert rows["alpha.snapshots.xml"]["result"] == "redefined"
    assert rows["alpha.snapshots.xml"]["matched_by"] == "uuid"
    assert rows["%2E..snapshots.xml"]["result"] == "redefined"
    assert rows["beta.snapshots.xml"]["matched_by"] == "name"
    assert rows["beta.snapshots.xml"]["result"] == "refused"  # UUID differs: needs --adopt
    assert rows["gamma.snapshots.xml"]["result"] == "failed"
    assert "no domain with UUID" in err
    for name in ("alpha", ".."):
        assert snapshot_state(sh2.dom(name))[:2] == snapshot_state(sh.dom(name))[:2]
    assert sh2.dom("beta").snapshotNum() == 0

    # --adopt takes beta too; alpha and ".." are already complete (--skip-existing).
    ok, out, err = sh2.run("snapshot-redefine", "--all", str(out_dir), "--adopt", "--skip-existing")
    assert not ok  # gamma still has no domain
    assert sh2.dom("beta").snapshotNum() == 5
    table = out.splitlines()
    assert table[0].split() == [
        "File",
        "Domain",
        "Matched",
        "Defined",
        "Skipped",
        "Current",
        "Result",
    ]
    assert any(line.split()[-1] == "redefined" and "beta" in line for line in table)


# ---------------------------------------------------------------------------
# the real QEMU driver (tests/realstack): rollback must never touch disk data
# ---------------------------------------------------------------------------


@pytest.mark.real
def test_qemu_rollback_is_metadata_only(real_stack, guests, tmp_path) -> None:
    """A server-side failure on a real driver: rollback deletes metadata only.

    Internal snapshots of a shut-off qemu guest live in its qcow2.  After the
    failed run the metadata is gone again but the qcow2 still has every one
    of them: vsh used VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY, never a plain
    (data-deleting) delete.
    """
    from tests.real.util import ok, vsh

    name = "bk-rollback"
    g = guests(name)
    real_stack.virsh(f"snapshot-create-as {name} s1; snapshot-create-as {name} s2")
    real_stack.virsh(f"snapshot-create-as {name} s3")
    assert sorted(real_stack.qcow2_snapshots(name)) == ["s1", "s2", "s3"]
    path = tmp_path / "b.xml"
    ok(vsh(real_stack, "snapshot-export", name, str(path)))
    ok(vsh(real_stack, "undefine", name, "--snapshots-metadata"))
    ok(vsh(real_stack, "define", str(g.xml)))
    # A fourth snapshot the planner accepts but qemu refuses (no disk vdz).
    bad = tmp_path / "bad.xml"
    assert real_stack.virsh("snapshot-list", name, "--name").stdout.strip() == ""
    template = bundle.scan(bundle.FileSource(str(path))).records[-1].load()
    bad.write_text(
        template.replace("<name>s3</name>", "<name>s4</name>", 1)
        .replace("<name>s2</name>", "<name>s3</name>", 1)
        .replace("<disks>", "<disks>\n    <disk name='vdz' snapshot='internal'/>", 1)
    )
    out = vsh(real_stack, "snapshot-redefine", name, str(path), str(bad))
    assert out.status == 1
    assert "error: failed to redefine snapshot 's4'" in out.err
    assert "rolled back the 3 snapshots this run had defined; nothing was changed" in out.err
    assert real_stack.virsh("snapshot-list", name, "--name").stdout.strip() == ""
    assert real_stack.snapshot_files(name) == []
    assert sorted(real_stack.qcow2_snapshots(name)) == ["s1", "s2", "s3"]  # data untouched
    ok(vsh(real_stack, "snapshot-redefine", name, str(path)))
    assert real_stack.virsh("snapshot-current", name, "--name").stdout == "s3\n"


# ---------------------------------------------------------------------------
# journals that carry checkpoints (migrate --with-checkpoints)
# ---------------------------------------------------------------------------


def _checkpoints_then_snapshots(sh) -> tuple[list[str], list[str]]:
    """XML of checkpoints c1 <- c2 <- c3 and snapshots s1 <- s2 of dom0 (the
    test driver holds only one kind at a time), the metadata removed again."""
    from vsh.virt import checkpointstore

    dom = sh.dom()
    for name in ("c1", "c2", "c3"):
        dom.checkpointCreateXML(f"<domaincheckpoint><name>{name}</name></domaincheckpoint>", 0)
    chks = [c.getXMLDesc(checkpointstore.XML_SECURE) for c in checkpointstore.parents_first(dom)]
    for chk in reversed(checkpointstore.parents_first(dom)):
        chk.delete(libvirt.VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY)
    for name in ("s1", "s2"):
        dom.snapshotCreateXML(f"<domainsnapshot><name>{name}</name></domainsnapshot>", 0)
    snaps = [s.getXMLDesc(0) for s in snapshotstore.snapshots_parents_first(dom)]
    for snap in reversed(snapshotstore.snapshots_parents_first(dom)):
        snap.delete(0)  # the test driver's delete drops metadata only
    return chks, snaps


def _journal(path, dom, snaps: list[str], chks: list[str]) -> str:
    journal.write_journal(path, dom.name(), dom.UUIDString(), snaps, chks)
    return str(path)


@pytest.fixture
def checkpointed(tmp_path, shells):
    sh = shells(node_uri(tmp_path, "dom0"))
    chks, snaps = _checkpoints_then_snapshots(sh)
    return sh, chks, snaps


def test_journal_with_checkpoints_is_redefined_whole(checkpointed, tmp_path) -> None:
    from vsh.virt import checkpointstore

    sh, chks, _ = checkpointed
    dom = sh.dom()
    path = _journal(tmp_path / "j.xml", dom, [], chks)
    ok, out, err = sh.run("snapshot-redefine", "dom0", path)
    assert (ok, err) == (True, "")
    assert out == "Redefined 0 snapshots of domain 'dom0' (0 skipped); 3 checkpoints\n\n"
    assert checkpointstore.existing(dom) == {"c1": None, "c2": "c1", "c3": "c2"}
    assert [c.getXMLDesc(checkpointstore.XML_SECURE) for c in dom.listAllCheckpoints(
        libvirt.VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL)] == chks  # fmt: skip
    # a second run changes nothing with --skip-existing, and refuses without it
    ok, out, err = sh.run("snapshot-redefine", "dom0", path, "--skip-existing")
    assert (ok, out) == (True, "Redefined 0 snapshots of domain 'dom0' (0 skipped)\n\n")
    ok, out, err = sh.run("snapshot-redefine", "dom0", path)
    assert not ok and "checkpoints already defined on the domain: 'c1', 'c2', 'c3'" in err


def test_resume_defines_only_the_missing_checkpoints(checkpointed, tmp_path) -> None:
    from vsh.virt import checkpointstore

    sh, chks, _ = checkpointed
    dom = sh.dom()
    dom.checkpointCreateXML(chks[0], libvirt.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)
    path = _journal(tmp_path / "j.xml", dom, [], chks)
    ok, out, err = sh.run("snapshot-redefine", "dom0", path, "--skip-existing")
    assert (ok, err) == (True, "")
    assert out.endswith("; 2 checkpoints\n\n")
    assert checkpointstore.existing(dom) == {"c1": None, "c2": "c1", "c3": "c2"}


def test_a_failed_checkpoint_rolls_back_what_the_run_defined(checkpointed, tmp_path) -> None:
    """The test driver refuses a checkpoint while the domain has snapshots:
    the snapshots this run defined go again, and the checkpoints before."""
    sh, chks, snaps = checkpointed
    dom = sh.dom()
    path = _journal(tmp_path / "j.xml", dom, snaps, chks)
    ok, out, err = sh.run("snapshot-redefine", "dom0", path)
    assert (ok, out) == (False, "\n")
    assert err == (
        "error: failed to redefine checkpoint 'c1' of domain 'dom0'\n"
        "error: Operation not supported: cannot create checkpoint while snapshot exists\n"
        "error: rolled back the 2 snapshots this run had defined; nothing was changed\n"
    )
    assert dom.snapshotNum(0) == 0 and dom.listAllCheckpoints(0) == []


def test_a_failed_checkpoint_mid_chain_is_rolled_back(checkpointed, tmp_path, monkeypatch) -> None:
    sh, chks, _ = checkpointed
    dom = sh.dom()
    path = _journal(tmp_path / "j.xml", dom, [], chks)
    real = libvirt.virDomain.checkpointCreateXML

    def create(self, xml, flags=0):
        if "<name>c3</name>" in xml:
            raise lv_error("missing or broken bitmap 'c3' for disk 'vda'")
        return real(self, xml, flags)

    monkeypatch.setattr(libvirt.virDomain, "checkpointCreateXML", create)
    ok, out, err = sh.run("snapshot-redefine", "dom0", path)
    assert (ok, out) == (False, "\n")
    assert err.startswith("error: failed to redefine checkpoint 'c3' of domain 'dom0'\n")
    assert "missing or broken bitmap 'c3' for disk 'vda'" in err
    assert dom.listAllCheckpoints(0) == []
