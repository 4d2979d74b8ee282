"""vsh against /usr/bin/virsh on the real daemon: storage (a ``dir`` pool under
the stack's scratch directory: vol-clone, vol-create-from, pool-edit,
pool-event, find-storage-pool-sources[-as]) and the node's memory, CPU map,
SEV and suspend commands.

Commands that create something run once through virsh and once through vsh,
on objects named ``...-virsh`` and ``...-vsh``; the two outcomes, and the
objects' vol-info / vol-dumpxml / pool-dumpxml afterwards, must agree once the
names (and what follows from them: paths, UUIDs, file times) are set aside.

Nothing here changes the host: node-memory-tune is only queried (or given
values it refuses to parse), allocpages only asked for a page size the host
does not have, and nodesuspend only given a bad target or duration or a
target the daemon refuses (verified: "argument unsupported: Suspend-to-RAM"),
always with a duration under libvirt's 60-second minimum as a second guard.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conformance import harness
from tests.conformance.harness import Outcome
from tests.real.util import TIMEOUT, needs, same
from tests.realstack.stack import Stack

pytestmark = pytest.mark.real

POOL = "vp"
TAGS = ("virsh", "vsh")
_TIMES = re.compile(r"\s*<timestamps>.*?</timestamps>", re.S)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _argv(stack: Stack, line: str) -> list[str]:
    return ["-c", stack.uri, line]


def _untagged(text: str, tag: str) -> str:
    """``text`` with the run's tag (``-virsh``/``-vsh``) made neutral."""
    return text.replace(f"-{tag}", "-TAG")


def pair(
    stack: Stack,
    template: str,
    *,
    normalise: Callable[[str], str] | None = None,
    env: dict[str, str] | None = None,
) -> tuple[Outcome, Outcome]:
    """Run ``template`` with {tag} = virsh through virsh and {tag} = vsh
    through vsh; both outcomes with the tags (and ``normalise``) applied."""
    runs = (harness.run_virsh, harness.run_vsh)
    got = []
    for tag, run in zip(TAGS, runs, strict=True):
        out = run(_argv(stack, template.format(tag=tag)), env=env, timeout=TIMEOUT)
        texts = [normalise(t) if normalise else t for t in (out.out, out.err)]
        got.append(Outcome(out.status, *(_untagged(t, tag) for t in texts)))
    return got[0], got[1]


def assert_pair(stack: Stack, template: str, **kw: object) -> Outcome:
    expected, actual = pair(stack, template, **kw)  # type: ignore[arg-type]
    assert actual.err == expected.err, template
    assert actual.out == expected.out, template
    assert actual.status == expected.status, template
    return actual


def _no_times(text: str) -> str:
    return _TIMES.sub("", text)


@pytest.fixture(scope="module")
def pool(real_stack: Stack) -> Iterator[Stack]:
    """A running dir pool "vp" under the scratch directory, with a raw and a
    qcow2 volume."""
    needs("vol-clone", "vol-create-from")
    target = real_stack.root / "pools" / POOL
    target.mkdir(parents=True, exist_ok=True)
    real_stack.virsh("pool-define-as", POOL, "dir", "--target", str(target))
    real_stack.virsh("pool-start", POOL)
    real_stack.virsh("vol-create-as", POOL, "base", "1M", "--format", "raw")
    real_stack.virsh("vol-create-as", POOL, "q", "1M", "--format", "qcow2")
    try:
        yield real_stack
    finally:
        real_stack.virsh("pool-destroy", POOL, check=False)
        real_stack.virsh("pool-undefine", POOL, check=False)


def _volumes_agree(stack: Stack, name: str) -> None:
    """vol-info and vol-dumpxml of ``name-virsh`` and ``name-vsh`` agree."""
    assert_pair(stack, f"vol-info {name}-{{tag}} --pool {POOL} --bytes")
    assert_pair(stack, f"vol-dumpxml {name}-{{tag}} --pool {POOL}", normalise=_no_times)


# -- vol-create-as, vol-clone, vol-create-from ----------------------------------------------


def test_vol_create_as_round_trip(pool: Stack) -> None:
    out = assert_pair(pool, f"vol-create-as {POOL} made-{{tag}} 2M --allocation 1M")
    assert out.out == "Vol made-TAG created\n\n"
    _volumes_agree(pool, "made")


def test_vol_clone_print_xml(pool: Stack) -> None:
    same(pool, f"vol-clone base copy --pool {POOL} --print-xml", normalise=_no_times)


def test_vol_clone_round_trip(pool: Stack) -> None:
    out = assert_pair(pool, f"vol-clone base clone-{{tag}} --pool {POOL}")
    assert out.out == "Vol clone-TAG cloned from base\n\n"
    _volumes_agree(pool, "clone")


def test_vol_clone_by_path_with_prealloc_metadata(pool: Stack) -> None:
    path = pool.root / "pools" / POOL / "q"
    out = assert_pair(pool, f"vol-clone {path} qclone-{{tag}} --prealloc-metadata")
    assert out.status == 0, out
    _volumes_agree(pool, "qclone")


@pytest.mark.parametrize(
    "line",
    [
        f"vol-clone base base --pool {POOL}",
        f"vol-clone nosuch x --pool {POOL}",
        "vol-clone base x --pool nosuch",
        f"vol-clone base '' --pool {POOL}",
    ],
)
def test_vol_clone_errors(pool: Stack, line: str) -> None:
    same(pool, line)


def test_vol_clone_reflink(pool: Stack) -> None:
    # Whatever the file system says to a reflink copy, both report it alike.
    assert_pair(pool, f"vol-clone base ref-{{tag}} --pool {POOL} --reflink")


def _volume_xml(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.xml"
    path.write_text(
        f"<volume><name>{name}</name><capacity>1048576</capacity>"
        "<target><format type='qcow2'/></target></volume>\n"
    )
    return path


def test_vol_create_from_round_trip(pool: Stack, tmp_path: Path) -> None:
    for tag in TAGS:
        _volume_xml(tmp_path, f"from-{tag}")
    line = f"vol-create-from {POOL} {tmp_path}/from-{{tag}}.xml base --inputpool {POOL}"
    out = assert_pair(pool, line)
    assert out.out == "Vol from-TAG created from input vol base\n\n"
    _volumes_agree(pool, "from")


def test_vol_create_from_by_path(pool: Stack, tmp_path: Path) -> None:
    for tag in TAGS:
        _volume_xml(tmp_path, f"fromp-{tag}")
    base = pool.root / "pools" / POOL / "base"
    line = f"vol-create-from {POOL} {tmp_path}/fromp-{{tag}}.xml {base}"
    assert assert_pair(pool, line).status == 0
    _volumes_agree(pool, "fromp")


@pytest.mark.parametrize(
    "line",
    [
        "vol-create-from {pool} {dir}/base.xml base --inputpool {pool}",
        "vol-create-from {pool} {dir}/missing.xml base --inputpool {pool}",
        "vol-create-from {pool} {dir}/bad.xml base --inputpool {pool}",
        "vol-create-from {pool} {dir}/base.xml nosuch --inputpool {pool}",
        "vol-create-from nosuch {dir}/base.xml base",
        "vol-create-from {pool} {dir}/new.xml base --inputpool {pool} --reflink --validate",
        # libvirt 9.0's storage driver refuses the validate flag here (virsh alike)
        "vol-create-from {pool} {dir}/base.xml {pool_dir}/base --validate",
    ],
)
def test_vol_create_from_errors(pool: Stack, tmp_path: Path, line: str) -> None:
    _volume_xml(tmp_path, "base")
    (tmp_path / "new.xml").write_text("<volume><name>n</name></volume>\n")
    (tmp_path / "bad.xml").write_text("<volume>\n")
    same(pool, line.format(pool=POOL, dir=tmp_path, pool_dir=pool.root / "pools" / POOL))


# -- pool-edit -------------------------------------------------------------------------------


def _editor(tmp_path: Path, body: str) -> dict[str, str]:
    script = tmp_path / "editor.sh"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return {"EDITOR": str(script), "VISUAL": str(script)}


def _edit_pools(stack: Stack) -> None:
    for tag in TAGS:
        target = stack.root / "pools" / f"ed-{tag}"
        target.mkdir(parents=True, exist_ok=True)
        stack.virsh("pool-define-as", f"ed-{tag}", "dir", "--target", str(target))


def _drop_edit_pools(stack: Stack) -> None:
    for tag in TAGS:
        stack.virsh("pool-undefine", f"ed-{tag}", check=False)


def _temp_and_uuid(text: str) -> str:
    return _UUID.sub("UUID", re.sub(r"virsh\w{6}\.xml", "virshXXXXXX.xml", text))


def test_pool_edit_round_trip(pool: Stack, tmp_path: Path) -> None:
    needs("pool-edit")
    _edit_pools(pool)
    try:
        env = _editor(tmp_path, 'sed -i "s|</path>|-edited</path>|" "$1"')
        out = assert_pair(pool, "pool-edit ed-{tag}", env=env, normalise=_temp_and_uuid)
        assert out.out == "Pool ed-TAG XML configuration edited.\n\n"
        assert_pair(pool, "pool-dumpxml ed-{tag} --inactive", normalise=_temp_and_uuid)
        dumped = pool.virsh("pool-dumpxml", "ed-virsh").stdout
        assert "ed-virsh-edited</path>" in dumped
    finally:
        _drop_edit_pools(pool)


@pytest.mark.parametrize(
    "body", ["true", 'echo garbage > "$1"', "exit 3"], ids=["unchanged", "garbage", "fails"]
)
def test_pool_edit_same(pool: Stack, tmp_path: Path, body: str) -> None:
    needs("pool-edit")
    env = _editor(tmp_path, body)
    line = f"pool-edit {POOL}; pool-dumpxml {POOL}"
    harness.assert_same(
        _argv(pool, line), env=env, normalise=lambda t: _no_times(_temp_and_uuid(t))
    )


# -- pool-event ------------------------------------------------------------------------------

_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: ", re.M)


def _watch(stack: Stack, program: list[str], args: str, actions: list[str]) -> Outcome:
    """pool-event ARGS in one process while another makes the changes."""
    proc = subprocess.Popen(
        [*program, "-c", stack.uri, f"pool-event {args}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=harness.base_env(),
    )
    try:
        time.sleep(5)  # connected and registered, even on a busy machine
        for action in actions:
            stack.virsh(*action.split())
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return Outcome(proc.returncode, _STAMP.sub("STAMP: ", out), err)


@pytest.fixture
def event_pool(pool: Stack) -> Iterator[Stack]:
    """An inactive dir pool "ev" (removed afterwards)."""
    target = pool.root / "pools" / "ev"
    target.mkdir(parents=True, exist_ok=True)
    pool.virsh("pool-define-as", "ev", "dir", "--target", str(target))
    try:
        yield pool
    finally:
        pool.virsh("pool-destroy", "ev", check=False)
        pool.virsh("pool-undefine", "ev", check=False)


REFRESH_VP = f"pool-refresh {POOL}"
# (pool-event's options, changes made meanwhile, events virsh reports)
EVENT_CASES = [
    ("--event lifecycle --loop --timeout 8", ["pool-start ev", "pool-destroy ev"], 2),
    ("--pool ev --event lifecycle --timestamp --timeout 20", ["pool-start ev"], 1),
    # another pool's events are filtered out
    ("--pool ev --event lifecycle --loop --timeout 8", [REFRESH_VP, "pool-start ev"], 1),
    ("--event refresh --timeout 20", ["pool-start ev", "pool-refresh ev"], 1),
    # the failed look-up is reported and every pool's events are waited for
    ("--pool nosuch --event lifecycle --loop --timeout 8", ["pool-start ev"], 1),
    (f"--pool {POOL} --event refresh --loop --timeout 6", [], 0),
]


@pytest.mark.parametrize(("args", "actions", "count"), EVENT_CASES)
def test_pool_event(event_pool: Stack, args: str, actions: list[str], count: int) -> None:
    needs("pool-event")
    expected = _watch(event_pool, [harness.VIRSH], args, actions)
    if "pool-start ev" in actions:  # back to an inactive "ev"
        event_pool.virsh("pool-destroy", "ev", check=False)
    actual = _watch(event_pool, harness.VSH, args, actions)
    assert actual == expected
    assert f"events received: {count}\n" in expected.out


# -- find-storage-pool-sources[-as] ----------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "find-storage-pool-sources-as dir",
        "find-storage-pool-sources-as fs",
        "find-storage-pool-sources-as logical",
        "find-storage-pool-sources-as netfs",
        "find-storage-pool-sources-as netfs --host ''",
        "find-storage-pool-sources-as bogus",
        "find-storage-pool-sources dir",
        "find-storage-pool-sources logical",
    ],
)
def test_find_sources(real_stack: Stack, line: str) -> None:
    needs("find-storage-pool-sources", "find-storage-pool-sources-as")
    same(real_stack, line)


def test_find_sources_netfs_spec_file(real_stack: Stack, tmp_path: Path) -> None:
    needs("find-storage-pool-sources")
    spec = tmp_path / "spec.xml"
    spec.write_text("<source><dir path='/x'/></source>\n")
    same(real_stack, f"find-storage-pool-sources netfs {spec}")


# -- node ------------------------------------------------------------------------------------

_KSM_COUNTERS = re.compile(
    r"^(\tshm_(?:pages_shared|pages_sharing|pages_unshared|pages_volatile|full_scans)\s+)\d+$",
    re.M,
)
_SMALL_PAGES = re.compile(r"^(4KiB: )\d+$", re.M)


@pytest.mark.parametrize(
    ("line", "normalise"),
    [
        ("nodecpumap", None),
        ("nodecpumap --pretty", None),
        # the KSM counters move on their own; the settings and the layout must agree
        ("node-memory-tune", lambda t: _KSM_COUNTERS.sub(r"\1N", t)),
        ("node-memory-tune --shm-pages-to-scan -1", None),
        ("node-memory-tune --shm-sleep-millisecs x", None),
        # free 4 KiB pages move all the time; the huge page counts and the layout do not
        ("freepages --all", lambda t: _SMALL_PAGES.sub(r"\1N", t)),
        ("freepages 0 2M", None),
        ("freepages 0 1G", None),
        ("freepages 0 3", None),
        ("freepages 0", None),
        # a page size the host does not have: refused before anything is allocated
        ("allocpages 3 1", None),
        ("allocpages 3 1 --all", None),
        ("allocpages 3 1 --cellno 0 --add", None),
        ("allocpages 3 x", None),
        ("nodesevinfo", None),
        # never a suspend: a bad target or duration, or a target the daemon refuses,
        # and a duration under libvirt's 60-second minimum in any case
        ("nodesuspend foo 60", None),
        ("nodesuspend mem -1", None),
        ("nodesuspend mem x", None),
        ("nodesuspend mem 30", None),
        ("nodesuspend disk 0", None),
        ("nodesuspend hybrid 1", None),
    ],
)
def test_node(real_stack: Stack, line: str, normalise: Callable[[str], str] | None) -> None:
    needs("nodecpumap", "node-memory-tune", "freepages", "allocpages", "nodesuspend")
    same(real_stack, line, normalise=normalise)


def test_node_json_agrees_with_virsh(real_stack: Stack) -> None:
    needs("nodecpumap", "node-memory-tune")
    text = real_stack.virsh("nodecpumap").stdout
    data = json.loads(harness.run_vsh(_argv(real_stack, "nodecpumap --json")).out)
    assert f"CPUs present:   {data['cpus_present']}\n" in text
    assert f"CPUs online:    {data['cpus_online']}\n" in text
    settings = json.loads(harness.run_vsh(_argv(real_stack, "node-memory-tune --json")).out)
    shown = real_stack.virsh("node-memory-tune").stdout
    for field in ("shm_pages_to_scan", "shm_sleep_millisecs", "shm_merge_across_nodes"):
        if field in settings:
            assert re.search(rf"^\t{field}\s+{settings[field]}$", shown, re.M), field


# -- --xpath on the dump commands the test driver lacks --------------------------------------

XPATHS = ["count(//x)", "string(/*/name)", "1=1", "1,2", "name", "/*/name"]


@pytest.fixture
def filter_and_secret(real_stack: Stack, tmp_path: Path) -> Iterator[tuple[Stack, str]]:
    """An nwfilter "xp-filter" and a secret (its UUID), removed afterwards."""
    nwfilter = tmp_path / "filter.xml"
    nwfilter.write_text(
        "<filter name='xp-filter' chain='root'><rule action='accept' "
        "direction='in'><all/></rule></filter>\n"
    )
    secret = tmp_path / "secret.xml"
    uuid = "5c6b9e2e-2a8b-4d35-9d3a-6f0f3b1c2a11"
    secret.write_text(
        f"<secret ephemeral='no' private='yes'><uuid>{uuid}</uuid>"
        "<usage type='volume'><volume>/x.img</volume></usage></secret>\n"
    )
    real_stack.virsh("nwfilter-define", str(nwfilter))
    real_stack.virsh("secret-define", str(secret))
    try:
        yield real_stack, uuid
    finally:
        real_stack.virsh("nwfilter-undefine", "xp-filter", check=False)
        real_stack.virsh("secret-undefine", uuid, check=False)


@pytest.mark.parametrize("dump", ["nwfilter-dumpxml xp-filter", "secret-dumpxml {uuid}"])
def test_xpath_results(filter_and_secret: tuple[Stack, str], dump: str) -> None:
    stack, uuid = filter_and_secret
    dump = dump.format(uuid=uuid)
    needs(dump.split()[0])
    lines = [f'{dump} --xpath "{e}"{w}' for e in XPATHS for w in ("", " --wrap")]
    same(stack, "; ".join(lines))
