"""Which path the vsh processes that tests start take: in-process or warm.

By default every vsh a test starts runs in-process (``VSH_WARM=0``): nothing
is left running in the background, and a test's outcome never depends on a
server started by another test.  ``VSH_TEST_WARM=1`` (the second pass of
``make test``) forces the warm path instead (``VSH_WARM=force``: a failure to
use the server is an error, not a silent fallback), with a server private to
this test session, stopped when the session ends.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile

WARM = os.environ.get("VSH_TEST_WARM", "") not in ("", "0")
_RUNTIME_DIR = tempfile.mkdtemp(prefix="vsh-warm-test-") if WARM else ""


def vsh_env() -> dict[str, str]:
    """Variables to put in the environment of every vsh a test starts."""
    if not WARM:
        return {"VSH_WARM": "0"}
    # a short idle time: a server must not outlive a crashed test session for long
    return {"VSH_WARM": "force", "XDG_RUNTIME_DIR": _RUNTIME_DIR, "VSH_WARM_IDLE": "120"}


def _stop_server() -> None:
    env = dict(os.environ, **vsh_env())
    subprocess.run(
        [sys.executable, "-m", "vsh", "--warm-stop"], env=env, capture_output=True, timeout=30
    )
    shutil.rmtree(_RUNTIME_DIR, ignore_errors=True)


if WARM:
    atexit.register(_stop_server)
