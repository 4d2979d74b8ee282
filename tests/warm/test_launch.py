"""vsh.warm.launch: fleet mode's hosts as direct requests to a real warm server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vsh.warm import launch

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A private warm server (started by one forced command), its environment."""
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(run_dir), VSH_WARM="force", PYTHONPATH=str(ROOT))
    env["VSH_WARM_IDLE"] = "60"
    first = subprocess.run(
        [sys.executable, "-m", "vsh", "-c", "test:///default", "uri"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run_dir))
    yield env
    subprocess.run([sys.executable, "-m", "vsh", "--warm-stop"], env=env, capture_output=True)


def run(args: list[str], env: dict[str, str]) -> tuple[int, bytes, bytes]:
    with open(os.devnull, "rb") as stdin:
        process = launch.launch(args, env, stdin.fileno())
    assert process is not None
    assert process.stdout is not None and process.stderr is not None
    out, err = process.stdout.read(), process.stderr.read()
    return process.wait(timeout=30), out, err


def test_a_host_runs_in_a_worker_as_a_one_shot_would(server: dict[str, str]) -> None:
    status, out, err = run(["-c", "test:///default", "--", "uri"], server)
    assert (status, out, err) == (0, b"test:///default\n\n", b"")
    status, out, err = run(["-c", "test:///default", "--", "dominfo nosuch"], server)
    assert status == 1
    assert err.startswith(b"error: failed to get domain 'nosuch'")


def test_the_hosts_environment_reaches_the_worker(server: dict[str, str], tmp_path: Path) -> None:
    report = tmp_path / "report"
    env = dict(server, VSH_FLEET_REPORT=str(report))
    assert run(["-c", "test:///default", "--", "uri"], env)[0] == 0
    assert report.read_text() == "connected\n"


def test_a_worker_is_killed_through_its_process_group(server: dict[str, str]) -> None:
    import signal

    with open(os.devnull, "rb") as stdin:
        process = launch.launch(
            ["-c", "test:///default", "--", "event --all --loop"], server, stdin.fileno()
        )
    assert process is not None
    time.sleep(1)
    assert process.poll() is None
    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(timeout=30) == -signal.SIGTERM


def test_no_server_declines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir = tmp_path / "empty"
    run_dir.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run_dir))
    with open(os.devnull, "rb") as stdin:
        assert launch.launch(["uri"], dict(os.environ), stdin.fileno()) is None
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "missing"))
    with open(os.devnull, "rb") as stdin:
        assert launch.launch(["uri"], dict(os.environ), stdin.fileno()) is None
