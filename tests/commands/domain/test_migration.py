"""vsh.commands.domain.migration: the values the migration tuning commands
print, from a fake domain (the test driver implements none of these calls).
Expected lines follow virsh's formats: "%llu\\n" (getmaxdowntime), "%lu\\n"
(getspeed) and "Compression cache: %.3lf %s" with vshPrettyCapacity's
1024-based units and no newline."""

from __future__ import annotations

import json
from typing import Any

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from vsh.commands.domain import migration
from vsh.core.jsonshape import problems

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
