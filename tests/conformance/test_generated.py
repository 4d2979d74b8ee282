"""Generated differential test: random invocations of every command, virsh vs vsh.

For each command of vsh's table in virsh's groups, :mod:`tests.conformance.generator`
builds invocations from the command's own option declarations (see there).
Each case runs as ``-c test:///default CMD WORDS...`` in a fresh virsh
process and a fresh vsh process, each in its own scratch directory holding
the same input files; stdout, stderr and exit status must be identical.
Commands that change state are fine: every process starts from the test
driver's default state.

When vsh and virsh differ, virsh runs a second time: if its two runs differ
(hash order, the clock), the case is reported as "virsh disagrees with
itself" and not counted.  Known mismatches (KNOWN_MISMATCHES) are reported,
not failed.  Both kinds of note appear in the terminal summary.

A fixed set of seeds runs in ``make test``; ``make fuzz SEED=N COUNT=M``
(VSH_FUZZ_SEED, VSH_FUZZ_COUNT) runs one seed with M cases.  A case is
re-made from its seed and index alone: ``generator.generate(seed, index, ...)``.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import libvirt
import pytest

from tests.conformance import generator as gen
from tests.conformance.harness import Outcome, run_virsh, run_vsh, without_vsh_group
from vsh.core import registry
from vsh.core.command import VshCommand
from vsh.core.record import FrozenRecord

URI = "test:///default"

# Skipped commands, and why.  vsh's own group ("vsh": snapshot-export,
# snapshot-redefine, snapshot-restore, completion) is skipped as a whole:
# virsh has none of them.
SKIPPED_COMMANDS: dict[str, str] = {
    "console": "interactive: attaches to the guest console",
    "cd": "changes the working directory to a path the generator would pick",
    "connect": "opens another connection (could reach the host's daemons)",
    "quit": "ends the shell; nothing to compare in a one-command run",
    "exit": "ends the shell; nothing to compare in a one-command run",
}
EDIT_REASON = "edit family: opens an editor"  # edit, snapshot-edit, checkpoint-edit, ...
EVENT_REASON = "waits for events and has no --timeout to bound it"
SKIPPED_GROUPS = {"vsh": "vsh's own commands: virsh has none of them"}

# Options never generated, and why (every command).  Extension options
# (--json) are left out too: virsh has none of them.
SKIPPED_OPTIONS: dict[str, str] = {
    "console": "start/create --console attaches to the guest console",
    "edit": "desc/metadata --edit opens an editor",
}

# Mismatches in vsh/commands/ (outside monitor/ and bulk/), which another
# branch is rewriting: (command line after -c URI, reason).  Reported, not failed.
KNOWN_MISMATCHES: tuple[tuple[str, str], ...] = ()

SEEDS = (1, 2)
COUNT = 150  # at least one case of every command per seed
WORKERS = 2
# Seconds per process: every command here answers in well under one (virsh
# in some 20 ms), but for virsh's `nodecpustats --percent` (two seconds: it
# sleeps after each of its two samples).  virsh 9.0's job watching (save, managedsave) sometimes
# never returns on a loaded machine (a lost wake-up: its worker thread is
# gone, the main thread polls on); such a run times out and virsh runs again
# (HANG_RETRIES times at most), and the case is reported as virsh disagreeing
# with itself.
TIMEOUT = {"virsh": 4.0, "vsh": 6.0}
HANG_RETRIES = 2

# Output that follows the host clock on the test driver, on both sides alike:
# CPU time, block and interface counters, names made from time(NULL)
# (checkpoint-create, snapshot-create) and screenshot's dated file name.
_CLOCK = (
    (re.compile(r"^(CPU time:\s+)[0-9.]+s$", re.M), r"\1Ns"),
    (
        re.compile(
            r"^(.*(?:rd_req|rd_bytes|wr_req|wr_bytes|rx_bytes|rx_packets|tx_bytes|tx_packets"
            r"|rx_errs|rx_drop|tx_errs|tx_drop|errs|last_update|operations:|read:|written:"
            r"|count:)\s+)[0-9]+$",
            re.M,
        ),
        r"\1N",
    ),
    (re.compile(r"\b1[0-9]{9}\b"), "<time>"),
    (re.compile(r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}\b"), "<date>"),
)

# Input files of every run directory; the generator names only these (and
# missing.xml, out.img) as file values.
FILES: dict[str, str] = {
    "dom.xml": (
        "<domain type='test'><name>gen</name><memory>8192</memory>"
        "<os><type>hvm</type></os></domain>\n"
    ),
    "net.xml": "<network><name>gen-net</name><bridge name='gen0'/></network>\n",
    "pool.xml": (
        "<pool type='dir'><name>gen-pool</name><target><path>/gen-pool</path></target></pool>\n"
    ),
    "vol.xml": "<volume><name>gen.img</name><capacity>1048576</capacity></volume>\n",
    "dev.xml": (
        "<disk type='file' device='disk'><source file='/gen/disk.img'/>"
        "<target dev='vdb' bus='virtio'/></disk>\n"
    ),
    "snap.xml": "<domainsnapshot><name>gs</name></domainsnapshot>\n",
    "chk.xml": "<domaincheckpoint><name>gc</name></domaincheckpoint>\n",
    "bad.xml": "<oops\n",
    "empty.xml": "",
}
FILE_VALUES = (*FILES, "missing.xml", "out.img", "sub")  # "sub" is a directory


def skip_reason(name: str, group: str) -> str | None:
    if group in SKIPPED_GROUPS:
        return SKIPPED_GROUPS[group]
    if name in SKIPPED_COMMANDS:
        return SKIPPED_COMMANDS[name]
    if name == "edit" or name.endswith("-edit"):
        return EDIT_REASON
    return None


def spec_of(cmd: VshCommand) -> gen.CommandSpec | None:
    """The generator's view of a command; None when it must be skipped."""
    opts = tuple(
        gen.OptSpec(o.vsh.name, o.vsh.kind.value, o.vsh.required, o.vsh.named_only, o.vsh.alias)
        for o in cmd.vsh_options
        if not o.extension and o.vsh.name not in SKIPPED_OPTIONS
    )
    forced: tuple[tuple[str, tuple[str, ...]], ...] = ()
    name = cmd.name or ""
    if name == "event" or name.endswith("-event"):
        if not any(o.name == "timeout" for o in opts):
            return None
        forced = (("timeout", gen.BAD_TIMEOUTS),)
    return gen.CommandSpec(name, opts, forced)


def command_specs() -> tuple[list[gen.CommandSpec], dict[str, str]]:
    """(specs of the commands to run, skipped command -> reason)."""
    specs, skipped = [], {}
    for name, entry in registry.entries().items():
        if entry.hidden:
            continue
        reason = skip_reason(name, entry.group)
        cmd = registry.get_command(name)
        assert cmd is not None
        spec = spec_of(cmd) if reason is None else None
        if spec is None:
            skipped[name] = reason or EVENT_REASON
        else:
            specs.append(spec)
    return specs, skipped


def _listed(call: Callable[[], list[str]]) -> tuple[str, ...]:
    try:
        return tuple(call())
    except libvirt.libvirtError:  # the test driver lacks some object kinds
        return ()


def connection_pools(commands: list[gen.CommandSpec]) -> gen.Pools:
    """Real object names on test:///default, listed once."""
    conn = libvirt.open(URI)
    try:
        domains = conn.listAllDomains()
        doms = [v for d in domains for v in (d.name(), str(d.ID()), d.UUIDString()) if v != "-1"]
        xml = "".join(d.XMLDesc() for d in domains)
        targets = re.findall(r"<target dev='([^']+)'", xml)
        sources = re.findall(r"<source file='([^']+)'", xml)
        macs = re.findall(r"<mac address='([^']+)'", xml)
        pools = conn.listAllStoragePools()
        vols = [v for p in pools for vol in p.listAllVolumes() for v in (vol.name(), vol.path())]
        named = {
            "domain": tuple(doms),
            "network": tuple(v for n in conn.listAllNetworks() for v in (n.name(), n.UUIDString())),
            "pool": tuple(v for p in pools for v in (p.name(), p.UUIDString())),
            "vol": tuple(vols),
            "interface": (
                *targets,
                *macs,
                *_listed(lambda: [i.name() for i in conn.listAllInterfaces()]),
            ),
            "device": (
                *targets,
                *sources,
                *_listed(lambda: [n.name() for n in conn.listAllDevices()]),
            ),
            "snapshot": tuple(s.getName() for d in domains for s in d.listAllSnapshots()),
            "checkpoint": tuple(c.getName() for d in domains for c in d.listAllCheckpoints()),
            "nwfilter": _listed(lambda: [f.name() for f in conn.listAllNWFilters()]),
            "secret": _listed(lambda: [s.UUIDString() for s in conn.listAllSecrets()]),
            "command": (
                *(c.name for c in commands),
                *(k for _t, k in registry.GROUPS if k != "vsh"),
            ),
            "newname": ("gen", "test", "default", "default-pool"),
        }
    finally:
        conn.close()
    return gen.Pools(named, FILE_VALUES)


class Verdict(FrozenRecord):
    case: gen.Case
    kind: str  # "same", "mismatch", "known", "unstable"
    virsh: Outcome
    vsh: Outcome
    note: str = ""


RUNNERS: dict[str, Callable[..., Outcome]] = {"virsh": run_virsh, "vsh": run_vsh}
TIMED_OUT = "<timed out>\n"


def _run(tool: str, words: tuple[str, ...], where: Path) -> Outcome:
    """One process of ``tool`` in a fresh directory holding FILES; the
    directory's path is replaced by <cwd> in its output."""
    where.mkdir(parents=True)
    for name, text in FILES.items():
        (where / name).write_text(text)
    (where / "sub").mkdir()
    try:
        out = RUNNERS[tool](["-c", URI, *words], cwd=str(where), timeout=TIMEOUT[tool])
    except subprocess.TimeoutExpired:
        return Outcome(-1, "", TIMED_OUT)
    return Outcome(out.status, normalise(out.out, where), normalise(out.err, where))


def normalise(text: str, where: Path) -> str:
    text = without_vsh_group(text.replace(str(where), "<cwd>"))
    for pattern, replacement in _CLOCK:
        text = pattern.sub(replacement, text)
    return text


def _virsh(case: gen.Case, base: Path, tag: str) -> tuple[Outcome, int]:
    """virsh's answer, run again while it hangs (HANG_RETRIES times at most),
    and how many of its runs hung."""
    hung = 0
    while True:
        out = _run("virsh", case.words, base / f"{tag}-{hung}")
        if out.err != TIMED_OUT or hung == HANG_RETRIES:
            return out, hung
        hung += 1


def check(case: gen.Case, scratch: Path, known: dict[str, str]) -> Verdict:
    base = scratch / f"{case.seed}-{case.index}"
    expected, hung = _virsh(case, base, "virsh")
    actual = _run("vsh", case.words, base / "vsh")
    if hung and expected.err != TIMED_OUT:  # virsh hung, then answered
        agrees = "matches" if actual == expected else "differs from"
        note = f"virsh hung {hung} time(s) before answering; vsh {agrees} that answer"
        return Verdict(case, "unstable", expected, actual, note)
    if actual == expected:
        return Verdict(case, "same", expected, actual)
    again, _ = _virsh(case, base, "virsh-again")
    if again != expected:
        return Verdict(case, "unstable", expected, again)
    if case.line in known:
        return Verdict(case, "known", expected, actual, known[case.line])
    return Verdict(case, "mismatch", expected, actual)


def describe(v: Verdict) -> str:
    lines = [f"seed {v.case.seed} case {v.case.index}: virsh -c {URI} {v.case.line}"]
    if v.note:
        lines.append(f"  {v.kind}: {v.note}")
    second = "virsh (2nd run)" if v.kind == "unstable" and not v.note else "vsh"
    for label, got in (("virsh", v.virsh), (second, v.vsh)):
        lines.append(f"  {label}: status {got.status}")
        lines += [f"    out| {line}" for line in got.out.splitlines()[:8]]
        lines += [f"    err| {line}" for line in got.err.splitlines()[:8]]
    return "\n".join(lines)


def chosen_seeds() -> tuple[tuple[int, ...], int]:
    seed, count = os.environ.get("VSH_FUZZ_SEED"), os.environ.get("VSH_FUZZ_COUNT")
    seeds = (int(seed),) if seed else SEEDS
    return seeds, int(count) if count else COUNT


SPECS, SKIPPED = command_specs()


@pytest.fixture(scope="module")
def pools() -> gen.Pools:
    return connection_pools(SPECS)


def test_skip_list_is_explained() -> None:
    """Every skipped command has a reason, and none of virsh's groups is skipped whole."""
    assert all(SKIPPED.values())
    assert {s.name for s in SPECS}.isdisjoint(SKIPPED)
    assert {"console", "edit", "cd", "connect", "quit", "exit"} <= set(SKIPPED)
    assert "event" not in SKIPPED  # runs with a --timeout virsh refuses


def test_known_mismatches_are_explained() -> None:
    for line, reason in KNOWN_MISMATCHES:
        assert line.split()[0] in {s.name for s in SPECS}, line
        assert reason.strip(), line


@pytest.mark.parametrize("seed", chosen_seeds()[0])
def test_generated(seed: int, pools: gen.Pools, tmp_path: Path, generated_notes: list[str]) -> None:
    count = chosen_seeds()[1]
    cases = [gen.generate(seed, i, SPECS, pools) for i in range(count)]
    known = dict(KNOWN_MISMATCHES)
    with ThreadPoolExecutor(WORKERS) as pool:
        verdicts = list(pool.map(lambda c: check(c, tmp_path, known), cases))
    for v in verdicts:
        if v.kind == "unstable":
            generated_notes.append("virsh disagrees with itself (not counted):\n" + describe(v))
        elif v.kind == "known":
            generated_notes.append("known mismatch (KNOWN_MISMATCHES):\n" + describe(v))
    tally = {k: sum(v.kind == k for v in verdicts) for k in ("same", "known", "unstable")}
    generated_notes.append(
        f"seed {seed}: {count} cases, {tally['same']} identical, {tally['known']} known, "
        f"{tally['unstable']} where virsh disagrees with itself; "
        f"skipped commands: {', '.join(sorted(SKIPPED))}"
    )
    bad = [describe(v) for v in verdicts if v.kind == "mismatch"]
    assert not bad, f"{len(bad)} of {count} generated cases differ:\n\n" + "\n\n".join(bad)
