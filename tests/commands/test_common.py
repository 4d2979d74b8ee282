"""vsh.commands.common: helpers shared by the command modules.

Expected results follow libvirt 9.0's C source (virsh-domain.c).
"""

from __future__ import annotations

import pytest

from tests.commands.fakes import lv_error
from vsh.commands.common import (
    AFFECT_CONFIG,
    AFFECT_CURRENT,
    AFFECT_LIVE,
    affect_flags,
    exclusive,
    fetch_pass_fds,
    opt_timeout_ms,
    option_stack,
    parse_rate,
    persistent_live,
)
from vsh.core.command import option
from vsh.core.errors import VshError
from vsh.core.grammar import OptKind


def refused(**kwargs: bool) -> str:
    with pytest.raises(VshError) as info:
        affect_flags(**kwargs)  # type: ignore[arg-type]
    return info.value.messages[0]


def test_exclusive() -> None:
    exclusive(a=True, b=False)
    with pytest.raises(VshError, match=r"^Options --a and --b are mutually exclusive$"):
        exclusive(a=True, b=True)


def test_affect_bits() -> None:
    assert affect_flags(False, False, False) == AFFECT_CURRENT == 0
    assert affect_flags(True, False, False) == AFFECT_CURRENT
    assert affect_flags(False, True, False) == AFFECT_LIVE
    assert affect_flags(False, False, True) == AFFECT_CONFIG
    assert affect_flags(False, True, True) == AFFECT_LIVE | AFFECT_CONFIG
    assert affect_flags(False, True, False, persistent=True) == AFFECT_LIVE | AFFECT_CONFIG


def test_default_live_only_when_nothing_is_given() -> None:
    assert affect_flags(False, False, False, default_live=True) == AFFECT_LIVE
    assert affect_flags(True, False, False, default_live=True) == AFFECT_CURRENT
    assert affect_flags(False, False, True, default_live=True) == AFFECT_CONFIG


def test_errors_in_virsh_order() -> None:
    both = "Options --current and --live are mutually exclusive"
    assert refused(current=True, live=True, config=True) == both
    assert refused(current=True, live=False, config=True) == (
        "Options --current and --config are mutually exclusive"
    )
    assert refused(current=True, live=True, config=False, persistent=True) == (
        "Options --persistent and --current are mutually exclusive"
    )
    assert refused(current=True, live=True, config=True, live_config_exclusive=True) == (
        "Options --live and --config are mutually exclusive"
    )


class _Dom:
    def __init__(self, active: int | Exception) -> None:
        self.active = active

    def isActive(self) -> int:
        if isinstance(self.active, Exception):
            raise self.active
        return self.active


def test_persistent_live() -> None:
    assert persistent_live(_Dom(1), True, AFFECT_CONFIG) == AFFECT_CONFIG | AFFECT_LIVE  # type: ignore[arg-type]
    assert persistent_live(_Dom(0), True, AFFECT_CONFIG) == AFFECT_CONFIG  # type: ignore[arg-type]
    assert persistent_live(_Dom(1), False, AFFECT_CONFIG) == AFFECT_CONFIG  # type: ignore[arg-type]
    assert persistent_live(_Dom(lv_error(1)), True, 0) == 0  # type: ignore[arg-type]


def test_fetch_pass_fds() -> None:
    assert fetch_pass_fds(None) == []
    assert fetch_pass_fds("") == []
    assert fetch_pass_fds("3,4") == [3, 4]
    assert fetch_pass_fds(" 5") == [5]
    for bad, piece in (("abc", "abc"), ("1,,2", ""), ("1,", ""), ("9999999999", "9999999999")):
        with pytest.raises(VshError) as exc:
            fetch_pass_fds(bad)
        assert exc.value.messages == [f"Unable to parse FD number '{piece}'"]


def test_parse_rate() -> None:
    assert parse_rate("1,,3") == [1, 0, 3, 0]
    with pytest.raises(VshError, match="too many fields"):
        parse_rate("1,2,3,4,5")
    with pytest.raises(VshError, match="field 'average' is malformed"):
        parse_rate("-1")


@pytest.mark.parametrize(("text", "ms"), [(None, 0), ("1", 1000), ("2147483", 2147483000)])
def test_timeout_ms(text: str | None, ms: int) -> None:
    assert opt_timeout_ms(text) == ms


@pytest.mark.parametrize("text", ["0", "2147484", "-1"])
def test_timeout_out_of_range(text: str) -> None:
    with pytest.raises(VshError, match="for <timeout> option is malformed or out of range"):
        opt_timeout_ms(text)


def test_option_stack_declares_as_stacked_decorators() -> None:
    def stacked() -> None: ...

    def by_hand() -> None: ...

    option_stack(option("a", OptKind.BOOL, "A"), option("b", OptKind.INT, "B"))(stacked)
    option("a", OptKind.BOOL, "A")(option("b", OptKind.INT, "B")(by_hand))
    names = [p.name for p in stacked.__click_params__]  # type: ignore[attr-defined]
    assert names == [p.name for p in by_hand.__click_params__]  # type: ignore[attr-defined]
    assert sorted(names) == ["a", "b"]
