"""A private libvirtd + QEMU stack for tests and benchmarks.

    stack = Stack().start()          # installs Debian packages if missing (as root)
    stack.uri                        # qemu+unix:///system?socket=<root>/libvirt-sock
    g = stack.define_guest("g1", start=True)   # 64 MiB TCG guest, waits for its ready line
    stack.restart_daemon(); stack.kill_daemon()
    stack.stop()                     # stops exactly what start() started

Everything lives under one scratch directory ``root``:

    root/etc    bind-mounted over /etc/libvirt      (libvirtd.conf, qemu.conf, domain XML)
    root/lib    bind-mounted over /var/lib/libvirt  (snapshot metadata, monitor sockets)
    root/run    bind-mounted over /run/libvirt      (QEMU PID files)
    root/log    bind-mounted over /var/log/libvirt
    root/cache  bind-mounted over /var/cache/libvirt (QEMU capabilities)
    root/libvirt-sock, libvirt-sock-ro, libvirt-admin-sock   the daemon's sockets
    root/images/NAME.qcow2, root/serial/NAME.log             guests
    root/libvirtd.log, libvirtd.stderr, supervisor.log        logs
    root/tini.pid, supervisor.pid, libvirtd.pid               the processes started

The process tree is ``unshare --mount`` (and ``--net`` with
``private_net=True``: see :meth:`Stack._net_setup`) → ``sh`` (bind mounts) → exec ``tini -s -p
SIGTERM`` → ``supervisor.py`` → ``libvirtd``; QEMU processes are re-parented to
tini.  With ``tie_to_parent=True`` (the default) tini gets SIGTERM when the
process that started it dies, so even a SIGKILLed pytest leaves nothing behind.
Every wait has a timeout; nothing is ever signalled by name, only by the PIDs
recorded above after checking /proc/PID/cmdline.

Command line (for benchmarks or by hand)::

    python -m tests.realstack.stack up [ROOT]      # prints the URI, leaves it running
    python -m tests.realstack.stack down ROOT
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.realstack.bootsector import POWEROFF_LINE, READY_LINE, disk_image
from tests.warmmode import vsh_env

PACKAGES = (
    "libvirt-daemon",
    "libvirt-daemon-driver-qemu",
    "libvirt-clients",
    "qemu-system-x86",
    "qemu-utils",
    "tini",
    "dnsmasq-base",  # DHCP/DNS of active virtual networks
    "iptables",  # their firewall rules (private_net keeps them in the stack's namespace)
    "iproute2",  # ip: brings lo up in the private network namespace
)
VIRSH = "/usr/bin/virsh"
LIBVIRTD = "/usr/sbin/libvirtd"
QEMU = "/usr/bin/qemu-system-x86_64"
QEMU_IMG = "/usr/bin/qemu-img"
TINI = "/usr/bin/tini"
UNSHARE = "/usr/bin/unshare"

BIND_MOUNTS = {
    "etc": "/etc/libvirt",
    "lib": "/var/lib/libvirt",
    "run": "/run/libvirt",
    "log": "/var/log/libvirt",
    "cache": "/var/cache/libvirt",
}

SUPERVISOR = Path(__file__).with_name("supervisor.py")


class StackUnavailable(RuntimeError):
    """The stack cannot run here (not root, packages not installable, daemon won't start)."""


class StackError(RuntimeError):
    """Something went wrong with a running stack (a command failed or timed out)."""


def _log(text: str) -> None:
    if os.environ.get("VSH_REAL_VERBOSE"):
        sys.stderr.write(f"[realstack] {text}\n")


# ---------------------------------------------------------------------------------
# packages and the libvirt-qemu user
# ---------------------------------------------------------------------------------
def missing_packages(packages: Sequence[str] = PACKAGES) -> list[str]:
    if not shutil.which("dpkg-query"):
        return list(packages)
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f=${Package} ${db:Status-Abbrev}\n", *packages],
        capture_output=True,
        text=True,
        timeout=30,
    )
    installed = {
        line.split()[0]
        for line in proc.stdout.splitlines()
        if len(line.split()) > 1 and line.split()[1].startswith("ii")
    }
    return [p for p in packages if p not in installed]


def ensure_packages(packages: Sequence[str] = PACKAGES, timeout: float = 900) -> float:
    """Install what is missing (``apt-get update`` only if the first try fails); seconds taken."""
    missing = missing_packages(packages)
    if not missing:
        return 0.0
    if os.geteuid() != 0:
        raise StackUnavailable(f"Debian packages missing ({' '.join(missing)}) and not root")
    if not shutil.which("apt-get"):
        raise StackUnavailable(f"Debian packages missing ({' '.join(missing)}) and no apt-get")
    started = time.monotonic()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [
        "apt-get",
        "install",
        "-y",
        "-q",
        "--no-install-recommends",
        "-o",
        "DPkg::Lock::Timeout=300",
        *missing,
    ]
    errors = ""
    for attempt in ("install", "update+install"):
        if attempt == "update+install":
            _log("apt-get install failed; running apt-get update")
            subprocess.run(
                ["apt-get", "update", "-q", "-o", "DPkg::Lock::Timeout=300"],
                capture_output=True,
                text=True,
                env=env,
                timeout=timeout,
            )
        _log(f"apt-get install {' '.join(missing)}")
        try:
            proc = subprocess.run(install, capture_output=True, text=True, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise StackUnavailable(f"apt-get install timed out after {timeout:.0f} s") from None
        if proc.returncode == 0 and not missing_packages(missing):
            return time.monotonic() - started
        errors = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    raise StackUnavailable(f"apt-get install {' '.join(missing)} failed: {' | '.join(errors)}")


def ensure_qemu_user() -> None:
    """libvirtd resolves libvirt-qemu:libvirt-qemu before reading qemu.conf."""
    import grp
    import pwd

    def exists(lookup, name: str) -> bool:
        try:
            lookup(name)
        except KeyError:
            return False
        return True

    if not exists(grp.getgrnam, "libvirt-qemu"):
        subprocess.run(["groupadd", "-r", "libvirt-qemu"], capture_output=True, timeout=30)
    if not exists(pwd.getpwnam, "libvirt-qemu"):
        subprocess.run(
            [
                "useradd",
                "-r",
                "-g",
                "libvirt-qemu",
                "-M",
                "-s",
                "/usr/sbin/nologin",
                "libvirt-qemu",
            ],
            capture_output=True,
            timeout=30,
        )
    # another test run may have created them at the same moment: only the result counts
    if not (exists(grp.getgrnam, "libvirt-qemu") and exists(pwd.getpwnam, "libvirt-qemu")):
        raise StackUnavailable("could not create the libvirt-qemu user and group")


# ---------------------------------------------------------------------------------
# processes
# ---------------------------------------------------------------------------------
def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _wait_gone(pids: Sequence[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.02)
    return not any(_alive(p) for p in pids)


@dataclass(frozen=True)
class Guest:
    name: str
    disk: Path
    serial: Path
    xml: Path


# ---------------------------------------------------------------------------------
# the stack
# ---------------------------------------------------------------------------------
class Stack:
    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        keep: bool = False,
        tie_to_parent: bool = True,
        host_uuid: str | None = None,
        cgroups: bool = True,
        private_net: bool = False,
    ) -> None:
        """``host_uuid``: libvirtd.conf's ``host_uuid`` (default: a fresh random one,
        so two stacks never look like the same host to migration).  ``cgroups``:
        False writes ``cgroup_controllers = [ ]`` to qemu.conf (two daemons giving
        guests the same id would collide in cgroup names)."""
        if root is None:
            # short: the socket path must fit sun_path (108 bytes)
            root = tempfile.mkdtemp(prefix="vsh-real-", dir="/tmp")
        self.root = Path(root).resolve()
        self.keep = keep
        self.tie_to_parent = tie_to_parent
        self.host_uuid = host_uuid or str(uuidlib.uuid4())
        self.cgroups = cgroups
        # libvirtd in a network namespace of its own (only ``lo``, brought up):
        # the bridges, firewall rules and dnsmasq of the networks it starts never
        # touch the machine's network.  Not for stacks that must reach each other
        # over 127.0.0.1 (migration pairs).
        self.private_net = private_net
        self.private_net_refused: str | None = None  # why private_net was dropped
        self._tini: subprocess.Popen[bytes] | None = None
        self.timings: dict[str, float] = {}

    # -- addresses ------------------------------------------------------------------
    @property
    def socket(self) -> Path:
        return self.root / "libvirt-sock"

    @property
    def uri(self) -> str:
        return f"qemu+unix:///system?socket={self.socket}"

    def pid(self, what: str) -> int | None:
        """PID of 'tini', 'supervisor' or 'libvirtd' if that process is alive."""
        expect = {"tini": "tini", "supervisor": "supervisor.py", "libvirtd": "libvirtd"}[what]
        pid = _read_pid(self.root / f"{what}.pid")
        if pid is not None and _alive(pid) and expect in _cmdline(pid):
            return pid
        return None

    def qemu_pids(self) -> dict[str, int]:
        """Guest name → QEMU PID, from libvirt's PID files (verified against /proc)."""
        found = {}
        for pidfile in (self.root / "run" / "qemu").glob("*.pid"):
            pid = _read_pid(pidfile)
            if pid is not None and _alive(pid):
                cmd = _cmdline(pid)
                if "qemu" in cmd and f"guest={pidfile.stem}" in cmd:
                    found[pidfile.stem] = pid
        return found

    def dnsmasq_pids(self) -> dict[str, int]:
        """Network name → the PID of its dnsmasq, from libvirt's PID files (verified)."""
        found = {}
        for pidfile in (self.root / "run" / "network").glob("*.pid"):
            pid = _read_pid(pidfile)
            if pid is not None and _alive(pid):
                cmd = _cmdline(pid)
                if "dnsmasq" in cmd and f"/{pidfile.stem}.conf" in cmd:
                    found[pidfile.stem] = pid
        return found

    # -- start / stop ---------------------------------------------------------------------
    def preflight(self) -> None:
        """Raise StackUnavailable when this machine cannot run the stack at all."""
        if sys.platform != "linux":
            raise StackUnavailable("needs Linux")
        if os.geteuid() != 0:
            raise StackUnavailable("needs root (private mount namespace, packages, libvirtd)")
        if os.environ.get("VSH_REAL_DISABLE"):
            raise StackUnavailable("disabled by VSH_REAL_DISABLE")

    def _write_config(self) -> None:
        for sub in [*BIND_MOUNTS, "images", "serial", "xml"]:
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "etc" / "libvirtd.conf").write_text(
            f'unix_sock_dir = "{self.root}"\n'
            'unix_sock_ro_perms = "0777"\n'
            'unix_sock_rw_perms = "0700"\n'
            'auth_unix_ro = "none"\n'
            'auth_unix_rw = "none"\n'
            f'log_outputs = "3:file:{self.root}/libvirtd.log"\n'
            "keepalive_interval = 5\n"
            "keepalive_count = 5\n"
            f'host_uuid = "{self.host_uuid}"\n'
        )
        (self.root / "etc" / "qemu.conf").write_text(
            'user = "root"\n'
            'group = "root"\n'
            "dynamic_ownership = 0\n"
            "remember_owner = 0\n"
            'security_driver = "none"\n'
            'stdio_handler = "file"\n' + ("" if self.cgroups else "cgroup_controllers = [ ]\n")
        )
        image = self.root / "images" / "base.raw"
        image.write_bytes(disk_image())
        subprocess.run(
            [
                QEMU_IMG,
                "convert",
                "-f",
                "raw",
                "-O",
                "qcow2",
                str(image),
                str(self.root / "images" / "base.qcow2"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        image.unlink()

    def start(self, timeout: float = 120) -> Stack:
        """Install, configure, launch and wait until the daemon answers; returns self."""
        t0 = time.monotonic()
        self.preflight()
        self.timings["install"] = ensure_packages()
        for binary in (LIBVIRTD, QEMU, QEMU_IMG, TINI, VIRSH, UNSHARE):
            if not os.access(binary, os.X_OK):
                raise StackUnavailable(f"{binary} is missing after installing {' '.join(PACKAGES)}")
        ensure_qemu_user()
        if self.private_net:
            self._check_private_net()
        self._write_config()
        binds = " ".join(
            f'mkdir -p {target} && mount --bind "$R/{sub}" {target} &&'
            for sub, target in BIND_MOUNTS.items()
        )
        script = (
            f'R="$1"; {binds} {self._net_setup() if self.private_net else ""}'
            f"exec {TINI} -s {'-p SIGTERM ' if self.tie_to_parent else ''}"
            f'-- "$2" "$3" "$R"'
        )
        t1 = time.monotonic()
        with open(self.root / "namespace.log", "ab") as nslog:
            self._tini = subprocess.Popen(
                [
                    UNSHARE,
                    "--mount",
                    *(["--net"] if self.private_net else []),
                    "--propagation",
                    "private",
                    "--",
                    "/bin/sh",
                    "-c",
                    script,
                    "sh",
                    str(self.root),
                    sys.executable,
                    str(SUPERVISOR),
                ],
                stdin=subprocess.DEVNULL,
                stdout=nslog,
                stderr=nslog,
                start_new_session=True,
                close_fds=True,
                env={
                    "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                    "LC_ALL": "C",
                    "HOME": str(self.root),
                    **{k: v for k, v in os.environ.items() if k == "VSH_REAL_LIBVIRTD"},
                },
            )
        (self.root / "tini.pid").write_text(f"{self._tini.pid}\n")
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        self.timings["daemon"] = time.monotonic() - t1
        self.timings["start"] = time.monotonic() - t0
        _log(f"stack up in {self.timings['start']:.2f} s at {self.root}")
        return self

    def _check_private_net(self) -> None:
        """A kernel refusing network namespaces (or a bridge in one) drops
        private_net, saying why in ``private_net_refused``: the stack still
        runs, and the tests that need a private network refuse to start one."""
        probe = "ip link set lo up && ip link add vshprobe0 type bridge"
        proc = subprocess.run(
            [UNSHARE, "--net", "--", "/bin/sh", "-c", probe],
            capture_output=True,
            text=True,
            timeout=30,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"},
        )
        if proc.returncode != 0:
            self.private_net = False
            self.private_net_refused = (proc.stderr or proc.stdout).strip() or "unshare failed"
            _log(f"no private network namespace: {self.private_net_refused}")

    @staticmethod
    def _net_setup() -> str:
        """Shell steps run inside a private network namespace: ``lo`` up, and
        the namespace's own view of /sys/class/net (a fresh sysfs mounted
        under $R/sys; bound over the two net directories only, so /sys/fs/cgroup
        stays), so libvirt's bridge settings cannot reach a host device of the
        same name."""
        net = ("class/net", "devices/virtual/net")
        binds = " ".join(f'mount --bind "$R/sys/{d}" /sys/{d} &&' for d in net)
        sysfs = 'mkdir -p "$R/sys" && mount -t sysfs sysfs "$R/sys"'
        return f"ip link set lo up && {sysfs} && {binds} "

    def _early_exit_reason(self) -> str | None:
        if self._tini is not None and self._tini.poll() is not None:
            return f"the namespace/tini process exited with {self._tini.returncode}"
        return None

    def log_tail(self, lines: int = 15) -> str:
        out = []
        for name in ("namespace.log", "libvirtd.stderr", "supervisor.log", "libvirtd.log"):
            path = self.root / name
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                if tail:
                    out.append(f"--- {name} ---\n" + "\n".join(tail))
        return "\n".join(out)

    def wait_ready(self, timeout: float = 60) -> float:
        """Poll ``virsh -c URI version --daemon`` every 0.1 s; seconds waited."""
        started = time.monotonic()
        deadline = started + timeout
        missing_since: float | None = None
        while True:
            reason = self._early_exit_reason()
            if reason is None and self.pid("supervisor") is not None:
                # the supervisor writes libvirtd.pid as it starts it and drops it at exit
                if self.pid("libvirtd") is None:
                    missing_since = missing_since or time.monotonic()
                    if time.monotonic() - missing_since > 2:
                        reason = "libvirtd exited"
                else:
                    missing_since = None
            if reason:
                raise StackUnavailable(f"libvirtd did not start: {reason}\n{self.log_tail()}")
            if self.socket.exists():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc = subprocess.run(
                        [VIRSH, "-c", self.uri, "version", "--daemon"],
                        capture_output=True,
                        timeout=min(30, max(1, deadline - time.monotonic())),
                        env=self.env(),
                    )
                    if proc.returncode == 0:
                        return time.monotonic() - started
            if time.monotonic() > deadline:
                raise StackUnavailable(
                    f"libvirtd not ready after {timeout:.0f} s\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def stop(self, timeout: float = 30) -> None:
        """Stop tini's tree (supervisor → libvirtd → QEMU by PID file); remove root unless keep."""
        tini = self.pid("tini")
        if tini is not None:
            sup = self.pid("supervisor")
            os.kill(tini, signal.SIGTERM)  # tini forwards it to the supervisor
            if not _wait_gone([tini], timeout):
                # the supervisor did not finish: kill exactly what it started
                pids = [p for p in (self.pid("libvirtd"), sup) if p]
                pids += list(self.qemu_pids().values())
                for pid in [*pids, tini]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                _wait_gone([*pids, tini], 10)
        # QEMU (and dnsmasq) left behind by a supervisor that was itself killed
        leftovers = [*self.qemu_pids().values(), *self.dnsmasq_pids().values()]
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _wait_gone(leftovers, 10)
        if self._tini is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._tini.wait(5)
            self._tini = None
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the daemon --------------------------------------------------------------------
    def kill_daemon(self, sig: int = signal.SIGKILL, timeout: float = 10) -> int:
        """Signal libvirtd (default SIGKILL, a crash) and wait until it is gone; its PID."""
        pid = self.pid("libvirtd")
        if pid is None:
            raise StackError("libvirtd is not running")
        os.kill(pid, sig)
        if not _wait_gone([pid], timeout):
            raise StackError(f"libvirtd {pid} still alive {timeout} s after signal {sig}")
        # the supervisor notices the exit and drops libvirtd.pid
        deadline = time.monotonic() + 5
        while (self.root / "libvirtd.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return pid

    def start_daemon(self, timeout: float = 60) -> float:
        """Start libvirtd again (after kill_daemon/stop_daemon); seconds until ready."""
        sup = self.pid("supervisor")
        if sup is None:
            raise StackError("the stack's supervisor is not running")
        started = time.monotonic()
        os.kill(sup, signal.SIGUSR1)
        deadline = started + 10
        while self.pid("libvirtd") is None:
            if time.monotonic() > deadline:
                raise StackError(f"libvirtd did not start\n{self.log_tail()}")
            time.sleep(0.02)
        self.wait_ready(timeout)
        return time.monotonic() - started

    def stop_daemon(self, timeout: float = 20) -> None:
        sup, pid = self.pid("supervisor"), self.pid("libvirtd")
        if sup is None or pid is None:
            return
        os.kill(sup, signal.SIGUSR2)
        if not _wait_gone([pid], timeout):
            raise StackError(f"libvirtd {pid} did not stop")

    def restart_daemon(self, timeout: float = 60) -> float:
        """A clean restart (SIGTERM, start, wait ready); running guests survive; seconds."""
        started = time.monotonic()
        self.stop_daemon()
        self.start_daemon(timeout)
        return time.monotonic() - started

    # -- clients -------------------------------------------------------------------------
    @staticmethod
    def env() -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("VIRSH_", "VSH_", "LIBVIRT_"))
        }
        env.update(LANG="C.UTF-8", TZ="UTC")
        env.update(vsh_env())  # in-process, or the warm path in make test's second pass
        env.pop("LC_ALL", None)
        return env

    def virsh(
        self,
        *args: str,
        check: bool = True,
        timeout: float = 60,
        readonly: bool = False,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run /usr/bin/virsh against the stack (one process; ``;`` joins commands)."""
        argv = [VIRSH, *(["-r"] if readonly else []), "-c", self.uri, *args]
        try:
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=timeout,
                input=stdin or "",
                env=self.env(),
            )
        except subprocess.TimeoutExpired:
            raise StackError(f"virsh {' '.join(args)!r} timed out after {timeout} s") from None
        if check and proc.returncode != 0:
            raise StackError(f"virsh {' '.join(args)!r} failed: {proc.stderr.strip()}")
        return proc

    def connect(self, readonly: bool = False):  # -> libvirt.virConnect
        """A libvirt-python connection (for benchmarks); the caller closes it."""
        import libvirt

        return libvirt.openReadOnly(self.uri) if readonly else libvirt.open(self.uri)

    # -- guests --------------------------------------------------------------------------
    def guest(self, name: str) -> Guest:
        return Guest(
            name=name,
            disk=self.root / "images" / f"{name}.qcow2",
            serial=self.root / "serial" / f"{name}.log",
            xml=self.root / "xml" / f"{name}.xml",
        )

    def guest_xml(self, name: str, *, uuid: str | None = None) -> str:
        """The guest's domain XML; the UUID is derived from the name unless given."""
        g = self.guest(name)
        uuid = uuid or str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"vsh-realstack:{name}"))
        return f"""<domain type='qemu'>
  <name>{name}</name>
  <uuid>{uuid}</uuid>
  <memory unit='MiB'>64</memory>
  <currentMemory unit='MiB'>64</currentMemory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>{QEMU}</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{g.disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <controller type='usb' model='none'/>
    <serial type='file'>
      <source path='{g.serial}' append='on'/>
      <target port='0'/>
    </serial>
    <video>
      <model type='none'/>
    </video>
    <memballoon model='none'/>
  </devices>
</domain>
"""

    def prepare_guest(self, name: str) -> Guest:
        """A fresh disk (copy of the boot-sector image) and domain XML file, not defined."""
        g = self.guest(name)
        shutil.copyfile(self.root / "images" / "base.qcow2", g.disk)
        with contextlib.suppress(FileNotFoundError):
            g.serial.unlink()
        g.xml.write_text(self.guest_xml(name))
        return g

    def define_guest(self, name: str, *, start: bool = False, ready_timeout: float = 60) -> Guest:
        """prepare_guest + ``virsh define``; optionally start and wait for the ready line."""
        g = self.prepare_guest(name)
        self.virsh("define", str(g.xml))
        if start:
            self.start_guest(name, ready_timeout=ready_timeout)
        return g

    def start_guest(self, name: str, *, ready_timeout: float = 60) -> None:
        before = self.serial_text(name).count(READY_LINE)
        self.virsh("start", name)
        self.wait_serial(name, READY_LINE, count=before + 1, timeout=ready_timeout)

    def remove_guest(self, name: str) -> None:
        """Destroy (if running), drop snapshot metadata, undefine, delete its files."""
        state = self.virsh("domstate", name, check=False)
        if state.returncode == 0:
            if state.stdout.strip() not in ("shut off", ""):
                self.virsh("destroy", name, check=False)
            self.virsh(
                "undefine", name, "--snapshots-metadata", "--checkpoints-metadata", check=False
            )
        for path in (self.root / "images").glob(f"{name}.*"):
            path.unlink(missing_ok=True)
        g = self.guest(name)
        g.serial.unlink(missing_ok=True)
        g.xml.unlink(missing_ok=True)

    def serial_text(self, name: str) -> str:
        try:
            return self.guest(name).serial.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_serial(self, name: str, text: str, *, count: int = 1, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.serial_text(name).count(text) < count:
            if time.monotonic() > deadline:
                raise StackError(
                    f"{name}: {text!r} seen {self.serial_text(name).count(text)} times on the "
                    f"serial console, wanted {count}, after {timeout} s"
                )
            time.sleep(0.05)

    def domstate(self, name: str) -> str:
        return self.virsh("domstate", name).stdout.strip()

    def wait_state(self, name: str, state: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while (now := self.domstate(name)) != state:
            if time.monotonic() > deadline:
                raise StackError(f"{name} is {now!r}, not {state!r}, after {timeout} s")
            time.sleep(0.05)

    def snapshot_files(self, name: str) -> list[Path]:
        """Snapshot metadata files libvirtd wrote for domain ``name``."""
        return sorted((self.root / "lib" / "qemu" / "snapshot" / name).glob("*.xml"))

    def qcow2_snapshots(self, name: str) -> list[str]:
        """Internal snapshot names inside the guest's qcow2 (``qemu-img snapshot -l -U``)."""
        proc = subprocess.run(
            [QEMU_IMG, "snapshot", "-l", "-U", str(self.guest(name).disk)],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        names = []
        for line in proc.stdout.splitlines()[2:]:
            fields = line.split()
            if len(fields) > 1 and re.fullmatch(r"\d+", fields[0]):
                names.append(fields[1])
        return names


__all__ = [
    "PACKAGES",
    "POWEROFF_LINE",
    "READY_LINE",
    "Guest",
    "Stack",
    "StackError",
    "StackUnavailable",
    "ensure_packages",
]


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.realstack.stack")
    sub = parser.add_subparsers(dest="action", required=True)
    up = sub.add_parser("up", help="start a stack that outlives this command; print its URI")
    up.add_argument("root", nargs="?")
    down = sub.add_parser("down", help="stop the stack in ROOT and remove ROOT")
    down.add_argument("root")
    down.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if args.action == "up":
        try:
            stack = Stack(args.root, keep=True, tie_to_parent=False).start()
        except StackUnavailable as exc:
            print(f"stack unavailable: {exc}", file=sys.stderr)
            return 1
        print(stack.uri)
        print(f"# stop with: python -m tests.realstack.stack down {stack.root}", file=sys.stderr)
        return 0
    Stack(args.root, keep=args.keep).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
