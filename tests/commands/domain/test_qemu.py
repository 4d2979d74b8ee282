"""Unit tests for vsh.commands.domain.qemu: success paths the test driver
cannot reach, against fakes."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from tests.commands.fakes import Fake, output, run_script, session_with
from vsh.commands.domain import qemu
from vsh.core.session import Session


def _session(dom: Fake) -> Session:
    return session_with(Fake(lookupByName=dom, lookupByID=dom, lookupByUUIDString=dom))


def _run(dom: Fake, script: str) -> tuple[bool, str, str]:
    s = _session(dom)
    ok = run_script(s, script)
    out, err = output(s)
    return ok, out, err


def test_launch_security_info_lines() -> None:
    params = {"sev-measurement": "AbC=", "sev-api-major": 0, "sev-api-minor": 24}
    ok, out, _err = _run(Fake(name="d", launchSecurityInfo=params), "domlaunchsecinfo d")
    assert ok
    assert out == "sev-measurement: AbC=\nsev-api-major  : 0\nsev-api-minor  : 24\n\n"


def test_ttyconsole_prints_the_console_tty() -> None:
    xml = "<domain><devices><console type='pty' tty='/dev/pts/7'/></devices></domain>"
    ok, out, _err = _run(Fake(name="d", XMLDesc=xml), "ttyconsole d")
    assert ok and out == "/dev/pts/7\n\n"  # the runner's newline after a command


def test_monitor_event_lines() -> None:
    line = qemu.monitor_event_line("d", "STOP", 12, 34, '{"a":1}', False, None)
    assert line == "event STOP at 12.000034 for domain 'd': {\"a\":1}\n"
    line = qemu.monitor_event_line("d", "STOP", 1, 2, None, True, "2024-01-01 00:00:00.000+0000")
    assert line == "2024-01-01 00:00:00.000+0000: event STOP for domain 'd': (null)\n"
    line = qemu.monitor_event_line("d", "X", 1, 2, '{"a":1}', True, None)
    assert line == "event X at 1.000002 for domain 'd': {\n  \"a\": 1\n}\n\n"


def test_agent_command_timeout_and_pretty(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    import libvirt_qemu

    fake = types.SimpleNamespace(
        VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT=libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT,
        VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT=libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT,
        VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK=libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK,
        qemuAgentCommand=lambda *a: calls.append(a[1:]) or '{"return":{}}',
    )
    monkeypatch.setitem(sys.modules, "libvirt_qemu", fake)
    dom = Fake(name="d")
    ok, out, _err = _run(dom, "qemu-agent-command d --timeout 5 guest-ping")
    assert ok and out == '{"return":{}}\n\n'
    ok, out, _err = _run(dom, 'qemu-agent-command d --block --pretty \'{"execute":"x"}\'')
    # yajl's beautifier writes an empty object as "{", a blank line, "}"
    # (virsh's qemu-monitor-command --pretty on QEMU: tests/real/test_qmp_json.py)
    assert ok and out == '{\n  "return": {\n\n  }\n}\n\n\n'
    ok, _out, _err = _run(dom, "qemu-agent-command d --async a b")
    assert calls == [
        ("guest-ping", 5, 0),
        ('{"execute":"x"}', libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_BLOCK, 0),
        ("a b", libvirt_qemu.VIR_DOMAIN_QEMU_AGENT_COMMAND_NOWAIT, 0),
    ]
