"""Run the same command line through /usr/bin/virsh and vsh and compare.

Both get the same arguments, stdin and environment (a private HOME and XDG
directories, no inherited connection URIs), and all three streams are compared
byte for byte.  A normaliser may be passed for output that is inherently
different between two runs (creation timestamps, timing lines); it is applied
to both sides alike.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.warmmode import vsh_env

VIRSH = os.environ.get("VSH_ORACLE", "/usr/bin/virsh")
_BIN = Path(sys.executable).parent
VSH = [str(_BIN / "vsh")] if (_BIN / "vsh").exists() else [sys.executable, "-m", "vsh"]

_DROP = ("LIBVIRT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI", "VSH_DEFAULT_CONNECT_URI")
_SCRATCH = tempfile.mkdtemp(prefix="vsh-conformance-")  # HOME of both tools
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)

Normaliser = Callable[[str], str]


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str


_VSH_GROUP = re.compile(r" Beyond virsh \(help keyword 'vsh'\):?\n(    .*\n)*\n")


def without_vsh_group(text: str) -> str:
    """A command listing (`help`, `--help`) without vsh's own group, the one
    deliberate difference between vsh's listing and virsh's."""
    return _VSH_GROUP.sub("", text)


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _DROP and not k.startswith(("VIRSH_", "VSH_", "LIBVIRT_"))
    }
    env.update(
        HOME=_SCRATCH,
        XDG_CACHE_HOME=os.path.join(_SCRATCH, "cache"),
        XDG_CONFIG_HOME=os.path.join(_SCRATCH, "config"),
        LANG="C.UTF-8",
        TZ="UTC",
        TERM="dumb",
        NO_COLOR="1",
    )
    env.pop("LC_ALL", None)
    env.update(vsh_env())  # in-process, or the warm path in make test's second pass
    if extra:
        env.update(extra)
    return env


def run(
    program: Sequence[str],
    args: Sequence[str],
    *,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    timeout: float = 120,
) -> Outcome:
    proc = subprocess.run(
        [*program, *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=base_env(env),
        cwd=cwd,
        timeout=timeout,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def run_virsh(args: Sequence[str], **kw: object) -> Outcome:
    return run([VIRSH], args, **kw)  # type: ignore[arg-type]


def run_vsh(args: Sequence[str], **kw: object) -> Outcome:
    return run(VSH, args, **kw)  # type: ignore[arg-type]


def both(
    args: Sequence[str], *, normalise: Normaliser | None = None, **kw: object
) -> tuple[Outcome, Outcome]:
    """(virsh, vsh) outcomes for the same invocation, normalised alike."""
    expected, actual = run_virsh(args, **kw), run_vsh(args, **kw)
    if normalise is not None:
        expected = Outcome(expected.status, normalise(expected.out), normalise(expected.err))
        actual = Outcome(actual.status, normalise(actual.out), normalise(actual.err))
    return expected, actual


def assert_same(args: Sequence[str], **kw: object) -> Outcome:
    """Assert vsh matches virsh on stdout, stderr and exit status; return the outcome."""
    expected, actual = both(args, **kw)  # type: ignore[arg-type]
    for stream in ("err", "out", "status"):
        want, got = getattr(expected, stream), getattr(actual, stream)
        assert got == want, (
            f"{_STREAMS[stream]} differs for {list(args)!r}:\n  virsh: {want!r}\n  vsh:   {got!r}"
        )
    return actual


_STREAMS = {"err": "stderr", "out": "stdout", "status": "exit status"}
