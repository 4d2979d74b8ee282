"""Unit tests for vsh.virt.lxcenter: the fork/enter/exec flow of
lxc-enter-namespace against a fake LXC API (this machine has no LXC driver).

The fake runs partly in the forked child, so it records its calls in a file.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import libvirt
import pytest

from vsh.core.errors import VshError
from vsh.virt import lxcenter

MODEL = (["selinux", "0"], ["system_u:system_r:svirt_lxc_net_t:s0:c1,c2", 1])


class FakeApi:
    def __init__(self, log: Path, fail: str = "") -> None:
        self.log = log
        self.fail = fail
        self.fds: list[int] = []

    def _note(self, what: str) -> None:
        with self.log.open("a") as f:
            f.write(f"{os.getpid()} {what}\n")
        if what.split()[0] == self.fail:
            raise libvirt.libvirtError(f"{what} failed")

    def open_namespace(self, dom: Any) -> list[int]:
        self._note("open")
        r, w = os.pipe()
        self.fds = [r, w]
        return list(self.fds)

    def security_label(self, conn: Any, dom: Any) -> lxcenter.Label:
        self._note("label")
        return MODEL

    def enter_security_label(self, label: lxcenter.Label) -> None:
        self._note(f"seclabel {label[1][0]}")

    def enter_cgroup(self, dom: Any) -> None:
        self._note("cgroup")

    def enter_namespace(self, dom: Any, fds: Sequence[int]) -> None:
        self._note(f"namespace {len(fds)}")


def _calls(log: Path) -> list[tuple[int, str]]:
    out = []
    for line in log.read_text().splitlines():
        pid, what = line.split(" ", 1)
        out.append((int(pid), what))
    return out


def _closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def test_enters_in_order_in_a_child_and_runs_the_command(tmp_path: Path) -> None:
    log, mark = tmp_path / "log", tmp_path / "mark"
    api = FakeApi(log)
    argv = ["/bin/sh", "-c", f'echo "$0 $1" > {mark}', "a", "b"]
    lxcenter.enter(api, None, None, argv, setlabel=True)
    assert mark.read_text() == "a b\n"
    calls = _calls(log)
    assert [what for _pid, what in calls] == [
        "open",
        "label",
        "seclabel system_u:system_r:svirt_lxc_net_t:s0:c1,c2",
        "cgroup",
        "namespace 2",
    ]
    me = os.getpid()
    assert calls[0][0] == calls[1][0] == me  # fetched before forking
    assert {pid for pid, _ in calls[2:]} - {me} == {calls[2][0]}  # entered in the child
    assert all(_closed(fd) for fd in api.fds)  # the parent closes the namespace fds


def test_noseclabel_neither_fetches_nor_sets_the_label(tmp_path: Path) -> None:
    log = tmp_path / "log"
    lxcenter.enter(FakeApi(log), None, None, ["/bin/true"], setlabel=False)
    assert [what for _pid, what in _calls(log)] == ["open", "cgroup", "namespace 2"]


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["/bin/sh", "-c", "exit 3"], "exit status 3"),
        (["/bin/sh", "-c", "kill -TERM $$"], f"fatal signal {int(signal.SIGTERM)}"),
        (["/nonexistent/cmd"], "exit status 127"),  # ENOENT from execv
        (["/etc/passwd"], "exit status 126"),  # not executable
        (["true"], "exit status 127"),  # execv: no PATH search, as virsh
    ],
)
def test_a_failing_command_fails_as_virprocesswait_says(
    tmp_path: Path, argv: list[str], text: str
) -> None:
    with pytest.raises(VshError) as info:
        lxcenter.enter(FakeApi(tmp_path / "log"), None, None, argv, setlabel=False)
    message = str(info.value)
    assert message.startswith("internal error: Child process (")
    assert message.endswith(f") unexpected {text}")


@pytest.mark.parametrize("step", ["seclabel", "cgroup", "namespace"])
def test_a_failing_entry_step_exits_125_without_running_the_command(
    tmp_path: Path, step: str
) -> None:
    mark = tmp_path / "mark"
    api = FakeApi(tmp_path / "log", fail=step)
    with pytest.raises(VshError, match=r"unexpected exit status 125$"):
        lxcenter.enter(api, None, None, ["/bin/sh", "-c", f"touch {mark}"], setlabel=True)
    assert not mark.exists()


@pytest.mark.parametrize("step", ["open", "label"])
def test_failures_before_the_fork_are_libvirt_errors(tmp_path: Path, step: str) -> None:
    log = tmp_path / "log"
    with pytest.raises(libvirt.libvirtError):
        lxcenter.enter(FakeApi(log, fail=step), None, None, ["/bin/true"], setlabel=True)
    assert {pid for pid, _ in _calls(log)} == {os.getpid()}


def test_status_text() -> None:
    assert lxcenter.status_text(0) == "exit status 0"
    assert lxcenter.status_text(2 << 8) == "exit status 2"
    assert lxcenter.status_text(9) == "fatal signal 9"
    assert lxcenter.status_text(0x137F) == f"invalid value {0x137F}"  # stopped


def test_security_structs_have_libvirts_sizes() -> None:
    import ctypes

    assert ctypes.sizeof(lxcenter._SecurityModel) == 2 * 257
    assert ctypes.sizeof(lxcenter._SecurityLabel) == 4100 + 4  # 4097 + padding, then int
