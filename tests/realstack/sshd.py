"""A private sshd on a loopback port with generated keys (fleet mode's ssh host).

    with Sshd(tmp_dir) as sshd:
        uri = sshd.uri(stack.socket)   # qemu+ssh://root@127.0.0.1:PORT/system?...

Only this process's user may log in, with the generated key, from 127.0.0.1;
the far side reaches the stack's libvirtd socket with ``nc -U`` (libvirt's
``proxy=netcat``: virt-ssh-helper would open the machine's own default
socket, not the stack's).  Needs Debian's openssh-server and netcat-openbsd.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

SSHD = "/usr/sbin/sshd"
PACKAGES = ("openssh-server", "netcat-openbsd")


class SshdUnavailable(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Sshd:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.port = 0
        self.key = self.root / "client_key"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20) -> Sshd:
        missing = [p for p in (SSHD, shutil.which("nc")) if not p or not os.path.exists(p)]
        if missing or not shutil.which("ssh-keygen"):
            raise SshdUnavailable(f"needs Debian's {' and '.join(PACKAGES)}")
        self.root.mkdir(parents=True, exist_ok=True)
        for name in ("host_key", "client_key"):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.root / name)],
                check=True,
                timeout=30,
            )
        (self.root / "authorized_keys").write_text((self.root / "client_key.pub").read_text())
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation directory
        self.port = _free_port()
        config = self.root / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\n"
            f"HostKey {self.root / 'host_key'}\nPidFile {self.root / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {self.root / 'authorized_keys'}\n"
            f"AllowUsers {getpass.getuser()}\nPermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "UsePAM no\nStrictModes no\nPrintMotd no\n"
        )
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "sshd.log", "wb"),  # noqa: SIM115 (kept by the child)
        )
        deadline = time.monotonic() + timeout
        address = ("127.0.0.1", self.port)
        while True:
            with contextlib.suppress(OSError), socket.create_connection(address, 1):
                return self
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = (self.root / "sshd.log").read_text(errors="replace")
                self.stop()
                raise SshdUnavailable(f"sshd did not start: {log.strip()[-300:]}")
            time.sleep(0.05)

    def uri(self, libvirt_socket: Path) -> str:
        """A URI reaching ``libvirt_socket`` through this sshd."""
        return (
            f"qemu+ssh://{getpass.getuser()}@127.0.0.1:{self.port}/system"
            f"?socket={libvirt_socket}&proxy=netcat&keyfile={self.key}&no_verify=1&no_tty=1"
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def __enter__(self) -> Sshd:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
