"""The pure plan of ``migrate --with-snapshots``: orders, checks, verify."""

from __future__ import annotations

from vsh.snapshots.migrationplan import (
    Moment,
    delete_order,
    done_message,
    journal_name,
    redefine_order,
    resume_command,
    storage_problems,
    verify,
)

# A tree listed children-before-parents, as a hand-edited journal might be:
#   root -> a -> a1, a2 ; root -> b (current) ; other root c
TREE = [
    Moment("a1", "a", location="internal"),
    Moment("a", "root", location="internal"),
    Moment("b", "root", current=True, location="internal"),
    Moment("root", None, location="internal"),
    Moment("a2", "a", location="internal"),
    Moment("c", None, location="internal"),
]


def test_redefine_order_parents_first() -> None:
    order = redefine_order(TREE)
    assert sorted(order) == sorted(m.name for m in TREE)
    for m in TREE:
        if m.parent is not None:
            assert order.index(m.parent) < order.index(m.name)


def test_delete_order_leaves_first() -> None:
    order = delete_order(TREE)
    gone: set[str] = set()
    for name in order:
        # no remaining snapshot still has this one as its parent
        assert not [m for m in TREE if m.parent == name and m.name not in gone]
        gone.add(name)
    assert gone == {m.name for m in TREE}


def test_deep_chain_no_recursion() -> None:
    chain = [Moment(f"s{i}", f"s{i - 1}" if i else None) for i in range(20000)]
    assert delete_order(chain)[0] == "s19999"
    assert redefine_order(chain[::-1])[0] == "s0"


def test_storage_checks() -> None:
    assert storage_problems(TREE, None) == []
    (msg,) = storage_problems(TREE, "copy-storage-all")
    assert "internal snapshots" in msg and "'a1'" in msg and "and 1 more" in msg
    ext = [Moment("e", location="external")]
    (msg,) = storage_problems(ext, "copy-storage-inc")
    assert "flattens the backing chain" in msg
    assert storage_problems([Moment("m")], "copy-storage-all") == []


def test_verify() -> None:
    assert verify(TREE, list(reversed(TREE))) == []
    moved = [m if m.name != "a2" else Moment("a2", "root") for m in TREE]
    assert verify(TREE, moved) == ["'a2' has parent 'root', expected 'a'"]
    no_current = [Moment(m.name, m.parent) for m in TREE]
    assert verify(TREE, no_current) == ["current is None, expected ['b']"]
    assert verify(TREE, [*TREE[1:], Moment("z")]) == ["missing: 'a1'", "unexpected: 'z'"]


def test_messages() -> None:
    assert journal_name("u-1", 0) == "u-1-19700101T000000Z.xml"
    assert (
        resume_command("vm 1", "/j/x.xml", "qemu:///system")
        == "vsh -c qemu:///system snapshot-redefine 'vm 1' /j/x.xml --skip-existing"
    )
    assert done_message(TREE, None, "qemu+ssh://hv2/system") == (
        "Moved 6 snapshots (current 'b') to qemu+ssh://hv2/system"
    )
    assert done_message(TREE[:1], 2, "u") == "Moved 1 snapshot and 2 checkpoints to u"
