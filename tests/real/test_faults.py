"""Faults on the real stack: the daemon dies or restarts under vsh; read-only connections.

* libvirtd is SIGKILLed in the middle of a 200-snapshot ``snapshot-redefine``: vsh
  must exit 1 with a clear message, never hang; after a daemon restart
  ``snapshot-redefine --skip-existing`` completes the set, identical to the source.
* libvirtd restarts while an interactive shell is open: the next command prints
  ``error: Reconnected to the hypervisor`` (checked on virsh first, then vsh).
* ``-r``: every mutating command is refused, in virsh's words, and nothing changes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import pytest

from tests.conformance import harness
from tests.real.util import fingerprint, needs, ok, same, snapshot_state, virsh, vsh
from tests.realstack.ptyshell import PtyShell
from tests.realstack.snapshots import redefine_with_virsh, synthetic_tree, write_snapshot_files
from tests.realstack.stack import VIRSH

pytestmark = pytest.mark.real

COUNT = 200


def _kill_daemon_mid_redefine(stack, domain, bundle):
    """Start ``vsh snapshot-redefine``; once 10 snapshots exist, SIGSTOP then SIGKILL
    libvirtd.  (proc, defined, stdout, stderr, seconds vsh took to exit after the kill),
    or None when vsh finished before the kill could happen."""
    proc = subprocess.Popen(
        [*harness.VSH, "-c", stack.uri, "snapshot-redefine", domain, str(bundle)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=harness.base_env(),
    )
    daemon = stack.pid("libvirtd")
    try:
        deadline = time.monotonic() + 60
        while len(stack.snapshot_files(domain)) < 10:
            if proc.poll() is not None:
                proc.communicate()
                return None
            assert time.monotonic() < deadline, "snapshot-redefine defined nothing in 60 s"
            time.sleep(0.001)
        os.kill(daemon, signal.SIGSTOP)  # frozen: the count cannot move any more
        defined = len(stack.snapshot_files(domain))
        stack.kill_daemon(signal.SIGKILL)
        t_kill = time.monotonic()
        out, err = proc.communicate(timeout=60)  # never hangs
        return proc, defined, out, err, time.monotonic() - t_kill
    finally:
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(daemon, signal.SIGCONT)  # never leave a frozen daemon to later tests
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.real(timeout=300)
def test_sigkill_during_redefine_then_skip_existing(real_stack, guests, tmp_path):
    needs("snapshot-export", "snapshot-redefine")
    g = guests("ft-kill")
    tree = synthetic_tree(COUNT)
    files = write_snapshot_files(real_stack, "ft-kill", tree, tmp_path)
    redefine_with_virsh(real_stack, "ft-kill", files, current=tree[COUNT // 2][0])
    truth = snapshot_state(real_stack, "ft-kill")
    assert len(real_stack.snapshot_files("ft-kill")) == COUNT

    bundle = tmp_path / "ft-kill.snapshots.xml"
    ok(vsh(real_stack, "snapshot-export", "ft-kill", str(bundle)))
    ok(vsh(real_stack, "undefine", "ft-kill", "--snapshots-metadata"))
    ok(vsh(real_stack, "define", str(g.xml)))
    assert real_stack.snapshot_files("ft-kill") == []

    for _attempt in range(3):
        caught = _kill_daemon_mid_redefine(real_stack, "ft-kill", bundle)
        if caught is not None:
            break
        # vsh finished before the poller saw 10 snapshots (a badly loaded machine): again
        real_stack.virsh("undefine", "ft-kill", "--snapshots-metadata")
        real_stack.virsh("define", str(g.xml))
    else:
        pytest.fail("could not catch snapshot-redefine mid-run in 3 attempts")
    proc, defined, out, err, waited = caught
    print(
        f"libvirtd killed with {defined}/{COUNT} defined; vsh exited {proc.returncode} "
        f"{waited:.2f} s later: stdout {out!r} stderr {err!r}"
    )
    assert defined < COUNT
    assert proc.returncode == 1, (out, err)
    assert err.startswith("error: ") and "Traceback" not in err, err
    assert "ft-kill" in err, err  # says which domain's redefinition was cut short
    assert waited < 30, f"vsh took {waited:.1f} s to notice the dead daemon"

    real_stack.start_daemon()
    partial = len(real_stack.snapshot_files("ft-kill"))
    assert 0 < partial < COUNT  # what was defined before the kill survived the restart
    ok(
        vsh(
            real_stack, "snapshot-redefine", "ft-kill", str(bundle), "--skip-existing", timeout=180
        ),
        "snapshot-redefine --skip-existing",
    )
    assert snapshot_state(real_stack, "ft-kill") == truth


def _transcript(argv, prompt, stack, env):
    """Command, daemon restart, command, command: what the shell printed at each step.

    The close event arrives asynchronously while the shell sits at its prompt, and a
    shell may redraw its prompt after printing it (vsh does, late enough to land after
    the next command's echo), so each step waits for the command's result line rather
    than for a prompt, and prompts and echoes are dropped from what is compared.
    """

    def lines(text):
        text = text.replace(prompt.strip(), "\n")
        return [ln.strip() for ln in text.splitlines() if ln.strip() and "domstate" not in ln]

    with PtyShell(argv, env=env) as sh:

        def run(command):
            sh.send(command + "\n")
            out = sh.expect(r"running\n", timeout=30) + "running\n"
            return out + sh.settle()

        sh.expect(prompt, timeout=30)
        first = run("domstate ic-run")
        stack.restart_daemon()
        notice = sh.expect(r"due to end of file", timeout=30) + "due to end of file\n"
        notice += sh.settle()
        second = run("domstate ic-run")
        third = run("domstate ic-run")
        sh.send("quit\n")
    return lines(first), lines(notice), lines(second), lines(third)


def test_daemon_restart_under_interactive_shell(real_stack, guests, tmp_path):
    guests("ic-run", start=True)
    env = dict(harness.base_env(), TERM="dumb", HOME=str(tmp_path))
    uri = real_stack.uri

    expected = _transcript([VIRSH, "-c", uri], "virsh # ", real_stack, env)
    assert expected == (  # virsh's own behaviour, first
        ["running"],
        [f"error: Disconnected from {uri} due to end of file"],
        ["error: Reconnected to the hypervisor", "running"],
        ["running"],
    )
    actual = _transcript([*harness.VSH, "-c", uri], "vsh # ", real_stack, env)
    assert actual == expected


def test_read_only_connection_refuses_every_mutation(real_stack, guests, tmp_path):
    guests("ro-run", start=True)
    real_stack.virsh("snapshot-create-as", "ro-run", "s1")
    real_stack.virsh("snapshot-create-as", "ro-run", "s2")
    off = guests("ro-off")
    new = guests("ro-new", define=False)  # disk and XML only
    snapxml = tmp_path / "snap.xml"
    snapxml.write_text("<domainsnapshot><name>s3</name></domainsnapshot>")
    domains = ["ro-run", "ro-off"]
    before = fingerprint(real_stack, domains)
    files_before = sorted(p.name for p in (real_stack.root / "images").iterdir())

    mutating = [
        ["start", "ro-off"],
        ["destroy", "ro-run"],
        ["suspend", "ro-run"],
        ["resume", "ro-run"],
        ["shutdown", "ro-run"],
        ["reboot", "ro-run"],
        ["reset", "ro-run"],
        ["define", str(off.xml)],
        ["create", str(new.xml)],
        ["undefine", "ro-off"],
        ["undefine", "ro-run", "--snapshots-metadata"],
        ["autostart", "ro-off"],
        ["snapshot-create-as", "ro-run", "s3"],
        ["snapshot-create-as", "ro-run", "s3", "--disk-only"],
        ["snapshot-create", "ro-run", str(snapxml)],
        ["snapshot-delete", "ro-run", "s1"],
        ["snapshot-delete", "ro-run", "s1", "--metadata"],
        ["snapshot-revert", "ro-run", "s1"],
        ["snapshot-current", "ro-run", "s1"],
    ]
    for args in mutating:
        out = same(real_stack, *args, readonly=True)
        assert out.status == 1, args
        assert "operation forbidden" in out.err, (args, out.err)
    # the bulk commands, where they exist (no virsh equivalent to compare with)
    bulk = []
    bundle = tmp_path / "ro.snapshots.xml"
    if os.environ.get("VSH_REAL_SKIP_BULK") is None:
        try:
            needs("snapshot-export", "snapshot-redefine", "snapshot-restore")
        except pytest.skip.Exception:
            pass
        else:
            ok(
                vsh(real_stack, "snapshot-export", "ro-run", str(bundle), readonly=True),
                "read-only export",
            )
            bulk = [
                ["snapshot-redefine", "ro-off", str(bundle)],
                ["snapshot-redefine", "ro-off", str(bundle), "--skip-existing", "--no-rollback"],
                ["snapshot-restore", "s1", "ro-run"],
                ["snapshot-restore", "s1", "--all"],
            ]
    for args in bulk:
        out = vsh(real_stack, *args, readonly=True)
        assert out.status == 1, (args, out)
        assert "operation forbidden" in out.err or "read-only" in out.err, (args, out.err)

    assert fingerprint(real_stack, domains) == before
    assert sorted(p.name for p in (real_stack.root / "images").iterdir()) == files_before
    assert real_stack.virsh("list", "--all", "--name").stdout.split().count("ro-new") == 0
    # and reading still works on the same read-only connection
    same(real_stack, "snapshot-list", "ro-run", "--tree", readonly=True)
    assert virsh(real_stack, "domstate", "ro-run", readonly=True).out == "running\n\n"
