"""Differential tests: the secret and network filter commands that change
things (secret-define/-undefine/-set-value/-get-value/-event, nwfilter-define/
-undefine/-edit and the nwfilter-binding-* commands) against virsh 9.0.

test:///default has neither secrets nor network filters and its driver
supports none of these calls, so what can be compared here are the option
checks, the look-up failures and the driver's refusals, in virsh's order.
The real daemon's behaviour is tested in tests/real/test_secret_nwfilter.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

DEFAULT = "test:///default"
UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f"

COMMANDS = [
    *("secret-define", "secret-undefine", "secret-set-value", "secret-get-value"),
    *("secret-event", "nwfilter-define", "nwfilter-undefine", "nwfilter-edit"),
    *("nwfilter-binding-create", "nwfilter-binding-delete", "nwfilter-binding-dumpxml"),
    "nwfilter-binding-list",
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


def test_group_help() -> None:
    assert_same(["help", "secret"])
    assert_same(["help", "filter"])


SECRET_CASES = [
    "secret-define",
    "secret-define /nonexistent",
    "secret-define ''",
    "secret-define /etc/hostname",
    "secret-define /etc/hostname --validate",
    "secret-undefine",
    "secret-undefine x",
    f"secret-undefine {UUID}",
    "secret-undefine ''",
    "secret-get-value",
    "secret-get-value x --plain",
    f"secret-get-value {UUID}",
    "secret-set-value",
    "secret-set-value x",
    f"secret-set-value {UUID}",
    f"secret-set-value {UUID} Zm9v",
    f"secret-set-value {UUID} --base64 Zm9v",
    f"secret-set-value {UUID} --file /nonexistent --base64 Zm9v",
    f"secret-set-value {UUID} --plain --base64 Zm9v",
    f"secret-set-value {UUID} --interactive --base64 Zm9v",
    f"secret-set-value {UUID} --interactive --plain",
    f"secret-set-value {UUID} --interactive --file /etc/hostname",
    f"secret-set-value {UUID} --file /etc/hostname --plain",
    f"secret-set-value {UUID} --file",
    f"secret-set-value {UUID} --base64 ''",
    "secret-set-value x --base64 ''",
    "secret-set-value '' Zm9v",
    "secret-event",
    "secret-event --list",
    "secret-event --list --event nope",
    "secret-event --event nope",
    "secret-event --event ''",
    "secret-event --event lifecycle",
    "secret-event --event value-changed --timeout 1",
    "secret-event --event lifecycle --timeout 0",
    "secret-event --event lifecycle --timeout x",
    "secret-event --event lifecycle --timeout -1",
    f"secret-event --event lifecycle --secret {UUID} --loop",
    "secret-event --event lifecycle --secret x --timestamp",
    "secret-event --event lifecycle --secret ''",
    "secret-event lifecycle",
    "secret-event x lifecycle",
]


@pytest.mark.parametrize("line", SECRET_CASES)
def test_secret_errors(line: str) -> None:
    assert_same(["-c", DEFAULT, line])


NWFILTER_CASES = [
    "nwfilter-define",
    "nwfilter-define /nonexistent",
    "nwfilter-define /etc/hostname",
    "nwfilter-define /etc/hostname --validate",
    "nwfilter-undefine",
    "nwfilter-undefine x",
    f"nwfilter-undefine {UUID}",
    "nwfilter-edit x",
    "nwfilter-edit ''",
    "nwfilter-binding-create",
    "nwfilter-binding-create /nonexistent",
    "nwfilter-binding-create /etc/hostname",
    "nwfilter-binding-create /etc/hostname --validate",
    "nwfilter-binding-delete",
    "nwfilter-binding-delete vnet0",
    "nwfilter-binding-delete ''",
    "nwfilter-binding-dumpxml vnet0",
    "nwfilter-binding-dumpxml vnet0 --xpath /x --wrap",
    "nwfilter-binding-dumpxml ''",
    "nwfilter-binding-list",
    "nwfilter-binding-list x",
]


@pytest.mark.parametrize("line", NWFILTER_CASES)
def test_nwfilter_errors(line: str) -> None:
    assert_same(["-c", DEFAULT, line])


def test_secret_define_non_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<secret ephemeral='no'>\n<description>\xff</description></secret>\n")
    assert_same(["-c", DEFAULT, f"secret-define {bad}"])
    assert_same(["-c", DEFAULT, f"nwfilter-define {bad}"])
    assert_same(["-c", DEFAULT, f"nwfilter-binding-create {bad}"])


def test_set_value_file_too_large(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"A" * 1025)
    assert_same(["-c", DEFAULT, f"secret-set-value {UUID} --file {big}"])
