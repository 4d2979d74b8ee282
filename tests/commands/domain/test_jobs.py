"""vsh.commands.domain.jobs: domjobinfo's table, --rawstats and --json from the
typed parameters libvirt documents for virDomainGetJobStats (the test driver
has no jobs), and the virDomainGetJobInfo fallback.  Expected lines follow
virsh's printf formats: "%-17s %-12llu ms", "%-17s %-.3lf %s" with
vshPrettyCapacity's 1024-based units."""

from __future__ import annotations

import json
from typing import Any

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from vsh.commands.domain import jobs
from vsh.virt import typedcall
from vsh.virt.typedcall import DOUBLE, INT, STRING, ULLONG, Param

GiB = 1024**3

MIGRATION = [
    Param("operation", INT, 5),
    Param("time_elapsed", ULLONG, 12345),
    Param("time_elapsed_net", ULLONG, 12000),
    Param("data_total", ULLONG, 2 * GiB),
    Param("data_processed", ULLONG, GiB + 512 * 1024),
    Param("data_remaining", ULLONG, GiB - 512 * 1024),
    Param("memory_total", ULLONG, GiB),
    Param("memory_processed", ULLONG, 500000),
    Param("memory_remaining", ULLONG, 0),
    Param("memory_bps", ULLONG, 100 * 1024 * 1024),
    Param("memory_dirty_rate", ULLONG, 250),
    Param("memory_page_size", ULLONG, 4096),
    Param("memory_iteration", ULLONG, 3),
    Param("memory_constant", ULLONG, 7),
    Param("memory_normal", ULLONG, 8),
    Param("memory_normal_bytes", ULLONG, 32768),
    Param("downtime", ULLONG, 30),
    Param("setup_time", ULLONG, 4),
    Param("compression_pages", ULLONG, 9),
    Param("auto_converge_throttle", INT, 20),
]

TABLE = (
    "Job type:         Unbounded   \n"
    "Operation:        Outgoing migration\n"
    "Time elapsed:     12345        ms\n"
    "Time elapsed w/o network: 12000        ms\n"
    "Data processed:   1.000 GiB\n"
    "Data remaining:   1023.500 MiB\n"
    "Data total:       2.000 GiB\n"
    "Memory processed: 488.281 KiB\n"
    "Memory remaining: 0.000 B\n"
    "Memory total:     1.000 GiB\n"
    "Memory bandwidth: 100.000 MiB/s\n"
    "Dirty rate:       250          pages/s\n"
    "Page size:        4096         bytes\n"
    "Iteration:        3           \n"
    "Constant pages:   7           \n"
    "Normal pages:     8           \n"
    "Normal data:      32.000 KiB\n"
    "Expected downtime: 30           ms\n"
    "Setup time:       4            ms\n"
    "Compressed pages: 9            \n"
    "Auto converge throttle: 20           \n"
)


def test_job_table_labels_units_and_scaling() -> None:
    assert jobs.job_lines(libvirt.VIR_DOMAIN_JOB_UNBOUNDED, MIGRATION, False, False) == TABLE


def test_bounded_job_shows_time_remaining() -> None:
    params = [Param("operation", INT, 2), Param("time_elapsed", ULLONG, 5)]
    params.append(Param("time_remaining", ULLONG, 6))
    assert jobs.job_lines(libvirt.VIR_DOMAIN_JOB_BOUNDED, params, False, False) == (
        "Job type:         Bounded     \n"
        "Operation:        Save        \n"
        "Time elapsed:     5            ms\n"
        "Time remaining:   6            ms\n"
    )


def test_completed_job_stats_only_with_completed_or_anystats() -> None:
    params = [Param("operation", INT, 8), Param("time_elapsed", ULLONG, 1)]
    params += [Param("downtime", ULLONG, 2), Param("errmsg", STRING, "boom")]
    head = "Job type:         Completed   \nOperation:        Dump        \n"
    assert jobs.job_lines(libvirt.VIR_DOMAIN_JOB_COMPLETED, params, False, False) == head
    full = head + (
        "Time elapsed:     1            ms\n"
        "Total downtime:   2            ms\n"
        "Error message:    boom\n"
    )
    assert jobs.job_lines(libvirt.VIR_DOMAIN_JOB_COMPLETED, params, True, False) == full
    assert jobs.job_lines(libvirt.VIR_DOMAIN_JOB_COMPLETED, params, False, True) == full


def test_no_job_and_unknown_names() -> None:
    assert jobs.job_lines(libvirt.VIR_DOMAIN_JOB_NONE, [], False, False) == (
        "Job type:         None        \n"
    )
    assert jobs.job_lines(9, [Param("operation", INT, 99)], False, False) == (
        "Job type:         unknown     \nOperation:        unknown     \n"
    )


def test_rawstats_prints_types_as_libvirt() -> None:
    params = [Param("operation", INT, 5), Param("x", DOUBLE, 0.5), Param("errmsg", STRING, "e")]
    assert jobs.raw_lines(2, params) == "Job type: 2\n\noperation: 5\nx: 0.5\nerrmsg: e\n"


def _session(monkeypatch: pytest.MonkeyPatch, stats: Any, **dom_methods: Any) -> Any:
    dom = Fake(**dom_methods)
    conn = Fake(lookupByName=dom, lookupByUUIDString=lv_error(42), lookupByID=lv_error(42))

    def job_stats(_dom: Any, flags: int) -> Any:
        if isinstance(stats, BaseException):
            raise stats
        return stats

    monkeypatch.setattr(typedcall, "job_stats", job_stats)
    return session_with(conn), dom


def test_command_table_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    s, _dom = _session(monkeypatch, (libvirt.VIR_DOMAIN_JOB_UNBOUNDED, MIGRATION))
    assert run_script(s, "domjobinfo d")
    assert output(s) == (TABLE + "\n", "")
    s, _dom = _session(monkeypatch, (libvirt.VIR_DOMAIN_JOB_UNBOUNDED, MIGRATION[:2]))
    assert run_script(s, "domjobinfo d --json")
    document = json.loads(output(s)[0])
    assert document == {
        "type": "Unbounded",
        "type_code": 2,
        "stats": {"operation": 5, "time_elapsed": 12345},
    }


def test_fallback_to_job_info(monkeypatch: pytest.MonkeyPatch) -> None:
    no = lv_error(libvirt.VIR_ERR_NO_SUPPORT, "this function is not supported")
    info = [libvirt.VIR_DOMAIN_JOB_UNBOUNDED, 10, 0, 0, 0, 0, 0, 0, 0, 2048, 1024, 1024]
    s, dom = _session(monkeypatch, no, jobInfo=info)
    assert run_script(s, "domjobinfo d")
    assert output(s)[0] == (
        "Job type:         Unbounded   \n"
        "Operation:        Unknown     \n"
        "Time elapsed:     10           ms\n"
        "File processed:   1.000 KiB\n"
        "File remaining:   1.000 KiB\n"
        "File total:       2.000 KiB\n\n"
    )
    s, dom = _session(monkeypatch, no, jobInfo=info)
    assert not run_script(s, "domjobinfo d --rawstats")
    assert output(s)[1] == (
        "error: Optional flags or --rawstats are not supported by the daemon\n"
        "error: this function is not supported\n"
    )
    assert dom.called("jobInfo") == []
