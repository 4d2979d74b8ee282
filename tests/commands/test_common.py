"""vsh.commands.common: the affect flags and virsh's exclusivity errors."""

from __future__ import annotations

import pytest

from tests.commands.fakes import lv_error
from vsh.commands.common import (
    AFFECT_CONFIG,
    AFFECT_CURRENT,
    AFFECT_LIVE,
    affect_flags,
    exclusive,
    persistent_live,
)
from vsh.core.errors import VshError


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
