"""vsh.fleet.report: prefix, gather and diff output, merged JSON, exit bits, summary."""

from __future__ import annotations

import json

import pytest

from vsh.fleet.report import (
    FAILED,
    OK,
    SKIPPED,
    TIMEOUT,
    UNREACHABLE,
    HostResult,
    diffed,
    exit_status,
    gathered,
    merged_json,
    monitoring_status,
    parse_documents,
    prefixed,
    summary_line,
)

SAME = " Id   Name   State\n-------------------\n 1    test   running\n\n"


def ok(name: str, out: str = SAME) -> HostResult:
    return HostResult(name, OK, 0, out, "")


def test_prefixed() -> None:
    assert prefixed("hv01", "a\nb\n") == "hv01: a\nhv01: b\n"
    assert prefixed("hv01", "a\n\nb") == "hv01: a\nhv01: \nhv01: b\n"
    assert prefixed("hv01", "") == ""


def test_gathered_groups_by_output_and_exit() -> None:
    results = [
        ok("hv01"),
        ok("hv02"),
        HostResult("hv03", FAILED, 1, SAME, "error: x\n"),
        ok("hv07"),
        ok("hv04", "other\n"),
        HostResult("hv05", UNREACHABLE, 1, "", "error: failed to connect to the hypervisor\n"),
        HostResult("hv06", SKIPPED, None),
        HostResult("hv08", FAILED, 1, "\n", "error: failed\n"),
    ]
    assert gathered(results) == (
        "----------------\nhv[01-02,07] (3)\n----------------\n" + SAME
        + "---------------\nhv03 (1) exit 1\n---------------\n" + SAME
        + "---------------\nhv04 (1)\n---------------\nother\n"
    )  # fmt: skip


def test_gathered_ends_a_last_line_without_newline() -> None:
    assert gathered([ok("a1", "x")]) == "---------------\na1 (1)\n---------------\nx\n"


def test_diffed_against_the_most_common_output() -> None:
    outputs = ["a\nb\n", "a\nc\n", "a\nb\n", "a\nc\n", "a\nb\n"]
    results = [ok(f"hv0{i}", out) for i, out in enumerate(outputs, 1)]
    assert diffed(results) == (
        "--- hv[01,03,05] (3)\n+++ hv[02,04] (2)\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    )
    assert diffed([ok("a1"), ok("a2")]) == ""
    # a tie: the output seen first is the reference
    assert diffed([ok("a1", "x\n"), ok("a2", "y")]).splitlines() == [
        "--- a1 (1)",
        "+++ a2 (1)",
        "@@ -1 +1 @@",
        "-x",
        "+y",
        "\\ No newline at end of file",
    ]


def test_parse_documents() -> None:
    assert parse_documents('{"a": 1}\n') == [{"a": 1}]
    assert parse_documents('[1]\n\n{"b": 2}\n') == [[1], {"b": 2}]
    assert parse_documents("") == []
    assert parse_documents(" Id Name\n") is None


def test_merged_json() -> None:
    results = [
        HostResult("hv01", OK, 0, '[{"name": "a"}]\n\n', ""),
        HostResult("hv02", FAILED, 1, "", "error: no domain\n"),
        HostResult("hv03", UNREACHABLE, 1, "", "error: failed to connect to the hypervisor\n"),
        HostResult("hv04", TIMEOUT, None, "", ""),
        HostResult("hv05", OK, 0, "{}\n{}\n", ""),
        HostResult("hv06", OK, 0, "plain\n", ""),
    ]
    doc = merged_json(results)
    assert json.loads(json.dumps(doc)) == doc
    assert doc["hosts"] == {
        "hv01": {"status": "ok", "exit": 0, "result": [{"name": "a"}], "stderr": ""},
        "hv02": {"status": "failed", "exit": 1, "result": None, "stderr": "error: no domain\n"},
        "hv03": {
            "status": "unreachable",
            "exit": 1,
            "result": None,
            "stderr": "error: failed to connect to the hypervisor\n",
        },
        "hv04": {"status": "timeout", "exit": None, "result": None, "stderr": ""},
        "hv05": {"status": "ok", "exit": 0, "results": [{}, {}], "stderr": ""},
        "hv06": {"status": "ok", "exit": 0, "stdout": "plain\n", "stderr": ""},
    }
    assert doc["summary"] == {
        "ok": 3, "failed": 1, "unreachable": 1, "timeout": 1, "skipped": 0, "interrupted": 0,
        "hosts": 6, "exit": 3,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([OK, OK], 0),
        ([], 0),
        ([OK, FAILED], 1),
        ([OK, UNREACHABLE], 2),
        ([OK, TIMEOUT], 2),
        ([FAILED, TIMEOUT, OK], 3),
        ([FAILED, UNREACHABLE], 3),
        ([FAILED, SKIPPED], 1),
        ([SKIPPED], 0),
    ],
)
def test_exit_bits(statuses: list[str], expected: int) -> None:
    results = [HostResult(f"h{i}", s, None) for i, s in enumerate(statuses)]
    assert exit_status(results) == expected


def test_summary_line() -> None:
    results = [ok("hv01"), ok("hv02"), HostResult("hv03", FAILED, 1), ok("hv04"), ok("hv05"),
               HostResult("hv07", UNREACHABLE, 1), HostResult("hv08", TIMEOUT, None),
               HostResult("hv09", TIMEOUT, None), HostResult("hv10", SKIPPED, None)]  # fmt: skip
    assert summary_line(results) == (
        "4 ok, 1 failed (hv03), 1 unreachable (hv07), 2 timed out (hv[08-09]), 1 skipped (hv10)"
    )
    assert summary_line([HostResult("a", FAILED, 1)]) == "0 ok, 1 failed (a)"


@pytest.mark.parametrize(
    ("states", "worst"),
    [
        ([(OK, 0), (OK, 0)], 0),
        ([(OK, 0), (UNREACHABLE, 3)], 3),
        ([(FAILED, 1), (UNREACHABLE, 3)], 1),
        ([(FAILED, 1), (FAILED, 2), (UNREACHABLE, 3)], 2),
        ([(OK, 0), (TIMEOUT, None)], 2),
        ([(OK, 0), (UNREACHABLE, None)], 3),
        ([(OK, 0), (UNREACHABLE, 1)], 3),
        ([(FAILED, 7)], 3),
        ([(SKIPPED, None), (OK, 0)], 0),
    ],
)
def test_monitoring_status_is_the_worst_check(
    states: list[tuple[str, int | None]], worst: int
) -> None:
    results = [HostResult(f"h{i}", status, code) for i, (status, code) in enumerate(states)]
    assert monitoring_status(results) == worst
