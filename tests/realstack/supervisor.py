"""Runs inside the stack's private mount namespace as tini's only child.

    unshare --mount … sh -c 'mount --bind …; exec tini -s -p SIGTERM -- python supervisor.py ROOT'

tini (``-s``) is the subreaper: QEMU processes, which libvirtd daemonizes, are
re-parented to it and reaped at once, and they outlive a libvirtd restart
(that is what a libvirtd restart means).  This script owns libvirtd:

* SIGUSR1  start libvirtd if it is not running (after a kill or a stop)
* SIGUSR2  stop libvirtd (SIGTERM, then SIGKILL after 10 s); QEMU keeps running
* SIGTERM  stop libvirtd, then the QEMU processes named by libvirt's PID files
           (checked against /proc/PID/cmdline first), then the dnsmasq of the
           networks still active (libvirt leaves them running), and exit

It writes ``ROOT/supervisor.pid`` and ``ROOT/libvirtd.pid`` (the PID it
started; the test side may SIGKILL that PID to simulate a crash).  Standard
library only: it runs with whatever interpreter started it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(sys.argv[1])
LIBVIRTD = os.environ.get("VSH_REAL_LIBVIRTD", "/usr/sbin/libvirtd")


def note(text: str) -> None:
    with open(ROOT / "supervisor.log", "a") as log:
        log.write(f"{time.strftime('%H:%M:%S')} {text}\n")


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Supervisor:
    def __init__(self) -> None:
        self.daemon: subprocess.Popen[bytes] | None = None
        self.want_start = True
        self.want_stop_daemon = False
        self.want_exit = False

    def start_daemon(self) -> None:
        if self.daemon is not None and self.daemon.poll() is None:
            return
        pidfile = ROOT / "libvirtd.pid"
        with contextlib.suppress(FileNotFoundError):
            pidfile.unlink()
        log = open(ROOT / "libvirtd.stderr", "ab")  # noqa: SIM115 (handed to the child)
        self.daemon = subprocess.Popen(
            [
                LIBVIRTD,
                "--config",
                str(ROOT / "etc" / "libvirtd.conf"),
                "--pid-file",
                str(ROOT / "run" / "libvirtd-own.pid"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            close_fds=True,
        )
        log.close()
        tmp = pidfile.with_suffix(".tmp")
        tmp.write_text(f"{self.daemon.pid}\n")
        tmp.rename(pidfile)
        note(f"libvirtd started, pid {self.daemon.pid}")

    def stop_daemon(self) -> None:
        proc = self.daemon
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                note("libvirtd ignored SIGTERM for 10 s: SIGKILL")
                proc.kill()
                proc.wait(5)
        note(f"libvirtd {proc.pid} ended with {proc.returncode}")
        self.daemon = None
        with contextlib.suppress(FileNotFoundError):
            (ROOT / "libvirtd.pid").unlink()

    def stop_guests(self) -> None:
        pids = []
        for pidfile in (ROOT / "run" / "qemu").glob("*.pid"):
            try:
                pid = int(pidfile.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            if "qemu" in cmdline(pid) and f"guest={pidfile.stem}" in cmdline(pid):
                pids.append(pid)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and any(alive(p) for p in pids):
                time.sleep(0.05)
            pids = [p for p in pids if alive(p)]
            if not pids:
                break
        note("guests stopped")

    def stop_networks(self) -> None:
        """The dnsmasq of each network still active, by libvirt's PID files
        (run/network/NAME.pid, checked against the command line).  With them
        gone nothing is left in the stack's network namespace, so its bridges
        and firewall rules go too."""
        pids = []
        for pidfile in (ROOT / "run" / "network").glob("*.pid"):
            try:
                pid = int(pidfile.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            if "dnsmasq" in cmdline(pid) and f"/{pidfile.stem}.conf" in cmdline(pid):
                pids.append(pid)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and any(alive(p) for p in pids):
                time.sleep(0.05)
            pids = [p for p in pids if alive(p)]
            if not pids:
                break
        note("networks stopped")

    def run(self) -> int:
        signal.signal(signal.SIGUSR1, lambda *_: setattr(self, "want_start", True))
        signal.signal(signal.SIGUSR2, lambda *_: setattr(self, "want_stop_daemon", True))
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda *_: setattr(self, "want_exit", True))
        (ROOT / "supervisor.pid").write_text(f"{os.getpid()}\n")
        note(f"supervisor {os.getpid()} up")
        while not self.want_exit:
            if self.want_stop_daemon:
                self.want_stop_daemon = False
                self.stop_daemon()
            if self.want_start:
                self.want_start = False
                self.start_daemon()
            if self.daemon is not None and self.daemon.poll() is not None:
                note(f"libvirtd {self.daemon.pid} exited with {self.daemon.returncode}")
                self.daemon = None
                with contextlib.suppress(FileNotFoundError):
                    (ROOT / "libvirtd.pid").unlink()
            time.sleep(0.05)
        note("stopping")
        self.stop_daemon()
        self.stop_guests()
        self.stop_networks()
        note("supervisor exits")
        return 0


if __name__ == "__main__":
    sys.exit(Supervisor().run())
