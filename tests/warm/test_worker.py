"""The worker's own steps (vsh.warm.worker), each in a throw-away interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_environment_becomes_the_clients_exactly() -> None:
    """Removed, changed, kept and new variables: the C environment (what a
    program the command starts sees) is the client's, nothing more or less."""
    probe = (
        "import os, subprocess\n"
        "from vsh.warm import worker\n"
        "client = {b'KEPT': b'same', b'CHANGED': b'new', b'NEW': b'\\xff', b'EMPTY': b''}\n"
        "worker._take_environment(client)\n"
        "out = subprocess.run(['env', '-0'], capture_output=True, check=True).stdout\n"
        "seen = dict(e.split(b'=', 1) for e in out.split(b'\\0') if e)\n"
        "print(seen == client, dict(os.environb) == client)\n"
    )
    env = {"KEPT": "same", "CHANGED": "old", "GONE": "x", "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out == "True True\n"
