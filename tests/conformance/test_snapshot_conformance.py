"""Differential tests: the snapshot commands against virsh 9.0.

Each case runs the same command line through /usr/bin/virsh and vsh and
compares stdout, stderr and exit status byte for byte.  State of a test:///
connection lives in one process, so each multi-step scenario is one script.

Normalised, and only where two runs can differ: creation times (the test
driver stamps new snapshots with the clock, so two runs can straddle a
second), the temporary file name of ``snapshot-edit``, and the order of
``--topological`` listings of generated fixtures (the test driver links
loaded snapshots in hash-table order, randomly seeded per process).

Connections: ``test:///default`` (one running domain "test"), and node
files written by tests/fixtures/snapgen.py: chains, wide fans, random and
balanced trees, with odd names and every snapshot state.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conformance.harness import (
    VIRSH,
    VSH,
    assert_same,
    base_env,
    both,
    run_virsh,
    run_vsh,
)
from tests.fixtures.snapgen import FixtureInfo, write_fixture

DEFAULT = "test:///default"
VERBS = ("create", "create-as", "current", "delete", "dumpxml", "edit", "info", "list")
COMMANDS = [f"snapshot-{verb}" for verb in (*VERBS, "parent", "revert")]

_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}")
_CREATION = re.compile(r"<creationTime>\d+</creationTime>")
_TEMP = re.compile(r"virsh[A-Za-z0-9]{6}\.xml")
_EPOCH = re.compile(r"\b1\d{9}\b")  # a default snapshot name is the creation time
_LOG = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+\d{4}: \d+: ", re.M)


def stamps(text: str) -> str:
    text = _STAMP.sub("TIMESTAMP", text)
    text = _CREATION.sub("<creationTime>T</creationTime>", text)
    text = _EPOCH.sub("EPOCH", text)
    text = _LOG.sub("LOG: ", text)  # libvirt's own log lines (test driver in-process)
    return _TEMP.sub("virshXXXXXX.xml", text)


def same(*args: str, **kw: object) -> None:
    assert_same(list(args), normalise=stamps, **kw)


def sorted_lines(text: str) -> str:
    return "\n".join(sorted(stamps(text).split("\n")))


# libvirt's tests/virsh-snapshot builds this tree (creation order, revert for fan-out):
#   s1 -> s3 -> {s2, s6 -> {s5, s4}};  s1 -> s7 -> s8
TREE = (
    "snapshot-create-as test s1; snapshot-create-as test s3; snapshot-create-as test s2; "
    "snapshot-revert test s3; snapshot-create-as test s6; snapshot-create-as test s5; "
    "snapshot-revert test s6; snapshot-create-as test s4; snapshot-revert test s1; "
    "snapshot-create-as test s7; snapshot-create-as test s8; "
)


# ---------------------------------------------------------------------------
# help


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    same("-c", DEFAULT, f"help {name}; {name} --help")


def test_help_group() -> None:
    same("help snapshot")


# ---------------------------------------------------------------------------
# libvirt's tests/virsh-snapshot, both runs, through both binaries

UPSTREAM_1 = """
  # Create a series of snapshots, with names that intentionally sort
  # differently by topology than by name. Use revert to create fanout.
  snapshot-create-as test s1
  snapshot-create-as test s1
  snapshot-create-as test s3
  snapshot-create-as test s2
  snapshot-revert test s3
  snapshot-create-as test s6
  snapshot-create-as test s5
  snapshot-revert test s6
  snapshot-create-as test s4
  snapshot-revert test s1
  snapshot-create-as test s7
  snapshot-create-as test s8
  # checkpoints cannot be created while snapshots exist
  echo --err marker
  checkpoint-create-as test c1
  echo --err marker
  # Checking tree view (siblings sorted alphabetically)
  snapshot-list test --tree
  # Current was last one created, but we can change that
  snapshot-current test --name
  snapshot-current test s1
  snapshot-current test --name
  # Deleting current root leads to multiple roots, demonstrate list filtering
  snapshot-delete test --current
  echo --err marker
  snapshot-current test --name
  echo --err marker
  snapshot-list test --roots
  snapshot-list test --leaves
  snapshot-list test --parent --no-leaves
  snapshot-list test --from s3
  snapshot-list test --from s3 --descendants --name
  # More fun with delete flags, current node moves up to remaining parent
  snapshot-current test s4
  snapshot-delete test --children-only s6
  snapshot-current test --name
  snapshot-delete test --children s7
  snapshot-current test --name
  snapshot-delete test s6
  snapshot-current test --name
  # Now the tree is linear, so we have an unambiguous topological order
  snapshot-list test --name
  snapshot-list test --name --topological
  # Capture some XML for later redefine
  echo "<!--MarkerA-->"
  snapshot-dumpxml test s3
  echo "<!--MarkerB-->"
  snapshot-dumpxml test s2
  echo "<!--MarkerC-->"
  # All done
"""

UPSTREAM_1_COOKED = """Domain snapshot s1 created

Domain snapshot s3 created
Domain snapshot s2 created
Domain snapshot s3 reverted

Domain snapshot s6 created
Domain snapshot s5 created
Domain snapshot s6 reverted

Domain snapshot s4 created
Domain snapshot s1 reverted

Domain snapshot s7 created
Domain snapshot s8 created



s1
  |
  +- s3
  |   |
  |   +- s2
  |   +- s6
  |       |
  |       +- s4
  |       +- s5
  |
  +- s7
      |
      +- s8


s8
Snapshot s1 set as current
s1
Domain snapshot s1 deleted




 Name   Creation Time               State
---------------------------------------------
 s3     TIMESTAMP   running
 s7     TIMESTAMP   running

 Name   Creation Time               State
---------------------------------------------
 s2     TIMESTAMP   running
 s4     TIMESTAMP   running
 s5     TIMESTAMP   running
 s8     TIMESTAMP   running

 Name   Creation Time               State     Parent
------------------------------------------------------
 s3     TIMESTAMP   running
 s6     TIMESTAMP   running   s3
 s7     TIMESTAMP   running

 Name   Creation Time               State
---------------------------------------------
 s2     TIMESTAMP   running
 s6     TIMESTAMP   running

s2
s4
s5
s6

Snapshot s4 set as current
Domain snapshot s6 children deleted

s6
Domain snapshot s7 deleted

s6
Domain snapshot s6 deleted

s3
s2
s3

s3
s2

"""

UPSTREAM_1_ERR = """error: operation failed: domain moment s1 already exists
error: marker
error: Operation not supported: cannot create checkpoint while snapshot exists
error: marker
error: marker
error: domain 'test' has no current snapshot
error: marker
"""

UPSTREAM_2 = """
  # Redefine must be in topological order; this will fail
  snapshot-create test --redefine s2.xml --validate
  echo --err marker
  # This is the right order
  snapshot-create test --redefine s3.xml --validate
  snapshot-create test --redefine s2.xml --current --validate
  snapshot-info test --current
"""

UPSTREAM_2_OUT = """

Domain snapshot s3 created from 's3.xml'
Domain snapshot s2 created from 's2.xml'
Name:           s2
Domain:         test
Current:        yes
State:          running
Location:       internal
Parent:         s3
Children:       0
Descendants:    0
Metadata:       yes

"""


def cook(out: str) -> str:
    """The upstream test's sed: trailing blanks, timestamps, the XML part."""
    lines = []
    skipping = False
    for line in out.split("\n"):
        if "MarkerA" in line:
            skipping = True
        if not skipping:
            line = re.sub(r" *$", "", line)
            lines.append(re.sub(r"[0-9-]{10} [0-9:.]* .[0-9]{4}", "TIMESTAMP", line, count=1))
        if "MarkerC" in line:
            skipping = False
    return "\n".join(lines)


def between(out: str, start: str, end: str) -> str:
    """sed -n '/start/,/end/p'."""
    lines = out.split("\n")
    i = next(n for n, line in enumerate(lines) if start in line)
    j = next(n for n, line in enumerate(lines) if end in line and n > i)
    return "\n".join(lines[i : j + 1]) + "\n"


def test_upstream_virsh_snapshot(tmp_path: Path) -> None:
    expected, actual = both(["--connect", DEFAULT, UPSTREAM_1], normalise=stamps)
    assert actual == expected
    assert cook(actual.out) == UPSTREAM_1_COOKED
    assert actual.err == UPSTREAM_1_ERR
    # Second run: redefine from the XML the first run printed (virsh's, for both).
    raw = run_virsh(["--connect", DEFAULT, UPSTREAM_1]).out
    (tmp_path / "s3.xml").write_text(between(raw, "MarkerA", "MarkerB"))
    (tmp_path / "s2.xml").write_text(between(raw, "MarkerB", "MarkerC"))
    outcome = assert_same(["-c", DEFAULT, UPSTREAM_2], cwd=str(tmp_path))
    assert outcome.out == UPSTREAM_2_OUT
    assert outcome.err == (
        "error: invalid argument: parent s3 for moment s2 not found\nerror: marker\n"
    )
    # vsh's own dump redefines just as well.
    mine = run_vsh(["--connect", DEFAULT, UPSTREAM_1]).out
    (tmp_path / "s3.xml").write_text(between(mine, "MarkerA", "MarkerB"))
    (tmp_path / "s2.xml").write_text(between(mine, "MarkerB", "MarkerC"))
    assert run_vsh(["-c", DEFAULT, UPSTREAM_2], cwd=str(tmp_path)).out == UPSTREAM_2_OUT


# ---------------------------------------------------------------------------
# snapshot-list on test:///default

LIST_OPTIONS = [
    "",
    "--parent",
    "--name",
    "--tree",
    "--roots",
    "--leaves",
    "--no-leaves",
    "--leaves --no-leaves",
    "--leaves --parent",
    "--metadata",
    "--no-metadata",
    "--metadata --no-metadata",
    "--inactive",
    "--active",
    "--active --inactive",
    "--disk-only",
    "--internal",
    "--external",
    "--internal --external --name",
    "--topological",
    "--topological --name",
    "--topological --parent",
    "--tree --topological",
    "--tree --metadata",
    "--from s3",
    "s3",
    "s3 --parent",
    "--from s3 --descendants",
    "--from s3 --descendants --topological --name",
    "--from s3 --tree",
    "--from s3 --tree --descendants",
    "--from s3 --tree --topological --descendants",
    "--from s8 --tree",
    "--from s8",
    "--current",
    "--current --descendants",
    "--current --tree",
    "--current --tree --descendants",
    "--from s3 --leaves --descendants",
    "--from s1 --no-leaves --descendants --name",
    "--roots --topological --name",
    # option errors, in virsh's order of checks
    "--tree --name",
    "--parent --roots",
    "--parent --tree",
    "--roots --tree",
    "--roots --from s1",
    "--roots --current",
    "--roots --from ''",
    "--tree --name --parent --roots",
    "--tree --leaves",
    "--tree --no-leaves",
    "--tree --inactive",
    "--tree --active",
    "--tree --disk-only",
    "--tree --internal",
    "--tree --external",
    "--descendants",
    "--descendants --tree",
    "--from ''",
    "--from s1 --current",
    "--from nosuch",
    "--from nosuch --tree",
    "--bogus",
    "--from",
    "s1 s2",
]


@pytest.mark.parametrize("options", LIST_OPTIONS)
def test_list(options: str) -> None:
    same("-c", DEFAULT, TREE + f"snapshot-list test {options}")


def test_list_without_snapshots_and_domain_errors() -> None:
    same("-c", DEFAULT, "snapshot-list test; snapshot-list test --tree; snapshot-list test --name")
    same("-c", DEFAULT, "snapshot-list test --current")
    same("-c", DEFAULT, "snapshot-list nosuch; snapshot-list 1 --parent; snapshot-list ''")
    same("-q", "-c", DEFAULT, "snapshot-list test; snapshot-list test --parent")


def test_list_after_deleting_the_root() -> None:
    same(
        "-c",
        DEFAULT,
        TREE + "snapshot-delete test s1; snapshot-list test --tree; "
        "snapshot-list test --tree --topological; snapshot-list test --roots; "
        "snapshot-list test --parent --topological",
    )


def test_list_quiet_locale_and_zone() -> None:
    same("-q", "-c", DEFAULT, TREE + "snapshot-list test --parent; snapshot-list test --tree")
    same("-c", DEFAULT, TREE + "snapshot-list test --parent", env={"LANG": "C"})
    same("-c", DEFAULT, TREE + "snapshot-list test --parent", env={"TZ": "Asia/Kolkata"})
    same("-c", DEFAULT, TREE + "snapshot-list test", env={"TZ": "America/St_Johns"})


def test_list_odd_names() -> None:
    odd = (
        "snapshot-create-as test 'a b'; snapshot-create-as test 'Zed'; "
        "snapshot-create-as test 'ünï'; snapshot-create-as test '--x'; "
        "snapshot-create-as test 'tab\tin'; snapshot-create-as test '日本\\x'; "
        "snapshot-create-as test '_u'; snapshot-create-as test 'x;y'; "
        'snapshot-create-as test "q\'uo\\"te"; snapshot-create-as test A; '
        "snapshot-create-as test a; "
    )
    for env in ({}, {"LANG": "C"}):
        same(
            "-c",
            DEFAULT,
            odd + "snapshot-list test; snapshot-list test --tree; snapshot-list test --name; "
            "snapshot-list test --parent --topological; snapshot-info test 'a b'; "
            "snapshot-parent test '--x'; snapshot-list test --from 'ünï' --tree; "
            'snapshot-dumpxml test "q\'uo\\"te"',
            env=env,
        )


# ---------------------------------------------------------------------------
# snapshot-info, -parent, -current, -dumpxml, -revert, -delete


@pytest.mark.parametrize(
    "script",
    [
        "snapshot-info test s6",
        "snapshot-info test --current",
        "snapshot-info test s1 --current",
        "snapshot-info test",
        "snapshot-info test nosuch",
        "snapshot-info test ''",
        "snapshot-info test --snapshotname s8",
        "snapshot-info nosuch s1",
        "snapshot-parent test s6",
        "snapshot-parent test s1",
        "snapshot-parent test --current",
        "snapshot-parent test",
        "snapshot-parent test s1 --current",
        "snapshot-current test",
        "snapshot-current test --name",
        "snapshot-current test --security-info",
        "snapshot-current test --name s1",
        "snapshot-current test s1; snapshot-current test --name; snapshot-info test s1",
        "snapshot-current test nosuch",
        "snapshot-current test ''",
        "snapshot-dumpxml test s2",
        "snapshot-dumpxml test s2 --security-info",
        "snapshot-dumpxml test s2 --xpath //name",
        "snapshot-dumpxml test s2 --xpath //name --wrap",
        "snapshot-dumpxml test s2 --xpath /domainsnapshot/parent",
        "snapshot-dumpxml test s2 --xpath //nomatch --wrap",
        "snapshot-dumpxml test s2 --xpath //nomatch",
        "snapshot-dumpxml test s2 --xpath 'string(//name)'",
        "snapshot-dumpxml test s2 --xpath '//['",
        "snapshot-dumpxml test s2 --xpath ''",
        "snapshot-dumpxml test s2 --xpath //os --wrap",
        "snapshot-dumpxml test",
        "snapshot-dumpxml test nosuch",
        "snapshot-dumpxml test s2 //name",
        "snapshot-revert test s3; snapshot-current test --name; snapshot-list test --tree",
        "snapshot-revert test --current",
        "snapshot-revert test s3 --running --paused",
        "snapshot-revert test s3 --paused; domstate test",
        "snapshot-revert test s3 --force",
        "snapshot-revert test s3 --reset-nvram",
        "snapshot-revert test",
        "snapshot-revert test s1 --current",
        "snapshot-delete test s6; snapshot-list test --tree",
        "snapshot-delete test s3 --children; snapshot-list test --tree",
        "snapshot-delete test s3 --children-only; snapshot-list test --tree",
        "snapshot-delete test s1 --metadata",
        "snapshot-delete test --current; snapshot-current test",
        "snapshot-delete test",
        "snapshot-delete test nosuch",
        "snapshot-delete test s1 --current",
        "snapshot-delete test s3 --children --children-only",
    ],
)
def test_single_snapshot_commands(script: str) -> None:
    same("-c", DEFAULT, TREE + script)


def test_quiet_suppresses_status_lines() -> None:
    same(
        "-q",
        "-c",
        DEFAULT,
        TREE + "snapshot-current test s1; snapshot-revert test s3; snapshot-delete test s8; "
        "snapshot-delete test s3 --children-only; snapshot-current test --name",
    )


# ---------------------------------------------------------------------------
# snapshot-create, snapshot-create-as


@pytest.mark.parametrize(
    "script",
    [
        "snapshot-create-as test s1; snapshot-create-as test s1",
        "snapshot-create-as test; snapshot-list test --name",
        "snapshot-create-as test s1 'a <desc> & \"q\"'; snapshot-dumpxml test s1",
        "snapshot-create-as test --halt s1; domstate test; snapshot-info test s1",
        "snapshot-create-as test s1 --disk-only",
        "snapshot-create-as test s1 --live",
        "snapshot-create-as test s1 --quiesce",
        "snapshot-create-as test s1 --atomic --reuse-external",
        "snapshot-create-as test s1 --no-metadata; snapshot-list test",
        "snapshot-create-as test s1 --validate",
        "snapshot-create-as test --name ''",
        "snapshot-create-as test --description ''",
        "snapshot-create-as test --memspec ''",
        "snapshot-create-as test s1 --memspec snapshot=no --diskspec vda,snapshot=no",
        "snapshot-create-as nosuch s1",
        "snapshot-create-as nosuch --print-xml",
        "snapshot-create-as test --print-xml",
        "snapshot-create-as test --print-xml test name vda vdb",
        "snapshot-create-as test --print-xml --diskspec 'vda,file=a&b,,c,snapshot=external' "
        "--description '1<2' --diskspec vdb --memspec file=d,,e",
        "snapshot-create-as test --print-xml --memspec bogus",
        "snapshot-create-as test --print-xml --memspec /abs,snapshot=external --name 'a\"b'",
        "snapshot-create-as test --print-xml --diskspec vda,stype=weird",
        "snapshot-create-as test --print-xml --diskspec vda,file=/a,driver=qcow2,stype=file",
        "snapshot-create-as test --print-xml --diskspec vda,file=/dev/b,stype=block",
        "snapshot-create-as test --print-xml --diskspec ''",
        "snapshot-create-as test --print-xml --diskspec ','",
        "snapshot-create-as test --print-xml --diskspec ',snapshot=no'",
        "snapshot-create-as test --print-xml --diskspec vda,snapshot=a,snapshot=b",
        'snapshot-create-as test --print-xml --diskspec "vda,snapshot=a\'b<,driver=q&"',
        "snapshot-create-as test --print-xml d --memspec",
        "snapshot-create test; snapshot-list test --name",
        "snapshot-create test --redefine",
        "snapshot-create test --current",
        "snapshot-create test --redefine --no-metadata",
        "snapshot-create test --halt; domstate test",
        "snapshot-create test --disk-only",
        "snapshot-create test --xmlfile ''",
        "snapshot-create test nofile.xml",
        "snapshot-create nosuch nofile.xml",
    ],
)
def test_create(script: str) -> None:
    same("-c", DEFAULT, script)


def test_create_from_files(tmp_path: Path) -> None:
    files = {
        "empty.xml": "",
        "bad.xml": "<domainsnapshot><name>x",
        "good.xml": "<domainsnapshot><name>fx</name><description>from file</description>"
        "</domainsnapshot>",
        "nul.xml": "<domainsnapshot><name>n</name></domainsnapshot>\0garbage",
        "other.xml": "<domainsnapshot><name>o</name><state>running</state>"
        "<creationTime>1</creationTime><domain type='test'><name>other</name>"
        "<uuid>11111111-2222-3333-4444-555555555555</uuid><memory>1024</memory>"
        "<os><type>hvm</type></os></domain></domainsnapshot>",
        "nodomain.xml": "<domainsnapshot><name>nd</name><state>running</state>"
        "<creationTime>1</creationTime></domainsnapshot>",
        "wrongroot.xml": "<domaincheckpoint><name>w</name></domaincheckpoint>",
        "bogus.xml": "<domainsnapshot><name>b</name><bogus/></domainsnapshot>",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "latin1.xml").write_bytes(
        b"<domainsnapshot>\n <name>caf\xe9</name></domainsnapshot>"
    )
    (tmp_path / "adir").mkdir()
    script = "; ".join(
        [f"snapshot-create test {name}" for name in [*files, "adir", "missing.xml"]]
        + [
            "snapshot-create test good.xml --validate",
            "snapshot-create test bogus.xml --validate",
            "snapshot-create test --redefine other.xml",
            "snapshot-create test --redefine nodomain.xml",
            "snapshot-list test --parent",
            "snapshot-info test fx",
        ]
    )
    same("-c", DEFAULT, script, cwd=str(tmp_path))


@pytest.mark.parametrize(
    ("command", "data"),
    [
        ("snapshot-create", b"<domainsnapshot>\n <name>caf\xe9</name></domainsnapshot>"),
        ("snapshot-create", b"<domainsnapshot><name>\xff</name>"),
        ("checkpoint-create", b"<domaincheckpoint>\t<name>\xc3\x28</name></domaincheckpoint>"),
    ],
)
def test_create_from_non_utf8_file(tmp_path: Path, command: str, data: bytes) -> None:
    """The server's libxml2 error, raw bytes and all (compared as bytes)."""
    (tmp_path / "latin1.xml").write_bytes(data)
    args = ["-c", DEFAULT, f"{command} test latin1.xml"]
    outcomes = [
        subprocess.run(
            [*program, *args], capture_output=True, env=base_env(), cwd=tmp_path, check=False
        )
        for program in ([VIRSH], VSH)
    ]
    expected, actual = ((p.returncode, p.stdout, p.stderr) for p in outcomes)
    assert actual == expected


def test_redefine(tmp_path: Path) -> None:
    """Dump, delete, redefine: the child-before-parent error and the
    ``--redefine --halt`` fallback (virsh redefines, then destroys the domain)."""
    setup = "snapshot-create-as test a; snapshot-create-as test b; "
    raw = run_virsh(["-c", DEFAULT, setup + "snapshot-dumpxml test a"]).out
    (tmp_path / "a.xml").write_text(raw.split("Domain snapshot b created")[-1].lstrip("\n"))
    raw = run_virsh(["-c", DEFAULT, setup + "snapshot-dumpxml test b"]).out
    (tmp_path / "b.xml").write_text(raw.split("Domain snapshot b created")[-1].lstrip("\n"))
    for script in (
        "snapshot-create test --redefine b.xml",
        "snapshot-create test --redefine a.xml; snapshot-create test --redefine b.xml; "
        "snapshot-current test; snapshot-list test --tree",
        "snapshot-create test --redefine a.xml --current; snapshot-current test --name",
        "snapshot-create test --redefine a.xml --halt; domstate test; snapshot-list test",
        "snapshot-create test --redefine a.xml --disk-only",
        "snapshot-create test --redefine a.xml --validate; "
        "snapshot-create test --redefine a.xml; snapshot-info test a",
        "snapshot-create test a.xml",
    ):
        same("-c", DEFAULT, script, cwd=str(tmp_path))


# ---------------------------------------------------------------------------
# read-only connections


@pytest.mark.parametrize(
    "script",
    [
        "snapshot-list test",
        "snapshot-create-as test s1",
        "snapshot-create test",
        "snapshot-current test --name",
        "snapshot-info test --current",
        "snapshot-current test nosuch",
        "snapshot-edit test --current",
        "snapshot-revert test --current",
        "snapshot-delete test --current",
        "snapshot-dumpxml test x --security-info",
    ],
)
def test_read_only(script: str) -> None:
    same("-r", "-c", DEFAULT, script)


def test_read_only_fixture(fixtures: dict[str, str]) -> None:
    same(
        "-r",
        "-c",
        fixtures["states"],
        "snapshot-list dom0 --parent; snapshot-current dom0 snap-3; snapshot-current dom0; "
        "snapshot-dumpxml dom0 snap-1 --security-info; snapshot-edit dom0 snap-1; "
        "snapshot-revert dom0 snap-2; snapshot-delete dom0 snap-2; snapshot-info dom0 snap-2",
    )


# ---------------------------------------------------------------------------
# snapshot-edit (VISUAL / EDITOR)


@pytest.mark.parametrize(
    ("visual", "script"),
    [
        ("true", "snapshot-edit test s1"),
        ("true", "snapshot-edit test --current"),
        ("true", "snapshot-edit test s1 --current; snapshot-current test --name"),
        ("true", "snapshot-edit test"),
        ("true", "snapshot-edit test nosuch"),
        ("true", "snapshot-edit test s1 --rename --clone"),
        ("false", "snapshot-edit test s1"),
        ("", "snapshot-edit test s1"),
        ("nonexist-ed", "snapshot-edit test s1"),
        ("sh -c 'exit 3'", "snapshot-edit test s1"),
        ("sed -i s/\\>desc\\</\\>new\\</", "snapshot-edit test s1; snapshot-dumpxml test s1"),
        ("sed -i s/\\>desc\\</\\>new\\</", "snapshot-edit test --current; snapshot-info test s1"),
        ("sed -i s/s1/s2/g", "snapshot-edit test s1; snapshot-list test"),
        ("sed -i s/s1/s2/g", "snapshot-edit test s1 --rename; snapshot-list test"),
        ("sed -i s/s1/s2/g", "snapshot-edit test s1 --clone; snapshot-list test --parent"),
    ],
)
def test_edit(visual: str, script: str) -> None:
    same("-c", DEFAULT, "snapshot-create-as test s1 desc; " + script, env={"VISUAL": visual})


def test_edit_refused_redefine_fails_cleanly() -> None:
    """Where virsh 9.0 crashes (a refused redefine with no terminal to ask "Try
    again?": it prints ``error: Failed.`` and dereferences NULL), vsh reports
    the failure and its cause, changes nothing, and goes on."""
    outcome = run_vsh(
        [
            "-c",
            DEFAULT,
            "snapshot-create-as test s1 desc; snapshot-edit test s1; snapshot-info test s1",
        ],
        env={"VISUAL": "sed -i s/running/shutoff/"},
    )
    assert outcome.status == 0
    assert outcome.err == (
        "error: Failed.\nerror: Failed to update s1\n"
        "error: XML error: memory state cannot be saved with offline or disk-only snapshot\n"
    )
    assert "State:          running" in outcome.out


def test_edit_editor_variable_rules(tmp_path: Path) -> None:
    setup = "snapshot-create-as test s1 desc; "
    same("-c", DEFAULT, setup + "snapshot-edit test s1", env={"EDITOR": "true"})
    same("-c", DEFAULT, setup + "snapshot-edit test s1", env={"EDITOR": "false", "VISUAL": "true"})
    odd = tmp_path / "a b"
    odd.mkdir()
    for visual in ("true #", "true"):
        same(
            "-c",
            DEFAULT,
            setup + "snapshot-edit test s1",
            env={"VISUAL": visual, "TMPDIR": str(odd)},
        )
    same(
        "-c",
        DEFAULT,
        setup + "snapshot-edit test s1",
        env={"VISUAL": "true", "TMPDIR": "/nonexistent"},
    )


# ---------------------------------------------------------------------------
# generated fixtures (tests/fixtures/snapgen.py)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FixtureInfo]:
    d = tmp_path_factory.mktemp("snapfixtures")
    states = ["running", "shutoff", "disk-snapshot", "paused"]
    made = {
        "chain": write_fixture(d / "chain.xml", shape="chain", count=60, states=states),
        "wide": write_fixture(d / "wide.xml", shape="wide", count=60, current=7),
        "random": write_fixture(
            d / "random.xml", shape="random", count=80, seed=5, odd_names=True, states=states
        ),
        "balanced": write_fixture(d / "balanced.xml", shape="balanced", count=63, current=None),
        "states": write_fixture(d / "states.xml", shape="random", count=12, seed=2, states=states),
        "two": write_fixture(d / "two.xml", shape="random", count=20, domains=2, seed=9),
        "shutoff": write_fixture(
            d / "shutoff.xml", shape="chain", count=5, runstate="shutoff", states=["shutoff"]
        ),
    }
    return made


@pytest.fixture(scope="module")
def fixtures(models: dict[str, FixtureInfo]) -> dict[str, str]:
    return {k: v.uri for k, v in models.items()}


FIXTURE_SCRIPTS = [
    "snapshot-list dom0",
    "snapshot-list dom0 --parent",
    "snapshot-list dom0 --tree",
    "snapshot-list dom0 --name",
    "snapshot-list dom0 --roots",
    "snapshot-list dom0 --leaves --parent",
    "snapshot-list dom0 --no-leaves",
    "snapshot-list dom0 --inactive",
    "snapshot-list dom0 --active --parent",
    "snapshot-list dom0 --disk-only",
    "snapshot-list dom0 --internal --name",
    "snapshot-list dom0 --external",
    "snapshot-list dom0 --inactive --disk-only --external",
    "snapshot-list dom0 --current",
    "snapshot-list dom0 --current --tree",
    "snapshot-list dom0 --current --tree --descendants",
    "snapshot-list dom0 --from snap-0 --tree",
    "snapshot-list dom0 --from snap-0 --tree --descendants",
    "snapshot-list dom0 --from snap-0 --descendants --parent",
    "snapshot-list dom0 snap-4 --name",
    "snapshot-info dom0 --current",
    "snapshot-info dom0 snap-2",
    "snapshot-info dom0 snap-0",
    "snapshot-parent dom0 snap-5",
    "snapshot-parent dom0 --current",
    "snapshot-current dom0 --name",
    "snapshot-dumpxml dom0 snap-2",
]


@pytest.mark.parametrize("kind", ["chain", "wide", "random", "balanced", "states"])
def test_fixtures(fixtures: dict[str, str], kind: str) -> None:
    same("-c", fixtures[kind], "; ".join(FIXTURE_SCRIPTS))


def test_fixtures_quiet_and_locale(fixtures: dict[str, str]) -> None:
    script = "snapshot-list dom0 --parent; snapshot-list dom0 --tree; snapshot-info dom0 --current"
    same("-q", "-c", fixtures["random"], script)
    same("-c", fixtures["random"], script, env={"LANG": "C"})
    same("-c", fixtures["random"], script, env={"TZ": "Pacific/Chatham"})


def test_fixtures_more_domains_and_states(fixtures: dict[str, str]) -> None:
    same(
        "-c",
        fixtures["two"],
        "snapshot-list dom0 --tree; snapshot-list dom1 --parent; snapshot-info dom1 --current",
    )
    same(
        "-c",
        fixtures["shutoff"],
        "snapshot-list dom0 --parent; snapshot-revert dom0 snap-2; domstate dom0; "
        "snapshot-revert dom0 snap-0 --running; domstate dom0; snapshot-list dom0 --inactive",
    )


def test_fixtures_mutations(fixtures: dict[str, str]) -> None:
    same(
        "-c",
        fixtures["balanced"],
        "snapshot-delete dom0 snap-1 --children-only; snapshot-list dom0 --tree; "
        "snapshot-delete dom0 snap-0; snapshot-list dom0 --roots; "
        "snapshot-current dom0 snap-2; snapshot-list dom0 --current --tree --descendants; "
        "snapshot-delete dom0 --current --children; snapshot-list dom0 --name",
    )


@pytest.mark.parametrize(
    "script",
    [
        "snapshot-list dom0 --topological --name",
        "snapshot-list dom0 --topological",
        "snapshot-list dom0 --topological --parent --leaves",
        "snapshot-list dom0 --from snap-0 --descendants --topological --name",
    ],
)
@pytest.mark.parametrize("kind", ["chain", "random", "balanced"])
def test_fixtures_topological(
    fixtures: dict[str, str], models: dict[str, FixtureInfo], kind: str, script: str
) -> None:
    """Same lines as virsh (the order itself varies per process), parents first."""
    args = ["-c", fixtures[kind], script]
    expected, actual = both(args, normalise=sorted_lines)
    assert actual == expected
    if "--name" in script:
        order = [n for n in run_vsh(args).out.split("\n") if n]
        pos = {n: i for i, n in enumerate(order)}
        for name in order:
            parent = models[kind].parent_of[name]
            if parent in pos:
                assert pos[parent] < pos[name], (name, parent)


@pytest.mark.parametrize("shape", ["chain", "wide"])
def test_big_tree(tmp_path: Path, shape: str) -> None:
    """Deep and wide trees of 1,000 snapshots: no recursion limit, same bytes."""
    info = write_fixture(tmp_path / f"{shape}.xml", shape=shape, count=1000, disks=False)
    same(
        "-c",
        info.uri,
        "snapshot-list dom0 --tree; snapshot-list dom0 --from snap-0 --descendants --tree; "
        "snapshot-list dom0 --parent --leaves; snapshot-parent dom0 snap-999; "
        "snapshot-info dom0 snap-0",
    )


def test_debug_lines() -> None:
    """``-d 0`` shows virsh's option and lookup debug lines."""
    same(
        "-d0",
        "-c",
        DEFAULT,
        TREE + "snapshot-list test --from s3; snapshot-info 1 --current; "
        "snapshot-dumpxml test s1 --xpath //name; snapshot-create-as test --print-xml x; "
        "checkpoint-list 6695eb01-f6a4-8304-79aa-97f2502e193f",
    )
