"""vsh.snapshots.redefine: planning (all problems at once), rewriting, execution and rollback."""

from __future__ import annotations

import io
import random
import xml.etree.ElementTree as ET

import pytest

from vsh.snapshots import bundle, redefine
from vsh.snapshots.bundle import BundleWriter, FileSource, scan
from vsh.snapshots.redefine import Options, TargetError, TargetInfo, execute, make_plan, rewrite_xml

UUID = "c7a13230-338b-57c9-a63d-0936973c9380"
OTHER_UUID = "11111111-2222-3333-4444-555555555555"


def snap_xml(
    name: str,
    parent: str | None = None,
    *,
    state: str = "running",
    uuid: str | None = UUID,
    domain: bool = True,
    disk: str = "/var/lib/libvirt/images/dom0.qcow2",
) -> str:
    esc = lambda v: bundle.xml_attr(v)[1:-1]  # noqa: E731
    out = f"<domainsnapshot>\n  <name>{esc(name)}</name>\n  <state>{state}</state>\n"
    if parent is not None:
        out += f"  <parent>\n    <name>{esc(parent)}</name>\n  </parent>\n"
    out += "  <creationTime>1700000000</creationTime>\n"
    if state == "disk-snapshot":
        out += (
            "  <memory snapshot='no'/>\n  <disks>\n"
            "    <disk name='vda' snapshot='external' type='file'>\n"
            f"      <source file='{disk}.{esc(name)}'/>\n    </disk>\n  </disks>\n"
        )
    if domain:
        out += "  <domain type='test'>\n    <name>dom0</name>\n"
        if uuid is not None:
            out += f"    <uuid>{uuid}</uuid>\n"
        out += (
            "    <devices>\n      <disk type='file' device='disk'>\n"
            f"        <source file='{disk}'/>\n"
            "        <target dev='vda' bus='virtio'/>\n      </disk>\n    </devices>\n"
            "  </domain>\n"
        )
    return out + "</domainsnapshot>\n"


class Files:
    """Writes bundles and single files into a temporary directory and scans them."""

    def __init__(self, tmp_path) -> None:
        self.dir = tmp_path
        self.n = 0

    def bundle(self, xmls, *, current=None, uuid=UUID, domain="dom0", name=None) -> bundle.Document:
        self.n += 1
        path = self.dir / (name or f"b{self.n}.xml")
        out = io.StringIO()
        w = BundleWriter(
            out.write, domain=domain, uuid=uuid, current=current, count=len(xmls), secure=False
        )
        w.begin()
        for x in xmls:
            w.add(x)
        w.end()
        path.write_text(out.getvalue())
        return scan(FileSource(str(path)))

    def single(self, xml: str) -> bundle.Document:
        self.n += 1
        path = self.dir / f"s{self.n}.xml"
        path.write_text(xml)
        return scan(FileSource(str(path)))


@pytest.fixture
def files(tmp_path) -> Files:
    return Files(tmp_path)


def target(existing=None, current=None) -> TargetInfo:
    return TargetInfo("dom0", UUID, dict(existing or {}), current)


def kinds(plan: redefine.Plan) -> list[str]:
    return [p.kind for p in plan.problems]


CHAIN = [("s0", None), ("s1", "s0"), ("s2", "s1"), ("s3", "s1"), ("s4", "s3")]


# ---------------------------------------------------------------------------
# planning
# ---------------------------------------------------------------------------


def test_plan_orders_shuffled_single_files_parents_first(files) -> None:
    names = [f"snap-{i}" for i in range(40)]
    rng = random.Random(3)
    parents = {n: (names[rng.randrange(i)] if i else None) for i, n in enumerate(names)}
    order = names[:]
    rng.shuffle(order)
    docs = [files.single(snap_xml(n, parents[n])) for n in order]
    plan = make_plan(docs, target(), Options())
    assert plan.ok, plan.problems
    seen: set[str] = set()
    for step in plan.steps:
        assert step.parent is None or step.parent in seen
        seen.add(step.name)
    assert seen == set(names)
    assert plan.current is None and plan.current_from is None


def test_snap10_before_snap7_like_ls(files) -> None:
    """The OpenNebula case: ``ls`` order puts snap-10 before its parent snap-7."""
    chain = [f"snap-{i}" for i in range(12)]
    docs = [files.single(snap_xml(n, chain[i - 1] if i else None)) for i, n in enumerate(chain)]
    docs.sort(key=lambda d: d.records[0].name)  # snap-0, snap-1, snap-10, snap-11, snap-2 ...
    plan = make_plan(docs, target(), Options())
    assert [s.name for s in plan.steps] == chain


def test_all_problems_in_one_report(files) -> None:
    docs = [
        files.bundle(
            [
                snap_xml("a"),
                snap_xml("a"),  # duplicate
                snap_xml("orphan", "ghost"),  # missing parent
                snap_xml("c1", "c2"),
                snap_xml("c2", "c1"),  # cycle
                snap_xml("stranger", "a", uuid=OTHER_UUID),  # wrong embedded UUID
                snap_xml("nodom", "a", domain=False),  # no embedded domain
                snap_xml("old", "a"),  # exists
            ],
            current="nowhere",  # unknown current
        ),
        files.bundle([snap_xml("x")], uuid=OTHER_UUID, domain="web"),  # other domain
    ]
    plan = make_plan(docs, target({"old": None}), Options(), ["f.xml: cannot open: Nope"])
    assert not plan.ok
    assert sorted(kinds(plan)) == sorted(
        [
            "input",
            "domain",
            "duplicate",
            "cycle",
            "missing-parent",
            "exists",
            "uuid",
            "no-domain",
            "current",
        ]
    )
    text = "\n".join(p.message for p in plan.problems)
    assert "parent 'ghost' of snapshot 'orphan' is neither in the input nor defined" in text
    assert "'c1' -> 'c2' -> 'c1'" in text or "'c2' -> 'c1' -> 'c2'" in text
    assert "bundle of domain 'web'" in text
    assert "--adopt" in text


def test_skip_existing_requires_the_same_parent(files) -> None:
    docs = [files.bundle([snap_xml(n, p) for n, p in CHAIN], current="s4")]
    existing = {"s0": None, "s1": "s0", "s3": "s0"}  # s3 has another parent here
    plan = make_plan(docs, target(existing), Options(skip_existing=True))
    assert kinds(plan) == ["parent-differs"]
    assert "'s3' already exists with parent 's0', but the input gives it parent 's1'" in (
        plan.problems[0].message
    )
    existing["s3"] = "s1"
    plan = make_plan(docs, target(existing), Options(skip_existing=True))
    assert plan.ok
    assert [(s.name, s.action) for s in plan.steps] == [
        ("s0", "skip"),
        ("s1", "skip"),
        ("s2", "define"),
        ("s3", "skip"),
        ("s4", "define"),
    ]


def test_existing_names_without_skip_are_aggregated(files) -> None:
    docs = [files.bundle([snap_xml(f"s{i}") for i in range(30)])]
    plan = make_plan(docs, target({f"s{i}": None for i in range(30)}), Options())
    assert kinds(plan) == ["exists"]
    assert "30 snapshots already defined" in plan.problems[0].message
    assert "and 20 more" in plan.problems[0].message
    assert len(plan.problems[0].names) == 30


def test_parent_may_already_exist(files) -> None:
    plan = make_plan([files.single(snap_xml("child", "base"))], target({"base": None}), Options())
    assert plan.ok and [s.name for s in plan.steps] == ["child"]


def test_adopt_waives_uuid_checks(files) -> None:
    docs = [files.bundle([snap_xml("a", uuid=OTHER_UUID)], uuid=OTHER_UUID, domain="old")]
    assert sorted(kinds(make_plan(docs, target(), Options()))) == ["domain", "uuid"]
    assert make_plan(docs, target(), Options(adopt=True)).ok


def test_uuid_comparison_ignores_case_and_dashes(files) -> None:
    doc = files.single(snap_xml("a", uuid=UUID.upper().replace("-", "")))
    assert make_plan([doc], target(), Options()).ok


def test_current_sources(files) -> None:
    b1 = files.bundle([snap_xml("a"), snap_xml("b", "a")], current="b")
    plan = make_plan([b1], target(), Options())
    assert (plan.current, plan.current_from) == ("b", "bundle")
    plan = make_plan([b1], target(), Options(current="a"))
    assert (plan.current, plan.current_from) == ("a", "option")
    plan = make_plan([b1], target({"z": None}), Options(current="z"))
    assert plan.ok and plan.current == "z"  # an existing snapshot may be chosen
    plan = make_plan([b1], target(), Options(current="nope"))
    assert kinds(plan) == ["current"]
    b2 = files.bundle([snap_xml("c")], current="c")
    plan = make_plan([b1, b2], target(), Options())
    assert kinds(plan) == ["current"] and "--current" in plan.problems[0].message
    assert make_plan([b1, b2], target(), Options(current="c")).ok


def test_record_problems_and_empty_input(tmp_path, files) -> None:
    assert kinds(make_plan([], target(), Options())) == ["empty"]
    path = tmp_path / "x.xml"
    path.write_text("<snapshots><domainsnapshot><name>n</name></domainsnapshot></snapshots>")
    plan = make_plan([scan(FileSource(str(path)))], target(), Options())
    assert kinds(plan) == ["record", "record", "no-domain"]


def test_plan_json_shape(files) -> None:
    plan = make_plan([files.bundle([snap_xml("a")], current="a")], target(), Options())
    data = plan.to_dict()
    assert data["ok"] and data["define"] == 1 and data["current"] == "a"
    assert data["steps"][0]["name"] == "a" and data["steps"][0]["action"] == "define"


# ---------------------------------------------------------------------------
# rewriting
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/var/lib/libvirt/images/a.qcow2", "/srv/img/a.qcow2"),
        ("/var/lib/libvirt/images", "/srv/img"),
        ("/var/lib/libvirt/images2/a.qcow2", "/var/lib/libvirt/images2/a.qcow2"),
        ("/var/lib/libvirt/images/deep/b.raw", "/fast/b.raw"),
        ("/other/x", "/other/x"),
        ("relative/x", "relative/x"),
    ],
)
def test_map_path_matches_whole_components_longest_first(path: str, expected: str) -> None:
    maps = [("/var/lib/libvirt/images/", "/srv/img"), ("/var/lib/libvirt/images/deep", "/fast")]
    assert redefine.map_path(path, maps) == expected


def test_map_path_root() -> None:
    assert redefine.map_path("/a/b", [("/", "/mnt/old")]) == "/mnt/old/a/b"


@pytest.mark.parametrize("bad", ["noequals", "=/x", "/x=", "rel=/x", "/x=rel"])
def test_parse_map_path_errors(bad: str) -> None:
    with pytest.raises(ValueError):
        redefine.parse_map_path(bad)


def test_parse_map_path_splits_at_first_equals() -> None:
    assert redefine.parse_map_path("/old=/new=dir") == ("/old", "/new=dir")


def test_rewrite_paths_everywhere_they_belong() -> None:
    xml = (
        "<domainsnapshot xmlns:q='urn:q'>\n  <name>s</name>\n"
        "  <memory snapshot='external' file='/old/mem.save'/>\n"
        "  <disks>\n    <disk name='vda' snapshot='external' type='file'>\n"
        "      <source file='/old/vda.overlay'/>\n    </disk>\n"
        "    <disk name='vdb' type='block'><source dev='/old/dev'/></disk>\n  </disks>\n"
        "  <domain type='kvm'>\n    <name>d</name>\n    <os><loader>/old/OVMF.fd</loader></os>\n"
        "    <devices>\n      <disk type='file' device='disk'>\n"
        "        <source file='/old/vda.qcow2'/>\n"
        "        <backingStore type='file'><source file='/old/base.qcow2'/></backingStore>\n"
        "      </disk>\n      <q:thing q:path='/old/keep'/>\n    </devices>\n  </domain>\n"
        "</domainsnapshot>\n"
    )
    out = rewrite_xml(xml, map_paths=[("/old", "/new")])
    root = ET.fromstring(out)
    assert root.find("memory").get("file") == "/new/mem.save"
    assert [d.find("source").attrib for d in root.findall("disks/disk")] == [
        {"file": "/new/vda.overlay"},
        {"dev": "/new/dev"},
    ]
    assert root.find("domain/devices/disk/source").get("file") == "/new/vda.qcow2"
    assert root.find("domain/devices/disk/backingStore/source").get("file") == "/new/base.qcow2"
    assert root.find("domain/os/loader").text == "/old/OVMF.fd"  # not a disk source
    assert '<q:thing q:path="/old/keep"/>' in out  # prefixes survive
    assert out.endswith("</domainsnapshot>\n")


def test_rewrite_without_changes_returns_the_input_verbatim() -> None:
    xml = snap_xml("s")
    assert rewrite_xml(xml) is xml
    assert rewrite_xml(xml, map_paths=[("/nowhere", "/x")]) is xml
    assert rewrite_xml(xml, adopt=("dom0", UUID)) is xml


def test_adopt_rewrites_name_and_uuid() -> None:
    out = rewrite_xml(snap_xml("s", uuid=OTHER_UUID), adopt=("clone", UUID))
    root = ET.fromstring(out)
    assert root.find("domain/name").text == "clone"
    assert root.find("domain/uuid").text == UUID
    assert root.find("name").text == "s"  # the snapshot's own name is kept
    out = rewrite_xml(snap_xml("s", uuid=None), adopt=("clone", UUID))
    assert [c.tag for c in ET.fromstring(out).find("domain")][:2] == ["name", "uuid"]


def test_adopt_and_map_path_reach_the_inactive_domain_too() -> None:
    """A running guest's snapshot also holds its persistent definition
    (``<inactiveDomain>``, which a revert restores): it is renamed and
    re-pathed like the embedded domain."""
    xml = snap_xml("s", uuid=OTHER_UUID).replace(
        "</domainsnapshot>",
        f"<inactiveDomain type='kvm'><name>dom0</name><uuid>{OTHER_UUID}</uuid>"
        "<devices><disk type='file' device='disk'><source file='/old/a.qcow2'/>"
        "</disk></devices></inactiveDomain>\n</domainsnapshot>",
    )
    out = rewrite_xml(xml, adopt=("clone", UUID), map_paths=[("/old", "/new")])
    inactive = ET.fromstring(out).find("inactiveDomain")
    assert inactive.find("name").text == "clone"
    assert inactive.find("uuid").text == UUID
    assert inactive.find("devices/disk/source").get("file") == "/new/a.qcow2"


def test_rewrite_refuses_dtds() -> None:
    with pytest.raises(Exception, match="DTD"):
        rewrite_xml("<!DOCTYPE x><domainsnapshot/>", adopt=("a", UUID))


# ---------------------------------------------------------------------------
# execution
# ---------------------------------------------------------------------------


class FakeTarget:
    """A domain's snapshot metadata, with libvirt's redefine rules and fault injection."""

    def __init__(self, existing=None, current=None) -> None:
        self.snaps: dict[str, str | None] = dict(existing or {})
        self.xml: dict[str, str] = {}
        self.current = current
        self.log: list[tuple] = []
        self.fail_define: dict[int, TargetError] = {}  # call number -> error
        self.interrupt_after: int | None = None  # define N, then Ctrl-C
        self.fail_remove: dict[str, TargetError] = {}
        self.appear: dict[str, str] = {}  # name made to exist just before it is sent
        self.defines = 0

    def exists(self, name: str) -> bool:
        if name in self.appear:
            self.snaps[name] = self.appear.pop(name)
        return name in self.snaps

    def define(self, xml: str, *, disk_only: bool, current: bool) -> None:
        self.defines += 1
        root = ET.fromstring(xml)
        name = root.findtext("name")
        parent = root.findtext("parent/name")
        self.log.append(("define", name, disk_only, current))
        if self.defines in self.fail_define:
            raise self.fail_define[self.defines]
        if parent is not None and parent not in self.snaps:
            raise TargetError(f"invalid argument: parent {parent} for moment {name} not found")
        if disk_only and root.findtext("state") != "disk-snapshot":
            raise TargetError("disk-only flag requires disk-snapshot state")
        self.snaps[name] = parent
        self.xml[name] = xml
        if current:
            self.current = name
        if self.interrupt_after == self.defines:
            raise KeyboardInterrupt

    def has_children(self, name: str) -> bool:
        return any(p == name for p in self.snaps.values())

    def remove(self, name: str) -> None:
        self.log.append(("remove", name))
        if name in self.fail_remove:
            raise self.fail_remove[name]
        assert name in self.snaps
        assert not [c for c, p in self.snaps.items() if p == name], f"{name} has children"
        del self.snaps[name]
        if self.current == name:
            self.current = None

    def server_xml(self, name: str) -> str:
        self.log.append(("server_xml", name))
        return self.xml.get(name) or snap_xml(name, self.snaps[name])


def plan_for(files, fake: FakeTarget, specs, *, current=None, **options) -> redefine.Plan:
    xmls = [snap_xml(n, p, state=st) for n, p, st in specs]
    docs = [files.bundle(xmls, current=current)]
    plan = make_plan(
        docs, TargetInfo("dom0", UUID, dict(fake.snaps), fake.current), Options(**options)
    )
    assert plan.ok, plan.problems
    return plan


TREE = [
    ("r", None, "running"),
    ("a", "r", "shutoff"),
    ("b", "r", "disk-snapshot"),
    ("a1", "a", "running"),
    ("a2", "a", "running"),
    ("b1", "b", "disk-snapshot"),
]


def test_execute_defines_parents_first_and_current_last(files) -> None:
    fake = FakeTarget()
    progress: list[tuple[int, int, str]] = []
    plan = plan_for(files, fake, TREE, current="a1")
    out = execute(plan, fake, lambda *a: progress.append(a))
    assert out.ok and out.current_set == "a1"
    assert fake.snaps == {n: p for n, p, _ in TREE}
    assert fake.current == "a1"
    defines = [e for e in fake.log if e[0] == "define"]
    assert [e[1] for e in defines] == ["r", "a", "b", "a1", "a2", "b1", "a1"]
    assert [e[3] for e in defines] == [False] * 6 + [True]
    assert {e[1]: e[2] for e in defines[:6]} == {
        "r": False, "a": False, "b": True, "a1": False, "a2": False, "b1": True,
    }  # fmt: skip
    assert progress[-1] == (7, 7, "a1") and len(progress) == 7
    assert out.to_dict()["ok"] is True


@pytest.mark.parametrize("k", [1, 3, 6, 7])
def test_failure_rolls_back_exactly_what_was_defined(files, k) -> None:
    fake = FakeTarget({"old": None}, current="old")
    specs = [*TREE[:1], ("x", "old", "running"), *TREE[1:]]
    plan = plan_for(files, fake, specs, current="b1")
    fake.fail_define[k] = TargetError("internal error: injected")
    out = execute(plan, fake)
    assert not out.ok and out.error == "internal error: injected"
    assert fake.snaps == {"old": None}  # exactly the state before the run
    assert fake.current == "old"
    removed = [e[1] for e in fake.log if e[0] == "remove"]
    assert removed == list(reversed(out.defined)) == out.rolled_back
    assert len(removed) == k - 1
    assert out.kept == [] and not out.fatal and not out.interrupted


def test_failure_while_marking_current_rolls_everything_back(files) -> None:
    fake = FakeTarget()
    plan = plan_for(files, fake, TREE, current="a2")
    fake.fail_define[7] = TargetError("boom")
    out = execute(plan, fake)
    assert out.failed_at == "current:a2"
    assert fake.snaps == {} and len(out.rolled_back) == 6


def test_rollback_failure_keeps_ancestors_and_continues(files) -> None:
    fake = FakeTarget()
    plan = plan_for(files, fake, TREE)
    fake.fail_define[6] = TargetError("boom")  # b1 fails; r a b a1 a2 defined
    fake.fail_remove["a1"] = TargetError("cannot delete a1")
    out = execute(plan, fake)
    assert out.rollback_errors == [("a1", "cannot delete a1")]
    # a1's ancestors a and r stay (deleting them would re-parent a1); b and a2 go.
    assert sorted(fake.snaps) == ["a", "a1", "r"]
    assert sorted(out.kept) == ["a", "a1", "r"]
    assert ("remove", "a") not in fake.log and ("remove", "r") not in fake.log


def test_connection_loss_is_not_rolled_back(files) -> None:
    fake = FakeTarget()
    plan = plan_for(files, fake, TREE)
    fake.fail_define[4] = TargetError("End of file while reading data", fatal=True)
    out = execute(plan, fake)
    assert out.fatal and out.in_doubt == "a1"
    assert out.defined == ["r", "a", "b"] and out.kept == ["r", "a", "b"]
    assert not [e for e in fake.log if e[0] == "remove"]
    # A rerun with --skip-existing completes the job.
    plan = make_plan(
        [files.bundle([snap_xml(n, p, state=s) for n, p, s in TREE])],
        TargetInfo("dom0", UUID, dict(fake.snaps)),
        Options(skip_existing=True),
    )
    assert [s.action for s in plan.steps].count("skip") == 3
    fake.fail_define.clear()
    assert execute(plan, fake).ok
    assert fake.snaps == {n: p for n, p, _ in TREE}


def test_ctrl_c_after_a_define_rolls_back_the_in_flight_one(files) -> None:
    """SIGINT arriving while libvirt defines: the snapshot exists but was not recorded."""
    fake = FakeTarget()
    plan = plan_for(files, fake, TREE, current="r")
    fake.interrupt_after = 3
    out = execute(plan, fake)
    assert out.interrupted and not out.ok
    assert out.defined == ["r", "a", "b"]  # "b" found by the in-flight check
    assert fake.snaps == {}
    assert out.rolled_back == ["b", "a", "r"]


def test_no_rollback_keeps_what_was_defined(files) -> None:
    fake = FakeTarget()
    plan = plan_for(files, fake, TREE, no_rollback=True)
    fake.fail_define[3] = TargetError("boom")
    out = execute(plan, fake)
    assert out.kept == ["r", "a"] and sorted(fake.snaps) == ["a", "r"]
    assert not out.rollback_attempted


def test_snapshot_appearing_meanwhile_is_a_failure(files) -> None:
    fake = FakeTarget()
    plan = plan_for(files, fake, TREE)
    fake.appear["a"] = "r"  # another client defines "a" during the run
    out = execute(plan, fake)
    assert out.failed_at == "a" and "appeared on the domain" in out.error
    # "r" is ours but now has a child that is not: deleting it would re-parent "a".
    assert fake.snaps == {"r": None, "a": "r"}
    assert not [e for e in fake.log if e[0] == "remove"]
    assert out.kept == ["r"]
    assert out.rollback_errors == [("r", "it now has child snapshots this run did not define")]


def test_current_on_a_skipped_snapshot_uses_the_servers_xml(files) -> None:
    fake = FakeTarget({"r": None})
    plan = plan_for(files, fake, TREE[:2], current="r", skip_existing=True)
    out = execute(plan, fake)
    assert out.ok and out.skipped == ["r"] and out.defined == ["a"]
    assert ("server_xml", "r") in fake.log and fake.current == "r"


def test_input_changing_mid_run_is_rolled_back(files, tmp_path) -> None:
    fake = FakeTarget()
    plan = plan_for(files, fake, TREE)
    path = plan.steps[0].record.source.path
    with open(path, "r+") as f:
        text = f.read()
        f.seek(0)
        f.write(text.replace("<name>a2</name>", "<name>zz</name>"))
    out = execute(plan, fake)
    assert "changed while vsh was reading" in out.error
    assert fake.snaps == {}


def test_execute_refuses_plans_with_problems(files) -> None:
    plan = make_plan([], target(), Options())
    with pytest.raises(ValueError):
        execute(plan, FakeTarget())


def test_adopt_and_map_path_reach_the_target(files) -> None:
    fake = FakeTarget()
    xml = snap_xml("a", uuid=OTHER_UUID, state="disk-snapshot")
    docs = [files.bundle([xml], uuid=OTHER_UUID, domain="old")]
    plan = make_plan(
        docs,
        TargetInfo("dom0", UUID, {}),
        Options(adopt=True, map_paths=[("/var/lib/libvirt/images", "/srv")]),
    )
    assert execute(plan, fake).ok
    root = ET.fromstring(fake.xml["a"])
    assert root.findtext("domain/uuid") == UUID
    assert root.find("disks/disk/source").get("file") == "/srv/dom0.qcow2.a"
    assert root.find("domain/devices/disk/source").get("file") == "/srv/dom0.qcow2"
