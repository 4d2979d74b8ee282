"""vsh.commands.domain.migration: the values the migration tuning commands
print, from a fake domain (the test driver implements none of these calls).
Expected lines follow virsh's formats: "%llu\\n" (getmaxdowntime), "%lu\\n"
(getspeed) and "Compression cache: %.3lf %s" with vshPrettyCapacity's
1024-based units and no newline."""

from __future__ import annotations

import json
import threading
from typing import Any

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from vsh.commands.domain import migration
from vsh.core.jsonshape import problems
from vsh.virt import typedcall

POSTCOPY = libvirt.VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY


def _session(**dom_methods: Any) -> tuple[Any, Fake]:
    dom = Fake(**dom_methods)
    conn = Fake(lookupByName=dom, lookupByUUIDString=lv_error(42), lookupByID=lv_error(42))
    return session_with(conn), dom


def test_getmaxdowntime_prints_milliseconds() -> None:
    s, dom = _session(migrateGetMaxDowntime=300)
    assert run_script(s, "migrate-getmaxdowntime d")
    assert output(s) == ("300\n\n", "")
    assert dom.called("migrateGetMaxDowntime") == [(0,)]


def test_getmaxdowntime_json() -> None:
    s, _dom = _session(migrateGetMaxDowntime=2**64 - 1)
    assert run_script(s, "migrate-getmaxdowntime d --json")
    document = json.loads(output(s)[0])
    assert document == {"downtime": 2**64 - 1}
    assert problems(migration.MAXDOWNTIME_JSON, document) == []


def test_setmaxdowntime_passes_the_value() -> None:
    s, dom = _session(migrateSetMaxDowntime=0)
    assert run_script(
        s, "migrate-setmaxdowntime d 250; migrate-setmaxdowntime d 18446744073709551615"
    )
    assert output(s) == ("\n\n", "")
    # the binding reads a signed C long long: the top value travels as its bits (-1)
    assert dom.called("migrateSetMaxDowntime") == [(250, 0), (-1, 0)]


def test_setmaxdowntime_refuses_zero_before_calling() -> None:
    s, dom = _session(migrateSetMaxDowntime=0)
    assert not run_script(s, "migrate-setmaxdowntime d 0")
    assert output(s) == ("\n", "error: migrate: Invalid downtime\n")
    assert dom.called("migrateSetMaxDowntime") == []


@pytest.mark.parametrize(
    ("size", "line"),
    [
        (0, "Compression cache: 0.000 B"),
        (1023, "Compression cache: 1023.000 B"),
        (64 * 1024**2, "Compression cache: 64.000 MiB"),
        (1536 * 1024**2, "Compression cache: 1.500 GiB"),
        (1000000, "Compression cache: 976.562 KiB"),
    ],
)
def test_compcache_line_has_virsh_units_and_no_newline(size: int, line: str) -> None:
    s, dom = _session(migrateGetCompressionCache=size)
    assert run_script(s, "migrate-compcache d")
    # the runner's "\n" after each command of a script is all that ends the line
    assert output(s) == (line + "\n", "")
    assert dom.called("migrateGetCompressionCache") == [(0,)]


def test_compcache_sets_then_reads_back() -> None:
    s, dom = _session(migrateSetCompressionCache=0, migrateGetCompressionCache=4096)
    assert run_script(s, "migrate-compcache d --size 4096")
    assert output(s) == ("Compression cache: 4.000 KiB\n", "")
    assert [name for name, _args in dom.calls] == [
        "migrateSetCompressionCache",
        "migrateGetCompressionCache",
    ]
    assert dom.called("migrateSetCompressionCache") == [(4096, 0)]


def test_compcache_set_failure_skips_the_read() -> None:
    failure = lv_error(libvirt.VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: x")
    s, dom = _session(migrateSetCompressionCache=failure, migrateGetCompressionCache=1)
    assert not run_script(s, "migrate-compcache d --size 5")
    assert output(s) == ("\n", "error: Requested operation is not valid: x\n")
    assert dom.called("migrateGetCompressionCache") == []


def test_compcache_json() -> None:
    s, _dom = _session(migrateGetCompressionCache=1536 * 1024**2)
    assert run_script(s, "migrate-compcache d --json")
    document = json.loads(output(s)[0])
    assert document == {"bytes": 1536 * 1024**2, "size": 1.5, "unit": "GiB"}
    assert problems(migration.COMPCACHE_JSON, document) == []


def test_getspeed_and_postcopy_flag() -> None:
    s, dom = _session(migrateGetMaxSpeed=8796093022207)
    assert run_script(s, "migrate-getspeed d; migrate-getspeed d --postcopy")
    assert output(s) == ("8796093022207\n\n8796093022207\n\n", "")
    assert dom.called("migrateGetMaxSpeed") == [(0,), (POSTCOPY,)]


def test_getspeed_json() -> None:
    s, _dom = _session(migrateGetMaxSpeed=100)
    assert run_script(s, "migrate-getspeed d --postcopy --json")
    document = json.loads(output(s)[0])
    assert document == {"bandwidth": 100}
    assert problems(migration.MAXSPEED_JSON, document) == []


def test_setspeed_wraps_negative_and_sets_postcopy() -> None:
    s, dom = _session(migrateSetMaxSpeed=0)
    assert run_script(s, "migrate-setspeed d 100; migrate-setspeed d -1 --postcopy")
    assert output(s) == ("\n\n", "")
    # '-1' is ULONG_MAX for virsh; the binding's signed long carries the same bits
    assert dom.called("migrateSetMaxSpeed") == [(100, 0), (-1, POSTCOPY)]


def test_postcopy_switch() -> None:
    s, dom = _session(migrateStartPostCopy=0)
    assert run_script(s, "migrate-postcopy d")
    assert output(s) == ("\n", "")
    assert dom.called("migrateStartPostCopy") == [(0,)]


# ---------------------------------------------------------------------------
# migrate: the typed parameters, flags and API choice, with the migration
# calls replaced (the test driver migrates nothing; real migrations are in
# tests/real/test_migration.py)

P = typedcall.Param
S, N, U = typedcall.STRING, typedcall.INT, typedcall.ULLONG


class Calls:
    """What migrate handed to libvirt: (api, destination, params, flags)."""

    def __init__(self) -> None:
        self.made: list[tuple[str, Any, list[typedcall.Param], int]] = []
        self.opened: list[tuple[str | None, bool]] = []
        self.dconn = Fake(close=0)
        self.during: Any = None  # called inside the migration call, if set


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    seen = Calls()

    def migrate3(dom: Any, dconn: Any, params: list[typedcall.Param], flags: int) -> None:
        seen.made.append(("virDomainMigrate3", dconn, params, flags))
        if seen.during is not None:
            seen.during()

    def to_uri3(dom: Any, uri: str, params: list[typedcall.Param], flags: int) -> None:
        seen.made.append(("virDomainMigrateToURI3", uri, params, flags))
        if seen.during is not None:
            seen.during()

    def open_connection(s: Any, uri: str | None, readonly: bool, opened: Any = None) -> Any:
        seen.opened.append((uri, readonly))
        return seen.dconn

    monkeypatch.setattr(migration.typedcall, "migrate3", migrate3)
    monkeypatch.setattr(migration.typedcall, "migrate_to_uri3", to_uri3)
    monkeypatch.setattr(migration, "open_connection", open_connection)
    return seen


def _migrating(**dom_methods: Any) -> tuple[Any, Fake, Fake]:
    dom = Fake(jobInfo=[0] * 12, **dom_methods)
    conn = Fake(lookupByName=dom, lookupByUUIDString=lv_error(42), lookupByID=lv_error(42))
    return session_with(conn), dom, conn


def test_migrate_params_in_virshs_order_with_their_types(calls: Calls, tmp_path: Any) -> None:
    xml, pxml = tmp_path / "d.xml", tmp_path / "p.xml"
    xml.write_text("<domain/>\n")
    pxml.write_text("<persistent/>")
    s, _dom, _conn = _migrating()
    line = (
        "migrate d qemu+ssh://h/system --tls-destination td --bandwidth 5 --parallel-connections 3"
        " --postcopy-bandwidth 7 --auto-converge-increment 2 --auto-converge-initial 1"
        f" --persistent-xml {pxml} --xml {xml} --comp-xbzrle-cache 0 --comp-mt-dthreads 0"
        " --comp-mt-threads -1 --comp-mt-level 9 --comp-methods mt,xbzrle --migrate-disks vda,,vdb"
        " --dname n --disks-uri du --disks-port 49152 --listen-address la --graphicsuri gu"
        " --migrateuri tcp://127.0.0.1 --persistent --tls"
    )
    assert run_script(s, line)
    assert output(s) == ("\n", "")
    [(api, dconn, params, flags)] = calls.made
    assert (api, dconn) == ("virDomainMigrate3", calls.dconn)
    assert params == [
        P("migrate_uri", S, "tcp://127.0.0.1"),
        P("graphics_uri", S, "gu"),
        P("listen_address", S, "la"),
        P("disks_port", N, 49152),
        P("disks_uri", S, "du"),
        P("destination_name", S, "n"),
        P("migrate_disks", S, "vda"),  # g_strsplit: every comma splits
        P("migrate_disks", S, ""),
        P("migrate_disks", S, "vdb"),
        P("compression", S, "mt"),
        P("compression", S, "xbzrle"),
        P("compression.mt.level", N, 9),
        P("compression.mt.threads", N, -1),
        P("compression.mt.dthreads", N, 0),  # given: sent, even 0
        P("compression.xbzrle.cache", U, 0),
        P("destination_xml", S, "<domain/>\n"),
        P("persistent_xml", S, "<persistent/>"),
        P("auto_converge.initial", N, 1),
        P("auto_converge.increment", N, 2),
        P("bandwidth.postcopy", U, 7),
        P("parallel.connections", N, 3),
        P("bandwidth", U, 5),
        P("tls.destination", S, "td"),
    ]
    assert flags == libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_TLS
    assert calls.opened == [("qemu+ssh://h/system", False)]
    assert calls.dconn.called("close") == [()]


def test_migrate_disks_port_zero_is_not_sent(calls: Calls) -> None:
    s, _dom, _conn = _migrating()
    assert run_script(s, "migrate d uri --disks-port 0")
    assert calls.made[0][2] == []


FLAG_OPTIONS = [
    ("--live", libvirt.VIR_MIGRATE_LIVE),
    ("--offline", libvirt.VIR_MIGRATE_OFFLINE),
    ("--tunnelled", libvirt.VIR_MIGRATE_TUNNELLED),
    ("--tunneled", libvirt.VIR_MIGRATE_TUNNELLED),
    ("--persistent", libvirt.VIR_MIGRATE_PERSIST_DEST),
    ("--undefinesource", libvirt.VIR_MIGRATE_UNDEFINE_SOURCE),
    ("--suspend", libvirt.VIR_MIGRATE_PAUSED),
    ("--copy-storage-all", libvirt.VIR_MIGRATE_NON_SHARED_DISK),
    ("--copy-storage-inc", libvirt.VIR_MIGRATE_NON_SHARED_INC),
    (
        "--copy-storage-all --copy-storage-synchronous-writes",
        libvirt.VIR_MIGRATE_NON_SHARED_DISK | libvirt.VIR_MIGRATE_NON_SHARED_SYNCHRONOUS_WRITES,
    ),
    ("--change-protection", libvirt.VIR_MIGRATE_CHANGE_PROTECTION),
    ("--unsafe", libvirt.VIR_MIGRATE_UNSAFE),
    ("--compressed", libvirt.VIR_MIGRATE_COMPRESSED),
    ("--auto-converge", libvirt.VIR_MIGRATE_AUTO_CONVERGE),
    ("--rdma-pin-all", libvirt.VIR_MIGRATE_RDMA_PIN_ALL),
    ("--abort-on-error", libvirt.VIR_MIGRATE_ABORT_ON_ERROR),
    ("--postcopy", libvirt.VIR_MIGRATE_POSTCOPY),
    ("--postcopy --postcopy-resume", libvirt.VIR_MIGRATE_POSTCOPY | (1 << 19)),
    ("--zerocopy", libvirt.VIR_MIGRATE_ZEROCOPY),
    ("--tls", libvirt.VIR_MIGRATE_TLS),
    ("--parallel", libvirt.VIR_MIGRATE_PARALLEL),
    ("--verbose --direct", 0),  # neither is a flag; --direct picks the API
]


@pytest.mark.parametrize(("options", "bits"), FLAG_OPTIONS)
def test_migrate_flag_bits(calls: Calls, options: str, bits: int) -> None:
    s, _dom, _conn = _migrating()
    assert run_script(s, f"migrate d uri {options}")
    assert calls.made[0][3] == bits


def test_p2p_and_direct_hand_the_uri_to_the_source(calls: Calls) -> None:
    s, _dom, _conn = _migrating()
    assert run_script(s, "migrate d qemu+tcp://h/system --p2p; migrate d xen+tcp://h --direct")
    assert [(api, dest, flags) for api, dest, _p, flags in calls.made] == [
        ("virDomainMigrateToURI3", "qemu+tcp://h/system", libvirt.VIR_MIGRATE_PEER2PEER),
        ("virDomainMigrateToURI3", "xen+tcp://h", 0),
    ]
    assert calls.opened == []  # no destination connection from the client


def test_destination_that_does_not_open_stops_before_the_worker(
    calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(s: Any, uri: str | None, readonly: bool, opened: Any = None) -> None:
        s.last_error = lv_error(libvirt.VIR_ERR_NO_CONNECT, "no connection driver available")

    monkeypatch.setattr(migration, "open_connection", refuse)
    s, _dom, _conn = _migrating()
    assert not run_script(s, "migrate d x --disks-port abc")
    assert output(s) == ("\n", "error: no connection driver available\n")
    assert calls.made == []


def test_the_destination_opened_ahead_is_the_one_migrated_to(
    calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead = Fake(close=0)
    taken: list[str] = []
    handed: list[Any] = []

    def take(s: Any, uri: str) -> Any:
        taken.append(uri)
        return ahead

    def open_connection(s: Any, uri: str | None, readonly: bool, opened: Any = None) -> Any:
        handed.append(opened)
        return opened

    monkeypatch.setattr(migration, "take_ahead", take)
    monkeypatch.setattr(migration, "open_connection", open_connection)
    s, _dom, _conn = _migrating()
    assert run_script(s, "migrate d qemu:///system --live")
    assert taken == ["qemu:///system"] and handed == [ahead]
    assert calls.made[0][:2] == ("virDomainMigrate3", ahead)
    assert ahead.called("close") == [()]


@pytest.mark.parametrize(
    ("line", "opens"),
    [
        ("migrate d qemu:///system", True),
        ("migrate d qemu:///system --p2p", False),  # the source daemon connects
        ("migrate d qemu:///system --direct", False),
        ("migrate d qemu:///system --dry-run", False),  # never connects
        ("migrate d qemu:///system --with-snapshots", False),  # only after its checks
        ("migrate d qemu:///system --with-checkpoints", False),
        ("migrate d ''", False),
    ],
)
def test_the_destination_is_opened_ahead_for_a_plain_migration_only(
    line: str, opens: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vsh.core import runner

    started: list[str] = []
    monkeypatch.setattr(migration, "open_ahead", lambda s, uri: started.append(uri))
    s, _dom, _conn = _migrating()
    parsed = runner.parse_script(s, line)
    assert parsed is not None
    runner.start_ahead(s, parsed)
    assert started == (["qemu:///system"] if opens else [])


def test_a_migration_that_ends_early_closes_what_was_opened_ahead(
    calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped: list[Any] = []
    monkeypatch.setattr(migration, "drop_ahead", dropped.append)
    s, _dom, _conn = _migrating()
    assert not run_script(s, "migrate d uri --timeout 5")  # not --live: refused at once
    assert output(s)[1] == "error: migrate: Unexpected timeout for offline migration\n"
    assert dropped == [s] and calls.opened == []


def test_synchronous_writes_need_a_storage_copy_after_the_parameters(calls: Calls) -> None:
    s, _dom, _conn = _migrating()
    assert not run_script(s, "migrate d uri --copy-storage-synchronous-writes --bandwidth x")
    assert (
        output(s)[1]
        == "error: Numeric value 'x' for <bandwidth> option is malformed or out of range\n"
    )
    s, _dom, _conn = _migrating()
    assert not run_script(s, "migrate d uri --copy-storage-synchronous-writes")
    assert output(s)[1] == (
        "error: '--copy-storage-synchronous-writes' requires one of '--copy-storage-all',"
        " 'copy-storage-inc'\n"
    )
    assert calls.made == []
    assert calls.dconn.called("close") == [(), ()]  # the destination is closed all the same


def test_unreadable_xml_prints_virshs_two_lines(calls: Calls) -> None:
    s, _dom, _conn = _migrating()
    assert not run_script(s, "migrate d uri --xml /nonexistent/x.xml")
    assert output(s)[1] == (
        "error: cannot read file '/nonexistent/x.xml'\n"
        "error: Failed to open file '/nonexistent/x.xml': No such file or directory\n"
    )


def test_a_failed_migration_reports_libvirts_error(calls: Calls) -> None:
    calls.during = lambda: (_ for _ in ()).throw(
        lv_error(libvirt.VIR_ERR_OPERATION_FAILED, "operation failed: migration out: boom")
    )
    s, _dom, _conn = _migrating()
    assert not run_script(s, "migrate d uri --live --verbose")
    assert output(s) == ("\n", "error: operation failed: migration out: boom\n")  # no [100 %]


def test_verbose_success_ends_with_100(calls: Calls) -> None:
    s, _dom, _conn = _migrating()
    assert run_script(s, "migrate d uri --live --verbose")
    assert output(s) == ("\n", "\rMigration: [100 %]")


@pytest.mark.parametrize(
    ("options", "action"),
    [("", "suspend"), ("--timeout-suspend", "suspend"), ("--postcopy --timeout-postcopy", "post")],
)
def test_timeout_runs_its_action_once(calls: Calls, options: str, action: str) -> None:
    done = threading.Event()
    s, dom, _conn = _migrating(
        suspend=lambda: done.set() or 0, migrateStartPostCopy=lambda flags: done.set() or 0
    )
    calls.during = lambda: done.wait(10)
    s.settings.debug = 0
    assert run_script(s, f"migrate d uri --live --timeout 1 {options}")
    if action == "suspend":
        assert dom.called("suspend") == [()]
        assert "migration timed out; suspending domain\n" in output(s)[0]
    else:
        assert dom.called("migrateStartPostCopy") == [(0,)]
        assert "migration timed out; switching to post-copy\n" in output(s)[0]
    debug = output(s)[0]
    assert debug.count("watchJob: timeout\n") == 1
    assert debug.index("watchJob: setting timeout of 1 secs\n") < debug.index("watchJob: timeout\n")


def test_timeout_action_failure_is_only_a_debug_line(calls: Calls) -> None:
    done = threading.Event()

    def refuse() -> None:
        done.set()
        raise lv_error(libvirt.VIR_ERR_OPERATION_INVALID, "no")

    s, _dom, _conn = _migrating(suspend=refuse)
    calls.during = lambda: done.wait(10)
    s.settings.debug = 1
    assert run_script(s, "migrate d uri --live --timeout 1")
    assert output(s)[0].endswith("suspending domain failed\n\n")
    assert output(s)[1] == ""


def test_postcopy_after_precopy_switches_after_the_first_pass(calls: Calls) -> None:
    registered: list[Any] = []

    def register(dom: Any, event: int, callback: Any, opaque: Any) -> int:
        registered.append((event, callback))
        return 7

    s, dom, conn = _migrating(migrateStartPostCopy=0)
    conn.__dict__["_methods"].update(domainEventRegisterAny=register, domainEventDeregisterAny=0)

    def iterate() -> None:  # what libvirt's event loop would deliver meanwhile
        callback = registered[0][1]
        callback(conn, dom, 1, None)
        callback(conn, dom, 2, None)
        callback(conn, dom, 3, None)

    calls.during = iterate
    assert run_script(s, "migrate d uri --live --postcopy --postcopy-after-precopy")
    assert registered[0][0] == libvirt.VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION
    assert dom.called("migrateStartPostCopy") == [(0,)]
    assert conn.called("domainEventDeregisterAny") == [(7,)]


def test_completers() -> None:
    assert migration.complete_comp_methods(None, 0, {"comp-methods": "mt,"}) == ["mt,xbzrle"]
    assert migration.complete_comp_methods(None, 0, {}) == ["xbzrle", "mt"]
