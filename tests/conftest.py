"""Shared pytest set-up: a private HOME/XDG, no inherited connection URIs."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

import vsh.virt
from tests.warmmode import vsh_env
from vsh.core.session import set_default_connector

# CI (CI=true) explores a fixed set of examples, so a red run is reproducible and
# never a coin toss; a developer's run keeps drawing new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Every vsh a test starts, whatever environment it is given: in-process, or the
# warm path in make test's second pass (tests/warmmode.py).
os.environ.update(vsh_env())

# Sessions that tests make themselves connect as the front end's do.
set_default_connector(vsh.virt.connector)


@pytest.fixture(autouse=True)
def _private_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for var in ("LIBVIRT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI", "VSH_DEFAULT_CONNECT_URI"):
        monkeypatch.delenv(var, raising=False)


# The real libvirtd + QEMU stack for @pytest.mark.real tests: the session fixture, the
# per-test deadline and daemon check, the guest factory, and the skip/fail reporting
# (VSH_REQUIRE_REAL=1 turns every skipped real test into a failure).
from tests.realstack.plugin import (  # noqa: E402
    _real_test_guard,
    guests,
    pytest_runtest_makereport,
    pytest_terminal_summary,
    real_stack,
    stack_pair,
    stack_trio,
)

__all__ = [
    "_real_test_guard",
    "guests",
    "pytest_runtest_makereport",
    "pytest_terminal_summary",
    "real_stack",
    "stack_pair",
    "stack_trio",
]
