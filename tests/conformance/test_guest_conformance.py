"""Differential tests: the guest agent and guest control commands
(vsh/commands/domain/guest.py) and the hypervisor-specific and launch
security ones (vsh/commands/domain/qemu.py).

The test driver answers domhostname, domfs*, inject-nmi,
send-process-signal and set-user-password itself; for the others it gives
libvirt's "not supported" error, compared here (their success paths are unit
tests against fakes).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.harness import assert_same

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFAULT = "test:///default"
TESTNODE = f"test://{FIXTURES / 'testnode' / 'testnode.xml'}"

COMMANDS = [
    *("domfsfreeze", "domfsthaw", "domfsinfo", "domfstrim", "domhostname"),
    *("dompmsuspend", "dompmwakeup", "get-user-sshkeys", "inject-nmi"),
    *("send-process-signal", "guest-agent-timeout", "set-user-sshkeys"),
    *("set-user-password", "guestvcpus", "guestinfo"),
    *("domlaunchsecinfo", "domsetlaunchsecstate", "qemu-attach", "qemu-monitor-event"),
    *("qemu-agent-command", "ttyconsole", "dom-fd-associate"),
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


def test_filesystems() -> None:
    assert_same(
        [
            "-c",
            DEFAULT,
            "domfsinfo test; domfsfreeze test; domfsthaw test; domfsthaw test; "
            "domfsfreeze test / /boot; domfsthaw --domain test /; domfstrim test; "
            "domfstrim test --minimum 5 --mountpoint /",
        ]
    )
    assert_same(["-q", "-c", DEFAULT, "domfsinfo test; domfsfreeze 1; domfsthaw test"])
    for line in (
        "domfsfreeze test /x",
        "domfsthaw test /x",
        "domfstrim test --minimum -1",
        "domfstrim test --minimum abc",
        "domfstrim test --minimum 18446744073709551616",
        "domfstrim test --mountpoint ''",
        "domfsinfo nope",
        "domfsfreeze",
    ):
        assert_same(["-c", DEFAULT, line])
    assert_same(["-c", TESTNODE, "domfsinfo fv0"])  # inactive


def test_hostname() -> None:
    assert_same(["-c", DEFAULT, "domhostname test; domhostname 1"])
    for source in ("lease", "agent", "x", "''"):
        assert_same(["-c", DEFAULT, f"domhostname test --source {source}"])
    assert_same(["-c", TESTNODE, "domhostname fv0"])


def test_power_management() -> None:
    for line in (
        "dompmsuspend test mem",
        "dompmsuspend test disk --duration 5",
        "dompmsuspend test foo",
        "dompmsuspend test ''",
        "dompmsuspend test mem -1",
        "dompmsuspend test mem --duration -1",
        "dompmsuspend test mem --duration abc",
        "dompmsuspend test",
        "dompmwakeup test",
        "dompmwakeup nope",
    ):
        assert_same(["-c", DEFAULT, line])


def test_nmi_and_signals() -> None:
    assert_same(
        [
            "-c",
            DEFAULT,
            "inject-nmi test; send-process-signal test 1 kill; "
            "send-process-signal test 1 SIG_TERM; send-process-signal test 1 sigusr1; "
            "send-process-signal test 1 RT32; send-process-signal test 1 9",
        ]
    )
    for line in (
        "send-process-signal test -1 9",
        "send-process-signal test 1 -1",
        "send-process-signal test 1 sigfoo",
        "send-process-signal test abc 9",
        "send-process-signal test 9223372036854775808 9",
        "send-process-signal test 1 ''",
        "send-process-signal test 1",
        "inject-nmi nope",
    ):
        assert_same(["-c", DEFAULT, line])
    assert_same(["-c", TESTNODE, "inject-nmi fv0"])
    assert_same(["-r", "-c", DEFAULT, "inject-nmi test"])


def test_users() -> None:
    assert_same(
        [
            "-c",
            DEFAULT,
            "set-user-password test root pw; set-user-password test root pw --encrypted",
        ]
    )
    for line in (
        "set-user-password test root ''",
        "set-user-password test '' pw",
        "set-user-password nope root pw",
        "get-user-sshkeys test root",
        "get-user-sshkeys test ''",
        "set-user-sshkeys test root",
        "set-user-sshkeys test root --reset",
        "set-user-sshkeys test root --reset --remove",
        "set-user-sshkeys test root --reset --remove --file /dev/null",
        "set-user-sshkeys test root --remove --file /dev/null",
        "set-user-sshkeys test root --file /nonexistent",
        "set-user-sshkeys test root --file /etc/hostname",
    ):
        assert_same(["-c", DEFAULT, line])
    assert_same(["-r", "-c", DEFAULT, "set-user-password test root pw"])


def test_agent_queries() -> None:
    for line in (
        "guestinfo test",
        "guestinfo test --os --hostname",
        "guestvcpus test",
        "guestvcpus test --cpulist 1 --enable",
        "guestvcpus test --cpulist 1",
        "guestvcpus test --enable",
        "guestvcpus test --disable",
        "guestvcpus test --enable --disable",
        "guestvcpus test --cpulist ''",
        "guest-agent-timeout test",
        "guest-agent-timeout test 5",
        "guest-agent-timeout test --timeout abc",
        "guest-agent-timeout test --timeout 2147483648",
        "guestinfo nope",
    ):
        assert_same(["-c", DEFAULT, line])


def test_launch_security(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cret")
    for line in (
        "domlaunchsecinfo test",
        "domlaunchsecinfo nope",
        "domsetlaunchsecstate test",
        f"domsetlaunchsecstate test --secrethdr {secret}",
        "domsetlaunchsecstate test --secrethdr /nonexistent --secret b",
        "domsetlaunchsecstate test --secrethdr '' --secret b",
        f"domsetlaunchsecstate test --secrethdr {secret} --secret {secret}",
        f"domsetlaunchsecstate test --secrethdr {secret} --secret {secret} --set-address -1",
        f"domsetlaunchsecstate test --secrethdr {secret} --secret {secret} --set-address 5",
    ):
        assert_same(["-c", DEFAULT, line])


def test_qemu_and_the_rest() -> None:
    for line in (
        "qemu-attach 1",
        "qemu-attach -1",
        "qemu-attach abc",
        "qemu-attach 4294967296",
        'qemu-agent-command test \'{"execute":"guest-ping"}\'',
        "qemu-agent-command test --timeout 0 x",
        "qemu-agent-command test --timeout abc x",
        "qemu-agent-command test --async --block x",
        "qemu-agent-command test --timeout 5 --async x",
        "qemu-agent-command nope x",
        "qemu-agent-command test",
        "qemu-monitor-event test --timeout 1",
        "qemu-monitor-event --loop --pretty --regex --no-case --timestamp --event x",
        "qemu-monitor-event --timeout 0",
        "qemu-monitor-event --timeout abc",
        "qemu-monitor-event --timeout 2147484",
        "qemu-monitor-event --event ''",
        "qemu-monitor-event --domain nope",
        "ttyconsole test",
        "ttyconsole nope",
        "dom-fd-associate test n 0,1",
        "dom-fd-associate test n 1 --seclabel-writable --seclabel-restore",
        "dom-fd-associate test n x",
        "dom-fd-associate test n ''",
        "dom-fd-associate test '' 1",
        "dom-fd-associate test --fds 0",
    ):
        assert_same(["-c", DEFAULT, line])
