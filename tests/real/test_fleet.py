"""Fleet mode (``vsh -H``) over three real libvirtd daemons (the ``stack_trio``
fixture), reached over ``qemu+unix://...?socket=``, plus an unreachable URI.

A daemon SIGKILLed while its host's command runs is reported unreachable
while the other hosts complete; each host's output and ``--json`` document
are what a one-shot ``vsh -c URI`` prints for that daemon.  One host is
reached over ``qemu+ssh://`` through a private sshd on a loopback port
(tests/realstack/sshd.py).
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.harness import VSH, Outcome, base_env, run_vsh
from tests.realstack.sshd import PACKAGES as SSH_PACKAGES
from tests.realstack.sshd import Sshd, SshdUnavailable
from tests.realstack.stack import Stack, StackUnavailable, ensure_packages

pytestmark = pytest.mark.real

UNREACHABLE = "qemu+unix:///system?socket=/nonexistent"
Trio = tuple[Stack, Stack, Stack]


@pytest.fixture
def config(tmp_path: Path, stack_trio: Trio) -> dict[str, str]:
    """A hosts file naming the three daemons hv01..hv03 and a dead one; its environment."""
    (tmp_path / "vsh").mkdir()
    lines = [f'hv0{i} = "{stack.uri}"' for i, stack in enumerate(stack_trio, 1)]
    (tmp_path / "vsh" / "hosts.toml").write_text(
        "[hosts]\n" + "\n".join(lines) + f'\ndown = "{UNREACHABLE}"\n'
        '[groups]\nreal = ["hv[01-03]"]\n'
    )
    return {"XDG_CONFIG_HOME": str(tmp_path)}


@pytest.fixture
def defined(stack_trio: Trio) -> Iterator[list[str]]:
    """A different set of (not started) guests on each daemon, removed afterwards."""
    names = []
    for index, stack in enumerate(stack_trio, 1):
        for guest in range(index):
            name = f"fleet{index}-{guest}"
            stack.define_guest(name)
            names.append(name)
    yield names
    for index, stack in enumerate(stack_trio, 1):
        for guest in range(index):
            stack.remove_guest(f"fleet{index}-{guest}")


def fleet(env: dict[str, str], *args: str, timeout: float = 120) -> Outcome:
    return run_vsh(args, env=env, timeout=timeout)


def prefixed(name: str, text: str) -> str:
    return "".join(f"{name}: {line}\n" for line in text.splitlines())


def test_each_host_prints_what_its_one_shot_vsh_prints(
    config: dict[str, str], stack_trio: Trio, defined: list[str]
) -> None:
    out = fleet(config, "-H", "@real", "list", "--all")
    assert (out.status, out.err) == (0, "3 ok\n")
    for index, stack in enumerate(stack_trio, 1):
        single = run_vsh(["-c", stack.uri, "list", "--all"])
        assert prefixed(f"hv0{index}", single.out) in out.out
    assert len(out.out.splitlines()) == sum(
        len(run_vsh(["-c", s.uri, "list", "--all"]).out.splitlines()) for s in stack_trio
    )


def test_json_and_an_unreachable_host(
    config: dict[str, str], stack_trio: Trio, defined: list[str]
) -> None:
    out = fleet(config, "-H", "@real,down", "--json", "list", "--all")
    assert out.status == 2
    assert out.err == "3 ok, 1 unreachable (down)\n"
    doc = json.loads(out.out)
    for index, stack in enumerate(stack_trio, 1):
        own = json.loads(run_vsh(["-c", stack.uri, "list", "--all", "--json"]).out)
        assert doc["hosts"][f"hv0{index}"] == {
            "status": "ok",
            "exit": 0,
            "result": own,
            "stderr": "",
        }
        assert len(own) == index  # the daemons really differ
    assert doc["hosts"]["down"]["status"] == "unreachable"
    assert doc["summary"]["exit"] == 2


@pytest.mark.real(timeout=180)
def test_a_daemon_killed_mid_command_is_unreachable_the_others_complete(
    config: dict[str, str], stack_trio: Trio
) -> None:
    """Each host waits in ``event`` for 6 s, then lists; hv02's daemon dies at 2 s."""
    victim = stack_trio[1]
    proc = subprocess.Popen(
        [*VSH, "-H", "@real", "--gather", "event --all --timeout 6; list --all --name"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=base_env(config),
    )
    killer = threading.Timer(2.0, victim.kill_daemon)
    killer.start()
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        killer.join()
    assert proc.returncode == 2, err
    assert err.endswith("2 ok, 1 unreachable (hv02)\n")
    assert "hv02: error: " in err
    # the two others waited out their events, then listed
    assert "hv[01,03] (2)" in out
    assert "event loop timed out" in out
    victim.start_daemon()
    started = time.monotonic()
    assert fleet(config, "-H", "hv02", "uri").status == 0
    assert time.monotonic() - started < 60


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    from tests.realstack.plugin import _unavailable

    server = Sshd(tmp_path_factory.mktemp("sshd"))
    reason = None
    try:
        ensure_packages(SSH_PACKAGES)
        server.start()
    except (StackUnavailable, SshdUnavailable, OSError, subprocess.SubprocessError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
    if reason is not None:
        _unavailable(reason)
    try:
        yield server
    finally:
        server.stop()


def test_a_host_over_ssh(
    config: dict[str, str], stack_trio: Trio, defined: list[str], sshd: Sshd
) -> None:
    """``far`` is hv01's daemon through sshd: the same output, gathered with hv01's."""
    far = sshd.uri(stack_trio[0].socket)
    out = fleet(config, "-H", f"hv01,{far},hv02", "--gather", "list --all --name")
    assert (out.status, out.err) == (0, "3 ok\n"), out.err
    single = run_vsh(["-c", stack_trio[0].uri, "list", "--all", "--name"]).out
    assert single.strip() == "fleet1-0"
    header = f"{far},hv01 (2)" if far < "hv01" else f"hv01,{far} (2)"
    assert f"{header}\n{'-' * len(header)}\n{single}" in out.out
