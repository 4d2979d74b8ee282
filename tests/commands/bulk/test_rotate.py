"""snapshot-rotate (vsh.commands.bulk.rotate) on libvirt's test driver.

Histories are test-driver fixtures (tests/fixtures/rotategen.py) with chosen
creation times and markers; runs use ``--now``.  Multi-step scenarios run in
one session (see tests/commands/bulk/support.py); exit statuses are checked
in a separate process where the front end decides them.
"""

from __future__ import annotations

import calendar
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.commands.bulk.support import Shell, current_of, libvirt, lv_error
from tests.fixtures import rotategen
from tests.fixtures.rotategen import SnapSpec, labelled, marker
from vsh.snapshots import retention
from vsh.snapshots.domainlock import DomainLock
from vsh.virt.hostkey import host_key

REPO = Path(__file__).resolve().parents[3]
NOW_TEXT = "2026-12-06T12:00:00Z"
NOW = calendar.timegm(time.strptime("2026-12-06 12:00", "%Y-%m-%d %H:%M"))
HOUR = 3600
POLICY = ("--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly", "6")


@pytest.fixture(autouse=True)
def _runtime_dir(monkeypatch, tmp_path) -> Path:
    """Locks in a private directory (the conftest gives HOME and XDG_CONFIG_HOME)."""
    path = tmp_path / "run"
    path.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(path))
    return path


def history(count: int, step: int = 7 * HOUR, end: int = NOW - HOUR) -> list[int]:
    """``count`` creation times ``step`` apart, the newest at ``end``."""
    return [end - i * step for i in reversed(range(count))]


def foreign() -> list[SnapSpec]:
    return [
        SnapSpec("by-hand", NOW - 400 * 86400, "made by hand"),
        SnapSpec("no-description", NOW - 300 * 86400, None),
        SnapSpec("weekly-0", NOW - 200 * 86400, marker("weekly")),
        SnapSpec("lookalike", NOW - 100 * 86400, "vsh-rotate: label=nightly2"),
    ]


@pytest.fixture
def lab(tmp_path, shells):
    """3 domains x 300 'nightly' snapshots (7h apart: ~87 days) plus foreign ones."""
    doms = [
        rotategen.domain_xml(f"vm{i}", labelled("nightly", history(300, end=NOW - (i + 1) * HOUR))
                             + foreign())
        for i in range(3)
    ]  # fmt: skip
    uri = rotategen.write(tmp_path / "lab.xml", doms)
    sh = shells(uri)
    sh.uri = uri
    return sh


def names(dom) -> set[str]:
    return {s.getName() for s in dom.listAllSnapshots(0)}


def times_of(dom, label: str = "nightly") -> list[retention.Snap]:
    out = []
    for s in dom.listAllSnapshots(0):
        xml = s.getXMLDesc(0)
        description = xml.split("<description>")[1].split("<")[0] if "<description>" in xml else ""
        if marker(label) in description.splitlines():
            t = int(xml.split("<creationTime>")[1].split("<")[0])
            out.append(retention.Snap(s.getName(), t))
    return out


def rotate(sh: Shell, *args: str) -> tuple[bool, list[dict], str]:
    ok, out, err = sh.run("snapshot-rotate", *args, "--json", "--now", NOW_TEXT)
    return ok, json.loads(out), err


def run_vsh(uri: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60):
    return subprocess.run(
        [sys.executable, "-m", "vsh", "-c", uri, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        cwd=REPO,
    )


# ---------------------------------------------------------------------------
# The policy over real histories
# ---------------------------------------------------------------------------


def test_prune_keeps_what_the_policy_says_and_nothing_foreign(lab) -> None:
    before = {d: times_of(lab.dom(d)) for d in ("vm0", "vm1", "vm2")}
    ok, docs, err = rotate(lab, "--all", "--label", "nightly", "--prune-only",
                           "--max-delete", "1000", *POLICY)  # fmt: skip
    assert ok, err
    assert [d["domain"] for d in docs] == ["vm0", "vm1", "vm2"]
    for doc in docs:
        dom = lab.dom(doc["domain"])
        expected = retention.plan(
            before[doc["domain"]], retention.Policy(daily=7, weekly=4, monthly=6), now=NOW
        )
        assert doc["result"] == "ok" and doc["created"] is None and doc["error"] is None
        assert doc["deleted"] == expected.delete and doc["deferred"] == []
        assert {k["name"]: k["rules"] for k in doc["kept"]} == {
            n: r + (["current"] if n == "nightly-299" else []) for n, r in expected.keep.items()
        }
        assert names(dom) == set(expected.keep) | {s.name for s in foreign()}
        assert len(expected.keep) == 7 + 3 + 3 or len(expected.keep) < 20  # sanity: few stay
        assert current_of(dom) == "nightly-299"
    kept = {k["name"]: k for k in docs[0]["kept"]}
    assert kept["nightly-299"]["rules"][:3] == ["daily 1", "weekly 1", "monthly 1"]
    assert kept["nightly-299"]["creation_time"] == NOW - HOUR


def test_dry_run_predicts_the_real_run_exactly(lab) -> None:
    args = ("--all", "--label", "nightly", "--max-delete", "50", *POLICY)
    snapshot = {d: names(lab.dom(d)) for d in ("vm0", "vm1", "vm2")}
    ok_dry, planned, _ = rotate(lab, *args, "--dry-run")
    assert {d: names(lab.dom(d)) for d in snapshot} == snapshot  # nothing changed
    ok_real, done, err = rotate(lab, *args)
    assert ok_dry and ok_real, err
    for p, d in zip(planned, done, strict=True):
        assert p.pop("dry_run") is True and d.pop("dry_run") is False
        assert p == d
        assert len(d["deleted"]) == 50 and d["deferred"]
        assert d["created"] == "nightly-20261206T120000Z"
    table_dry = lab.run("snapshot-rotate", *args, "--now", NOW_TEXT, "--dry-run")
    table_real = lab.run("snapshot-rotate", *args, "--now", NOW_TEXT)
    assert table_dry == table_real  # the same table, status and errors


def test_rotating_twice_at_the_same_instant_deletes_nothing(lab) -> None:
    args = ("vm1", "--label", "nightly", "--max-delete", "1000", *POLICY)
    ok, first, err = rotate(lab, *args)
    assert ok, err
    assert first[0]["deleted"]
    after = names(lab.dom("vm1"))
    ok, second, err = rotate(lab, *args)
    assert ok, err
    assert second[0]["created"] == first[0]["created"]  # exists already: not made again
    assert second[0]["deleted"] == [] and second[0]["deferred"] == []
    assert names(lab.dom("vm1")) == after


def test_create_names_marks_and_becomes_current(lab) -> None:
    ok, docs, err = rotate(lab, "vm0", "vm2", "--label", "nightly", "--keep-last", "400",
                           "--description", "before the upgrade")  # fmt: skip
    assert ok, err
    for d in ("vm0", "vm2"):
        snap = lab.dom(d).snapshotLookupByName("nightly-20261206T120000Z", 0)
        xml = snap.getXMLDesc(0)
        assert "<description>before the upgrade\nvsh-rotate: label=nightly</description>" in xml
        assert current_of(lab.dom(d)) == "nightly-20261206T120000Z"
    assert [d["deleted"] for d in docs] == [[], []]
    kept = docs[0]["kept"][0]
    assert kept["name"] == "nightly-20261206T120000Z"
    assert kept["rules"] == ["last 1", "newest", "current"] and kept["creation_time"] == NOW


def test_name_format(lab) -> None:
    ok, docs, err = rotate(lab, "vm0", "--label", "nightly", "--keep-last", "5",
                           "--name-format", "{label}.%Y-%m-%d_%H%M%S")  # fmt: skip
    assert ok, err
    assert docs[0]["created"] == "nightly.2026-12-06_120000"
    ok, _out, err = lab.run("snapshot-rotate", "vm0", "--label", "n", "--keep-last", "1",
                           "--name-format", "{label}-%Y%m%d")  # fmt: skip
    assert not ok and "invalid --name-format '{label}-%Y%m%d': it needs a seconds field" in err
    for bad in ("{label}-%%S", "{label}/%S"):
        ok, _out, err = lab.run("snapshot-rotate", "vm0", "--label", "n", "--keep-last", "1",
                                "--name-format", bad)  # fmt: skip
        assert not ok and "invalid --name-format" in err


def test_table_output(lab) -> None:
    ok, out, err = lab.run("snapshot-rotate", "--all", "--label", "nightly", "--now", NOW_TEXT,
                           "--keep-last", "3")  # fmt: skip
    assert ok, err
    lines = out.splitlines()
    assert lines[0].split() == ["Domain", "Created", "Kept", "Deleted", "Result"]
    assert lines[2].split() == ["vm0", "nightly-20261206T120000Z", "3", "20", "(+278", "next",
                                "run)", "ok"]  # fmt: skip


def test_current_pinned_and_foreign_are_never_deleted(lab) -> None:
    dom = lab.dom("vm0")
    old = dom.snapshotLookupByName("nightly-10", 0)
    xml = old.getXMLDesc(0)
    dom.snapshotCreateXML(
        xml,
        libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT,
    )
    pinned = dom.snapshotLookupByName("nightly-20", 0).getXMLDesc(0)
    pinned = pinned.replace(marker("nightly"), marker("nightly") + "\nvsh-rotate: keep")
    dom.snapshotCreateXML(pinned, libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
    ok, docs, err = rotate(lab, "vm0", "--label", "nightly", "--prune-only", "--keep-last", "1",
                           "--max-delete", "1000")  # fmt: skip
    assert ok, err
    assert names(dom) == {"nightly-299", "nightly-10", "nightly-20"} | {s.name for s in foreign()}
    rules = {k["name"]: k["rules"] for k in docs[0]["kept"]}
    assert rules == {"nightly-299": ["last 1", "newest"], "nightly-20": ["pinned"],
                     "nightly-10": ["current"]}  # fmt: skip


def test_max_delete_default_is_20_oldest_first(lab) -> None:
    ok, docs, err = rotate(lab, "vm0", "--label", "nightly", "--prune-only", "--keep-last", "2")
    assert ok, err
    assert docs[0]["deleted"] == [f"nightly-{i}" for i in range(20)]
    assert docs[0]["deferred"] == [f"nightly-{i}" for i in range(20, 298)]


def test_parallel_gives_the_serial_result(tmp_path, shells) -> None:
    doms = [rotategen.domain_xml(f"p{i}", labelled("n", history(120, step=5 * HOUR)))
            for i in range(8)]  # fmt: skip
    uri = rotategen.write(tmp_path / "par.xml", doms)
    serial, parallel = shells(uri), shells(uri)
    args = ("--all", "--label", "n", "--max-delete", "500", *POLICY)
    ok1, a, _ = rotate(serial, *args)
    ok2, b, _ = rotate(parallel, *args, "--parallel", "4")
    assert ok1 and ok2 and a == b
    for i in range(8):
        assert names(serial.dom(f"p{i}")) == names(parallel.dom(f"p{i}"))


# ---------------------------------------------------------------------------
# Failures
# ---------------------------------------------------------------------------


def test_a_failed_delete_stops_that_domain_only(lab, monkeypatch) -> None:
    real = libvirt.virDomainSnapshot.delete

    def delete(self, flags=0):
        if self.getName() == "nightly-3" and self.domain().name() == "vm1":
            raise lv_error("unsupported configuration: deletion of external snapshot parent")
        return real(self, flags)

    monkeypatch.setattr(libvirt.virDomainSnapshot, "delete", delete)
    ok, docs, err = rotate(lab, "--all", "--label", "nightly", "--prune-only", "--keep-last", "5")
    assert not ok
    assert [d["result"] for d in docs] == ["ok", "failed", "ok"]
    assert docs[1]["deleted"] == ["nightly-0", "nightly-1", "nightly-2"]
    assert docs[1]["planned"][:4] == ["nightly-0", "nightly-1", "nightly-2", "nightly-3"]
    assert "nightly-4" in names(lab.dom("vm1")) and "nightly-4" not in names(lab.dom("vm0"))
    assert err == (
        "error: domain 'vm1': cannot delete snapshot 'nightly-3': unsupported configuration:"
        " deletion of external snapshot parent\n"
    )


def test_a_failed_create_prunes_nothing(lab, monkeypatch) -> None:
    def create(self, xml, flags=0):
        raise lv_error("Requested operation is not valid: disk is busy")

    monkeypatch.setattr(libvirt.virDomain, "snapshotCreateXML", create)
    before = names(lab.dom("vm0"))
    ok, docs, err = rotate(lab, "vm0", "--label", "nightly", "--keep-last", "1")
    assert not ok and docs[0]["result"] == "failed" and docs[0]["deleted"] == []
    assert names(lab.dom("vm0")) == before
    assert "cannot create snapshot 'nightly-20261206T120000Z'" in err


def test_state_change_lock_is_retried_within_wait(lab, monkeypatch) -> None:
    from vsh.commands.bulk import rotate as mod

    monkeypatch.setattr(mod, "RETRY_PAUSE", 0.05)
    real = libvirt.virDomain.snapshotCreateXML
    calls = {"n": 0}

    def create(self, xml, flags=0):
        calls["n"] += 1
        if calls["n"] < 3:
            raise lv_error("Timed out during operation: cannot acquire state change lock")
        return real(self, xml, flags)

    monkeypatch.setattr(libvirt.virDomain, "snapshotCreateXML", create)
    ok, _docs, err = rotate(lab, "vm0", "--label", "nightly", "--keep-last", "300", "--wait", "2")
    assert ok, err
    assert calls["n"] == 3
    calls["n"] = -10
    ok, _docs, err = rotate(lab, "vm1", "--label", "nightly", "--keep-last", "300")
    assert not ok and "cannot acquire state change lock" in err  # --wait 0: no retry


def test_unknown_domain_fails_the_others_run(lab) -> None:
    ok, docs, err = rotate(lab, "vm0", "nosuch", "--label", "nightly", "--keep-last", "300")
    assert not ok
    assert [(d["domain"], d["result"]) for d in docs] == [("vm0", "ok"), ("nosuch", "failed")]
    assert "error: domain 'nosuch': failed to get domain 'nosuch'" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("vm0", "--label", "nightly"), "error: no retention rule: give at least one of"),
        (("vm0", "--keep-last", "1"), "error: --label is required"),
        (("vm0", "--label", "a b", "--keep-last", "1"), "error: invalid label 'a b'"),
        (("vm0", "--label", "-x", "--keep-last", "1"), "error: invalid label '-x'"),
        (("vm0", "--label", "n", "--keep-last", "-1"), "error: --keep-last must be at least 0"),
        (("vm0", "--label", "n", "--keep-daily", "x"),
         "error: Numeric value 'x' for <keep-daily> option is malformed or out of range"),
        (("vm0", "--label", "n", "--keep-within", "3y"), "error: invalid duration '3y'"),
        (("vm0", "--label", "n", "--keep-last", "1", "--now", "yesterday"),
         "error: invalid time 'yesterday' for --now"),
        (("vm0", "--all", "--label", "n", "--keep-last", "1"),
         "error: --all and a list of domains are mutually exclusive"),
        (("--label", "n", "--keep-last", "1"), "error: give the domains to rotate, or --all"),
        (("vm0", "--label", "n", "--keep-last", "1", "--parallel", "0"),
         "error: --parallel must be at least 1"),
        (("vm0", "--label", "n", "--check", "--warn", "1h"),
         "error: --check needs --warn and --crit"),
        (("vm0", "--label", "n", "--check", "--warn", "2h", "--crit", "1h"),
         "error: --warn must not be longer than --crit"),
        (("vm0", "--label", "n", "--check", "--dry-run", "--warn", "1h", "--crit", "2h"),
         "error: Options --check and --dry-run are mutually exclusive"),
    ],
)  # fmt: skip
def test_bad_options(lab, args, message) -> None:
    before = names(lab.dom("vm0"))
    ok, out, err = lab.run("snapshot-rotate", *args)
    assert not ok and out.strip() == "" and err.startswith(message), err
    assert "Traceback" not in err
    assert names(lab.dom("vm0")) == before


def test_read_only_connection_is_refused_unless_dry_run(lab, shells) -> None:
    ro = shells(lab.uri, readonly=True)
    ok, _out, err = ro.run("snapshot-rotate", "vm0", "--label", "nightly", "--keep-last", "1")
    assert not ok and "needs a read-write connection" in err
    ok, _out, err = ro.run("snapshot-rotate", "vm0", "--label", "nightly", "--keep-last", "1",
                          "--dry-run")  # fmt: skip
    assert ok, err


# ---------------------------------------------------------------------------
# Policy files
# ---------------------------------------------------------------------------


def _policy_file(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "vsh" / "rotate.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_policy_file_and_command_line_override(lab) -> None:
    _policy_file(
        '[policy.nightly]\nlabel = "nightly"\nkeep-daily = 7\nkeep-weekly = 4\n'
        'keep-monthly = 6\nmax-delete = 1000\ndescription = "from the file"\n'
    )
    ok, by_file, err = rotate(lab, "vm0", "--policy", "nightly", "--dry-run")
    assert ok, err
    ok, by_hand, err = rotate(lab, "vm0", "--label", "nightly", "--max-delete", "1000",
                              *POLICY, "--dry-run")  # fmt: skip
    assert ok, err
    assert by_file == by_hand
    ok, overridden, err = rotate(lab, "vm0", "--policy", "nightly", "--keep-daily", "1",
                                 "--max-delete", "3")  # fmt: skip
    assert ok, err
    assert len(overridden[0]["deleted"]) == 3
    assert ["daily 2"] not in [k["rules"] for k in overridden[0]["kept"]]
    xml = lab.dom("vm0").snapshotLookupByName("nightly-20261206T120000Z", 0).getXMLDesc(0)
    assert "<description>from the file\nvsh-rotate: label=nightly</description>" in xml


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("[policy.nightly]\nlabel = nightly\n", 2, "Invalid value"),
        ("[policy.nightly]\nlabel = 'nightly'\nkeep-dayly = 7\n", 3,
         "unknown key 'keep-dayly' in [policy.nightly]"),
        ("[policy.nightly]\nkeep-daily = 7.5\n", 2, "'keep-daily' must be an integer of 0 or more"),
    ],
)  # fmt: skip
def test_policy_file_errors_name_file_and_line(lab, text, line, reason) -> None:
    path = _policy_file(text)
    ok, out, err = lab.run("snapshot-rotate", "vm0", "--policy", "nightly")
    assert not ok and out.strip() == ""
    assert err == f"error: {path}:{line}: {reason}\n"


def test_unknown_policy(lab) -> None:
    ok, _out, err = lab.run("snapshot-rotate", "vm0", "--policy", "nope")
    assert not ok and err.startswith("error: no policy 'nope' in ")


# ---------------------------------------------------------------------------
# Locking and exit statuses (whole processes)
# ---------------------------------------------------------------------------


def _uuid(sh: Shell, name: str) -> str:
    return sh.dom(name).UUIDString()


def _lock(sh: Shell, name: str) -> DomainLock:
    """The lock snapshot-rotate takes for the domain: its UUID on this host."""
    return DomainLock(_uuid(sh, name), host=host_key(sh.conn))


def test_busy_lock_exits_75_and_changes_nothing(lab) -> None:
    held = _lock(lab, "vm1")
    with held:
        done = run_vsh(lab.uri, "snapshot-rotate", "vm1", "--label", "nightly",
                       "--keep-last", "1", "--now", NOW_TEXT)  # fmt: skip
    assert done.returncode == 75, done.stderr
    assert done.stdout.splitlines()[2].split() == ["vm1", "-", "0", "0", "busy"]
    assert done.stderr.startswith("error: domain 'vm1': another snapshot-rotate holds its lock")
    # in-process: the other domains still ran, and the status is asked for
    with held:
        ok, docs, _err = rotate(lab, "vm0", "vm1", "--label", "nightly", "--keep-last", "300")
    assert not ok and lab.session.exit_status == 75
    assert [d["result"] for d in docs] == ["ok", "busy"]
    assert docs[1]["created"] is None and "nightly-20261206T120000Z" not in names(lab.dom("vm1"))


def test_failure_wins_over_busy(lab) -> None:
    with _lock(lab, "vm1"):
        done = run_vsh(lab.uri, "snapshot-rotate", "vm1", "nosuch", "--label", "nightly",
                       "--keep-last", "1")  # fmt: skip
    assert done.returncode == 1


def test_wait_waits_for_the_lock(lab) -> None:
    held = _lock(lab, "vm2")
    held.acquire()
    timer = threading.Timer(1.0, held.release)
    timer.start()
    try:
        start = time.monotonic()
        done = run_vsh(lab.uri, "snapshot-rotate", "vm2", "--label", "nightly", "--keep-last",
                       "1", "--wait", "20", "--now", NOW_TEXT)  # fmt: skip
    finally:
        timer.cancel()
        held.release()
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - start >= 1.0
    assert done.stdout.splitlines()[2].split()[-1] == "ok"


def test_exit_status_0_and_1(lab) -> None:
    done = run_vsh(lab.uri, "snapshot-rotate", "--all", "--label", "nightly", "--keep-last", "1")
    assert done.returncode == 0, done.stderr
    done = run_vsh(lab.uri, "snapshot-rotate", "vm0", "nosuch", "--label", "nightly",
                   "--keep-last", "1")  # fmt: skip
    assert done.returncode == 1


def test_hook_gets_the_outcome_in_its_environment(lab, tmp_path) -> None:
    log = tmp_path / "hook.log"
    hook = (
        f'printf "%s|%s|%s|%s\\n---\\n" "$VSH_ROTATE_DOMAIN" "$VSH_ROTATE_CREATED" '
        f'"$VSH_ROTATE_STATUS" "$VSH_ROTATE_DELETED" >> {log}; echo noise'
    )
    done = run_vsh(lab.uri, "snapshot-rotate", "vm0", "vm1", "--label", "nightly", "--keep-last",
                   "299", "--now", NOW_TEXT, "--hook", hook)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "noise" not in done.stdout and "noise" in done.stderr
    assert log.read_text() == (
        "vm0|nightly-20261206T120000Z|ok|nightly-0\nnightly-1\n---\n"
        "vm1|nightly-20261206T120000Z|ok|nightly-0\nnightly-1\n---\n"
    )
    done = run_vsh(lab.uri, "snapshot-rotate", "vm0", "--label", "nightly", "--keep-last", "1",
                   "--hook", "exit 3")  # fmt: skip
    assert done.returncode == 1
    assert "error: domain 'vm0': the hook exited with status 3" in done.stderr


# ---------------------------------------------------------------------------
# --check
# ---------------------------------------------------------------------------


def _check(uri: str, *args: str, now: str = NOW_TEXT):
    return run_vsh(uri, "snapshot-rotate", "--check", "--label", "nightly", "--now", now, *args)


def test_check_ok_warning_critical(lab) -> None:
    # newest: vm0 1h old, vm1 2h, vm2 3h (see the fixture)
    done = _check(lab.uri, "--all", "--warn", "26h", "--crit", "50h")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "OK: 3 domains, newest 'nightly' snapshot 3h ago"
        " | 'vm0'=3600s;93600;180000;0 'vm1'=7200s;93600;180000;0 'vm2'=10800s;93600;180000;0\n\n"
    )
    done = _check(lab.uri, "vm0", "vm2", "--warn", "2h", "--crit", "50h")
    assert done.returncode == 1
    assert done.stdout.startswith(
        "WARNING: vm2 newest 'nightly' snapshot is 3h old (warn 2h) | 'vm0'=3600s;7200;180000;0"
    )
    done = _check(lab.uri, "--all", "--warn", "1h", "--crit", "2h", now="2026-12-08T15:00:00Z")
    assert done.returncode == 2
    assert done.stdout.startswith(
        "CRITICAL: vm0 newest 'nightly' snapshot is 2d 4h old (crit 2h), vm1 newest"
    )


def test_check_missing_snapshots_is_critical_and_missing_domain_unknown(tmp_path, lab) -> None:
    uri = rotategen.write(tmp_path / "c.xml", [
        rotategen.domain_xml("fresh", labelled("nightly", [NOW - 60])),
        rotategen.domain_xml("never", foreign()),
    ])  # fmt: skip
    done = _check(uri, "--all", "--warn", "1d", "--crit", "2d")
    assert done.returncode == 2
    assert done.stdout == (
        "CRITICAL: never has no 'nightly' snapshot"
        " | 'fresh'=60s;86400;172800;0 'never'=U;86400;172800;0\n\n"
    )
    done = _check(uri, "fresh", "gone", "--warn", "1d", "--crit", "2d")
    assert done.returncode == 3
    assert done.stdout.startswith("UNKNOWN: failed to get domain 'gone'")


def test_check_unreachable_host_is_unknown(tmp_path) -> None:
    uri = "test://" + str(tmp_path / "no-such-file.xml")
    done = _check(uri, "--all", "--warn", "1d", "--crit", "2d")
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert done.stdout == f"UNKNOWN: cannot connect to {uri}\n"  # nothing ran: no blank line
    assert "error: failed to connect to the hypervisor" in done.stderr
    # without --check, a connection failure is virsh's plain 1
    done = run_vsh(uri, "snapshot-rotate", "--all", "--label", "n", "--keep-last", "1")
    assert done.returncode == 1 and done.stdout == ""


def test_the_readme_example_policy_works(lab) -> None:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Nightly snapshots") :]
    toml = section[section.index("```toml\n") + 8 :]
    _policy_file(toml[: toml.index("```")])
    ok, docs, err = rotate(lab, "vm0", "--policy", "nightly", "--dry-run")
    assert ok, err
    assert len(docs[0]["planned"]) == 20 and docs[0]["deferred"]
    done = run_vsh(lab.uri, "snapshot-rotate", "--check", "--all", "--policy", "nightly",
                   "--now", NOW_TEXT)  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("OK: 3 domains"), done.stdout


# ---------------------------------------------------------------------------
# Properties over random histories on the test driver
# ---------------------------------------------------------------------------

_times = st.lists(st.integers(min_value=NOW - 400 * 86400, max_value=NOW), min_size=0,
                  max_size=40)  # fmt: skip
_keep = st.integers(min_value=0, max_value=6)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mine=_times,
    others=st.lists(st.integers(min_value=NOW - 400 * 86400, max_value=NOW), max_size=5),
    current=st.integers(min_value=-1, max_value=60),
    keeps=st.tuples(_keep, _keep, _keep, _keep, _keep, _keep),
    prune_only=st.booleans(),
)
def test_random_histories_dry_run_predicts_and_second_run_deletes_nothing(
    tmp_path_factory, mine, others, current, keeps, prune_only
) -> None:
    last, hourly, daily, weekly, monthly, yearly = keeps
    if not any(keeps):
        last = 1
    specs = labelled("nightly", mine) + [
        SnapSpec(f"other-{i}", t, marker("weekly") if i % 2 else None) for i, t in enumerate(others)
    ]
    everything = sorted(specs, key=lambda s: (s.time, s.name))
    chosen = everything[current].name if 0 <= current < len(everything) else None
    path = tmp_path_factory.mktemp("prop") / "h.xml"
    uri = rotategen.write(path, [rotategen.domain_xml("d", specs, current=chosen)])
    sh = Shell(uri)
    try:
        counts = {"last": last, "hourly": hourly, "daily": daily, "weekly": weekly,
                  "monthly": monthly, "yearly": yearly}  # fmt: skip
        args = ["d", "--label", "nightly", "--max-delete", "1000"]
        for rule, n in counts.items():
            args += [f"--keep-{rule}", str(n)]
        if prune_only:
            args.append("--prune-only")
        ok, planned, err = rotate(sh, *args, "--dry-run")
        assert ok, err
        ok, done, err = rotate(sh, *args)
        assert ok, err
        assert planned[0].pop("dry_run") and not done[0].pop("dry_run")
        assert planned == done
        left = names(sh.dom("d"))
        assert {s.name for s in specs if not s.name.startswith("nightly")} <= left  # foreign
        if prune_only and chosen is not None:
            assert chosen in left  # the current one (a created snapshot becomes current)
        if not prune_only:
            assert done[0]["created"] in left
        if mine:
            newest = max(labelled("nightly", mine), key=lambda s: (s.time, s.name)).name
            assert newest in left or done[0]["created"] is not None
        ok, again, err = rotate(sh, *args)
        assert ok, err
        assert again[0]["deleted"] == [] and names(sh.dom("d")) == left
    finally:
        sh.close()


def test_check_unknown_when_the_lazy_connection_fails(tmp_path) -> None:
    uri = "test://" + str(tmp_path / "missing.xml")
    done = subprocess.run(
        [sys.executable, "-m", "vsh", "snapshot-rotate", "--check", "--all", "--label", "n",
         "--warn", "1h", "--crit", "2h"],
        capture_output=True, text=True, timeout=60, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "VSH_DEFAULT_CONNECT_URI": uri},
    )  # fmt: skip
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert done.stdout.startswith(f"UNKNOWN: cannot connect to {uri}\n")


def test_the_asked_status_belongs_to_the_last_command_only(lab) -> None:
    check = "snapshot-rotate --check vm0 --label none --warn 1h --crit 2h"
    done = run_vsh(lab.uri, f"{check}; echo fine")
    assert done.returncode == 0 and done.stdout.startswith("CRITICAL: vm0 has no 'none'")
    done = run_vsh(lab.uri, f"echo fine; {check}")
    assert done.returncode == 2


def test_creation_options_reach_libvirt_as_snapshot_create_as_sends_them(lab, monkeypatch) -> None:
    sent: list[tuple[str, int]] = []

    def create(self, xml, flags=0):
        sent.append((xml, flags))
        raise lv_error("stop here")

    monkeypatch.setattr(libvirt.virDomain, "snapshotCreateXML", create)
    lab.run("snapshot-rotate", "vm0", "--label", "nightly", "--keep-last", "1", "--now", NOW_TEXT,
            "--disk-only", "--atomic", "--quiesce", "--diskspec", "vda,snapshot=external",
            "--diskspec", "vdb,snapshot=no", "--description", "a<b")  # fmt: skip
    xml, flags = sent[0]
    assert flags == (
        libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
        | libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC
        | libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE
    )
    ok, expected, err = lab.run("snapshot-create-as", "vm0", "nightly-20261206T120000Z",
                                "a<b\nvsh-rotate: label=nightly", "--print-xml",
                                "--diskspec", "vda,snapshot=external",
                                "--diskspec", "vdb,snapshot=no")  # fmt: skip
    assert ok, err
    assert xml + "\n" == expected.removesuffix("\n")
