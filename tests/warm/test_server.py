"""The warm path end to end: a real server in a private runtime directory.

Every outcome is compared with the same command run in-process
(``VSH_WARM=0``), never with a hand-written expectation.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.harness import VSH, base_env

DEFAULT = "test:///default"


class Warm:
    """A private runtime directory and the environments that use it."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "run"
        self.dir.mkdir(mode=0o700)
        self.home = root

    @staticmethod
    def env_for(root: Path) -> dict[str, str]:
        return dict(base_env(), VSH_WARM="0", XDG_RUNTIME_DIR=str(root / "run"))

    def env(self, mode: str = "force", **extra: str) -> dict[str, str]:
        env = base_env()
        env.update(VSH_WARM=mode, XDG_RUNTIME_DIR=str(self.dir), VSH_WARM_IDLE="60")
        env.update(extra)
        return env

    @property
    def socket(self) -> Path:
        return self.dir / "vsh" / "warm.sock"

    def server_pid(self) -> int | None:
        out = self.run(["--warm-status"], mode="0").out
        found = re.search(r"pid=(\d+)", out)
        return int(found.group(1)) if found else None

    def spare_pid(self) -> int | None:
        """The child forked ahead for the next command (it runs none yet)."""
        found = re.search(r"spare=(\d+)", self.run(["--warm-status"], mode="0").out)
        return int(found.group(1)) if found else None

    def wait_server(self, *, other_than: int | None = None, timeout: float = 20) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.server_pid()
            if pid is not None and pid != other_than:
                return pid
            time.sleep(0.05)
        raise AssertionError("no warm server came up")

    def run(
        self,
        args: list[str],
        *,
        mode: str = "force",
        stdin: str = "",
        cwd: str | None = None,
        **extra: str,
    ) -> Outcome:
        proc = subprocess.run(
            [*VSH, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env(mode, **extra),
            cwd=cwd,
            timeout=60,
        )
        return Outcome(proc.returncode, proc.stdout, proc.stderr)


class Outcome:
    def __init__(self, status: int, out: str, err: str) -> None:
        self.status, self.out, self.err = status, out, err

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Outcome) and vars(self) == vars(other)

    def __repr__(self) -> str:
        return f"Outcome({self.status}, {self.out!r}, {self.err!r})"


@pytest.fixture
def warm(tmp_path: Path) -> Iterator[Warm]:
    w = Warm(tmp_path)
    try:
        yield w
    finally:
        pid = w.server_pid()
        w.run(["--warm-stop"], mode="0")
        if pid is not None:
            _wait_gone(pid)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} still alive")


def same_both_ways(warm: Warm, args: list[str], **kw: str) -> Outcome:
    cold = warm.run(args, mode="0", **kw)
    hot = warm.run(args, mode="force", **kw)
    assert hot == cold, args
    return hot


@pytest.mark.parametrize(
    "args",
    [
        ["-c", DEFAULT, "list", "--all"],
        ["-c", DEFAULT, "domuuid test; dominfo nosuch; domstate test"],
        ["-c", DEFAULT, "nosuchcommand"],
        ["-c", DEFAULT, "list", "--bogus"],
        ["-q", "-c", DEFAULT, "complete", "--", "dominfo", "t"],
        ["help", "list"],
        ["--version"],
        ["-c", "test:///no/such/file.xml", "list"],
        ["-c", DEFAULT, "snapshot-list", "test", "--json"],
    ],
)
def test_same_outcome_as_in_process(warm: Warm, args: list[str]) -> None:
    same_both_ways(warm, args)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_the_command_runs_in_a_worker(warm: Warm) -> None:
    """The client has no libvirt in it; a child of the server runs the command."""
    warm.run(["-c", DEFAULT, "list"])
    server = warm.wait_server()
    for mode in ("0", "force"):
        proc = _start(warm, mode, ["-c", DEFAULT, "event", "--all", "--timeout", "3"])
        time.sleep(1.5)
        maps = Path(f"/proc/{proc.pid}/maps").read_text()
        spare = warm.spare_pid()
        assert spare in _children(server)  # one waiting, forked once the worker ran a second
        workers = [pid for pid in _children(server) if pid != spare]
        proc.communicate(timeout=30)
        assert ("libvirt.so" in maps) is (mode == "0"), mode
        assert bool(workers) is (mode == "force"), mode


def test_a_lost_spare_is_replaced(warm: Warm) -> None:
    """A spare that dies waiting costs nothing but its own replacement."""
    cold = warm.run(["-c", DEFAULT, "list"], mode="0")
    assert warm.run(["-c", DEFAULT, "list"]) == cold
    server = warm.wait_server()
    for _ in range(2):
        spare = warm.spare_pid()
        assert spare is not None and spare in _children(server)
        os.kill(spare, signal.SIGKILL)
        _wait_gone(spare)
        assert warm.run(["-c", DEFAULT, "list"]) == cold  # no descriptor of it kept open
        assert warm.server_pid() == server
    assert warm.spare_pid() not in (None, spare)


def test_a_client_gone_before_its_answer(warm: Warm) -> None:
    """A client that hangs up right after its request leaves the server serving."""
    import socket
    import struct

    from vsh.warm import wire

    cold = warm.run(["-c", DEFAULT, "list"], mode="0")
    assert warm.run(["-c", DEFAULT, "list"]) == cold
    server = warm.wait_server()
    fields = wire.run_fields("vsh", ["-c", DEFAULT, "list"], b"/", 0o22)
    request = wire.encode_request("run", wire.identity(), fields)
    null = os.open(os.devnull, os.O_RDWR)
    rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("3i", null, null, null))]
    try:
        for _ in range(20):  # each gone before the server's first line
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(str(warm.socket))
                sock.sendmsg([request], rights)
    finally:
        os.close(null)
    assert warm.run(["-c", DEFAULT, "list"]) == cold
    assert warm.server_pid() == server


def test_environment_cwd_and_umask_reach_the_worker(warm: Warm, tmp_path: Path) -> None:
    env = {"VSH_DEFAULT_CONNECT_URI": DEFAULT}
    cold = warm.run(["uri; pwd"], mode="0", cwd=str(tmp_path), **env)
    hot = warm.run(["uri; pwd"], cwd=str(tmp_path), **env)
    assert hot == cold
    assert hot.out == f"{DEFAULT}\n\n{tmp_path}\n\n"
    # umask: the -l log file is created by vsh itself
    for mode, name in (("0", "cold.log"), ("force", "hot.log")):
        path = tmp_path / name
        command = [*VSH, "-l", str(path), "-c", DEFAULT, "list"]
        proc = subprocess.run(
            ["sh", "-c", 'umask 077 && exec "$@"', "sh", *command],
            env=warm.env(mode),
            capture_output=True,
            timeout=60,
        )
        assert proc.returncode == 0
    assert (tmp_path / "hot.log").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "cold.log").stat().st_mode & 0o777 == 0o600


def test_timing_and_log_lines(warm: Warm, tmp_path: Path) -> None:
    digits = re.compile(r"\d+(\.\d+)?")
    cold = warm.run(["-t", "-c", DEFAULT, "list"], mode="0")
    hot = warm.run(["-t", "-c", DEFAULT, "list"])
    assert (hot.status, digits.sub("N", hot.out), hot.err) == (
        cold.status,
        digits.sub("N", cold.out),
        cold.err,
    )
    logs = []
    for mode in ("0", "force"):
        path = tmp_path / f"{mode}.log"
        assert warm.run(["-l", str(path), "-c", DEFAULT, "dominfo nosuch"], mode=mode).status == 1
        logs.append(digits.sub("N", path.read_text()))
    assert logs[0] == logs[1] and logs[0]


def test_piped_script_on_stdin(warm: Warm) -> None:
    """Runs in-process (one start-up serves every line), so forcing changes nothing."""
    same_both_ways(warm, ["-c", DEFAULT], stdin="list\ndominfo nosuch\ndomstate test\n")


def _start(warm: Warm, mode: str, args: list[str], **popen: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*VSH, *args],
        env=warm.env(mode),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,  # type: ignore[call-overload]
    )


def _interrupted(warm: Warm, mode: str, sig: int) -> tuple[int, bytes, bytes]:
    """Start a command that waits for events, send it ``sig`` once it waits."""
    args = ["-c", DEFAULT, "event", "--all", "--loop", "--timeout", "30"]
    proc = _start(warm, mode, args)
    assert proc.stdout is not None
    time.sleep(2.0)  # the worker (or process) is in its event loop by now
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, out, err


def test_ctrl_c_is_forwarded(warm: Warm) -> None:
    warm.run(["-c", DEFAULT, "list"])  # the server is up
    warm.wait_server()
    cold = _interrupted(warm, "0", signal.SIGINT)
    hot = _interrupted(warm, "force", signal.SIGINT)
    assert hot == cold
    assert cold[0] != 0


def test_worker_killed_by_a_signal(warm: Warm) -> None:
    warm.run(["-c", DEFAULT, "list"])
    warm.wait_server()
    status, _out, _err = _interrupted(warm, "force", signal.SIGTERM)
    assert status == 128 + signal.SIGTERM  # forwarded; the worker died of it


def test_closed_stdout(warm: Warm) -> None:
    results = []
    for mode in ("0", "force"):
        read, write = os.pipe()
        os.close(read)  # nobody will ever read: every write fails with EPIPE
        proc = subprocess.run(
            [*VSH, "-c", DEFAULT, "list; list; list"],
            env=warm.env(mode),
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=60,
        )
        os.close(write)
        results.append((proc.returncode, proc.stderr))
    assert results[0] == results[1] == (141, b"")


def test_missing_runtime_directory_runs_in_process(warm: Warm, tmp_path: Path) -> None:
    gone = str(tmp_path / "no" / "such")
    cold = warm.run(["-c", DEFAULT, "list"], mode="0", XDG_RUNTIME_DIR=gone)
    auto = warm.run(["-c", DEFAULT, "list"], mode="", XDG_RUNTIME_DIR=gone)
    assert auto == cold
    assert not Path(gone).exists()
    forced = warm.run(["-c", DEFAULT, "list"], XDG_RUNTIME_DIR=gone)
    assert forced.err == "error: warm path unavailable: no runtime directory\n"


def test_socket_with_a_wrong_mode_is_refused(warm: Warm) -> None:
    warm.run(["-c", DEFAULT, "list"])
    warm.wait_server()
    warm.socket.chmod(0o666)
    cold = warm.run(["-c", DEFAULT, "list"], mode="0")
    assert warm.run(["-c", DEFAULT, "list"], mode="") == cold  # silently in-process
    debug = warm.run(["-d", "4", "-c", DEFAULT, "list"], mode="")
    assert f"warm: {warm.socket} has mode 0666, not private\n" in debug.err
    forced = warm.run(["-c", DEFAULT, "list"])
    assert forced.err == f"error: warm path unavailable: {warm.socket} has mode 0666, not private\n"
    warm.socket.chmod(0o600)  # so that the fixture can stop the server


def test_another_uid_is_refused() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to run a client as another user")
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="vsh-warm-uid-", dir="/tmp"))
    root.chmod(0o755)  # the other user must reach the socket to be refused by it
    try:
        _refuse_other_uid(Warm(root))
    finally:
        for path in (root / "run", root / "run" / "vsh"):
            path.chmod(0o700)
        (root / "run" / "vsh" / "warm.sock").chmod(0o600)
        subprocess.run([*VSH, "--warm-stop"], env=Warm.env_for(root), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _refuse_other_uid(warm: Warm) -> None:
    warm.run(["-c", DEFAULT, "list"])
    warm.wait_server()
    # open the way on purpose, as a careless admin might: SO_PEERCRED still says no
    warm.dir.chmod(0o755)
    (warm.dir / "vsh").chmod(0o755)
    warm.socket.chmod(0o777)
    probe = (
        "import socket, struct, sys\n"
        "from vsh.warm import wire\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "s.connect(sys.argv[1])\n"
        "fields = wire.run_fields('vsh', ['list'], b'/', 18)\n"
        "req = wire.encode_request('run', wire.identity(), fields)\n"
        "rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack('3i', 0, 1, 2))]\n"
        "try:\n"
        "    s.sendmsg([req], rights)\n"
        "except BrokenPipeError:\n"
        "    pass  # refused before the request was read: the answer is waiting\n"
        "print(s.recv(4096).decode(), end='')\n"
    )
    repo = str(Path(__file__).resolve().parents[2])
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    proc = subprocess.run(
        [*nobody, sys.executable, "-c", probe, str(warm.socket)],
        capture_output=True,
        text=True,
        timeout=30,
        env=dict(warm.env(), PYTHONPATH=repo),
        cwd="/",
    )
    assert proc.stdout == f"refused UID 65534 is not {os.geteuid()}\n", proc.stderr


def test_server_killed_between_commands(warm: Warm) -> None:
    assert warm.run(["-c", DEFAULT, "list"]).status == 0
    old = warm.wait_server()
    os.kill(old, signal.SIGKILL)
    _wait_gone(old)
    cold = warm.run(["-c", DEFAULT, "list"], mode="0")
    assert warm.run(["-c", DEFAULT, "list"], mode="") == cold  # in-process, still right
    new = warm.wait_server(other_than=old)
    assert new != old
    assert warm.run(["-c", DEFAULT, "list"]) == cold


def test_stale_server_after_an_upgrade(warm: Warm, tmp_path: Path) -> None:
    """A copy of vsh whose version changes under a running server."""
    import shutil

    repo = Path(__file__).resolve().parents[2]
    copy = tmp_path / "pkg"
    shutil.copytree(repo / "vsh", copy / "vsh", ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PYTHONPATH": str(copy)}
    run = [sys.executable, "-m", "vsh", "-c", DEFAULT, "list"]

    def vsh(mode: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # not from the repository: its vsh would come first
            run, env=warm.env(mode, **env), capture_output=True, text=True, timeout=60, cwd=copy
        )

    assert vsh("force").returncode == 0
    old = warm.wait_server()
    init = copy / "vsh" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "9.9.9+'))
    after = vsh("")
    assert (after.returncode, after.stderr) == (0, "")  # ran in-process, said nothing
    _wait_gone(old)  # the stale server left
    new = warm.wait_server(other_than=old)
    status = subprocess.run(
        [sys.executable, "-m", "vsh", "--warm-status"],
        env=warm.env("0", **env),
        capture_output=True,
        text=True,
        timeout=30,
        cwd=copy,
    ).stdout
    assert f"pid={new} version=9.9.9+" in status


def test_a_vsh_package_in_the_working_directory_is_not_the_server(
    warm: Warm, tmp_path: Path
) -> None:
    """The server runs the client's vsh, not whatever ``vsh`` its cwd holds."""
    import shutil

    repo = Path(__file__).resolve().parents[2]
    other = tmp_path / "checkout"
    shutil.copytree(repo / "vsh", other / "vsh", ignore=shutil.ignore_patterns("__pycache__"))
    init = other / "vsh" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "9.9.9+'))
    cold = warm.run(["-c", DEFAULT, "list"], mode="0", cwd=str(other))
    assert warm.run(["-c", DEFAULT, "list"], cwd=str(other)) == cold  # not stale
    assert "version=9.9.9+" not in warm.run(["--warm-status"], mode="0").out


def test_idle_server_exits(warm: Warm) -> None:
    assert warm.run(["-c", DEFAULT, "list"], VSH_WARM_IDLE="1").status == 0
    pid = warm.wait_server()
    _wait_gone(pid, timeout=15)
    assert not warm.socket.exists()


def test_status_and_stop(warm: Warm) -> None:
    down = warm.run(["--warm-status"], mode="0")
    assert down.status == 1
    assert down.out.startswith("warm server: not running")
    warm.run(["-c", DEFAULT, "list"])
    pid = warm.wait_server()
    up = warm.run(["--warm-status"], mode="0")
    assert up.status == 0
    assert f"warm server: running (pid={pid} " in up.out
    stop = warm.run(["--warm-stop"], mode="0")
    assert stop.out == f"warm server: stopped (pid={pid})\n"
    _wait_gone(pid)


def test_server_state_is_pristine() -> None:
    """Preloaded: libvirt, click, every command; no rich, no prompt_toolkit, no thread."""
    probe = (
        "import sys, threading\n"
        "from vsh.warm import server\n"
        "server.preload()\n"
        "assert 'libvirt' in sys.modules and 'click' in sys.modules\n"
        "assert 'vsh.commands.domain.lifecycle' in sys.modules\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('rich', 'prompt_toolkit')]\n"
        "print(bad, threading.active_count())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out == "[] 1\n"


def test_a_server_started_after_a_command_waits_for_its_client(warm: Warm) -> None:
    """The cold path: the client's claim holds the lock from the start, but the
    server process stays a shell (no Python, no imports) until the client has
    ended, then becomes the server."""
    client = (
        "import sys\n"
        "from vsh.warm import client, paths\n"
        "directory = paths.ensure_private(paths.directory(), create=True)\n"
        "print(client.spawn_server(client.claim(directory), after=True), flush=True)\n"
        "sys.stdin.readline()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", client],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=warm.env(),
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        pid = int(proc.stdout.readline())
        time.sleep(1)
        from vsh.warm import client as lean

        assert lean.claim(str(warm.dir / "vsh")) is None  # held for the server
        assert Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0] == b"sh"
        assert not warm.socket.exists()
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert warm.wait_server() == pid  # the same process, now the server
    assert warm.run(["-c", DEFAULT, "list"]) == warm.run(["-c", DEFAULT, "list"], mode="0")


def test_a_command_right_after_warm_stop(warm: Warm) -> None:
    """The stopped server still holds its lock while it exits: a forced command
    at once waits for it to go and starts the next one (it did not, and failed
    after ten seconds)."""
    cold = warm.run(["-c", DEFAULT, "list"], mode="0")
    assert warm.run(["-c", DEFAULT, "list"]) == cold
    old = warm.wait_server()
    assert warm.run(["--warm-stop"], mode="0").out == f"warm server: stopped (pid={old})\n"
    start = time.monotonic()
    assert warm.run(["-c", DEFAULT, "list"]) == cold
    assert time.monotonic() - start < 8
    assert warm.wait_server(other_than=old) != old


def test_the_next_spare_waits_for_the_running_worker(tmp_path: Path, monkeypatch) -> None:
    """Forked beside a command that has just started, a spare takes the CPU
    it needs: the next one comes once no worker runs, or once the newest has
    run SPARE_AFTER (a long command does not leave the next one without)."""
    from vsh.warm import server

    now = [100.0]
    monkeypatch.setattr(server.time, "monotonic", lambda: now[0])
    srv = server.Server(str(tmp_path), idle=60)
    assert srv.spare_wait() is None  # not listening: none wanted
    srv.listener = object()  # type: ignore[assignment]
    assert srv.spare_wait() == 0  # no worker: at once
    srv.workers[1] = object()  # type: ignore[assignment]
    srv.handed_at = now[0]
    assert srv.spare_wait() == server.SPARE_AFTER
    now[0] += server.SPARE_AFTER / 4
    assert srv.spare_wait() == pytest.approx(server.SPARE_AFTER * 3 / 4)
    now[0] += server.SPARE_AFTER
    assert srv.spare_wait() == 0  # it has run long enough
    srv.spare = object()  # type: ignore[assignment]
    assert srv.spare_wait() is None  # one is waiting already
