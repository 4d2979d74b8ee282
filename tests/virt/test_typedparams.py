"""vsh.virt.typedparams: vshGetTypedParamValue's text of a typed parameter."""

from __future__ import annotations

from vsh.virt.typedparams import typed_value


def test_typed_value() -> None:
    assert typed_value(True) == "yes"
    assert typed_value(1.5) == "1.500000"
    assert typed_value(50) == "50"
