"""Fleet mode end to end (``vsh -H``) over test-driver hosts, an unreachable
socket and a socket that accepts and never answers.

The hosts run as threads of one process, where every ``test:///default``
is one shared test driver: hosts that must each have a driver of their own
(state changes) are ``test://FILE`` hosts, whose every connection reads its
file anew.  ``odd`` hosts have different domains, for the outputs that must
differ.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vsh.fleet.main import with_json

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "qemu+unix:///system?socket=/nonexistent"
LIST = " Id   Name   State\n----------------------\n 1    test   running\n\n"
OTHER_NODE = """<node><domain type='test'><name>other</name><memory>1024</memory>
<os><type>hvm</type></os></domain></node>"""
# test:///default's running domain 'test', in a file: a private driver per connection
OWN_NODE = """<node><domain type='test'><name>test</name>
<uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid><memory>8388608</memory>
<os><type>hvm</type></os></domain></node>"""


def own_uri(hosts: Path) -> str:
    """The URI of the t0N hosts (a test:// node file beside the hosts file)."""
    return f"test://{hosts.parent / 'own.xml'}"


@pytest.fixture
def hosts(tmp_path: Path) -> Path:
    """A hosts file in the test's private $XDG_CONFIG_HOME."""
    node = tmp_path / "other.xml"
    node.write_text(OTHER_NODE)
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "vsh"
    config.mkdir(parents=True)
    (config / "own.xml").write_text(OWN_NODE)
    own = own_uri(config / "hosts.toml")
    (config / "hosts.toml").write_text(
        f"""
[hosts]
t01 = "{own}"
t02 = "{own}"
t03 = "{own}"
t07 = "{own}"
odd = "test://{node}"
odd2 = "test://{node}"
down = "{UNREACHABLE}"
off = {{ uri = "test:///default", disabled = true }}
[groups]
lab = ["t[01-03]", "t07"]
mixed = ["@lab", "odd"]
"""
    )
    return config / "hosts.toml"


def vsh(
    *args: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "vsh", *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def blocks(text: str) -> dict[str, str]:
    """Prefixed output -> host -> its lines; each host's lines must be contiguous."""
    found: dict[str, list[str]] = {}
    order: list[str] = []
    for line in text.splitlines():
        name, _, rest = line.partition(": ")
        if not order or order[-1] != name:
            assert name not in found, f"{name}'s block is split:\n{text}"
            order.append(name)
        found.setdefault(name, []).append(rest)
    return {name: "\n".join(lines) + "\n" for name, lines in found.items()}


def test_prefix_output(hosts: Path) -> None:
    proc = vsh("-H", "@lab", "list")
    assert proc.returncode == 0, proc.stderr
    assert blocks(proc.stdout) == dict.fromkeys(["t01", "t02", "t03", "t07"], LIST)
    assert proc.stderr == "4 ok\n"


def test_gather_and_a_failed_host(hosts: Path) -> None:
    proc = vsh("-H", "@mixed", "--gather", "domstate test")
    assert proc.returncode == 1
    assert proc.stdout == "---------------\nt[01-03,07] (4)\n---------------\nrunning\n\n"
    assert proc.stderr == "odd: error: failed to get domain 'test'\n4 ok, 1 failed (odd)\n"
    proc = vsh("-H", "@mixed", "--gather", "list")
    assert (proc.returncode, proc.stderr) == (0, "5 ok\n")
    assert proc.stdout == (
        "---------------\nt[01-03,07] (4)\n---------------\n" + LIST
        + "---------------\nodd (1)\n---------------\n"
        " Id   Name    State\n-----------------------\n 1    other   running\n\n"
    )  # fmt: skip


def test_diff(hosts: Path) -> None:
    proc = vsh("-H", "odd,@lab", "--diff", "list", "--name")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ("--- t[01-03,07] (4)\n+++ odd (1)\n@@ -1,2 +1,2 @@\n-test\n+other\n \n")


def test_json_merges_each_commands_own_json(hosts: Path) -> None:
    single = vsh("-c", own_uri(hosts), "list", "--all", "--json")
    proc = vsh("-H", "t01,t02,down", "--json", "list --all")
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert list(doc["hosts"]) == ["t01", "t02", "down"]
    for name in ("t01", "t02"):
        assert doc["hosts"][name] == {
            "status": "ok",
            "exit": 0,
            "result": json.loads(single.stdout),
            "stderr": "",
        }
    assert doc["hosts"]["down"]["status"] == "unreachable"
    assert doc["hosts"]["down"]["exit"] == 1
    assert doc["hosts"]["down"]["stderr"].startswith("error: failed to connect to the hypervisor\n")
    assert doc["summary"]["ok"] == 2 and doc["summary"]["unreachable"] == 1
    assert proc.stderr == "2 ok, 1 unreachable (down)\n"


def test_json_needs_commands_with_json(hosts: Path) -> None:
    proc = vsh("-H", "t01", "--json", "list; hostname")
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == "error: --json: 'hostname' has no --json output\n"


@pytest.mark.parametrize(
    ("spec", "command", "status", "summary"),
    [
        ("t01,t02", "dominfo test", 0, "2 ok"),
        ("t01,odd", "dominfo test", 1, "1 ok, 1 failed (odd)"),
        ("t01,down", "dominfo test", 2, "1 ok, 1 unreachable (down)"),
        ("odd,down,t01", "dominfo test", 3, "1 ok, 1 failed (odd), 1 unreachable (down)"),
        ("odd,down", "dominfo test", 3, "0 ok, 1 failed (odd), 1 unreachable (down)"),
    ],
)
def test_exit_status_bits(hosts: Path, spec: str, command: str, status: int, summary: str) -> None:
    proc = vsh("-H", spec, command)
    assert proc.returncode == status
    assert proc.stderr.splitlines()[-1] == summary


def test_failed_host_stderr_is_prefixed(hosts: Path) -> None:
    proc = vsh("-H", "odd", "dominfo test")
    assert proc.stderr == ("odd: error: failed to get domain 'test'\n0 ok, 1 failed (odd)\n")


def test_fail_fast_stops_launching(hosts: Path) -> None:
    proc = vsh("-H", "down,t01,t02", "--fanout", "1", "--fail-fast", "list")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines()[-1] == "0 ok, 1 unreachable (down), 2 skipped (t[01-02])"


@pytest.fixture
def silent_socket(tmp_path: Path) -> Iterator[str]:
    """A unix socket that accepts connections and never says a word."""
    path = str(tmp_path / "silent.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield path
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_connect_timeout_on_a_socket_that_never_answers(hosts: Path, silent_socket: str) -> None:
    start = time.monotonic()
    proc = vsh("-H", f"t01,qemu+unix:///system?socket={silent_socket}", "--connect-timeout", "1.5",
               "list")  # fmt: skip
    elapsed = time.monotonic() - start
    assert proc.returncode == 2
    name = f"qemu+unix:///system?socket={silent_socket}"
    assert f"{name}: error: connect timed out after 1.5 s\n" in proc.stderr
    assert proc.stderr.endswith(f"1 ok, 1 unreachable ({name})\n")
    assert blocks(proc.stdout) == {"t01": LIST}
    assert 1.5 < elapsed < 10


def test_command_timeout(hosts: Path) -> None:
    start = time.monotonic()
    proc = vsh("-H", "t01,t02", "--command-timeout", "1", "event --all --loop")
    assert proc.returncode == 2
    assert proc.stderr.endswith("0 ok, 2 timed out (t[01-02])\n")
    assert "t01: error: command timed out after 1 s\n" in proc.stderr
    assert time.monotonic() - start < 10


def test_state_changes_need_yes_without_a_terminal(hosts: Path) -> None:
    proc = vsh("-H", "@lab", "list; destroy test")
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == (
        "error: destroy changes state on t[01-03,07] (4): add --yes to run it without a terminal\n"
    )
    proc = vsh("-H", "@lab", "--yes", "destroy test")
    assert proc.returncode == 0, proc.stderr
    assert blocks(proc.stdout) == dict.fromkeys(
        ["t01", "t02", "t03", "t07"], "Domain 'test' destroyed\n\n"
    )
    # one host: no confirmation; a read-only form of a changing command: none either
    assert vsh("-H", "t01", "destroy test").returncode == 0
    assert vsh("-H", "@lab", "snapshot-rotate --all --check --label x").stderr.count("changes") == 0


def test_readonly_reaches_every_host(hosts: Path) -> None:
    proc = vsh("-r", "-H", "t01,t02", "--yes", "destroy test")
    assert proc.returncode == 1
    assert proc.stderr.count("read only access prevents virDomainDestroy") == 2


def test_commands_from_stdin(hosts: Path) -> None:
    proc = vsh("-H", "t01,t02", "--gather", stdin="list --name\nnosuchcmd\n")
    assert proc.returncode == 1
    assert proc.stderr == "error: unknown command: 'nosuchcmd'\n"
    proc = vsh("-H", "t01,t02", "--gather", stdin="list --name\ndomstate test\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "---------------\nt[01-02] (2)\n---------------\ntest\n\nrunning\n\n"


ERRORS = [
    (
        ["-H", "t01,nope,@nada", "list"],
        "error: unknown host 'nope'\nerror: unknown group '@nada'\n",
    ),
    (["-H", "t01", "-x", "t01", "list"], "error: no hosts left to run on\n"),
    (
        ["-H", "t01", "--fanout", "0", "list"],
        "error: option --fanout requires a positive integer argument\n",
    ),
    (
        ["-H", "t01", "--connect-timeout", "x", "list"],
        "error: option --connect-timeout requires a positive number of seconds\n",
    ),
    (
        ["-H", "t01", "--gather", "--diff", "list"],
        "error: --gather and --diff are mutually exclusive\n",
    ),
    (
        ["-H", "t01", "-c", "test:///default", "list"],
        "error: -c and -H cannot be used together: name the URI in the host spec\n",
    ),
    (["-H", "t01", "lst"], "error: unknown command: 'lst'\n"),
    (["-H", "t01", "--json", "--gather", "list"],
     "error: --json and --gather are mutually exclusive\n"),
    (["-H", "t01", "--command-timeout", "-1", "list"],
     "error: option --command-timeout requires a positive number of seconds\n"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), ERRORS)
def test_errors_before_anything_runs(hosts: Path, args: list[str], message: str) -> None:
    proc = vsh(*args)
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", message)


def test_a_malformed_hosts_file(hosts: Path) -> None:
    hosts.write_text("[hosts]\nt01 = 1\n")
    proc = vsh("-H", "t01", "list")
    assert (proc.returncode, proc.stdout) == (1, "")
    assert (
        proc.stderr == f"error: {hosts}: hosts.t01: must be a URI string or {{ uri = ..., ... }}\n"
    )


def test_disabled_and_all(hosts: Path) -> None:
    proc = vsh("-H", "@all", "-x", "down,odd", "--gather", "uri")
    assert proc.stdout.splitlines()[1] == "t[01-03,07] (4)"
    proc = vsh("-H", "off", "uri")
    assert proc.stdout == "off: test:///default\noff: \n"


# Each host lists, fails once (which its -l log records), then waits for events forever.
LOOPING = "list --name; domstate no-such-domain; event --all --loop"


def _wait_looping(log: Path, count: int) -> None:
    """Until ``count`` hosts of a fleet run with ``-l log LOOPING`` have logged their
    error, that is, have reached their endless ``event --loop``."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if log.exists() and log.read_text().count("no-such-domain") >= count:
            time.sleep(0.5)  # from the log line to the event loop's wait
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} hosts did not reach the event loop")


def test_ctrl_c_prints_what_arrived_and_exits_130(hosts: Path, tmp_path: Path) -> None:
    log = tmp_path / "hosts.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "vsh", "-l", str(log), "-H", "t01,t02", LOOPING],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    _wait_looping(log, 2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    # what each host had printed: a one-shot vsh's output up to the loop
    before = vsh("-c", own_uri(hosts), LOOPING.rsplit(";", 1)[0])
    assert blocks(out) == dict.fromkeys(["t01", "t02"], before.stdout)
    assert err.endswith("0 ok, 2 interrupted (t[01-02])\n")
    assert _warm_workers_left() == 0


def test_with_json_inserts_after_each_command() -> None:
    assert with_json("list --all; dominfo 'a b'  # c\nuri") == (
        "list --all --json; dominfo 'a b' --json  # c\nuri --json"
    )
    assert with_json("list") == "list --json"


def test_the_interactive_fleet_shell(hosts: Path) -> None:
    from tests.conformance.harness import base_env
    from tests.realstack.ptyshell import PtyShell, clean

    env = base_env({"XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"], "PYTHONPATH": str(ROOT)})
    with PtyShell([sys.executable, "-m", "vsh", "-H", "@lab"], env=env) as sh:
        sh.expect("vsh @lab # ")
        out = clean(sh.command("domstate test", prompt="vsh @lab # "))
        hosts_lines = "".join(line + "\n" for line in out.splitlines() if line.startswith("t0"))
        assert blocks(hosts_lines) == dict.fromkeys(["t01", "t02", "t03", "t07"], "running\n\n")
        assert "4 ok\n" in out
        # a state-changing command asks first, listing the hosts; "n" runs nothing
        sh.send("destroy test\n")
        asked = clean(sh.expect(r"Continue\? \[y/N\] "))
        assert "destroy will change state on 4 hosts:" in asked
        assert f"  t07  {own_uri(hosts)}" in asked
        out = clean(sh.command("n", prompt="vsh @lab # "))
        assert "destroyed" not in out
        sh.send("destroy test\n")
        sh.expect(r"Continue\? \[y/N\] ")
        out = clean(sh.command("y", prompt="vsh @lab # "))
        assert out.count("Domain 'test' destroyed") == 4
        # an error on one line (here a bad command) leaves the shell running
        out = clean(sh.command("lst", prompt="vsh @lab # "))
        assert "error: unknown command: 'lst'" in out
    with PtyShell([sys.executable, "-m", "vsh", "-H", "t01", "--json"], env=env) as sh:
        sh.expect("vsh t01 # ")
        out = clean(sh.command("hostname", prompt="vsh t01 # "))
        assert "error: --json: 'hostname' has no --json output" in out
        out = clean(sh.command("domstate test", prompt="vsh t01 # "))
        assert '"hosts"' in out
        sh.send("quit\n")
        assert sh.close() == 0


ROTATE = "snapshot-rotate --all --label x --keep-last 1"
CHECK = "snapshot-rotate --check --all --label x --keep-last 1 --warn 1h --crit 2h"


@pytest.mark.parametrize(
    ("spec", "command", "status", "lines"),
    [
        # odd's domain has a random UUID in each process: snapshot-rotate's lock
        # (per domain UUID, on this machine) never makes them wait for each other
        ("odd,odd2", f"{ROTATE}; {CHECK}", 0, ["odd: OK: ", "odd2: OK: "]),
        ("odd,down", f"{ROTATE}; {CHECK}", 3, ["odd: OK: "]),
        ("t01,down", CHECK, 2, ["t01: CRITICAL: test has no 'x' snapshot", "down: UNKNOWN: "]),
    ],
)
def test_a_fleet_check_exits_with_the_worst_nagios_state(
    hosts: Path, spec: str, command: str, status: int, lines: list[str]
) -> None:
    proc = vsh("-H", spec, "--yes", command)
    assert proc.returncode == status, proc.stdout + proc.stderr
    for line in lines:
        assert any(out.startswith(line) for out in proc.stdout.splitlines()), proc.stdout


def _warm_workers_left() -> int:
    """With the warm server (VSH_TEST_WARM=1), how many of its workers still run
    after a few seconds (a worker orphaned by a SIGKILLed client never ends);
    in-process, 0."""
    if os.environ.get("VSH_WARM") != "force":
        return 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    deadline = time.monotonic() + 10
    while True:
        status = subprocess.run(
            [sys.executable, "-m", "vsh", "--warm-status"], capture_output=True, text=True, env=env
        ).stdout
        count = int(status.split("workers=")[1].split()[0]) if "workers=" in status else 0
        if count == 0 or time.monotonic() > deadline:
            return count
        time.sleep(0.2)


def _running(marker: str) -> list[str]:
    """PIDs of processes whose command line holds ``marker`` (this test's own)."""
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    return found.stdout.split()


def test_a_closed_stdout_stops_every_host(hosts: Path, silent_socket: str) -> None:
    """``vsh -H ... | head``: when a write fails (141), no host's vsh is left behind.

    The reader has gone before anything is written: the quick host's block is
    the first write; the other host is still connecting to a silent socket.
    """
    marker = f"fleet-marker-{os.getpid()}-pipe"
    silent = f"qemu+unix:///system?socket={silent_socket}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    reader, writer = os.pipe()
    os.close(reader)
    proc = subprocess.run(
        [sys.executable, "-m", "vsh", "-H", f"t01,{silent}", f"uri # {marker}"],
        stdin=subprocess.DEVNULL,
        stdout=writer,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
    )
    os.close(writer)
    assert proc.returncode == 141, proc.stderr
    assert _running(marker) == []


def test_sigterm_stops_every_host(hosts: Path, tmp_path: Path) -> None:
    marker = f"fleet-marker-{os.getpid()}-term"
    log = tmp_path / "hosts.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "vsh", "-l", str(log), "-H", "t01,t02", f"{LOOPING} # {marker}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    _wait_looping(log, 2)
    proc.terminate()
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert err.endswith("0 ok, 2 interrupted (t[01-02])\n")
    assert _running(marker) == []
    assert _warm_workers_left() == 0


def test_completion_is_the_union_of_the_hosts_names(hosts: Path) -> None:
    from vsh.cli import run_host
    from vsh.fleet import inventory
    from vsh.fleet.hostspec import select
    from vsh.fleet.main import FleetOptions, union_of_names

    fleet_hosts = select("t01,odd,down", None, inventory.load())
    options = FleetOptions(spec="t01,odd,down")

    def union(words: list[str]) -> list[str]:
        return union_of_names(options, fleet_hosts, words, run_host)

    # "test" exists only on t01, "other" only on odd; down answers nothing
    assert union(["dominfo", "t"]) == ["test"]
    assert union(["dominfo", "o"]) == ["other"]
    assert union(["dominfo", ""]) == ["--domain"]
    assert union(["domst"]) == ["domstate", "domstats"]


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("edit test", "edit needs a terminal of its own"),
        ("list; net-edit default", "net-edit needs a terminal of its own"),
        ("console test", "console needs a terminal of its own"),
        ("secret-set-value x --interactive", "secret-set-value needs a terminal of its own"),
        ("lxc-enter-namespace test -- /bin/true", "lxc-enter-namespace needs a process of its own"),
    ],
)
def test_commands_that_need_a_terminal_are_refused(hosts: Path, command: str, why: str) -> None:
    proc = vsh("-H", "t01,t02", "--yes", command)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"error: {why}: run it with -c on one host\n"


@pytest.mark.parametrize("answer", ["y", "n"])
def test_a_one_shot_state_change_asks_on_the_terminal(hosts: Path, answer: str) -> None:
    from tests.conformance.harness import base_env
    from tests.realstack.ptyshell import PtyShell, clean

    env = base_env({"XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"], "PYTHONPATH": str(ROOT)})
    with PtyShell([sys.executable, "-m", "vsh", "-H", "t01,t02", "destroy test"], env=env) as sh:
        asked = clean(sh.expect(r"Continue\? \[y/N\] "))
        assert f"destroy will change state on 2 hosts:\n  t01  {own_uri(hosts)}\n" in asked
        sh.send(answer + "\n")
        if answer == "y":
            sh.expect("2 ok")
        status = sh.proc.wait(timeout=30)
        out = clean(sh.buffer)
    if answer == "y":
        assert status == 0
        assert out.count("Domain 'test' destroyed") == 2
    else:
        assert status == 1
        assert "destroyed" not in out
