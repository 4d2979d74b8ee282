"""vsh.commands.domain.blockjobs: what the test driver cannot show.

The test driver has no block jobs (the differential tests in
tests/conformance/test_blockjobs_conformance.py compare its errors); the real
flows run in tests/real/test_blockjobs.py.  Here: --bandwidth and --timeout
values, the <disk> of blockcopy, blockjob's report of a running job and the
calls each command makes, against fakes returning what libvirt documents.
"""

from __future__ import annotations

from typing import Any

import libvirt
import pytest

from tests.commands.fakes import Fake, lv_error, output, run_script, session_with
from vsh.commands.domain import blockjobs
from vsh.core.errors import VshError

L = libvirt
MiB = 1 << 20


@pytest.mark.parametrize(
    ("text", "bytes_", "value"),
    [
        ("10", False, 10),
        ("-1", False, 2**64 - 1),  # strtoul wraps, as virsh declares
        ("1M", False, 1),  # a scaled size is bytes, shifted to MiB/s
        ("1M", True, MiB),
        ("1023k", False, 0),
        ("2048k", True, 2 * MiB),
        ("18446744073709551615", False, 2**64 - 1),
    ],
)
def test_bandwidth_value(text: str, bytes_: bool, value: int) -> None:
    assert blockjobs.bandwidth_value(text, bytes_) == value


def test_bandwidth_errors() -> None:
    with pytest.raises(VshError) as exc:
        blockjobs.bandwidth_value("abc", False)
    assert exc.value.messages == [
        "Scaled numeric value 'abc' for <--bandwidth> option is malformed or out of range"
    ]
    with pytest.raises(VshError) as exc:
        blockjobs.bandwidth_value("1x", False)
    assert exc.value.messages[1] == "invalid argument: unknown suffix 'x'"


def test_copy_xml() -> None:
    assert blockjobs.copy_xml("/a b", "qcow2", False) == (
        "<disk type='file'>\n  <source file='/a b'/>\n  <driver type='qcow2'/>\n</disk>\n"
    )
    assert blockjobs.copy_xml("/dev/x", None, True) == (
        "<disk type='block'>\n  <source dev='/dev/x'/>\n</disk>\n"
    )


def test_copy_params() -> None:
    assert blockjobs.copy_params(2, False, 0, 0) == {"bandwidth": 2 * MiB}
    assert blockjobs.copy_params(5, True, 512, 1024) == {
        "bandwidth": 5,
        "granularity": 512,
        "buf-size": 1024,
    }


def _session(**dom_methods: Any) -> tuple[Any, Fake, Fake]:
    dom = Fake(**dom_methods)
    conn = Fake(
        lookupByName=dom,
        lookupByUUIDString=lv_error(42),
        lookupByID=lv_error(42),
        domainEventRegisterAny=lv_error(L.VIR_ERR_NO_SUPPORT),
    )
    return session_with(conn), conn, dom


COPY_JOB = {"type": L.VIR_DOMAIN_BLOCK_JOB_TYPE_COPY, "bandwidth": 3 * MiB, "cur": 25, "end": 100}


def test_blockjob_info_of_a_running_job() -> None:
    s, _conn, dom = _session(blockJobInfo=COPY_JOB)
    assert run_script(s, "blockjob g vda")
    assert output(s) == (
        "    Bandwidth limit: 3145728 bytes/s (3.000 MiB/s)\n\n",  # the runner adds a line
        "\rBlock Copy: [ 25 %]",
    )
    assert dom.called("blockJobInfo") == [("vda", L.VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES)]


def test_blockjob_raw_asks_in_mib() -> None:
    job = dict(COPY_JOB, bandwidth=3, type=L.VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT)
    s, _conn, dom = _session(blockJobInfo=job)
    assert run_script(s, "blockjob g vda --raw")
    assert output(s) == (" type=Active Block Commit\n bandwidth=3\n cur=25\n end=100\n\n", "")
    assert dom.called("blockJobInfo") == [("vda", 0)]


def test_blockjob_falls_back_to_mib_when_bytes_are_refused() -> None:
    answers = iter([lv_error(L.VIR_ERR_OVERFLOW), dict(COPY_JOB, bandwidth=2)])

    def info(_path: str, _flags: int) -> Any:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    s, _conn, _dom = _session(blockJobInfo=info)
    assert run_script(s, "blockjob g vda --info")
    assert output(s)[0] == "    Bandwidth limit: 2097152 bytes/s (2.000 MiB/s)\n\n"


def test_blockjob_speed_and_abort_calls() -> None:
    s, _conn, dom = _session(blockJobSetSpeed=0, blockJobAbort=0)
    assert run_script(s, "blockjob g vda --bandwidth 1M --bytes; blockjob g vda --pivot --async")
    assert dom.called("blockJobSetSpeed") == [
        ("vda", MiB, L.VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES)
    ]
    flags = L.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT | L.VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC
    assert dom.called("blockJobAbort") == [("vda", flags)]


def test_blockcommit_without_events_waits_by_polling_then_pivots() -> None:
    """No event registered: a job at 100 % is READY at once (virsh's fallback)."""
    s, _conn, dom = _session(
        blockCommit=0,
        blockJobInfo={"type": 4, "bandwidth": 0, "cur": 9, "end": 9},
        blockJobAbort=0,
    )
    assert run_script(s, "blockcommit g vda --pivot --verbose")
    assert output(s) == (
        "\nSuccessfully pivoted\n",
        "\rBlock commit: [100 %]",  # READY at the first poll: no progress before it
    )
    flags = L.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE
    assert dom.called("blockCommit") == [("vda", None, None, 0, flags)]
    assert dom.called("blockJobAbort") == [("vda", L.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)]


def test_blockpull_with_base_uses_rebase() -> None:
    s, _conn, dom = _session(blockRebase=0, blockPull=0)
    assert run_script(s, "blockpull g vda --base vda[2] --bandwidth 5 --bytes; blockpull g vda")
    assert output(s) == ("Block Pull started\nBlock Pull started\n", "")
    assert dom.called("blockRebase") == [
        ("vda", "vda[2]", 5, L.VIR_DOMAIN_BLOCK_REBASE_BANDWIDTH_BYTES)
    ]
    assert dom.called("blockPull") == [("vda", 0, 0)]


def test_blockcopy_old_and_new_api() -> None:
    s, _conn, dom = _session(blockRebase=0, blockCopy=0)
    assert run_script(s, "blockcopy g vda /d --raw --blockdev --bandwidth -1")
    flags = (
        L.VIR_DOMAIN_BLOCK_REBASE_COPY
        | L.VIR_DOMAIN_BLOCK_REBASE_COPY_DEV
        | L.VIR_DOMAIN_BLOCK_REBASE_COPY_RAW
    )
    assert dom.called("blockRebase") == [("vda", "/d", -1, flags)]  # ULONG_MAX's bits
    assert run_script(s, "blockcopy g vda /d --format qcow2 --granularity 512 --transient-job")
    assert dom.called("blockCopy") == [
        (
            "vda",
            "<disk type='file'>\n  <source file='/d'/>\n  <driver type='qcow2'/>\n</disk>\n",
            {"granularity": 512},
            L.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB,
        )
    ]


def test_complete_base_top() -> None:
    xml = """<domain><devices>
      <disk><source file='/a' index='3'/><backingStore type='file' index='2'/>
        <target dev='vda'/></disk>
      <disk><source file='/b'/><target dev='vdb'/></disk>
    </devices></domain>"""
    s, _conn, _dom = _session(XMLDesc=xml)
    values = {"domain": "g"}
    assert blockjobs.complete_base_top(s, 0, values) == ["vda", "vda[3]", "vda[2]", "vdb"]
    assert blockjobs.complete_base_top(s, 0, {**values, "path": "vdb"}) == ["vdb"]
