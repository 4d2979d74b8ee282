"""Bulk snapshot commands (vsh/commands/bulk/) on real guests.

* export → ``undefine --snapshots-metadata`` → ``define`` → redefine gives back the
  same tree, current snapshot and snapshot XML, and a restored internal snapshot
  can be reverted to (its memory state is really in the qcow2).
* ``snapshot-restore`` reverts three guests, in different states, to one snapshot.

Syntax under test (as documented for issue 6):
``snapshot-export <domain> [<file>] [--security-info] [--overwrite]``,
``snapshot-redefine <domain> <file>... [--current NAME] [--dry-run] [--skip-existing]
[--no-rollback] [--json]``, ``snapshot-restore <snapshotname> [<domain>...] [--all]
[--current] [--running|--paused] [--force] [--parallel N] [--dry-run] [--json]``.
"""

from __future__ import annotations

import json
import stat

import pytest

from tests.real.test_snapshots import TREE, build_tree
from tests.real.util import fingerprint, needs, ok, snapshot_state, vsh
from tests.realstack.stack import READY_LINE

pytestmark = pytest.mark.real


def test_export_undefine_define_redefine_round_trip(real_stack, guests, tmp_path):
    needs("snapshot-export", "snapshot-redefine")
    g = guests("bk-src", start=True)
    build_tree(real_stack, "bk-src")
    real_stack.virsh("destroy", "bk-src")
    real_stack.virsh("snapshot-current", "bk-src", "z-leaf")
    real_stack.virsh("snapshot-create-as", "bk-src", "cold")  # a shut-off snapshot under z-leaf
    real_stack.virsh("snapshot-current", "bk-src", "c-child")
    before = snapshot_state(real_stack, "bk-src")
    assert before["current"] == "c-child\n"

    bundle = tmp_path / "bk-src.snapshots.xml"
    ok(vsh(real_stack, "snapshot-export", "bk-src", str(bundle)), "snapshot-export")
    assert bundle.exists() and stat.S_IMODE(bundle.stat().st_mode) == 0o600
    again = vsh(real_stack, "snapshot-export", "bk-src", str(bundle))
    assert again.status == 1  # an existing file is kept without --overwrite
    ok(vsh(real_stack, "snapshot-export", "bk-src", str(bundle), "--overwrite"))

    domxml = tmp_path / "bk-src.xml"
    domxml.write_text(real_stack.virsh("dumpxml", "bk-src", "--inactive").stdout)
    plain = vsh(real_stack, "undefine", "bk-src")
    assert plain.status == 1  # refused while snapshot metadata exists
    ok(vsh(real_stack, "undefine", "bk-src", "--snapshots-metadata"))
    assert real_stack.snapshot_files("bk-src") == []
    assert sorted(real_stack.qcow2_snapshots("bk-src")) == sorted([n for n, _ in TREE] + ["cold"])
    ok(vsh(real_stack, "define", str(domxml)))
    assert real_stack.virsh("snapshot-list", "bk-src", "--name").stdout == "\n"

    ok(vsh(real_stack, "snapshot-redefine", "bk-src", str(bundle), "--dry-run"))
    assert real_stack.virsh("snapshot-list", "bk-src", "--name").stdout == "\n"  # unchanged

    ok(vsh(real_stack, "snapshot-redefine", "bk-src", str(bundle)), "snapshot-redefine")
    after = snapshot_state(real_stack, "bk-src")
    assert after["tree"] == before["tree"]
    assert after["parents"] == before["parents"]
    assert after["current"] == before["current"]
    assert after["xml"] == before["xml"]

    # the restored metadata points at real data: revert to an internal memory snapshot
    boots = real_stack.serial_text("bk-src").count(READY_LINE)
    ok(vsh(real_stack, "snapshot-revert", "bk-src", "b-grand"))
    assert real_stack.domstate("bk-src") == "running"
    assert real_stack.serial_text("bk-src").count(READY_LINE) == boots  # resumed, not booted
    ok(vsh(real_stack, "shutdown", "bk-src"))
    real_stack.wait_state("bk-src", "shut off", timeout=30)
    assert g.disk.exists()


def test_redefine_json_and_current_override(real_stack, guests, tmp_path):
    needs("snapshot-export", "snapshot-redefine")
    guests("bk-json")
    build_tree(real_stack, "bk-json", current="z-leaf")
    bundle = tmp_path / "b.xml"
    ok(vsh(real_stack, "snapshot-export", "bk-json", str(bundle)))
    real_stack.virsh("undefine", "bk-json", "--snapshots-metadata")
    real_stack.virsh("define", str(real_stack.guest("bk-json").xml))
    out = ok(
        vsh(
            real_stack, "snapshot-redefine", "bk-json", str(bundle), "--current", "m-root", "--json"
        )
    )
    result = json.loads(out.out)  # machine-readable: stdout is one JSON document
    assert isinstance(result, dict)
    assert real_stack.virsh("snapshot-current", "bk-json", "--name").stdout == "m-root\n"
    assert sorted(real_stack.virsh("snapshot-list", "bk-json", "--name").stdout.split()) == sorted(
        n for n, _ in TREE
    )


def test_snapshot_restore_across_three_guests(real_stack, guests):
    needs("snapshot-restore")
    names = ["rs-1", "rs-2", "rs-3"]
    for name in names:
        guests(name, start=True)
        real_stack.virsh("snapshot-create-as", name, "base")
    real_stack.virsh("destroy", "rs-1")  # shut off
    real_stack.virsh("suspend", "rs-2")  # paused
    real_stack.virsh("snapshot-create-as", "rs-3", "later")  # moved on
    boots = {n: real_stack.serial_text(n).count(READY_LINE) for n in names}

    before = fingerprint(real_stack, names)
    ok(vsh(real_stack, "snapshot-restore", "base", *names, "--dry-run"))
    assert fingerprint(real_stack, names) == before

    ok(vsh(real_stack, "snapshot-restore", "base", *names), "snapshot-restore")
    for name in names:
        assert real_stack.domstate(name) == "running", name
        assert real_stack.virsh("snapshot-current", name, "--name").stdout == "base\n"
        assert real_stack.serial_text(name).count(READY_LINE) == boots[name]  # memory restored

    ok(vsh(real_stack, "snapshot-restore", "base", *names, "--paused", "--parallel", "2"))
    assert [real_stack.domstate(n) for n in names] == ["paused"] * 3

    # one domain without the snapshot: it fails, the others are still reverted
    guests("rs-none")
    out = vsh(real_stack, "snapshot-restore", "base", "rs-1", "rs-none", "rs-2", "--running")
    assert out.status == 1
    assert "rs-none" in out.out + out.err
    assert real_stack.domstate("rs-1") == real_stack.domstate("rs-2") == "running"
    assert real_stack.domstate("rs-3") == "paused"  # not named: untouched
    for name in ("rs-1", "rs-2"):  # really running again: the power button works
        ok(vsh(real_stack, "shutdown", name))
        real_stack.wait_state(name, "shut off", timeout=30)
