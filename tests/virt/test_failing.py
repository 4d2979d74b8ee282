"""vsh.virt.failing: a libvirt error becomes virsh's two-line failure."""

from __future__ import annotations

import libvirt
import pytest

from tests.commands.fakes import lv_error
from vsh.core.errors import VshError
from vsh.virt.failing import failing


def test_libvirt_error_gets_the_context_line() -> None:
    err = lv_error(libvirt.VIR_ERR_OPERATION_INVALID, "domain is not running")
    with pytest.raises(VshError) as info, failing("Failed to suspend domain 'x'"):
        raise err
    assert info.value.messages == ["Failed to suspend domain 'x'"]
    assert info.value.cause is err
    assert info.value.__cause__ is err


def test_other_errors_and_success_pass_through() -> None:
    with pytest.raises(KeyError), failing("unused"):
        raise KeyError("k")
    with failing("unused"):
        pass
    with pytest.raises(VshError) as info, failing("unused"):
        raise VshError("inner")
    assert info.value.messages == ["inner"]
