"""Differential tests: the checkpoint commands against virsh 9.0.

Same rules as test_snapshot_conformance.py: one script per scenario on
``test:///default``, compared byte for byte, with creation times (and the
default checkpoint name, which is the creation time) normalised.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same, both, run_virsh, run_vsh
from tests.conformance.test_snapshot_conformance import between, cook, stamps

DEFAULT = "test:///default"
VERBS = ("create", "create-as", "delete", "dumpxml", "edit", "info", "list", "parent")
COMMANDS = [f"checkpoint-{verb}" for verb in VERBS]
CHAIN = "checkpoint-create-as test c1; checkpoint-create-as test c3; checkpoint-create-as test c2; "


def same(*args: str, **kw: object) -> None:
    assert_same(list(args), normalise=stamps, **kw)


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    same("-c", DEFAULT, f"help {name}; {name} --help")


def test_help_group() -> None:
    same("help checkpoint")


# ---------------------------------------------------------------------------
# libvirt's tests/virsh-checkpoint, both runs

UPSTREAM_1 = """
  # Create a series of checkpoints, with names that intentionally sort
  # differently by topology than by name. For now, it is not possible
  # to create fanout without hacking through redefines.
  checkpoint-create-as test c1
  checkpoint-create-as test c1
  checkpoint-create-as test c3
  checkpoint-create-as test c2
  # snapshots cannot be created while checkpoints exist
  echo --err marker
  snapshot-create-as test s1
  echo --err marker
  # Checking tree view (siblings sorted alphabetically)
  checkpoint-list test --tree
  # Demonstrate list filtering
  checkpoint-list test --roots
  checkpoint-list test --leaves
  checkpoint-list test --parent --no-leaves
  checkpoint-list test --from c3
  checkpoint-list test --from c1 --descendants --name
  # Now the tree is linear, so we have an unambiguous topological order
  checkpoint-list test --name
  checkpoint-list test --name --topological
  # Capture some XML for later redefine
  checkpoint-delete test c1
  echo "<!--MarkerA-->"
  checkpoint-dumpxml test c3
  echo "<!--MarkerB-->"
  checkpoint-dumpxml test c2
  echo "<!--MarkerC-->"
  # Deleting current checkpoint moves current up to remaining parent
  checkpoint-delete test --children-only c3
  checkpoint-list test --leaves --name
  checkpoint-delete test --children c3
  checkpoint-list test --leaves --name
  # All done
"""

UPSTREAM_1_COOKED = """Domain checkpoint c1 created

Domain checkpoint c3 created
Domain checkpoint c2 created



c1
  |
  +- c3
      |
      +- c2


 Name   Creation Time
-----------------------------------
 c1     TIMESTAMP

 Name   Creation Time
-----------------------------------
 c2     TIMESTAMP

 Name   Creation Time               Parent
--------------------------------------------
 c1     TIMESTAMP
 c3     TIMESTAMP   c1

 Name   Creation Time
-----------------------------------
 c2     TIMESTAMP

c2
c3

c1
c2
c3

c1
c3
c2

Domain checkpoint c1 deleted

Domain checkpoint c3 children deleted

c3

Domain checkpoint c3 deleted


"""

UPSTREAM_2 = """
  # Redefine must be in topological order; this will fail
  checkpoint-create test --redefine c2.xml
  echo --err marker
  # This is the right order
  checkpoint-create test --redefine c3.xml
  checkpoint-create test --redefine c2.xml
  checkpoint-list test --leaves --name
  checkpoint-info test c2
"""

UPSTREAM_2_OUT = """

Domain checkpoint c3 created from 'c3.xml'
Domain checkpoint c2 created from 'c2.xml'
c2

Name:           c2
Domain:         test
Parent:         c3
Children:       0
Descendants:    0

"""


def test_upstream_virsh_checkpoint(tmp_path: Path) -> None:
    expected, actual = both(["--connect", DEFAULT, UPSTREAM_1], normalise=stamps)
    assert actual == expected
    assert cook(actual.out) == UPSTREAM_1_COOKED
    assert actual.err == (
        "error: operation failed: domain moment c1 already exists\nerror: marker\n"
        "error: Operation not supported: cannot create snapshot while checkpoint exists\n"
        "error: marker\n"
    )
    raw = run_virsh(["--connect", DEFAULT, UPSTREAM_1]).out
    (tmp_path / "c3.xml").write_text(between(raw, "MarkerA", "MarkerB"))
    (tmp_path / "c2.xml").write_text(between(raw, "MarkerB", "MarkerC"))
    outcome = assert_same(["-c", DEFAULT, UPSTREAM_2], cwd=str(tmp_path))
    assert outcome.out == UPSTREAM_2_OUT
    assert outcome.err == (
        "error: invalid argument: parent c3 for moment c2 not found\nerror: marker\n"
    )
    mine = run_vsh(["--connect", DEFAULT, UPSTREAM_1]).out
    (tmp_path / "c3.xml").write_text(between(mine, "MarkerA", "MarkerB"))
    (tmp_path / "c2.xml").write_text(between(mine, "MarkerB", "MarkerC"))
    assert run_vsh(["-c", DEFAULT, UPSTREAM_2], cwd=str(tmp_path)).out == UPSTREAM_2_OUT


# ---------------------------------------------------------------------------
# checkpoint-list

LIST_OPTIONS = [
    "",
    "--parent",
    "--name",
    "--tree",
    "--roots",
    "--leaves",
    "--no-leaves",
    "--leaves --no-leaves",
    "--topological",
    "--topological --name",
    "--topological --parent",
    "--tree --topological",
    "--from c1",
    "c1",
    "--from c1 --descendants",
    "--from c1 --descendants --topological --name",
    "--from c1 --tree",
    "--from c1 --tree --descendants",
    "--from c2 --tree",
    "--from c3 --parent",
    "--roots --name",
    "--tree --name",
    "--parent --roots",
    "--parent --tree",
    "--roots --tree",
    "--roots --from c1",
    "--roots --from ''",
    "--tree --leaves",
    "--tree --no-leaves",
    "--descendants",
    "--from ''",
    "--from nosuch",
    "--current",
    "--bogus",
]


@pytest.mark.parametrize("options", LIST_OPTIONS)
def test_list(options: str) -> None:
    same("-c", DEFAULT, CHAIN + f"checkpoint-list test {options}")


def test_list_empty_quiet_locale_zone() -> None:
    same("-c", DEFAULT, "checkpoint-list test; checkpoint-list test --tree; checkpoint-list nosuch")
    same("-q", "-c", DEFAULT, CHAIN + "checkpoint-list test --parent; checkpoint-list test")
    same("-c", DEFAULT, CHAIN + "checkpoint-list test --parent", env={"LANG": "C"})
    same("-c", DEFAULT, CHAIN + "checkpoint-list test", env={"TZ": "Asia/Kathmandu"})


def test_fan_out_by_redefine(tmp_path: Path) -> None:
    """A checkpoint tree with siblings (redefined with an edited parent)."""
    raw = run_virsh(["-c", DEFAULT, CHAIN + "checkpoint-dumpxml test c2"]).out
    xml = raw.split("Domain checkpoint c2 created")[-1].lstrip("\n")
    (tmp_path / "b.xml").write_text(
        xml.replace("<name>c2</name>", "<name>b</name>", 1).replace(
            "<name>c3</name>", "<name>c1</name>", 1
        )
    )
    same(
        "-c",
        DEFAULT,
        CHAIN + "checkpoint-create test --redefine b.xml; checkpoint-list test --tree; "
        "checkpoint-list test --tree --topological; checkpoint-list test --parent; "
        "checkpoint-info test c1; checkpoint-list test --from c1 --tree",
        cwd=str(tmp_path),
    )


# ---------------------------------------------------------------------------
# the other commands


@pytest.mark.parametrize(
    "script",
    [
        "checkpoint-info test c2",
        "checkpoint-info test c1",
        "checkpoint-info test",
        "checkpoint-info test ''",
        "checkpoint-info test nosuch",
        "checkpoint-info nosuch c1",
        "checkpoint-parent test c2",
        "checkpoint-parent test c1",
        "checkpoint-parent test",
        "checkpoint-dumpxml test c1",
        "checkpoint-dumpxml test c3 --security-info",
        "checkpoint-dumpxml test c3 --no-domain",
        "checkpoint-dumpxml test c3 --size",
        "checkpoint-dumpxml test c3 --no-domain --xpath //name",
        "checkpoint-dumpxml test c3 --xpath //name --wrap",
        "checkpoint-dumpxml test c3 --xpath 'count(//name)'",
        "checkpoint-dumpxml test c3 --xpath ''",
        "checkpoint-dumpxml test nosuch --xpath ''",
        "checkpoint-dumpxml test",
        "checkpoint-dumpxml test nosuch",
        "checkpoint-delete test c3; checkpoint-list test --tree",
        "checkpoint-delete test c1 --children; checkpoint-list test",
        "checkpoint-delete test c1 --children-only; checkpoint-list test",
        "checkpoint-delete test c1 --metadata",
        "checkpoint-delete test",
        "checkpoint-delete test nosuch",
        "checkpoint-create-as test c1",
        "checkpoint-create-as test c9 'a <desc>'; checkpoint-dumpxml test c9 --no-domain",
        "checkpoint-create-as test --print-xml x d vda,bitmap=b1 vdb,checkpoint=no",
        "checkpoint-create-as test --print-xml --diskspec vda,bogus=1",
        "checkpoint-create-as test --print-xml --diskspec ''",
        'checkpoint-create-as test --print-xml --diskspec "vda,checkpoint=a\'b<,bitmap=q&"',
        "checkpoint-create-as test --name ''",
        "checkpoint-create-as test --quiesce c9",
        "checkpoint-create-as nosuch --print-xml",
        "checkpoint-create test; checkpoint-list test --name",
        "checkpoint-create test --redefine",
        "checkpoint-create test --redefine-validate",
        "checkpoint-create test --redefine --redefine-validate",
        "checkpoint-create test --quiesce",
        "checkpoint-create test nofile.xml",
        "checkpoint-create test ''",
        "checkpoint-edit test",
        "checkpoint-edit test nosuch",
        "snapshot-create-as test s1",
    ],
)
def test_commands(script: str) -> None:
    same("-c", DEFAULT, CHAIN + script)


def test_create_from_files(tmp_path: Path) -> None:
    files = {
        "empty.xml": "",
        "bad.xml": "<domaincheckpoint><name>x",
        "good.xml": "<domaincheckpoint><name>fx</name><description>d</description>"
        "</domaincheckpoint>",
        "wrongroot.xml": "<domainsnapshot><name>w</name></domainsnapshot>",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "latin1.xml").write_bytes(
        b"<domaincheckpoint>\t<name>\xc3\x28</name></domaincheckpoint>"
    )
    (tmp_path / "adir").mkdir()
    script = "; ".join(
        [f"checkpoint-create test {name}" for name in [*files, "adir", "missing.xml"]]
        + ["checkpoint-list test --parent", "checkpoint-info test fx"]
    )
    same("-c", DEFAULT, script, cwd=str(tmp_path))


@pytest.mark.parametrize(
    "script",
    [
        "checkpoint-list test",
        "checkpoint-create-as test c1",
        "checkpoint-info test c1",
        "checkpoint-dumpxml test c1 --security-info",
        "checkpoint-edit test c1",
        "checkpoint-delete test c1",
    ],
)
def test_read_only(script: str) -> None:
    same("-r", "-c", DEFAULT, script)


@pytest.mark.parametrize(
    ("visual", "script"),
    [
        ("true", "checkpoint-edit test c1"),
        ("false", "checkpoint-edit test c1"),
        ("nonexist-ed", "checkpoint-edit test c1"),
        ("sed -i s/c1/zz/g", "checkpoint-edit test c1; checkpoint-list test"),
        ("sed -i s/\\>c1\\</\\>c1\\</", "checkpoint-edit test c1"),
    ],
)
def test_edit(visual: str, script: str) -> None:
    same("-c", DEFAULT, "checkpoint-create-as test c1 desc; " + script, env={"VISUAL": visual})
