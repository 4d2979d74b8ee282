"""Differential tests: save/restore, managedsave, domrename, desc, metadata,
edit, console (no terminal), domdisplay, vncdisplay, screenshot.

virsh 9.0 runs save and managedsave in a worker thread and can hang for good
when that worker fails at once (it quits the event loop before the loop
runs), so failures inside the worker (a rejected flag, a read-only
connection) are not compared; failures before it (option values, look-ups)
are.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conformance.harness import (
    VIRSH,
    VSH,
    Normaliser,
    Outcome,
    assert_same,
    base_env,
    run_virsh,
    run_vsh,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFAULT = "test:///default"
NODE = f"test://{FIXTURES / 'domains' / 'node.xml'}"
TESTNODE = f"test://{FIXTURES / 'testnode' / 'testnode.xml'}"

COMMANDS = [
    *("console", "desc", "domdisplay", "domrename", "edit", "managedsave"),
    *("managedsave-remove", "metadata", "restore", "save", "screenshot", "vncdisplay"),
]


@pytest.mark.parametrize("name", COMMANDS)
def test_help(name: str) -> None:
    assert_same(["-c", DEFAULT, f"help {name}; {name} --help"])


def _same_job(args: list[str], normalise: Normaliser | None = None) -> None:
    """assert_same for save/managedsave.  virsh's lost-wakeup hang (its worker
    finishing before its main loop starts) is retried, not counted; vsh runs
    once, and a vsh that hangs fails the test."""
    for _ in range(4):
        try:
            expected = run_virsh(args, timeout=20)
        except subprocess.TimeoutExpired:
            continue
        break
    else:
        pytest.fail(f"virsh hung on every try: {args!r}")
    try:
        actual = run_vsh(args, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail(f"vsh hung: {args!r}")
    if normalise is not None:
        expected = Outcome(expected.status, normalise(expected.out), normalise(expected.err))
        actual = Outcome(actual.status, normalise(actual.out), normalise(actual.err))
    assert (actual.err, actual.out, actual.status) == (
        expected.err,
        expected.out,
        expected.status,
    ), f"differs for {args!r}"


def test_save_restore(tmp_path: Path) -> None:
    img = tmp_path / "s1"
    _same_job(
        ["-c", DEFAULT, f"save test {img}; list --all; restore {img}; list; dominfo test"],
        normalise=_cpu,
    )
    img.unlink(missing_ok=True)
    _same_job(["-c", DEFAULT, f"save --domain test --file {img} --bypass-cache; list --all"])
    img.unlink(missing_ok=True)
    _same_job(["-c", DEFAULT, f"save 1 {img} --verbose; restore {img} --paused; list"])
    img.unlink(missing_ok=True)
    assert_same(["-c", DEFAULT, "save test ''"])
    assert_same(["-c", DEFAULT, "save nope /x"])
    assert_same(["-c", DEFAULT, f"restore {tmp_path / 'missing'}"])
    assert_same(["-c", DEFAULT, f"restore {tmp_path / 'missing'} --running"])
    assert_same(["-c", DEFAULT, f"restore {img} --xml {tmp_path / 'missing.xml'}"])
    assert_same(["-c", DEFAULT, "restore ''"])
    assert_same(["-c", DEFAULT, "restore /x --xml ''"])
    assert_same(["-r", "-c", DEFAULT, f"restore {img}"])


def _cpu(text: str) -> str:
    import re

    return re.sub(r"^(CPU time:\s+)[0-9.]+s$", r"\1<varies>s", text, flags=re.M)


MANAGEDSAVE = [
    "managedsave test; list --all --with-managed-save; dominfo test; "
    "managedsave-remove test; managedsave-remove test",
    "managedsave test --verbose --paused --bypass-cache; start test; list",
    "managedsave nope",
    "managedsave ''",
    "managedsave-remove nope",
    "managedsave-remove test",
]


@pytest.mark.parametrize("script", MANAGEDSAVE)
def test_managedsave(script: str) -> None:
    _same_job(["-c", DEFAULT, script], normalise=_cpu)


def test_job_watch_debug_lines(tmp_path: Path) -> None:
    """-d 0: the watch's own lines, and a worker's error before "job done"."""
    img = tmp_path / "img"
    script = (
        f"save test {img} --verbose; restore {img}; save test {img} --xml {tmp_path / 'no'}; "
        f"save test {tmp_path / 'no' / 'dir'} --verbose; managedsave test"
    )
    _same_job(["-d", "0", "-c", DEFAULT, script])


def test_verbose_jobs_on_a_terminal(tmp_path: Path) -> None:
    """stdin a terminal: the job watch also watches it, and restores it after."""
    img = tmp_path / "img"
    script = f"save test {img} --verbose; restore {img}; managedsave test --verbose; start test"
    for _ in range(4):
        try:
            expected = _transcript([VIRSH], script, "", {})
        except subprocess.TimeoutExpired:  # virsh's lost wake-up (see _same_job)
            img.unlink(missing_ok=True)
            continue
        img.unlink(missing_ok=True)
        assert _transcript(VSH, script, "", {}) == expected
        return
    pytest.fail("virsh hung on every try")


RENAME = [
    "domrename test t2",
    "destroy test; domrename test t2; list --all; domrename t2 ''; domrename t2 test",
    "destroy test; domrename test test",
    "domrename nope x",
    f"destroy test; domrename {'6695eb01-f6a4-8304-79aa-97f2502e193f'} u; list --all",
]


@pytest.mark.parametrize("script", RENAME)
def test_domrename(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


DESC = [
    "desc test",
    "desc test --title",
    "desc test hello world ; desc test; desc test --title A  title; desc test --title",
    "desc test --config new one; desc test --config; desc test --live; desc test",
    "desc test --live live one; desc test --live; desc test --config",
    "desc test --current --live",
    "desc test --current --config",
    "desc test ''; desc test",
    "desc nope",
    "desc test -- --title",
]


@pytest.mark.parametrize("script", DESC)
def test_desc(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


METADATA = [
    "metadata test http://x/",
    "metadata test http://x/ --set '<a/>'",
    "metadata test http://x/ --key k --set '<a>1</a>'; metadata test http://x/; "
    "metadata test http://x/ --config; metadata test http://x/ --remove; metadata test http://x/",
    "metadata test http://x/ --key k --set 'not xml'",
    "metadata test http://x/ --edit --set x",
    "metadata test http://x/ --remove --set x",
    "metadata test http://x/ --remove --edit",
    "metadata test http://x/ --edit --set ''",
    "metadata test http://x/ --remove --set ''",
    "metadata test http://x/ --current --live --edit --set ''",
    "metadata test http://x/ --current --live",
    "metadata test '' --key k",
    "metadata test http://x/ --key ''",
    "metadata nope http://x/",
]


@pytest.mark.parametrize("script", METADATA)
def test_metadata(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def _temp(text: str) -> str:
    import re

    return re.sub(r"virsh[A-Za-z0-9]{6}\.xml", "virshXXXXXX.xml", _cpu(text))


def _editor(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_edit_family(tmp_path: Path) -> None:
    editors = [
        "true",
        _editor(tmp_path, "bad.sh", 'echo "<domain>broken" > "$1"\n'),
        _editor(tmp_path, "mem.sh", "sed -i 's/8388608/4194304/' \"$1\"\n"),
        _editor(tmp_path, "text.sh", "printf 'edited text\\n' > \"$1\"\n"),
        _editor(tmp_path, "meta.sh", "printf '<a>edited</a>\\n' > \"$1\"\n"),
        _editor(tmp_path, "fail.sh", "exit 3\n"),
        "true ;",
    ]
    scripts = [
        "edit test; dominfo test",
        "edit test --skip-validate",
        "desc test --edit; desc test",
        "desc test --title --edit; desc test --title",
        "metadata test http://x/ --key k --edit; metadata test http://x/",
    ]
    for editor in editors:
        for script in scripts:
            assert_same(["-c", DEFAULT, script], env={"EDITOR": editor}, normalise=_temp)
    visual = _editor(tmp_path, "visual.sh", "printf 'from visual\\n' > \"$1\"\n")
    assert_same(
        ["-c", DEFAULT, "desc test --edit; desc test"],
        env={"EDITOR": "true", "VISUAL": visual},
    )
    assert_same(["-c", DEFAULT, "edit nope"], env={"EDITOR": "true"})


# virsh's "Try again?" needs a terminal: both programs run on a pseudo-terminal,
# a key is typed at each prompt and the whole transcript is compared.
PROMPT = r"Try again\? \[[^\]]*\]: "
BOGUS = 'grep -q bogus "$1" || sed -i \'s#</domain>#  <bogus/>\\n</domain>#\' "$1"\n'


def _transcript(program: list[str], script: str, keys: str, env: dict[str, str]) -> tuple:
    from tests.realstack.ptyshell import PtyShell

    with PtyShell([*program, "-c", DEFAULT, script], env=base_env(env)) as sh:
        for key in keys:
            sh.expect(PROMPT)
            sh.send(key)
        sh.proc.wait(30)
        sh.settle(0.1)
        return _temp(sh.buffer), sh.proc.returncode


@pytest.mark.parametrize(
    ("editor", "script", "keys"),
    [
        # invalid against the schema: "i" defines it without validation
        ("bogus", "edit test; dumpxml test --xpath //bogus", "?xi"),
        ("bogus", "edit test", "fI"),
        # a new editor run offers "i" again
        ("bogus", "edit test", "y?n"),
        # --skip-validate still offers "i" (virsh does), which then fails again
        ("broken", "edit test --skip-validate", "i?fn"),
        # no relax step: "i" is not an answer
        ("broken", "snapshot-create-as test s1; snapshot-edit test s1", "?iy\x04n"),
        ("text", "desc test --edit; metadata test http://x/ --key k --edit", ""),
    ],
)
def test_edit_on_a_terminal(tmp_path: Path, editor: str, script: str, keys: str) -> None:
    bodies = {
        "bogus": BOGUS,
        "broken": 'echo "<broken" > "$1"\n',
        "text": "printf '<a>edited</a>\\n' > \"$1\"\n",
    }
    env = {"VISUAL": _editor(tmp_path, f"{editor}.sh", bodies[editor])}
    expected = _transcript([VIRSH], script, keys, env)
    assert _transcript(VSH, script, keys, env) == expected


def test_default_editor_is_debians(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither VISUAL nor EDITOR: Debian's virsh runs sensible-editor."""
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _editor(bin_dir, "sensible-editor", "/bin/sed -i 's/8388608/4194304/' \"$1\"\n")
    script = "edit test; dominfo test"
    assert_same(["-c", DEFAULT, script], env={"PATH": str(bin_dir)}, normalise=_temp)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_same(["-c", DEFAULT, script], env={"PATH": str(empty)}, normalise=_temp)


CONSOLE = [
    "console test",
    "console test --devname serial0 --force --safe",
    "console test --devname ''",
    "destroy test; console test",
    "console nope",
]


@pytest.mark.parametrize("script", CONSOLE)
def test_console_without_tty(script: str) -> None:
    assert_same(["-c", DEFAULT, script])
    assert_same(["-e", "^a", "-c", DEFAULT, script])


DISPLAY = [
    "vncdisplay test",
    "domdisplay test",
    "domdisplay test --type vnc",
    "domdisplay test --type ''",
    "domdisplay test --all --type vnc",
    "domdisplay test --all --type ''",
    "domdisplay test --type '' --all",
    "domdisplay test --all --include-password",
    "destroy test; vncdisplay test; domdisplay test",
    "vncdisplay nope",
]


@pytest.mark.parametrize("script", DISPLAY)
def test_display(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


@pytest.mark.parametrize("uri", [NODE, TESTNODE])
def test_other_fixtures(uri: str) -> None:
    names = assert_same(["-c", uri, "list --all --name"]).out.split("\n")
    for name in [n for n in names if n and "'" not in n and '"' not in n][:6]:
        word = "'" + name + "'"
        for cmd in ("desc", "desc --title", "vncdisplay", "domdisplay --all", "console"):
            head, _, rest = cmd.partition(" ")
            assert_same(["-c", uri, f"{head} {word} {rest}"])


def test_screenshot(tmp_path: Path) -> None:
    shot = tmp_path / "shot"
    assert_same(["-c", DEFAULT, f"screenshot test --file {shot}"])
    assert_same(["-c", DEFAULT, f"screenshot test {shot} --screen 1"])
    assert_same(["-c", DEFAULT, "screenshot test --screen x"])
    assert_same(["-c", DEFAULT, "screenshot test --screen -1"])
    assert_same(["-c", DEFAULT, "screenshot test --screen ''"])
    assert_same(["-c", DEFAULT, "screenshot test --file ''"])
    assert_same(["-c", DEFAULT, f"destroy test; screenshot test --file {shot}"])
    assert_same(["-c", DEFAULT, f"screenshot test --file {tmp_path / 'no' / 'dir'}"])
    assert_same(["-r", "-c", DEFAULT, f"screenshot test --file {shot}"])


def test_read_only() -> None:
    for script in (
        "domrename test x",
        "desc test x",
        "desc test",
        "metadata test http://x/ --key k --set '<a/>'",
        "managedsave-remove test",
        "vncdisplay test",
        "console test",
    ):
        assert_same(["-r", "-c", DEFAULT, script])


MORE_CASES = [
    "restore /nonexistent.sav",
    "restore /tmp/x --running --paused",
    "managedsave nosuch",
    "managedsave-remove nosuch",
    "domrename test",
    "domrename test test",
    "domrename test other",
    "destroy test; domrename test other; list --all",
    "destroy test; domrename test ''",
    "desc test --new-desc hello; desc test",
    "desc test --title --new-desc 'my title'; desc test --title; list --title",
    "desc nosuch",
    "metadata test http://x.org/",
    "metadata test http://x.org/ --key k --set '<a/>'; metadata test http://x.org/",
    "metadata test http://x.org/ --set '<a/>'",
    "metadata test http://x.org/ --remove",
    "metadata test http://x.org/ --key k --remove",
    "metadata test ''",
    "console nosuch",
    "console test --safe --force",
    "domdisplay nosuch",
    "domdisplay test --include-password",
    "domdisplay test --all",
    "vncdisplay nosuch",
    "destroy test; vncdisplay test",
    "screenshot nosuch",
    "edit nosuch",
]


@pytest.mark.parametrize("script", MORE_CASES)
def test_more_default(script: str) -> None:
    assert_same(["-c", DEFAULT, script])


def test_more_read_only() -> None:
    assert_same(
        [
            "-r",
            "-c",
            DEFAULT,
            "restore /nonexistent.sav; desc test --new-desc x; "
            "metadata test http://x.org/ --key k --set '<a/>'",
        ]
    )
