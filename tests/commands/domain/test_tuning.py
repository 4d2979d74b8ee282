"""vsh.commands.domain.tuning: virsh's value parsing for the tuning commands."""

from __future__ import annotations

import pytest

from vsh.commands.domain.tuning import (
    UNLIMITED,
    _memtune_kib,
    _numa_shown,
    _perf_events,
    _rate_params,
)
from vsh.core.errors import VshError
from vsh.virt.typedcall import BOOLEAN, INT, STRING, UINT, Param


def test_memtune_kib_rounds_up_and_negative_is_unlimited() -> None:
    assert _memtune_kib("1025b", "hard-limit") == 2
    assert _memtune_kib("1M", "hard-limit") == 1024
    assert _memtune_kib(" -5x", "hard-limit") == UNLIMITED
    with pytest.raises(VshError) as err:
        _memtune_kib("1x", "hard-limit")
    assert err.value.messages == [
        "Unable to parse integer parameter hard-limit",
        "invalid argument: unknown suffix 'x'",
    ]


def test_rate_params_keep_average_and_nonzero_rest() -> None:
    assert _rate_params("inbound", "0,,,5") == [
        Param("inbound.average", UINT, 0),
        Param("inbound.floor", UINT, 5),
    ]
    with pytest.raises(VshError, match="outbound floor is unsupported yet"):
        _rate_params("outbound", "1,,,4")


def test_numa_mode_and_perf_events() -> None:
    assert _numa_shown(Param("numa_mode", INT, 2)) == "interleave"
    assert _numa_shown(Param("numa_nodeset", STRING, "0")) == "0"
    assert _perf_events("cmt,,mbmt", False) == [
        Param("cmt", BOOLEAN, False),
        Param("mbmt", BOOLEAN, False),
    ]
