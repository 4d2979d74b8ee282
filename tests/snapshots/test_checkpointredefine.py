"""vsh.snapshots.checkpointredefine: checks, order and rollback of
redefining the checkpoints a journal carries."""

from __future__ import annotations

import pytest

from tests.snapshots.test_bundle import UUID, checkpoint_xml, write_journal
from vsh.snapshots import checkpointredefine
from vsh.snapshots.bundle import FileSource, scan
from vsh.snapshots.redefine import TargetError

OTHER = "0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7"


def journal(tmp_path, *chks: str):
    write_journal(tmp_path / "j.xml", [], list(chks))
    return [scan(FileSource(str(tmp_path / "j.xml")))]


def plan(tmp_path, chks, existing=None, **kw):
    kw.setdefault("skip_existing", False)
    return checkpointredefine.make_plan(journal(tmp_path, *chks), existing or {}, UUID, **kw)


class FakeTarget:
    def __init__(self, fail_on: str | None = None, fail_remove: str | None = None) -> None:
        self.defined: list[str] = []
        self.calls: list[tuple[str, str]] = []
        self.fail_on = fail_on
        self.fail_remove = fail_remove

    def define(self, xml: str) -> None:
        name = xml.split("<name>", 1)[1].split("<", 1)[0]
        self.calls.append(("define", xml))
        if name == self.fail_on:
            raise TargetError(f"no bitmap for '{name}'")
        self.defined.append(name)

    def remove(self, name: str) -> None:
        self.calls.append(("remove", name))
        if name == self.fail_remove:
            raise TargetError("busy")
        self.defined.remove(name)


def test_parents_first_whatever_the_input_order(tmp_path) -> None:
    chks = [checkpoint_xml("c3", "c2"), checkpoint_xml("c1"), checkpoint_xml("c2", "c1")]
    p = plan(tmp_path, chks)
    assert p.ok and [r.name for r in p.define] == ["c1", "c2", "c3"]
    target = FakeTarget()
    out = checkpointredefine.execute(p, target)
    assert out.ok and out.defined == target.defined == ["c1", "c2", "c3"]


def test_every_problem_at_once(tmp_path) -> None:
    p = plan(
        tmp_path,
        [
            checkpoint_xml("c1"),
            checkpoint_xml("c1"),
            checkpoint_xml("x", "nowhere"),
            checkpoint_xml("a", "b"),
            checkpoint_xml("b", "a"),
            checkpoint_xml("old", "c1"),
            checkpoint_xml("f", uuid=OTHER),
        ],
        existing={"old": None},
    )
    assert p.problems == [
        "checkpoint 'c1' appears more than once",
        "checkpoint parent links form a cycle: 'a' -> 'b' -> 'a'",
        "parent 'nowhere' of checkpoint 'x' is neither in the input nor defined on the domain",
        "checkpoints already defined on the domain: 'old' (--skip-existing keeps them and"
        " defines the rest)",
        "checkpoint 'old' already exists with another parent (None, the input gives 'c1')",
        "checkpoints of another domain's UUID: 'f'",
    ]
    with pytest.raises(ValueError):
        checkpointredefine.execute(p, FakeTarget())


def test_skip_existing_keeps_those_with_the_same_parent(tmp_path) -> None:
    chks = [checkpoint_xml("c1"), checkpoint_xml("c2", "c1"), checkpoint_xml("c3", "c2")]
    p = plan(tmp_path, chks, existing={"c1": None, "c2": "c1"}, skip_existing=True)
    assert p.ok and p.skip == ["c1", "c2"] and [r.name for r in p.define] == ["c3"]


def test_a_failure_removes_what_the_run_defined_newest_first(tmp_path) -> None:
    chks = [checkpoint_xml("c1"), checkpoint_xml("c2", "c1"), checkpoint_xml("c3", "c2")]
    target = FakeTarget(fail_on="c3")
    out = checkpointredefine.execute(plan(tmp_path, chks), target)
    assert not out.ok and out.failed_at == "c3" and out.error == "no bitmap for 'c3'"
    assert out.rolled_back == ["c2", "c1"] and target.defined == []
    assert [c for c in target.calls if c[0] == "remove"] == [("remove", "c2"), ("remove", "c1")]


def test_a_failed_rollback_keeps_the_ancestors(tmp_path) -> None:
    chks = [checkpoint_xml("c1"), checkpoint_xml("c2", "c1"), checkpoint_xml("c3", "c2")]
    target = FakeTarget(fail_on="c3", fail_remove="c2")
    out = checkpointredefine.execute(plan(tmp_path, chks), target)
    assert out.rollback_errors == [("c2", "busy")] and target.defined == ["c1", "c2"]


def test_adopt_renames_the_embedded_domain(tmp_path) -> None:
    p = plan(tmp_path, [checkpoint_xml("c1")], adopt=("dom1", UUID))
    target = FakeTarget()
    checkpointredefine.execute(p, target)
    sent = target.calls[0][1]
    assert "<name>dom1</name>" in sent and "<name>dom0</name>" not in sent
    unchanged = plan(tmp_path, [checkpoint_xml("c1")])
    target = FakeTarget()
    checkpointredefine.execute(unchanged, target)
    assert target.calls[0][1] == checkpoint_xml("c1")  # byte for byte


def test_nothing_to_do_without_checkpoints(tmp_path) -> None:
    p = checkpointredefine.make_plan([], {}, UUID, skip_existing=False)
    assert p.ok and p.define == [] and checkpointredefine.execute(p, FakeTarget()).ok
