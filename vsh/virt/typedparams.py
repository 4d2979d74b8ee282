"""libvirt typed parameters as virsh prints them (vshGetTypedParamValue)."""

from __future__ import annotations

from typing import Any


def typed_value(value: Any) -> str:
    """vshGetTypedParamValue for a value as the Python binding returns it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:f}"
    return str(value)
